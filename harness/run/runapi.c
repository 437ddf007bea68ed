/* runapi: the services experiments call during a variant call (experiment.h). */
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

/* ---- the API experiments call ---- */

const void *pb_run_param(const struct pb_run *r)
{
    return r->vr->v->param;
}
int pb_run_home_cpu(const struct pb_run *r)
{
    return r->home;
}
int pb_run_ncpus(const struct pb_run *r)
{
    return CPU_COUNT(&r->vr->owner->cpus);
}

int pb_run_pair(const struct pb_run *r, int *a, int *b)
{
    if (r->vr->v->place.rel == PB_PLACE_NO_PAIR)
        return -1;
    *a = r->vr->pair_a;
    *b = r->vr->pair_b;
    return 0;
}

struct pb_cpu_pair *pb_run_sample_pairs(const struct pb_run *r, int full_up_to, size_t sample,
                                        size_t *n)
{
    const struct pb_runner *R = r->vr->owner;
    size_t ncpu = (size_t)CPU_COUNT(&R->cpus);
    size_t cap = ncpu <= (size_t)full_up_to ? ncpu * ncpu / 2 + 1 : sample + PB_REL_COUNT;
    struct pb_cpu_pair *p = pb_xcalloc(cap, sizeof *p, "CPU pairs");
    *n = pb_plan_sample_pairs(R->topo, &R->cpus, full_up_to, sample, 0x2c2c2c2cull, p, cap);
    return p;
}

uint64_t pb_run_cache_bytes(const struct pb_run *r, int level)
{
    return level >= 1 && level <= 3 ? r->vr->owner->cache_bytes[level] : 0;
}

int pb_run_cpu(const struct pb_run *r, int k)
{
    return pb_cpuset_nth(&r->vr->owner->cpus, k);
}

int pb_run_other_cpu(const struct pb_run *r)
{
    return r->other;
}
void *pb_run_state(const struct pb_run *r)
{
    return r->state;
}

/* The variant's state: zeroed, and aligned for members that keep a cache line to themselves. */
int pb_runi_state_alloc(struct pb_run *r, const struct pb_variant *v)
{
    r->state = NULL;
    if (!v->state_bytes)
        return 0;
    void *p = NULL;
    if (posix_memalign(&p, 64, v->state_bytes) != 0)
        return pb_run_fail(r, "out of memory for the call's state (%zu bytes)", v->state_bytes);
    memset(p, 0, v->state_bytes);
    r->state = p;
    return 0;
}

void pb_runi_state_free(struct pb_run *r)
{
    free(r->state);
    r->state = NULL;
}
pb_stamp_t pb_stamp(void)
{
    return pb_ticks_end();
}
double pb_stamp_ns(pb_stamp_t from, pb_stamp_t to)
{
    return to > from ? pb_ticks_to_ns_f(to - from) : 0;
}
pb_stamp_t pb_stamp_span(double ns)
{
    return ns > 0 ? (pb_stamp_t)(ns * pb_clock.tick_hz * 1e-9) : 0;
}
void pb_run_open_loop(struct pb_run *r, double rate_hz)
{
    PB_CHECK(rate_hz > 0);
    r->rate_hz = rate_hz;
}

/* Waits until `when` (ticks) by sleeping, never spinning: a spinning generator would take a
 * CPU from the servers it loads. Sleeps end late by the timer slack (tens of µs), so arrivals
 * due meanwhile go out back to back; their latency still runs from their intended times. */
