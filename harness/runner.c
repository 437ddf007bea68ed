/* runner: placement, the timed loop, invariants and counters for every variant call. */
#include "runner.h"

#include "clock.h"
#include "cpuset.h"
#include "pin.h"
#include "topo.h"
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
    if (!r->vr->v->pair_rel)
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
static int run_state_alloc(struct pb_run *r, const struct pb_variant *v)
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

static void run_state_free(struct pb_run *r)
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
static void run_wait_until(uint64_t when)
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
static void run_merge_recorders(struct pb_run *r)
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

static int run_read_status(uint64_t *threads, uint64_t *vmsize_kib, uint64_t *vmrss_kib)
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
    if (run_read_status(&th, &vs, &rss) < 0)
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
    if (run_read_status(&th, &vs, &rss) < 0)
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
        if (run_read_status(&th, &vs, &rss) == 0) {
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
static int run_sampler_start(struct pb_run *r, const cpu_set_t *cpus)
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

static void run_sampler_stop(struct pb_run *r)
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
    if (R->progress)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "pinbench: %s: %s\n", vr->name, vr->plan);
}

void pb_run_set_placement(struct pb_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->vr->placement, sizeof r->vr->placement, fmt, ap);
    va_end(ap);
}

/* ---- variant registry ---- */

const char *pb_vreg_metric_name(const struct pb_vreg *vr, unsigned i)
{
    return i == 0 ? "op" : vr->fam->metrics[i - 1];
}

unsigned pb_vreg_n_metrics(const struct pb_vreg *vr)
{
    return 1u + (unsigned)vr->fam->n_metrics;
}

/* Why no isolated CPU can be measured in this run, or "" when one can. */
static void run_isolated_reason(const struct pb_runner *R, const char *unreadable, char *out,
                                size_t len)
{
    cpu_set_t quiet;
    CPU_OR(&quiet, &R->iso.isolated, &R->iso.nohz_full);
    cpu_set_t in_run;
    CPU_AND(&in_run, &quiet, &R->cpus);
    char q[256], run[256];
    if (unreadable[0])
        snprintf(out, len, "no isolated CPU known: %s", unreadable);
    else if (CPU_COUNT(&quiet) == 0)
        snprintf(out, len,
                 "no isolated CPU: /sys/devices/system/cpu/isolated and nohz_full are empty "
                 "(boot with isolcpus= or nohz_full=, or make an isolated cpuset partition)");
    else if (CPU_COUNT(&in_run) == 0)
        snprintf(out, len,
                 "isolated CPU(s) %s are not among this run's CPUs %s: name them with --cpus "
                 "(under taskset -c if this process's affinity excludes them)",
                 pb_cpuset_format(&quiet, q, sizeof q),
                 pb_cpuset_format(&R->cpus, run, sizeof run));
}

/* A/A controls: the variant of each control pair runs a second time under the name
 * "<variant>/aa", as its own benchmark, so the pair compares a variant with itself through every
 * step a real pair takes. */
static void run_add_twins(struct pb_runner *R, const struct pb_family *fam)
{
    for (size_t j = 0; j < fam->n_pairs; j++) {
        const struct pb_pair_decl *d = &fam->pairs[j];
        if (!d->control)
            continue;
        char name[192];
        snprintf(name, sizeof name, "%s/%s", fam->name, d->baseline);
        struct pb_vreg *orig = pb_runner_find(R, name);
        PB_CHECK(orig); /* a control naming a missing variant is a table bug */
        /* the twin shares the row and the plan, never the per-call state */
        struct pb_vreg *tw = &R->vr[R->n++];
        tw->fam = orig->fam;
        tw->v = orig->v;
        tw->owner = R;
        tw->pair_a = orig->pair_a;
        tw->pair_b = orig->pair_b;
        memcpy(tw->skip_reason, orig->skip_reason, sizeof tw->skip_reason);
        memcpy(tw->placement, orig->placement, sizeof tw->placement);
        tw->twin_of = orig;
        /* through a local: the compiler cannot prove tw and orig differ */
        char twin[sizeof tw->name];
        if (snprintf(twin, sizeof twin, "%s/%s", name, PB_TWIN_SUFFIX) >= (int)sizeof twin)
            PB_CHECK(!"a control variant's name is too long for its twin");
        memcpy(tw->name, twin, sizeof tw->name);
    }
}

