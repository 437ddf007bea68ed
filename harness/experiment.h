/* experiment: the contract between an experiment family in bench/ and the harness.
 *
 * A family is a table of variants and the pairs to compare. A variant is an operation (`op`)
 * with optional untimed `setup`/`teardown` around each timed call and an optional untimed
 * `verify` after each operation. The harness times every op (TSC, ordered), records it in the
 * "op" histogram and as Google Benchmark manual time, pins the measuring thread where the
 * variant asks, and publishes percentiles, thread counts and memory as counters. Experiments
 * never read a clock: to time an event inside an op (a new thread's first instruction, a worker
 * picking up a request) they take an opaque pb_stamp() there and hand it to pb_run_record(). */
#ifndef PB_EXPERIMENT_H
#define PB_EXPERIMENT_H

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef uint64_t pb_stamp_t;
struct pb_run;
struct pb_topo;
struct pb_numa_plan;

/* What a variant's placement needs from the box (pb_place.needs); the harness skips it with a
 * reason otherwise. */
enum {
    PB_NEED_OTHER_CPU = 1u << 0,   /* a second allowed CPU */
    PB_NEED_REMOTE_NODE = 1u << 1, /* memory on a NUMA node other than an allowed CPU's own */
    PB_NEED_ISOLATED = 1u << 2,    /* an isolated CPU (isolcpus, nohz_full) among the run's */
    PB_NEED_MEMBIND = 1u << 3,     /* memory bound to a NUMA node (hwloc loaded the topology) */
};

/* How the harness places the measuring thread for a variant. */
enum pb_home {
    PB_HOME_UNPINNED, /* left on the run's allowed CPUs */
    PB_HOME_PINNED,   /* pinned (verified) to the home CPU for the whole call */
    PB_HOME_SELF,     /* the experiment pins (and verifies) its threads itself, where its plan
                         says, and states where with pb_run_set_placement */
};

/* The CPU pair a variant asks for (pb_place.rel), by how far apart its two CPUs are. */
enum pb_place_rel {
    PB_PLACE_NO_PAIR, /* none planned: the variant picks its CPUs (or uses the other CPU) */
    PB_PLACE_SMT,     /* two PUs of one core */
    PB_PLACE_SAME_L3,
    PB_PLACE_OTHER_L3,
    PB_PLACE_OTHER_PACKAGE,
    PB_PLACE_OTHER_NUMA,
};

#define PB_MAX_METRICS 4
#define PB_MAX_TALLIES 8
#define PB_MAX_GAUGES 4

/* What a counter must read per operation for the variant to be valid (validation experiments):
 * NAN leaves a bound open. Checked by the harness after each call when the counter was counted;
 * when it was not, the check is reported as not made, with the reason. */
struct pb_expect {
    const char *counter; /* counter key, e.g. "migrations", "ctx_switches" */
    double min_per_op, max_per_op;
};
#define PB_MAX_EXPECT 4

