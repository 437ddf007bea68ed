/* report: from a results folder's record to pairs, verdicts and the derived files.
 *
 * A pair within a run compares a variant against its baseline on one metric from its paired
 * blocks (pairs.h: Hodges-Lehmann ratio, signed-rank CI, Wilcoxon p), and its verdict comes
 * after the Benjamini-Hochberg step over all of the run's pairs (pb_report_pairs_decide).
 * Between two folders, where no blocks are paired, pb_report_pair_stats compares two samples
 * of repetitions: ratio of medians, 95 % percentile-bootstrap CI, two-sided Mann-Whitney U
 * test, and "too few repetitions" under 3 a side.
 *
 * Everything here reads a results folder (rset.h), never the runner: the run only records
 * (record.h), and `pinbench report DIR` derives the same files from the folder alone. */
#ifndef PB_REPORT_H
#define PB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stats/pairs.h"
#include "stats/stats.h"

/* counter deltas a pair shows at most (one per perf counter, and ipc) */
#define PB_REPORT_MAX_DELTAS 17

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
    size_t topup_asked, topup;     /* top-up quartets the second look asked for, and got */
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
    } deltas[PB_REPORT_MAX_DELTAS];
    size_t n_deltas;
};

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
/* The pair table, each line fitted to the output's width (pb_out_width); `verbose` adds each
 * pair's counter deltas. */
void pb_report_print_pairs(FILE *f, const struct pb_pair_result *p, size_t n, bool verbose);

struct pb_rset;
struct pb_json;
/* A record's pair's paired blocks ("blocks": side and phase letters, t_s and value arrays) as
 * pb_block rows (heap, caller frees). 0 (n may be 0: a pair without blocks), or -1 with
 * pb_err() when they are malformed. */
int pb_report_pair_blocks(const struct pb_json *pair, struct pb_block **out, size_t *n);
/* Every pair a folder's record holds, in its order: statistics from its blocks
 * (pb_report_pair_finish), counter deltas from the folder's series, then the verdicts of all
 * together (pb_report_pairs_decide). The strings point into s: free the result
 * (pb_report_pairs_free) before s. */
struct pb_pair_result *pb_report_folder_pairs(const struct pb_rset *s, size_t *n);
void pb_report_pairs_free(struct pb_pair_result *res, size_t n);

/* Warnings that come from the data rather than the box (unstable variants, weak medians, batch
 * overheads, multiplexed counters, ...), derived from the folder: heap strings in *out (free
 * each and the array). */
size_t pb_report_data_warnings(const struct pb_rset *s, char ***out);

/* Derives every file of a results folder that is not its record: summary.json, the plot data
 * and plots (gnuplot; a missing gnuplot or a stop is a warning in summary.json, never an error),
 * report.md and index.html. `stopping` (NULL: never) ends gnuplot early when the run is being
 * stopped. For a legacy folder, whose summary.json is its record, only report.md and
 * index.html. *n_warnings (may be NULL): how many warnings the derived files list. 0, or -1
 * with pb_err(). */
int pb_report_derive(const struct pb_rset *s, bool (*stopping)(void), size_t *n_warnings);

#endif