int pb_runner_prepare(struct pb_runner *R, const struct pb_family *const *families, size_t nf,
                      const cpu_set_t *cpus, const struct pb_topo *topo)
{
    memset(R, 0, sizeof *R);
    R->cpus = *cpus;
    R->home_cpu = pb_cpuset_nth(cpus, 0);
    if (R->home_cpu < 0)
        return pb_errf("no CPU to run on: the CPU set is empty");
    R->other_cpu = pb_plan_other_cpu(topo, cpus, R->home_cpu);
    R->topo = topo;
    R->cache_bytes[1] = topo->l1d_bytes;
    R->cache_bytes[2] = topo->l2_bytes;
    R->cache_bytes[3] = topo->l3_bytes;
    pb_plan_numa(topo, cpus, &R->numa);
    char iso_unreadable[256] = "";
    if (pb_isolation_read("/sys/devices/system/cpu", &R->iso) < 0) {
        snprintf(iso_unreadable, sizeof iso_unreadable, "%s", pb_err());
        CPU_ZERO(&R->iso.isolated);
        CPU_ZERO(&R->iso.nohz_full);
    }
    snprintf(R->other_rel, sizeof R->other_rel, "%s",
             R->other_cpu >= 0 ? pb_rel_name(pb_topo_relation(topo, R->home_cpu, R->other_cpu))
                               : "none");
    size_t total = 0;
    for (size_t f = 0; f < nf; f++) {
        total += families[f]->n_variants;
        for (size_t j = 0; j < families[f]->n_pairs; j++)
            total += families[f]->pairs[j].control;
    }
    R->vr = pb_xcalloc(total, sizeof *R->vr, "variant registry");
    for (size_t f = 0; f < nf; f++) {
        const struct pb_family *fam = families[f];
        PB_CHECK(fam->n_metrics <= PB_MAX_METRICS && fam->n_tallies <= PB_MAX_TALLIES);
        for (size_t i = 0; i < fam->n_variants; i++) {
            struct pb_vreg *vr = &R->vr[R->n++];
            vr->fam = fam;
            vr->v = &fam->variants[i];
            vr->owner = R;
            snprintf(vr->name, sizeof vr->name, "%s/%s", fam->name, vr->v->name);
            if (vr->v->pair_rel) {
                /* PB_PAIR_* values are the planner's relations plus one */
                struct pb_pair pp;
                pb_plan_pair(topo, cpus, (enum pb_rel)(vr->v->pair_rel - 1), &pp);
                vr->pair_a = pp.a;
                vr->pair_b = pp.b;
                if (!pp.exists)
                    snprintf(vr->skip_reason, sizeof vr->skip_reason, "no %s pair here: %s",
                             pb_rel_name(pp.rel), pp.reason);
                else
                    snprintf(vr->placement, sizeof vr->placement, "cpus %d and %d (%s)", pp.a, pp.b,
                             pb_rel_name(pp.rel));
            }
            if ((vr->v->needs & PB_NEED_OTHER_CPU) && R->other_cpu < 0) {
                char list[128];
                snprintf(vr->skip_reason, sizeof vr->skip_reason,
                         "needs a second CPU; this run may use only CPU %s",
                         pb_cpuset_format(cpus, list, sizeof list));
            }
            if ((vr->v->needs & PB_NEED_REMOTE_NODE) && !R->numa.n_remote)
                snprintf(vr->skip_reason, sizeof vr->skip_reason,
                         "needs memory on another NUMA node: %s", R->numa.reason);
            if ((vr->v->needs & PB_NEED_MEMBIND) && !topo->hw)
                snprintf(vr->skip_reason, sizeof vr->skip_reason,
                         "needs memory binding, and the topology came from sysfs: %s",
                         topo->fallback[0] ? topo->fallback : "hwloc did not load it");
            if (vr->v->needs & PB_NEED_ISOLATED)
                run_isolated_reason(R, iso_unreadable, vr->skip_reason, sizeof vr->skip_reason);
            if (vr->placement[0])
                continue;
            if (vr->v->home == PB_HOME_PINNED || (vr->v->needs & PB_NEED_OTHER_CPU))
                snprintf(vr->placement, sizeof vr->placement, "home cpu %d%s", R->home_cpu,
                         (vr->v->needs & PB_NEED_OTHER_CPU) && R->other_cpu >= 0 ? ", other cpu "
                                                                                 : "");
            if ((vr->v->needs & PB_NEED_OTHER_CPU) && R->other_cpu >= 0) {
                size_t l = strlen(vr->placement);
                snprintf(vr->placement + l, sizeof vr->placement - l, "%d (%s)", R->other_cpu,
                         R->other_rel);
            }
            if (!vr->placement[0])
                snprintf(vr->placement, sizeof vr->placement, "%s",
                         vr->v->home == PB_HOME_SELF ? "pinned by the experiment" : "unpinned");
        }
        run_add_twins(R, fam);
    }
    return 0;
}

