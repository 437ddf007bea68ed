/* runner + churn: every churn variant runs a short call with its invariants checked, and the
 * runner catches what it must (failed pins, unjoined threads, failed verification). Built
 * under the thread sanitizer too ("threads" group). */
#include "../tests.h"
#include "registry.h"

#include "core/clock.h"
#include "core/cpuset.h"
#include "core/pin.h"
#include "run/runner.h"
#include "run/tables.h"
#include "core/topo.h"
#include "core/work.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

extern const struct pb_family pb_family_churn, pb_family_dispatch, pb_family_serialize,
    pb_family_hotloop, pb_family_locality, pb_family_handoff, pb_family_preempt, pb_family_c2c,
    pb_family_numa, pb_family_isolation, pb_family_go;

struct fixture {
    struct pb_pmu pmu;
    struct pb_topo topo;
    struct pb_runner R;
    cpu_set_t allowed;
};

static void *nothing(void *p)
{
    return p;
}

/* One call of every-variant tests: and every counter it published is one the table check
 * knows (tables.c keeps the list of the harness's counters; this keeps it true). */
static int call_checked(struct pb_vreg *vr, uint64_t iterations, struct pb_counters *c)
{
    int rc = pb_runner_call_fixed(vr, iterations, c);
    for (size_t i = 0; rc == 0 && i < c->n; i++)
        if (!pb_tables_metric_known(vr->fam, c->names[i]))
            fail_msg("%s published '%s', a counter the table check does not know", vr->name,
                     c->names[i]);
    return rc;
}

static int setup_runner(void **state, const struct pb_family *fam)
{
    /* The thread sanitizer starts a helper thread at the process's first pthread_create;
     * start it now so the runner's thread-count invariant sees only the experiment's threads. */
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) == 0)
        pthread_join(t, NULL);
    usleep(20000);
    struct fixture *f = calloc(1, sizeof *f);
    if (pb_clock_init(PB_CLOCK_WANT_AUTO) < 0 || pb_topo_load(&f->topo, NULL) < 0 ||
        pb_affinity_get(&f->allowed) < 0)
        return -1;
    pb_work_calibrate(); /* after the clock it is measured with */
    const struct pb_family *fams[] = {fam};
    if (pb_runner_prepare(&f->R, fams, 1, &f->allowed, &f->topo) < 0)
        return -1;
    /* the real counters, inherited by every thread the variants create */
    if (pb_pmu_init(&f->pmu, NULL, &pb_perf_kernel) == 0)
        f->R.pmu = &f->pmu;
    *state = f;
    return 0;
}

static int teardown_runner(void **state)
{
    struct fixture *f = *state;
    pb_runner_free(&f->R);
    pb_topo_free(&f->topo);
    free(f);
    return 0;
}

static int setup_churn(void **state)
{
    return setup_runner(state, &pb_family_churn);
}

static void test_churn_every_variant(void **state)
{
    struct fixture *f = *state;
    const uint64_t iters = 30;
    double vs_default = NAN, vs_small = NAN;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->skip_reason[0]) {
            /* only variants that need a second CPU may be skipped, and only on one CPU */
            assert_true(vr->v->place.needs & PB_NEED_OTHER_CPU);
            assert_int_equal(CPU_COUNT(&f->allowed), 1);
            assert_non_null(strstr(vr->skip_reason, "second CPU"));
            continue;
        }
        struct pb_counters c;
        for (int call = 0; call < 2; call++)
            if (call_checked(vr, iters, &c) != 0)
                fail_msg("%s: %s", vr->name, vr->invalid_reason);
        /* histogram counts equal iterations, for both calls merged */
        assert_int_equal(vr->merged[0]->count, 2 * iters);
        assert_int_equal(vr->merged_calls, 2);
        assert_true(pb_counters_get(&c, "op_p50_ns") > 0);
        assert_near(pb_counters_get(&c, "work_per_op"), 1, 0); /* work done == work assigned */
        double start = pb_counters_get(&c, "threads_start");
        double peak = pb_counters_get(&c, "threads_peak");
        bool is_pin_call = strstr(vr->name, "pin_call/") != NULL;
        if (is_pin_call) {
            assert_near(peak, start, 0);
        } else if (strstr(vr->name, "idle/")) {
            /* 32 threads alive at once, all counted, with their memory per thread */
            assert_near(peak, start + 32, 0);
            assert_near(pb_counters_get(&c, "threads_added"), 32, 0);
            /* a fresh thread maps its stack and a guard page (one that reuses a stack glibc kept
             * mapped adds nothing, a sanitizer adds its own): the small stacks must cost far
             * less address space than the 8 MiB default */
            double vs = pb_counters_get(&c, "vmsize_per_thread_kib");
            if (strstr(vr->name, "stack64k"))
                vs_small = vs;
            else
                vs_default = vs;
            double ks = pb_counters_get(&c, "kernel_stack_per_thread_kib");
            if (!isnan(ks) && !(ks > 0))
                fail_msg("%s: kernel_stack_per_thread_kib = %g", vr->name, ks);
        } else {
            /* one thread per op, or one pooled worker: never more */
            assert_near(peak, start + 1, 0);
            assert_int_equal(vr->merged[1]->count, 2 * iters);
            assert_true(pb_counters_get(&c, "first_instruction_p50_ns") > 0);
        }
        bool pinned_child = strstr(vr->name, "pinned") && !strstr(vr->name, "unpinned");
        double on_creator = pb_counters_get(&c, "child_on_creator_cpu_ratio");
        if (pinned_child && strstr(vr->name, "_same"))
            assert_near(on_creator, 1, 0);
        if (pinned_child && strstr(vr->name, "_other"))
            assert_near(on_creator, 0, 0);
        /* counted software events appear per op; pool handoffs block, so they switch */
        if (f->R.pmu && f->pmu.ev[pb_pmu_find(&f->pmu, "ctx_switches")].available &&
            strstr(vr->name, "pool/"))
            assert_true(pb_counters_get(&c, "ctx_switches_per_op") >= 1);
        /* the measuring thread's mask is restored after every call */
        cpu_set_t now;
        pb_affinity_get(&now);
        assert_true(CPU_EQUAL(&now, &f->allowed));
    }
    if (!(vs_small >= 0 && vs_small < 1024 && vs_default > vs_small + 1024))
        fail_msg("VmSize per idle thread: %g KiB with default stacks, %g KiB with 64 KiB ones",
                 vs_default, vs_small);
}

