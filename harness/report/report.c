/* report: units of metrics, pair statistics and verdicts, from a results folder's record. */
#include "report/report.h"

#include "results/json.h"
#include "results/rset.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool pb_report_metric_is_time(const char *m)
{
    size_t n = strlen(m);
    return n > 3 && strcmp(m + n - 3, "_ns") == 0;
}

const char *pb_report_metric_unit(const char *m)
{
    size_t n = strlen(m);
    if (pb_report_metric_is_time(m))
        return "ns";
    if (n > 4 && strcmp(m + n - 4, "_kib") == 0)
        return "KiB";
    if (n > 6 && strcmp(m + n - 6, "_ratio") == 0)
        return "ratio";
    if (n > 7 && strcmp(m + n - 7, "_per_op") == 0)
        return "per op";
    if (n > 6 && strcmp(m + n - 6, "_per_s") == 0)
        return "per s";
    return "count";
}

const char *pb_report_fmt(const char *metric, double v, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (pb_report_metric_is_time(metric)) {
        double a = fabs(v);
        if (a >= 1e9)
            snprintf(buf, len, "%.3g s", v / 1e9);
        else if (a >= 1e6)
            snprintf(buf, len, "%.3g ms", v / 1e6);
        else if (a >= 1e3)
            snprintf(buf, len, "%.3g us", v / 1e3);
        else
            snprintf(buf, len, "%.3g ns", v);
    } else {
        snprintf(buf, len, "%.4g %s", v, pb_report_metric_unit(metric));
    }
    return buf;
}

void pb_report_pair_stats(const double *base, size_t nb, const double *var, size_t nv,
                          const char *metric, struct pb_pair_result *p)
{
    p->n_base = nb;
    p->n_var = nv;
    p->base_median = pb_stats_median(base, nb);
    p->var_median = pb_stats_median(var, nv);
    p->ratio = p->ci_low = p->ci_high = p->p_value = NAN;
    if (nb < 3 || nv < 3) {
        if (nb && nv && p->base_median != 0)
            p->ratio = p->var_median / p->base_median;
        snprintf(p->verdict, sizeof p->verdict, "too few repetitions");
        snprintf(p->note, sizeof p->note,
                 "%zu and %zu repetitions; a test needs at least 3 of each (5+ recommended)", nb,
                 nv);
        return;
    }
    pb_stats_ratio_ci(base, nb, var, nv, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &p->ratio,
                      &p->ci_low, &p->ci_high);
    struct pb_mwu u;
    pb_stats_mann_whitney(var, nv, base, nb, &u);
    p->p_value = u.p_value;
    p->method = u.method;
    bool significant =
        p->p_value < PB_ALPHA && isfinite(p->ci_low) && (p->ci_high < 1.0 || p->ci_low > 1.0);
    if (!isfinite(p->ratio))
        snprintf(p->verdict, sizeof p->verdict, "undefined (zero baseline)");
    else if (!significant)
        snprintf(p->verdict, sizeof p->verdict, "no significant difference");
    else if (pb_report_metric_is_time(metric))
        snprintf(p->verdict, sizeof p->verdict, "%s", p->ratio < 1 ? "faster" : "slower");
    else
        snprintf(p->verdict, sizeof p->verdict, "%s", p->ratio < 1 ? "lower" : "higher");
}

/* A perf counter's per-op series (or ipc), by the counters the record lists; the family's own
 * tallies are not counters. */
static bool report_is_counter_series(const struct pb_json *counters, const char *name)
{
    if (!strcmp(name, "ipc"))
        return true;
    for (size_t i = 0; counters && counters->type == PB_JSON_ARR && i < counters->n; i++) {
        const char *key = pb_json_str(&counters->items[i], "counter", "");
        size_t k = strlen(key);
        if (k && !strncmp(name, key, k) && !strcmp(name + k, "_per_op"))
            return true;
    }
    return false;
}

/* Counters per operation on both sides (medians over repetitions): what pinning changed in the
 * kernel's and the CPU's own accounting. */
