/* publish: a call's numbers (latency percentiles, tallies, rates, threads, memory, counters)
 * handed to the driver, and merged into its variant for the report. */
#include "run/run_internal.h"

#include "core/clock.h"
#include "core/cpuset.h"
#include "core/pin.h"
#include "core/topo.h"
#include "util.h"

#include <errno.h>
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

/* ---- one timed call ---- */

static void run_counter_hist(const struct pb_driver *d, const char *metric, const struct pb_hist *h)
{
    if (h->count == 0)
        return;
    struct pb_hist_summary s;
    pb_hist_summarize(h, &s);
    char name[96];
#define C(suffix, val)                                                                             \
    do {                                                                                           \
        snprintf(name, sizeof name, "%s_" suffix, metric);                                         \
        d->counter(d->ctx, name, val);                                                             \
    } while (0)
    C("p50_ns", s.p50_ns);
    C("p90_ns", s.p90_ns);
    C("p99_ns", s.p99_ns);
    C("p999_ns", s.p999_ns);
    C("max_ns", s.max_ns);
#undef C
}

/* Folds this call's histograms into the variant's merged ones. Google Benchmark grows the
 * iteration count over several trials in the first repetition and reports only the last; later
 * repetitions reuse that count in a single trial. So the calls that were reported are exactly
 * those with the largest iteration count seen: a larger count discards what was merged. */
void pb_runi_merge_call(struct pb_vreg *vr, uint64_t iters)
{
    if (vr->calibrating) /* an unreported call: it sets the block's size, nothing else */
        return;
    unsigned nm = pb_vreg_n_metrics(vr);
    size_t cells = (size_t)vr->n_matrix * (size_t)vr->n_matrix;
    if (iters > vr->merged_iters) {
        for (unsigned m = 0; m < nm; m++)
            pb_hist_reset(vr->merged[m]);
        if (vr->matrix)
            memset(vr->matrix, 0, cells * sizeof *vr->matrix);
        memset(vr->pmu_tot, 0, sizeof vr->pmu_tot);
        vr->merged_iters = iters;
        vr->merged_calls = 0;
    }
    if (iters == vr->merged_iters) {
        for (unsigned m = 0; m < nm; m++)
            pb_hist_merge(vr->merged[m], vr->run->h[m]);
        vr->merged_calls++;
        for (size_t k = 0; vr->matrix && k < cells; k++) {
            struct pb_cell *d = &vr->matrix[k], *c = &vr->call_matrix[k];
            if (!c->count)
                continue;
            if (!d->count || c->min < d->min)
                d->min = c->min;
            if (!d->count || c->max > d->max)
                d->max = c->max;
            d->count += c->count;
            d->sum += c->sum;
        }
        for (size_t i = 0; vr->run->pmu_counted && i < PB_PMU_MAX; i++) {
            const struct pb_pmu_count *c = &vr->run->pmu[i];
            struct pb_pmu_total *t = &vr->pmu_tot[i];
            if (!c->valid) {
                t->uncounted_calls++;
                snprintf(t->reason, sizeof t->reason, "%s", c->reason);
                continue;
            }
            t->scaled += c->scaled;
            t->raw += c->raw;
            t->enabled_ns += c->enabled_ns;
            t->running_ns += c->running_ns;
            t->calls++;
        }
    }
}

