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

static bool metric_is_time(const char *m)
{
    size_t n = strlen(m);
    return n > 3 && strcmp(m + n - 3, "_ns") == 0;
}

static const char *metric_unit(const char *m)
{
    size_t n = strlen(m);
    if (metric_is_time(m))
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
    if (metric_is_time(metric)) {
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
        snprintf(buf, len, "%.4g %s", v, metric_unit(metric));
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
    pb_stats_ratio_ci(base, nb, var, nv, PB_BOOTSTRAP_ROUNDS, 0x5eedULL, &p->ratio, &p->ci_low,
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
    else if (metric_is_time(metric))
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
                 pb_pairs_verdict(&r->st, qv, metric_is_time(r->metric), equiv_pct));
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

/* ---- files ---- */

static void file_stem(const char *vname, char *buf, size_t len)
{
    snprintf(buf, len, "%s", vname);
    for (char *c = buf; *c; c++)
        if (*c == '/')
            *c = '.';
}

/* Opens <dir>/<variant's file stem><suffix> (suffix such as ".matrix.csv") in the results
 * folder; rel receives its relative path, for pb_results_close. */
static FILE *report_open_variant(struct pb_results *res, const struct pb_vreg *vr, const char *dir,
                                 const char *suffix, char *rel, size_t rel_len)
{
    char stem[200];
    file_stem(vr->name, stem, sizeof stem);
    snprintf(rel, rel_len, "%s/%s%s", dir, stem, suffix);
    return pb_results_open(res, rel);
}

static int report_hist_files(struct pb_results *res, struct pb_vreg *vr)
{
    char rel[300], suffix[100];
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++) {
        if (!vr->merged[m] || vr->merged[m]->count == 0)
            continue;
        snprintf(suffix, sizeof suffix, ".%s.csv", pb_vreg_metric_name(vr, m));
        FILE *f = report_open_variant(res, vr, "hist", suffix, rel, sizeof rel);
        if (!f)
            return -1;
        pb_hist_write_csv(vr->merged[m], f);
        if (pb_results_close(f, rel) < 0)
            return -1;
        snprintf(suffix, sizeof suffix, ".%s.percentiles.csv", pb_vreg_metric_name(vr, m));
        f = report_open_variant(res, vr, "hist", suffix, rel, sizeof rel);
        if (!f)
            return -1;
        pb_hist_write_percentiles(vr->merged[m], f);
        if (pb_results_close(f, rel) < 0)
            return -1;
    }
    return 0;
}

/* Threads: over the last call, as the sampler saw it. */
static int report_thread_series(struct pb_results *res, const struct pb_vreg *vr)
{
    if (!vr->n_thread_series)
        return 0;
    char rel[300];
    FILE *f = report_open_variant(res, vr, "hist", ".threads.csv", rel, sizeof rel);
    if (!f)
        return -1;
    fprintf(f, "t_ms,threads\n");
    for (size_t i = 0; i < vr->n_thread_series; i++)
        fprintf(f, "%.1f,%u\n", (double)i * vr->thread_series_interval_ms, vr->thread_series[i]);
    return pb_results_close(f, rel);
}

static const char *vreg_status(const struct pb_vreg *vr)
{
    if (vr->skip_reason[0])
        return "skipped";
    if (vr->invalid_reason[0])
        return "invalid";
    if (vr->interrupted)
        return "partial";
    if (!vr->reps_reported && !vr->reps_errored)
        return "not selected";
    return "ok";
}

static void report_overheads_json(struct pb_jw *w, const struct pb_overheads *ov)
{
    pb_jw_obj_begin(w, "harness_overhead");
    pb_jw_num(w, "rdtscp_pair_ns", ov->rdtscp_pair_ns);
    pb_jw_num(w, "timestamp_read_ns", ov->timestamp_read_ns);
    pb_jw_num(w, "start_stop_pair_ns", ov->start_stop_ns);
    pb_jw_num(w, "hist_record_ns", ov->hist_record_ns);
    pb_jw_num(w, "sample_path_ns", ov->sample_path_ns);
    pb_jw_num(w, "sample_path_vs_rdtscp_pair_ratio", ov->sample_path_ratio);
    pb_jw_num(w, "pin_check_ns", ov->pin_check_ns);
    pb_jw_num(w, "clock_resolution_ns", pb_clock.resolution_ns);
    pb_jw_obj_end(w);
}

static void report_pair_json(struct pb_jw *w, const struct pb_pair_result *p)
{
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "experiment", p->experiment);
    pb_jw_str(w, "baseline", p->baseline);
    pb_jw_str(w, "variant", p->variant);
    pb_jw_str(w, "metric", p->metric);
    pb_jw_str(w, "unit", metric_unit(p->metric));
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
                  p->control ? "control: the CI alone (does it cover 1?)"
                             : "Benjamini-Hochberg q < 0.05 over the run's pairs, and the 95 % CI "
                               "excluding 1; equivalent when the CI lies within the precision "
                               "target");
        pb_jw_str(w, "method",
                  "paired blocks, A B B A and B A A B in turn; per quartet "
                  "ln((B1+B2)/(A1+A2)); Hodges-Lehmann ratio, signed-rank CI, Wilcoxon "
                  "signed-rank test; two-stage stopping (Stein): the pilot's spread sets "
                  "the number of main quartets, and pilot and main give the CI");
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
        pb_jw_num(w, "quartet_s", p->quartet_s); /* its four blocks' wall time here */
        pb_jw_str(w, "stop", p->stop[0] ? p->stop : NULL);
        pb_jw_obj_begin(w, "blocks");
        char *side = pb_xcalloc(p->n_blocks + 1, 1, "block sides");
        char *phase = pb_xcalloc(p->n_blocks + 1, 1, "block phases");
        for (size_t k = 0; k < p->n_blocks; k++) {
            side[k] = p->blocks[k].side == PB_SIDE_BASELINE ? 'A' : 'B';
            phase[k] = p->blocks[k].phase == PB_PHASE_PILOT ? 'P' : 'M';
        }
        pb_jw_str(w, "side", side);
        pb_jw_str(w, "phase", phase);
        free(side);
        free(phase);
        pb_jw_arr_begin(w, "t_s");
        for (size_t k = 0; k < p->n_blocks; k++)
            pb_jw_num(w, NULL, p->blocks[k].t_s);
        pb_jw_arr_end(w);
        pb_jw_arr_begin(w, "value");
        for (size_t k = 0; k < p->n_blocks; k++)
            pb_jw_num(w, NULL, p->blocks[k].value);
        pb_jw_arr_end(w);
        pb_jw_obj_end(w);
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