void pb_runner_pair_vregs(struct pb_runner *R, const struct pb_family *f,
                          const struct pb_pair_decl *d, struct pb_vreg **a, struct pb_vreg **b)
{
    char bn[192], vn[200];
    snprintf(bn, sizeof bn, "%s/%s", f->name, d->baseline);
    if (d->control)
        snprintf(vn, sizeof vn, "%s/%s/%s", f->name, d->variant, PB_TWIN_SUFFIX);
    else
        snprintf(vn, sizeof vn, "%s/%s", f->name, d->variant);
    *a = pb_runner_find(R, bn);
    *b = pb_runner_find(R, vn);
    PB_CHECK(*a && *b); /* a pair naming a missing variant is a table bug */
}

struct pb_vreg *pb_runner_find(struct pb_runner *R, const char *name)
{
    for (size_t i = 0; i < R->n; i++)
        if (strcmp(R->vr[i].name, name) == 0)
            return &R->vr[i];
    return NULL;
}

static struct pb_series *vreg_series_mut(struct pb_vreg *vr, const char *name)
{
    for (size_t i = 0; i < vr->n_series; i++)
        if (strcmp(vr->series[i].name, name) == 0)
            return &vr->series[i];
    if (vr->n_series == vr->cap_series) {
        vr->cap_series = vr->cap_series ? vr->cap_series * 2 : 16;
        vr->series = realloc(vr->series, vr->cap_series * sizeof *vr->series);
        PB_CHECK(vr->series != NULL);
    }
    struct pb_series *s = &vr->series[vr->n_series++];
    memset(s, 0, sizeof *s);
    s->name = pb_xstrdup(name);
    return s;
}

static void series_push(struct pb_series *s, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        PB_CHECK(s->v != NULL);
    }
    s->v[s->n++] = v;
}

const struct pb_series *pb_vreg_series(const struct pb_vreg *vr, const char *name)
{
    for (size_t i = 0; i < vr->n_series; i++)
        if (strcmp(vr->series[i].name, name) == 0)
            return &vr->series[i];
    return NULL;
}

void pb_runner_free(struct pb_runner *R)
{
    if (R->watchdog_running) {
        atomic_store(&run_watchdog_quit, true);
        pthread_join(R->watchdog, NULL);
        R->watchdog_running = false;
    }
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        for (unsigned m = 0; m <= PB_MAX_METRICS; m++)
            free(vr->merged[m]);
        for (size_t s = 0; s < vr->n_series; s++) {
            free(vr->series[s].name);
            free(vr->series[s].v);
        }
        free(vr->series);
        if (vr->run) {
            for (unsigned m = 0; m <= PB_MAX_METRICS; m++) {
                free(vr->run->h[m]);
                for (unsigned k = 0; k < PB_MAX_RECORDERS; k++)
                    free(vr->run->rec[m][k]);
            }
            free(vr->run->sampler.series);
            free(vr->run->late);
            free(vr->run);
        }
        free(vr->thread_series);
        free(vr->matrix);
        free(vr->call_matrix);
    }
    free(R->vr);
    memset(R, 0, sizeof *R);
}

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