void pb_runi_wait_until(uint64_t when)
{
    for (;;) {
        uint64_t now = pb_ticks_begin();
        if (now >= when)
            return;
        uint64_t left_ns = pb_ticks_to_ns(when - now);
        struct timespec ts = {(time_t)(left_ns / 1000000000u), (long)(left_ns % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}

pb_stamp_t pb_run_op_start(const struct pb_run *r)
{
    return r->op_start;
}

void pb_run_record(struct pb_run *r, unsigned metric, pb_stamp_t from, pb_stamp_t to)
{
    PB_CHECK(metric >= 1 && metric <= r->vr->fam->n_metrics);
    /* Stamps from two CPUs can be out of order by the TSC skew between them: count, never
     * wrap around to a huge value. */
    if (to < from) {
        r->negative_intervals++;
        to = from;
    }
    pb_hist_record(r->h[metric], pb_ticks_to_ns(to - from));
}

void pb_run_tally(struct pb_run *r, unsigned tally, double value)
{
    PB_CHECK(tally < r->vr->fam->n_tallies && tally < PB_MAX_TALLIES);
    r->tally[tally] += value;
    r->tallied[tally] = true;
}

void pb_run_gauge_max(struct pb_run *r, unsigned gauge, double value)
{
    PB_CHECK(gauge < r->vr->fam->n_gauges && gauge < PB_MAX_GAUGES);
    if (isnan(r->gauge[gauge]) || value > r->gauge[gauge])
        r->gauge[gauge] = value;
}

void pb_run_op_ns(struct pb_run *r, double ns)
{
    PB_CHECK(isfinite(ns) && ns >= 0);
    r->op_ns = ns;
}

void pb_run_record_ns(struct pb_run *r, unsigned metric, double ns)
{
    PB_CHECK(metric >= 1 && metric <= r->vr->fam->n_metrics);
    pb_hist_record(r->h[metric], ns > 0 ? (uint64_t)llround(ns) : 0);
}

struct pb_recorder *pb_run_recorder(struct pb_run *r, unsigned metric, unsigned slot)
{
    PB_CHECK(metric >= 1 && metric <= r->vr->fam->n_metrics && slot < PB_MAX_RECORDERS);
    struct pb_recorder **p = &r->rec[metric][slot];
    if (!*p)
        *p = pb_xcalloc(1, sizeof **p, "a recorder");
    pb_hist_reset(&(*p)->h);
    (*p)->negative_intervals = 0;
    (*p)->used = true;
    return *p;
}

void pb_recorder_add(struct pb_recorder *rec, pb_stamp_t from, pb_stamp_t to)
{
    if (to < from) {
        rec->negative_intervals++;
        to = from;
    }
    pb_hist_record(&rec->h, pb_ticks_to_ns(to - from));
}

/* Folds every recorder used in this call into its metric; owners have been joined. */
void pb_runi_merge_recorders(struct pb_run *r)
{
    for (unsigned m = 1; m <= PB_MAX_METRICS; m++) {
        for (unsigned k = 0; k < PB_MAX_RECORDERS; k++) {
            struct pb_recorder *rec = r->rec[m][k];
            if (!rec || !rec->used)
                continue;
            pb_hist_merge(r->h[m], &rec->h);
            r->negative_intervals += rec->negative_intervals;
            rec->used = false;
        }
    }
}

static int run_cpu_index(const struct pb_runner *R, int cpu)
{
    int k = 0;
    for (int c = 0; c < cpu && c < CPU_SETSIZE; c++)
        k += CPU_ISSET(c, &R->cpus) != 0;
    return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &R->cpus) ? k : -1;
}

static void run_cell_add(struct pb_run *r, int i, int j, int n, double value)
{
    struct pb_vreg *vr = r->vr;
    PB_CHECK(i >= 0 && j >= 0 && i < n && j < n);
    if (!vr->call_matrix) {
        vr->n_matrix = n;
        vr->call_matrix = pb_xcalloc((size_t)n * (size_t)n, sizeof *vr->call_matrix, "a matrix");
        vr->matrix = pb_xcalloc((size_t)n * (size_t)n, sizeof *vr->matrix, "a matrix");
    }
    struct pb_cell *c = &vr->call_matrix[(size_t)i * (size_t)n + (size_t)j];
    if (!c->count || value < c->min)
        c->min = value;
    if (!c->count || value > c->max)
        c->max = value;
    c->count++;
    c->sum += value;
}

void pb_run_matrix_add(struct pb_run *r, int cpu_a, int cpu_b, pb_stamp_t from, pb_stamp_t to)
{
    const struct pb_runner *R = r->vr->owner;
    PB_CHECK(!r->vr->v->matrix || !r->vr->v->matrix->by_node);
    if (to < from) {
        r->negative_intervals++;
        to = from;
    }
    run_cell_add(r, run_cpu_index(R, cpu_a), run_cpu_index(R, cpu_b), CPU_COUNT(&R->cpus),
                 (double)pb_ticks_to_ns(to - from));
}

static int run_node_index(const struct pb_topo *t, int node)
{
    for (int k = 0; k < t->n_numa; k++)
        if (t->node[k].os == node)
            return k;
    return -1;
}

void pb_run_matrix_value(struct pb_run *r, int cpu_node, int mem_node, double value)
{
    const struct pb_topo *t = r->vr->owner->topo;
    PB_CHECK(r->vr->v->matrix && r->vr->v->matrix->by_node);
    run_cell_add(r, run_node_index(t, cpu_node), run_node_index(t, mem_node), t->n_numa, value);
}

void pb_run_cpus(const struct pb_run *r, cpu_set_t *out)
{
    *out = r->vr->owner->cpus;
}

/* The first run CPU in `a` (and in `b` too, when `both`), or -1. */
static int run_first_in(const struct pb_runner *R, const cpu_set_t *a, const cpu_set_t *b,
                        bool both)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &R->cpus) && CPU_ISSET(c, a) && (!both || CPU_ISSET(c, b)))
            return c;
    return -1;
}

