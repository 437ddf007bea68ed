# pinbench build. Objects live in build/<flavour>/obj; the flavours are the release build that
# publishes numbers, and the sanitizer builds that only ever run tests.
#   make            build/pinbench
#   make bench      check/install dependencies, build, run the default profile
#   make test       unit tests (release, ASan+UBSan, TSan for the threaded harness), smoke runs
#   make format / format-check / compdb

CC      ?= gcc
CXX     ?= g++
PROFILE ?= default
BUILD   := build

CPPFLAGS += -D_GNU_SOURCE -Iharness -Ibench -MMD -MP
WARN     := -Wall -Wextra -Wshadow -Wformat=2 -Wundef -Wpointer-arith -Wvla -Wcast-align \
            -Wmissing-prototypes -Wstrict-prototypes
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -pthread
CXXFLAGS ?= -O2 -g
CXXFLAGS += -std=c++17 -Wall -Wextra -Wshadow -pthread
# Warnings are errors in CI only, so a newer compiler on a user's box never blocks a build.
ifeq ($(CI),true)
CFLAGS   += -Werror
CXXFLAGS += -Werror
endif

PKGS     := benchmark hwloc
PKG_LIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lpfm -lm -pthread
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

# the command line (main.c, cli_*.c) links only into the pinbench binaries
CLI_C     := harness/main.c $(wildcard harness/cli_*.c)
HARNESS_C := $(filter-out $(CLI_C),$(wildcard harness/*.c))
HARNESS_CC:= $(wildcard harness/*.cc)
BENCH_C   := $(wildcard bench/*.c)
TEST_C    := $(wildcard tests/test_*.c) tests/seal.c

# $(call objs,flavour,sources)
objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(patsubst %.cc,$(BUILD)/$(1)/obj/%.o,$(2)))

LIB_SRC  := $(HARNESS_C) $(HARNESS_CC) $(BENCH_C)
REL_OBJ  := $(call objs,rel,$(LIB_SRC)) $(BUILD)/rel/obj/version.o
TEST_OBJ := $(call objs,rel,$(TEST_C))

SAN_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_TSAN := -fsanitize=thread -fno-omit-frame-pointer

.PHONY: all bench test deps deps-test deps-fuzz fuzz unit smoke clean format format-check compdb ci-bench
all: $(BUILD)/pinbench

# Build type and flags travel with every result; the git commit is regenerated only when it changes.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@commit=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	 if [ -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$$commit-dirty"; fi; \
	 printf 'const char pb_version_commit[] = "%s";\n' "$$commit" > $@.tmp; \
	 cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

define flavour_rules
$(BUILD)/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -DPB_BUILD_TYPE='"$(2)"' -DPB_BUILD_CFLAGS='"$$(strip $$(CFLAGS) $(3))"' $$(CFLAGS) $(3) -c $$< -o $$@
$(BUILD)/$(1)/obj/%.o: %.cc
	@mkdir -p $$(dir $$@)
	$$(CXX) $$(CPPFLAGS) $$(CXXFLAGS) $(3) -c $$< -o $$@
$(BUILD)/$(1)/obj/version.o: $(BUILD)/gen/version.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -c $$< -o $$@
endef
$(eval $(call flavour_rules,rel,release,))
$(eval $(call flavour_rules,asan,asan,$(SAN_ASAN)))
$(eval $(call flavour_rules,tsan,tsan,$(SAN_TSAN)))

$(BUILD)/pinbench: $(REL_OBJ) $(call objs,rel,$(CLI_C))
	$(CXX) $(CXXFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/rel/unit: $(REL_OBJ) $(TEST_OBJ)
	$(CXX) $(CXXFLAGS) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

ASAN_LIB := $(call objs,asan,$(LIB_SRC)) $(BUILD)/asan/obj/version.o
$(BUILD)/asan/unit: $(ASAN_LIB) $(call objs,asan,$(TEST_C))
	$(CXX) $(CXXFLAGS) $(SAN_ASAN) -o $@ $^ $(TEST_LIBS) $(LDLIBS)
$(BUILD)/asan/pinbench: $(ASAN_LIB) $(call objs,asan,$(CLI_C))
	$(CXX) $(CXXFLAGS) $(SAN_ASAN) -o $@ $^ $(LDLIBS)

TSAN_LIB := $(call objs,tsan,$(LIB_SRC)) $(BUILD)/tsan/obj/version.o
$(BUILD)/tsan/unit: $(TSAN_LIB) $(call objs,tsan,$(TEST_C))
	$(CXX) $(CXXFLAGS) $(SAN_TSAN) -o $@ $^ $(TEST_LIBS) $(LDLIBS)

# Fuzzing (opt-in, clang's libFuzzer): the readers behind compare/regress/export/report (with
# sealed manifests, so each file's schema check is reached), the CPU-list parser and the
# command-line checks (Google Benchmark's flags, numbers, error-line quoting), each for FUZZ_SECONDS, starting from the corpus in tests/corpus/. A crash,
# a leak, a hang (5 s) or a rejection without a reason fails the target; its input is kept in
# build/fuzz/ for a test case.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_CXX     ?= clang++
SAN_FUZZ     := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_TARGETS := json cpuset rset cli
FUZZ_LIB     := $(call objs,fuzz,$(LIB_SRC)) $(BUILD)/fuzz/obj/version.o
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -DPB_BUILD_TYPE='"fuzz"' -DPB_BUILD_CFLAGS='"fuzz"' -O1 -g -std=gnu11 -pthread $(SAN_FUZZ) -c $< -o $@
$(BUILD)/fuzz/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) -O1 -g -std=c++17 -pthread $(SAN_FUZZ) -c $< -o $@
$(BUILD)/fuzz/obj/version.o: $(BUILD)/gen/version.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@
$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $(BUILD)/fuzz/obj/tests/seal.o $(FUZZ_LIB)
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LDLIBS)
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
.SECONDARY: $(FUZZ_LIB) $(BUILD)/fuzz/obj/tests/seal.o $(patsubst %,$(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))

deps:
	@scripts/deps.sh bench
deps-test:
	@scripts/deps.sh test
deps-fuzz:
	@scripts/deps.sh fuzz

bench: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/pinbench run --profile=$(PROFILE) $(BENCH_ARGS)

# The regression gate: the "ci" profile (about a minute on 2 CPUs), then pinbench regress
# against a stored baseline (results/baselines/<host> unless CI_BASELINE says otherwise).
# CI_REGRESS_ARGS=--ratios-only on shared or virtual machines, whose absolute speed drifts.
CI_BASELINE ?= results/baselines/$(shell hostname -s)
CI_REGRESS_ARGS ?=
ci-bench: deps
	@$(MAKE) --no-print-directory all
	PINBENCH_REGRESS_ARGS='$(CI_REGRESS_ARGS)' scripts/ci-bench.sh $(BUILD)/pinbench $(CI_BASELINE)

# Unit tests in three builds and under memcheck, then the CLI and end-to-end smoke checks.
MEMCHECK_GROUPS := hist,stats,cpuset,json,report,results,compare,corpus,topo,pin
test: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/pinbench $(BUILD)/rel/unit $(BUILD)/asan/unit $(BUILD)/asan/pinbench $(BUILD)/tsan/unit
	@echo "== unit tests (release)"
	$(BUILD)/rel/unit
	@echo "== unit tests (address,undefined)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/asan/unit
	@echo "== memcheck (valgrind) on the single-threaded unit groups"
	@# valgrind does not emulate rdtscp (SIGILL): the clock is forced to clock_gettime, and the
	@# clock group, which tests the TSC itself, is left to the other builds; so are the
	@# experiment groups (minutes of timed threads under valgrind; TSan and ASan cover them)
	PINBENCH_CLOCK=monotonic PB_TEST_GROUPS=$(MEMCHECK_GROUPS) valgrind --tool=memcheck -q --error-exitcode=99 \
	  --leak-check=full --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp \
	  $(BUILD)/rel/unit >$(BUILD)/memcheck.log 2>&1 || { tail -30 $(BUILD)/memcheck.log; exit 1; }
	@echo "== threaded harness tests (thread)"
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 PB_TEST_GROUPS=threads $(BUILD)/tsan/unit
	@echo "== end-to-end: CLI, results folder, churn smoke"
	tests/e2e.sh $(BUILD)/pinbench $(BUILD)/asan/pinbench $(BUILD)/rel/unit
	@echo "== hostile input: injection, planted links, tampered folders, signals, lost outputs"
	tests/hostile.sh $(BUILD)/pinbench

clean:
	rm -rf $(BUILD)

FMT_SRC = $(wildcard harness/*.[ch] harness/*.cc bench/*.[ch] tests/*.[ch])
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)
compdb:
	$(MAKE) clean && bear -- $(MAKE) all

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
