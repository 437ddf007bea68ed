/* Paired-block statistics: signed-rank pieces against hand-computed values, and the whole method
 * (pilot, stopping rule, main quartets, CI, verdict) simulated on synthetic blocks. */
#include "../tests.h"

#include "stats/pairs.h"
#include "stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_signed_rank_small(void **state)
{
    (void)state;
    /* 1..5 all positive: T+ = 15, the most extreme of 32 patterns: p = 2/32 */
    double d[] = {1, 2, 3, 4, 5};
    struct pb_wsr w;
    assert_int_equal(pb_stats_signed_rank(d, 5, &w), 0);
    assert_true(w.exact);
    assert_near(w.t_plus, 15, 0);
    assert_near(w.p_value, 2.0 / 32.0, 1e-12);
    /* zeros are dropped; signs mixed: ranks of |d| 1..4, positives at ranks 2 and 4: T+ = 6 */
    double e[] = {0, -1, 2, -3, 4, 0};
    assert_int_equal(pb_stats_signed_rank(e, 6, &w), 0);
    assert_int_equal(w.n, 4);
    assert_near(w.t_plus, 6, 0);
    /* of the 16 patterns, 11 have T+ <= 6 and 7 have T+ >= 6: p = 2 * 7 / 16 */
    assert_near(w.p_value, 14.0 / 16.0, 1e-12);
    double z[] = {0, 0};
    assert_int_equal(pb_stats_signed_rank(z, 2, &w), -1);
}

static void test_hodges_lehmann_interval(void **state)
{
    (void)state;
    /* n = 6: the only interval of >= 95 % is [min Walsh, max Walsh], level 1 - 2/64 */
    double d[] = {1, 2, 3, 4, 5, 6};
    double est, lo, hi, cov;
    assert_int_equal(pb_stats_hodges_lehmann(d, 6, 0.95, &est, &lo, &hi, &cov), 0);
    assert_near(est, 3.5, 1e-12);
    assert_near(lo, 1, 0);
    assert_near(hi, 6, 0);
    assert_near(cov, 1 - 2.0 / 64, 1e-12);
    /* n = 5: no interval reaches 95 % */
    assert_int_equal(pb_stats_hodges_lehmann(d, 5, 0.95, &est, &lo, &hi, &cov), -1);
    assert_true(isnan(lo));
    /* n = 10: c = 9 (P(T+ <= 8) = 25/1024), level 1 - 50/1024 */
    double t[10];
    for (int i = 0; i < 10; i++)
        t[i] = i * i;
    assert_int_equal(pb_stats_hodges_lehmann(t, 10, 0.95, &est, &lo, &hi, &cov), 0);
    assert_near(cov, 1 - 50.0 / 1024, 1e-12);
}

static void test_median_order_ci(void **state)
{
    (void)state;
    double x[] = {5, 1, 4, 2, 3, 6};
    double lo, hi, cov;
    assert_int_equal(pb_stats_median_order_ci(x, 6, &lo, &hi, &cov), 0);
    assert_near(lo, 1, 0);
    assert_near(hi, 6, 0);
    assert_near(cov, 1 - 2.0 / 64, 1e-12);
    assert_int_equal(pb_stats_median_order_ci(x, 5, &lo, &hi, &cov), -1);
}

static void test_bh(void **state)
{
    (void)state;
    double p[] = {0.01, 0.04, NAN, 0.03, 0.5};
    double q[5];
    pb_stats_bh(p, 5, q);
    /* m = 4 finite: sorted 0.01 0.03 0.04 0.5 -> 0.04, 0.04 (min of 0.06, 0.0533), 0.0533, 0.5 */
    assert_near(q[0], 0.04, 1e-12);
    assert_near(q[3], 0.04 * 4 / 3, 1e-12);
    assert_near(q[1], 0.04 * 4 / 3, 1e-12);
    assert_true(isnan(q[2]));
    assert_near(q[4], 0.5, 1e-12);
}

