/* tables: see tables.h. */
#include "run/tables.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/pmu.h"

struct tables_ctx {
    void (*problem)(void *ctx, const char *line);
    void *ctx;
    size_t n;
};

static void tables_bad(struct tables_ctx *t, const char *fmt, ...) PB_PRINTF(2, 3);
static void tables_bad(struct tables_ctx *t, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    t->problem(t->ctx, line);
    t->n++;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Counters the harness publishes for every variant (runner.c), whatever the family. */
static const char *const tables_harness_counters[] = {
    "real_time_ns",
    "threads_start",
    "threads_peak",
    "threads_peak_sampled",
    "threads_steady",
    "threads_added",
    "vmsize_delta_kib",
    "vmrss_delta_kib",
    "vmsize_peak_delta_kib",
    "vmrss_peak_delta_kib",
    "vmsize_per_thread_kib",
    "vmrss_per_thread_kib",
    "kernel_stack_per_thread_kib",
    "offered_rate_per_s",
    "achieved_rate_per_s",
    "issue_late_p50_ns",
    "issue_late_p99_ns",
    "clock_negative_intervals",
    "ipc",
    "pmu_running_ratio_min",
};

static const char *const tables_percentiles[] = {"_p50_ns", "_p90_ns", "_p99_ns", "_p999_ns",
                                                 "_max_ns"};

static bool tables_series_metric(const char *series, const char *metric)
{
    size_t n = strlen(series);
    if (strncmp(metric, series, n) != 0)
        return false;
    for (size_t i = 0; i < PB_ARRAY_LEN(tables_percentiles); i++)
        if (!strcmp(metric + n, tables_percentiles[i]))
            return true;
    return false;
}

/* "<tally without _per_op>_per_s", the rate the harness publishes for a rate tally */
static bool tables_rate_metric(const struct pb_family *fam, const char *metric)
{
    if (!fam->rate_tally || fam->rate_tally > fam->n_tallies)
        return false;
    const char *t = fam->tallies[fam->rate_tally - 1];
    if (!t) /* a hole: reported by tables_check_series */
        return false;
    const char *cut = strstr(t, "_per_op");
    size_t n = cut ? (size_t)(cut - t) : strlen(t);
    return strncmp(metric, t, n) == 0 && !strcmp(metric + n, "_per_s");
}

bool pb_tables_metric_known(const struct pb_family *fam, const char *metric)
{
    for (size_t i = 0; i < PB_ARRAY_LEN(tables_harness_counters); i++)
        if (!strcmp(metric, tables_harness_counters[i]))
            return true;
    if (tables_series_metric("op", metric))
        return true;
    for (size_t i = 0; i < fam->n_metrics; i++)
        if (fam->metrics[i] && tables_series_metric(fam->metrics[i], metric))
            return true;
    for (size_t i = 0; i < fam->n_tallies; i++)
        if (fam->tallies[i] && !strcmp(metric, fam->tallies[i]))
            return true;
    for (size_t i = 0; i < fam->n_gauges; i++)
        if (fam->gauges[i] && !strcmp(metric, fam->gauges[i]))
            return true;
    if (tables_rate_metric(fam, metric))
        return true;
    char key[96];
    size_t n = strlen(metric);
    if (!ends_with(metric, "_per_op") || n - 7 >= sizeof key)
        return false;
    memcpy(key, metric, n - 7);
    key[n - 7] = '\0';
    return pb_pmu_known_key(key);
}

static const struct pb_variant *tables_variant(const struct pb_family *fam, const char *name)
{
    for (size_t i = 0; i < fam->n_variants; i++)
        if (!strcmp(fam->variants[i].name, name))
            return &fam->variants[i];
    return NULL;
}

const struct pb_family *pb_tables_family(const struct pb_family *const *fams, size_t nf,
                                         const char *full, const struct pb_variant **v)
{
    *v = NULL;
    const char *slash = strchr(full, '/');
    if (!slash)
        return NULL;
    for (size_t i = 0; i < nf; i++)
        if (strlen(fams[i]->name) == (size_t)(slash - full) &&
            !strncmp(fams[i]->name, full, (size_t)(slash - full))) {
            *v = tables_variant(fams[i], slash + 1);
            return fams[i];
        }
    return NULL;
}

static bool tables_name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '/'))
            return false;
    return s[0] != '/' && s[strlen(s) - 1] != '/' && !strstr(s, "//");
}

/* a tally is published averaged per operation: its name says in what */
static bool tables_tally_unit_ok(const char *t)
{
    return ends_with(t, "_per_op") || ends_with(t, "_ratio") || ends_with(t, "_per_round_trip") ||
           ends_with(t, "_bytes");
}

