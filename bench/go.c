/* go: Go's own costs, measured in Go (bench/go/main.go), beside the OS-level analogs the other
 * families measure. The claims pinbench confronts are about Go's runtime: LockOSThread wires a
 * goroutine to its thread (an M) in user space and never calls sched_setaffinity; a goroutine
 * that exits while locked takes its thread with it, and the runtime clones a new M; a pinned
 * owner goroutine is fed through a channel; and the runtime preempts a running goroutine by
 * tgkill(SIGURG) to its thread.
 *
 * Each variant has one child (build/go/pbgo, unpinned on the run's CPUs: GOMAXPROCS is their
 * number), started at its first timed call, which sets its workload up, untimed, and kept until
 * pinbench exits: a later call resumes it, and every call ends by letting it idle (a spinner
 * stops). A child per call cost 6-8 ms to start on a 2-vCPU VM, and a stop-the-world child's
 * setup another 18 ms: half of a go block's wall time. A call that failed, or a child that
 * answered wrongly, ends the child; the next call starts a new one. One op asks the child to run
 * `n` operations and reads the answer over a socket: the time the child's monotonic clock gave them
 * (stated with pb_run_op_ns, so the round trip to the child is not in it), threads, SIGURG signals,
 * threads created, request latencies. The child is built only where a Go toolchain was present
 * at build time; elsewhere every variant is skipped with the reason.
 *
 * Invariants, checked on every op: the child completed exactly the operations asked for;
 * goroutines that exit locked ran on threads that did not exist when the op began (the runtime
 * really made new ones: all but as many as the child had before the call); a pool of locked
 * workers keeps its threads bounded, at most the child's threads at start + 2 x GOMAXPROCS + 12,
 * however many requests it serves; a call whose spinner only a signal can stop saw SIGURG (per
 * call: signals reach the count late), and one with GODEBUG=asyncpreemptoff=1 saw none. */
#include "experiment.h"
#include "gochild.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum go_expect {
    GO_EXPECT_NOTHING,
    GO_EXPECT_NEW_THREADS, /* each goroutine ran on a new thread (locked exits) */
    GO_EXPECT_BOUNDED,     /* the process's threads stay bounded (a pool) */
    GO_EXPECT_SIGNALS,     /* preemption signals arrived (at least one per op) */
    GO_EXPECT_NO_SIGNALS,  /* none arrived: GODEBUG=asyncpreemptoff=1 took effect */
};

struct go_param {
    const char *workload; /* the child's name for it (bench/go/main.go: newWorkload) */
    unsigned n;           /* operations per op: the variant's batch */
    enum go_expect expect;
    unsigned lat;        /* the metric its per-operation latencies go to (0: none reported) */
    const char *godebug; /* GODEBUG for the child, or NULL */
};

enum { METRIC_REQUEST = 1, METRIC_PAUSE };
enum { TALLY_SIGURG, TALLY_NEW_THREADS, TALLY_OVERHEAD };
enum { GAUGE_THREADS };

#define GO_ANSWER_S 60.0 /* the slowest op (64 waits behind a spinner) takes about 1.5 s */
#define GO_MAX_LAT 1024
#define GO_POOL_SLACK 12 /* threads a pool may have beyond its start and 2 per P */

/* A variant's child, kept between its calls. */
struct go_kept {
    const struct go_param *param; /* the variant's (NULL: a free slot) */
    cpu_set_t cpus;               /* where it was started */
    struct pb_go_child child;
    struct pb_go_hello hello;
    int procs;    /* GOMAXPROCS as its workload's setup left it */
    long threads; /* the process's threads after its last answer */
};
#define GO_KEEP 24 /* more than the family's variants */
static struct go_kept go_kept[GO_KEEP];
static bool go_kept_atexit;

struct go_state {
    struct go_kept *k; /* the call's child (NULL before it has one) */
    bool bad;          /* the child answered wrongly or not at all: end it */
    long threads;      /* the child's threads before the call */
    long sigurg, ops;  /* over the call: signals arrive late, so they are judged per call */
    double lat[GO_MAX_LAT];
};

static void go_kept_end(struct go_kept *k)
{
    pb_go_stop(&k->child); /* a child that would not end is killed: nothing left to report */
    k->param = NULL;
}

static void go_kept_end_all(void)
{
    for (size_t i = 0; i < GO_KEEP; i++)
        if (go_kept[i].param)
            go_kept_end(&go_kept[i]);
}

/* The variant's live child, if it has one on these CPUs; else a free slot (the first slot's
 * child ended if none is free), its param NULL. */
