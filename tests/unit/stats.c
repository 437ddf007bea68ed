/* stats: against values computed independently (by hand in the comments, or by brute force). */
#include "../tests.h"

#include "report/report.h"
#include "stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_median_mad_quantile(void **state)
{
    (void)state;
    double odd[] = {3, 1, 2}, even[] = {4, 1, 3, 2};
    assert_near(pb_stats_median(odd, 3), 2, 0);
    assert_near(pb_stats_median(even, 4), 2.5, 0);
    assert_true(isnan(pb_stats_median(NULL, 0)));
    double one[] = {7};
    assert_near(pb_stats_median(one, 1), 7, 0);
    /* median 2; |x-2| = 1,1,0,0,2,4,7 -> median 1 */
    double m[] = {1, 1, 2, 2, 4, 6, 9};
    assert_near(pb_stats_mad(m, 7), 1, 0);
    /* type 7: h = (4-1)*0.9 = 2.7 -> 3 + 0.7*(4-3) = 3.7 */
    double q[] = {4, 2, 1, 3};
    assert_near(pb_stats_quantile(q, 4, 0.9), 3.7, 1e-12);
    assert_near(pb_stats_quantile(q, 4, 0), 1, 0);
    assert_near(pb_stats_quantile(q, 4, 1), 4, 0);
    /* mean 5, squared deviations 9+1+1+9 = 20, /3 -> sqrt(6.6667) = 2.5819889 */
    double s[] = {2, 4, 6, 8};
    assert_near(pb_stats_mean(s, 4), 5, 0);
    assert_near(pb_stats_stddev(s, 4), 2.581988897, 1e-9);
    assert_near(pb_stats_cv(s, 4), 2.581988897 / 5, 1e-9);
    assert_near(pb_stats_stddev(one, 1), 0, 0);
    double z[] = {0, 0};
    assert_true(isnan(pb_stats_cv(z, 2)));
}

static void test_mwu_exact_known(void **state)
{
    (void)state;
    struct pb_mwu u;
    /* complete separation, 5 vs 5: p = 2 / C(10,5) = 2/252 */
    double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
    assert_int_equal(pb_stats_mann_whitney(a, 5, b, 5, &u), 0);
    assert_int_equal(u.method, PB_MWU_EXACT);
    assert_near(u.u_x, 0, 0);
    assert_near(u.p_value, 2.0 / 252.0, 1e-12);
    /* interleaved 3 vs 3: U = 3; counts of U for m=n=3 are 1,1,2,3,3,3,3,2,1,1 (of 20);
     * P(U <= 3) = 7/20, two-sided 0.7 */
    double c[] = {1, 3, 5}, d[] = {2, 4, 6};
    pb_stats_mann_whitney(c, 3, d, 3, &u);
    assert_near(u.u_x, 3, 0);
    assert_near(u.p_value, 0.7, 1e-12);
    /* 3 vs 3 complete separation: the smallest p a 3x3 test can give, 2/20 = 0.1 */
    double e[] = {10, 11, 12};
    pb_stats_mann_whitney(c, 3, e, 3, &u);
    assert_near(u.p_value, 0.1, 1e-12);
}

/* The exact p-value against brute-force enumeration of every split of the pooled ranks. */
static void test_mwu_exact_vs_enumeration(void **state)
{
    (void)state;
    uint64_t s = 99;
    for (int trial = 0; trial < 20; trial++) {
        size_t m = 2 + (size_t)(pb_rng_next(&s) % 6), n = 2 + (size_t)(pb_rng_next(&s) % 6);
        double x[8], y[8], all[16];
        /* distinct values: a random permutation of 0..m+n-1 */
        for (size_t i = 0; i < m + n; i++)
            all[i] = (double)i;
        for (size_t i = m + n - 1; i > 0; i--) {
            size_t j = pb_rng_next(&s) % (i + 1);
            double t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        memcpy(x, all, m * sizeof *x);
        memcpy(y, all + m, n * sizeof *y);
        struct pb_mwu u;
        pb_stats_mann_whitney(x, m, y, n, &u);
        /* U of x = sum of ranks of x - m(m+1)/2, ranks = value + 1 */
        double ux = 0;
        for (size_t i = 0; i < m; i++)
            ux += x[i] + 1;
        ux -= (double)(m * (m + 1)) / 2;
        assert_near(u.u_x, ux, 0);
        /* enumerate all subsets of size m of {0..N-1} */
        size_t N = m + n, le = 0, ge = 0, total = 0;
        for (uint32_t mask = 0; mask < (1u << N); mask++) {
            if ((size_t)__builtin_popcount(mask) != m)
                continue;
            double r = 0;
            for (size_t i = 0; i < N; i++)
                if (mask & (1u << i))
                    r += (double)(i + 1);
            double uu = r - (double)(m * (m + 1)) / 2;
            total++;
            le += uu <= ux;
            ge += uu >= ux;
        }
        double p = 2.0 * (double)(le < ge ? le : ge) / (double)total;
        if (p > 1)
            p = 1;
        assert_near(u.p_value, p, 1e-12);
    }
}

/* Ties: x = {1,2,2,3}, y = {2,3,3,4,5}. Pooled ranks: 1->1, the three 2s -> 3, the three 3s
 * -> 6, 4 -> 8, 5 -> 9. R_x = 1+3+3+6 = 13, U_x = 13 - 10 = 3, mean = 10.
 * Tie term: (27-3) + (27-3) = 48. var = 4*5/12 * (10 - 48/(9*8)) = 140/9.
 * z = (|3-10| - 0.5) / sqrt(140/9) = 1.64804; p = erfc(z / sqrt 2) = 0.09934. */
static void test_mwu_ties_normal(void **state)
{
    (void)state;
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 3, 4, 5};
    struct pb_mwu u;
    pb_stats_mann_whitney(x, 4, y, 5, &u);
    assert_int_equal(u.method, PB_MWU_NORMAL);
    assert_near(u.u_x, 3, 0);
    assert_near(u.p_value, 0.09934, 5e-5);
    double same[] = {5, 5, 5};
    pb_stats_mann_whitney(same, 3, same, 3, &u);
    assert_near(u.p_value, 1, 0);
    assert_int_equal(pb_stats_mann_whitney(x, 0, y, 5, &u), -1);
}

