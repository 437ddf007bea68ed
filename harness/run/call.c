/* call: one timed call of a variant (placement, the loop, invariants, counters) and the
 * watchdog that bounds it. */
#include "run/run_internal.h"

#include "core/clock.h"
#include "core/cpuset.h"
#include "core/pin.h"
#include "core/topo.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The watchdog's view of the call in progress: when it started (CLOCK_MONOTONIC ns, 0 when no
 * call runs), which variant, and whether it has been told it ran over. */
static _Atomic uint64_t run_call_start_ns;
static _Atomic(const char *) run_call_name;
static atomic_int run_overtime;
static atomic_bool run_watchdog_quit;

static void *run_watchdog(void *arg)
{
    const struct pb_runner *R = arg;
    uint64_t limit_ns = (uint64_t)(R->watchdog_s * 1e9);
    /* The call's time is credited tick by tick, each gap at most a second: while the process
     * is stopped (Ctrl-Z, SIGSTOP, a suspended VM) this thread is stopped too and wakes to one
     * long gap, which is not the call's own time. */
    uint64_t seen_start = 0, ran = 0, last = pb_clock_mono_ns();
    while (!atomic_load(&run_watchdog_quit)) {
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
        uint64_t now = pb_clock_mono_ns(), gap = now - last;
        last = now;
        if (gap > 1000000000ull)
            gap = 1000000000ull;
        uint64_t start = atomic_load(&run_call_start_ns);
        if (!start) {
            seen_start = 0;
            continue;
        }
        if (start != seen_start) {
            seen_start = start;
            ran = now - start < gap ? now - start : gap;
        } else {
            ran += gap;
        }
        if (ran > limit_ns)
            atomic_store(&run_overtime, 1);
        if (ran > 2 * limit_ns + 1000000000ull) {
            /* the operation itself does not return: nothing in-process can end it safely */
            char msg[400];
            int n = snprintf(msg, sizeof msg,
                             "\npinbench: watchdog: %s has not returned from an operation for "
                             "%.0f s: stopping the run (exit 3); no results folder is published\n",
                             atomic_load(&run_call_name), (double)ran * 1e-9);
            if (n > 0)
                (void)!write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg);
            _exit(3);
        }
    }
    return NULL;
}

static void run_watchdog_start(struct pb_runner *R)
{
    if (R->watchdog_s <= 0 || R->watchdog_running)
        return;
    atomic_store(&run_watchdog_quit, false);
    if (pthread_create(&R->watchdog, NULL, run_watchdog, R) == 0)
        R->watchdog_running = true;
}

void pb_runi_watchdog_stop(struct pb_runner *R)
{
    if (!R->watchdog_running)
        return;
    atomic_store(&run_watchdog_quit, true);
    pthread_join(R->watchdog, NULL);
    R->watchdog_running = false;
}

/* Thread exit is asynchronous to pthread_join: the kernel drops the thread from the count a
 * little after the joiner wakes. Poll briefly before calling a difference a leak. */
static int run_threads_settle(uint64_t want, uint64_t *got)
{
    uint64_t vs, rss;
    for (int i = 0; i < 200; i++) {
        if (pb_runi_read_status(got, &vs, &rss) < 0)
            return -1;
        if (*got <= want)
            return 0;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void run_init(struct pb_vreg *vr)
{
    /* One scratch for every variant's calls: the memory the timed loop writes (the run, its
     * histograms and recorders) then lies at the same addresses whichever variant runs, so no
     * variant gains or loses from where its bookkeeping happens to fall against its working
     * set in the caches. With a scratch per variant, an A/A control's two names differed by
     * up to 1-2 % for a whole run (in locality's L2 and handoff's cross-CPU pairs), a bias the
     * paired blocks cannot see because it is the same in every block. */
    struct pb_runner *R = vr->owner;
    if (!R->scratch) {
        R->scratch = pb_xcalloc(1, sizeof *R->scratch, "the call scratch");
        for (unsigned m = 0; m <= PB_MAX_METRICS; m++)
            R->scratch->h[m] = pb_xcalloc(1, sizeof(struct pb_hist), "a histogram");
    }
    vr->run = R->scratch;
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr) && !vr->merged[m]; m++) {
        vr->merged[m] = pb_xcalloc(1, sizeof(struct pb_hist), "a histogram");
        pb_hist_reset(vr->merged[m]);
    }
    struct pb_run *r = vr->run;
    /* Keep what is allocated (histograms, recorders, the sample buffer); reset the rest. */
    struct pb_hist *h[1 + PB_MAX_METRICS];
    struct pb_recorder *rec[1 + PB_MAX_METRICS][PB_MAX_RECORDERS];
    uint32_t *series = r->sampler.series;
    struct pb_hist *late = r->late;
    memcpy(h, r->h, sizeof h);
    memcpy(rec, r->rec, sizeof rec);
    memset(r, 0, sizeof *r);
    memcpy(r->h, h, sizeof h);
    memcpy(r->rec, rec, sizeof rec);
    r->sampler.series = series;
    r->late = late;
    r->vr = vr;
    if (vr->call_matrix)
        memset(vr->call_matrix, 0,
               (size_t)vr->n_matrix * (size_t)vr->n_matrix * sizeof *vr->call_matrix);
    r->home = vr->owner->home_cpu;
    r->other = vr->owner->other_cpu;
    for (size_t g = 0; g < PB_MAX_GAUGES; g++)
        r->gauge[g] = NAN;
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++)
        pb_hist_reset(r->h[m]);
}

