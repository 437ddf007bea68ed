/* stats: median, MAD, quantiles, bootstrap CI of a ratio of medians, Mann-Whitney U. */
#include "stats/stats.h"

#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double *stats_sorted_copy(const double *x, size_t n)
{
    double *c = pb_xcalloc(n, sizeof *c, "a sorted sample");
    memcpy(c, x, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    return c;
}

static double stats_median_sorted(const double *s, size_t n)
{
    return (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double pb_stats_median(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = stats_sorted_copy(x, n);
    double m = stats_median_sorted(s, n);
    free(s);
    return m;
}

double pb_stats_mad(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double m = pb_stats_median(x, n);
    double *d = pb_xcalloc(n, sizeof *d, "deviations");
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(x[i] - m);
    double mad = pb_stats_median(d, n);
    free(d);
    return mad;
}

double pb_stats_quantile(const double *x, size_t n, double q)
{
    if (n == 0)
        return NAN;
    if (q < 0)
        q = 0;
    if (q > 1)
        q = 1;
    double *s = stats_sorted_copy(x, n);
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double v = s[lo] + (h - (double)lo) * (s[hi] - s[lo]);
    free(s);
    return v;
}

double pb_stats_mean(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    return sum / (double)n;
}

double pb_stats_stddev(const double *x, size_t n)
{
    if (n < 2)
        return 0.0;
    double m = pb_stats_mean(x, n), ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    return sqrt(ss / (double)(n - 1));
}

double pb_stats_cv(const double *x, size_t n)
{
    double m = pb_stats_mean(x, n);
    if (n == 0 || m == 0)
        return NAN;
    return pb_stats_stddev(x, n) / fabs(m);
}

uint64_t pb_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double pb_rng_uniform(uint64_t *state)
{
    return ((double)(pb_rng_next(state) >> 11) + 0.5) / 9007199254740992.0; /* 2^53 */
}

double pb_rng_normal(uint64_t *state)
{
    double u = pb_rng_uniform(state), v = pb_rng_uniform(state);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* A resampled median without sorting each resample: the sample is sorted once, each draw
 * counts a hit on the drawn element's rank, and the median is found by walking the counts.
 * O(n) per round instead of O(n log n), and the same value a sort of the resample gives (the
 * same multiset has the same median), from the same random stream. */
struct stats_boot {
    size_t n;
    double *sorted;  /* the sample in order */
    size_t *rank;    /* rank of original element i in sorted */
    uint32_t *count; /* hits per rank in the current resample */
};

static const double *stats_boot_x; /* qsort has no context argument */

static int stats_cmp_index(const void *a, const void *b)
{
    double x = stats_boot_x[*(const size_t *)a], y = stats_boot_x[*(const size_t *)b];
    return (x > y) - (x < y);
}

static void stats_boot_init(struct stats_boot *b, const double *x, size_t n)
{
    b->n = n;
    b->sorted = pb_xcalloc(n, sizeof *b->sorted, "bootstrap sample");
    b->rank = pb_xcalloc(n, sizeof *b->rank, "bootstrap ranks");
    b->count = pb_xcalloc(n, sizeof *b->count, "bootstrap counts");
    size_t *order = pb_xcalloc(n, sizeof *order, "bootstrap order");
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    stats_boot_x = x;
    qsort(order, n, sizeof *order, stats_cmp_index);
    for (size_t r = 0; r < n; r++) {
        b->sorted[r] = x[order[r]];
        b->rank[order[r]] = r;
    }
    free(order);
}

static void stats_boot_free(struct stats_boot *b)
{
    free(b->sorted);
    free(b->rank);
    free(b->count);
}

static double stats_boot_median(struct stats_boot *b, uint64_t *rng)
{
    size_t n = b->n;
    memset(b->count, 0, n * sizeof *b->count);
    for (size_t i = 0; i < n; i++)
        b->count[b->rank[pb_rng_next(rng) % n]]++;
    /* the resample's elements at positions lo_k and hi_k (0-based) in sorted order */
    size_t hi_k = n / 2, lo_k = n % 2 ? hi_k : hi_k - 1, cum = 0;
    double lo_v = NAN;
    for (size_t r = 0; r < n; r++) {
        cum += b->count[r];
        if (isnan(lo_v) && cum > lo_k)
            lo_v = b->sorted[r];
        if (cum > hi_k)
            return (lo_v + b->sorted[r]) / 2.0;
    }
    return lo_v;
}

int pb_stats_ratio_ci(const double *base, size_t nb, const double *var, size_t nv, unsigned rounds,
                      uint64_t seed, double *ratio, double *lo, double *hi)
{
    *ratio = *lo = *hi = NAN;
    if (nb == 0 || nv == 0)
        return -1;
    double mb = pb_stats_median(base, nb);
    if (mb == 0)
        return -1;
    *ratio = pb_stats_median(var, nv) / mb;
    if (nb < PB_BOOT_MIN_N || nv < PB_BOOT_MIN_N || rounds < 100)
        return -1;
    double *r = pb_xcalloc(rounds, sizeof *r, "bootstrap ratios");
    struct stats_boot bb, bv;
    stats_boot_init(&bb, base, nb);
    stats_boot_init(&bv, var, nv);
    uint64_t rng = seed;
    unsigned k = 0;
    for (unsigned i = 0; i < rounds; i++) {
        double b = stats_boot_median(&bb, &rng);
        double v = stats_boot_median(&bv, &rng);
        if (b != 0)
            r[k++] = v / b;
    }
    stats_boot_free(&bb);
    stats_boot_free(&bv);
    if (k >= 100) {
        *lo = pb_stats_quantile(r, k, 0.025);
        *hi = pb_stats_quantile(r, k, 0.975);
    }
    free(r);
    return k >= 100 ? 0 : -1;
}

int pb_stats_median_ci(const double *x, size_t n, unsigned rounds, uint64_t seed, double *lo,
                       double *hi)
{
    *lo = *hi = NAN;
    if (n < PB_BOOT_MIN_N || rounds < 100)
        return -1;
    double *m = pb_xcalloc(rounds, sizeof *m, "bootstrap medians");
    struct stats_boot b;
    stats_boot_init(&b, x, n);
    uint64_t rng = seed;
    for (unsigned i = 0; i < rounds; i++)
        m[i] = stats_boot_median(&b, &rng);
    stats_boot_free(&b);
    *lo = pb_stats_quantile(m, rounds, 0.025);
    *hi = pb_stats_quantile(m, rounds, 0.975);
    free(m);
    return 0;
}

const char *pb_mwu_method_name(enum pb_mwu_method m)
{
    return m == PB_MWU_EXACT ? "exact" : "normal approximation, tie-corrected";
}

/* Number of arrangements of m x's and n y's with U_x = u, for all u, by the recurrence
 * c(m,n,u) = c(m-1,n,u-n) + c(m,n-1,u). Counts fit doubles exactly for m+n <= 50. */
static double *stats_mwu_counts(size_t m, size_t n)
{
    size_t umax = m * n;
    /* table[j][u] for the current i, rolled over i */
    double *prev = pb_xcalloc((n + 1) * (umax + 1), sizeof(double), "U table");
    double *cur = pb_xcalloc((n + 1) * (umax + 1), sizeof(double), "U table");
#define T(t, j, u) (t)[(j) * (umax + 1) + (u)]
    for (size_t j = 0; j <= n; j++)
        T(prev, j, 0) = 1; /* i = 0: only U = 0 */
    for (size_t i = 1; i <= m; i++) {
        memset(cur, 0, (n + 1) * (umax + 1) * sizeof(double));
        T(cur, 0, 0) = 1;
        for (size_t j = 1; j <= n; j++)
            for (size_t u = 0; u <= i * j; u++)
                T(cur, j, u) = (u >= j ? T(prev, j, u - j) : 0) + T(cur, j - 1, u);
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double *out = pb_xcalloc(umax + 1, sizeof(double), "U distribution");
    for (size_t u = 0; u <= umax; u++)
        out[u] = T(prev, n, u);
#undef T
    free(prev);
    free(cur);
    return out;
}

int pb_stats_mann_whitney(const double *x, size_t nx, const double *y, size_t ny,
                          struct pb_mwu *out)
{
    out->u_x = NAN;
    out->p_value = NAN;
    out->method = PB_MWU_NORMAL;
    if (nx == 0 || ny == 0)
        return -1;
    size_t N = nx + ny;
    struct item {
        double v;
        int is_x;
    } *all = pb_xcalloc(N, sizeof *all, "ranks");
    for (size_t i = 0; i < nx; i++)
        all[i] = (struct item){x[i], 1};
    for (size_t j = 0; j < ny; j++)
        all[nx + j] = (struct item){y[j], 0};
    /* insertion sort keeps it dependency-free; n is a handful of repetitions */
    for (size_t i = 1; i < N; i++) {
        struct item t = all[i];
        size_t k = i;
        while (k > 0 && all[k - 1].v > t.v) {
            all[k] = all[k - 1];
            k--;
        }
        all[k] = t;
    }
    double rank_sum_x = 0, tie_term = 0;
    int ties = 0;
    for (size_t i = 0; i < N;) {
        size_t j = i;
        while (j + 1 < N && all[j + 1].v == all[i].v)
            j++;
        double avg_rank = ((double)(i + 1) + (double)(j + 1)) / 2.0;
        double t = (double)(j - i + 1);
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        for (size_t k = i; k <= j; k++)
            if (all[k].is_x)
                rank_sum_x += avg_rank;
        i = j + 1;
    }
    free(all);
    double u = rank_sum_x - (double)nx * (double)(nx + 1) / 2.0;
    out->u_x = u;
    double mean = (double)nx * (double)ny / 2.0;

    if (!ties && nx <= 25 && ny <= 25) {
        double *c = stats_mwu_counts(nx, ny);
        size_t umax = nx * ny, ui = (size_t)llround(u);
        double total = 0, le = 0, ge = 0;
        for (size_t k = 0; k <= umax; k++) {
            total += c[k];
            if (k <= ui)
                le += c[k];
            if (k >= ui)
                ge += c[k];
        }
        free(c);
        double p = 2.0 * (le < ge ? le : ge) / total;
        out->p_value = p > 1 ? 1 : p;
        out->method = PB_MWU_EXACT;
        return 0;
    }
    double var = (double)nx * (double)ny / 12.0 *
                 ((double)(N + 1) - tie_term / ((double)N * (double)(N - 1)));
    if (var <= 0) { /* every value equal: no evidence of any difference */
        out->p_value = 1.0;
        return 0;
    }
    double d = fabs(u - mean) - 0.5;
    if (d < 0)
        d = 0;
    double z = d / sqrt(var);
    double p = erfc(z / sqrt(2.0));
    out->p_value = p > 1 ? 1 : p;
    return 0;
}

/* The null distribution of the signed-rank statistic T+ for n untied, nonzero differences:
 * counts[t] of the 2^n sign patterns with T+ = t, t = 0..n(n+1)/2, as doubles (integers up to
 * 2^53 exactly, beyond within a double's relative rounding, which is all a tail probability
 * needs). O(n^3) time: used up to PB_WSR_EXACT_MAX. */
static double *stats_wsr_counts(size_t n)
{
    size_t m = n * (n + 1) / 2;
    double *c = pb_xcalloc(m + 1, sizeof *c, "signed-rank distribution");
    c[0] = 1;
    for (size_t r = 1; r <= n; r++) /* add rank r: either its sign is + (shift by r) or not */
        for (size_t t = r * (r + 1) / 2; t >= r; t--)
            c[t] += c[t - r];
    return c;
}

/* P(T+ <= t) under the null, exactly for n <= PB_WSR_EXACT_MAX, else by the normal law with a
 * continuity correction. */
static double stats_wsr_cdf(size_t n, double t, const double *counts)
{
    if (t < 0)
        return 0;
    if (counts) {
        double total = ldexp(1.0, (int)n), s = 0;
        for (size_t k = 0; k <= (size_t)t && k <= n * (n + 1) / 2; k++)
            s += counts[k];
        return s / total;
    }
    double mean = (double)n * (double)(n + 1) / 4.0;
    double sd = sqrt((double)n * (double)(n + 1) * (double)(2 * n + 1) / 24.0);
    return 0.5 * erfc(-(t + 0.5 - mean) / (sd * sqrt(2.0)));
}

int pb_stats_signed_rank(const double *d, size_t n, struct pb_wsr *out)
{
    out->n = 0;
    out->t_plus = NAN;
    out->p_value = NAN;
    out->exact = false;
    double *a = pb_xcalloc(n ? n : 1, sizeof *a, "signed ranks");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0 && isfinite(d[i])) /* zeros carry no sign: dropped (Wilcoxon's rule) */
            a[m++] = d[i];
    out->n = m;
    if (m == 0) {
        free(a);
        return -1;
    }
    double *abs_sorted = pb_xcalloc(m, sizeof *abs_sorted, "signed ranks");
    for (size_t i = 0; i < m; i++)
        abs_sorted[i] = fabs(a[i]);
    qsort(abs_sorted, m, sizeof *abs_sorted, cmp_double);
    double t_plus = 0, tie_term = 0;
    bool ties = false;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && abs_sorted[j + 1] == abs_sorted[i])
            j++;
        double avg_rank = ((double)(i + 1) + (double)(j + 1)) / 2.0, t = (double)(j - i + 1);
        if (t > 1) {
            ties = true;
            tie_term += t * t * t - t;
        }
        for (size_t k = 0; k < m; k++)
            if (a[k] > 0 && fabs(a[k]) == abs_sorted[i])
                t_plus += avg_rank;
        i = j + 1;
    }
    free(abs_sorted);
    free(a);
    out->t_plus = t_plus;
    double mean = (double)m * (double)(m + 1) / 4.0;
    if (!ties && m <= PB_WSR_EXACT_MAX) {
        double *c = stats_wsr_counts(m);
        double lo = stats_wsr_cdf(m, t_plus, c);
        double hi = 1.0 - stats_wsr_cdf(m, t_plus - 1, c);
        free(c);
        double p = 2.0 * (lo < hi ? lo : hi);
        out->p_value = p > 1 ? 1 : p;
        out->exact = true;
        return 0;
    }
    double var = (double)m * (double)(m + 1) * (double)(2 * m + 1) / 24.0 - tie_term / 48.0;
    if (var <= 0) {
        out->p_value = 1.0;
        return 0;
    }
    double z = fabs(t_plus - mean) - 0.5;
    if (z < 0)
        z = 0;
    double p = erfc(z / sqrt(var) / sqrt(2.0));
    out->p_value = p > 1 ? 1 : p;
    return 0;
}

int pb_stats_hodges_lehmann(const double *d, size_t n, double level, double *est, double *lo,
                            double *hi, double *coverage)
{
    *est = *lo = *hi = *coverage = NAN;
    if (n < 2)
        return -1;
    size_t m = n * (n + 1) / 2;
    double *w = pb_xcalloc(m, sizeof *w, "Walsh averages");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++)
            w[k++] = (d[i] + d[j]) / 2.0;
    qsort(w, m, sizeof *w, cmp_double);
    *est = stats_median_sorted(w, m);
    /* [W_(c), W_(m+1-c)] covers the centre of a symmetric distribution with probability
     * 1 - 2 P(T+ <= c - 1): c is the largest with that at least `level` (the usual exact
     * interval; its attained level is returned, a little above `level` for small n) */
    double *counts = n <= PB_WSR_EXACT_MAX ? stats_wsr_counts(n) : NULL;
    size_t c = 0;
    while (c + 1 <= m / 2 && 1.0 - 2.0 * stats_wsr_cdf(n, (double)c, counts) >= level)
        c++;
    if (c == 0) { /* too few differences for any interval of that level */
        free(counts);
        free(w);
        return -1;
    }
    *coverage = 1.0 - 2.0 * stats_wsr_cdf(n, (double)(c - 1), counts);
    free(counts);
    *lo = w[c - 1];
    *hi = w[m - c];
    free(w);
    return 0;
}

int pb_stats_median_order_ci(const double *x, size_t n, double *lo, double *hi, double *coverage)
{
    *lo = *hi = *coverage = NAN;
    if (n < 6)
        return -1;
    double *s = stats_sorted_copy(x, n);
    /* [X_(j), X_(n+1-j)] covers the median with probability 1 - 2 P(Bin(n, 1/2) <= j - 1) */
    double cdf = 0, pk = ldexp(1.0, -(int)n); /* P(Bin = 0) */
    size_t j = 0;
    double best = NAN;
    for (size_t k = 0; k < n / 2; k++) {
        cdf += pk;
        if (1.0 - 2.0 * cdf < 0.95)
            break;
        j = k + 1;
        best = 1.0 - 2.0 * cdf;
        pk = pk * (double)(n - k) / (double)(k + 1);
    }
    if (j == 0) {
        free(s);
        return -1;
    }
    *lo = s[j - 1];
    *hi = s[n - j];
    *coverage = best;
    free(s);
    return 0;
}

void pb_stats_bh(const double *p, size_t n, double *q)
{
    if (n == 0)
        return;
    size_t *idx = pb_xcalloc(n, sizeof *idx, "BH order");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        q[i] = NAN;
        if (isfinite(p[i]))
            idx[m++] = i;
    }
    /* sort the finite p-values' indices by p (insertion: a run has a few hundred at most) */
    for (size_t i = 1; i < m; i++) {
        size_t t = idx[i], k = i;
        while (k > 0 && p[idx[k - 1]] > p[t]) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = t;
    }
    double run_min = 1.0;
    for (size_t r = m; r-- > 0;) {
        double v = p[idx[r]] * (double)m / (double)(r + 1);
        if (v < run_min)
            run_min = v;
        q[idx[r]] = run_min;
    }
    free(idx);
}