int pb_run_isolated_cpu(const struct pb_run *r)
{
    const struct pb_runner *R = r->vr->owner;
    int c = run_first_in(R, &R->iso.isolated, &R->iso.nohz_full, true);
    if (c < 0)
        c = run_first_in(R, &R->iso.isolated, NULL, false);
    if (c < 0)
        c = run_first_in(R, &R->iso.nohz_full, NULL, false);
    return c;
}

int pb_run_housekeeping_cpu(const struct pb_run *r)
{
    const struct pb_runner *R = r->vr->owner;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &R->cpus) && !CPU_ISSET(c, &R->iso.isolated) &&
            !CPU_ISSET(c, &R->iso.nohz_full))
            return c;
    return -1;
}

const struct pb_topo *pb_run_topo(const struct pb_run *r)
{
    return r->vr->owner->topo;
}

const struct pb_numa_plan *pb_run_numa_plan(const struct pb_run *r)
{
    return &r->vr->owner->numa;
}

void pb_run_thread_started(struct pb_run *r)
{
    if (++r->live > r->peak_live)
        r->peak_live = r->live;
}

void pb_run_thread_joined(struct pb_run *r)
{
    r->live--;
}

int pb_runi_read_status(uint64_t *threads, uint64_t *vmsize_kib, uint64_t *vmrss_kib)
{
    if (pb_read_keyed_u64("/proc/self/status", "Threads:", threads) < 0 ||
        pb_read_keyed_u64("/proc/self/status", "VmSize:", vmsize_kib) < 0 ||
        pb_read_keyed_u64("/proc/self/status", "VmRSS:", vmrss_kib) < 0)
        return -1;
    return 0;
}

void pb_run_sample_memory(struct pb_run *r)
{
    uint64_t th, vs, rss, ks;
    if (pb_runi_read_status(&th, &vs, &rss) < 0)
        return;
    if (r->kstack_start_kib && pb_read_keyed_u64("/proc/meminfo", "KernelStack:", &ks) == 0 &&
        ks > r->peak_kstack_kib)
        r->peak_kstack_kib = ks;
    r->sampled = true;
    if (th > r->peak_threads_sampled)
        r->peak_threads_sampled = th;
    if (vs > r->peak_vmsize_kib)
        r->peak_vmsize_kib = vs;
    if (rss > r->peak_vmrss_kib)
        r->peak_vmrss_kib = rss;
}