static void report_pair_deltas(const struct pb_rset *s, const char *bname, const char *vname,
                               struct pb_pair_result *p)
{
    p->n_deltas = 0;
    const struct pb_rvariant *b = pb_rset_variant(s, bname);
    const struct pb_json *counters = pb_json_get(s->record, "counters");
    for (size_t i = 0; b && i < b->n_series && p->n_deltas < PB_ARRAY_LEN(p->deltas); i++) {
        const struct pb_rseries *sb = &b->series[i];
        if (!report_is_counter_series(counters, sb->metric))
            continue;
        const struct pb_rseries *sv = pb_rset_series(s, vname, sb->metric);
        if (!sv)
            continue;
        struct pb_counter_delta *d = &p->deltas[p->n_deltas++];
        snprintf(d->counter, sizeof d->counter, "%s", sb->metric);
        d->baseline = pb_stats_median(sb->v, sb->n);
        d->variant = pb_stats_median(sv->v, sv->n);
    }
}

void pb_report_pair_finish(struct pb_pair_result *p, const struct pb_block *blocks, size_t n)
{
    p->blocks = blocks;
    p->n_blocks = n;
    pb_pairs_stat(blocks, n, &p->st);
    p->ratio = p->st.ratio;
    p->ci_low = p->st.ci_low;
    p->ci_high = p->st.ci_high;
    p->p_value = p->st.p_value;
    double *b = pb_xcalloc(n + 1, sizeof *b, "pair sides"),
           *v = pb_xcalloc(n + 1, sizeof *v, "pair sides");
    size_t nb = 0, nv = 0;
    for (size_t i = 0; i < n; i++) {
        if (blocks[i].phase != PB_PHASE_MAIN || !isfinite(blocks[i].value))
            continue;
        if (blocks[i].side == PB_SIDE_BASELINE)
            b[nb++] = blocks[i].value;
        else
            v[nv++] = blocks[i].value;
    }
    p->base_median = pb_stats_median(b, nb);
    p->var_median = pb_stats_median(v, nv);
    p->n_base = nb;
    p->n_var = nv;
    free(b);
    free(v);
}

void pb_report_pairs_decide(struct pb_pair_result *res, size_t n, double equiv_pct)
{
    double *p = pb_xcalloc(n + 1, sizeof *p, "p-values"), *q = pb_xcalloc(n + 1, sizeof *q, "q");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        res[i].q_value = NAN;
        res[i].n_tests = 0;
        if (!res[i].control && res[i].n_blocks)
            p[m++] = res[i].p_value;
    }
    pb_pairs_fdr(p, m, q);
    size_t tests = 0;
    for (size_t i = 0; i < m; i++)
        tests += isfinite(p[i]);
    for (size_t i = 0, k = 0; i < n; i++) {
        struct pb_pair_result *r = &res[i];
        if (!r->n_blocks)
            continue;           /* skipped, invalid, no data: the verdict is already set */
        double qv = r->p_value; /* a control is judged alone: it checks the method itself */
        if (!r->control) {
            qv = q[k++];
            r->q_value = qv;
            r->n_tests = tests;
        }
        snprintf(r->verdict, sizeof r->verdict, "%s",
                 pb_pairs_verdict(&r->st, qv, pb_report_metric_is_time(r->metric), equiv_pct));
        if (r->control && isfinite(r->ci_low))
            snprintf(r->verdict, sizeof r->verdict, "%s",
                     r->ci_low <= 1.0 && 1.0 <= r->ci_high ? "control: covers 1"
                                                           : "control: MISSES 1");
    }
    free(p);
    free(q);
}