static void test_quartets_and_stat(void **state)
{
    (void)state;
    /* A B B A quartets; the variant costs twice the baseline in every block */
    struct pb_block b[4 * 9];
    size_t n = 0;
    for (int k = 0; k < 9; k++) {
        double base = 100 + k;
        enum pb_phase ph = k < 2 ? PB_PHASE_PILOT : PB_PHASE_MAIN;
        b[n++] = (struct pb_block){n, base, PB_SIDE_BASELINE, ph};
        b[n++] = (struct pb_block){n, 2 * base * (1 + 0.01 * k), PB_SIDE_VARIANT, ph};
        b[n++] = (struct pb_block){n, 2 * base, PB_SIDE_VARIANT, ph};
        b[n++] = (struct pb_block){n, base, PB_SIDE_BASELINE, ph};
    }
    double lr[9], df[9];
    assert_int_equal(pb_pairs_quartets(b, n, PB_PHASE_PILOT, lr, df), 2);
    assert_int_equal(pb_pairs_quartets(b, n, PB_PHASE_MAIN, lr, df), 7);
    struct pb_pair_stat st;
    assert_int_equal(pb_pairs_stat(b, n, &st), 0);
    assert_int_equal(st.n_quartets, 7);
    assert_int_equal(st.n_pilot, 2);
    assert_int_equal(st.n_ci, 9);
    assert_true(st.ratio > 2.0 && st.ratio < 2.1);
    assert_true(st.ci_low <= st.ratio && st.ratio <= st.ci_high);
    assert_true(st.ci_low > 2.0 - 1e-9);
    assert_true(st.p_value < 0.05);
    assert_true(st.diff > 100 && st.diff < 120);
    assert_string_equal(pb_pairs_verdict(&st, 0.01, true, 5), "slower");
    assert_string_equal(pb_pairs_verdict(&st, 0.2, true, 5), "inconclusive");
    /* a quartet broken by a failure (three blocks) is skipped, not mixed into the next */
    memmove(&b[11], &b[12], (n - 12) * sizeof b[0]);
    assert_int_equal(pb_pairs_quartets(b, n - 1, PB_PHASE_MAIN, lr, df), 6);
    /* fewer than 6 quartets (2 pilot, 3 main): estimates but no CI */
    assert_int_equal(pb_pairs_stat(b, 4 * 5, &st), -1);
    assert_true(isfinite(st.ratio) && isnan(st.ci_low));
    assert_string_equal(pb_pairs_verdict(&st, NAN, true, 5), "too few blocks");
}

static void test_plan(void **state)
{
    (void)state;
    /* sd 0.1 for +-5 %: the smallest n with (2.006 + 2.7 / n) 0.1 / sqrt(n) <= ln 1.05 is 20
     * (0.04787; at 19, 0.04927) */
    double need = pb_pairs_quartets_for(0.1, 5);
    assert_near(need, 20, 0);
    /* sd 0.11547: 26 quartets in all (0.04778; at 25, 0.04882), less the 4 of the pilot */
    double lr[] = {0.1, -0.1, 0.1, -0.1};
    size_t n = pb_pairs_plan(lr, 4, 5, 6, 1000);
    assert_int_equal(n, 22);
    assert_int_equal(pb_pairs_plan(lr, 4, 5, 6, 20), 20); /* the budget caps it */
    double flat[] = {0.001, 0.001, 0.001, 0.001};
    assert_int_equal(pb_pairs_plan(flat, 4, 5, 6, 1000), 6); /* the minimum holds */
    assert_int_equal(pb_pairs_plan(lr, 1, 5, 6, 30), 30);    /* no spread estimate: the share */
}

static void test_replan(void **state)
{
    (void)state;
    /* 12 quartets at +-8 % for +-5 %: 12 (8 / 5)^2 1.2 - 12 = 24.86, up to 25, up to even */
    struct pb_pair_stat st = {.n_ci = 12, .half_width_pct = 8};
    assert_int_equal(pb_pairs_replan(&st, 5), 26);
    st.half_width_pct = 5.0; /* reached: nothing more */
    assert_int_equal(pb_pairs_replan(&st, 5), 0);
    st.half_width_pct = NAN; /* no CI: nothing to plan from */
    assert_int_equal(pb_pairs_replan(&st, 5), 0);
    /* just short: 1.2 x (5.1 / 5)^2 x 12 - 12 = 2.98: 3, up to 4 */
    st.half_width_pct = 5.1;
    assert_int_equal(pb_pairs_replan(&st, 5), 4);
}