/* Thread exit is asynchronous to pthread_join: the kernel drops the thread from the count a
 * little after the joiner wakes. Poll briefly before calling a difference a leak. */
static int run_threads_settle(uint64_t want, uint64_t *got)
{
    uint64_t vs, rss;
    for (int i = 0; i < 200; i++) {
        if (run_read_status(got, &vs, &rss) < 0)
            return -1;
        if (*got <= want)
            return 0;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Folds this call's histograms into the variant's merged ones. Google Benchmark grows the
 * iteration count over several trials in the first repetition and reports only the last; later
 * repetitions reuse that count in a single trial. So the calls that were reported are exactly
 * those with the largest iteration count seen: a larger count discards what was merged. */
static void run_merge_call(struct pb_vreg *vr, uint64_t iters)
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
static int run_publish_counters(struct pb_vreg *vr, const struct pb_driver *d, uint64_t ops)
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

static void run_init(struct pb_vreg *vr)
{
    if (!vr->run) {
        vr->run = pb_xcalloc(1, sizeof *vr->run, "a variant run");
        for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++) {
            vr->run->h[m] = pb_xcalloc(1, sizeof(struct pb_hist), "a histogram");
            vr->merged[m] = pb_xcalloc(1, sizeof(struct pb_hist), "a histogram");
            pb_hist_reset(vr->merged[m]);
        }
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

static int run_call(struct pb_vreg *vr, const struct pb_driver *d)
{
    run_init(vr);
    struct pb_run *r = vr->run;
    const struct pb_variant *v = vr->v;
    unsigned batch = v->batch > 1 ? v->batch : 1;
    bool overtime = false;

    cpu_set_t saved;
    bool have_saved = pb_affinity_get(&saved) == 0;
    if (!have_saved)
        pb_run_fail(r, "cannot save the measuring thread's affinity: %s", pb_err());
    if (!r->failed && v->home == PB_HOME_PINNED && pb_pin_self(r->home) < 0)
        pb_run_fail(r, "pin of the measuring thread failed: %s", pb_err());
    uint64_t th_end = 0, vs_end = 0, rss_end = 0;
    if (!r->failed &&
        run_read_status(&r->threads_start, &r->vmsize_start_kib, &r->vmrss_start_kib) < 0)
        pb_run_fail(r, "cannot read /proc/self/status: %s", pb_err());
    if (pb_read_keyed_u64("/proc/meminfo", "KernelStack:", &r->kstack_start_kib) < 0)
        r->kstack_start_kib = 0;
    r->peak_kstack_kib = r->kstack_start_kib;
    if (!r->failed && v->sample_threads)
        run_sampler_start(r, &vr->owner->cpus);
    /* Counters open before setup, so threads setup creates inherit them; they count only
     * while the operation loop runs. */
    const struct pb_pmu *pmu = vr->owner->pmu;
    struct pb_pmu_session ps;
    bool pmu_open = !r->failed && pmu && pmu->n > 0;
    if (pmu_open)
        pb_pmu_open(pmu, &ps);
    /* Teardown runs whenever setup was reached, failed or not: it frees what setup made. */
    bool reached_setup = false;
    if (!r->failed) {
        reached_setup = true;
        if (run_state_alloc(r, v) == 0 && v->setup && v->setup(r) < 0)
            pb_run_fail(r, "setup failed");
    }

    uint64_t ops = 0, total_ns = 0;
    if (!r->failed) {
        if (pmu_open)
            pb_pmu_enable(pmu, &ps);
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
        while (d->keep_running(d->ctx, batch)) {
            if (run_stop_signo) { /* stop after the last whole operation, then tear down */
                r->interrupted = true;
                break;
            }
            if (atomic_load_explicit(&run_overtime, memory_order_relaxed)) {
                pb_run_fail(r, "watchdog: the call ran past %g s (--watchdog=SECONDS)",
                            vr->owner->watchdog_s);
                overtime = true;
                break;
            }
            uint64_t t0;
            if (period_ticks > 0) {
                /* open loop: the op's time is wall time since the previous one ended */
                uint64_t intended = loop_start + (uint64_t)((double)ops * period_ticks);
                run_wait_until(intended);
                r->op_start = intended;
                t0 = prev_end;
            } else {
                t0 = pb_ticks_begin();
                r->op_start = t0;
            }
            uint64_t actual = period_ticks > 0 ? pb_ticks_begin() : t0;
            if (period_ticks > 0)
                pb_hist_record(r->late, pb_ticks_to_ns(actual - r->op_start));
            int rc = v->op(r);
            uint64_t t1 = pb_ticks_end();
            prev_end = t1;
            if (rc < 0 || r->failed) {
                pb_run_fail(r, "operation failed");
                break;
            }
            uint64_t ns = pb_ticks_to_ns(t1 - t0);
            /* the op histogram holds the op's own duration, in both loops */
            uint64_t own_ns = period_ticks > 0 ? pb_ticks_to_ns(t1 - actual) : ns;
            pb_hist_record(r->h[0], batch > 1 ? (own_ns + batch / 2) / batch : own_ns);
            d->set_time(d->ctx, (double)ns * 1e-9);
            ops += batch;
            total_ns += ns;
            if (v->verify && v->verify(r) < 0) {
                pb_run_fail(r, "verification after an operation failed");
                break;
            }
        }
        if (slack >= 0)
            prctl(PR_SET_TIMERSLACK, (unsigned long)slack, 0, 0, 0);
    }
    if (pmu_open)
        pb_pmu_disable(pmu, &ps);

    if (reached_setup && v->teardown)
        v->teardown(r);
    if (reached_setup)
        run_state_free(r);
    run_sampler_stop(r);
    run_merge_recorders(r);
    /* After teardown: threads the call created have exited and folded their counts in. */
    if (pmu_open) {
        pb_pmu_read_close(pmu, &ps, r->pmu);
        r->pmu_counted = true;
    }

    /* Invariants: every thread the call created is gone, the counts add up. */
    if (!r->failed && r->live != 0)
        pb_run_fail(r, "%d thread(s) created during the call were not joined", r->live);
    if (!r->failed) {
        if (run_threads_settle(r->threads_start, &th_end) < 0 ||
            run_read_status(&th_end, &vs_end, &rss_end) < 0)
            pb_run_fail(r, "cannot read /proc/self/status: %s", pb_err());
        else if (th_end != r->threads_start)
            pb_run_fail(r, "thread count changed from %llu to %llu during the call (leak)",
                        (unsigned long long)r->threads_start, (unsigned long long)th_end);
    }
    if (r->interrupted && !r->failed) {
        /* threads were joined above; the call's numbers are incomplete, not wrong */
        vr->interrupted = true;
        if (have_saved)
            (void)pb_pin_self_mask(&saved);
        run_drain(d, batch);
        d->skip(d->ctx, "interrupted: the run is stopping");
        return -1;
    }
    if (!r->failed && r->h[0]->count * batch != ops)
        pb_run_fail(r, "op histogram holds %llu samples for %llu operations",
                    (unsigned long long)r->h[0]->count, (unsigned long long)ops);
    if (have_saved && pb_pin_self_mask(&saved) < 0 && !r->failed)
        pb_run_fail(r, "cannot restore the measuring thread's affinity: %s", pb_err());
    if (!r->failed && r->pmu_counted)
        run_publish_counters(vr, d, ops);

    if (r->failed) {
        if (!vr->invalid_reason[0])
            snprintf(vr->invalid_reason, sizeof vr->invalid_reason, "%s", r->reason);
        if (overtime) /* the repetition must report the iterations planned for it */
            run_drain(d, batch);
        char msg[300];
        snprintf(msg, sizeof msg, "invalid: %s", r->reason);
        d->skip(d->ctx, msg);
        return -1;
    }

    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++)
        run_counter_hist(d, pb_vreg_metric_name(vr, m), r->h[m]);
    for (size_t t = 0; t < vr->fam->n_tallies; t++)
        d->counter(d->ctx, vr->fam->tallies[t], ops ? r->tally[t] / (double)ops : NAN);
    if (r->rate_hz > 0 && total_ns) {
        d->counter(d->ctx, "offered_rate_per_s", r->rate_hz);
        d->counter(d->ctx, "achieved_rate_per_s", (double)ops / ((double)total_ns * 1e-9));
        d->counter(d->ctx, "issue_late_p50_ns", pb_hist_percentile(r->late, 50));
        d->counter(d->ctx, "issue_late_p99_ns", pb_hist_percentile(r->late, 99));
    }
    /* a rate only for variants that count the quantity (a stream's bytes, not a chase's) */
    if (vr->fam->rate_tally && total_ns && r->tallied[vr->fam->rate_tally - 1]) {
        unsigned t = vr->fam->rate_tally - 1;
        char name[96];
        snprintf(name, sizeof name, "%s", vr->fam->tallies[t]);
        char *suffix = strstr(name, "_per_op");
        if (suffix)
            *suffix = '\0';
        strncat(name, "_per_s", sizeof name - strlen(name) - 1);
        d->counter(d->ctx, name, r->tally[t] / ((double)total_ns * 1e-9));
    }
    d->counter(d->ctx, "threads_start", (double)r->threads_start);
    uint64_t peak = r->threads_start + (uint64_t)r->peak_live;
    if (r->peak_threads_sampled > peak)
        peak = r->peak_threads_sampled;
    d->counter(d->ctx, "vmsize_delta_kib", (double)vs_end - (double)r->vmsize_start_kib);
    d->counter(d->ctx, "vmrss_delta_kib", (double)rss_end - (double)r->vmrss_start_kib);
    if (v->sample_threads && r->sampler.n) {
        /* the sampler counted itself in every reading */
        struct run_sampler *s = &r->sampler;
        double steady = run_series_median(s->series, s->n) - 1;
        if (s->max_threads - 1 > peak)
            peak = s->max_threads - 1;
        d->counter(d->ctx, "threads_peak_sampled", (double)s->max_threads - 1);
        d->counter(d->ctx, "threads_steady", steady);
        if (s->max_vmsize_kib > r->peak_vmsize_kib)
            r->peak_vmsize_kib = s->max_vmsize_kib;
        if (s->max_vmrss_kib > r->peak_vmrss_kib)
            r->peak_vmrss_kib = s->max_vmrss_kib;
        r->sampled = true;
        free(vr->thread_series);
        vr->thread_series = pb_xcalloc(s->n, sizeof *s->series, "thread samples");
        for (size_t i = 0; i < s->n; i++)
            vr->thread_series[i] = s->series[i] - 1;
        vr->n_thread_series = s->n;
        vr->thread_series_interval_ms = s->interval_ms;
    }
    d->counter(d->ctx, "threads_peak", (double)peak);
    if (r->sampled) {
        d->counter(d->ctx, "vmsize_peak_delta_kib",
                   (double)r->peak_vmsize_kib - (double)r->vmsize_start_kib);
        d->counter(d->ctx, "vmrss_peak_delta_kib",
                   (double)r->peak_vmrss_kib - (double)r->vmrss_start_kib);
        run_publish_per_thread(r, d);
    }
    if (r->negative_intervals)
        d->counter(d->ctx, "clock_negative_intervals", (double)r->negative_intervals);
    d->label(d->ctx, vr->placement);
    run_merge_call(vr, ops);
    return 0;
}

/* ---- Google Benchmark driver ---- */

static bool gb_keep(void *c, uint64_t n)
{
    return pb_gb_keep_running_batch(c, n);
}
static void gb_time(void *c, double s)
{
    pb_gb_set_iteration_time(c, s);
}
static void gb_counter(void *c, const char *name, double v)
{
    pb_gb_counter(c, name, v, PB_GB_COUNTER_PLAIN);
}
static void gb_label(void *c, const char *l)
{
    pb_gb_label(c, l);
}
static void gb_skip(void *c, const char *m)
{
    pb_gb_skip_with_error(c, m);
}

static void runner_progress(struct pb_runner *R, const char *what)
{
    if (!R->progress)
        return;
    fprintf(stderr, "\r\033[K%s %s", R->progress_prefix, what);
    fflush(stderr);
}

static void runner_gb_call(pb_gb_state *st, void *user)
{
    struct pb_vreg *vr = user;
    runner_progress(vr->owner, vr->name);
    struct pb_driver d = {gb_keep, gb_time, gb_counter, gb_label, gb_skip, st};
    pb_runner_call(vr, &d);
}

int pb_runner_register(struct pb_runner *R)
{
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        vr->gb_index = -1;
        if (vr->skip_reason[0] || (vr->v->full_profile_only && !R->full_profile))
            continue;
        struct pb_gb_opts o = {.manual_time = true};
        if ((vr->gb_index = pb_gb_register(vr->name, runner_gb_call, vr, &o)) < 0)
            return -1;
    }
    return 0;
}

void pb_runner_on_report(const struct pb_gb_report *run, void *user)
{
    struct pb_runner *R = user;
    if (R->progress)
        fprintf(stderr, "\r\033[K");
    char base[256];
    snprintf(base, sizeof base, "%s", run->name);
    size_t bl = strlen(base);
    const char *suffix = "/manual_time";
    size_t sl = strlen(suffix);
    if (bl > sl && strcmp(base + bl - sl, suffix) == 0)
        base[bl - sl] = '\0';
    struct pb_vreg *vr = pb_runner_find(R, base);
    if (!vr || run->aggregate)
        return;
    if (run->error) {
        vr->reps_errored++;
    } else {
        vr->reps_reported++;
        series_push(vreg_series_mut(vr, "real_time_ns"), run->real_time_ns);
        for (size_t c = 0; c < run->n_counters; c++)
            series_push(vreg_series_mut(vr, run->counter_names[c]), run->counter_values[c]);
    }
}

/* ---- direct driver (tests) ---- */

struct fixed_ctx {
    uint64_t left;
    struct pb_counters *out;
};

static bool fixed_keep(void *c, uint64_t n)
{
    struct fixed_ctx *f = c;
    if (f->left < n)
        return false;
    f->left -= n;
    return true;
}
static void fixed_time(void *c, double s)
{
    (void)c, (void)s;
}
static void fixed_counter(void *c, const char *name, double v)
{
    struct pb_counters *o = ((struct fixed_ctx *)c)->out;
    if (o->n < PB_ARRAY_LEN(o->values)) {
        snprintf(o->names[o->n], sizeof o->names[0], "%s", name);
        o->values[o->n++] = v;
    }
}
static void fixed_label(void *c, const char *l)
{
    (void)c, (void)l;
}
static void fixed_skip(void *c, const char *m)
{
    (void)c, (void)m;
}

int pb_runner_call_fixed(struct pb_vreg *vr, uint64_t iterations, struct pb_counters *out)
{
    memset(out, 0, sizeof *out);
    struct fixed_ctx f = {iterations, out};
    struct pb_driver d = {fixed_keep, fixed_time, fixed_counter, fixed_label, fixed_skip, &f};
    return pb_runner_call(vr, &d);
}

double pb_counters_get(const struct pb_counters *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i], name) == 0)
            return c->values[i];
    return NAN;
}
