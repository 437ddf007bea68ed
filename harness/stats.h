/* stats: small pure functions over repetition samples. Medians and spreads are taken over
 * repetitions, never over iterations. Edge cases are part of each contract. */
#ifndef PB_STATS_H
#define PB_STATS_H

#include <stddef.h>
#include <stdint.h>

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
 * point estimate. Needs n >= 2 in each group (else lo = hi = NAN, returns -1); a zero baseline
 * median gives NAN everywhere and -1. */
int pb_stats_ratio_ci(const double *base, size_t nb, const double *var, size_t nv, unsigned rounds,
                      uint64_t seed, double *ratio, double *lo, double *hi);

/* Percentile bootstrap 95 % CI of the median of x (same generator and rules as above). */
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

/* splitmix64: the deterministic generator used by the bootstrap. */
uint64_t pb_rng_next(uint64_t *state);

#endif
