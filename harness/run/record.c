/* record: what a run measured, written into its results folder as raw data — the histogram,
 * matrix and thread-count CSVs under hist/, env.json, and run.json last, whose manifest seals
 * the others. Nothing here computes a statistic: summary.json, the plots and the reports are
 * derived from the folder afterwards (report_derive.c), by code that never sees the runner. */
#include "run/record.h"
#include "core/clock.h"
#include "core/cpuset.h"
#include "core/env.h"
#include "results/json.h"
#include "results/results.h"
#include "run/selfbench.h"
#include "util.h"
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* "churn/spawn/unpinned" -> "churn.spawn.unpinned": a variant's files under hist/. */
static void record_stem(const char *vname, char *buf, size_t len)
{
    snprintf(buf, len, "%s", vname);
    for (char *c = buf; *c; c++)
        if (*c == '/')
            *c = '.';
}

static FILE *record_open(struct pb_results *res, const struct pb_vreg *vr, const char *suffix,
                         char *rel, size_t rel_len)
{
    char stem[200];
    record_stem(vr->name, stem, sizeof stem);
    snprintf(rel, rel_len, "hist/%s%s", stem, suffix);
    return pb_results_open(res, rel);
}

/* Each latency histogram three ways: its buckets, its percentile table, and HdrHistogram's
 * .hgrm (values in microseconds, as its plotters read them). */
static int record_hist_files(struct pb_results *res, const struct pb_vreg *vr)
{
    static const struct {
        const char *suffix;
        int (*write)(const struct pb_hist *h, FILE *f);
    } kinds[] = {{"csv", pb_hist_write_csv},
                 {"percentiles.csv", pb_hist_write_percentiles},
                 {"us.hgrm", pb_hist_write_hgrm}};
    char rel[300], suffix[100];
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++) {
        if (!vr->merged[m] || vr->merged[m]->count == 0)
            continue;
        for (size_t k = 0; k < PB_ARRAY_LEN(kinds); k++) {
            snprintf(suffix, sizeof suffix, ".%s.%s", pb_vreg_metric_name(vr, m), kinds[k].suffix);
            FILE *f = record_open(res, vr, suffix, rel, sizeof rel);
            if (!f)
                return -1;
            kinds[k].write(vr->merged[m], f);
            if (pb_results_close(f, rel) < 0)
                return -1;
        }
    }
    return 0;
}

/* Threads: over the last call, as the sampler saw it. */
static int record_thread_series(struct pb_results *res, const struct pb_vreg *vr)
{
    if (!vr->n_thread_series)
        return 0;
    char rel[300];
    FILE *f = record_open(res, vr, ".threads.csv", rel, sizeof rel);
    if (!f)
        return -1;
    fprintf(f, "t_ms,threads\n");
    for (size_t i = 0; i < vr->n_thread_series; i++)
        fprintf(f, "%.1f,%u\n", (double)i * vr->thread_series_interval_ms, vr->thread_series[i]);
    return pb_results_close(f, rel);
}

/* The label of matrix row/column k: an OS CPU number, or an OS node number (by_node). */
static int record_matrix_label(const struct pb_runner *R, const struct pb_vreg *vr, int k)
{
    const struct pb_matrix_decl *d = vr->v->matrix;
    return d && d->by_node ? R->topo->node[k].os : pb_cpuset_nth(&R->cpus, k);
}

/* hist/<variant>.matrix.csv: the measured cells (the labels of every planned row and column are
 * in run.json, so a cell that was not measured is still known to be missing). */
