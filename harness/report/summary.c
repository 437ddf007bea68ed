/* summary: summary.json, derived from a results folder's record (run.json and gbench.json): the
 * record's facts with each pair's statistics and verdict, each variant's medians and spread, and
 * the warnings that come from the data. `pinbench report DIR` rewrites it from the same files,
 * so it says nothing the folder does not. */
#include "report/report.h"
#include "results/json.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "results/sha256.h"
#include "util.h"
#include "report/report_internal.h"
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- warnings from the data ---- */

/* The share of an op's time a batch's fixed cost may take before the report says so. */
#define PB_BATCH_OVERHEAD_MAX 0.05

struct warn_list {
    char **v;
    size_t n, cap;
};

PB_PRINTF(2, 3) static void warn_add(struct warn_list *l, const char *fmt, ...)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = pb_xrealloc(l->v, l->cap * sizeof *l->v, "warnings");
    }
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&l->v[l->n], fmt, ap) < 0)
        l->v[l->n] = NULL;
    va_end(ap);
    PB_CHECK(l->v[l->n] != NULL);
    l->n++;
}

static double series_median(const struct pb_rset *s, const char *name, const char *metric)
{
    const struct pb_rseries *r = pb_rset_series(s, name, metric);
    return r ? pb_stats_median(r->v, r->n) : NAN;
}

/* Blocks are short, so the spread bar is higher than for long repetitions; a pair's own
 * precision (its half-width and stop reason) is what judges its blocks. */
static void warn_spread(struct warn_list *l, const struct pb_rset *s, const char *name, double reps)
{
    const struct pb_rseries *t = pb_rset_series(s, name, "real_time_ns");
    double cv = t ? pb_stats_cv(t->v, t->n) : NAN;
    if (isfinite(cv) && cv > 0.25)
        warn_add(l, "%s is unstable: time per op varies %.0f%% (CV) over %zu blocks", name,
                 cv * 100, t->n);
    if (reps < 3)
        warn_add(l, "%s has only %.0f blocks: its medians are weak below 3", name, reps);
}

/* A batched op's fixed cost (an empty batch), where the experiment measured it, and ops too
 * short for the timer. */
static void warn_timing(struct warn_list *l, const struct pb_rset *s, const struct pb_json *v,
                        const char *name)
{
    double ov = series_median(s, name, "batch_overhead_ns_per_op");
    double t = series_median(s, name, "real_time_ns");
    if (isfinite(ov) && t > 0 && ov > PB_BATCH_OVERHEAD_MAX * t)
        warn_add(l,
                 "%s: releasing and gathering a batch costs %.2f ns per op, %.0f%% of its %.2f ns "
                 "per op (bound %.0f%%): the time per op overstates the operation",
                 name, ov, 100 * ov / t, t, 100 * PB_BATCH_OVERHEAD_MAX);
    double res_ns =
        pb_json_num(pb_json_get(s->record, "harness_overhead"), "clock_resolution_ns", NAN);
    double p50 = series_median(s, name, "op_p50_ns");
    if (pb_json_num(v, "operations_per_sample", 1) <= 1 && isfinite(p50) && p50 < 2 * res_ns)
        warn_add(l, "%s: median op %.1f ns is below twice the timer resolution (%.1f ns)", name,
                 p50, res_ns);
    if (pb_rset_series(s, name, "clock_negative_intervals"))
        warn_add(l,
                 "%s: some cross-thread intervals were negative (TSC skew between CPUs) and were "
                 "counted as 0",
                 name);
}

static void warn_counters(struct warn_list *l, const struct pb_rset *s, const struct pb_json *v,
                          const char *name, double reps)
{
    double calls = pb_json_num(v, "histogram_calls", reps);
    if (calls != reps)
        warn_add(l, "%s: %.0f histogram calls merged for %.0f reported repetitions", name, calls,
                 reps);
    const struct pb_rseries *mux = pb_rset_series(s, name, "pmu_running_ratio_min");
    double mux_min = mux ? pb_stats_quantile(mux->v, mux->n, 0) : NAN;
    if (isfinite(mux_min) && mux_min < 1)
        warn_add(l,
                 "%s: counters were multiplexed (ran %.0f%% of the time at worst): their counts "
                 "are scaled estimates",
                 name, mux_min * 100);
    const struct pb_json *c = pb_json_get(v, "counters");
    for (size_t k = 0; c && c->type == PB_JSON_OBJ && k < c->n; k++) {
        double un = pb_json_num(&c->items[k], "uncounted_repetitions", 0);
        if (un > 0)
            warn_add(l, "%s: %s not counted in %.0f repetition(s): %s", name, c->keys[k], un,
                     pb_json_str(&c->items[k], "uncounted_reason", "no reason recorded"));
    }
}

