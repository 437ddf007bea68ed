/* hist: the relative error bound against exact sorted data, including adversarial sets. */
#include "../tests.h"

#include "core/hist.h"
#include "stats/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Exact nearest-rank percentile of sorted data. */
static uint64_t exact_pct(const uint64_t *s, size_t n, double q)
{
    /* the smallest rank r with r / n >= q / 100, found by search in integers (q has at most
     * four decimals), independently of the implementation's closed form */
    uint64_t q_ppm = (uint64_t)llround(q * 10000);
    size_t rank = 1;
    while (rank < n && (uint64_t)rank * 1000000u < q_ppm * n)
        rank++;
    return s[rank - 1];
}

/* Records v[], then checks every percentile on a fine grid against the exact answer. The bound
 * is 1/256 relative (half a bucket of width lower/128), well inside the promised 1 %. */
static void check_bound(uint64_t *v, size_t n)
{
    struct pb_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    pb_hist_reset(h);
    for (size_t i = 0; i < n; i++)
        pb_hist_record(h, v[i]);
    qsort(v, n, sizeof *v, cmp_u64);
    assert_int_equal(h->count, n);
    assert_int_equal(h->min_ns, v[0]);
    assert_int_equal(h->max_ns, v[n - 1]);
    static const double qs[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100};
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        double got = pb_hist_percentile(h, qs[k]);
        double want = (double)exact_pct(v, n, qs[k]);
        double tol = want / 256.0 + 0.5; /* +0.5: bucket midpoints of exact buckets are exact */
        if (fabs(got - want) > tol)
            fail_msg("p%g: histogram %.1f vs exact %.0f (relative error %.4f%%, bound 0.39%%)",
                     qs[k], got, want, 100 * fabs(got - want) / want);
    }
    free(h);
}

/* p99.9 of exactly 1000 values is the 999th, not the maximum (in floating point,
 * 99.9 / 100 * 1000 is 999.0000000000001); likewise at other multiples and for p99.99. */
static void test_hist_integer_ranks(void **state)
{
    (void)state;
    static const uint64_t ns[] = {1000, 2000, 3000, 5000, 10000, 100000};
    struct pb_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        uint64_t n = ns[k];
        assert_int_equal(pb_hist_rank(n, 999000), n / 1000 * 999);
        assert_int_equal(pb_hist_rank(n, 500000), n / 2);
        assert_int_equal(pb_hist_rank(n, 990000), n / 100 * 99);
        if (n % 10000 == 0)
            assert_int_equal(pb_hist_rank(n, 999900), n / 10000 * 9999);
        /* the last value stands far above the rest: a rank one too high returns it */
        pb_hist_reset(h);
        for (uint64_t i = 1; i < n; i++)
            pb_hist_record(h, 100);
        pb_hist_record(h, 50000000);
        assert_true(pb_hist_percentile(h, 99.9) < 101);
        assert_int_equal((uint64_t)pb_hist_percentile(h, 100), 50000000);
    }
    assert_int_equal(pb_hist_rank(1000, 999001), 1000);
    assert_int_equal(pb_hist_rank(1, 0), 1);
    assert_int_equal(pb_hist_rank(7, 1000000), 7);
    free(h);
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11;
}

static void test_hist_random_log_uniform(void **state)
{
    (void)state;
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v), s = 42;
    for (size_t i = 0; i < N; i++) {
        double e = (double)(lcg(&s) % 1000000) / 1000000.0 * log(60e9); /* 1 ns .. 60 s */
        v[i] = (uint64_t)exp(e);
    }
    check_bound(v, N);
    free(v);
}