static int record_matrix(struct pb_results *res, const struct pb_runner *R,
                         const struct pb_vreg *vr)
{
    if (!vr->matrix || vr->invalid_reason[0] || !vr->reps_reported)
        return 0;
    const struct pb_matrix_decl *d = vr->v->matrix;
    bool by_node = d && d->by_node;
    const char *val = d ? d->value : "ns";
    char rel[300];
    FILE *f = record_open(res, vr, ".matrix.csv", rel, sizeof rel);
    if (!f)
        return -1;
    fprintf(f, "%s,samples,min_%s,mean_%s,max_%s\n", by_node ? "cpu_node,mem_node" : "cpu_a,cpu_b",
            val, val, val);
    int m = vr->n_matrix;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            const struct pb_cell *c = &vr->matrix[(size_t)i * (size_t)m + (size_t)j];
            if (c->count)
                fprintf(f, "%d,%d,%llu,%.6g,%.6g,%.6g\n", record_matrix_label(R, vr, i),
                        record_matrix_label(R, vr, j), (unsigned long long)c->count, c->min,
                        c->sum / (double)c->count, c->max);
        }
    return pb_results_close(f, rel);
}

static const char *record_status(const struct pb_vreg *vr)
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

static void record_overheads(struct pb_jw *w, const struct pb_overheads *ov)
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

/* Raw totals with their scaling data, over the reported repetitions; uncounted events say why. */
static void record_counters(struct pb_jw *w, const struct pb_vreg *vr)
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
        pb_jw_str(w, "uncounted_reason", t->uncounted_calls ? t->reason : NULL);
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

/* What the plots of a matrix need beyond its CSV: every planned label, and how to draw it. */
static void record_matrix_decl(struct pb_jw *w, const struct pb_runner *R, const struct pb_vreg *vr)
{
    if (!vr->matrix || vr->invalid_reason[0] || !vr->reps_reported)
        return;
    const struct pb_matrix_decl *d = vr->v->matrix;
    pb_jw_obj_begin(w, "matrix");
    pb_jw_bool(w, "by_node", d && d->by_node);
    pb_jw_str(w, "value", d ? d->value : "ns");
    pb_jw_str(w, "title", d ? d->title : "round trip per CPU pair (mean)");
    pb_jw_str(w, "label", d ? d->label : "round trip (ns)");
    /* rows and columns in topology order (the heatmap draws them so); cells name their CPUs */
    int *labels = pb_xcalloc((size_t)vr->n_matrix, sizeof *labels, "matrix labels");
    for (int k = 0; k < vr->n_matrix; k++)
        labels[k] = record_matrix_label(R, vr, k);
    if (!(d && d->by_node))
        pb_topo_order_cpus(R->topo, labels, (size_t)vr->n_matrix);
    pb_jw_arr_begin(w, "labels");
    for (int k = 0; k < vr->n_matrix; k++)
        pb_jw_int(w, NULL, labels[k]);
    pb_jw_arr_end(w);
    free(labels);
    pb_jw_obj_end(w);
}

static void record_variant(struct pb_jw *w, const struct pb_runner *R, const struct pb_vreg *vr)
{
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "name", vr->name);
    pb_jw_str(w, "family", vr->fam->name);
    pb_jw_str(w, "summary", vr->v->summary);
    pb_jw_str(w, "status", record_status(vr));
    pb_jw_str(w, "reason",
              vr->skip_reason[0]      ? vr->skip_reason
              : vr->invalid_reason[0] ? vr->invalid_reason
              : vr->interrupted       ? "interrupted: the run was stopped by a signal"
                                      : NULL);
    pb_jw_str(w, "placement", vr->placement);
    pb_jw_str(w, "plan", vr->plan[0] ? vr->plan : NULL);
    pb_jw_int(w, "repetitions", vr->reps_reported);
    pb_jw_int(w, "errored_repetitions", vr->reps_errored);
    pb_jw_obj_begin(w, "histogram_samples");
    for (unsigned m = 0; m < pb_vreg_n_metrics(vr); m++)
        pb_jw_int(w, pb_vreg_metric_name(vr, m),
                  vr->merged[m] ? (long long)vr->merged[m]->count : 0);
    pb_jw_obj_end(w);
    pb_jw_int(w, "histogram_calls", vr->merged_calls);
    pb_jw_int(w, "iterations_per_repetition", (long long)vr->merged_iters);
    pb_jw_int(w, "operations_per_sample", vr->v->batch > 1 ? vr->v->batch : 1);
    pb_jw_str(w, "zero_tally", vr->v->zero_tally);
    pb_jw_str(w, "zero_means", vr->v->zero_tally ? vr->v->zero_means : NULL);
    record_matrix_decl(w, R, vr);
    record_counters(w, vr);
    pb_jw_obj_end(w);
}

