/* gate: regress --history=DB, the current run against the current regime of each series
 * (history.h). */
#include "history/history.h"

#include "history/store.h"
#include "report/compare.h"
#include "report/report.h"
#include "results/json.h"
#include "results/rset.h"
#include "stats/changepoint.h"
#include "stats/stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Fewest runs in the current regime for a judgement: with fewer the spread between runs is not
 * known, and a prediction interval from two points is wider than any change. */
#define GATE_MIN_REGIME 4

struct gate_ctx {
    struct pb_store *st;
    const char *box;
    int64_t exclude_run; /* the current run, when it is stored already */
    double alpha;
    struct pb_cp_opts o;
};

/* One quantity of the current run judged against its series' current regime. */
static void gate_one(const struct gate_ctx *g, const struct pb_thresholds *t, bool is_pair,
                     const char *name, const char *metric, double x, size_t nx,
                     struct pb_verdict *v)
{
    memset(v, 0, sizeof *v);
    snprintf(v->c.name, sizeof v->c.name, "%s", name);
    snprintf(v->c.metric, sizeof v->c.metric, "%s", metric);
    v->c.is_pair = is_pair;
    v->c.b = x;
    v->c.nb = nx;
    v->c.ratio = v->c.ci_lo = v->c.ci_hi = v->c.p = NAN;
    v->threshold_pct = pb_thresholds_for(t, name);
    int64_t sid = pb_store_series_id(g->st, g->box, is_pair, name, metric);
    struct pb_spoint *pts = NULL;
    long n = sid > 0 ? pb_store_points(g->st, sid, &pts) : 0;
    double *h = pb_xcalloc((size_t)(n > 0 ? n : 1), sizeof *h, "history");
    size_t m = 0;
    for (long i = 0; i < n; i++)
        if (pts[i].run_id != g->exclude_run)
            h[m++] = pts[i].value;
    free(pts);
    /* the regime the current run would continue: the points since the last change point */
    struct pb_cp *cp = pb_xcalloc(m + 1, sizeof *cp, "change points");
    size_t ncp = pb_cp_detect(h, m, &g->o, cp, m);
    size_t from = ncp ? cp[ncp - 1].at : 0;
    free(cp);
    size_t r = m - from;
    v->c.na = r;
    if (!isfinite(x)) {
        snprintf(v->c.note, sizeof v->c.note,
                 "not judged: no value in this run (a side skipped or invalid here)");
        free(h);
        return;
    }
    if (r < GATE_MIN_REGIME) {
        snprintf(v->c.note, sizeof v->c.note,
                 "not judged: %zu run(s) of this box in the series' current regime (at least %d "
                 "needed)",
                 r, GATE_MIN_REGIME);
        free(h);
        return;
    }
    double med = pb_stats_median(h + from, r);
    v->c.a = med;
    v->c.ratio = med != 0 ? x / med : NAN;
    /* the regime's own spread, as a ratio interval around its median (its 2.5 and 97.5 %) */
    v->c.ci_lo = med != 0 ? pb_stats_quantile(h + from, r, 0.025) / med : NAN;
    v->c.ci_hi = med != 0 ? pb_stats_quantile(h + from, r, 0.975) / med : NAN;
    v->c.p = pb_cp_point_p(h + from, r, x);
    free(h);
    int dir = pb_metric_worse_dir(metric);
    v->c.significant = v->c.p < g->alpha;
    v->c.worse = !dir || !isfinite(v->c.ratio) || v->c.ratio == 1 ? 0
                 : (v->c.ratio > 1) == (dir > 0)                  ? 1
                                                                  : -1;
    pb_verdict_decide(v);
}

static void gate_push(struct pb_verdict **out, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        *out = pb_xrealloc(*out, *cap * sizeof **out, "verdicts");
    }
}

int pb_history_judge(const char *db, const struct pb_rset *cur, const struct pb_thresholds *t,
                     double alpha, struct pb_verdict **out, size_t *n, char *about,
                     size_t about_len)
{
    *out = NULL;
    *n = 0;
    struct pb_store *st = pb_store_open(db, false);
    if (!st)
        return -1;
    char box[16], hash[65];
    pb_store_box_id(cur, box);
    struct pb_srun *runs;
    long nr = pb_store_run_hash(cur, hash) < 0 ? -1 : pb_store_runs(st, box, &runs);
    if (nr < 0) {
        pb_store_close(st);
        return -1;
    }
    struct gate_ctx g = {.st = st, .box = box, .alpha = alpha};
    pb_cp_opts_default(&g.o);
    for (long i = 0; i < nr; i++)
        if (!strcmp(runs[i].hash, hash))
            g.exclude_run = runs[i].id;
    free(runs);
    snprintf(about, about_len, "history %s (box %s, %ld earlier run(s) of this box)", db, box,
             nr - (g.exclude_run != 0));
    size_t cap = 0;
    if (!t->ratios_only)
        for (size_t i = 0; i < cur->n_var; i++) {
            const struct pb_rvariant *v = &cur->var[i];
            const struct pb_rseries *s = pb_rset_series(cur, v->name, "real_time_ns");
            if (strcmp(v->status, "ok") || !s || !s->n)
                continue;
            gate_push(out, n, &cap);
            gate_one(&g, t, false, v->name, "real_time_ns", pb_stats_median(s->v, s->n), s->n,
                     &(*out)[(*n)++]);
        }
    size_t np;
    struct pb_pair_result *p = pb_report_folder_pairs(cur, &np);
    for (size_t i = 0; i < np; i++) {
        char name[320];
        snprintf(name, sizeof name, "%s: %s -> %s", p[i].experiment, p[i].baseline, p[i].variant);
        gate_push(out, n, &cap);
        gate_one(&g, t, true, name, p[i].metric, p[i].ratio, p[i].n_base, &(*out)[(*n)++]);
    }
    pb_report_pairs_free(p, np);
    pb_store_close(st);
    return 0;
}