struct pb_variant {
    const char *name;    /* "spawn/unpinned"; the family name is prefixed */
    const char *summary; /* one line for `pinbench list` */
    /* Where it runs, all of it in one field: the measuring thread (`at`), the CPU pair the
     * topology planner gives it (`rel`, read with pb_run_pair), and what else its placement needs
     * from the box (`needs`, PB_NEED_*: a second CPU, an isolated one, memory on another node).
     * The variant is skipped with the planner's reason where the box has none of it. Written
     * .place = {PB_HOME_PINNED, PB_PLACE_SAME_L3}, or .place.at = ..., .place.needs = ... */
    struct pb_place {
        enum pb_home at;
        enum pb_place_rel rel;
        unsigned needs;
    } place;
    /* untimed, before the timed loop of each call. Threads it creates should have run once
     * before it returns: the kernel counts the migration that placed a pinned thread on its CPU
     * when the thread first runs, which could otherwise land inside the counted loop. */
    int (*setup)(struct pb_run *r);
    size_t state_bytes; /* the call's state (pb_run_state), zeroed; teardown must not free it */
    int (*op)(struct pb_run *r);        /* one timed operation: 0, or pb_run_fail() */
    int (*verify)(struct pb_run *r);    /* untimed, after each op: 0, or pb_run_fail() */
    void (*teardown)(struct pb_run *r); /* untimed, after the loop, also after a failure */
    const void *param;                  /* the variant's row data, read with pb_run_param() */
    unsigned batch; /* operations one op call performs (0 or 1: one); for operations too short
                       to time one by one, the op histogram then holds per-op batch averages */
    struct pb_expect expect[PB_MAX_EXPECT]; /* counter checks; unused entries have no counter */
    /* sample Threads/VmRSS every 2 ms (a harness thread) during the unreported calls (calibration,
     * warm-ups), published with every reported one: a sampler in a timed block costs the op */
    bool sample_threads;
    bool full_profile_only; /* run only with --profile=full (sweeps that would lengthen the rest) */
    const struct pb_matrix_decl *matrix; /* NULL: CPU-pair round trips, if it fills one */
    /* A tally that reads 0 while the variant's premise holds (nothing else ran on a CPU kept
     * free): the report warns, saying `zero_means`, for any repetition where it did not. */
    const char *zero_tally;
    const char *zero_means;
};

/* What a variant's matrix holds, for its CSV and heatmap. A variant without one fills a CPU x
 * CPU matrix of round trips with pb_run_matrix_add (symmetric: (a, b) also stands for (b, a)). */
struct pb_matrix_decl {
    bool by_node;      /* cells are (CPU's NUMA node, memory's NUMA node), not CPU pairs */
    const char *value; /* column stem with its unit, e.g. "ns_per_load", "gb_per_s" */
    const char *label; /* colour bar label, e.g. "latency per load (ns)" */
    const char *title; /* heatmap title after the variant name */
};

/* A comparison the report makes: variant against baseline on one metric (a counter name such
 * as "op_p50_ns", or "real_time_ns" for Google Benchmark's time per operation). */
struct pb_pair_decl {
    const char *baseline;
    const char *variant;
    const char *metric;
    /* Headline pairs get the run's time first (they reach the precision target before the
     * others get more than their minimum); every pair a claim reads is one. */
    bool headline;
    /* An A/A control: baseline and variant name the same variant, which then runs under a
     * second name as well (see PB_TWIN_SUFFIX): the run's check of its own statistics, whose
     * CI should cover 1 in 95 % of runs. */
    bool control;
};

/* A family's table and its length, in a struct pb_family initializer:
 * PB_TABLE(variants, x_variants) is .variants = x_variants, .n_variants = its length. */
#define PB_TABLE(field, array) .field = (array), .n_##field = PB_ARRAY_LEN(array)

/* A variant's parameters inline in its row: .param = PB_PARAM(struct x_param, A, B), a
 * compound literal with static storage (the row stays one row, and no named static per row). */
#define PB_PARAM(type, ...) (&(const type){__VA_ARGS__})

#define PB_PAIR(baseline, variant, metric)                                                         \
    {                                                                                              \
        baseline, variant, metric, false, false                                                    \
    }
#define PB_HEADLINE(baseline, variant, metric)                                                     \
    {                                                                                              \
        baseline, variant, metric, true, false                                                     \
    }
#define PB_CONTROL(variant, metric)                                                                \
    {                                                                                              \
        variant, variant, metric, false, true                                                      \
    }

/* A family's series are indexed by its own enums, so a name cannot drift from the index its ops
 * pass: tallies as {[TALLY_X] = "x_per_op"}, latency series (metrics 1.., since 0 is "op") as
 * {[PB_METRIC_SLOT(METRIC_X)] = "x"}. A hole (an index without a name) fails the table check
 * when pinbench starts. */