/* Raw totals with their scaling data, over the reported repetitions; uncounted events say why. */
static void report_counters_json(struct pb_jw *w, const struct pb_vreg *vr)
{
    const struct pb_pmu *p = vr->owner->pmu;
    pb_jw_obj_begin(w, "counters");
    for (size_t i = 0; p && i < p->n; i++) {
        const struct pb_pmu_event *e = &p->ev[i];
        const struct pb_pmu_total *t = &vr->pmu_tot[i];
        pb_jw_obj_begin(w, e->key);
        pb_jw_str(w, "event", e->name);
        if (!e->available || t->calls == 0) {
            char why[260];
            snprintf(why, sizeof why, "unavailable: %s",
                     !e->available  ? e->reason
                     : t->reason[0] ? t->reason
                                    : "not counted");
            pb_jw_str(w, "status", why);
            pb_jw_obj_end(w);
            continue;
        }
        pb_jw_str(w, "status", t->uncounted_calls ? "partly counted" : "counted");
        pb_jw_str(w, "event_string", e->fstr);
        pb_jw_str(w, "privilege", pb_pmu_plm_name(e->plm));
        pb_jw_num(w, "total_scaled", t->scaled);
        pb_jw_int(w, "total_raw", (long long)t->raw);
        pb_jw_int(w, "time_enabled_ns", (long long)t->enabled_ns);
        pb_jw_int(w, "time_running_ns", (long long)t->running_ns);
        pb_jw_num(w, "running_ratio",
                  t->enabled_ns ? (double)t->running_ns / (double)t->enabled_ns : NAN);
        pb_jw_int(w, "counted_repetitions", t->calls);
        pb_jw_int(w, "uncounted_repetitions", t->uncounted_calls);
        pb_jw_obj_end(w);
    }
    pb_jw_obj_end(w);
    pb_jw_arr_begin(w, "counter_checks");
    for (size_t k = 0; k < PB_MAX_EXPECT; k++)
        if (vr->expect_result[k][0])
            pb_jw_str(w, NULL, vr->expect_result[k]);
    pb_jw_arr_end(w);
}

