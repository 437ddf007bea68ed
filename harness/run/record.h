/* record: a run's raw data into its results folder (hist/ CSVs, env.json, run.json with the
 * manifest). Everything after the run — summary.json, plots, report.md, index.html, compare,
 * regress, export — reads the folder, never the runner (report.h). */
#ifndef PB_RECORD_H
#define PB_RECORD_H

#include <stddef.h>
#include <stdio.h>

#include "run/runner.h"
#include "run/schedule.h"

struct pb_results;
struct pb_env;
struct pb_overheads;
struct pb_run_meta {
    const char *profile, *label, *cpus, *command_line, *started_utc;
    int repetitions;   /* blocks a side at least */
    double min_time_s; /* one block's time */
    /* set by pb_record_write: the stop signal as run.json records it (0: none). The folder is
     * partial exactly when this is set; a signal after it finds the results complete. */
    int *stop_recorded;
    double budget_s, precision_pct; /* the scheduler's budget and CI half-width target */
    double measured_s;              /* what the blocks took, calibration included */
    size_t blocks_run;
    size_t warmups_run; /* unrecorded blocks opening a quartet (see schedule.c) */
    bool overrun;       /* the main quartets were cut at PB_SCHED_OVERRUN x the budget */
};

/* env.json's content: {"schema", every key, "warnings": [...]} (also `pinbench env --json`).
 * 0, or -1 with pb_err(). */
int pb_record_env_json(const struct pb_env *e, FILE *f);

/* Writes hist/ (histograms, percentiles, matrices, thread counts), env.json and run.json (the
 * variants, their plans and counter totals, every selected pair's blocks, the plot hints of the
 * families that ran, the run's warnings, and last the manifest over the rest). 0, or -1 with
 * pb_err(). */
int pb_record_write(struct pb_results *res, struct pb_runner *R, const struct pb_sched *S,
                    struct pb_env *env, const struct pb_overheads *ov,
                    const struct pb_run_meta *meta);

#endif