#define PB_METRIC_SLOT(metric) ((metric)-1)

struct pb_family {
    const char *name;
    const char *summary;
    /* The question its plots answer, ending in '?': every plot of the family is titled with it
     * and the host ("does binding CPU-bound threads to CPUs make them faster or slower?"). */
    const char *question;
    const struct pb_variant *variants;
    size_t n_variants;
    const struct pb_pair_decl *pairs;
    size_t n_pairs;
    /* Extra latency metrics the ops record with pb_run_record (metric 1..); metric 0 is "op". */
    const char *const *metrics;
    size_t n_metrics;
    /* Tallies the ops add with pb_run_tally, published per op under these counter names. */
    const char *const *tallies;
    size_t n_tallies;
    /* Index+1 of a tally that is also published per second of measured time, as
     * "<name without _per_op>_per_s" (e.g. requests answered: throughput); 0 for none. */
    unsigned rate_tally;
    /* For families whose variants are named "<x>/<series>": the metric plotted against x, one
     * line per series (e.g. throughput against thread count per placement); NULL for none. */
    const char *grid_metric;
    /* A metric (one of `metrics`) drawn as a frequency histogram on log-log axes, one line per
     * variant: for distributions whose rare tail is the point (TSC gaps); NULL for none. */
    const char *hist_metric;
    /* What one operation is ("create -> join"), shown by `pinbench list`. */
    const char *op_meaning;
    /* Gauges the ops set with pb_run_gauge_max, published as the call's maximum under these
     * names (ending in "_peak"): a level read off something the harness cannot sample itself,
     * such as another process's threads. */
    const char *const *gauges;
    size_t n_gauges;
    /* NULL, or checked once before the run: 0 when the family can run here, else -1 with the
     * reason in `why` (a toolchain it needs is missing), and every variant is skipped with it. */
    int (*unavailable)(char *why, size_t len);
};

/* ---- called from ops ---- */

const void *pb_run_param(const struct pb_run *r);
/* The home CPU (pinned variants run there) and the planned other CPU (-1 if none). */
int pb_run_home_cpu(const struct pb_run *r);
int pb_run_other_cpu(const struct pb_run *r);
/* The variant's planned pair: 0 with *a, *b set, or -1 if it asked for none. */
int pb_run_pair(const struct pb_run *r, int *a, int *b);
/* The pairs of the run's CPUs an all-pairs experiment measures (see pb_plan_sample_pairs):
 * every pair up to `full_up_to` CPUs, else each relation's pair plus `sample` random ones.
 * Returns a heap array (free it) of *n pairs {a, b}, a < b, or NULL. */
struct pb_cpu_pair;
struct pb_cpu_pair *pb_run_sample_pairs(const struct pb_run *r, int full_up_to, size_t sample,
                                        size_t *n);
/* The run's CPUs (the allowed set, narrowed by --cpus): how many, and the k-th in order. */
int pb_run_ncpus(const struct pb_run *r);
/* Cache size in bytes of level 1 (data), 2 or 3 as the topology reports it; 0 if unknown. */
uint64_t pb_run_cache_bytes(const struct pb_run *r, int level);
int pb_run_cpu(const struct pb_run *r, int k);
/* The call's state: `state_bytes` of the variant's, zeroed and 64-byte aligned, allocated by
 * the harness before setup and freed after teardown (NULL when the variant declares none). */
void *pb_run_state(const struct pb_run *r);

/* An opaque timestamp, usable from any thread. */
pb_stamp_t pb_stamp(void);
/* Nanoseconds between two stamps, for estimates outside the timed loop. */
double pb_stamp_ns(pb_stamp_t from, pb_stamp_t to);
/* A duration as a stamp difference, for a loop that compares `to - from` against a bound on
 * every iteration without converting each one (a gap detector): stamps are monotonic counts,
 * and only their differences mean anything. */