static void report_variant_json(struct pb_jw *w, const struct pb_vreg *vr)
{
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "name", vr->name);
    pb_jw_str(w, "family", vr->fam->name);
    pb_jw_str(w, "summary", vr->v->summary);
    pb_jw_str(w, "status", vreg_status(vr));
    pb_jw_str(w, "reason",
              vr->skip_reason[0]      ? vr->skip_reason
              : vr->invalid_reason[0] ? vr->invalid_reason
              : vr->interrupted       ? "interrupted: the run was stopped by a signal"
                                      : NULL);
    pb_jw_str(w, "placement", vr->placement);
    pb_jw_str(w, "plan", vr->plan[0] ? vr->plan : NULL);
    pb_jw_int(w, "repetitions", vr->reps_reported);
    pb_jw_int(w, "errored_repetitions", vr->reps_errored);
    pb_jw_obj_begin(w, "medians");
    for (size_t s = 0; s < vr->n_series; s++)
        pb_jw_num(w, vr->series[s].name, pb_stats_median(vr->series[s].v, vr->series[s].n));
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "cv");
    for (size_t s = 0; s < vr->n_series; s++)
        pb_jw_num(w, vr->series[s].name, pb_stats_cv(vr->series[s].v, vr->series[s].n));
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "histogram_samples");
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++)
        pb_jw_int(w, pb_vreg_metric_name(vr, m),
                  vr->merged[m] ? (long long)vr->merged[m]->count : 0);
    pb_jw_obj_end(w);
    pb_jw_int(w, "iterations_per_repetition", (long long)vr->merged_iters);
    pb_jw_int(w, "operations_per_sample", vr->v->batch > 1 ? vr->v->batch : 1);
    report_counters_json(w, vr);
    pb_jw_obj_end(w);
}

/* The share of an op's time a batch's fixed cost may take before the report says so. */
#define PB_BATCH_OVERHEAD_MAX 0.05

/* Warnings that come from the data rather than the box. */
static void report_data_warnings(struct pb_runner *R, struct pb_env *env)
{
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (!vr->reps_reported)
            continue;
        const struct pb_series *s = pb_vreg_series(vr, "real_time_ns");
        double cv = s ? pb_stats_cv(s->v, s->n) : NAN;
        /* blocks are short, so the bar is higher than for long repetitions; a pair's own
         * precision (its half-width and stop reason) is what judges its blocks */
        if (isfinite(cv) && cv > 0.25)
            pb_env_warn(env, "%s is unstable: time per op varies %.0f%% (CV) over %zu blocks",
                        vr->name, cv * 100, s->n);
        if (vr->reps_reported < 3)
            pb_env_warn(env, "%s has only %u blocks: its medians are weak below 3", vr->name,
                        vr->reps_reported);
        /* a batched op's fixed cost (an empty batch), where the experiment measured it */
        const struct pb_series *ov = pb_vreg_series(vr, "batch_overhead_ns_per_op");
        double ov_med = ov ? pb_stats_median(ov->v, ov->n) : NAN;
        double t_med = s ? pb_stats_median(s->v, s->n) : NAN;
        if (isfinite(ov_med) && t_med > 0 && ov_med > PB_BATCH_OVERHEAD_MAX * t_med)
            pb_env_warn(env,
                        "%s: releasing and gathering a batch costs %.2f ns per op, %.0f%% of its "
                        "%.2f ns per op (bound %.0f%%): the time per op overstates the operation",
                        vr->name, ov_med, 100 * ov_med / t_med, t_med, 100 * PB_BATCH_OVERHEAD_MAX);
        const struct pb_series *p50 = pb_vreg_series(vr, "op_p50_ns");
        double med = p50 ? pb_stats_median(p50->v, p50->n) : NAN;
        if ((vr->v->batch <= 1) && isfinite(med) && med < 2 * pb_clock.resolution_ns)
            pb_env_warn(env, "%s: median op %.1f ns is below twice the timer resolution (%.1f ns)",
                        vr->name, med, pb_clock.resolution_ns);
        if (vr->merged_calls != vr->reps_reported)
            pb_env_warn(env, "%s: %u histogram calls merged for %u reported repetitions", vr->name,
                        vr->merged_calls, vr->reps_reported);
        const struct pb_series *mux = pb_vreg_series(vr, "pmu_running_ratio_min");
        double mux_min = mux ? pb_stats_quantile(mux->v, mux->n, 0) : NAN;
        if (isfinite(mux_min) && mux_min < 1)
            pb_env_warn(env,
                        "%s: counters were multiplexed (ran %.0f%% of the time at worst): "
                        "their counts are scaled estimates",
                        vr->name, mux_min * 100);
        for (size_t k = 0; R->pmu && k < R->pmu->n; k++)
            if (R->pmu->ev[k].available && vr->pmu_tot[k].uncounted_calls)
                pb_env_warn(env, "%s: %s not counted in %u repetition(s): %s", vr->name,
                            R->pmu->ev[k].key, vr->pmu_tot[k].uncounted_calls,
                            vr->pmu_tot[k].reason);
        const struct pb_series *off = pb_vreg_series(vr, "offered_rate_per_s");
        const struct pb_series *ach = pb_vreg_series(vr, "achieved_rate_per_s");
        if (off && ach) {
            double o = pb_stats_median(off->v, off->n), a = pb_stats_median(ach->v, ach->n);
            if (a < 0.9 * o)
                pb_env_warn(env,
                            "%s: the offered rate was not reached (%.0f of %.0f /s): the "
                            "servers or the one generator thread saturated, and latencies "
                            "grow with the length of the run",
                            vr->name, a, o);
        }
        const struct pb_series *late = pb_vreg_series(vr, "issue_late_p50_ns");
        double late_med = late ? pb_stats_median(late->v, late->n) : NAN;
        if (isfinite(late_med) && late_med > 10000)
            pb_env_warn(env,
                        "%s: open-loop arrivals went out %.0f us late (median): the "
                        "generator's sleeps wake that late here, and request latencies "
                        "include it",
                        vr->name, late_med / 1000);
        const struct pb_series *z =
            vr->v->zero_tally ? pb_vreg_series(vr, vr->v->zero_tally) : NULL;
        size_t nonzero = 0;
        for (size_t k = 0; z && k < z->n; k++)
            nonzero += z->v[k] != 0;
        if (nonzero)
            pb_env_warn(env, "%s: %s was not 0 in %zu of %zu repetitions (up to %.3g): %s",
                        vr->name, vr->v->zero_tally, nonzero, z->n,
                        pb_stats_quantile(z->v, z->n, 1), vr->v->zero_means);
        if (pb_vreg_series(vr, "clock_negative_intervals"))
            pb_env_warn(env,
                        "%s: some cross-thread intervals were negative (TSC skew between "
                        "CPUs) and were counted as 0",
                        vr->name);
    }
}