/* What the plots of a family need from its table: its metrics and what to draw them as. */
static void record_families(struct pb_jw *w, const struct pb_runner *R)
{
    pb_jw_arr_begin(w, "families");
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_family *f = R->vr[i].fam;
        if (i > 0 && R->vr[i - 1].fam == f)
            continue;
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "name", f->name);
        pb_jw_str(w, "question", f->question);
        pb_jw_str(w, "plot_metric", f->n_pairs ? f->pairs[0].metric : "real_time_ns");
        pb_jw_arr_begin(w, "metrics");
        for (size_t k = 0; k < f->n_metrics; k++)
            pb_jw_str(w, NULL, f->metrics[k]);
        pb_jw_arr_end(w);
        pb_jw_str(w, "grid_metric", f->grid_metric);
        pb_jw_str(w, "hist_metric", f->hist_metric);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
}

static const struct pb_sched_pair *record_sched_pair(const struct pb_sched *S,
                                                     const struct pb_pair_decl *d)
{
    for (size_t i = 0; i < S->n_pairs; i++)
        if (S->pairs[i].decl == d)
            return &S->pairs[i];
    return NULL;
}

static void record_blocks(struct pb_jw *w, const struct pb_block *bl, size_t n)
{
    pb_jw_obj_begin(w, "blocks");
    char *side = pb_xcalloc(n + 1, 1, "block sides"), *phase = pb_xcalloc(n + 1, 1, "block phases");
    for (size_t k = 0; k < n; k++) {
        side[k] = bl[k].side == PB_SIDE_BASELINE ? 'A' : 'B';
        phase[k] = bl[k].phase == PB_PHASE_PILOT ? 'P' : 'M';
    }
    pb_jw_str(w, "side", side);
    pb_jw_str(w, "phase", phase);
    free(side);
    free(phase);
    pb_jw_arr_begin(w, "t_s");
    for (size_t k = 0; k < n; k++)
        pb_jw_num(w, NULL, bl[k].t_s);
    pb_jw_arr_end(w);
    pb_jw_arr_begin(w, "value");
    for (size_t k = 0; k < n; k++)
        pb_jw_num(w, NULL, bl[k].value);
    pb_jw_arr_end(w);
    pb_jw_obj_end(w);
}

static bool record_ran(const struct pb_vreg *v)
{
    /* a variant whose calibration failed has no blocks, but is invalid with a reason */
    return v->reps_reported || v->reps_errored || v->invalid_reason[0] ||
           (v->skip_reason[0] && !v->deselected);
}

/* One declared pair whose two sides were selected: what the scheduler ran for it, or why
 * nothing ran (a verdict a reader cannot recompute, so it is recorded). */
