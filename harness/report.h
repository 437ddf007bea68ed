/* report: from a run's blocks to pairs, verdicts and files.
 *
 * A pair within a run compares a variant against its baseline on one metric from its paired
 * blocks (pairs.h: Hodges-Lehmann ratio, signed-rank CI, Wilcoxon p), and its verdict comes
 * after the Benjamini-Hochberg step over all of the run's pairs (pb_report_pairs_decide).
 * Between two folders, where no blocks are paired, pb_report_pair_stats compares two samples
 * of repetitions: ratio of medians, 95 % percentile-bootstrap CI, two-sided Mann-Whitney U
 * test, and "too few repetitions" under 3 a side. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pairs.h"
#include "runner.h"
#include "schedule.h"
#include "stats.h"

struct pb_pair_result {
    const char *experiment, *baseline, *variant, *metric;
    double base_median, var_median;
    double ratio, ci_low, ci_high, p_value;
    enum pb_mwu_method method;
    size_t n_base, n_var; /* main-phase blocks a side */
    bool headline, control;
    double q_value; /* Benjamini-Hochberg over the run's non-control pairs with a p */
    size_t n_tests; /* how many p-values the q was adjusted over */
    double precision_pct;
    size_t planned;                /* main quartets the plan gave */
    double needed;                 /* main quartets the pilot asked for */
    double quartet_s;              /* its four blocks' wall time here, overheads included */
    char stop[240];                /* the scheduler's stopping reason */
    const struct pb_block *blocks; /* in run order (owned by the scheduler or the reader) */
    size_t n_blocks;
    struct pb_pair_stat st;
    char verdict[48];
    char note[300];
    /* Counters per operation on both sides (medians over repetitions): what pinning changed in
     * the kernel's and the CPU's own accounting. */
    struct pb_counter_delta {
        char counter[80];
        double baseline, variant;
    } deltas[PB_PMU_MAX + 1];
    size_t n_deltas;
};

/* Computes every declared pair whose two variants were selected, from the blocks the scheduler
 * ran. Caller frees *out (the blocks stay the scheduler's). */
size_t pb_report_pairs(struct pb_runner *R, const struct pb_sched *S,
                       const struct pb_sched_opts *so, struct pb_pair_result **out);
/* The one place a pair's statistics come from: its blocks (pb_pairs_stat), then the verdicts
 * of all of a run's pairs together (BH q over the non-control pairs). Used by the run and by
 * the readers of a results folder alike. */
void pb_report_pair_finish(struct pb_pair_result *p, const struct pb_block *blocks, size_t n);
void pb_report_pairs_decide(struct pb_pair_result *res, size_t n, double equiv_pct);
/* Computes one pair from two samples (the pure core of the above; used by tests). */
void pb_report_pair_stats(const double *base, size_t nb, const double *var, size_t nv,
                          const char *metric, struct pb_pair_result *p);
/* The unit a metric's name ends in: "ns" (_ns), "KiB" (_kib), "ratio", "per op", "per s", else
 * "count"; and whether it is a time. */
const char *pb_report_metric_unit(const char *m);
bool pb_report_metric_is_time(const char *m);
/* Formats a value of `metric` with its unit ("25.3 us", "1.04 x", "12 KiB"). */
const char *pb_report_fmt(const char *metric, double v, char *buf, size_t len);
/* Prints the pair table. */
void pb_report_print_pairs(FILE *f, const struct pb_pair_result *p, size_t n);

struct pb_results;
struct pb_env;
struct pb_overheads;
struct pb_run_meta {
    const char *profile, *label, *cpus, *command_line, *started_utc;
    int repetitions;   /* blocks a side at least */
    double min_time_s; /* one block's time */
    /* set by pb_report_write: the stop signal as summary.json records it (0: none). The folder
     * is partial exactly when this is set; a signal after it finds the results complete. */
    int *stop_recorded;
    double budget_s, precision_pct; /* the scheduler's budget and CI half-width target */
    double measured_s;              /* what the blocks took, calibration included */
    size_t blocks_run;
};
/* Writes summary.json, env.json, hist/ CSVs and the plot data into the results folder, and
 * runs gnuplot (a missing gnuplot becomes a warning). Returns 0 or -1 with pb_err(). */
int pb_report_write(struct pb_results *res, struct pb_runner *R, const struct pb_pair_result *pairs,
                    size_t n_pairs, struct pb_env *env, const struct pb_overheads *ov,
                    const struct pb_run_meta *meta);

#endif