static int setup_dispatch(void **state)
{
    return setup_runner(state, &pb_family_dispatch);
}

/* Every dispatch variant: each request answered once, counts adding up, the process holding
 * exactly the threads the design says (pools: N workers + the clients). */
static void test_dispatch_every_variant(void **state)
{
    struct fixture *f = *state;
    const uint64_t rounds = 20;
    int ncpu = CPU_COUNT(&f->allowed);
    double clients = ncpu < 2 ? 2 : ncpu;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        struct pb_counters c;
        if (call_checked(vr, rounds, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        double start = pb_counters_get(&c, "threads_start");
        double peak = pb_counters_get(&c, "threads_peak");
        double inits = pb_counters_get(&c, "context_inits_per_op") * (double)rounds;
        const char *n = vr->v->name;
        if (!strncmp(n, "open/", 5)) {
            /* one request per op, every one answered and charged by the end of the call */
            assert_int_equal(vr->merged[1]->count, rounds);
            assert_true(pb_counters_get(&c, "offered_rate_per_s") > 0);
            assert_true(pb_counters_get(&c, "achieved_rate_per_s") > 0);
            if (strstr(n, "pool_"))
                assert_near(peak, start + ncpu, 0); /* N workers, no clients */
            else if (strstr(n, "inline"))
                assert_near(peak, start, 0);
            else
                assert_true(peak <= start + 256); /* requests in flight are bounded */
            continue;
        }
        assert_near(pb_counters_get(&c, "requests_answered_per_op"), clients, 0);
        assert_int_equal(vr->merged[1]->count, rounds * (uint64_t)clients);
        assert_true(pb_counters_get(&c, "requests_answered_per_s") > 0);
        if (!strncmp(n, "pool/", 5)) {
            double workers = strstr(n, "_over") ? 2.0 * ncpu : ncpu;
            assert_near(peak, start + workers + clients, 0);
            assert_true(inits <= workers); /* a worker initialises its context once */
        } else if (!strncmp(n, "tpr/", 4)) {
            assert_true(peak >= start + clients && peak <= start + 2 * clients);
            assert_near(inits, rounds * clients, 0); /* every request pays it */
        } else {
            assert_near(peak, start + clients, 0);
            assert_true(inits <= clients);
        }
    }
}

static int setup_serialize(void **state)
{
    return setup_runner(state, &pb_family_serialize);
}

/* Every serialize variant: the counter equals the increments assigned (checked by the variant
 * every batch, and here through the published tally), the thread count is the producers plus
 * the owner, and pinned producers stay put (else the call fails). */
static void test_serialize_every_variant(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        struct pb_counters c;
        if (call_checked(vr, 2 * vr->v->batch, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_near(pb_counters_get(&c, "increments_per_op"), 1, 0);
        /* the empty round was measured: a positive cost, spread over a batch's increments */
        double ov = pb_counters_get(&c, "batch_overhead_ns_per_op");
        if (!(ov > 0 && ov < 1e6 / vr->v->batch * 1000))
            fail_msg("%s: batch_overhead_ns_per_op = %g", vr->name, ov);
        assert_true(pb_counters_get(&c, "increments_per_s") > 0);
        double extra = strstr(vr->v->name, "owner/") ? 9 : 8;
        assert_near(pb_counters_get(&c, "threads_peak"),
                    pb_counters_get(&c, "threads_start") + extra, 0);
        assert_int_equal(vr->merged[0]->count, 2); /* two batches, one sample each */
    }
}

static int setup_hotloop(void **state)
{
    return setup_runner(state, &pb_family_hotloop);
}

/* Every hotloop variant: work done equals work assigned, the unbalanced jobs really are
 * unbalanced, and pinned threads never leave their CPU (each checks after every chunk, and a
 * violation fails the call). */
static void test_hotloop_every_variant(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        struct pb_counters c;
        if (call_checked(vr, 3, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_near(pb_counters_get(&c, "chunks_done_per_op"),
                    pb_counters_get(&c, "chunks_assigned_per_op"), 0);
        double imbalance = pb_counters_get(&c, "imbalance_ratio");
        if (strstr(vr->v->name, "x2_unbalanced"))
            assert_near(imbalance, 4, 0);
        else if (!strstr(vr->v->name, "unbalanced"))
            assert_near(imbalance, 1, 0);
        assert_true(pb_counters_get(&c, "threads_peak") > pb_counters_get(&c, "threads_start"));
    }
}

static int setup_locality(void **state)
{
    return setup_runner(state, &pb_family_locality);
}

/* Every locality variant sized by the cache hierarchy (the memory-sized ones run in the full
 * profile only and are left out here): the working set is reported, a pinned pass never moves
 * (the variant checks its CPU and, where migrations can be counted, that none happened). */
static void test_locality_every_variant(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->v->full_profile_only || vr->skip_reason[0])
            continue;
        struct pb_counters c;
        if (call_checked(vr, 20, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_true(pb_counters_get(&c, "ws_bytes") >= 4096);
        if (strstr(vr->v->name, "/pinned"))
            assert_near(pb_counters_get(&c, "moved_passes_ratio"), 0, 0);
    }
}

static int setup_handoff(void **state)
{
    return setup_runner(state, &pb_family_handoff);
}

/* Every handoff variant this box has a placement for: each token sent is received once (the
 * variant checks it at teardown), each round trip gives one one-way sample, pinned ends stay
 * put; variants skipped here are skipped for a missing relation, with the planner's reason. */
static void test_handoff_every_variant(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->skip_reason[0]) {
            assert_true(strstr(vr->skip_reason, "pair here") ||
                        strstr(vr->skip_reason, "second CPU"));
            continue;
        }
        struct pb_counters c;
        if (call_checked(vr, 50, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_int_equal(vr->merged[1]->count, 50);
        assert_near(pb_counters_get(&c, "threads_peak"), pb_counters_get(&c, "threads_start") + 1,
                    0);
    }
}

static int setup_preempt(void **state)
{
    return setup_runner(state, &pb_family_preempt);
}

/* Every preempt variant this box has a placement for: each signal sent is handled exactly once
 * (checked at teardown), each gives one send-to-handler sample, and the paced baselines send
 * nothing at all. */
static void test_preempt_every_variant(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->skip_reason[0])
            continue;
        struct pb_counters c;
        if (call_checked(vr, 20, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        bool baseline = strstr(vr->v->name, "/none") != NULL;
        assert_int_equal(vr->merged[2]->count, baseline ? 0 : 20); /* to_handler */
        assert_int_equal(vr->merged[1]->count, baseline ? 0 : 20); /* send_syscall */
    }
}

static int setup_go(void **state)
{
    return setup_runner(state, &pb_family_go);
}

/* Every go variant, two ops each, where the Go workloads were built (else the test says why
 * it is skipped): each op's own invariants hold (operations answered, locked exits on new
 * threads, the pool bounded, signals or none as the variant says), and the numbers that
 * confirm them are published. */
static void test_go_every_variant(void **state)
{
    struct fixture *f = *state;
    if (f->R.n && !strncmp(f->R.vr[0].skip_reason, "no Go toolchain", 15)) {
        print_message("go family skipped: %s\n", f->R.vr[0].skip_reason);
        skip();
    }
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->skip_reason[0])
            continue;
        struct pb_counters c;
        unsigned batch = vr->v->batch > 1 ? vr->v->batch : 1;
        if (call_checked(vr, 2 * batch, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_true(pb_counters_get(&c, "go_threads_peak") >= 2);
        assert_true(pb_counters_get(&c, "op_p50_ns") > 0);
        if (strstr(vr->name, "locked_exit"))
            assert_true(pb_counters_get(&c, "new_threads_per_op") >= 0.5);
        /* a tally the variant never adds to is not published: no batch, no batch overhead */
        if (batch == 1 && !isnan(pb_counters_get(&c, "batch_overhead_ns_per_op")))
            fail_msg("%s: publishes a batch overhead without batches", vr->name);
        if (strstr(vr->name, "dispatch/"))
            assert_int_equal(vr->merged[1]->count, 2 * batch); /* every request timed */
    }
}

/* This process's `pbgo serve` children: their pids in out[0..cap), how many there are. */
static size_t go_children(long *out, size_t cap)
{
    size_t n = 0;
    char path[64], buf[512];
    DIR *d = opendir("/proc");
    assert_non_null(d);
    for (struct dirent *e; n < cap && (e = readdir(d));) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *close = strrchr(buf, ')'); /* the name may hold spaces: ppid follows the last ) */
        long ppid = -1;
        if (!close || sscanf(close + 1, " %*c %ld", &ppid) != 1 || ppid != (long)getpid())
            continue;
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        if (!(f = fopen(path, "r")))
            continue;
        len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        const char *arg = buf + strlen(buf) + 1; /* argv[1] */
        if (strstr(buf, "pbgo") && arg < buf + len && !strcmp(arg, "serve"))
            out[n++] = pid;
    }
    closedir(d);
    return n;
}

/* A variant's Go child is kept from one call to the next: two calls of the same variant leave
 * the same children alive, at least one (a child per call would leave none, a child per call
 * kept by mistake one more each time). */
static void test_go_child_kept(void **state)
{
    struct fixture *f = *state;
    struct pb_vreg *vr = pb_runner_find(&f->R, "go/lock/unlocked");
    assert_non_null(vr);
    if (vr->skip_reason[0]) {
        print_message("go family skipped: %s\n", vr->skip_reason);
        skip();
    }
    long before[64], after[64];
    struct pb_counters c;
    assert_int_equal(call_checked(vr, 2 * vr->v->batch, &c), 0);
    size_t nb = go_children(before, 64);
    assert_int_equal(call_checked(vr, 2 * vr->v->batch, &c), 0);
    size_t na = go_children(after, 64);
    assert_true(nb >= 1);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_int_equal(after[i], before[i]);
}

/* Without the Go workloads every go variant is skipped, saying what to install. */
static void test_go_skipped_without_go(void **state)
{
    (void)state;
    setenv("PINBENCH_GO", "/nonexistent/pbgo", 1);
    void *fx = NULL;
    int rc = setup_go(&fx);
    unsetenv("PINBENCH_GO");
    assert_int_equal(rc, 0);
    struct fixture *f = fx;
    assert_true(f->R.n > 10);
    for (size_t i = 0; i < f->R.n; i++)
        assert_non_null(strstr(f->R.vr[i].skip_reason, "PINBENCH_GO='/nonexistent/pbgo'"));
    teardown_runner(&fx);
}

static int setup_c2c(void **state)
{
    return setup_runner(state, &pb_family_c2c);
}

/* The core-to-core matrix: every planned pair measured every sweep, 100 round trips each, and the
 * pins of both ends verified (a failed pin fails the call). Its plan and run time are stated
 * before the first call runs, once. */
static void test_c2c_matrix(void **state)
{
    struct fixture *f = *state;
    f->R.reps = 3;
    f->R.min_time_s = 0.01;
    /* the spinning matrix, then the futex one (full profile), with their round trips per pair */
    static const struct {
        const char *name;
        uint64_t rounds;
    } want[] = {{"c2c/matrix", 100}, {"c2c/futex_matrix", 20}};
    assert_int_equal(f->R.n, 2);
    for (size_t k = 0; k < 2; k++) {
        struct pb_vreg *vr = &f->R.vr[k];
        assert_string_equal(vr->name, want[k].name);
        if (vr->skip_reason[0])
            skip();
        assert_string_equal(vr->plan, "");
        struct pb_counters c;
        if (call_checked(vr, 3, &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        char round_trips[64];
        snprintf(round_trips, sizeof round_trips, "%llu round trips each; one op ~",
                 (unsigned long long)want[k].rounds);
        assert_non_null(strstr(vr->plan, round_trips));
        assert_non_null(strstr(vr->plan, "(at least 3 blocks a side"));
        int n = CPU_COUNT(&f->allowed);
        if (n <= 64)
            assert_near(pb_counters_get(&c, "pairs_per_op"), n * (n - 1) / 2.0, 0);
        uint64_t samples = 0;
        for (int i = 0; i < vr->n_matrix * vr->n_matrix; i++)
            samples += vr->matrix[i].count;
        assert_int_equal(samples,
                         3 * want[k].rounds * (uint64_t)pb_counters_get(&c, "pairs_per_op"));
        /* the futex matrix measures wakeups only if the waits really slept: the partner's at
         * least (1 per round trip; 2 when the measuring side slept too) */
        double sleeps = pb_counters_get(&c, "futex_sleeps_per_round_trip");
        if (k == 0)
            assert_true(sleeps == 0);
        else
            assert_true(sleeps > 0.5 && sleeps <= 2.0);
    }
}

static int setup_numa(void **state)
{
    return setup_runner(state, &pb_family_numa);
}

/* NUMA: local walks run everywhere, pinned and with their memory verified on the CPU's node;
 * the remote and matrix variants run where a second node holds memory and are skipped with the
 * planner's reason elsewhere. The matrix path is also run on a faked plan (every row on the
 * real node 0), so a one-node box exercises it: each sweep fills one cell per row. */
static void test_numa_every_variant(void **state)
{
    struct fixture *f = *state;
    f->R.reps = 2;
    f->R.min_time_s = 0.01;
    bool multi = f->R.numa.n_remote > 0;
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        bool local = strstr(vr->name, "local_") != NULL;
        bool chase = strstr(vr->name, "chase") != NULL;
        if (!multi && !local) {
            if (!strstr(vr->skip_reason, "one NUMA node") &&
                !strstr(vr->skip_reason, "all on node"))
                fail_msg("%s: skip reason '%s'", vr->name, vr->skip_reason);
            continue;
        }
        assert_string_equal(vr->skip_reason, "");
        struct pb_counters c; /* two ops: a chase's op is a batch of loads */
        if (call_checked(vr, 2 * (vr->v->batch ? vr->v->batch : 1), &c) != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        assert_non_null(strstr(vr->plan, "transparent huge pages"));
        if (!strstr(vr->name, "matrix")) {
            int cpu, cpu_node, mem_node;
            if (sscanf(vr->placement, "cpu %d (node %d), memory on node %d", &cpu, &cpu_node,
                       &mem_node) != 3)
                fail_msg("%s: placement '%s'", vr->name, vr->placement);
            assert_int_equal(pb_topo_node_of(&f->topo, cpu), cpu_node);
            assert_true(local ? mem_node == cpu_node : mem_node != cpu_node);
        }
        if (chase) {
            if (!strstr(vr->name, "matrix"))
                assert_near(pb_counters_get(&c, "loads_per_op"), 1, 0); /* batch of loads */
            double ns = pb_counters_get(&c, "op_p50_ns");
            assert_true(ns > 0.5 && ns < 1e6);
            assert_true(isnan(pb_counters_get(&c, "bytes_per_s"))); /* no rate for a chase */
        } else if (!strstr(vr->name, "matrix")) {
            assert_near(pb_counters_get(&c, "bytes_per_op"), 256.0 * 1024 * 1024, 0);
            assert_true(pb_counters_get(&c, "bytes_per_s") > 1e8);
        }
    }

    /* the matrix on a faked plan: two rows (the first and last allowed CPU), both on node 0 */
    struct pb_vreg *vr = pb_runner_find(&f->R, "numa/matrix_chase");
    assert_non_null(vr);
    struct pb_numa_plan *pl = &f->R.numa;
    memset(pl, 0, sizeof *pl);
    pl->n_rows = 2;
    pl->row_node[0] = pl->row_node[1] = f->topo.node[0].os;
    pl->row_cpu[0] = pb_cpuset_nth(&f->allowed, 0);
    pl->row_cpu[1] = pb_cpuset_nth(&f->allowed, CPU_COUNT(&f->allowed) - 1);
    pl->n_cols = 1;
    pl->col_node[0] = f->topo.node[0].os;
    vr->skip_reason[0] = '\0';
    struct pb_counters c;
    if (call_checked(vr, 3, &c) != 0)
        fail_msg("%s: %s", vr->name, vr->invalid_reason);
    assert_non_null(strstr(vr->plan, "2 x 1 cells"));
    assert_near(pb_counters_get(&c, "loads_per_op"), 2.0 * (1u << 18), 0);
    uint64_t cells = 0;
    for (int k = 0; k < vr->n_matrix * vr->n_matrix; k++)
        cells += vr->matrix[k].count;
    assert_int_equal(cells, 3 * 2); /* 3 sweeps x 2 rows, all in cell (node 0, node 0) */
    const struct pb_cell *cell = &vr->matrix[0];
    assert_int_equal(cell->count, 6);
    assert_true(cell->min > 0.5 && cell->min <= cell->sum / 6 && cell->sum / 6 <= cell->max);
}

static atomic_bool iso_bystander_quit;

static void *iso_bystander(void *p)
{
    while (!atomic_load(&iso_bystander_quit))
        usleep(1000);
    return p;
}

static int setup_isolation(void **state)
{
    return setup_runner(state, &pb_family_isolation);
}

/* Isolation: every 20 ms window is covered by back-to-back gaps on a verified pin; the noisy
 * variants start one neighbour per run CPU and join them all; confinement holds through every
 * window (the variant's verify) and is undone afterwards. The isolated variants run here on a
 * faked isolated CPU (the last run CPU) when the box has none: the path, not the quiet. */
static void test_isolation_every_variant(void **state)
{
    struct fixture *f = *state;
    int n = CPU_COUNT(&f->allowed);
    bool faked = CPU_COUNT(&f->R.iso.isolated) + CPU_COUNT(&f->R.iso.nohz_full) == 0 && n >= 2;
    if (faked) {
        CPU_SET(pb_cpuset_nth(&f->allowed, n - 1), &f->R.iso.isolated);
        for (size_t i = 0; i < f->R.n; i++)
            if (f->R.vr[i].v->place.needs & PB_NEED_ISOLATED) {
                assert_non_null(strstr(f->R.vr[i].skip_reason, "no isolated CPU"));
                f->R.vr[i].skip_reason[0] = '\0';
            }
    }
    /* a thread of the process's own, started before: confinement must move it and put it back */
    atomic_store(&iso_bystander_quit, false);
    pthread_t by;
    assert_int_equal(pthread_create(&by, NULL, iso_bystander, NULL), 0);
    for (size_t i = 0; i < f->R.n; i++) {
        struct pb_vreg *vr = &f->R.vr[i];
        if (vr->skip_reason[0]) {
            assert_int_equal(n, 1);
            continue;
        }
        struct pb_counters c;
        int rc = call_checked(vr, 3, &c);
        /* a faked isolated CPU is not kept free: the noise may land there, and the variant must
         * then fail on its premise, saying so */
        if (rc != 0 && faked && !strcmp(vr->v->name, "isolated_noisy") &&
            strstr(vr->invalid_reason, "ran on the isolated CPU")) {
            print_message("  %s on a faked isolated CPU: %s\n", vr->name, vr->invalid_reason);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: %s", vr->name, vr->invalid_reason);
        int cpu;
        char kind[32];
        if (sscanf(vr->placement, "cpu %d (%31[a-z]", &cpu, kind) != 2)
            fail_msg("%s: placement '%s'", vr->name, vr->placement);
        bool iso = strstr(vr->name, "isolated_") != NULL;
        assert_string_equal(kind, iso ? "isolated" : "housekeeping");
        if (iso)
            assert_true(CPU_ISSET(cpu, &f->R.iso.isolated) || CPU_ISSET(cpu, &f->R.iso.nohz_full));
        /* a window is ~20 ms of gaps, each at least the loop's own cost */
        double gaps = pb_counters_get(&c, "gaps_per_op");
        assert_true(gaps > 1000);
        assert_true(pb_counters_get(&c, "gap_p50_ns") < 5000);
        assert_true(pb_counters_get(&c, "gap_max_ns") >= pb_counters_get(&c, "gap_p999_ns"));
        double interrupted = pb_counters_get(&c, "interrupted_ns_per_op");
        assert_true(interrupted >= 0 && interrupted <= 20e6 * 1.5);
        /* each interruption is over 1 us: their count cannot exceed the time they took */
        double interruptions = pb_counters_get(&c, "interruptions_per_op");
        assert_true(interruptions >= 0 && interruptions * 1000 <= interrupted + 1e-9);
        assert_true(pb_counters_get(&c, "preemptions_per_op") >= 0);
        /* bounded: the measuring thread plus one neighbour per run CPU, all joined */
        bool noisy = strstr(vr->name, "_noisy") != NULL;
        assert_near(pb_counters_get(&c, "threads_peak"),
                    pb_counters_get(&c, "threads_start") + (noisy ? n : 0), 0);
        cpu_set_t m;
        assert_int_equal(pthread_getaffinity_np(by, sizeof m, &m), 0);
        if (!CPU_EQUAL(&m, &f->allowed))
            fail_msg("%s: the bystander thread's mask was not restored", vr->name);
    }
    atomic_store(&iso_bystander_quit, true);
    pthread_join(by, NULL);
}

/* ---- fake variants that break the rules, to show the runner notices ---- */

static void *exit_at_once(void *p)
{
    return p;
}

static int op_unjoined(struct pb_run *r)
{
    pthread_t t;
    if (pthread_create(&t, NULL, exit_at_once, NULL) != 0)
        return pb_run_fail(r, "pthread_create");
    pb_run_thread_started(r);
    pthread_join(t, NULL); /* joined, but never reported as joined */
    return 0;
}

static void *sleeper(void *p)
{
    usleep(300 * 1000);
    return p;
}

static int op_leak(struct pb_run *r)
{
    pthread_t t;
    if (pthread_create(&t, NULL, sleeper, NULL) != 0)
        return pb_run_fail(r, "pthread_create");
    pthread_detach(t); /* lives past the call without the runner being told */
    return 0;
}

static int op_nop(struct pb_run *r)
{
    (void)r;
    return 0;
}

static int setup_claims_threads(struct pb_run *r)
{
    return pb_run_expect_threads(r, 3);
}

/* An open-loop server that stalls once for 20 ms at its 50th request. */
static unsigned long stall_ops;
static int setup_stall(struct pb_run *r)
{
    stall_ops = 0;
    pb_run_open_loop(r, 10000); /* one request every 100 us */
    return 0;
}

static int op_stall(struct pb_run *r)
{
    if (++stall_ops == 50)
        usleep(20000);
    pb_run_record(r, 1, pb_run_op_start(r), pb_stamp());
    return 0;
}

/* A worker thread that must be joined however the call ends, and an op that asks the run to
 * stop (as SIGINT would) at its fifth operation. */
struct stopper {
    pthread_t t;
    atomic_bool quit;
    int ops;
};

static void *stopper_worker(void *p)
{
    struct stopper *s = p;
    while (!atomic_load(&s->quit))
        usleep(500);
    return NULL;
}

static int setup_stopper(struct pb_run *r)
{
    struct stopper *s = pb_run_state(r);
    if (pthread_create(&s->t, NULL, stopper_worker, s) != 0)
        return pb_run_fail(r, "cannot start the worker");
    pb_run_thread_started(r);
    return 0;
}

static int op_stopper(struct pb_run *r)
{
    struct stopper *s = pb_run_state(r);
    if (++s->ops == 5)
        pb_runner_request_stop(SIGINT);
    return 0;
}

static void teardown_stopper(struct pb_run *r)
{
    struct stopper *s = pb_run_state(r);
    atomic_store(&s->quit, true);
    pthread_join(s->t, NULL);
    pb_run_thread_joined(r);
}

static int op_slow(struct pb_run *r)
{
    (void)r;
    usleep(30000);
    return 0;
}

/* An op run "elsewhere": it states its own time and gauge, and records a latency in ns. */
static int op_stated(struct pb_run *r)
{
    usleep(1000);
    pb_run_op_ns(r, 5000);
    pb_run_gauge_max(r, 0, 3);
    pb_run_gauge_max(r, 0, 7);
    pb_run_gauge_max(r, 0, 5);
    pb_run_record_ns(r, 1, 2500);
    return 0;
}

/* states more time than the harness saw around it */
static int op_overstated(struct pb_run *r)
{
    pb_run_op_ns(r, 5e9);
    return 0;
}

static int op_hangs(struct pb_run *r)
{
    (void)r;
    for (;;)
        pause(); /* an operation that never returns (a deadlock, a lost wakeup) */
    return 0;
}

static int verify_fails(struct pb_run *r)
{
    return pb_run_fail(r, "pinned thread left CPU 99");
}

/* Threads started by pb_run_spawn: one pinned to each of the run's CPUs and one unpinned, each
 * reporting where it ran; and threads whose placement cannot be made, which must never run. */
static struct pb_thread spawned[CPU_SETSIZE + 1];
static int spawned_cpu[CPU_SETSIZE + 1], spawned_n;
static atomic_int spawned_ran;

static void *spawned_main(void *arg)
{
    *(int *)arg = sched_getcpu();
    atomic_fetch_add(&spawned_ran, 1);
    return NULL;
}

static int setup_spawn(struct pb_run *r)
{
    spawned_n = 0;
    for (int k = 0; k < pb_run_ncpus(r); k++, spawned_n++)
        if (pb_run_spawn(r, &spawned[k], pb_run_cpu(r, k), spawned_main, &spawned_cpu[k],
                         "thread %d", k) < 0)
            return -1;
    spawned_n++;
    return pb_run_spawn(r, &spawned[spawned_n - 1], PB_RUN_CPUS, spawned_main,
                        &spawned_cpu[spawned_n - 1], "the unpinned one");
}

static void teardown_spawn(struct pb_run *r)
{
    for (int k = 0; k < spawned_n; k++)
        pb_run_join(r, &spawned[k]);
}

static int setup_spawn_bad_cpu(struct pb_run *r)
{
    return pb_run_spawn(r, &spawned[0], CPU_SETSIZE - 1, spawned_main, &spawned_cpu[0],
                        "the far one");
}

/* a mask the kernel narrows: CPU_SETSIZE - 1 does not exist, so the thread runs on the rest */
static int setup_spawn_narrowed(struct pb_run *r)
{
    cpu_set_t m;
    pb_run_cpus(r, &m);
    CPU_SET(CPU_SETSIZE - 1, &m);
    return pb_run_spawn_mask(r, &spawned[0], &m, spawned_main, &spawned_cpu[0], "the narrowed one");
}

static void teardown_spawn_one(struct pb_run *r)
{
    pb_run_join(r, &spawned[0]);
}

/* The call's state: zeroed and 64-byte aligned before setup, the same in every op. */
struct big_state {
    _Alignas(64) unsigned char bytes[4096];
    unsigned long ops;
};
static int setup_state(struct pb_run *r)
{
    struct big_state *s = pb_run_state(r);
    if (!s || (uintptr_t)s % 64 != 0)
        return pb_run_fail(r, "state missing or misaligned");
    for (size_t i = 0; i < sizeof s->bytes; i++)
        if (s->bytes[i])
            return pb_run_fail(r, "state not zeroed");
    memset(s->bytes, 0xa5, sizeof s->bytes); /* the next call must get zeroes again */
    return 0;
}
static int op_state(struct pb_run *r)
{
    struct big_state *s = pb_run_state(r);
    s->ops++;
    return s->bytes[100] == 0xa5 ? 0 : pb_run_fail(r, "state changed between ops");
}

/* The most threads the process had in any op of the call (the sampler's test). */
static uint64_t sampled_seen;
static int op_sampled(struct pb_run *r)
{
    uint64_t th;
    if (pb_read_keyed_u64("/proc/self/status", "Threads:", &th) < 0)
        return pb_run_fail(r, "cannot read /proc/self/status");
    if (th > sampled_seen)
        sampled_seen = th;
    usleep(200); /* long enough a call for the sampler's first reading */
    return 0;
}

static const struct pb_variant fake_variants[] = {
    {"state", "harness-owned state", .state_bytes = sizeof(struct big_state), .setup = setup_state,
     .op = op_state},
    {"spawn", "a pinned thread per CPU and an unpinned one", .setup = setup_spawn, .op = op_nop,
     .teardown = teardown_spawn},
    {"spawn_bad_cpu", "a thread pinned to a CPU that does not exist", .setup = setup_spawn_bad_cpu,
     .op = op_nop, .teardown = teardown_spawn_one},
    {"spawn_narrowed", "a thread whose mask the kernel narrows", .setup = setup_spawn_narrowed,
     .op = op_nop, .teardown = teardown_spawn_one},
    {"unjoined", "reports a thread started and never joined", .op = op_unjoined},
    {"leak", "leaves a thread running past the call", .op = op_leak},
    {"verify", "fails its post-op verification", .op = op_nop, .verify = verify_fails},
    {"pinned", "needs the home CPU", .place.at = PB_HOME_PINNED, .op = op_nop},
    {"pool_size", "claims three threads it never made", .setup = setup_claims_threads,
     .op = op_nop},
    {"stall", "open loop, one 20 ms stall", .setup = setup_stall, .op = op_stall},
    {"stopper", "asks the run to stop mid-call", .state_bytes = sizeof(struct stopper),
     .setup = setup_stopper, .op = op_stopper, .teardown = teardown_stopper},
    {"slow", "30 ms operations", .op = op_slow},
    {"hangs", "an operation that never returns", .op = op_hangs},
    {"stated", "ops timed elsewhere: stated time, a gauge, a latency", .op = op_stated},
    {"overstated", "states more time than it took", .op = op_overstated},
    {"sampled", "its thread count sampled", .op = op_sampled, .sample_threads = true},
};
static const char *const fake_metrics[] = {"request"};
static const char *const fake_gauges[] = {"level_peak"};
static const struct pb_family fake_family = {
    .metrics = fake_metrics,
    .n_metrics = 1,
    .name = "fake",
    .summary = "rule breakers",
    .variants = fake_variants,
    .n_variants = sizeof fake_variants / sizeof fake_variants[0],
    .gauges = fake_gauges,
    .n_gauges = 1,
};

/* An op's stated time (another process timed it) replaces the harness's interval, which also
 * holds the round trip; a stated time longer than that interval fails the call. Gauges publish
 * the call's maximum; latencies in ns land in their series. */
static void test_runner_stated_time(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/stated");
    assert_int_equal(pb_runner_call_fixed(v, 4, &c), 0);
    assert_near(pb_counters_get(&c, "op_p50_ns"), 5000, 5000 * 0.01); /* not the 1 ms sleep */
    assert_near(pb_counters_get(&c, "level_peak"), 7, 0);
    assert_near(pb_counters_get(&c, "request_p50_ns"), 2500, 2500 * 0.01);
    struct pb_vreg *o = pb_runner_find(&f->R, "fake/overstated");
    assert_int_equal(pb_runner_call_fixed(o, 2, &c), -1);
    assert_non_null(strstr(o->invalid_reason, "longer than the"));
    /* a variant that never sets the gauge publishes NaN, not 0 */
    struct pb_vreg *n = pb_runner_find(&f->R, "fake/state");
    assert_int_equal(pb_runner_call_fixed(n, 2, &c), 0);
    assert_true(isnan(pb_counters_get(&c, "level_peak")));
}

static int setup_fake(void **state)
{
    return setup_runner(state, &fake_family);
}

/* A stop request mid-call: the call ends after the current operation, its worker is joined, it
 * is reported interrupted (not invalid), later calls return at once, and the report's helper
 * names what never ran. */
static void test_runner_stops_cleanly(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/stopper");
    assert_int_equal(pb_runner_call_fixed(v, 1000, &c), -1);
    assert_int_equal(pb_runner_stop_signal(), SIGINT);
    assert_true(v->interrupted);
    assert_string_equal(v->invalid_reason, "");
    assert_null(pb_run_state(v->run)); /* torn down: the worker was joined (else: a leak) */
    struct pb_vreg *nop = pb_runner_find(&f->R, "fake/verify");
    assert_int_equal(pb_runner_call_fixed(nop, 3, &c), -1); /* returns at once */
    assert_true(nop->interrupted);
    assert_string_equal(nop->invalid_reason, "");
    assert_true(pb_runner_mark_unrun(&f->R) >= 1);
    assert_non_null(strstr(pb_runner_find(&f->R, "fake/leak")->skip_reason, "stopped by signal"));
    pb_runner_clear_stop();
}

/* The watchdog: a call running past its limit ends at the next operation, invalid with the
 * reason, and the next call runs normally; an operation that never returns ends the process
 * (exit 3, in a child here) instead of hanging the run. */
static void test_runner_watchdog(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    f->R.watchdog_s = 0.2;
    struct pb_vreg *slow = pb_runner_find(&f->R, "fake/slow");
    uint64_t t0 = pb_clock_mono_ns();
    assert_int_equal(pb_runner_call_fixed(slow, 1000, &c), -1); /* 30 s if left alone */
    double took_s = (double)(pb_clock_mono_ns() - t0) * 1e-9;
    assert_true(took_s < 2);
    assert_non_null(strstr(slow->invalid_reason, "watchdog: the call ran past"));
    struct pb_vreg *verify = pb_runner_find(&f->R, "fake/verify");
    assert_int_equal(pb_runner_call_fixed(verify, 3, &c), -1);
    assert_null(strstr(verify->invalid_reason, "watchdog")); /* its own failure, not overtime */

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct pb_vreg *h = pb_runner_find(&f->R, "fake/hangs");
        struct pb_counters cc;
        f->R.watchdog_running = false; /* the thread did not survive fork: start another */
        pb_runner_call_fixed(h, 3, &cc);
        _exit(0); /* not reached: the watchdog ends the process */
    }
    int st = 0;
    for (int i = 0; i < 100 && waitpid(pid, &st, WNOHANG) == 0; i++)
        usleep(50000);
    if (waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        fail_msg("a hung operation was not stopped by the watchdog within 5 s");
    }
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 3);
}

/* pb_run_spawn: each thread runs where it was placed and is counted (a thread left unjoined
 * would fail the call); a placement that cannot be made or that the kernel changed fails the
 * call with the reason, and the experiment's function never runs there. */
static void test_runner_state(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/state");
    for (int k = 0; k < 3; k++) { /* a fresh zeroed state each call */
        assert_int_equal(pb_runner_call_fixed(v, 5, &c), 0);
        assert_string_equal(v->invalid_reason, "");
        assert_null(pb_run_state(v->run)); /* freed after teardown */
    }
}

/* The thread-count sampler runs in unreported calls only (its reads of /proc/self/status cost
 * the workload: see call_begin), and what it saw there is published with the reported ones. */
static void test_runner_sampler_untimed(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/sampled");
    uint64_t before;
    assert_int_equal(pb_read_keyed_u64("/proc/self/status", "Threads:", &before), 0);
    v->calibrating = true;
    sampled_seen = 0;
    assert_int_equal(pb_runner_call_fixed(v, 50, &c), 0);
    v->calibrating = false;
    assert_int_equal(sampled_seen, before + 1); /* the sampler ran beside the ops */
    assert_true(v->n_thread_series >= 1);
    sampled_seen = 0;
    assert_int_equal(pb_runner_call_fixed(v, 50, &c), 0);
    assert_string_equal(v->invalid_reason, "");
    assert_int_equal(sampled_seen, before); /* nothing beside the timed ops */
    assert_near(pb_counters_get(&c, "threads_peak_sampled"), (double)before, 0);
    assert_near(pb_counters_get(&c, "threads_steady"), (double)before, 0);
}

static void test_runner_spawn(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/spawn");
    atomic_store(&spawned_ran, 0);
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), 0);
    assert_string_equal(v->invalid_reason, "");
    int n = CPU_COUNT(&f->allowed);
    assert_int_equal(spawned_n, n + 1);
    assert_int_equal(atomic_load(&spawned_ran), n + 1);
    for (int k = 0; k < n; k++)
        assert_int_equal(spawned_cpu[k], pb_cpuset_nth(&f->allowed, k));
    assert_true(CPU_ISSET(spawned_cpu[n], &f->allowed));
    assert_false(spawned[0].running); /* joined */

    atomic_store(&spawned_ran, 0);
    v = pb_runner_find(&f->R, "fake/spawn_bad_cpu");
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "the far one"));
    v = pb_runner_find(&f->R, "fake/spawn_narrowed");
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    print_message("  narrowed: %s\n", v->invalid_reason);
    assert_non_null(strstr(v->invalid_reason, "the narrowed one"));
    assert_int_equal(atomic_load(&spawned_ran), 0);
}