int pb_report_pair_blocks(const struct pb_json *pair, struct pb_block **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const struct pb_json *b = pb_json_get(pair, "blocks");
    if (!b)
        return 0;
    const char *side = pb_json_str(b, "side", NULL), *phase = pb_json_str(b, "phase", NULL);
    const struct pb_json *t = pb_json_get(b, "t_s"), *v = pb_json_get(b, "value");
    if (!side || !phase || !t || !v || t->type != PB_JSON_ARR || v->type != PB_JSON_ARR)
        return pb_errf("the record: a pair's blocks need side, phase, t_s and value");
    size_t m = strlen(side);
    if (strlen(phase) != m || t->n != m || v->n != m)
        return pb_errf("the record: a pair's blocks disagree in length");
    struct pb_block *rows = pb_xcalloc(m ? m : 1, sizeof *rows, "pair blocks");
    for (size_t i = 0; i < m; i++) {
        if ((side[i] != 'A' && side[i] != 'B') || (phase[i] != 'P' && phase[i] != 'M')) {
            free(rows);
            return pb_errf("the record: a pair's block %zu has side %c, phase %c", i, side[i],
                           phase[i]);
        }
        rows[i].side = side[i] == 'A' ? PB_SIDE_BASELINE : PB_SIDE_VARIANT;
        rows[i].phase = phase[i] == 'P' ? PB_PHASE_PILOT : PB_PHASE_MAIN;
        rows[i].t_s = t->items[i].type == PB_JSON_NUM ? t->items[i].num : NAN;
        rows[i].value = v->items[i].type == PB_JSON_NUM ? v->items[i].num : NAN;
    }
    *out = rows;
    *n = m;
    return 0;
}

/* One recorded pair: its declaration and plan as recorded, its statistics from its blocks, or the
 * verdict the run recorded when it had none (skipped, invalid, no data). */
static void report_folder_pair(const struct pb_rset *s, const struct pb_json *p,
                               struct pb_pair_result *r)
{
    r->experiment = pb_json_str(p, "experiment", "");
    r->baseline = pb_json_str(p, "baseline", "");
    r->variant = pb_json_str(p, "variant", "");
    r->metric = pb_json_str(p, "metric", "");
    const struct pb_json *h = pb_json_get(p, "headline"), *c = pb_json_get(p, "control");
    r->headline = h && h->type == PB_JSON_BOOL && h->b;
    r->control = c && c->type == PB_JSON_BOOL && c->b;
    r->precision_pct = pb_json_num(p, "precision_target_pct", PB_PAIRS_PRECISION_PCT);
    r->planned = (size_t)fmax(0, pb_json_num(p, "quartets_planned", 0));
    r->needed = pb_json_num(p, "quartets_needed", NAN);
    r->topup_asked = (size_t)fmax(0, pb_json_num(p, "quartets_topup_asked", 0));
    r->topup = (size_t)fmax(0, pb_json_num(p, "quartets_topup", 0));
    r->quartet_s = pb_json_num(p, "quartet_s", NAN);
    snprintf(r->stop, sizeof r->stop, "%s", pb_json_str(p, "stop", ""));
    snprintf(r->verdict, sizeof r->verdict, "%s", pb_json_str(p, "verdict", ""));
    snprintf(r->note, sizeof r->note, "%s", pb_json_str(p, "note", ""));
    /* a legacy record (its summary.json) kept the statistics beside the blocks: a pair without
     * blocks shows what it stored */
    r->ratio = pb_json_num(p, "ratio", NAN);
    r->ci_low = pb_json_num(p, "ci_low", NAN);
    r->ci_high = pb_json_num(p, "ci_high", NAN);
    r->p_value = r->q_value = NAN;
    r->base_median = pb_json_num(p, "baseline_median", NAN);
    r->var_median = pb_json_num(p, "variant_median", NAN);
    r->st.half_width_pct = NAN;
    struct pb_block *b = NULL;
    size_t nb = 0;
    if (pb_report_pair_blocks(p, &b, &nb) == 0 && nb)
        pb_report_pair_finish(r, b, nb); /* r->blocks keeps b: pb_report_pairs_free frees it */
    else
        free(b);
    char bn[300], vn[300];
    snprintf(bn, sizeof bn, "%s/%s", r->experiment, r->baseline);
    snprintf(vn, sizeof vn, "%s/%s", r->experiment, r->variant);
    if (r->n_blocks)
        report_pair_deltas(s, bn, vn, r);
}