static void record_pair(struct pb_jw *w, const struct pb_family *f, const struct pb_pair_decl *d,
                        const struct pb_vreg *b, const struct pb_vreg *v, const struct pb_sched *S,
                        double precision_pct)
{
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "experiment", f->name);
    pb_jw_str(w, "baseline", d->baseline);
    pb_jw_str(w, "variant", d->control ? v->name + strlen(f->name) + 1 : d->variant);
    pb_jw_str(w, "metric", d->metric);
    pb_jw_bool(w, "headline", d->headline);
    pb_jw_bool(w, "control", d->control);
    pb_jw_num(w, "precision_target_pct", precision_pct);
    const struct pb_vreg *skip = b->skip_reason[0] ? b : v->skip_reason[0] ? v : NULL;
    const struct pb_vreg *bad = b->invalid_reason[0] ? b : v->invalid_reason[0] ? v : NULL;
    const struct pb_sched_pair *sp = record_sched_pair(S, d);
    char note[300];
    if (skip || bad) {
        snprintf(note, sizeof note, "%s: %s", (skip ? skip : bad)->v->name,
                 skip ? skip->skip_reason : bad->invalid_reason);
        pb_jw_str(w, "verdict", skip ? "skipped" : "invalid");
        pb_jw_str(w, "note", note);
    } else if (!sp || !sp->n_blocks) {
        pb_jw_str(w, "verdict", "no data");
        pb_jw_str(w, "note", "the pair's blocks did not run");
    } else {
        pb_jw_int(w, "quartets_planned", (long long)sp->planned);
        pb_jw_num(w, "quartets_needed", sp->needed);
        pb_jw_int(w, "quartets_topup_asked", (long long)sp->topup_asked);
        pb_jw_int(w, "quartets_topup", (long long)sp->topup);
        pb_jw_num(w, "quartet_s", sp->quartet_s); /* its four blocks' wall time here */
        pb_jw_str(w, "stop", sp->stop[0] ? sp->stop : NULL);
        record_blocks(w, sp->blocks, sp->n_blocks);
    }
    pb_jw_obj_end(w);
}

static void record_pairs(struct pb_jw *w, struct pb_runner *R, const struct pb_sched *S,
                         double precision_pct)
{
    pb_jw_arr_begin(w, "pairs");
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_family *f = R->vr[i].fam;
        if (i > 0 && R->vr[i - 1].fam == f)
            continue;
        for (size_t j = 0; j < f->n_pairs; j++) {
            struct pb_vreg *b, *v;
            pb_runner_pair_vregs(R, f, &f->pairs[j], &b, &v);
            if (record_ran(b) && record_ran(v)) /* else filtered out */
                record_pair(w, f, &f->pairs[j], b, v, S, precision_pct);
        }
    }
    pb_jw_arr_end(w);
}

/* `key`: [{variant, reason}] for every variant whose reason field (at `off`) is set. */
static void record_reasons(struct pb_jw *w, const char *key, const struct pb_runner *R, size_t off)
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

static void record_run(struct pb_jw *w, const struct pb_runner *R, const struct pb_env *env,
                       const struct pb_run_meta *meta)
{
    bool valid = true;
    for (size_t i = 0; i < R->n; i++)
        valid &= R->vr[i].invalid_reason[0] == '\0';
    pb_jw_obj_begin(w, "run");
    pb_jw_str(w, "host", pb_env_value(env, "hostname"));
    pb_jw_str(w, "started_utc", meta->started_utc);
    pb_jw_str(w, "profile", meta->profile);
    pb_jw_str(w, "label", meta->label);
    pb_jw_str(w, "cpus", meta->cpus);
    pb_jw_str(w, "command_line", meta->command_line);
    pb_jw_int(w, "repetitions", meta->repetitions); /* blocks a side at least */
    pb_jw_num(w, "min_time_s", meta->min_time_s);   /* one block's time */
    pb_jw_num(w, "budget_s", meta->budget_s);
    pb_jw_num(w, "precision_target_pct", meta->precision_pct);
    pb_jw_num(w, "measured_s", meta->measured_s);
    pb_jw_int(w, "blocks_run", (long long)meta->blocks_run);
    pb_jw_int(w, "warmup_blocks_run", (long long)meta->warmups_run);
    /* the box ran slower than its pilot said: the main quartets stopped at 1.25x the budget,
     * and pairs short of their plan say so in their stop reason */
    pb_jw_bool(w, "overrun", meta->overrun);
    pb_jw_str(w, "build_type", pb_env_build_type());
    pb_jw_str(w, "git_commit", pb_env_value(env, "git_commit"));
    pb_jw_bool(w, "valid", valid);
    int stop = pb_runner_stop_signal();
    if (meta->stop_recorded)
        *meta->stop_recorded = stop;
    pb_jw_bool(w, "partial", stop != 0);
    pb_jw_str(w, "stopped_by",
              stop == SIGINT    ? "SIGINT"
              : stop == SIGTERM ? "SIGTERM"
              : stop            ? "a signal"
                                : NULL);
    pb_jw_obj_end(w);
}