/* Per-op counters, and the variant's counter checks. Returns -1 if a check failed. */
int pb_runi_publish_counters(struct pb_vreg *vr, const struct pb_driver *d, uint64_t ops)
{
    const struct pb_pmu *p = vr->owner->pmu;
    struct pb_run *r = vr->run;
    double per_op[PB_PMU_MAX];
    double min_ratio = 2;
    for (size_t i = 0; i < p->n; i++) {
        per_op[i] = NAN;
        if (!r->pmu[i].valid || ops == 0)
            continue;
        per_op[i] = r->pmu[i].scaled / (double)ops;
        char name[96];
        snprintf(name, sizeof name, "%s_per_op", p->ev[i].key);
        d->counter(d->ctx, name, per_op[i]);
        double ratio = (double)r->pmu[i].running_ns / (double)r->pmu[i].enabled_ns;
        if (ratio < min_ratio)
            min_ratio = ratio;
    }
    int ins = pb_pmu_find(p, "instructions"), cyc = pb_pmu_find(p, "cycles");
    if (ins >= 0 && cyc >= 0 && isfinite(per_op[ins]) && isfinite(per_op[cyc]) && per_op[cyc] > 0)
        d->counter(d->ctx, "ipc", per_op[ins] / per_op[cyc]);
    if (min_ratio <= 1)
        d->counter(d->ctx, "pmu_running_ratio_min", min_ratio);

    int rc = 0;
    for (size_t k = 0; k < PB_MAX_EXPECT; k++) {
        const struct pb_expect *x = &vr->v->expect[k];
        char *out = vr->expect_result[k];
        size_t len = sizeof vr->expect_result[k];
        if (!x->counter) {
            out[0] = '\0';
            continue;
        }
        int i = pb_pmu_find(p, x->counter);
        if (i < 0) {
            snprintf(out, len, "%s: not checked: not among the counters of this run", x->counter);
            continue;
        }
        if (!r->pmu[i].valid) {
            snprintf(out, len, "%s: not checked: %s", x->counter, r->pmu[i].reason);
            continue;
        }
        bool low = isfinite(x->min_per_op) && per_op[i] < x->min_per_op;
        bool high = isfinite(x->max_per_op) && per_op[i] > x->max_per_op;
        char bounds[64];
        if (isfinite(x->min_per_op) && isfinite(x->max_per_op))
            snprintf(bounds, sizeof bounds, "%g..%g", x->min_per_op, x->max_per_op);
        else if (isfinite(x->min_per_op))
            snprintf(bounds, sizeof bounds, ">= %g", x->min_per_op);
        else
            snprintf(bounds, sizeof bounds, "<= %g", x->max_per_op);
        snprintf(out, len, "%s: %s: %.3f per op, expected %s (%s)", x->counter,
                 low || high ? "FAIL" : "pass", per_op[i], bounds, pb_pmu_plm_name(p->ev[i].plm));
        if (low || high)
            rc = pb_run_fail(r, "counter check failed: %s_per_op = %.3f, expected %s", x->counter,
                             per_op[i], bounds);
    }
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static double run_series_median(const uint32_t *v, size_t n)
{
    uint32_t *c = pb_xcalloc(n, sizeof *c, "samples");
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_u32);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2.0;
    free(c);
    return m;
}

/* Memory per thread, where the op sampled it while its threads existed: the growth from the
 * call's start to the samples' peak over the threads added by then. VmSize and VmRSS are the
 * process's; KernelStack is the whole box's (another process's threads move it too, so it is a
 * bound checked against the kernel's stack size, not a private figure). */
static void run_publish_per_thread(struct pb_run *r, const struct pb_driver *d)
{
    if (r->peak_threads_sampled <= r->threads_start)
        return;
    double added = (double)(r->peak_threads_sampled - r->threads_start);
    d->counter(d->ctx, "threads_added", added);
    d->counter(d->ctx, "vmsize_per_thread_kib",
               ((double)r->peak_vmsize_kib - (double)r->vmsize_start_kib) / added);
    d->counter(d->ctx, "vmrss_per_thread_kib",
               ((double)r->peak_vmrss_kib - (double)r->vmrss_start_kib) / added);
    if (r->kstack_start_kib)
        d->counter(d->ctx, "kernel_stack_per_thread_kib",
                   ((double)r->peak_kstack_kib - (double)r->kstack_start_kib) / added);
}

