/* summary: a run's files: summary.json, env.json, the histogram CSVs, the data warnings, and the
 * plots drawn with gnuplot. */
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
#include "report_internal.h"

/* ---- files ---- */

void pb_repi_file_stem(const char *vname, char *buf, size_t len)
{
    snprintf(buf, len, "%s", vname);
    for (char *c = buf; *c; c++)
        if (*c == '/')
            *c = '.';
}

/* Opens <dir>/<variant's file stem><suffix> (suffix such as ".matrix.csv") in the results
 * folder; rel receives its relative path, for pb_results_close. */
FILE *pb_repi_open_variant(struct pb_results *res, const struct pb_vreg *vr, const char *dir,
                           const char *suffix, char *rel, size_t rel_len)
{
    char stem[200];
    pb_repi_file_stem(vr->name, stem, sizeof stem);
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
        FILE *f = pb_repi_open_variant(res, vr, "hist", suffix, rel, sizeof rel);
        if (!f)
            return -1;
        pb_hist_write_csv(vr->merged[m], f);
        if (pb_results_close(f, rel) < 0)
            return -1;
        snprintf(suffix, sizeof suffix, ".%s.percentiles.csv", pb_vreg_metric_name(vr, m));
        f = pb_repi_open_variant(res, vr, "hist", suffix, rel, sizeof rel);
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
    FILE *f = pb_repi_open_variant(res, vr, "hist", ".threads.csv", rel, sizeof rel);
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

static bool report_stopping(void)
{
    return pb_runner_stop_signal() != 0;
}

/* family.gp over the family's data files, run in plots/ with every value as an argument. */
static int report_gnuplot(struct pb_results *res, const struct pb_family *fam, const char *metric,
                          const struct pb_plot_counts *pc, struct pb_env *env)
{
    char counts[160];
    snprintf(counts, sizeof counts, "%zu %zu %zu %zu %zu %zu %zu", pc->cdf, pc->pct, pc->sweep,
             pc->threads, pc->grid, pc->matrix, pc->hist);
    const char *args[PB_PLOT_MAX_ARGS] = {
        fam->name,
        metric,
        pb_report_metric_unit(metric),
        fam->n_metrics ? fam->metrics[0] : "",
        fam->grid_metric ? fam->grid_metric : "",
        fam->grid_metric ? pb_report_metric_unit(fam->grid_metric) : "",
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
        struct pb_plot_counts pc = {0};
        if (pb_repi_plot_data(res, R, fam, metric, &pc) < 0)
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
    pb_jw_int(&w, "bootstrap_seed", (long long)PB_BOOTSTRAP_SEED);
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
