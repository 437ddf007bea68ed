/* report: pairs, verdicts, summary.json, env.json, histogram CSVs, plot data and plots. */
#include "report.h"

#include "clock.h"
#include "cpuset.h"
#include "env.h"
#include "json.h"
#include "plot.h"
#include "results.h"
#include "safeio.h"
#include "sha256.h"
#include "selfbench.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    pb_stats_ratio_ci(base, nb, var, nv, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &p->ratio, &p->ci_low,
                      &p->ci_high);
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

/* A perf counter's per-op series (or ipc); the family's own tallies are not counters. */
static bool is_counter_series(const struct pb_pmu *p, const char *name)
{
    if (!strcmp(name, "ipc"))
        return true;
    for (size_t i = 0; p && i < p->n; i++) {
        size_t k = strlen(p->ev[i].key);
        if (!strncmp(name, p->ev[i].key, k) && !strcmp(name + k, "_per_op"))
            return true;
    }
    return false;
}

static void report_pair_deltas(const struct pb_vreg *b, const struct pb_vreg *v,
                               struct pb_pair_result *p)
{
    p->n_deltas = 0;
    for (size_t i = 0; i < b->n_series && p->n_deltas < PB_ARRAY_LEN(p->deltas); i++) {
        const struct pb_series *sb = &b->series[i];
        if (!is_counter_series(b->owner->pmu, sb->name))
            continue;
        const struct pb_series *sv = pb_vreg_series(v, sb->name);
        if (!sv)
            continue;
        struct pb_counter_delta *d = &p->deltas[p->n_deltas++];
        snprintf(d->counter, sizeof d->counter, "%s", sb->name);
        d->baseline = pb_stats_median(sb->v, sb->n);
        d->variant = pb_stats_median(sv->v, sv->n);
    }
}

static const struct pb_sched_pair *report_sched_pair(const struct pb_sched *S,
                                                     const struct pb_pair_decl *d)
{
    for (size_t i = 0; i < S->n_pairs; i++)
        if (S->pairs[i].decl == d)
            return &S->pairs[i];
    return NULL;
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

size_t pb_report_pairs(struct pb_runner *R, const struct pb_sched *S,
                       const struct pb_sched_opts *so, struct pb_pair_result **out)
{
    size_t cap = 0, n = 0;
    const struct pb_family *seen[64];
    size_t nseen = 0;
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_family *f = R->vr[i].fam;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup |= seen[k] == f;
        if (!dup && nseen < PB_ARRAY_LEN(seen))
            seen[nseen++] = f;
        cap += dup ? 0 : f->n_pairs;
    }
    struct pb_pair_result *res = pb_xcalloc(cap ? cap : 1, sizeof *res, "pair results");
    for (size_t k = 0; k < nseen; k++) {
        const struct pb_family *f = seen[k];
        for (size_t j = 0; j < f->n_pairs; j++) {
            const struct pb_pair_decl *d = &f->pairs[j];
            struct pb_vreg *b, *v;
            pb_runner_pair_vregs(R, f, d, &b, &v);
            /* a variant whose calibration failed has no blocks, but is invalid with a reason */
            bool b_ran = b->reps_reported || b->reps_errored || b->invalid_reason[0] ||
                         (b->skip_reason[0] && !b->deselected);
            bool v_ran = v->reps_reported || v->reps_errored || v->invalid_reason[0] ||
                         (v->skip_reason[0] && !v->deselected);
            if (!b_ran || !v_ran)
                continue; /* filtered out */
            struct pb_pair_result *p = &res[n++];
            p->experiment = f->name;
            p->baseline = d->baseline;
            p->variant = d->control ? v->name + strlen(f->name) + 1 : d->variant;
            p->metric = d->metric;
            p->headline = d->headline;
            p->control = d->control;
            p->precision_pct = so->precision_pct;
            p->ratio = p->ci_low = p->ci_high = p->p_value = p->q_value = NAN;
            p->base_median = p->var_median = NAN;
            const struct pb_vreg *bad = b->skip_reason[0] ? b : v->skip_reason[0] ? v : NULL;
            if (bad) {
                snprintf(p->verdict, sizeof p->verdict, "skipped");
                snprintf(p->note, sizeof p->note, "%s: %s", bad->v->name, bad->skip_reason);
                continue;
            }
            bad = b->invalid_reason[0] ? b : v->invalid_reason[0] ? v : NULL;
            if (bad) {
                snprintf(p->verdict, sizeof p->verdict, "invalid");
                snprintf(p->note, sizeof p->note, "%s: %s", bad->v->name, bad->invalid_reason);
                continue;
            }
            const struct pb_sched_pair *sp = report_sched_pair(S, d);
            if (!sp || !sp->n_blocks) {
                snprintf(p->verdict, sizeof p->verdict, "no data");
                snprintf(p->note, sizeof p->note, "the pair's blocks did not run");
                continue;
            }
            snprintf(p->stop, sizeof p->stop, "%s", sp->stop);
            p->planned = sp->planned;
            p->needed = sp->needed;
            p->quartet_s = sp->quartet_s;
            pb_report_pair_finish(p, sp->blocks, sp->n_blocks);
            report_pair_deltas(b, v, p);
        }
    }
    pb_report_pairs_decide(res, n, so->precision_pct);
    *out = res;
    return n;
}

void pb_report_print_pairs(FILE *f, const struct pb_pair_result *p, size_t n)
{
    if (n == 0)
        return;
    fprintf(f, "\npairs: paired blocks (A B B A, B A A B); ratio = Hodges-Lehmann estimate of "
               "the blocks' variant/baseline ratio, 95%% signed-rank CI (+-: its half-width), "
               "Wilcoxon signed-rank p, Benjamini-Hochberg q over the run's pairs; * headline\n");
    fprintf(f, "%-58s %-12s %10s %10s  %-22s %7s %8s %8s  %s\n", "baseline -> variant", "metric",
            "baseline", "variant", "ratio [95% CI]", "+-", "p", "q", "verdict");
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
        fprintf(f, "%-58s %-12s %10s %10s  %-22s %7s %8s %8s  %s%s%s\n", pair, p[i].metric, b, v, r,
                hw, pv, qv, p[i].verdict, p[i].note[0] ? " - " : "", p[i].note);
        if (p[i].stop[0] && strcmp(p[i].stop, "target reached") != 0)
            fprintf(f, "    %zu quartets (%zu pilot, %zu main): %s\n", p[i].st.n_ci,
                    p[i].st.n_pilot, p[i].st.n_quartets, p[i].stop);
        if (p[i].n_deltas) {
            fprintf(f, "    counters per op, baseline -> variant:");
            for (size_t k = 0; k < p[i].n_deltas; k++)
                fprintf(f, "%s %s %.3g -> %.3g", k ? "," : "", p[i].deltas[k].counter,
                        p[i].deltas[k].baseline, p[i].deltas[k].variant);
            fprintf(f, "\n");
        }
    }
}
