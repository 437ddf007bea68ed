/* runner: turns experiment tables into Google Benchmark registrations and runs each timed call:
 * placement (pin, verified, and restore), the timed op loop, histograms, thread and memory
 * bookkeeping and invariants, counters. It also collects what Google Benchmark reports for each
 * repetition, for the report step. */
#ifndef PB_RUNNER_H
#define PB_RUNNER_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "experiment.h"
#include "core/topo.h"
#include "core/cpuset.h"
#include "run/gbench.h"
#include "core/hist.h"
#include "core/pmu.h"

/* At most a few progress updates a second: each one wakes the terminal's process, which on a
 * small box competes with the blocks being measured (redrawn once per call, a default run's
 * numbers on the 2-vCPU development VM came out noisier on a terminal than through a pipe). */
#define PB_RUNNER_PROGRESS_PERIOD_NS 500000000ull

struct pb_topo;

/* Per-repetition values of one metric of one variant, in report order. */
struct pb_series {
    char *name; /* "real_time_ns", or a counter name such as "op_p50_ns" */
    double *v;
    size_t n, cap;
};

struct pb_vreg {
    const struct pb_family *fam;
    const struct pb_variant *v;
    char name[192];           /* "churn/spawn/unpinned" */
    char skip_reason[256];    /* set: not run here, and why */
    char invalid_reason[256]; /* set: a call failed (failed pin, broken invariant...) */
    char placement[96];       /* where it ran, e.g. "home cpu 0, other cpu 1 (other_l3)" */
    int pair_a, pair_b;       /* the planned pair of pair_rel variants */
    bool deselected;          /* outside the run's filter: not reported, even as skipped */
    char plan[400];
    bool interrupted;
    /* a call of it was cut short by a stop request */ /* pb_run_announce's statement, once
                                                          stated */
    /* pb_run_matrix_add/_value cells, n_matrix x n_matrix over the run's CPUs in order (or the
     * topology's NUMA nodes for by_node matrices); the calls of the current trial accumulate
     * in call_matrix, folded into matrix like the histograms */
    struct pb_cell {
        uint64_t count;
        double min, max, sum;
    } * matrix, *call_matrix;
    int n_matrix;
    /* Histograms of the final trial of every repetition, merged (see runner.c). */
    struct pb_hist *merged[1 + PB_MAX_METRICS];
    uint64_t merged_iters;
    unsigned merged_calls;
    struct pb_series *series;
    size_t n_series, cap_series;
    unsigned reps_reported, reps_errored;
    /* Counter totals over the same calls as the merged histograms. */
    struct pb_pmu_total {
        double scaled;
        uint64_t raw, enabled_ns, running_ns;
        unsigned calls, uncounted_calls;
        char reason[200]; /* the last reason a call was not counted */
    } pmu_tot[PB_PMU_MAX];
    /* Result of each counter check of the last call: "pass ...", "FAIL ..." or "not checked: ..."
     */
    char expect_result[PB_MAX_EXPECT][240];
    /* Threads: in /proc/self/status every 2 ms during the last unreported call (calibration or
     * warm-up block) of a sample_threads variant, and published with each of its reported
     * blocks. The sampler stays out of the timed blocks: its reads cost the workload (see
     * call_begin). */
    uint32_t *thread_series;
    size_t n_thread_series;
    double thread_series_interval_ms; /* 2 ms, doubled each time a long call was thinned */
    uint64_t threads_peak_sampled;    /* its peak, the sampler not counted */
    double vmsize_peak_delta_kib, vmrss_peak_delta_kib; /* its memory peaks over the call's start */
    struct pb_run *run;            /* the runner's scratch while its call is in progress */
    int gb_index;                  /* its Google Benchmark registration, -1 if none */
    bool calibrating;              /* the call in progress sizes the blocks: not merged */
    uint64_t block_iters;          /* iterations per block, from the calibration */
    double block_wall_s;           /* wall time of its last block, call overheads included */
    const struct pb_vreg *twin_of; /* an A/A control's second name: the variant it copies */
    struct pb_runner *owner;
};

/* The name suffix of an A/A control's second registration ("churn/spawn/unpinned/aa"). */
#define PB_TWIN_SUFFIX "aa"