static void warn_load(struct warn_list *l, const struct pb_rset *s, const struct pb_json *v,
                      const char *name)
{
    double o = series_median(s, name, "offered_rate_per_s");
    double a = series_median(s, name, "achieved_rate_per_s");
    if (isfinite(o) && isfinite(a) && a < 0.9 * o)
        warn_add(l,
                 "%s: the offered rate was not reached (%.0f of %.0f /s): the servers or the one "
                 "generator thread saturated, and latencies grow with the length of the run",
                 name, a, o);
    double late = series_median(s, name, "issue_late_p50_ns");
    if (isfinite(late) && late > 10000)
        warn_add(l,
                 "%s: open-loop arrivals went out %.0f us late (median): the generator's sleeps "
                 "wake that late here, and request latencies include it",
                 name, late / 1000);
    const char *zt = pb_json_str(v, "zero_tally", NULL);
    const struct pb_rseries *z = zt ? pb_rset_series(s, name, zt) : NULL;
    size_t nonzero = 0;
    for (size_t k = 0; z && k < z->n; k++)
        nonzero += z->v[k] != 0;
    if (nonzero)
        warn_add(l, "%s: %s was not 0 in %zu of %zu repetitions (up to %.3g): %s", name, zt,
                 nonzero, z->n, pb_stats_quantile(z->v, z->n, 1), pb_json_str(v, "zero_means", ""));
}

size_t pb_report_data_warnings(const struct pb_rset *s, char ***out)
{
    struct warn_list l = {0};
    const struct pb_json *vs = pb_json_get(s->record, "variants");
    /* a legacy record stored these among its warnings already */
    for (size_t i = 0; !s->legacy && vs && i < vs->n; i++) {
        const struct pb_json *v = &vs->items[i];
        const char *name = pb_json_str(v, "name", "");
        double reps = pb_json_num(v, "repetitions", 0);
        if (!(reps > 0))
            continue;
        warn_spread(&l, s, name, reps);
        warn_timing(&l, s, v, name);
        warn_counters(&l, s, v, name, reps);
        warn_load(&l, s, v, name);
    }
    *out = l.v;
    return l.n;
}

/* ---- summary.json ---- */

static void summary_pair(struct pb_jw *w, const struct pb_json *raw, const struct pb_pair_result *p)
{
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "experiment", p->experiment);
    pb_jw_str(w, "baseline", p->baseline);
    pb_jw_str(w, "variant", p->variant);
    pb_jw_str(w, "metric", p->metric);
    pb_jw_str(w, "unit", pb_report_metric_unit(p->metric));
    pb_jw_num(w, "baseline_median", p->base_median);
    pb_jw_num(w, "variant_median", p->var_median);
    pb_jw_num(w, "ratio", p->ratio);
    pb_jw_num(w, "ci_low", p->ci_low);
    pb_jw_num(w, "ci_high", p->ci_high);
    pb_jw_num(w, "p_value", p->p_value);
    pb_jw_str(w, "test",
              isfinite(p->p_value)
                  ? (p->st.exact ? "Wilcoxon signed-rank on quartet log-ratios, two-sided, exact"
                                 : "Wilcoxon signed-rank on quartet log-ratios, two-sided, normal "
                                   "approximation with tie correction")
                  : NULL);
    pb_jw_bool(w, "headline", p->headline);
    pb_jw_bool(w, "control", p->control);
    if (p->n_blocks) {
        pb_jw_num(w, "q_value", p->q_value);
        pb_jw_int(w, "fdr_tests", (long long)p->n_tests);
        pb_jw_str(w, "decided_by",
                  p->control
                      ? "control: the CI alone (does it cover 1?)"
                      : "Benjamini-Hochberg q < 0.05 over the run's pairs, and the 95.5 % CI "
                        "excluding 1; equivalent when the CI lies within the precision "
                        "target");
        pb_jw_str(w, "method",
                  "paired blocks, A B B A and B A A B in turn, each quartet opened by an "
                  "unrecorded warm-up block of its first variant; per quartet "
                  "ln((B1+B2)/(A1+A2)); Hodges-Lehmann ratio, signed-rank CI, Wilcoxon "
                  "signed-rank test; two looks at the spread: the pilot's standard "
                  "deviation sets the main quartets, then the CI's width over all so far sets "
                  "the top-up; all quartets give the CI, at a 95.5 % level so that the "
                  "procedure covers 95 %");
        pb_jw_num(w, "precision_target_pct", p->precision_pct);
        pb_jw_num(w, "half_width_pct", p->st.half_width_pct);
        pb_jw_num(w, "ci_level", p->st.coverage);
        pb_jw_num(w, "diff", p->st.diff);
        pb_jw_num(w, "diff_ci_low", p->st.diff_low);
        pb_jw_num(w, "diff_ci_high", p->st.diff_high);
        pb_jw_int(w, "quartets_pilot", (long long)p->st.n_pilot);
        pb_jw_int(w, "quartets_main", (long long)p->st.n_quartets);
        pb_jw_int(w, "quartets_planned", (long long)p->planned);
        pb_jw_num(w, "quartets_needed", p->needed);
        pb_jw_int(w, "quartets_topup_asked", (long long)p->topup_asked);
        pb_jw_int(w, "quartets_topup", (long long)p->topup);
        pb_jw_num(w, "quartet_s", p->quartet_s); /* its four blocks' wall time here */
        pb_jw_str(w, "stop", p->stop[0] ? p->stop : NULL);
        pb_jw_value(w, "blocks", pb_json_get(raw, "blocks"));
    }
    pb_jw_int(w, "n_baseline", (long long)p->n_base);
    pb_jw_int(w, "n_variant", (long long)p->n_var);
    pb_jw_str(w, "verdict", p->verdict);
    pb_jw_str(w, "note", p->note[0] ? p->note : NULL);
    pb_jw_arr_begin(w, "counter_deltas");
    for (size_t k = 0; k < p->n_deltas; k++) {
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "counter", p->deltas[k].counter);
        pb_jw_num(w, "baseline_median", p->deltas[k].baseline);
        pb_jw_num(w, "variant_median", p->deltas[k].variant);
        pb_jw_num(w, "delta", p->deltas[k].variant - p->deltas[k].baseline);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
    pb_jw_obj_end(w);
}