static void tables_check_series(struct tables_ctx *t, const struct pb_family *f)
{
    for (size_t i = 0; i < f->n_metrics; i++)
        if (!f->metrics[i])
            tables_bad(t,
                       "%s: latency series %zu (metric %zu) has no name: a hole in the array "
                       "its enum indexes",
                       f->name, i, i + 1);
        else if (!tables_name_ok(f->metrics[i]) || ends_with(f->metrics[i], "_ns") ||
                 !strcmp(f->metrics[i], "op"))
            tables_bad(t,
                       "%s: latency series '%s' must be a plain name (the harness adds "
                       "_p50_ns ... _max_ns)",
                       f->name, f->metrics[i]);
    for (size_t i = 0; i < f->n_tallies; i++)
        if (!f->tallies[i])
            tables_bad(t, "%s: tally %zu has no name: a hole in the array its enum indexes",
                       f->name, i);
        else if (!tables_name_ok(f->tallies[i]) || !tables_tally_unit_ok(f->tallies[i]))
            tables_bad(t,
                       "%s: tally '%s' has no unit suffix (_per_op, _ratio, _per_round_trip "
                       "or _bytes)",
                       f->name, f->tallies[i]);
    for (size_t i = 0; i < f->n_gauges; i++)
        if (!f->gauges[i] || !tables_name_ok(f->gauges[i]) || !ends_with(f->gauges[i], "_peak"))
            tables_bad(t, "%s: gauge %zu ('%s') must be a name ending in _peak", f->name, i,
                       f->gauges[i] ? f->gauges[i] : "(null)");
    if (f->n_gauges > PB_MAX_GAUGES)
        tables_bad(t, "%s: %zu gauges, at most %d", f->name, f->n_gauges, PB_MAX_GAUGES);
    if (f->rate_tally > f->n_tallies)
        tables_bad(t, "%s: rate_tally %u names no tally (%zu declared)", f->name, f->rate_tally,
                   f->n_tallies);
    if (f->grid_metric && !pb_tables_metric_known(f, f->grid_metric))
        tables_bad(t, "%s: grid_metric '%s' is not a metric its variants publish", f->name,
                   f->grid_metric);
    bool hist_ok = !f->hist_metric;
    for (size_t i = 0; f->hist_metric && i < f->n_metrics; i++)
        hist_ok |= !strcmp(f->hist_metric, f->metrics[i]);
    if (!hist_ok)
        tables_bad(t, "%s: hist_metric '%s' is not one of its latency series", f->name,
                   f->hist_metric);
}

static void tables_check_variants(struct tables_ctx *t, const struct pb_family *f)
{
    for (size_t i = 0; i < f->n_variants; i++) {
        const struct pb_variant *v = &f->variants[i];
        if (!tables_name_ok(v->name))
            tables_bad(t, "%s: variant name '%s' must be lower-case words joined by / or _",
                       f->name, v->name ? v->name : "(null)");
        if (!v->summary || !*v->summary)
            tables_bad(t, "%s/%s: no summary for 'pinbench list'", f->name, v->name);
        if (!v->op)
            tables_bad(t, "%s/%s: no op", f->name, v->name);
        for (size_t j = 0; j < i; j++)
            if (v->name && f->variants[j].name && !strcmp(v->name, f->variants[j].name))
                tables_bad(t, "%s/%s: declared twice", f->name, v->name);
    }
}

static void tables_check_pairs(struct tables_ctx *t, const struct pb_family *f)
{
    size_t headline = 0;
    for (size_t i = 0; i < f->n_pairs; i++) {
        const struct pb_pair_decl *p = &f->pairs[i];
        headline += p->headline;
        if (!tables_variant(f, p->baseline))
            tables_bad(t, "%s: pair %s -> %s: no variant '%s'", f->name, p->baseline, p->variant,
                       p->baseline);
        if (!tables_variant(f, p->variant))
            tables_bad(t, "%s: pair %s -> %s: no variant '%s'", f->name, p->baseline, p->variant,
                       p->variant);
        if (!pb_tables_metric_known(f, p->metric))
            tables_bad(t, "%s: pair %s -> %s: '%s' is not a metric its variants publish", f->name,
                       p->baseline, p->variant, p->metric);
        if (p->control != !strcmp(p->baseline, p->variant))
            tables_bad(t, "%s: pair %s -> %s: %s", f->name, p->baseline, p->variant,
                       p->control ? "a control compares a variant with itself"
                                  : "a variant against itself must be a control");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(p->baseline, f->pairs[j].baseline) &&
                !strcmp(p->variant, f->pairs[j].variant) && !strcmp(p->metric, f->pairs[j].metric))
                tables_bad(t, "%s: pair %s -> %s on %s: declared twice", f->name, p->baseline,
                           p->variant, p->metric);
    }
    if (f->n_pairs && !headline)
        tables_bad(t, "%s: pairs but no headline pair (PB_HEADLINE)", f->name);
}