/* ---- simulation of the whole method ---- */

struct sim {
    uint64_t rng;
    double sigma;      /* lognormal block noise */
    double contam;     /* probability that a block is slowed */
    double contam_mul; /* by up to this factor (1 + U * (mul - 1)) */
    double drift;      /* multiplicative drift per block, e.g. 0.002: +0.2 % per block */
    double ratio;
    double switch_cost; /* a block after a change of variant is this much slower (0.05: 5 %) */
    bool abba_only;     /* every quartet A B B A (the broken order), not the scheduler's */
    double t;           /* block clock */
};

static double sim_normal(struct sim *s)
{
    return pb_rng_normal(&s->rng);
}

static double sim_block(struct sim *s, enum pb_side side, bool switched)
{
    double v = 1000 * exp(s->sigma * sim_normal(s)) * exp(s->drift * s->t);
    if (switched)
        v *= 1 + s->switch_cost;
    if (s->contam > 0 && pb_rng_uniform(&s->rng) < s->contam)
        v *= 1 + pb_rng_uniform(&s->rng) * (s->contam_mul - 1);
    s->t += 1;
    /* other pairs' quartets run between this pair's: the clock moves on */
    return side == PB_SIDE_VARIANT ? v * s->ratio : v;
}

static size_t sim_quartets(struct sim *s, struct pb_block *b, size_t n, size_t k, enum pb_phase ph)
{
    for (size_t q = 0; q < k; q++) {
        enum pb_side order[4];
        pb_pairs_quartet_order(s->abba_only ? 0 : n / 4, order);
        /* the first block follows another pair's: a change of variant too */
        for (int j = 0; j < 4; j++)
            b[n++] = (struct pb_block){s->t, sim_block(s, order[j], !j || order[j] != order[j - 1]),
                                       order[j], ph};
        s->t += 40; /* about ten other pairs' quartets in between */
    }
    return n;
}

/* One pair through the method: pilot, plan, main, re-plan, top-up, statistics; at most max_q
 * main and top-up quartets together (the pair's budget). */
static void sim_pair(struct sim *s, size_t max_q, struct pb_pair_stat *st, struct pb_block *b)
{
    s->t = 0;
    size_t n = sim_quartets(s, b, 0, PB_PAIRS_PILOT_QUARTETS, PB_PHASE_PILOT);
    double lr[PB_PAIRS_PILOT_QUARTETS];
    size_t np = pb_pairs_quartets(b, n, PB_PHASE_PILOT, lr, NULL);
    size_t want = pb_pairs_plan(lr, np, PB_PAIRS_PRECISION_PCT, PB_PAIRS_PLAN_MIN_QUARTETS, max_q);
    n = sim_quartets(s, b, n, want, PB_PHASE_MAIN);
    pb_pairs_stat(b, n, st);
    size_t more = pb_pairs_replan(st, PB_PAIRS_PRECISION_PCT);
    if (more > max_q - want)
        more = max_q - want;
    n = sim_quartets(s, b, n, more, PB_PHASE_MAIN);
    pb_pairs_stat(b, n, st);
}

struct sim_result {
    double coverage, false_verdicts, reached, mean_quartets;
};

static void sim_run(struct sim proto, unsigned runs, size_t max_q, struct sim_result *r)
{
    struct pb_block *b = calloc(4 * (PB_PAIRS_PILOT_QUARTETS + max_q), sizeof *b);
    assert_non_null(b);
    unsigned covered = 0, false_v = 0, reached = 0;
    double quartets = 0;
    struct sim s = proto;
    for (unsigned i = 0; i < runs; i++) {
        struct pb_pair_stat st;
        sim_pair(&s, max_q, &st, b);
        covered += st.ci_low <= s.ratio && s.ratio <= st.ci_high;
        /* a single pair's q is its p */
        const char *v = pb_pairs_verdict(&st, st.p_value, true, PB_PAIRS_PRECISION_PCT);
        false_v += s.ratio == 1.0 && (!strcmp(v, "faster") || !strcmp(v, "slower"));
        reached += st.half_width_pct <= PB_PAIRS_PRECISION_PCT;
        quartets += (double)st.n_ci;
    }
    free(b);
    r->coverage = covered / (double)runs;
    r->false_verdicts = false_v / (double)runs;
    r->reached = reached / (double)runs;
    r->mean_quartets = quartets / runs;
}