/* Data for one family's plots: medians with CIs of its headline metric, and CDFs of op. */
struct plot_counts {
    size_t cdf, pct, sweep, threads, grid, matrix, hist;
    char matrices[2048]; /* per matrix: stem|title|x label|y label|colour label, "|"-joined */
};

static const struct pb_cell *matrix_cell(const struct pb_vreg *vr, int i, int j)
{
    return &vr->matrix[(size_t)i * (size_t)vr->n_matrix + (size_t)j];
}

/* The label of matrix row/column k: an OS CPU number, or an OS node number (by_node). */
static int matrix_label(const struct pb_runner *R, const struct pb_vreg *vr, int k)
{
    const struct pb_matrix_decl *d = vr->v->matrix;
    return d && d->by_node ? R->topo->node[k].os : pb_cpuset_nth(&R->cpus, k);
}

/* Matrices: hist/<variant>.matrix.csv, and each one's heatmap data plots/<variant>.dat with
 * its labels plots/<variant>.gp; *n is the largest side, names the variants (for family.gp). */
static int report_matrix(struct pb_results *res, struct pb_runner *R, const struct pb_family *fam,
                         size_t *n, char *names, size_t names_len)
{
    *n = 0;
    names[0] = '\0';
    for (size_t v = 0; v < R->n; v++) {
        struct pb_vreg *vr = &R->vr[v];
        if (vr->fam != fam || !vr->matrix || vr->invalid_reason[0] || !vr->reps_reported)
            continue;
        const struct pb_matrix_decl *d = vr->v->matrix;
        bool by_node = d && d->by_node;
        const char *val = d ? d->value : "ns";
        char rel[300];
        FILE *f = report_open_variant(res, vr, "hist", ".matrix.csv", rel, sizeof rel);
        if (!f)
            return -1;
        fprintf(f, "%s,samples,min_%s,mean_%s,max_%s\n",
                by_node ? "cpu_node,mem_node" : "cpu_a,cpu_b", val, val, val);
        int m = vr->n_matrix;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                const struct pb_cell *c = matrix_cell(vr, i, j);
                if (c->count)
                    fprintf(f, "%d,%d,%llu,%.6g,%.6g,%.6g\n", matrix_label(R, vr, i),
                            matrix_label(R, vr, j), (unsigned long long)c->count, c->min,
                            c->sum / (double)c->count, c->max);
            }
        if (pb_results_close(f, rel) < 0)
            return -1;
        if (!(f = report_open_variant(res, vr, "plots", ".dat", rel, sizeof rel)))
            return -1;
        fprintf(f, "# %s mean (NaN: not measured)\n",
                by_node ? "cpu_node mem_node" : "cpu_a cpu_b");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                const struct pb_cell *c = matrix_cell(vr, i, j);
                /* round trips are symmetric: a pair measured as (a, b) fills (b, a) too; a node
                 * matrix is not (CPU on one node, memory on the other) */
                if (!c->count && !by_node)
                    c = matrix_cell(vr, j, i);
                fprintf(f, "%d %d ", matrix_label(R, vr, i), matrix_label(R, vr, j));
                if (c->count)
                    fprintf(f, "%.6g\n", c->sum / (double)c->count);
                else
                    fprintf(f, "NaN\n");
            }
            fprintf(f, "\n");
        }
        if (pb_results_close(f, rel) < 0)
            return -1;
        /* the heatmap's file stem and labels, as family.gp's ninth argument (read as data);
         * "|" separates the fields, so table strings must not hold one (a table error) */
        const char *title = d ? d->title : "round trip per CPU pair (mean)";
        const char *label = d ? d->label : "round trip (ns)";
        char stem[200];
        file_stem(vr->name, stem, sizeof stem);
        PB_CHECK(!strchr(title, '|') && !strchr(label, '|') && !strchr(stem, '|'));
        size_t used = strlen(names);
        int w = snprintf(names + used, names_len - used, "%s%s|%s: %s|%s|%s|%s", used ? "|" : "",
                         stem, vr->name, title, by_node ? "CPU on node" : "CPU a",
                         by_node ? "memory on node" : "CPU b", label);
        PB_CHECK(w > 0 && (size_t)w < names_len - used);
        if ((size_t)m > *n)
            *n = (size_t)m;
    }
    return 0;
}

