/* stats: median, MAD, quantiles, bootstrap CI of a ratio of medians, Mann-Whitney U. */
#include "stats.h"

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

static double stats_resampled_median(const double *x, size_t n, double *tmp, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = x[pb_rng_next(rng) % n];
    qsort(tmp, n, sizeof *tmp, cmp_double);
    return stats_median_sorted(tmp, n);
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
    if (nb < 2 || nv < 2 || rounds < 100)
        return -1;
    double *r = pb_xcalloc(rounds, sizeof *r, "bootstrap ratios");
    double *tb = pb_xcalloc(nb, sizeof *tb, "bootstrap sample");
    double *tv = pb_xcalloc(nv, sizeof *tv, "bootstrap sample");
    uint64_t rng = seed;
    unsigned k = 0;
    for (unsigned i = 0; i < rounds; i++) {
        double b = stats_resampled_median(base, nb, tb, &rng);
        double v = stats_resampled_median(var, nv, tv, &rng);
        if (b != 0)
            r[k++] = v / b;
    }
    if (k >= 100) {
        *lo = pb_stats_quantile(r, k, 0.025);
        *hi = pb_stats_quantile(r, k, 0.975);
    }
    free(r);
    free(tb);
    free(tv);
    return k >= 100 ? 0 : -1;
}

int pb_stats_median_ci(const double *x, size_t n, unsigned rounds, uint64_t seed, double *lo,
                       double *hi)
{
    *lo = *hi = NAN;
    if (n < 2 || rounds < 100)
        return -1;
    double *m = pb_xcalloc(rounds, sizeof *m, "bootstrap medians");
    double *t = pb_xcalloc(n, sizeof *t, "bootstrap sample");
    uint64_t rng = seed;
    for (unsigned i = 0; i < rounds; i++)
        m[i] = stats_resampled_median(x, n, t, &rng);
    *lo = pb_stats_quantile(m, rounds, 0.025);
    *hi = pb_stats_quantile(m, rounds, 0.975);
    free(m);
    free(t);
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