/* The record's variant with its medians and spread (CV) over the repetitions in gbench.json,
 * before its histogram counts. */
static void summary_variant(struct pb_jw *w, const struct pb_rset *s, const struct pb_json *v)
{
    const struct pb_rvariant *rv = pb_rset_variant(s, pb_json_str(v, "name", ""));
    pb_jw_obj_begin(w, NULL);
    for (size_t i = 0; i < v->n; i++) {
        if (!strcmp(v->keys[i], "histogram_samples")) {
            pb_jw_obj_begin(w, "medians");
            for (size_t k = 0; rv && k < rv->n_series; k++)
                pb_jw_num(w, rv->series[k].metric,
                          pb_stats_median(rv->series[k].v, rv->series[k].n));
            pb_jw_obj_end(w);
            pb_jw_obj_begin(w, "cv");
            for (size_t k = 0; rv && k < rv->n_series; k++)
                pb_jw_num(w, rv->series[k].metric, pb_stats_cv(rv->series[k].v, rv->series[k].n));
            pb_jw_obj_end(w);
        }
        pb_jw_value(w, v->keys[i], &v->items[i]);
    }
    pb_jw_obj_end(w);
}

static void summary_run(struct pb_jw *w, const struct pb_rset *s)
{
    const struct pb_json *run = pb_json_get(s->record, "run");
    pb_jw_obj_begin(w, "run");
    for (size_t i = 0; run && i < run->n; i++)
        pb_jw_value(w, run->keys[i], &run->items[i]);
    /* the statistics' own parameters, as used for every number below */
    pb_jw_num(w, "alpha", PB_ALPHA);
    pb_jw_int(w, "bootstrap_rounds", PB_BOOTSTRAP_ROUNDS);
    pb_jw_int(w, "bootstrap_seed", (long long)PB_BOOTSTRAP_SEED);
    pb_jw_obj_end(w);
}

int pb_report_summary_write(const struct pb_rset *s, const struct pb_pair_result *pairs,
                            size_t n_pairs, char *const *warnings, size_t n_warnings)
{
    char hex[65];
    uint64_t bytes;
    if (pb_sha256_file_at(s->dir_fd, s->record_file, hex, &bytes) < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    struct pb_replace r;
    if (pb_replace_open_at(&r, s->dir_fd, "summary.json", "summary.json") < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    struct pb_jw w;
    pb_jw_init(&w, r.f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "schema", "pinbench-summary-2");
    pb_jw_str(&w, "derived_from", s->record_file);
    pb_jw_str(&w, "record_sha256", hex);
    summary_run(&w, s);
    pb_jw_value(&w, "harness_overhead", pb_json_get(s->record, "harness_overhead"));
    pb_jw_value(&w, "counters", pb_json_get(s->record, "counters"));
    const struct pb_json *raw = pb_json_get(s->record, "pairs");
    pb_jw_arr_begin(&w, "pairs");
    for (size_t i = 0; i < n_pairs; i++)
        summary_pair(&w, &raw->items[i], &pairs[i]);
    pb_jw_arr_end(&w);
    const struct pb_json *vs = pb_json_get(s->record, "variants");
    pb_jw_arr_begin(&w, "variants");
    for (size_t i = 0; vs && i < vs->n; i++)
        summary_variant(&w, s, &vs->items[i]);
    pb_jw_arr_end(&w);
    pb_jw_value(&w, "skipped", pb_json_get(s->record, "skipped"));
    pb_jw_value(&w, "invalid", pb_json_get(s->record, "invalid"));
    pb_jw_arr_begin(&w, "warnings");
    for (size_t i = 0; i < n_warnings; i++)
        pb_jw_str(&w, NULL, warnings[i]);
    pb_jw_arr_end(&w);
    pb_jw_obj_end(&w);
    if (pb_jw_finish(&w) < 0) {
        pb_replace_abort(&r);
        return pb_errf("%s/summary.json: %s", pb_q(s->dir), pb_err());
    }
    if (pb_replace_commit(&r) < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    return 0;
}
