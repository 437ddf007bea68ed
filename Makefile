# pinbench build. Objects live in build/<flavour>/obj; the flavours are the release build that
# publishes numbers, and the sanitizer builds that only ever run tests.
#   make            build/pinbench
#   make bench      check/install dependencies, build, run the default profile
#   make test       unit tests (release, ASan+UBSan, TSan for the threaded harness), smoke runs
#   make test-bigbox  pinbench inside emulated multi-socket, NUMA, SMT, isolated-CPU guests
#   make deps-go    install Go (optional), so that the go family is built and runs
#   make test-browser  index.html in headless Chromium (installs chromium: tests only)
#   make test-fleet    the fleet playbook on localhost (installs ansible-core)
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

PKGS     := benchmark hwloc sqlite3
PKG_LIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lpfm -lm -pthread
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

# harness/ in layers (scripts/check-layers.sh checks who may include whom): core (measurement
# primitives), stats (pure statistics), results (the folder: write, seal, read), run (families
# -> timed calls -> the record), report (everything derived from a folder), history (folders
# over time: the SQLite store, change points, the gate on a history), and cli (the commands,
# linked only into the binaries). util.c is the base every layer may use. Each layer
# is one archive, so a program links what it uses and nothing else.
LAYERS   := base core stats results run report history bench
src_base    := harness/util.c harness/opts.c
src_bench   := $(wildcard bench/*.c)
src_layer    = $(if $(src_$(1)),$(src_$(1)),$(wildcard harness/$(1)/*.c harness/$(1)/*.cc))
CLI_C    := $(wildcard harness/cli/*.c)
TEST_C   := $(wildcard tests/unit/*.c) tests/tables.c tests/seal.c

# $(call objs,flavour,sources)
objs = $(patsubst %.c,$(BUILD)/$(1)/obj/%.o,$(patsubst %.cc,$(BUILD)/$(1)/obj/%.o,$(2)))
# $(call lib,flavour,layer): the layer's archive
lib  = $(BUILD)/$(1)/lib/libpb_$(2).a
# $(call libs,flavour,layers): archives to link, in a group (the layers call each other's
# functions only downwards, but bench's families and run's API meet in both directions)
libs = -Wl,--start-group $(foreach l,$(2),$(call lib,$(1),$(l))) -Wl,--end-group
ALL_LIBS = $(foreach l,$(LAYERS),$(call lib,$(1),$(l)))

LIB_SRC  := $(foreach l,$(LAYERS),$(call src_layer,$(l)))
TEST_OBJ := $(call objs,rel,$(TEST_C))

SAN_ASAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_TSAN := -fsanitize=thread -fno-omit-frame-pointer

.PHONY: all bench test test-bigbox test-browser test-fleet deps deps-test deps-fuzz deps-bigbox deps-go deps-browser deps-fleet fuzz unit smoke clean format format-check compdb ci-bench
.DEFAULT_GOAL := all
# The go family's workloads (bench/go/), built where a Go toolchain is installed (make deps-go);
# without one, pinbench skips the go family's variants and says why. Standard library only:
# nothing is downloaded (GOPROXY=off), and the build cache stays in build/.
GO      ?= $(shell command -v go 2>/dev/null)
GO_SRC  := $(wildcard bench/go/*.go) bench/go/go.mod
GO_BIN  := $(if $(GO),$(BUILD)/go/pbgo)
$(BUILD)/go/pbgo: $(GO_SRC)
	@mkdir -p $(dir $@)
	cd bench/go && GOCACHE=$(abspath $(BUILD))/go/cache GOPROXY=off GOFLAGS=-mod=mod \
	  $(GO) build -trimpath -o $(abspath $@) .

all: $(BUILD)/pinbench $(GO_BIN)


# Build type and flags travel with every result; the git commit is regenerated only when it changes.
$(BUILD)/gen/version.c: FORCE
	@mkdir -p $(dir $@)
	@commit=$$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown); \
	 if [ -n "$$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then commit="$$commit-dirty"; fi; \
	 gbv=$$(pkg-config --modversion benchmark 2>/dev/null || echo unknown); \
	 printf 'const char pb_version_commit[] = "%s";\nconst char pb_version_gbench[] = "%s";\n' "$$commit" "$$gbv" > $@.tmp; \
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
$(foreach l,$(LAYERS),$(eval $(call lib,$(1),$(l)): $(call objs,$(1),$(call src_layer,$(l)))))
$(BUILD)/$(1)/lib/%.a:
	@mkdir -p $$(dir $$@)
	rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(eval $(call flavour_rules,rel,release,))
$(eval $(call flavour_rules,asan,asan,$(SAN_ASAN)))
$(eval $(call flavour_rules,tsan,tsan,$(SAN_TSAN)))

# every program: its own objects, the build stamp, the layers' archives
$(BUILD)/pinbench: $(call objs,rel,$(CLI_C)) $(BUILD)/rel/obj/version.o $(call ALL_LIBS,rel)
	$(CXX) $(CXXFLAGS) -o $@ $(filter %.o,$^) $(call libs,rel,$(LAYERS)) $(LDLIBS)

$(BUILD)/rel/unit: $(TEST_OBJ) $(BUILD)/rel/obj/version.o $(call ALL_LIBS,rel)
	$(CXX) $(CXXFLAGS) -o $@ $(filter %.o,$^) $(call libs,rel,$(LAYERS)) $(TEST_LIBS) $(LDLIBS)

$(BUILD)/asan/unit: $(call objs,asan,$(TEST_C)) $(BUILD)/asan/obj/version.o $(call ALL_LIBS,asan)
	$(CXX) $(CXXFLAGS) $(SAN_ASAN) -o $@ $(filter %.o,$^) $(call libs,asan,$(LAYERS)) $(TEST_LIBS) $(LDLIBS)
$(BUILD)/asan/pinbench: $(call objs,asan,$(CLI_C)) $(BUILD)/asan/obj/version.o $(call ALL_LIBS,asan)
	$(CXX) $(CXXFLAGS) $(SAN_ASAN) -o $@ $(filter %.o,$^) $(call libs,asan,$(LAYERS)) $(LDLIBS)

$(BUILD)/tsan/unit: $(call objs,tsan,$(TEST_C)) $(BUILD)/tsan/obj/version.o $(call ALL_LIBS,tsan)
	$(CXX) $(CXXFLAGS) $(SAN_TSAN) -o $@ $(filter %.o,$^) $(call libs,tsan,$(LAYERS)) $(TEST_LIBS) $(LDLIBS)

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
# each target links only the layers it reads
FUZZ_LIBS_json   := base results
FUZZ_LIBS_cpuset := base core
FUZZ_LIBS_rset   := base stats results report bench
FUZZ_LIBS_cli    := base
FUZZ_OBJS_rset   := $(BUILD)/fuzz/obj/tests/seal.o
FUZZ_OBJS_cli    := $(BUILD)/fuzz/obj/harness/cli/gbflags.o
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -DPB_BUILD_TYPE='"fuzz"' -DPB_BUILD_CFLAGS='"fuzz"' -O1 -g -std=gnu11 -pthread $(SAN_FUZZ) -c $< -o $@
$(BUILD)/fuzz/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) $(CPPFLAGS) -O1 -g -std=c++17 -pthread $(SAN_FUZZ) -c $< -o $@
$(BUILD)/fuzz/obj/version.o: $(BUILD)/gen/version.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c $< -o $@
$(foreach l,$(LAYERS),$(eval $(call lib,fuzz,$(l)): $(call objs,fuzz,$(call src_layer,$(l)))))
$(BUILD)/fuzz/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^
.SECONDEXPANSION:
$(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o $$(FUZZ_OBJS_$$*) $(BUILD)/fuzz/obj/version.o \
                 $$(foreach l,$$(FUZZ_LIBS_$$*),$$(call lib,fuzz,$$(l)))
	$(FUZZ_CXX) -fsanitize=fuzzer,address,undefined -o $@ $(filter %.o,$^) $(call libs,fuzz,$(FUZZ_LIBS_$*)) $(LDLIBS)
fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
	scripts/fuzz.sh $(BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)
.SECONDARY: $(call objs,fuzz,$(LIB_SRC)) $(BUILD)/fuzz/obj/tests/seal.o $(patsubst %,$(BUILD)/fuzz/obj/tests/fuzz/fuzz_%.o,$(FUZZ_TARGETS))

deps:
	@scripts/deps.sh bench
deps-test:
	@scripts/deps.sh test
deps-fuzz:
	@scripts/deps.sh fuzz
deps-bigbox:
	@scripts/deps.sh bigbox
deps-go:
	@scripts/deps.sh go
deps-browser:
	@scripts/deps.sh browser
deps-fleet:
	@scripts/deps.sh fleet

# index.html in headless Chromium at 1400 and 800 px: no sideways overflow, every image loaded
# (tests/browser.sh), over a quick run of three families; screenshots in build/browser-shots.
test-browser: deps-browser
	@$(MAKE) --no-print-directory all
	$(BUILD)/pinbench run -q --profile=quick --benchmark_filter='^(churn|c2c|go)/' \
	  --out=$(BUILD)/browser-results >$(BUILD)/browser.log
	tests/browser.sh "$$(sed -n 's/^results: //p' $(BUILD)/browser.log)" $(BUILD)/browser-shots

# The fleet playbook (scripts/fleet.yml) on this machine alone, through Ansible's local
# connection: a short run, fetched back, ingested into a history database (tests/fleet.sh).
test-fleet: deps-fleet
	@$(MAKE) --no-print-directory all
	tests/fleet.sh $(BUILD)

# pinbench on emulated big boxes (QEMU, single-threaded TCG: no KVM needed): an 8-CPU SMT box
# with 2 NUMA nodes and isolated CPUs, and a 16-CPU box with 4 NUMA nodes, one without memory.
# Checks the results folders the guests bring back (scripts/bigbox-check.py). A few minutes.
test-bigbox: deps-bigbox
	@$(MAKE) --no-print-directory $(BUILD)/pinbench
	scripts/bigbox.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/pinbench run --profile=$(PROFILE) $(BENCH_ARGS)

# The regression gate: the "ci" profile (about a minute on 2 CPUs), then pinbench regress
# against a stored baseline (results/baselines/<host> unless CI_BASELINE says otherwise).
# CI_REGRESS_ARGS=--ratios-only on shared or virtual machines, whose absolute speed drifts.
CI_BASELINE ?= results/baselines/$(shell hostname -s)
CI_REGRESS_ARGS ?=
# CI_HISTORY=DB: gate on the history database instead (regress --history), then ingest the run.
CI_HISTORY ?=
ci-bench: deps
	@$(MAKE) --no-print-directory all
	PINBENCH_REGRESS_ARGS='$(CI_REGRESS_ARGS)' PINBENCH_HISTORY='$(CI_HISTORY)' \
	  scripts/ci-bench.sh $(BUILD)/pinbench $(CI_BASELINE)

# Unit tests in three builds and under memcheck, then the CLI and end-to-end smoke checks.
MEMCHECK_GROUPS := hist,stats,cpuset,json,report,results,compare,corpus,topo,pin,env,sha256,opts
test: deps-test
	@$(MAKE) --no-print-directory $(BUILD)/pinbench $(BUILD)/rel/unit $(BUILD)/asan/unit $(BUILD)/asan/pinbench $(BUILD)/tsan/unit $(GO_BIN)
	@echo "== layering: who may include whom (scripts/check-layers.sh), and that the check fails"
	tests/layers.sh
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
	@echo "== history: the store (ingest, killed midway), changes, show, boxes, compare, regress --history"
	tests/history.sh $(BUILD)/pinbench

clean:
	rm -rf $(BUILD)

FMT_SRC = $(wildcard harness/*.[ch] harness/*/*.[ch] harness/*/*.cc bench/*.[ch] tests/*.[ch] tests/unit/*.[ch])
format:
	clang-format -i $(FMT_SRC)
format-check:
	clang-format --dry-run --Werror $(FMT_SRC)
compdb:
	$(MAKE) clean && bear -- $(MAKE) all

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