static void test_ratio_ci(void **state)
{
    (void)state;
    double b[] = {10, 10, 10, 10, 10}, v[] = {20, 20, 20, 20, 20};
    double r, lo, hi;
    /* below PB_BOOT_MIN_N values a side: the estimate, but no interval */
    assert_int_equal(pb_stats_ratio_ci(b, 4, v, 4, 2000, 1, &r, &lo, &hi), -1);
    assert_near(r, 2, 0);
    assert_true(isnan(lo) && isnan(hi));
    assert_int_equal(pb_stats_ratio_ci(b, 5, v, 5, 2000, 1, &r, &lo, &hi), 0);
    assert_near(r, 2, 0);
    assert_near(lo, 2, 0);
    assert_near(hi, 2, 0);
    /* spread samples: CI brackets the point estimate; deterministic for a seed */
    double b2[] = {98, 100, 101, 103, 99, 102, 100}, v2[] = {120, 118, 125, 119, 121, 122, 117};
    double r2, lo2, hi2, r3, lo3, hi3;
    pb_stats_ratio_ci(b2, 7, v2, 7, 2000, 7, &r2, &lo2, &hi2);
    pb_stats_ratio_ci(b2, 7, v2, 7, 2000, 7, &r3, &lo3, &hi3);
    assert_near(r2, 120.0 / 100.0, 1e-12);
    assert_true(lo2 <= r2 && r2 <= hi2);
    assert_true(lo2 > 1.1 && hi2 < 1.3);
    assert_near(lo2, lo3, 0);
    assert_near(hi2, hi3, 0);
    /* too few samples or a zero baseline: no CI */
    assert_int_equal(pb_stats_ratio_ci(b, 1, v, 4, 2000, 1, &r, &lo, &hi), -1);
    assert_true(isnan(lo));
    double zero[] = {0, 0, 0};
    assert_int_equal(pb_stats_ratio_ci(zero, 3, v, 4, 2000, 1, &r, &lo, &hi), -1);
    assert_true(isnan(r));
}

static void test_pair_verdicts(void **state)
{
    (void)state;
    struct pb_pair_result p;
    double base[] = {100, 101, 99, 100, 102, 98, 100};
    double slow[] = {120, 121, 119, 122, 118, 120, 121};
    double fast[] = {80, 81, 79, 80, 82, 78, 80};
    double same[] = {101, 99, 100, 98, 102, 100, 101};
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(base, 7, slow, 7, "op_p50_ns", &p);
    assert_string_equal(p.verdict, "slower");
    assert_true(p.p_value < 0.01);
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(base, 7, fast, 7, "op_p50_ns", &p);
    assert_string_equal(p.verdict, "faster");
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(base, 7, same, 7, "op_p50_ns", &p);
    assert_string_equal(p.verdict, "no significant difference");
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(base, 7, slow, 7, "vmsize_delta_kib", &p);
    assert_string_equal(p.verdict, "higher");
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(base, 2, slow, 7, "op_p50_ns", &p);
    assert_string_equal(p.verdict, "too few repetitions");
    assert_true(isnan(p.p_value));
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The bootstrap finds each resample's median by counting ranks instead of sorting: it must
 * give exactly what sorting each resample gives, from the same random stream, ties and odd and
 * even sizes included. */
static void test_bootstrap_matches_sorting(void **state)
{
    (void)state;
    uint64_t g = 7;
    for (size_t n = PB_BOOT_MIN_N; n < 40; n += 3) {
        double x[40], t[40], m[500];
        for (size_t i = 0; i < n; i++)
            x[i] = (double)(pb_rng_next(&g) % 9); /* many ties */
        uint64_t rng = 0xc1;
        for (unsigned r = 0; r < 500; r++) {
            for (size_t i = 0; i < n; i++)
                t[i] = x[pb_rng_next(&rng) % n];
            qsort(t, n, sizeof *t, cmp_d);
            m[r] = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
        }
        double lo, hi;
        assert_int_equal(pb_stats_median_ci(x, n, 500, 0xc1, &lo, &hi), 0);
        assert_near(lo, pb_stats_quantile(m, 500, 0.025), 0);
        assert_near(hi, pb_stats_quantile(m, 500, 0.975), 0);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bootstrap_matches_sorting),
    cmocka_unit_test(test_median_mad_quantile),
    cmocka_unit_test(test_mwu_exact_known),
    cmocka_unit_test(test_mwu_exact_vs_enumeration),
    cmocka_unit_test(test_mwu_ties_normal),
    cmocka_unit_test(test_ratio_ci),
    cmocka_unit_test(test_pair_verdicts),
};
const struct pb_test_group pb_group_stats = PB_GROUP("stats", tests);