/* Coverage of the true ratio by the CI at the stop, over thousands of simulated pairs per
 * scenario: lognormal, mildly contaminated and heavily contaminated noise, true ratio 1 and 1.1,
 * drift over the run. The method must cover 94-96 % and give at most 5 % false verdicts at 1;
 * at least 85 % of pairs must reach the target (measured 93-100 %). */
static bool fail_note(const char *what, const char *why)
{
    print_message("  FAILED: %s: %s\n", what, why);
    return true;
}

static void test_method_coverage(void **state)
{
    (void)state;
    bool failed = false;
    const struct {
        const char *what;
        struct sim s;
        unsigned runs; /* 0: 8000 (Monte Carlo standard error of a 95 % coverage: 0.24 %) */
        bool above_ok; /* coverage above 96 % allowed: a known conservative case */
    } sc[] = {
        {"lognormal, ratio 1", {.rng = 11, .sigma = 0.06, .ratio = 1.0}, 0, false},
        {"lognormal, ratio 1.1", {.rng = 12, .sigma = 0.06, .ratio = 1.1}, 0, false},
        {"contaminated, ratio 1",
         {.rng = 13, .sigma = 0.04, .contam = 0.1, .contam_mul = 1.6, .ratio = 1.0},
         0,
         false},
        {"contaminated, ratio 1.1",
         {.rng = 14, .sigma = 0.04, .contam = 0.1, .contam_mul = 1.6, .ratio = 1.1},
         0,
         false},
        /* slow regimes like those of a 2-vCPU VM: a block in ten up to 4x slower */
        {"heavy outliers, ratio 1",
         {.rng = 17, .sigma = 0.05, .contam = 0.1, .contam_mul = 4, .ratio = 1.0},
         4000 /* 100-odd quartets a pair: half the runs (standard error 0.34 %) */,
         false},
        {"heavy outliers, ratio 1.1",
         {.rng = 18, .sigma = 0.05, .contam = 0.1, .contam_mul = 4, .ratio = 1.1},
         4000,
         false},
        /* the first block after a change of variant 5 % slower: alternating A B B A with
         * B A A B makes the log-ratios a two-peaked mixture, for which the signed-rank interval
         * is conservative (about 96.6 %) */
        {"switch cost 5 %, ratio 1",
         {.rng = 19, .sigma = 0.06, .switch_cost = 0.05, .ratio = 1.0},
         0,
         true},
        {"switch cost 5 %, ratio 1.1",
         {.rng = 20, .sigma = 0.06, .switch_cost = 0.05, .ratio = 1.1},
         0,
         true},
        {"drift +0.05 %/block, ratio 1",
         {.rng = 15, .sigma = 0.06, .drift = 5e-4, .ratio = 1.0},
         0,
         false},
        {"drift +0.05 %/block, ratio 1.1",
         {.rng = 16, .sigma = 0.06, .drift = 5e-4, .ratio = 1.1},
         0,
         false},
        /* blocks in two modes, as cross-CPU wake-ups on a VM: 3 in 10 up to 1.5x slower */
        {"two modes, ratio 1",
         {.rng = 25, .sigma = 0.03, .contam = 0.3, .contam_mul = 1.5, .ratio = 1.0},
         4000,
         false},
        {"two modes, ratio 1.1",
         {.rng = 26, .sigma = 0.03, .contam = 0.3, .contam_mul = 1.5, .ratio = 1.1},
         4000,
         false},
        /* wide lognormal noise, 50-odd quartets: where the second look pinches most */
        {"wide lognormal, ratio 1", {.rng = 27, .sigma = 0.15, .ratio = 1.0}, 4000, false},
        {"wide lognormal, ratio 1.1", {.rng = 28, .sigma = 0.15, .ratio = 1.1}, 4000, false},
    };
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
        struct sim_result r;
        unsigned runs = sc[i].runs ? sc[i].runs : 8000;
        sim_run(sc[i].s, runs, 120, &r);
        print_message("  %-32s coverage %.2f %%, false verdicts %.2f %%, target reached %.0f %%, "
                      "%.1f quartets in all\n",
                      sc[i].what, 100 * r.coverage, 100 * r.false_verdicts, 100 * r.reached,
                      r.mean_quartets);
        if (r.coverage < 0.94 || (r.coverage > 0.96 && !sc[i].above_ok))
            failed = fail_note(sc[i].what, "coverage outside 94-96 %");
        /* at most 5 %: the observed share may exceed it only by Monte Carlo error (a
         * one-sided 1 % test of "the true share is <= 5 %": 2.33 standard errors, 0.57 %) */
        if (r.false_verdicts > 0.05 + 2.33 * sqrt(0.05 * 0.95 / runs))
            failed = fail_note(sc[i].what, "more than 5 % false verdicts");
        if (r.reached < 0.85)
            failed = fail_note(sc[i].what, "fewer than 85 % reached the target");
    }
    if (failed)
        fail_msg("the simulated method failed a bound (above)");
}