/* the pair a RATIO, GAIN or DIFF measurement reads its paired blocks from, either way round */
static const struct pb_pair_decl *tables_claim_pair(const struct pb_family *f,
                                                    const struct pb_claim_measure *m)
{
    const char *a = strchr(m->baseline, '/') + 1, *b = strchr(m->variant, '/') + 1;
    for (size_t i = 0; i < f->n_pairs; i++) {
        const struct pb_pair_decl *p = &f->pairs[i];
        bool same = !strcmp(p->baseline, a) && !strcmp(p->variant, b);
        bool rev = !strcmp(p->baseline, b) && !strcmp(p->variant, a);
        if ((same || rev) && !strcmp(p->metric, m->metric))
            return p;
    }
    return NULL;
}

/* One of a claim's measurements (`which`: "" for the OS-level one, "go: " for Go's). */
static void tables_check_measure(struct tables_ctx *t, const struct pb_family *const *fams,
                                 size_t nf, const struct pb_claim *c,
                                 const struct pb_claim_measure *m, const char *which)
{
    const struct pb_variant *v = NULL, *b = NULL;
    const struct pb_family *fv = m->variant ? pb_tables_family(fams, nf, m->variant, &v) : NULL;
    if (!v) {
        tables_bad(t, "claims: %s: %sno variant '%s'", c->id, which,
                   m->variant ? m->variant : "(null)");
        return;
    }
    if (!pb_tables_metric_known(fv, m->metric))
        tables_bad(t, "claims: %s: %s'%s' is not a metric %s publishes", c->id, which, m->metric,
                   m->variant);
    if (m->how == PB_CLAIM_VALUE)
        return;
    const struct pb_family *fb = m->baseline ? pb_tables_family(fams, nf, m->baseline, &b) : NULL;
    if (!b) {
        tables_bad(t, "claims: %s: %sno baseline variant '%s'", c->id, which,
                   m->baseline ? m->baseline : "(null)");
        return;
    }
    if (fb != fv) {
        tables_bad(t,
                   "claims: %s: %s%s and %s are in different families: no pair runs them side "
                   "by side",
                   c->id, which, m->baseline, m->variant);
        return;
    }
    if (isnan(c->lo)) /* nothing to test against: read as a plain comparison */
        return;
    const struct pb_pair_decl *p = tables_claim_pair(fv, m);
    if (!p)
        tables_bad(t, "claims: %s: %sno pair of %s and %s on %s: the claim reads paired blocks",
                   c->id, which, m->baseline, m->variant, m->metric);
    else if (!p->headline)
        tables_bad(t, "claims: %s: %sthe pair it reads (%s -> %s) must be a headline pair", c->id,
                   which, p->baseline, p->variant);
}

static void tables_check_claim(struct tables_ctx *t, const struct pb_family *const *fams, size_t nf,
                               const struct pb_claim *c)
{
    tables_check_measure(t, fams, nf, c, &c->os, "");
    if (c->go.variant)
        tables_check_measure(t, fams, nf, c, &c->go, "go: ");
    if (c->go.variant && !c->go_relation)
        tables_bad(t,
                   "claims: %s: a Go measurement needs go_relation (how the OS-level figure "
                   "explains it, or does not)",
                   c->id);
}

size_t pb_tables_check(const struct pb_family *const *fams, size_t nf,
                       const struct pb_claim *claims, size_t nc,
                       void (*problem)(void *ctx, const char *line), void *ctx)
{
    struct tables_ctx t = {problem, ctx, 0};
    for (size_t i = 0; i < nf; i++) {
        const struct pb_family *f = fams[i];
        if (!tables_name_ok(f->name) || strchr(f->name, '/'))
            tables_bad(&t, "family name '%s' must be one lower-case word", f->name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(f->name, fams[j]->name))
                tables_bad(&t, "family '%s' is listed twice", f->name);
        /* the plots' titles carry it, read by family.gp as one "|"-separated field */
        if (!f->question || !*f->question || strchr(f->question, '|') ||
            f->question[strlen(f->question) - 1] != '?')
            tables_bad(&t, "%s: no question for its plots' titles (one line ending in '?', no '|')",
                       f->name);
        tables_check_variants(&t, f);
        tables_check_series(&t, f);
        tables_check_pairs(&t, f);
    }
    for (size_t i = 0; i < nc; i++)
        tables_check_claim(&t, fams, nf, &claims[i]);
    return t.n;
}