static void test_runner_catches_broken_invariants(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/unjoined");
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "not joined"));

    v = pb_runner_find(&f->R, "fake/leak");
    assert_int_equal(pb_runner_call_fixed(v, 1, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "thread count changed"));
    usleep(400 * 1000); /* let the sleeper finish before other tests count threads */

    v = pb_runner_find(&f->R, "fake/verify");
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "left CPU 99"));

    v = pb_runner_find(&f->R, "fake/pool_size");
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "expected"));

    /* a pin that cannot be made invalidates the variant, with the kernel's reason */
    v = pb_runner_find(&f->R, "fake/pinned");
    int saved_home = f->R.home_cpu;
    f->R.home_cpu = CPU_SETSIZE - 1;
    assert_int_equal(pb_runner_call_fixed(v, 3, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "pin of the measuring thread failed"));
    f->R.home_cpu = saved_home;
    cpu_set_t now;
    pb_affinity_get(&now);
    assert_true(CPU_EQUAL(&now, &f->allowed));
}

/* Coordinated omission: in the open loop a 20 ms stall delays the ~200 requests due during it,
 * and their latency from the intended start says so (the 90th percentile is milliseconds); the
 * op's own duration, which ignores when it should have started, shows one slow sample only. */
static void test_open_loop_charges_stalls(void **state)
{
    struct fixture *f = *state;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&f->R, "fake/stall");
    assert_int_equal(pb_runner_call_fixed(v, 300, &c), 0);
    double corrected_p90 = pb_counters_get(&c, "request_p90_ns");
    double naive_p90 = pb_counters_get(&c, "op_p90_ns");
    if (corrected_p90 < 5e6)
        fail_msg("p90 from intended start is %.0f ns: the stall did not show", corrected_p90);
    assert_true(naive_p90 < 1e6);
    assert_true(pb_counters_get(&c, "request_max_ns") >= 20e6);
    assert_true(pb_counters_get(&c, "op_max_ns") >= 20e6); /* the stalled op itself */
    assert_near(pb_counters_get(&c, "offered_rate_per_s"), 10000, 0);
    /* it caught up afterwards: achieved never exceeds offered */
    assert_true(pb_counters_get(&c, "achieved_rate_per_s") <= 10000 * 1.01);
    assert_false(isnan(pb_counters_get(&c, "issue_late_p50_ns")));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_open_loop_charges_stalls, setup_fake, teardown_runner),
    cmocka_unit_test_setup_teardown(test_churn_every_variant, setup_churn, teardown_runner),
    cmocka_unit_test_setup_teardown(test_dispatch_every_variant, setup_dispatch, teardown_runner),
    cmocka_unit_test_setup_teardown(test_serialize_every_variant, setup_serialize, teardown_runner),
    cmocka_unit_test_setup_teardown(test_hotloop_every_variant, setup_hotloop, teardown_runner),
    cmocka_unit_test_setup_teardown(test_locality_every_variant, setup_locality, teardown_runner),
    cmocka_unit_test_setup_teardown(test_handoff_every_variant, setup_handoff, teardown_runner),
    cmocka_unit_test_setup_teardown(test_preempt_every_variant, setup_preempt, teardown_runner),
    cmocka_unit_test_setup_teardown(test_go_every_variant, setup_go, teardown_runner),
    cmocka_unit_test_setup_teardown(test_go_child_kept, setup_go, teardown_runner),
    cmocka_unit_test(test_go_skipped_without_go),
    cmocka_unit_test_setup_teardown(test_c2c_matrix, setup_c2c, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_state, setup_fake, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_spawn, setup_fake, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_sampler_untimed, setup_fake, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_catches_broken_invariants, setup_fake,
                                    teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_stops_cleanly, setup_fake, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_stated_time, setup_fake, teardown_runner),
};
const struct pb_test_group pb_group_threads = PB_GROUP("threads", tests);

