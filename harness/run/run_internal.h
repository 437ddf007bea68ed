/* run_internal: what the runner's files share, and nothing outside them may use.
 *
 * runner.c holds the variants (prepare, find, free) and the drivers that call them; runapi.c the
 * services experiments call (experiment.h), spawn.c their threads; call.c one timed call, as
 * named phases (place and set up, loop, tear down, check, publish) and the watchdog over it;
 * publish.c what a call hands to the driver and merges into its variant. */
#ifndef PB_RUN_INTERNAL_H
#define PB_RUN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/pmu.h"
#include "run/runner.h"

struct pb_recorder {
    struct pb_hist h;
    uint64_t negative_intervals;
    bool used;
};

/* Samples the process's thread count and memory while a call runs. */
struct run_sampler {
    pthread_t thread;
    atomic_bool stop;
    bool running;
    uint64_t max_threads, max_vmsize_kib, max_vmrss_kib;
    uint32_t *series;
    size_t n, cap;
    double interval_ms;             /* between kept samples */
    unsigned long keep_every, tick; /* keep one sample in keep_every */
};

struct pb_run {
    struct pb_vreg *vr;
    struct pb_recorder *rec[1 + PB_MAX_METRICS][PB_MAX_RECORDERS];
    struct run_sampler sampler;
    int home, other;
    void *state;
    uint64_t op_start;
    double rate_hz;       /* open loop when > 0 */
    struct pb_hist *late; /* open loop: how late each op started (the generator's own error) */
    struct pb_hist *h[1 + PB_MAX_METRICS];
    double tally[PB_MAX_TALLIES];
    bool tallied[PB_MAX_TALLIES]; /* added to in this call: the variant counts this quantity */
    double gauge[PB_MAX_GAUGES];  /* the call's maximum; NAN until set */
    double op_ns;                 /* the op's own time, stated by pb_run_op_ns; < 0: not stated */
    uint64_t negative_intervals;
    int live, peak_live;
    uint64_t threads_start, vmsize_start_kib, vmrss_start_kib;
    uint64_t peak_threads_sampled, peak_vmsize_kib, peak_vmrss_kib;
    /* the box's kernel stacks (/proc/meminfo KernelStack) at the start and at the samples of
     * pb_run_sample_memory; 0 where unreadable */
    uint64_t kstack_start_kib, peak_kstack_kib;
    bool sampled;
    bool pmu_counted;
    struct pb_pmu_count pmu[PB_PMU_MAX];
    bool failed;
    bool interrupted; /* a stop request ended the call early */
    char reason[256];
};

/* What one call carries from phase to phase. */
struct pb_call_ctx {
    struct pb_vreg *vr;
    struct pb_run *r;
    const struct pb_variant *v;
    const struct pb_driver *d;
    unsigned batch;
    bool overtime;   /* the watchdog ended the loop */
    bool have_saved; /* the measuring thread's mask, restored at the end */
    cpu_set_t saved;
    bool pmu_open; /* counters opened before setup (threads it creates inherit them) */
    struct pb_pmu_session ps;
    bool reached_setup; /* teardown runs whenever setup was reached, failed or not */
    uint64_t ops, total_ns;
    uint64_t th_end, vs_end, rss_end; /* the process's threads and memory at the end */
};

/* runapi.c */
void pb_runi_merge_recorders(struct pb_run *r);
int pb_runi_read_status(uint64_t *threads, uint64_t *vmsize_kib, uint64_t *vmrss_kib);
int pb_runi_sampler_start(struct pb_run *r, const cpu_set_t *cpus);
void pb_runi_sampler_stop(struct pb_run *r);
int pb_runi_state_alloc(struct pb_run *r, const struct pb_variant *v);
void pb_runi_state_free(struct pb_run *r);
void pb_runi_wait_until(uint64_t when);

/* call.c: ends the watchdog thread, if it runs */
void pb_runi_watchdog_stop(struct pb_runner *R);

/* publish.c: a call's numbers handed to the driver, and merged into its variant */
int pb_runi_publish_counters(struct pb_vreg *vr, const struct pb_driver *d, uint64_t ops);
void pb_runi_publish_series(const struct pb_call_ctx *c);
void pb_runi_publish_threads(const struct pb_call_ctx *c);
void pb_runi_merge_call(struct pb_vreg *vr, uint64_t iters);

#endif