/* fam->hist_metric: samples per histogram bucket against the bucket's midpoint, one block per
 * variant, into plots/<family>.hist.dat; *n blocks. */
static int report_plot_hist(struct pb_results *res, struct pb_runner *R,
                            const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (!fam->hist_metric)
        return 0;
    unsigned m = 0;
    for (size_t k = 0; k < fam->n_metrics; k++)
        if (!strcmp(fam->metrics[k], fam->hist_metric))
            m = (unsigned)k + 1;
    PB_CHECK(m > 0); /* a hist_metric that is not one of the family's metrics is a table bug */
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.hist.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[m] || !vr->merged[m]->count || vr->invalid_reason[0])
            continue;
        if (*n)
            fprintf(f, "\n\n");
        fprintf(f, "\"%s\"\n# %s_ns samples_in_bucket (bucket midpoint)\n", vr->v->name,
                fam->hist_metric);
        const struct pb_hist *h = vr->merged[m];
        for (unsigned b = 0; b < PB_HIST_BUCKETS; b++) {
            if (!h->buckets[b])
                continue;
            uint64_t lo, hi;
            pb_hist_bucket_bounds(b, &lo, &hi);
            double v = ((double)lo + (double)hi) / 2;
            fprintf(f, "%.1f %llu\n", v < 1 ? 1 : v, (unsigned long long)h->buckets[b]);
        }
        (*n)++;
    }
    return pb_results_close(f, rel);
}

/* "<x>/<series>" variants: one block per series, x in table order, median and CI of
 * fam->grid_metric. */
static int report_plot_grid(struct pb_results *res, struct pb_runner *R,
                            const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (!fam->grid_metric)
        return 0;
    char xs[64][64], series[32][64];
    size_t nx = 0, ns = 0;
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_vreg *vr = &R->vr[i];
        const char *slash = strchr(vr->v->name, '/');
        if (vr->fam != fam || !slash || !pb_vreg_series(vr, fam->grid_metric))
            continue;
        char x[64], se[64];
        snprintf(x, sizeof x, "%.*s", (int)(slash - vr->v->name), vr->v->name);
        snprintf(se, sizeof se, "%s", slash + 1);
        size_t k;
        for (k = 0; k < nx && strcmp(xs[k], x); k++)
            ;
        if (k == nx && nx < 64)
            snprintf(xs[nx++], sizeof xs[0], "%s", x);
        for (k = 0; k < ns && strcmp(series[k], se); k++)
            ;
        if (k == ns && ns < 32)
            snprintf(series[ns++], sizeof series[0], "%s", se);
    }
    if (!ns)
        return 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.grid.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    for (size_t k = 0; k < ns; k++) {
        fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", series[k]);
        for (size_t x = 0; x < nx; x++) {
            char name[256];
            snprintf(name, sizeof name, "%.63s/%.63s/%.63s", fam->name, xs[x], series[k]);
            const struct pb_vreg *vr = pb_runner_find(R, name);
            const struct pb_series *s =
                vr && !vr->invalid_reason[0] ? pb_vreg_series(vr, fam->grid_metric) : NULL;
            if (!s)
                continue;
            double lo, hi, med = pb_stats_median(s->v, s->n);
            pb_stats_median_ci(s->v, s->n, 2000, 0xc1ULL, &lo, &hi);
            fprintf(f, "%zu \"%s\" %.6g %.6g %.6g\n", x, xs[x], med, isfinite(lo) ? lo : med,
                    isfinite(hi) ? hi : med);
        }
    }
    *n = ns;
    return pb_results_close(f, rel);
}

/* Percentiles of the family's first own metric, per variant (bars). */
static int report_plot_percentiles(struct pb_results *res, struct pb_runner *R,
                                   const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (fam->n_metrics == 0)
        return 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.percentiles.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    fprintf(f, "# %s: percentiles of %s over every reported repetition, ns\n", fam->name,
            fam->metrics[0]);
    fprintf(f, "# index variant p50_ns p90_ns p99_ns p999_ns\n");
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[1] || !vr->merged[1]->count || vr->invalid_reason[0])
            continue;
        struct pb_hist_summary s;
        pb_hist_summarize(vr->merged[1], &s);
        fprintf(f, "%zu \"%s\" %.1f %.1f %.1f %.1f\n", (*n)++, vr->v->name, s.p50_ns, s.p90_ns,
                s.p99_ns, s.p999_ns);
    }
    return pb_results_close(f, rel);
}