/* Experiments on the machine's memory and CPUs whose walks are too long for the thread
 * sanitizer's instrumented loads: run in the release and address-sanitizer builds. */
/* The generic check every family gets, new ones included: every variant of every registered
 * family (bench/families.def) that is not skipped here runs one short call (one batch, or two
 * operations), valid, publishing only counters the table check knows; a skipped one says why.
 * The per-family tests above check each family's own invariants in depth. */
static void test_every_family_every_variant(void **state)
{
    (void)state;
    size_t ran = 0, skipped = 0;
    for (size_t k = 0; k < pb_n_families; k++) {
        void *st = NULL;
        assert_int_equal(setup_runner(&st, pb_families[k]), 0);
        struct fixture *f = st;
        for (size_t i = 0; i < f->R.n; i++) {
            struct pb_vreg *vr = &f->R.vr[i];
            if (vr->skip_reason[0]) {
                skipped++;
                continue;
            }
            struct pb_counters c;
            uint64_t iters = vr->v->batch > 1 ? vr->v->batch : 2;
            if (call_checked(vr, iters, &c) != 0)
                fail_msg("%s: %s", vr->name, vr->invalid_reason);
            assert_true(vr->merged_calls == 1);
            ran++;
        }
        teardown_runner(&st);
    }
    print_message("  %zu variants ran, %zu skipped here, over %zu families\n", ran, skipped,
                  pb_n_families);
    assert_true(ran > 0);
}

static const struct CMUnitTest machine_tests[] = {
    cmocka_unit_test(test_every_family_every_variant),
    cmocka_unit_test_setup_teardown(test_numa_every_variant, setup_numa, teardown_runner),
    cmocka_unit_test_setup_teardown(test_isolation_every_variant, setup_isolation, teardown_runner),
    cmocka_unit_test_setup_teardown(test_runner_watchdog, setup_fake, teardown_runner),
};
const struct pb_test_group pb_group_machine = PB_GROUP("machine", machine_tests);