struct pb_pair_result *pb_report_folder_pairs(const struct pb_rset *s, size_t *n)
{
    const struct pb_json *ps = pb_json_get(s->record, "pairs");
    *n = ps ? ps->n : 0;
    struct pb_pair_result *res = pb_xcalloc(*n ? *n : 1, sizeof *res, "pairs");
    for (size_t i = 0; i < *n; i++)
        report_folder_pair(s, &ps->items[i], &res[i]);
    pb_report_pairs_decide(res, *n, *n ? res[0].precision_pct : PB_PAIRS_PRECISION_PCT);
    return res;
}

void pb_report_pairs_free(struct pb_pair_result *res, size_t n)
{
    for (size_t i = 0; res && i < n; i++)
        free((void *)res[i].blocks);
    free(res);
}

void pb_report_print_pairs(FILE *f, const struct pb_pair_result *p, size_t n, bool verbose)
{
    if (n == 0)
        return;
    fputc('\n', f);
    pb_printf_fit(f,
                  "pairs: paired blocks (A B B A, B A A B); ratio = Hodges-Lehmann estimate of "
                  "the blocks' variant/baseline ratio, 95%% signed-rank CI (+-: its "
                  "half-width), Wilcoxon signed-rank p, Benjamini-Hochberg q over the run's "
                  "pairs; * headline%s",
                  verbose ? "" : "; counters per pair in summary.json (or with -v)");
    pb_printf_fit(f, "%-58s %-12s %10s %10s  %-22s %7s %8s %8s  %s", "baseline -> variant",
                  "metric", "baseline", "variant", "ratio [95% CI]", "+-", "p", "q", "verdict");
    for (size_t i = 0; i < n; i++) {
        char pair[160], b[32], v[32], r[48], pv[16], qv[16], hw[16];
        snprintf(pair, sizeof pair, "%s%s: %s -> %s", p[i].headline ? "*" : "", p[i].experiment,
                 p[i].baseline, p[i].variant);
        snprintf(qv, sizeof qv, isfinite(p[i].q_value) ? "%.2g" : "-", p[i].q_value);
        snprintf(hw, sizeof hw, isfinite(p[i].st.half_width_pct) ? "%.1f%%" : "-",
                 p[i].st.half_width_pct);
        pb_report_fmt(p[i].metric, p[i].base_median, b, sizeof b);
        pb_report_fmt(p[i].metric, p[i].var_median, v, sizeof v);
        if (isfinite(p[i].ci_low))
            snprintf(r, sizeof r, "%.3f [%.3f, %.3f]", p[i].ratio, p[i].ci_low, p[i].ci_high);
        else if (isfinite(p[i].ratio))
            snprintf(r, sizeof r, "%.3f", p[i].ratio);
        else
            snprintf(r, sizeof r, "-");
        if (isfinite(p[i].p_value))
            snprintf(pv, sizeof pv, "%.2g", p[i].p_value);
        else
            snprintf(pv, sizeof pv, "-");
        pb_printf_fit(f, "%-58s %-12s %10s %10s  %-22s %7s %8s %8s  %s%s%s", pair, p[i].metric, b,
                      v, r, hw, pv, qv, p[i].verdict, p[i].note[0] ? " - " : "", p[i].note);
        if (p[i].stop[0] && strcmp(p[i].stop, "target reached") != 0)
            pb_printf_fit(f, "    %zu quartets (%zu pilot, %zu main, %zu of them top-up): %s",
                          p[i].st.n_ci, p[i].st.n_pilot, p[i].st.n_quartets, p[i].topup, p[i].stop);
        if (verbose && p[i].n_deltas) {
            char line[2048];
            size_t k = 0, len = (size_t)snprintf(line, sizeof line,
                                                 "    counters per op, baseline -> variant:");
            for (; k < p[i].n_deltas && len < sizeof line; k++)
                len += (size_t)snprintf(line + len, sizeof line - len, "%s %s %.3g -> %.3g",
                                        k ? "," : "", p[i].deltas[k].counter,
                                        p[i].deltas[k].baseline, p[i].deltas[k].variant);
            pb_fputs_fit(f, line, pb_out_width(f));
        }
    }
}