/* Open-loop sweeps: variants reporting achieved rates, grouped into series by the name before
 * "_load"; one block per series, sorted by offered rate. */
static int report_plot_sweep(struct pb_results *res, struct pb_runner *R,
                             const struct pb_family *fam, size_t *n)
{
    *n = 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.sweep.dat", fam->name);
    FILE *f = NULL;
    bool done[4096] = {false};
    for (size_t i = 0; i < R->n && i < 4096; i++) {
        struct pb_vreg *a = &R->vr[i];
        if (done[i] || a->fam != fam || a->invalid_reason[0] ||
            !pb_vreg_series(a, "achieved_rate_per_s") || !pb_vreg_series(a, "request_p99_ns"))
            continue;
        const char *cut = strstr(a->v->name, "_load");
        size_t klen = cut ? (size_t)(cut - a->v->name) : strlen(a->v->name);
        if (!f && !(f = pb_results_open(res, rel)))
            return -1;
        fprintf(f, "%s\"%.*s\"\n", *n ? "\n\n" : "", (int)klen, a->v->name);
        (*n)++;
        /* the series' members, by offered rate (insertion sort over a handful) */
        size_t idx[64], m = 0;
        for (size_t j = i; j < R->n && j < 4096 && m < 64; j++) {
            struct pb_vreg *b = &R->vr[j];
            if (b->fam != fam || b->invalid_reason[0] ||
                !pb_vreg_series(b, "achieved_rate_per_s") || !pb_vreg_series(b, "request_p99_ns") ||
                strncmp(b->v->name, a->v->name, klen) ||
                (b->v->name[klen] != '\0' && strncmp(b->v->name + klen, "_load", 5)))
                continue;
            done[j] = true;
            idx[m++] = j;
        }
        double off[64];
        for (size_t k = 0; k < m; k++) {
            const struct pb_series *o = pb_vreg_series(&R->vr[idx[k]], "offered_rate_per_s");
            off[k] = o ? pb_stats_median(o->v, o->n) : 0;
        }
        for (size_t k = 1; k < m; k++)
            for (size_t q = k; q > 0 && off[q - 1] > off[q]; q--) {
                double t = off[q];
                off[q] = off[q - 1], off[q - 1] = t;
                size_t u = idx[q];
                idx[q] = idx[q - 1], idx[q - 1] = u;
            }
        for (size_t k = 0; k < m; k++) {
            const struct pb_vreg *b = &R->vr[idx[k]];
            const struct pb_series *ach = pb_vreg_series(b, "achieved_rate_per_s");
            const struct pb_series *p50 = pb_vreg_series(b, "request_p50_ns");
            const struct pb_series *p99 = pb_vreg_series(b, "request_p99_ns");
            fprintf(f, "%.1f %.1f %.1f %.1f\n", off[k], pb_stats_median(ach->v, ach->n),
                    p50 ? pb_stats_median(p50->v, p50->n) : NAN, pb_stats_median(p99->v, p99->n));
        }
    }
    return f ? pb_results_close(f, rel) : 0;
}

/* Thread count over the last call of each sampled variant. */
static int report_plot_threads(struct pb_results *res, struct pb_runner *R,
                               const struct pb_family *fam, size_t *n)
{
    *n = 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.threads.dat", fam->name);
    FILE *f = NULL;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->n_thread_series || vr->invalid_reason[0])
            continue;
        if (!f && !(f = pb_results_open(res, rel)))
            return -1;
        fprintf(f, "%s\"%s\"\n", *n ? "\n\n" : "", vr->v->name);
        for (size_t k = 0; k < vr->n_thread_series; k++)
            fprintf(f, "%.1f %u\n", (double)k * vr->thread_series_interval_ms,
                    vr->thread_series[k]);
        (*n)++;
    }
    return f ? pb_results_close(f, rel) : 0;
}