static volatile sig_atomic_t run_stop_signo;

/* Consumes the iterations Google Benchmark planned for this call without running them: an
 * errored repetition must report the same iteration count as the others of its benchmark, or
 * its statistics step aborts. */
static void run_drain(const struct pb_driver *d, unsigned batch)
{
    while (d->keep_running(d->ctx, batch))
        d->set_time(d->ctx, 0);
}

void pb_runner_request_stop(int signo)
{
    run_stop_signo = signo ? signo : SIGTERM;
}

void pb_runner_clear_stop(void)
{
    run_stop_signo = 0;
}

int pb_runner_stop_signal(void)
{
    return run_stop_signo;
}

size_t pb_runner_mark_unrun(struct pb_runner *R)
{
    size_t n = 0;
    if (!run_stop_signo)
        return 0;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->deselected || vr->skip_reason[0] || vr->reps_reported || vr->reps_errored ||
            (vr->v->full_profile_only && !R->full_profile))
            continue;
        snprintf(vr->skip_reason, sizeof vr->skip_reason,
                 "not run: the run was stopped by signal %d before this variant", run_stop_signo);
        n++;
    }
    return n;
}

static int run_call(struct pb_vreg *vr, const struct pb_driver *d);

int pb_runner_call(struct pb_vreg *vr, const struct pb_driver *d)
{
    if (run_stop_signo) {
        vr->interrupted = true;
        run_drain(d, vr->v->batch > 1 ? vr->v->batch : 1);
        d->skip(d->ctx, "interrupted: the run is stopping");
        return -1;
    }
    /* A variant that failed once is invalid: its later repetitions are not run. Google
     * Benchmark 1.7's statistics step also needs this: it builds its counter table from the
     * first repetition, and an errored first repetition (no counters) followed by good ones
     * makes it look up counters that are not there and crash. */
    if (vr->invalid_reason[0]) {
        run_drain(d, vr->v->batch > 1 ? vr->v->batch : 1);
        d->skip(d->ctx, "invalid: an earlier repetition failed (see the variant's reason)");
        return -1;
    }
    run_watchdog_start(vr->owner);
    atomic_store(&run_overtime, 0);
    atomic_store(&run_call_name, (const char *)vr->name);
    atomic_store(&run_call_start_ns, pb_clock_mono_ns());
    int rc = run_call(vr, d);
    atomic_store(&run_call_start_ns, 0);
    return rc;
}

