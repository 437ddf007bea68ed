/* stats: small pure functions over repetition samples. Medians and spreads are taken over
 * repetitions, never over iterations. Edge cases are part of each contract. */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The statistics' constants, one source each; summary.json publishes them as used (run.alpha,
 * run.bootstrap_rounds, run.bootstrap_seed). */
#define PB_ALPHA 0.05            /* every test's level: verdicts, changes, the paired CI's 95 % */
#define PB_BOOTSTRAP_ROUNDS 4000 /* resamples for every bootstrap interval */
#define PB_BOOTSTRAP_SEED 0x5eedULL /* their deterministic generator's seed */

/* Median; n == 0 gives NAN, n even averages the middle two. Does not modify x. */
double pb_stats_median(const double *x, size_t n);
/* Raw median absolute deviation, median(|x - median(x)|), not scaled by 1.4826. NAN if n == 0. */
double pb_stats_mad(const double *x, size_t n);
/* Sample quantile, q in [0, 1], linear interpolation between order statistics (Hyndman & Fan
 * type 7, R's default): h = (n-1)q. NAN if n == 0. */
double pb_stats_quantile(const double *x, size_t n, double q);
double pb_stats_mean(const double *x, size_t n);
/* Sample standard deviation with n-1; 0 for n < 2. */
double pb_stats_stddev(const double *x, size_t n);
/* Coefficient of variation stddev/mean; NAN when the mean is 0. */
double pb_stats_cv(const double *x, size_t n);

/* Percentile bootstrap 95 % CI of median(var)/median(base): each group is resampled with
 * replacement `rounds` times from a deterministic generator seeded with `seed`. *ratio is the
 * point estimate. Needs n >= PB_BOOT_MIN_N in each group (else lo = hi = NAN, returns -1): the
 * percentile bootstrap of a median from 3 values is in truth a 72-90 % interval, and from 4 an
 * 89 % one. Above, it is still approximate (about 93-95 % for a median of 5..12 normal values,
 * by simulation): an interval for comparing folders, not a guarantee. A zero baseline median
 * gives NAN everywhere and -1. */
#define PB_BOOT_MIN_N 5
int pb_stats_ratio_ci(const double *base, size_t nb, const double *var, size_t nv, unsigned rounds,
                      uint64_t seed, double *ratio, double *lo, double *hi);

/* Percentile bootstrap 95 % CI of the median of x (same generator and rules as above, n >=
 * PB_BOOT_MIN_N). pb_stats_median_order_ci is exact where n >= 6. */
int pb_stats_median_ci(const double *x, size_t n, unsigned rounds, uint64_t seed, double *lo,
                       double *hi);

enum pb_mwu_method { PB_MWU_EXACT, PB_MWU_NORMAL };
struct pb_mwu {
    double u_x;     /* U statistic of x: count of (x_i, y_j) pairs with x_i > y_j, ties 1/2 */
    double p_value; /* two-sided */
    enum pb_mwu_method method;
};
/* Mann-Whitney U test, two-sided. Exact null distribution when there are no ties and
 * nx, ny <= 25; otherwise the normal approximation with tie-corrected variance and a 0.5
 * continuity correction. Returns -1 (p = NAN) if either group is empty. */
int pb_stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                          struct pb_mwu *out);
const char *pb_mwu_method_name(enum pb_mwu_method m);

/* Wilcoxon signed-rank test of differences d against a centre of 0, two-sided. Zeros are
 * dropped; the null distribution is exact for up to PB_WSR_EXACT_MAX untied differences, else
 * the normal law with tie-corrected variance and a 0.5 continuity correction. Returns -1
 * (p = NAN) if no nonzero difference is left. */
#define PB_WSR_EXACT_MAX 60
struct pb_wsr {
    size_t n;       /* nonzero differences used */
    double t_plus;  /* sum of the ranks of |d| over positive d (ties: average ranks) */
    double p_value; /* two-sided */
    bool exact;
};
int pb_stats_signed_rank(const double *d, size_t n, struct pb_wsr *out);

/* Hodges-Lehmann estimate of the centre of symmetry of d (the median of the n(n+1)/2 Walsh
 * averages) and its distribution-free confidence interval, the Walsh averages at the signed-rank
 * critical ranks: the interval of at least `level` (e.g. 0.95) with the fewest averages left
 * out. *coverage is its exact attained level (normal approximation above PB_WSR_EXACT_MAX).
 * Valid for any continuous distribution symmetric about its centre, for a fixed n. Returns -1
 * with NAN bounds when n is too small for any interval of that level (n <= 5 at 95 % or 95.5 %;
 * *est is still set when n >= 2). */
int pb_stats_hodges_lehmann(const double *d, size_t n, double level, double *est, double *lo,
                            double *hi, double *coverage);

/* Distribution-free 95 % CI of the median from order statistics (binomial): the narrowest
 * [X_(j), X_(n+1-j)] of level >= 95 %, with its attained level. n >= 6, else -1 and NAN. */
int pb_stats_median_order_ci(const double *x, size_t n, double *lo, double *hi, double *coverage);

/* Benjamini-Hochberg adjusted p-values (q-values): q_i = min over ranks r >= rank(p_i) of
 * p_(r) m / r, capped at 1, over the m finite p-values; NAN stays NAN. Rejecting q < alpha
 * controls the false discovery rate at alpha for independent or positively dependent tests. */
void pb_stats_bh(const double *p, size_t n, double *q);

/* splitmix64: the deterministic generator used by the bootstrap. */
uint64_t pb_rng_next(uint64_t *state);
/* From the same generator: a uniform double in (0, 1), never 0 or 1 (53 bits, centred in each
 * step), and a standard normal (Box-Muller), for simulations. */
double pb_rng_uniform(uint64_t *state);
double pb_rng_normal(uint64_t *state);

#endif
