/* pairs: the statistics of a pair measured in paired blocks, from the blocks alone.
 *
 * A pair's baseline (A) and variant (B) run in adjacent blocks, four at a time in the order
 * A B B A, then B A A B (quartets): a drift that is linear over the quartet adds the same to
 * both sides, and so, over the alternation, does the cost of changing variants.
 * Each quartet gives one paired log-ratio, ln((B1 + B2) / (A1 + A2)), and one paired
 * difference, ((B1 + B2) - (A1 + A2)) / 2, of the pair's metric.
 *
 * The stopping rule looks twice, each time at the spread only. Pilot quartets estimate the
 * spread of the log-ratios; pb_pairs_plan turns that into the number of main quartets that,
 * with the pilot's, are expected to reach the precision target (capped by the pair's share of
 * the time budget). After them pb_pairs_replan looks at the CI's width over all quartets so far
 * and asks for the top-up quartets that should bring it to the target, from what the budget
 * has left. The CI comes from all quartets together. The first look alone is Stein's two-stage
 * procedure: the number of main quartets depends on the pilot only through its spread, and
 * the spread of a sample from a distribution symmetric about its centre says nothing about
 * where the centre lies. The second look decides from the width of the very interval it then
 * extends, and a pair whose interval happened to be narrow stops with an interval too narrow
 * for its true spread: at a 95 % level the procedure covers 93.5-96 % in the simulation (the
 * least for pairs that need many quartets). The interval is therefore taken at
 * PB_PAIRS_CI_LEVEL, 95.5 %, which keeps the procedure's coverage within 94.5-96 % in every
 * simulated scenario but one known to be conservative. The simulation in the tests checks
 * this, and also that optional stopping after every quartet undercovers.
 *
 * The ratio is exp of the Hodges-Lehmann estimate of the log-ratios' centre, its CI the
 * signed-rank (Walsh average) interval, the test the Wilcoxon signed-rank test of centre 0: all
 * distribution-free for a distribution symmetric about its centre, which the quartet log-ratio
 * is whenever both sides' blocks have the same shape of noise (any shape, outliers included)
 * and differ by a factor. The same holds for the differences (DIFF claims).
 *
 * Everything here is pure: the run and `pinbench report DIR` both call it on the blocks that
 * summary.json holds, so a folder's pair statistics can always be recomputed from it. */
#ifndef PB_PAIRS_H
#define PB_PAIRS_H

#include <stdbool.h>
#include <stddef.h>

#define PB_PAIRS_PRECISION_PCT 5.0 /* default half-width target of the ratio's CI */
#define PB_PAIRS_PILOT_QUARTETS 8  /* pilot quartets per pair */
#define PB_PAIRS_MIN_CI_QUARTETS 6 /* the fewest for which a 95.5 % signed-rank interval exists */
/* The fewest main quartets the scheduler plans. With the pilot's 8 the CI has at least 12, and
 * the smallest possible p is 2/4096: with 6 in all it would be 2/64 = 0.031, which the
 * Benjamini-Hochberg step over a run's 70-odd pairs lifts above 0.05 even for a pair whose every
 * quartet points the same way. */
#define PB_PAIRS_PLAN_MIN_QUARTETS 4
/* The nominal level of the pair's signed-rank interval: 95.5 %, so that the procedure with its
 * two looks covers 95 % (see above; the attained level of each interval, a little above it
 * for few quartets, is stored with it). */
#define PB_PAIRS_CI_LEVEL 0.955
/* The second look plans for this many times the quartets that the CI's width so far says are
 * needed: at 1.2 the simulation reaches the target in 92-100 % of pairs with enough budget,
 * against 80-98 % for the first look alone planned at 1.5 times the pilot's variance, with
 * about the same quartets in all. */
#define PB_PAIRS_REPLAN_INFLATION 1.2

enum pb_side { PB_SIDE_BASELINE = 0, PB_SIDE_VARIANT = 1 };
enum pb_phase { PB_PHASE_PILOT = 0, PB_PHASE_MAIN = 1 };

struct pb_block {
    double t_s;   /* start, seconds since the run began */
    double value; /* the pair's metric in this block */
    enum pb_side side;
    enum pb_phase phase;
};