static int report_plot_data(struct pb_results *res, struct pb_runner *R,
                            const struct pb_family *fam, const char *metric, struct plot_counts *pc)
{
    if (report_plot_percentiles(res, R, fam, &pc->pct) < 0 ||
        report_plot_sweep(res, R, fam, &pc->sweep) < 0 ||
        report_plot_threads(res, R, fam, &pc->threads) < 0 ||
        report_plot_grid(res, R, fam, &pc->grid) < 0 ||
        report_matrix(res, R, fam, &pc->matrix, pc->matrices, sizeof pc->matrices) < 0 ||
        report_plot_hist(res, R, fam, &pc->hist) < 0)
        return -1;
    size_t *n_cdf = &pc->cdf;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.medians.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    fprintf(f, "# %s: median over repetitions of %s with a 95%% bootstrap CI\n", fam->name, metric);
    fprintf(f, "# index variant median_%s ci_low ci_high\n", metric_unit(metric));
    int idx = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->reps_reported || vr->invalid_reason[0])
            continue;
        const struct pb_series *s = pb_vreg_series(vr, metric);
        if (!s)
            continue;
        double lo, hi;
        pb_stats_median_ci(s->v, s->n, 2000, 0xc1ULL, &lo, &hi);
        double med = pb_stats_median(s->v, s->n);
        fprintf(f, "%d \"%s\" %.6g %.6g %.6g\n", idx++, vr->v->name, med, isfinite(lo) ? lo : med,
                isfinite(hi) ? hi : med);
    }
    if (pb_results_close(f, rel) < 0)
        return -1;

    snprintf(rel, sizeof rel, "plots/%s.cdf.dat", fam->name);
    f = pb_results_open(res, rel);
    if (!f)
        return -1;
    *n_cdf = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[0] || !vr->merged[0]->count || vr->invalid_reason[0])
            continue;
        if (*n_cdf)
            fprintf(f, "\n\n");
        fprintf(f, "\"%s\"\n", vr->v->name);
        const struct pb_hist *h = vr->merged[0];
        uint64_t cum = 0;
        for (unsigned b = 0; b < PB_HIST_BUCKETS; b++) {
            if (!h->buckets[b])
                continue;
            cum += h->buckets[b];
            uint64_t lo, hi;
            pb_hist_bucket_bounds(b, &lo, &hi);
            double v = ((double)lo + (double)hi) / 2;
            if (v < 1)
                v = 1; /* log axis */
            fprintf(f, "%.1f %.9f\n", v, (double)cum / (double)h->count);
        }
        (*n_cdf)++;
    }
    return pb_results_close(f, rel);
}

static bool report_stopping(void)
{
    return pb_runner_stop_signal() != 0;
}

/* family.gp over the family's data files, run in plots/ with every value as an argument. */
static int report_gnuplot(struct pb_results *res, const struct pb_family *fam, const char *metric,
                          const struct plot_counts *pc, struct pb_env *env)
{
    char counts[160];
    snprintf(counts, sizeof counts, "%zu %zu %zu %zu %zu %zu %zu", pc->cdf, pc->pct, pc->sweep,
             pc->threads, pc->grid, pc->matrix, pc->hist);
    const char *args[PB_PLOT_MAX_ARGS] = {
        fam->name,
        metric,
        metric_unit(metric),
        fam->n_metrics ? fam->metrics[0] : "",
        fam->grid_metric ? fam->grid_metric : "",
        fam->grid_metric ? metric_unit(fam->grid_metric) : "",
        fam->hist_metric ? fam->hist_metric : "",
        counts,
        pc->matrices,
    };
    int plots = pb_open_dir(res->tmp_fd, "plots");
    if (plots < 0) {
        pb_env_warn(env, "plots for %s not drawn: %s", fam->name, pb_err());
        return 0;
    }
    char log[128];
    snprintf(log, sizeof log, "%s.gnuplot.log", fam->name);
    if (pb_plot_run(plots, "family.gp", args, PB_ARRAY_LEN(args), fam->name, log, report_stopping) <
        0)
        pb_env_warn(env, "plots for %s not drawn: %s", fam->name, pb_err());
    close(plots);
    return 0;
}

/* `key`: [{variant, reason}] for every variant whose reason field (at `off`) is set. */
static void report_reasons_json(struct pb_jw *w, const char *key, const struct pb_runner *R,
                                size_t off)
{
    pb_jw_arr_begin(w, key);
    for (size_t i = 0; i < R->n; i++) {
        const char *reason = (const char *)&R->vr[i] + off;
        if (!reason[0] || R->vr[i].deselected)
            continue;
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "variant", R->vr[i].name);
        pb_jw_str(w, "reason", reason);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
}

static int report_env_json(struct pb_results *res, struct pb_env *env)
{
    FILE *f = pb_results_open(res, "env.json");
    if (!f)
        return -1;
    if (pb_env_write_json(env, f) < 0) {
        fclose(f);
        return -1;
    }
    return pb_results_close(f, "env.json");
}