int pb_run_expect_threads(struct pb_run *r, unsigned extra)
{
    uint64_t th, vs, rss;
    if (pb_runi_read_status(&th, &vs, &rss) < 0)
        return pb_run_fail(r, "cannot read /proc/self/status: %s", pb_err());
    uint64_t want = r->threads_start + extra + (r->sampler.running ? 1 : 0);
    if (th != want)
        return pb_run_fail(r,
                           "the process has %llu threads, expected %llu (%llu at the start "
                           "of the call + %u)",
                           (unsigned long long)th, (unsigned long long)want,
                           (unsigned long long)r->threads_start, extra);
    return 0;
}

static void *sampler_main(void *arg)
{
    struct run_sampler *s = arg;
    while (!atomic_load_explicit(&s->stop, memory_order_acquire)) {
        uint64_t th, vs, rss;
        if (pb_runi_read_status(&th, &vs, &rss) == 0) {
            if (th > s->max_threads)
                s->max_threads = th;
            if (vs > s->max_vmsize_kib)
                s->max_vmsize_kib = vs;
            if (rss > s->max_vmrss_kib)
                s->max_vmrss_kib = rss;
            if (s->n == s->cap) { /* full: keep every other sample, halve the rate of keeping */
                for (size_t i = 0; i < s->n / 2; i++)
                    s->series[i] = s->series[2 * i];
                s->n /= 2;
                s->interval_ms *= 2;
                s->keep_every *= 2;
            }
            if (s->tick++ % s->keep_every == 0)
                s->series[s->n++] = (uint32_t)th;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* The sampler starts before the counters open, so they do not count its reads. */
int pb_runi_sampler_start(struct pb_run *r, const cpu_set_t *cpus)
{
    struct run_sampler *s = &r->sampler;
    uint32_t *series = s->series;
    memset(s, 0, sizeof *s);
    s->cap = 4096;
    s->interval_ms = 2;
    s->keep_every = 1;
    s->series = series ? series : pb_xcalloc(s->cap, sizeof *s->series, "thread samples");
    atomic_init(&s->stop, false);
    pthread_attr_t a;
    pthread_attr_init(&a);
    /* off the home CPU's mask if the measuring thread is pinned: it inherits the run's CPUs */
    pthread_attr_setaffinity_np(&a, sizeof *cpus, cpus);
    int rc = pthread_create(&s->thread, &a, sampler_main, s);
    pthread_attr_destroy(&a);
    if (rc != 0)
        return pb_run_fail(r, "cannot start the thread-count sampler: %s", strerror(rc));
    s->running = true;
    return 0;
}

void pb_runi_sampler_stop(struct pb_run *r)
{
    struct run_sampler *s = &r->sampler;
    if (!s->running)
        return;
    atomic_store_explicit(&s->stop, true, memory_order_release);
    pthread_join(s->thread, NULL);
    s->running = false;
}

int pb_run_fail(struct pb_run *r, const char *fmt, ...)
{
    if (r->failed)
        return -1; /* keep the first reason: later ones are usually consequences */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->failed = true;
    return -1;
}

void pb_run_announce(struct pb_run *r, double op_s, const char *fmt, ...)
{
    struct pb_vreg *vr = r->vr;
    if (vr->plan[0])
        return;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const struct pb_runner *R = vr->owner;
    double per_call_s = op_s > R->min_time_s ? op_s : R->min_time_s;
    if (R->reps > 0 && R->min_time_s > 0)
        snprintf(vr->plan, sizeof vr->plan,
                 "%s; one op ~%.3g ms, so a block takes ~%.3g s (at least %u blocks a side, "
                 "more in pairs, plus a sizing call)",
                 what, op_s * 1e3, per_call_s, R->reps);
    else
        snprintf(vr->plan, sizeof vr->plan, "%s; one op ~%.3g ms", what, op_s * 1e3);
    if (!R->verbose)
        return; /* kept for the summary */
    if (R->progress)
        fprintf(stderr, "\r\033[K");
    pb_printf_fit(stderr, "pinbench: %s: %s", vr->name, vr->plan);
}

void pb_run_set_placement(struct pb_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->vr->placement, sizeof r->vr->placement, fmt, ap);
    va_end(ap);
}
