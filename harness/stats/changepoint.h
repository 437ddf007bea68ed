/* changepoint: where a series of runs changed regime, by E-Divisive means.
 *
 * A history point is one run's value of one series (a variant's median time per op, a pair's
 * ratio). Noise between runs is multiplicative, so the detector works on log values: a step of
 * +10 % is the same distance at 1 us and at 1 ms.
 *
 * The method (Matteson & James's E-Divisive, with the significance test of Apache Otava, formerly
 * Hunter): within a segment, the split that maximises the energy divergence between the points
 * before and after it is the candidate; it is kept when Student's two-sample t-test of the two
 * sides gives p below `p_max` (default 0.0004, where A/A histories of 60 runs raise fewer than
 * one false alarm per 100) and the medians differ by at least `min_change_pct`, and the two
 * sides are searched again. The divergence sees at most `window` points each side of a split, so
 * a long history's old regimes do not dilute a recent change. Then every kept change point is
 * tested again between its neighbours, the weakest failing one is dropped, until all pass. Last,
 * each is placed where the posterior probability of a single shift between its neighbours puts
 * the most within PB_CP_PLACE_RUNS runs (the divergence's best split says that the regime
 * changed, less well where), if the tests still pass there.
 *
 * The t-test at the best of many splits is not a test at a fixed split: its p-value is smaller
 * than the false-alarm rate it stands for. `pb_cp_detect` is therefore calibrated by
 * simulation, not by the nominal p (pinbench history quality measures detection, position error
 * and false alarms on synthetic histories, and the README states them). */
#ifndef PB_CHANGEPOINT_H
#define PB_CHANGEPOINT_H

#include <stddef.h>

struct pb_cp_opts {
    double p_max;          /* a change point's t-test p must be below this */
    double min_change_pct; /* and its medians differ by at least this many % (default 0) */
    size_t window;         /* points each side of a split the divergence looks at */
    size_t min_size;       /* fewest points in a regime (default 3, at least 2) */
    double exact_weight;   /* placing a change point: the weight of the posterior probability
                              at a run itself beside that within PB_CP_PLACE_RUNS of it */
};
#define PB_CP_DEFAULT_P 0.0004
#define PB_CP_DEFAULT_WINDOW 60
#define PB_CP_DEFAULT_MIN_SIZE 3
#define PB_CP_DEFAULT_EXACT_WEIGHT 0.1
/* The defaults above, and no minimum change. */
void pb_cp_opts_default(struct pb_cp_opts *o);

/* The share of posterior probability that a change point's range of places holds. */
#define PB_CP_RANGE_LEVEL 0.9
/* A change point is placed on the run with the most posterior probability within this many
 * runs of it (plus exact_weight times the probability at the run itself): the tolerance within
 * which a step counts as found in pinbench history quality, and a bisection's first window. */
#define PB_CP_PLACE_RUNS 2

struct pb_cp {
    size_t at; /* index of the first point of the new regime, as placed (PB_CP_PLACE_RUNS) */
    /* where the change may lie: the fewest consecutive places around `at` that hold
     * PB_CP_RANGE_LEVEL of the posterior probability of a single shift of the mean between the
     * neighbouring change points (log values, flat priors): at_lo <= at <= at_hi */
    size_t at_lo, at_hi;
    double before, after; /* medians of the regimes on either side (between change points) */
    double change_pct;    /* (after / before - 1) x 100 */
    double p;             /* t-test of the two regimes, on log values */
};

/* Change points of x[0..n) (all values > 0; a series with a value <= 0 or not finite is read
 * as given, not as logs), in order of `at`. Writes at most `cap`; returns how many there are. */
size_t pb_cp_detect(const double *x, size_t n, const struct pb_cp_opts *o, struct pb_cp *out,
                    size_t cap);

/* The between-regime sum of squares of a split of y[0..n) at each u in [1, n): m k / (m + k)
 * (mean before - mean after)^2 with m = u and k = n - u points a side, into ss[u] (ss[0] = 0).
 * Returns the total sum of squares about the mean, so that the split's residual sum of squares
 * is the total less ss[u]; a single shift's least-squares place is the u with the largest
 * ss[u]. y and ss must not overlap. */
double pb_cp_split_ss(const double *y, size_t n, double *ss);

/* Where the detector places the change of x[0..n), told there is exactly one (regimes of
 * `min_size` points at least): the same rule as pb_cp_detect's, over the whole series. 0 when
 * n < 2 min_size. */
size_t pb_cp_place_one(const double *x, size_t n, size_t min_size, double exact_weight);

/* Student's two-sample t-test, pooled variance, two-sided, of a[0..na) against b[0..nb). NAN when
 * na + nb < 3 or both samples have no spread. */
double pb_cp_ttest_p(const double *a, size_t na, const double *b, size_t nb);

/* The two-sided p of Student's t with `df` degrees of freedom. */
double pb_cp_student_p(double t, double df);

/* Whether one new point x belongs to the regime r[0..n): the two-sided p of the prediction
 * interval (x - mean) / (sd sqrt(1 + 1/n)) with n - 1 degrees of freedom, on log values. NAN
 * when n < 3. */
double pb_cp_point_p(const double *r, size_t n, double x);

#endif