/* Latency percentiles, tallies per op, and the rates of open loops and rate tallies. */
void pb_runi_publish_series(const struct pb_call_ctx *c)
{
    const struct pb_vreg *vr = c->vr;
    const struct pb_run *r = c->r;
    const struct pb_driver *d = c->d;
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++)
        run_counter_hist(d, pb_vreg_metric_name(vr, m), r->h[m]);
    /* a tally only for variants that count it: one never added to would publish 0, a figure
     * for something that was not measured (go's batch overhead of the variants without batches) */
    for (size_t t = 0; t < vr->fam->n_tallies; t++)
        if (r->tallied[t])
            d->counter(d->ctx, vr->fam->tallies[t], c->ops ? r->tally[t] / (double)c->ops : NAN);
    for (size_t g = 0; g < vr->fam->n_gauges; g++)
        d->counter(d->ctx, vr->fam->gauges[g], r->gauge[g]);
    if (r->rate_hz > 0 && c->total_ns) {
        d->counter(d->ctx, "offered_rate_per_s", r->rate_hz);
        d->counter(d->ctx, "achieved_rate_per_s", (double)c->ops / ((double)c->total_ns * 1e-9));
        d->counter(d->ctx, "issue_late_p50_ns", pb_hist_percentile(r->late, 50));
        d->counter(d->ctx, "issue_late_p99_ns", pb_hist_percentile(r->late, 99));
    }
    /* a rate only for variants that count the quantity (a stream's bytes, not a chase's) */
    if (vr->fam->rate_tally && c->total_ns && r->tallied[vr->fam->rate_tally - 1]) {
        unsigned t = vr->fam->rate_tally - 1;
        char name[96];
        snprintf(name, sizeof name, "%s", vr->fam->tallies[t]);
        char *suffix = strstr(name, "_per_op");
        if (suffix)
            *suffix = '\0';
        strncat(name, "_per_s", sizeof name - strlen(name) - 1);
        d->counter(d->ctx, name, r->tally[t] / ((double)c->total_ns * 1e-9));
    }
}

/* The sampler's readings in an unreported call (it counted itself in every one), kept for
 * the variant's reported blocks: the peak, the memory peaks, and the series for the thread plot
 * (whose median is the steady count). */
static void call_keep_samples(const struct pb_call_ctx *c)
{
    struct pb_vreg *vr = c->vr;
    const struct run_sampler *s = &c->r->sampler;
    vr->threads_peak_sampled = s->max_threads - 1;
    vr->vmsize_peak_delta_kib = (double)s->max_vmsize_kib - (double)c->r->vmsize_start_kib;
    vr->vmrss_peak_delta_kib = (double)s->max_vmrss_kib - (double)c->r->vmrss_start_kib;
    free(vr->thread_series);
    vr->thread_series = pb_xcalloc(s->n, sizeof *s->series, "thread samples");
    for (size_t i = 0; i < s->n; i++)
        vr->thread_series[i] = s->series[i] - 1;
    vr->n_thread_series = s->n;
    vr->thread_series_interval_ms = s->interval_ms;
}

/* Threads and memory over the call. */
void pb_runi_publish_threads(const struct pb_call_ctx *c)
{
    struct pb_run *r = c->r;
    const struct pb_driver *d = c->d;
    d->counter(d->ctx, "threads_start", (double)r->threads_start);
    uint64_t peak = r->threads_start + (uint64_t)r->peak_live;
    if (r->peak_threads_sampled > peak)
        peak = r->peak_threads_sampled;
    d->counter(d->ctx, "vmsize_delta_kib", (double)c->vs_end - (double)r->vmsize_start_kib);
    d->counter(d->ctx, "vmrss_delta_kib", (double)c->rss_end - (double)r->vmrss_start_kib);
    if (c->v->sample_threads && r->sampler.n)
        call_keep_samples(c);
    /* the readings of an unreported call, kept for this one */
    bool kept = c->v->sample_threads && c->vr->n_thread_series;
    if (kept) {
        if (c->vr->threads_peak_sampled > peak)
            peak = c->vr->threads_peak_sampled;
        d->counter(d->ctx, "threads_peak_sampled", (double)c->vr->threads_peak_sampled);
        d->counter(d->ctx, "threads_steady",
                   run_series_median(c->vr->thread_series, c->vr->n_thread_series));
    }
    d->counter(d->ctx, "threads_peak", (double)peak);
    if (r->sampled) {
        d->counter(d->ctx, "vmsize_peak_delta_kib",
                   (double)r->peak_vmsize_kib - (double)r->vmsize_start_kib);
        d->counter(d->ctx, "vmrss_peak_delta_kib",
                   (double)r->peak_vmrss_kib - (double)r->vmrss_start_kib);
        run_publish_per_thread(r, d);
    } else if (kept) {
        d->counter(d->ctx, "vmsize_peak_delta_kib", c->vr->vmsize_peak_delta_kib);
        d->counter(d->ctx, "vmrss_peak_delta_kib", c->vr->vmrss_peak_delta_kib);
    }
    if (r->negative_intervals)
        d->counter(d->ctx, "clock_negative_intervals", (double)r->negative_intervals);
}