/* Every bucket's two edges: the values most likely to expose an off-by-one in the indexing. */
static void test_hist_bucket_edges(void **state)
{
    (void)state;
    size_t n = 2 * PB_HIST_BUCKETS;
    uint64_t *v = malloc(n * sizeof *v);
    size_t k = 0;
    for (unsigned i = 0; i < PB_HIST_BUCKETS; i++) {
        uint64_t lo, hi;
        pb_hist_bucket_bounds(i, &lo, &hi);
        assert_int_equal(pb_hist_index(lo), i);
        assert_int_equal(pb_hist_index(hi), i);
        if (i + 1 < PB_HIST_BUCKETS) {
            uint64_t nlo, nhi;
            pb_hist_bucket_bounds(i + 1, &nlo, &nhi);
            assert_int_equal(nlo, hi + 1); /* buckets tile the range with no gap or overlap */
        }
        assert_true((double)(hi - lo + 1) <= (double)lo / 128.0 + 1.0);
        v[k++] = lo;
        v[k++] = hi;
    }
    check_bound(v, k);
    free(v);
}

static void test_hist_powers_of_two(void **state)
{
    (void)state;
    uint64_t v[3 * 37];
    size_t k = 0;
    for (int e = 0; e < 36; e++) {
        uint64_t p = 1ull << e;
        v[k++] = p;
        v[k++] = p + 1;
        v[k++] = p > 1 ? p - 1 : 0;
    }
    check_bound(v, k);
}

/* One huge outlier among many tiny values, and the reverse: the tail must not bleed. */
static void test_hist_extremes(void **state)
{
    (void)state;
    enum { N = 10001 };
    uint64_t *v = malloc(N * sizeof *v);
    for (size_t i = 0; i < N; i++)
        v[i] = 1;
    v[N - 1] = 60000000000ull;
    check_bound(v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = 60000000000ull;
    v[0] = 1;
    check_bound(v, N);
    uint64_t one[1] = {12345};
    check_bound(one, 1);
    free(v);
}

/* Two clusters straddling a bucket edge, with counts placing p50/p99 right at the boundary. */
static void test_hist_adversarial_ranks(void **state)
{
    (void)state;
    uint64_t lo, hi;
    pb_hist_bucket_bounds(2000, &lo, &hi);
    enum { N = 1000 };
    uint64_t v[N];
    for (size_t i = 0; i < N; i++)
        v[i] = i < 500 ? hi : hi + 1; /* p50 is exactly the last value of one bucket */
    check_bound(v, N);
    for (size_t i = 0; i < N; i++)
        v[i] = i < 990 ? lo : 37 * lo; /* p99 at the boundary between clusters */
    check_bound(v, N);
}

static void test_hist_merge_equals_single(void **state)
{
    (void)state;
    struct pb_hist *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b),
                   *all = calloc(1, sizeof *all);
    pb_hist_reset(a);
    pb_hist_reset(b);
    pb_hist_reset(all);
    uint64_t s = 7;
    for (int i = 0; i < 50000; i++) {
        uint64_t x = lcg(&s) % 5000000;
        pb_hist_record(i % 3 ? a : b, x);
        pb_hist_record(all, x);
    }
    pb_hist_merge(a, b);
    assert_memory_equal(a, all, sizeof *a);
    free(a);
    free(b);
    free(all);
}

static void test_hist_overflow_and_empty(void **state)
{
    (void)state;
    struct pb_hist *h = calloc(1, sizeof *h);
    pb_hist_reset(h);
    assert_true(isnan(pb_hist_percentile(h, 50)));
    struct pb_hist_summary s;
    pb_hist_summarize(h, &s);
    assert_true(isnan(s.p99_ns));
    pb_hist_record(h, 10);
    pb_hist_record(h, PB_HIST_MAX_NS + 1000);
    assert_int_equal(h->overflow, 1);
    assert_near(pb_hist_percentile(h, 100), (double)(PB_HIST_MAX_NS + 1000), 0);
    assert_near(pb_hist_percentile(h, 50), 10, 0);
    /* fixed footprint: the struct is the whole memory, about 30 KiB */
    assert_true(sizeof(struct pb_hist) < 32 * 1024);
    free(h);
}