struct pb_runner {
    struct pb_vreg *vr;
    size_t n;
    cpu_set_t cpus; /* the run's CPUs */
    int home_cpu, other_cpu;
    uint64_t cache_bytes[4];    /* [1] L1d, [2] L2, [3] L3, from the topology */
    const struct pb_topo *topo; /* outlives the runner */
    struct pb_numa_plan numa;   /* the node x node plan over the run's CPUs */
    struct pb_isolation iso;    /* isolated and nohz_full CPUs of the box (not only the run's) */
    char other_rel[32];
    const struct pb_pmu *pmu;  /* counters to take per call, or NULL */
    bool progress;             /* draw a progress line on stderr, at most once a period */
    uint64_t progress_last_ns; /* when it was last drawn (CLOCK_MONOTONIC) */
    bool verbose;              /* print each long variant's plan as it is made (else only kept) */
    char progress_prefix[96];  /* its first part, kept by the scheduler ("[main 84 s, about 0:41
                                  left, quartet 312/520]") */
    char progress_pair[160];   /* the pair being refined and its precision, or "" (then the
                                  variant in its call is named) */
    FILE *console;             /* a line per family as it starts; NULL for none (-q) */
    bool full_profile;         /* register full_profile_only variants too */
    unsigned reps;             /* blocks a side at least, and one block's time, for run-time */
    double min_time_s;         /* estimates; min_time_s 0: a fixed iteration count was asked */
    /* Watchdog: a call running longer than this many seconds is ended at its next operation
     * and the variant marked invalid; one whose operation has not returned after twice as long
     * (plus a second) ends the process, exit 3, leaving only the hidden temporary folder.
     * 0: off. */
    double watchdog_s;
    pthread_t watchdog;
    bool watchdog_running;
    struct pb_run *scratch; /* every call's run state, reset per call (see call.c) */
};

/* Builds the variant list from `families` (filtered by Google Benchmark's filter later),
 * decides skips from the CPU set, and plans the home and other CPU with `topo`. */
int pb_runner_prepare(struct pb_runner *R, const struct pb_family *const *families, size_t nf,
                      const cpu_set_t *cpus, const struct pb_topo *topo);
/* Registers every runnable variant with Google Benchmark. */
int pb_runner_register(struct pb_runner *R);
/* The Google Benchmark report callback (user = the runner). */
void pb_runner_on_report(const struct pb_gb_report *run, void *user);
void pb_runner_free(struct pb_runner *R);

const struct pb_series *pb_vreg_series(const struct pb_vreg *vr, const char *name);
struct pb_vreg *pb_runner_find(struct pb_runner *R, const char *name);
/* The two registrations a declared pair compares (an A/A control's second is its twin). */
void pb_runner_pair_vregs(struct pb_runner *R, const struct pb_family *f,
                          const struct pb_pair_decl *d, struct pb_vreg **a, struct pb_vreg **b);
/* Metric name for histogram index i of a variant ("op" or the family's metric names). */
const char *pb_vreg_metric_name(const struct pb_vreg *vr, unsigned i);
unsigned pb_vreg_n_metrics(const struct pb_vreg *vr);

/* The loop behind one timed call, with the benchmark framework abstracted so tests can drive
 * a call directly (no Google Benchmark) under the thread sanitizer. */
struct pb_driver {
    bool (*keep_running)(void *ctx, uint64_t n);
    void (*set_time)(void *ctx, double seconds);
    void (*counter)(void *ctx, const char *name, double value);
    void (*label)(void *ctx, const char *label);
    void (*skip)(void *ctx, const char *msg);
    void *ctx;
};
/* Runs one call of `vr`. Returns 0, or -1 if the call failed (reason in vr->invalid_reason). */
int pb_runner_call(struct pb_vreg *vr, const struct pb_driver *drv);

/* Counters captured by the direct driver. */
struct pb_counters {
    char names[64][48];
    double values[64];
    size_t n;
};
double pb_counters_get(const struct pb_counters *c, const char *name);
/* Runs one call of exactly `iterations` ops without Google Benchmark and keeps its counters. */
/* Stopping a run (SIGINT, SIGTERM): async-signal-safe. The call in progress ends after its
 * current operation, tears down (joining its threads) and is reported as interrupted, not
 * invalid; later calls return at once; the report marks the run partial. */
void pb_runner_request_stop(int signo);
int pb_runner_stop_signal(void); /* the signal that asked, or 0 */
void pb_runner_clear_stop(void); /* for a process that goes on (tests) */
/* After the run: variants that never ran because of the stop get that as their skip reason.
 * Returns how many. */
size_t pb_runner_mark_unrun(struct pb_runner *R);

int pb_runner_call_fixed(struct pb_vreg *vr, uint64_t iterations, struct pb_counters *out);

#endif