static struct go_kept *go_kept_find(const struct go_param *p, const cpu_set_t *cpus)
{
    struct go_kept *free_slot = NULL;
    for (size_t i = 0; i < GO_KEEP; i++) {
        struct go_kept *k = &go_kept[i];
        if (k->param == p && CPU_EQUAL(&k->cpus, cpus))
            return k;
        if (k->param == p)
            go_kept_end(k); /* another CPU set: a child of the old one is not this call's */
        if (!k->param && !free_slot)
            free_slot = k;
    }
    if (!free_slot) {
        free_slot = &go_kept[0];
        go_kept_end(free_slot);
    }
    return free_slot;
}

static int go_unavailable(char *why, size_t len)
{
    char path[4096];
    if (pb_go_binary(path, sizeof path) == 0)
        return 0;
    snprintf(why, len, "%s", pb_err());
    return -1;
}

/* Ends the child after a failed exchange, keeping what failed (ending it may set another
 * error). -1 with pb_err(). */
static int go_kept_fail(struct go_kept *k, const char *workload, const char *when)
{
    char why[400];
    snprintf(why, sizeof why, "Go workload %s%s: %s", workload, when, pb_err());
    go_kept_end(k);
    return pb_errf("%s", why);
}

/* Starts the variant's child and sets its workload up. 0, or -1 with pb_err(). */
static int go_kept_start(struct go_kept *k, const struct go_param *p, const cpu_set_t *cpus)
{
    char path[4096], cmd[128], line[512];
    k->cpus = *cpus;
    if (pb_go_binary(path, sizeof path) < 0 ||
        pb_go_start(&k->child, path, cpus, p->godebug, &k->hello) < 0)
        return -1;
    k->param = p; /* from here on, an error ends the child */
    k->threads = k->hello.threads;
    snprintf(cmd, sizeof cmd, "setup %s", p->workload);
    if (pb_go_ask(&k->child, cmd, line, sizeof line, GO_ANSWER_S) < 0 ||
        pb_go_parse_setup(line, &k->procs) < 0)
        return go_kept_fail(k, p->workload, "");
    if (!go_kept_atexit) {
        atexit(go_kept_end_all);
        go_kept_atexit = true;
    }
    return 0;
}

static int go_setup(struct pb_run *r)
{
    struct go_state *s = pb_run_state(r);
    const struct go_param *p = pb_run_param(r);
    char line[512];
    cpu_set_t cpus;
    pb_run_cpus(r, &cpus);
    struct go_kept *k = go_kept_find(p, &cpus);
    if (k->param && (pb_go_ask(&k->child, "resume", line, sizeof line, GO_ANSWER_S) < 0 ||
                     pb_go_parse_ok(line) < 0)) {
        go_kept_fail(k, p->workload, ", resuming");
        return pb_run_fail(r, "%s", pb_err());
    }
    if (!k->param && go_kept_start(k, p, &cpus) < 0)
        return pb_run_fail(r, "%s", pb_err());
    s->k = k;
    s->threads = k->threads;
    pb_run_set_placement(r, "%s, GOMAXPROCS %d%s, unpinned on the run's %d CPUs%s%s",
                         k->hello.version, k->procs,
                         k->procs != k->hello.gomaxprocs ? " (set by it)" : "", CPU_COUNT(&cpus),
                         p->godebug ? ", GODEBUG=" : "", p->godebug ? p->godebug : "");
    return 0;
}

/* The invariants an answer must satisfy before its numbers count. */
static int go_check(struct pb_run *r, const struct go_state *s, const struct go_param *p,
                    const struct pb_go_reply *a)
{
    if (a->counted != (long)p->n)
        return pb_run_fail(r, "Go answered %ld of %u operations", a->counted, p->n);
    if (p->lat && a->n_lat != p->n)
        return pb_run_fail(r, "Go timed %zu of %u operations", a->n_lat, p->n);
    /* the first goroutines may run on threads that were idle before the op: as many as the
     * child had after its previous answer */
    long fresh_min = (long)p->n - s->threads - 1;
    if (fresh_min < (long)p->n / 2)
        fresh_min = (long)p->n / 2;
    if (p->expect == GO_EXPECT_NEW_THREADS && a->new_threads < fresh_min)
        return pb_run_fail(r,
                           "%ld of %u goroutines that exited locked ran on a new thread: the "
                           "runtime reused threads, so this does not measure thread creation",
                           a->new_threads, p->n);
    if (p->expect == GO_EXPECT_NO_SIGNALS && a->sigurg > 0)
        return pb_run_fail(r,
                           "%ld SIGURG signals with GODEBUG=%s: asynchronous preemption was "
                           "not off",
                           a->sigurg, p->godebug);
    /* the workers' threads, one more per P for handoffs, and a few the runtime adds for
     * blocking system calls and locked goroutines' hand-backs (13 seen with one P): what must
     * never happen is a thread per request, 64 an op */
    const struct pb_go_hello *h = &s->k->hello;
    long bound = h->threads + 2L * h->gomaxprocs + GO_POOL_SLACK;
    if (p->expect == GO_EXPECT_BOUNDED && a->threads > bound)
        return pb_run_fail(r,
                           "the pool's process has %ld threads, more than %ld (%ld at start "
                           "+ 2 x GOMAXPROCS %d + %d)",
                           a->threads, bound, h->threads, h->gomaxprocs, GO_POOL_SLACK);
    return 0;
}