pb_stamp_t pb_stamp_span(double ns);
/* When the harness started timing the current op (in an open loop: its intended start). */
pb_stamp_t pb_run_op_start(const struct pb_run *r);

/* Open loop: called in setup, makes the harness start op i at its intended time
 * t0 + i / rate_hz instead of back to back. An op that cannot start on time starts late, and
 * latencies measured from pb_run_op_start() — the intended time — include the lateness: a
 * stalled server shows up in every request queued behind it, not as one slow sample
 * (coordinated omission corrected). The harness sleeps until each intended time (it never
 * spins, so the generator leaves the CPUs to the servers); a sleep ends late by the timer
 * slack, and arrivals due meanwhile go out back to back. The op's Google Benchmark time is then
 * wall time, so time per op is the achieved inter-arrival time; offered_rate_per_s and
 * achieved_rate_per_s are published. */
void pb_run_open_loop(struct pb_run *r, double rate_hz);
/* Records to - from into metric `metric` (1..n_metrics). Thread-compatible: call it from the
 * measuring thread only, after the other thread has published its stamp. */
void pb_run_record(struct pb_run *r, unsigned metric, pb_stamp_t from, pb_stamp_t to);
/* Adds to a named per-call tally published as a counter averaged per op ("child_on_home_cpu"). */
void pb_run_tally(struct pb_run *r, unsigned tally, double value);
/* Raises gauge `gauge` (an index into the family's gauges) to `value` if it is higher. */
void pb_run_gauge_max(struct pb_run *r, unsigned gauge, double value);

/* Operations run by another process (a workload in another language, which times itself with
 * its own monotonic clock). The harness's interval around such an op also holds the round trip
 * to that process, so the op states the time its operations took instead, in ns: the op
 * histogram and Google Benchmark's manual time use it. The harness's own interval must contain
 * it: a longer stated time fails the call. Call once per op, from the op. */
void pb_run_op_ns(struct pb_run *r, double ns);
/* Records a latency that another process measured, in ns, into metric `metric` (1..). */
void pb_run_record_ns(struct pb_run *r, unsigned metric, double ns);

/* A thread of the experiment's, started with pb_run_spawn. Its fields are the harness's: read
 * only `tid`, and `running` (whether it is started and not yet joined). */
struct pb_thread {
    pthread_t tid;
    bool running;
    void *(*fn)(void *);
    void *arg;
    cpu_set_t mask; /* what the new thread must run under */
    int cpu;        /* pinned to this CPU, or -1: `mask` is the run's CPUs (or the caller's) */
    sem_t started;
    char err[300]; /* set by the new thread when its placement failed */
};
#define PB_RUN_CPUS (-1) /* pb_run_spawn's cpu for a thread on the run's CPUs: unpinned */
/* Starts fn(arg) on a new thread of the call, pinned to `cpu` or, with PB_RUN_CPUS, on the
 * run's CPUs (never its creator's mask: a pinned measuring thread's child would inherit one
 * CPU). The placement is set in the thread's attributes and verified inside it (mask read back,
 * the CPU it runs on) before fn runs; pb_run_spawn returns once it has been, so the thread has
 * run once (see setup: the kernel counts the migration that placed it then). Counted for the
 * thread invariants. `what` names the thread in errors ("producer 3 of 8"). Returns 0, or
 * pb_run_fail() with pthread_create's or the placement's reason (a thread placed wrongly never
 * runs fn and is joined first). */
int pb_run_spawn(struct pb_run *r, struct pb_thread *t, int cpu, void *(*fn)(void *), void *arg,
                 const char *what, ...) PB_PRINTF(6, 7);
/* The same under an explicit mask (a set of CPUs, verified as a set); NULL: the creator's. */
int pb_run_spawn_mask(struct pb_run *r, struct pb_thread *t, const cpu_set_t *mask,
                      void *(*fn)(void *), void *arg, const char *what, ...) PB_PRINTF(6, 7);