static void record_pmu(struct pb_jw *w, const struct pb_runner *R)
{
    pb_jw_arr_begin(w, "counters");
    for (size_t i = 0; R->pmu && i < R->pmu->n; i++) {
        const struct pb_pmu_event *e = &R->pmu->ev[i];
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "counter", e->key);
        pb_jw_str(w, "event", e->name);
        pb_jw_bool(w, "available", e->available);
        pb_jw_str(w, "privilege", e->available ? pb_pmu_plm_name(e->plm) : NULL);
        pb_jw_str(w, "event_string", e->fstr);
        pb_jw_str(w, "reason", e->available ? NULL : e->reason);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
}

/* The "warnings" array of the run's own warnings, into an open JSON object. */
static void record_warnings(struct pb_jw *w, const struct pb_env *e)
{
    pb_jw_arr_begin(w, "warnings");
    for (size_t i = 0; i < e->n_warnings; i++)
        pb_jw_str(w, NULL, e->warnings[i]);
    pb_jw_arr_end(w);
}

int pb_record_env_json(const struct pb_env *e, FILE *f)
{
    struct pb_jw w;
    pb_jw_init(&w, f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "schema", "pinbench-env-1");
    for (size_t i = 0; i < e->n; i++)
        pb_jw_str(&w, e->kv[i].key, e->kv[i].value);
    record_warnings(&w, e);
    pb_jw_obj_end(&w);
    return pb_jw_finish(&w);
}

static int record_env(struct pb_results *res, struct pb_env *env)
{
    FILE *f = pb_results_open(res, "env.json");
    if (!f)
        return -1;
    if (pb_record_env_json(env, f) < 0) {
        fclose(f);
        return -1;
    }
    return pb_results_close(f, "env.json");
}

int pb_record_write(struct pb_results *res, struct pb_runner *R, const struct pb_sched *S,
                    struct pb_env *env, const struct pb_overheads *ov,
                    const struct pb_run_meta *meta)
{
    for (size_t i = 0; i < R->n; i++)
        if (R->vr[i].reps_reported &&
            (record_hist_files(res, &R->vr[i]) < 0 || record_thread_series(res, &R->vr[i]) < 0 ||
             record_matrix(res, R, &R->vr[i]) < 0))
            return -1;
    if (record_env(res, env) < 0)
        return -1;
    /* run.json last: its manifest covers every file written before it */
    FILE *f = pb_results_open(res, "run.json");
    if (!f)
        return -1;
    struct pb_jw w;
    pb_jw_init(&w, f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "schema", "pinbench-run-1");
    record_run(&w, R, env, meta);
    record_overheads(&w, ov);
    record_pmu(&w, R);
    record_families(&w, R);
    record_pairs(&w, R, S, meta->precision_pct);
    pb_jw_arr_begin(&w, "variants");
    for (size_t i = 0; i < R->n; i++)
        if ((R->vr[i].skip_reason[0] && !R->vr[i].deselected) || R->vr[i].reps_reported ||
            R->vr[i].reps_errored)
            record_variant(&w, R, &R->vr[i]);
    pb_jw_arr_end(&w);
    record_reasons(&w, "skipped", R, offsetof(struct pb_vreg, skip_reason));
    record_reasons(&w, "invalid", R, offsetof(struct pb_vreg, invalid_reason));
    record_warnings(&w, env);
    int mrc = pb_results_manifest_json(&w, res->tmp_fd);
    pb_jw_obj_end(&w);
    if (pb_jw_finish(&w) < 0 || mrc < 0) {
        fclose(f);
        return -1;
    }
    return pb_results_close(f, "run.json");
}
