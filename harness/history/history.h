/* history: the results store over time (store.h), its change points (stats/changepoint.h), the
 * CI gate on a history, and the detector's measured quality on synthetic histories.
 *
 * `pinbench history` subcommands: ingest, changes, show, boxes, compare, quality. */
#ifndef PB_HISTORY_H
#define PB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

struct pb_rset;
struct pb_thresholds;
struct pb_verdict;

/* `pinbench history ...`: argv[0] is "history". Exit status 0, 1 or 2. */
int pb_cmd_history(int argc, char **argv);

/* regress --history=DB: every quantity of `cur` (pair ratios; with !t->ratios_only, each
 * variant's median time per op too) against the current regime of its series on the same box
 * (the points since the series' last change point, the current run itself left out when it is
 * stored already). A regression is worse than the regime's median by more than the threshold,
 * and outside the regime's spread: the two-sided p of the prediction interval for one new point
 * below `alpha`. Heap array in *out, count in *n; `about` describes the history judged against.
 * 0, or -1 with pb_err(). */
int pb_history_judge(const char *db, const struct pb_rset *cur, const struct pb_thresholds *t,
                     double alpha, struct pb_verdict **out, size_t *n, char *about,
                     size_t about_len);

/* What the detector and a single-baseline gate find on synthetic histories. */
struct pb_quality_row {
    double cv_pct, step_pct; /* noise and step (0: A/A series) */
    size_t series;
    double detected_pct;      /* steps found within +-2 runs (NAN for A/A) */
    double exact_pct;         /* steps found at their exact run (NAN for A/A) */
    double mean_abs_err_runs; /* |found - true| over those found */
    double false_per_100;     /* alarms away from a step, per 100 series */
    double range_pct;  /* of steps with any change point, the nearest's range holds the step */
    double range_runs; /* and that range's mean width, in runs */
    double gate_detected_pct, gate_false_per_100; /* the same for the single-baseline gate */
    double oracle_pct; /* the step placed by the detector's rule, told there is exactly one
                          step (pb_cp_place_one), within +-2 runs: a reference that knows there
                          is one step and uses every run, which a detector can hardly beat */
};
struct pb_cp_opts;
/* Runs `series` histories of `points` runs for every noise level and step of the grid (CV 2, 5,
 * 10 %; steps 5, 10, 20 % and none), deterministic from `seed`, through the detector with `o`.
 * Heap array, count. */
size_t pb_history_quality(size_t series, size_t points, unsigned long long seed,
                          const struct pb_cp_opts *o, double gate_threshold_pct,
                          struct pb_quality_row **out);

#endif