int pb_report_write(struct pb_results *res, struct pb_runner *R, const struct pb_pair_result *pairs,
                    size_t n_pairs, struct pb_env *env, const struct pb_overheads *ov,
                    const struct pb_run_meta *meta)
{
    report_data_warnings(R, env);
    for (size_t i = 0; i < R->n; i++)
        if (R->vr[i].reps_reported &&
            (report_hist_files(res, &R->vr[i]) < 0 || report_thread_series(res, &R->vr[i]) < 0))
            return -1;

    /* Plots per family that ran: the headline metric is the family's first pair's. */
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_family *fam = R->vr[i].fam;
        if (i > 0 && R->vr[i - 1].fam == fam)
            continue;
        bool ran = false;
        for (size_t k = i; k < R->n && R->vr[k].fam == fam; k++)
            ran |= R->vr[k].reps_reported > 0;
        if (!ran)
            continue;
        const char *metric = fam->n_pairs ? fam->pairs[0].metric : "real_time_ns";
        struct plot_counts pc = {0};
        if (report_plot_data(res, R, fam, metric, &pc) < 0)
            return -1;
        report_gnuplot(res, fam, metric, &pc, env);
    }

    bool valid = true;
    for (size_t i = 0; i < R->n; i++)
        valid &= R->vr[i].invalid_reason[0] == '\0';

    /* summary.json last: its manifest covers every file written before it */
    if (report_env_json(res, env) < 0)
        return -1;
    FILE *f = pb_results_open(res, "summary.json");
    if (!f)
        return -1;
    struct pb_jw w;
    pb_jw_init(&w, f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "schema", "pinbench-summary-1");
    pb_jw_obj_begin(&w, "run");
    pb_jw_str(&w, "host", pb_env_value(env, "hostname"));
    pb_jw_str(&w, "started_utc", meta->started_utc);
    pb_jw_str(&w, "profile", meta->profile);
    pb_jw_str(&w, "label", meta->label);
    pb_jw_str(&w, "cpus", meta->cpus);
    pb_jw_str(&w, "command_line", meta->command_line);
    pb_jw_int(&w, "repetitions", meta->repetitions); /* blocks a side at least */
    pb_jw_num(&w, "min_time_s", meta->min_time_s);   /* one block's time */
    pb_jw_num(&w, "budget_s", meta->budget_s);
    pb_jw_num(&w, "precision_target_pct", meta->precision_pct);
    pb_jw_num(&w, "measured_s", meta->measured_s);
    pb_jw_int(&w, "blocks_run", (long long)meta->blocks_run);
    pb_jw_str(&w, "build_type", pb_env_build_type());
    pb_jw_str(&w, "git_commit", pb_env_value(env, "git_commit"));
    pb_jw_bool(&w, "valid", valid);
    int stop = pb_runner_stop_signal();
    if (meta->stop_recorded)
        *meta->stop_recorded = stop;
    pb_jw_bool(&w, "partial", stop != 0);
    pb_jw_str(&w, "stopped_by",
              stop == SIGINT    ? "SIGINT"
              : stop == SIGTERM ? "SIGTERM"
              : stop            ? "a signal"
                                : NULL);
    pb_jw_num(&w, "alpha", PB_ALPHA);
    pb_jw_int(&w, "bootstrap_rounds", PB_BOOTSTRAP_ROUNDS);
    pb_jw_obj_end(&w);
    report_overheads_json(&w, ov);
    pb_jw_arr_begin(&w, "counters");
    for (size_t i = 0; R->pmu && i < R->pmu->n; i++) {
        const struct pb_pmu_event *e = &R->pmu->ev[i];
        pb_jw_obj_begin(&w, NULL);
        pb_jw_str(&w, "counter", e->key);
        pb_jw_str(&w, "event", e->name);
        pb_jw_bool(&w, "available", e->available);
        pb_jw_str(&w, "privilege", e->available ? pb_pmu_plm_name(e->plm) : NULL);
        pb_jw_str(&w, "event_string", e->fstr);
        pb_jw_str(&w, "reason", e->available ? NULL : e->reason);
        pb_jw_obj_end(&w);
    }
    pb_jw_arr_end(&w);
    pb_jw_arr_begin(&w, "pairs");
    for (size_t i = 0; i < n_pairs; i++)
        report_pair_json(&w, &pairs[i]);
    pb_jw_arr_end(&w);
    pb_jw_arr_begin(&w, "variants");
    for (size_t i = 0; i < R->n; i++)
        if ((R->vr[i].skip_reason[0] && !R->vr[i].deselected) || R->vr[i].reps_reported ||
            R->vr[i].reps_errored)
            report_variant_json(&w, &R->vr[i]);
    pb_jw_arr_end(&w);
    report_reasons_json(&w, "skipped", R, offsetof(struct pb_vreg, skip_reason));
    report_reasons_json(&w, "invalid", R, offsetof(struct pb_vreg, invalid_reason));
    pb_env_warnings_json(&w, env);
    int mrc = pb_results_manifest_json(&w, res->tmp_fd);
    pb_jw_obj_end(&w);
    if (pb_jw_finish(&w) < 0 || mrc < 0) {
        fclose(f);
        return -1;
    }
    return pb_results_close(f, "summary.json");
}