/* Placement of the measuring thread, the starting counts, the sampler and the counters. */
static void call_begin(struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    const struct pb_variant *v = c->v;
    c->have_saved = pb_affinity_get(&c->saved) == 0;
    if (!c->have_saved)
        pb_run_fail(r, "cannot save the measuring thread's affinity: %s", pb_err());
    if (!r->failed && v->place.at == PB_HOME_PINNED && pb_pin_self(r->home) < 0)
        pb_run_fail(r, "pin of the measuring thread failed: %s", pb_err());
    if (!r->failed &&
        pb_runi_read_status(&r->threads_start, &r->vmsize_start_kib, &r->vmrss_start_kib) < 0)
        pb_run_fail(r, "cannot read /proc/self/status: %s", pb_err());
    if (pb_read_keyed_u64("/proc/meminfo", "KernelStack:", &r->kstack_start_kib) < 0)
        r->kstack_start_kib = 0;
    r->peak_kstack_kib = r->kstack_start_kib;
    /* Only in unreported calls. With the sampler waking every 2 ms to read /proc/self/status
     * in the timed blocks, dispatch's same-CPU pin and restore per request read 1.6x to 3.8x
     * the inline request from block to block (the clients more often shared one CPU), against
     * 1.79x to 1.89x without it; and pinning each new thread at creation read 1.00x an unpinned
     * one against 1.28x. */
    if (!r->failed && v->sample_threads && c->vr->calibrating)
        pb_runi_sampler_start(r, &c->vr->owner->cpus);
    const struct pb_pmu *pmu = c->vr->owner->pmu;
    c->pmu_open = !r->failed && pmu && pmu->n > 0;
    if (c->pmu_open)
        pb_pmu_open(pmu, &c->ps);
    if (!r->failed) {
        c->reached_setup = true;
        if (pb_runi_state_alloc(r, v) == 0 && v->setup && v->setup(r) < 0)
            pb_run_fail(r, "setup failed");
    }
}

/* Why the loop must end before the next operation: a stop request, or the watchdog. */
static bool call_must_stop(struct pb_call_ctx *c)
{
    if (run_stop_signo) { /* stop after the last whole operation, then tear down */
        c->r->interrupted = true;
        return true;
    }
    if (atomic_load_explicit(&run_overtime, memory_order_relaxed)) {
        pb_run_fail(c->r, "watchdog: the call ran past %g s (--watchdog=SECONDS)",
                    c->vr->owner->watchdog_s);
        c->overtime = true;
        return true;
    }
    return false;
}

/* An op that ran in another process states its own time (pb_run_op_ns), which must fit inside
 * the harness's interval around it: a longer one is a clock or protocol fault, not a result. */
static int call_take_stated_time(struct pb_run *r, uint64_t *ns)
{
    /* the two clocks are read apart and rounded differently: allow them 1 µs of disagreement */
    if (r->op_ns > (double)*ns + 1000.0) {
        pb_run_fail(r, "the operation stated %.0f ns, longer than the %" PRIu64 " ns around it",
                    r->op_ns, *ns);
        return -1;
    }
    *ns = (uint64_t)llround(r->op_ns);
    return 0;
}

/* The timed operations. In an open loop op i is due at loop start + i periods, and its Google
 * Benchmark time is the wall time since the previous one ended; the op histogram holds the
 * op's own duration in both loops. */