static void test_hist_mean_stddev(void **state)
{
    (void)state;
    struct pb_hist *h = calloc(1, sizeof *h);
    pb_hist_reset(h);
    double x[] = {1000, 2000, 3000, 4000, 5000};
    for (int i = 0; i < 5; i++)
        pb_hist_record(h, (uint64_t)x[i]);
    struct pb_hist_summary s;
    pb_hist_summarize(h, &s);
    assert_near(s.mean_ns, 3000, 0);
    assert_near(s.stddev_ns, pb_stats_stddev(x, 5), pb_stats_stddev(x, 5) * 0.01);
    free(h);
}

static void test_hist_csv(void **state)
{
    (void)state;
    struct pb_hist *h = calloc(1, sizeof *h);
    pb_hist_reset(h);
    for (int i = 0; i < 3; i++)
        pb_hist_record(h, 100);
    pb_hist_record(h, 200);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pb_hist_write_csv(h, f), 0);
    fclose(f);
    assert_string_equal(buf, "value_ns,count,cumulative_fraction\n"
                             "100.0,3,0.750000000\n"
                             "200.0,1,1.000000000\n");
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(pb_hist_write_percentiles(h, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "percentile,value_ns\n50,100.0\n"));
    assert_non_null(strstr(buf, "100,200.0\n"));
    free(buf);
    free(h);
}

/* HdrHistogram's .hgrm, read back as its plotters read it: the numeric lines' columns, the
 * percentiles rising to 1 with the counts, values in microseconds, the summary lines. */
static void test_hist_hgrm(void **state)
{
    (void)state;
    struct pb_hist *h = calloc(1, sizeof *h);
    pb_hist_reset(h);
    for (int i = 1; i <= 1000; i++)
        pb_hist_record(h, (uint64_t)i * 1000); /* 1 .. 1000 us */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(pb_hist_write_hgrm(h, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "Value     Percentile TotalCount 1/(1-Percentile)\n\n"));
    double last_p = 0, last_v = 0, v, p, inv;
    unsigned long long cum, last_cum = 0;
    size_t rows = 0;
    char *save = NULL;
    bool ended = false;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int k = sscanf(line, "%lf %lf %llu %lf", &v, &p, &cum, &inv);
        if (k < 3)
            continue;
        assert_false(ended); /* nothing after the line that reaches 1 */
        assert_true(p >= last_p && v >= last_v && cum > last_cum);
        assert_near(p, (double)cum / 1000, 1e-9);
        if (k == 4) {
            assert_near(inv, 1 / (1 - p), 0.01 + 1e-6 / (1 - p));
        } else {
            ended = true;
            assert_near(p, 1, 1e-12);
        }
        last_p = p, last_v = v, last_cum = cum, rows++;
    }
    assert_true(ended);
    assert_int_equal(last_cum, 1000);
    assert_near(last_v, 1000, 1000 * 0.004); /* the maximum, in us, within the bucket error */
    assert_true(rows > 50);
    free(buf);
    f = open_memstream(&buf, &len);
    pb_hist_write_hgrm(h, f);
    fclose(f);
    assert_non_null(strstr(buf, "#[Max     =     1000.000, Total count    =         1000]"));
    assert_non_null(strstr(buf, "#[Mean    =      500."));
    free(buf);
    free(h);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hist_integer_ranks),
    cmocka_unit_test(test_hist_random_log_uniform),
    cmocka_unit_test(test_hist_bucket_edges),
    cmocka_unit_test(test_hist_powers_of_two),
    cmocka_unit_test(test_hist_extremes),
    cmocka_unit_test(test_hist_adversarial_ranks),
    cmocka_unit_test(test_hist_merge_equals_single),
    cmocka_unit_test(test_hist_overflow_and_empty),
    cmocka_unit_test(test_hist_mean_stddev),
    cmocka_unit_test(test_hist_csv),
    cmocka_unit_test(test_hist_hgrm),
};
const struct pb_test_group pb_group_hist = PB_GROUP("hist", tests);