struct pb_pair_stat {
    size_t n_quartets;                /* main quartets with a usable log-ratio */
    size_t n_pilot;                   /* pilot quartets with one */
    size_t n_ci;                      /* both: the quartets the estimates and the CI use */
    double ratio, ci_low, ci_high;    /* exp(HL) of the log-ratios and its CI */
    double coverage;                  /* the CI's exact attained level (>= PB_PAIRS_CI_LEVEL) */
    double diff, diff_low, diff_high; /* HL of the differences (metric units) */
    double p_value;                   /* Wilcoxon signed-rank, two-sided, on the log-ratios */
    bool exact;                       /* p from the exact null distribution */
    double half_width_pct;            /* (ci_high - ci_low) / 2 / ratio x 100 */
    double pilot_sd;                  /* standard deviation of the pilot log-ratios */
    double main_sd;                   /* of the main log-ratios */
};

/* The quartets of `blocks` (in run order: consecutive groups of four of one phase, two of
 * each side) as log-ratios and differences of `phase`. Returns how many were written to lr[]
 * and diff[] (each at least n / 4 long; either may be NULL). Quartets with a non-positive side
 * sum have no log-ratio and are left out of both. */
size_t pb_pairs_quartets(const struct pb_block *blocks, size_t n, enum pb_phase phase, double *lr,
                         double *diff);

/* The pair's statistics from its blocks, pilot and main quartets together. Returns 0, or -1
 * when fewer than PB_PAIRS_MIN_CI_QUARTETS quartets exist (ratio and diff are still the estimates
 * when there are two or more; the CI and p are NAN). `*st` is always fully set. */
int pb_pairs_stat(const struct pb_block *blocks, size_t n, struct pb_pair_stat *st);

/* Main quartets that a log-ratio spread `sd` needs for a mean CI half-width of `target_pct`:
 * the smallest n with (2.006 + 2.7 / n) sd / sqrt(n) <= ln(1 + target), the signed-rank
 * interval's width for near-normal data (1.96 sqrt(pi / 3): efficiency 3 / pi against the t
 * interval, widened for small n). At least 1. */
double pb_pairs_quartets_for(double sd, double target_pct);

/* The stopping rule's first decision: how many main quartets to run after `n_pilot` pilot
 * log-ratios so that pilot and main together are expected to reach `target_pct` (planned from
 * the pilot's standard deviation as it is: the second look mends a pilot that underestimated
 * it); at most `max_quartets` (the pair's budget share) and at least `min_quartets`. Pure: the
 * simulation in the tests runs exactly this. */
size_t pb_pairs_plan(const double *pilot_lr, size_t n_pilot, double target_pct, size_t min_quartets,
                     size_t max_quartets);

/* The stopping rule's second decision, after the main quartets: the top-up quartets that
 * should bring the CI of `st` (all n quartets so far) to `target_pct`: the quartets in all
 * that the half-width says are needed, n (hw / target)^2, times PB_PAIRS_REPLAN_INFLATION, less
 * the n run, rounded up to even; 0 when the target is reached or there is no CI. The caller
 * caps it by the budget left. */
size_t pb_pairs_replan(const struct pb_pair_stat *st, double target_pct);

/* The quartets in all that the CI of `st` says would reach `target_pct` at its spread:
 * n (hw / target)^2, not rounded (NAN without a CI). */
double pb_pairs_quartets_at(const struct pb_pair_stat *st, double target_pct);

/* The order of a pair's quartet k: A B B A for even k, B A A B for odd. A B B A alone cancels a
 * linear drift but not the cost of a change of variant: the first block after one (the cache,
 * the branch predictors and the scheduler still hold the previous variant's state) is slower,
 * and A B B A changes into A twice and into B once. Alternating makes the quartet log-ratios a
 * mixture of two shifts of opposite sign, still symmetric about the true ratio. */
void pb_pairs_quartet_order(size_t k, enum pb_side out[4]);

/* Benjamini-Hochberg q-values over the pairs that have a p-value (controls excluded by the
 * caller): see pb_stats_bh. */
void pb_pairs_fdr(const double *p, size_t n, double *q);

/* The verdict for a pair: "faster"/"slower" (time metrics; "lower"/"higher" otherwise) when
 * q < PB_ALPHA and the CI excludes 1; "equivalent" when not, and the whole CI lies within
 * ±equiv_pct of 1 (no difference larger than that); "inconclusive" otherwise (the CI is too
 * wide to say either); "too few blocks" without a CI. */
const char *pb_pairs_verdict(const struct pb_pair_stat *st, double q, bool time_metric,
                             double equiv_pct);

#endif