static int go_op(struct pb_run *r)
{
    struct go_state *s = pb_run_state(r);
    const struct go_param *p = pb_run_param(r);
    char cmd[64], line[GO_MAX_LAT * 24 + 512];
    snprintf(cmd, sizeof cmd, "run %u", p->n);
    struct pb_go_reply a = {.lat_ns = s->lat, .cap_lat = GO_MAX_LAT};
    if (pb_go_ask(&s->k->child, cmd, line, sizeof line, GO_ANSWER_S) < 0 ||
        pb_go_parse_reply(line, &a) < 0) {
        s->bad = true;
        return pb_run_fail(r, "%s", pb_err());
    }
    if (go_check(r, s, p, &a) < 0) {
        s->bad = true;
        return -1;
    }
    s->threads = a.threads;
    pb_run_op_ns(r, a.ns);
    pb_run_tally(r, TALLY_SIGURG, (double)a.sigurg);
    s->sigurg += a.sigurg;
    s->ops++;
    if (a.new_threads >= 0)
        pb_run_tally(r, TALLY_NEW_THREADS, (double)a.new_threads);
    if (!isnan(a.overhead_ns))
        pb_run_tally(r, TALLY_OVERHEAD, a.overhead_ns);
    pb_run_gauge_max(r, GAUGE_THREADS, (double)a.threads);
    for (size_t i = 0; p->lat && i < a.n_lat; i++)
        pb_run_record_ns(r, p->lat, a.lat_ns[i]);
    return 0;
}

static void go_teardown(struct pb_run *r)
{
    struct go_state *s = pb_run_state(r);
    const struct go_param *p = pb_run_param(r);
    struct go_kept *k = s->k;
    if (!k)
        return; /* no child: the setup failed and said why */
    /* the call's last signals, which reach the child's count late (see bench/go/main.go); the
     * workload idles until the next call */
    char line[128];
    long late = 0;
    if (!s->bad && (pb_go_ask(&k->child, "end", line, sizeof line, GO_ANSWER_S) < 0 ||
                    pb_go_parse_end(line, &late) < 0)) {
        pb_run_fail(r, "%s", pb_err());
        s->bad = true;
    }
    if (s->bad) {
        go_kept_end(k);
        return;
    }
    k->threads = s->threads;
    pb_run_tally(r, TALLY_SIGURG, (double)late);
    s->sigurg += late;
    if (p->expect == GO_EXPECT_NO_SIGNALS && late > 0)
        pb_run_fail(r, "%ld SIGURG signals with GODEBUG=%s: asynchronous preemption was not off",
                    late, p->godebug);
    else if (p->expect == GO_EXPECT_SIGNALS && s->ops > 0 && s->sigurg < 1)
        pb_run_fail(r,
                    "no SIGURG reached the child in %ld x %u stops of a spinning goroutine: it "
                    "was not preempted by signal",
                    s->ops, p->n);
}

#define GO_ROW(name_, summary_, workload_, n_, expect_, lat_, godebug_, ...)                       \
    {                                                                                              \
        name_, summary_,                                                                           \
            .place.at = PB_HOME_UNPINNED, .setup = go_setup,                                       \
            .state_bytes = sizeof(struct go_state), .op = go_op, .teardown = go_teardown,          \
            .param = PB_PARAM(struct go_param, workload_, n_, expect_, lat_, godebug_),            \
            .batch = n_, __VA_ARGS__                                                               \
    }
#define GO_VARIANT(name_, summary_, workload_, n_, expect_, lat_, ...)                             \
    GO_ROW(name_, summary_, workload_, n_, expect_, lat_, NULL, __VA_ARGS__)