static void call_loop(struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    double period_ticks = r->rate_hz > 0 ? pb_clock.tick_hz / r->rate_hz : 0;
    long slack = -1;
    if (period_ticks > 0) {
        /* precise wake-ups: the default 50 µs timer slack would all be charged as latency */
        slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
        prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
        if (!r->late)
            r->late = pb_xcalloc(1, sizeof *r->late, "a histogram");
        pb_hist_reset(r->late);
    }
    uint64_t loop_start = pb_ticks_begin(), prev_end = loop_start;
    while (c->d->keep_running(c->d->ctx, c->batch) && !call_must_stop(c)) {
        uint64_t t0;
        if (period_ticks > 0) {
            uint64_t intended = loop_start + (uint64_t)((double)c->ops * period_ticks);
            pb_runi_wait_until(intended);
            r->op_start = intended;
            t0 = prev_end;
        } else {
            t0 = pb_ticks_begin();
            r->op_start = t0;
        }
        uint64_t actual = period_ticks > 0 ? pb_ticks_begin() : t0;
        if (period_ticks > 0)
            pb_hist_record(r->late, pb_ticks_to_ns(actual - r->op_start));
        r->op_ns = -1;
        int rc = c->v->op(r);
        uint64_t t1 = pb_ticks_end();
        prev_end = t1;
        if (rc < 0 || r->failed) {
            pb_run_fail(r, "operation failed");
            break;
        }
        uint64_t ns = pb_ticks_to_ns(t1 - t0);
        if (r->op_ns >= 0 && call_take_stated_time(r, &ns) < 0)
            break;
        uint64_t own_ns = period_ticks > 0 ? pb_ticks_to_ns(t1 - actual) : ns;
        pb_hist_record(r->h[0], c->batch > 1 ? (own_ns + c->batch / 2) / c->batch : own_ns);
        c->d->set_time(c->d->ctx, (double)ns * 1e-9);
        c->ops += c->batch;
        c->total_ns += ns;
        if (c->v->verify && c->v->verify(r) < 0) {
            pb_run_fail(r, "verification after an operation failed");
            break;
        }
    }
    if (slack >= 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
}

/* Teardown, then what only exists after it: joined threads' recorders and counts. */
static void call_end(struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    const struct pb_pmu *pmu = c->vr->owner->pmu;
    if (c->pmu_open)
        pb_pmu_disable(pmu, &c->ps);
    if (c->reached_setup && c->v->teardown)
        c->v->teardown(r);
    if (c->reached_setup)
        pb_runi_state_free(r);
    pb_runi_sampler_stop(r);
    pb_runi_merge_recorders(r);
    if (c->pmu_open) {
        pb_pmu_read_close(pmu, &c->ps, r->pmu);
        r->pmu_counted = true;
    }
}

/* Invariants: every thread the call created is gone, the counts add up. */
static void call_check(struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    if (!r->failed && r->live != 0)
        pb_run_fail(r, "%d thread(s) created during the call were not joined", r->live);
    if (r->failed)
        return;
    if (run_threads_settle(r->threads_start, &c->th_end) < 0 ||
        pb_runi_read_status(&c->th_end, &c->vs_end, &c->rss_end) < 0)
        pb_run_fail(r, "cannot read /proc/self/status: %s", pb_err());
    else if (c->th_end != r->threads_start)
        pb_run_fail(r, "thread count changed from %llu to %llu during the call (leak)",
                    (unsigned long long)r->threads_start, (unsigned long long)c->th_end);
    else if (!r->interrupted && r->h[0]->count * c->batch != c->ops)
        pb_run_fail(r, "op histogram holds %llu samples for %llu operations",
                    (unsigned long long)r->h[0]->count, (unsigned long long)c->ops);
}

/* A call that cannot be reported: stopped (incomplete, not wrong) or invalid (with why). */
static int call_not_reported(struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    if (r->interrupted && !r->failed) {
        c->vr->interrupted = true;
        run_drain(c->d, c->batch);
        c->d->skip(c->d->ctx, "interrupted: the run is stopping");
        return -1;
    }
    if (!c->vr->invalid_reason[0])
        snprintf(c->vr->invalid_reason, sizeof c->vr->invalid_reason, "%s", r->reason);
    if (c->overtime) /* the repetition must report the iterations planned for it */
        run_drain(c->d, c->batch);
    char msg[300];
    snprintf(msg, sizeof msg, "invalid: %s", r->reason);
    c->d->skip(c->d->ctx, msg);
    return -1;
}

static int run_call(struct pb_vreg *vr, const struct pb_driver *d)
{
    run_init(vr);
    struct pb_call_ctx c = {.vr = vr, .r = vr->run, .v = vr->v, .d = d};
    c.batch = c.v->batch > 1 ? c.v->batch : 1;
    call_begin(&c);
    if (!c.r->failed) {
        if (c.pmu_open)
            pb_pmu_enable(vr->owner->pmu, &c.ps);
        call_loop(&c);
    }
    call_end(&c);
    call_check(&c);
    if (c.have_saved && pb_pin_self_mask(&c.saved) < 0 && !c.r->failed && !c.r->interrupted)
        pb_run_fail(c.r, "cannot restore the measuring thread's affinity: %s", pb_err());
    /* the counters first: a variant's expected counts can still make it invalid */
    if (!c.r->failed && !c.r->interrupted && c.r->pmu_counted)
        pb_runi_publish_counters(vr, d, c.ops);
    if (c.r->failed || c.r->interrupted)
        return call_not_reported(&c);
    pb_runi_publish_series(&c);
    pb_runi_publish_threads(&c);
    d->label(d->ctx, vr->placement);
    pb_runi_merge_call(vr, c.ops);
    return 0;
}