/* Joins a thread pb_run_spawn started, and counts it; nothing when it is not running. */
void pb_run_join(struct pb_run *r, struct pb_thread *t);

/* Thread bookkeeping for threads an op creates itself (the operation under test): the harness
 * checks that every thread created during a call is gone at its end, and publishes the peak
 * number alive. pb_run_spawn and pb_run_join count theirs. */
void pb_run_thread_started(struct pb_run *r);
void pb_run_thread_joined(struct pb_run *r);
/* Reads /proc/self/status now (Threads, VmSize, VmRSS) and keeps the peaks, published as
 * threads_peak and vm*_peak_delta_kib. Costs a file read: call it outside the latencies that
 * matter, while the threads whose cost is of interest are alive. */
void pb_run_sample_memory(struct pb_run *r);

/* Checks that the process has exactly its threads at the start of the call plus `extra` now
 * (the harness's own sampler is accounted for): a pool's size is an invariant. 0, or
 * pb_run_fail(). */
int pb_run_expect_threads(struct pb_run *r, unsigned extra);

/* Per-thread latency recording. A recorder is a histogram owned by one thread of the
 * experiment's (a client, a worker): get it in setup on the measuring thread, record from its
 * owner without locks, and the harness merges every recorder of a metric after teardown, when
 * its owner has been joined. slot < PB_MAX_RECORDERS; metric 1..n_metrics. */
#define PB_MAX_RECORDERS 64
struct pb_recorder;
struct pb_recorder *pb_run_recorder(struct pb_run *r, unsigned metric, unsigned slot);
void pb_recorder_add(struct pb_recorder *rec, pb_stamp_t from, pb_stamp_t to);

/* CPU-pair matrices (the core-to-core latency map): adds the interval to cell (cpu_a, cpu_b),
 * which keeps the count, the minimum and the sum of its samples over the reported repetitions;
 * the report writes the matrix and draws it as a heatmap. Measuring thread only. */
void pb_run_matrix_add(struct pb_run *r, int cpu_a, int cpu_b, pb_stamp_t from, pb_stamp_t to);

/* A value for a by_node matrix cell (cpu_node, mem_node: OS node numbers), kept like
 * pb_run_matrix_add's: count, minimum, maximum and sum over the reported repetitions. */
void pb_run_matrix_value(struct pb_run *r, int cpu_node, int mem_node, double value);

/* The run's CPUs as a set (a thread meant to be unpinned gets this mask, not its creator's). */
void pb_run_cpus(const struct pb_run *r, cpu_set_t *out);
/* Among the run's CPUs: the first isolated one (isolated and nohz_full, else either), or -1;
 * the first housekeeping one (neither), or -1. */
int pb_run_isolated_cpu(const struct pb_run *r);
int pb_run_housekeeping_cpu(const struct pb_run *r);

/* The topology and the run's NUMA plan (rows: a CPU per node; columns: nodes with memory). */
const struct pb_topo *pb_run_topo(const struct pb_run *r);
const struct pb_numa_plan *pb_run_numa_plan(const struct pb_run *r);

/* States a long variant's plan and its run time before it runs, once per variant: `op_s` is
 * the estimated duration of one operation; the runner adds the estimate for the whole variant
 * (repetitions x max(min time, one op)). Printed on stderr, and kept for the summary. */
void pb_run_announce(struct pb_run *r, double op_s, const char *fmt, ...) PB_PRINTF(3, 4);

/* Replaces the variant's placement line in the report ("cpu 3 (node 0), memory on node 1"). */
void pb_run_set_placement(struct pb_run *r, const char *fmt, ...) PB_PRINTF(2, 3);

/* Marks the variant failed for this call with a reason; returns -1 for `return`. */
int pb_run_fail(struct pb_run *r, const char *fmt, ...) PB_PRINTF(2, 3);

#endif