static const struct pb_variant go_variants[] = {
    GO_VARIANT("lock/unlocked", "trivial work (a call), no lock", "lock_unlocked", 100000,
               GO_EXPECT_NOTHING, 0),
    GO_VARIANT("lock/locked", "runtime.LockOSThread + the work + UnlockOSThread", "lock_locked",
               100000, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("goroutine/plain", "go f() doing trivial work, waited for", "goroutine_plain", 100,
               GO_EXPECT_NOTHING, 0),
    GO_VARIANT("goroutine/locked_unlock", "the same, locked and unlocked before it exits",
               "goroutine_locked_unlock", 100, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("goroutine/locked_exit",
               "the same, exiting while locked: its thread dies and a new M is cloned",
               "goroutine_locked_exit", 20, GO_EXPECT_NEW_THREADS, 0),
    GO_VARIANT("dispatch/per_request",
               "8 clients; a new goroutine locked per request, blocked on a shared device",
               "dispatch_per_request", 64, GO_EXPECT_NOTHING, METRIC_REQUEST),
    GO_VARIANT("dispatch/pool",
               "8 clients; a pool of GOMAXPROCS locked goroutines fed by a channel",
               "dispatch_pool", 64, GO_EXPECT_BOUNDED, METRIC_REQUEST),
    GO_VARIANT("serialize/atomic", "8 goroutines, atomic.AddInt64 on one counter",
               "serialize_atomic", 8 * 16384, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("serialize/mutex", "8 goroutines, sync.Mutex around ++", "serialize_mutex",
               8 * 16384, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("serialize/chan", "8 goroutines send each increment to an owner goroutine",
               "serialize_chan", 8 * 4096, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("serialize/owner_locked", "the same, the owner locked to its thread",
               "serialize_owner_locked", 8 * 4096, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("preempt/stw_idle", "stop-the-world (ReadMemStats), the other P idle", "stw_idle",
               20, GO_EXPECT_NOTHING, METRIC_PAUSE, .place.needs = PB_NEED_OTHER_CPU),
    GO_ROW("preempt/stw_cooperative",
           "stop-the-world while a goroutine on the other P calls a function per turn; "
           "GODEBUG=asyncpreemptoff=1: stopped at the call, no signal",
           "stw_calling", 20, GO_EXPECT_NO_SIGNALS, METRIC_PAUSE, "asyncpreemptoff=1",
           .place.needs = PB_NEED_OTHER_CPU),
    GO_VARIANT("preempt/stw_signal",
               "stop-the-world while a goroutine spins with no call: preempted by SIGURG",
               "stw_spinning", 20, GO_EXPECT_SIGNALS, METRIC_PAUSE,
               .place.needs = PB_NEED_OTHER_CPU),
    GO_VARIANT("preempt/wait_spinning",
               "GOMAXPROCS=1: a readied goroutine waits for a spinner to be preempted",
               "wait_spinning", 1, GO_EXPECT_NOTHING, 0),
    GO_VARIANT("preempt/wait_spinning_locked", "the same, the spinner locked to its thread",
               "wait_spinning_locked", 1, GO_EXPECT_NOTHING, 0),
};

static const struct pb_pair_decl go_pairs[] = {
    PB_HEADLINE("lock/unlocked", "lock/locked", "real_time_ns"),
    PB_HEADLINE("goroutine/plain", "goroutine/locked_unlock", "real_time_ns"),
    PB_HEADLINE("goroutine/locked_unlock", "goroutine/locked_exit", "real_time_ns"),
    PB_PAIR("dispatch/pool", "dispatch/per_request", "real_time_ns"),
    PB_HEADLINE("serialize/atomic", "serialize/mutex", "real_time_ns"),
    PB_HEADLINE("serialize/atomic", "serialize/chan", "real_time_ns"),
    PB_HEADLINE("serialize/atomic", "serialize/owner_locked", "real_time_ns"),
    PB_HEADLINE("preempt/stw_cooperative", "preempt/stw_signal", "pause_p50_ns"),
    PB_PAIR("preempt/stw_idle", "preempt/stw_signal", "pause_p50_ns"),
    PB_PAIR("preempt/wait_spinning", "preempt/wait_spinning_locked", "real_time_ns"),
};

static const char *const go_metrics[] = {[PB_METRIC_SLOT(METRIC_REQUEST)] = "request",
                                         [PB_METRIC_SLOT(METRIC_PAUSE)] = "pause"};
static const char *const go_tallies[] = {[TALLY_SIGURG] = "sigurg_per_op",
                                         [TALLY_NEW_THREADS] = "new_threads_per_op",
                                         [TALLY_OVERHEAD] = "batch_overhead_ns_per_op"};
static const char *const go_gauges[] = {[GAUGE_THREADS] = "go_threads_peak"};

const struct pb_family pb_family_go = {
    .name = "go",
    .question =
        "what do Go's LockOSThread, locked exits, channels and preemption cost, measured in Go?",
    .summary = "Go's own costs, measured in Go: LockOSThread, locked exits, channels, preemption",
    PB_TABLE(variants, go_variants),
    PB_TABLE(pairs, go_pairs),
    PB_TABLE(metrics, go_metrics),
    PB_TABLE(tallies, go_tallies),
    PB_TABLE(gauges, go_gauges),
    .unavailable = go_unavailable,
    .op_meaning = "one Go operation (a lock pair, a goroutine, a request, an increment, a "
                  "stop-the-world, a wait), timed by the Go child in batches",
};