/* The simulation can fail: optional stopping on the same data (stop at the first quartet count
 * whose own CI is within the target, checked after every quartet) undercovers, and the
 * simulation sees it. */
static void test_naive_stopping_undercovers(void **state)
{
    (void)state;
    struct sim s = {.rng = 21, .sigma = 0.12, .ratio = 1.0};
    enum { RUNS = 6000, MAXQ = 200 };
    struct pb_block *b = calloc(4 * MAXQ, sizeof *b);
    assert_non_null(b);
    unsigned covered = 0;
    for (unsigned i = 0; i < RUNS; i++) {
        s.t = 0;
        size_t n = 0;
        struct pb_pair_stat st = {0};
        for (size_t q = 0; q < MAXQ; q++) {
            n = sim_quartets(&s, b, n, 1, PB_PHASE_MAIN);
            if (q + 1 < PB_PAIRS_MIN_CI_QUARTETS)
                continue;
            pb_pairs_stat(b, n, &st);
            if (st.half_width_pct <= PB_PAIRS_PRECISION_PCT)
                break;
        }
        covered += st.ci_low <= 1.0 && 1.0 <= st.ci_high;
    }
    free(b);
    double cov = covered / (double)RUNS;
    print_message("  naive optional stopping: coverage %.2f %%\n", 100 * cov);
    assert_true(cov < 0.94);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_signed_rank_small),
    cmocka_unit_test(test_hodges_lehmann_interval),
    cmocka_unit_test(test_median_order_ci),
    cmocka_unit_test(test_bh),
    cmocka_unit_test(test_quartets_and_stat),
    cmocka_unit_test(test_plan),
    cmocka_unit_test(test_replan),
};
/* The simulation sees a broken order: A B B A alone changes into the baseline twice and into
 * the variant once per quartet, and with a cost to each change its CI misses a true ratio of 1
 * far more than 5 % of the time. */
static void test_abba_alone_is_biased(void **state)
{
    (void)state;
    struct sim s = {.rng = 23, .sigma = 0.06, .switch_cost = 0.05, .ratio = 1.0, .abba_only = true};
    struct sim_result r;
    sim_run(s, 2000, 120, &r);
    print_message("  A B B A alone with a 5 %% switch cost: coverage %.2f %%\n", 100 * r.coverage);
    assert_true(r.coverage < 0.80);
}

static const struct CMUnitTest sim_tests[] = {
    cmocka_unit_test(test_abba_alone_is_biased),
    cmocka_unit_test(test_method_coverage),
    cmocka_unit_test(test_naive_stopping_undercovers),
};
const struct pb_test_group pb_group_pairs = PB_GROUP("pairs", tests);
const struct pb_test_group pb_group_simulation = PB_GROUP("simulation", sim_tests);
