/* runner: the run's variants (prepared from the families, found by name, freed) and the drivers
 * that call them: Google Benchmark's, and a fixed-count one for tests. */
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

/* The planner's relation for a variant's placement. */
static enum pb_rel runner_rel(enum pb_place_rel r)
{
    switch (r) {
    case PB_PLACE_SMT:
        return PB_REL_SMT_SIBLING;
    case PB_PLACE_SAME_L3:
        return PB_REL_SAME_L3;
    case PB_PLACE_OTHER_L3:
        return PB_REL_OTHER_L3;
    case PB_PLACE_OTHER_PACKAGE:
        return PB_REL_OTHER_PACKAGE;
    case PB_PLACE_OTHER_NUMA:
        return PB_REL_OTHER_NUMA;
    case PB_PLACE_NO_PAIR:
        break;
    }
    return PB_REL_SAME_CPU;
}

/* Where `vr` runs, or why it cannot here: its planned CPU pair, then what else its placement
 * needs from the box (place.needs). */
static void runner_place(struct pb_runner *R, struct pb_vreg *vr, const char *iso_unreadable)
{
    const struct pb_topo *topo = R->topo;
    const cpu_set_t *cpus = &R->cpus;
    if (vr->v->place.rel != PB_PLACE_NO_PAIR) {
        struct pb_pair pp;
        pb_plan_pair(topo, cpus, runner_rel(vr->v->place.rel), &pp);
        vr->pair_a = pp.a;
        vr->pair_b = pp.b;
        if (!pp.exists)
            snprintf(vr->skip_reason, sizeof vr->skip_reason, "no %s pair here: %s",
                     pb_rel_name(pp.rel), pp.reason);
        else
            snprintf(vr->placement, sizeof vr->placement, "cpus %d and %d (%s)", pp.a, pp.b,
                     pb_rel_name(pp.rel));
    }
    if ((vr->v->place.needs & PB_NEED_OTHER_CPU) && R->other_cpu < 0) {
        char list[128];
        snprintf(vr->skip_reason, sizeof vr->skip_reason,
                 "needs a second CPU; this run may use only CPU %s",
                 pb_cpuset_format(cpus, list, sizeof list));
    }
    if ((vr->v->place.needs & PB_NEED_REMOTE_NODE) && !R->numa.n_remote)
        snprintf(vr->skip_reason, sizeof vr->skip_reason, "needs memory on another NUMA node: %s",
                 R->numa.reason);
    if ((vr->v->place.needs & PB_NEED_MEMBIND) && !topo->hw)
        snprintf(vr->skip_reason, sizeof vr->skip_reason,
                 "needs memory binding, and the topology came from sysfs: %s",
                 topo->fallback[0] ? topo->fallback : "hwloc did not load it");
    if (vr->v->place.needs & PB_NEED_ISOLATED)
        run_isolated_reason(R, iso_unreadable, vr->skip_reason, sizeof vr->skip_reason);
    if (vr->placement[0])
        return;
    if (vr->v->place.at == PB_HOME_PINNED || (vr->v->place.needs & PB_NEED_OTHER_CPU))
        snprintf(vr->placement, sizeof vr->placement, "home cpu %d%s", R->home_cpu,
                 (vr->v->place.needs & PB_NEED_OTHER_CPU) && R->other_cpu >= 0 ? ", other cpu "
                                                                               : "");
    if ((vr->v->place.needs & PB_NEED_OTHER_CPU) && R->other_cpu >= 0) {
        size_t l = strlen(vr->placement);
        snprintf(vr->placement + l, sizeof vr->placement - l, "%d (%s)", R->other_cpu,
                 R->other_rel);
    }
    if (!vr->placement[0])
        snprintf(vr->placement, sizeof vr->placement, "%s",
                 vr->v->place.at == PB_HOME_SELF ? "pinned by the experiment" : "unpinned");
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
        PB_CHECK(fam->n_metrics <= PB_MAX_METRICS && fam->n_tallies <= PB_MAX_TALLIES &&
                 fam->n_gauges <= PB_MAX_GAUGES);
        char missing[256] = "";
        if (fam->unavailable && fam->unavailable(missing, sizeof missing) == 0)
            missing[0] = '\0';
        for (size_t i = 0; i < fam->n_variants; i++) {
            struct pb_vreg *vr = &R->vr[R->n++];
            vr->fam = fam;
            vr->v = &fam->variants[i];
            vr->owner = R;
            snprintf(vr->name, sizeof vr->name, "%s/%s", fam->name, vr->v->name);
            runner_place(R, vr, iso_unreadable);
            if (missing[0])
                snprintf(vr->skip_reason, sizeof vr->skip_reason, "%s", missing);
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
    pb_runi_watchdog_stop(R);
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        for (unsigned m = 0; m <= PB_MAX_METRICS; m++)
            free(vr->merged[m]);
        for (size_t s = 0; s < vr->n_series; s++) {
            free(vr->series[s].name);
            free(vr->series[s].v);
        }
        free(vr->series);
        free(vr->thread_series);
        free(vr->matrix);
        free(vr->call_matrix);
    }
    if (R->scratch) {
        for (unsigned m = 0; m <= PB_MAX_METRICS; m++) {
            free(R->scratch->h[m]);
            for (unsigned k = 0; k < PB_MAX_RECORDERS; k++)
                free(R->scratch->rec[m][k]);
        }
        free(R->scratch->sampler.series);
        free(R->scratch->late);
        free(R->scratch);
    }
    free(R->vr);
    memset(R, 0, sizeof *R);
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
    uint64_t now = pb_clock_mono_ns();
    if (R->progress_last_ns && now - R->progress_last_ns < PB_RUNNER_PROGRESS_PERIOD_NS)
        return;
    R->progress_last_ns = now;
    /* one line, never wrapped: cut to the terminal's width */
    char line[512];
    snprintf(line, sizeof line, "%s %s", R->progress_prefix,
             R->progress_pair[0] ? R->progress_pair : what);
    size_t w = pb_out_width(stderr);
    if (w > 1 && strlen(line) > w - 1)
        line[w - 1] = '\0';
    fprintf(stderr, "\r\033[K%s", line);
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
