/* changepoint: Student's t against tabled values, E-Divisive on series whose change points are
 * known, and the detector's rates checked by simulation (as `pinbench history quality` measures
 * them, on fewer series). */
#include "../tests.h"

#include "history/history.h"
#include "stats/changepoint.h"
#include "stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Two-sided p of Student's t: the tables' critical values (t_0.975 and t_0.995) give 0.05 and
 * 0.01; large df reaches the normal law. */
static void test_student_t(void **state)
{
    (void)state;
    assert_near(pb_cp_student_p(2.228139, 10), 0.05, 1e-6);
    assert_near(pb_cp_student_p(3.169273, 10), 0.01, 1e-6);
    assert_near(pb_cp_student_p(12.7062, 1), 0.05, 1e-5);
    assert_near(pb_cp_student_p(-2.228139, 10), 0.05, 1e-6);
    assert_near(pb_cp_student_p(0, 5), 1, 1e-12);
    assert_near(pb_cp_student_p(1.959964, 1e7), 0.05, 1e-5);
    assert_true(isnan(pb_cp_student_p(1, 0)));
    /* {1..5} vs {6..10}: pooled variance 2.5, se 1, t = 5 with 8 df: p = 0.0010528 */
    double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
    assert_near(pb_cp_ttest_p(a, 5, b, 5), 0.0010528, 2e-6);
    assert_near(pb_cp_ttest_p(a, 5, a, 5), 1, 1e-12);
    assert_true(isnan(pb_cp_ttest_p(a, 1, b, 1)));
}

/* A new run against a regime: inside its spread p is large, far outside it tiny; a regime too
 * short has no spread to judge by. */
static void test_point_p(void **state)
{
    (void)state;
    double r[] = {100, 101, 99, 100, 102, 98, 100, 101};
    assert_true(pb_cp_point_p(r, 8, 100.2) > 0.5);
    assert_true(pb_cp_point_p(r, 8, 130) < 1e-6);
    assert_true(pb_cp_point_p(r, 8, 70) < 1e-6);
    assert_true(isnan(pb_cp_point_p(r, 2, 130)));
}

/* A deterministic jitter of +-1 %, so the series have spread but known change points. */
static double jitter(size_t i)
{
    static const double j[] = {0.004, -0.007, 0.01, -0.002, 0.006, -0.009, 0.001, -0.005};
    return 1 + j[i % 8];
}

/* the split sums of squares, by hand: 1 1 3 3 about its mean 2 */
static void test_split_ss(void **state)
{
    (void)state;
    const double y[] = {1, 1, 3, 3};
    double ss[4] = {-1, -1, -1, -1};
    assert_near(pb_cp_split_ss(y, 4, ss), 4, 1e-12);
    assert_near(ss[0], 0, 0);
    assert_near(ss[1], 4.0 / 3, 1e-12); /* 1 | 1 3 3: 3/4 (4/3)^2 */
    assert_near(ss[2], 4, 1e-12);       /* 1 1 | 3 3: the whole spread, nothing left */
    assert_near(ss[3], 4.0 / 3, 1e-12);
}

/* Placing a change: a run of 2s and a 3 between a regime about 0.5 and one about 4.5 (log
 * values). The likelihood's best single split is the jump to 4 (run 8), but the posterior of a
 * single shift at runs 3..9 (about 0.04 0.16 0.17 0.35 0.12 1 0.09, as pb_cp_split_ss gives
 * them) holds more within +-2 of run 6 (1.80) than of run 8 (1.56): with a small weight on the
 * run itself the place is 6, with a large one it is the best split. */
static void test_place(void **state)
{
    (void)state;
    const double y[] = {0, 1, 0, 1, 2, 2, 3, 2, 4, 5, 4, 5};
    double x[12], ss[12];
    for (size_t i = 0; i < 12; i++)
        x[i] = exp(y[i]);
    pb_cp_split_ss(y, 12, ss);
    size_t ml = 3;
    for (size_t u = 4; u <= 9; u++)
        if (ss[u] > ss[ml])
            ml = u;
    assert_int_equal(ml, 8);
    assert_int_equal(pb_cp_place_one(x, 12, 3, 0.1), 6);
    assert_int_equal(pb_cp_place_one(x, 12, 3, 0), 6);
    assert_int_equal(pb_cp_place_one(x, 12, 3, 1000), 8);
    /* a clean step: its own run, whatever the weight; too short: 0 */
    for (size_t i = 0; i < 12; i++)
        x[i] = 10 * jitter(i) * (i >= 5 ? 1.3 : 1);
    assert_int_equal(pb_cp_place_one(x, 12, 3, 0), 5);
    assert_int_equal(pb_cp_place_one(x, 12, 3, 0.1), 5);
    assert_int_equal(pb_cp_place_one(x, 5, 3, 0.1), 0);
    /* the detector places its change points the same way, where the t-test still passes:
     * p = 0.00029 at run 8, 0.00082 at run 6 */
    struct pb_cp_opts o;
    pb_cp_opts_default(&o);
    o.p_max = 0.001;
    struct pb_cp cp[4];
    for (size_t i = 0; i < 12; i++)
        x[i] = exp(y[i]);
    assert_int_equal(pb_cp_detect(x, 12, &o, cp, 4), 1);
    assert_int_equal(cp[0].at, 6);
    assert_true(cp[0].p > 0.0004 && cp[0].p < 0.001);
    assert_true(cp[0].at_lo <= 6 && cp[0].at_hi >= 8);
    o.exact_weight = 1000;
    assert_int_equal(pb_cp_detect(x, 12, &o, cp, 4), 1);
    assert_int_equal(cp[0].at, 8);
    o.exact_weight = PB_CP_DEFAULT_EXACT_WEIGHT;
    o.p_max = 0.0004;
    assert_int_equal(pb_cp_detect(x, 12, &o, cp, 4), 1);
    assert_int_equal(cp[0].at, 8);
}

static void test_detect_known(void **state)
{
    (void)state;
    double x[80];
    struct pb_cp cp[16];
    struct pb_cp_opts o;
    pb_cp_opts_default(&o);
    /* +20 % from run 30 */
    for (size_t i = 0; i < 60; i++)
        x[i] = 1000 * jitter(i) * (i >= 30 ? 1.2 : 1);
    assert_int_equal(pb_cp_detect(x, 60, &o, cp, 16), 1);
    assert_int_equal(cp[0].at, 30);
    /* a step 20 times the noise: the range is that run alone */
    assert_int_equal(cp[0].at_lo, 30);
    assert_int_equal(cp[0].at_hi, 30);
    assert_near(cp[0].change_pct, 20, 1.5);
    assert_true(cp[0].p < 1e-9);
    assert_true(cp[0].before < cp[0].after);
    /* no step: none */
    for (size_t i = 0; i < 60; i++)
        x[i] = 1000 * jitter(i);
    assert_int_equal(pb_cp_detect(x, 60, &o, cp, 16), 0);
    /* two steps, one up and one back down, and a third regime */
    for (size_t i = 0; i < 80; i++)
        x[i] = 50 * jitter(i) * (i >= 20 && i < 45 ? 1.3 : 1) * (i >= 65 ? 0.8 : 1);
    size_t n = pb_cp_detect(x, 80, &o, cp, 16);
    assert_int_equal(n, 3);
    assert_int_equal(cp[0].at, 20);
    assert_int_equal(cp[1].at, 45);
    assert_int_equal(cp[2].at, 65);
    assert_true(cp[1].change_pct < 0 && cp[2].change_pct < 0);
    for (size_t k = 0; k < n; k++) /* each range within its neighbours, around its place */
        assert_true(cp[k].at_lo <= cp[k].at && cp[k].at <= cp[k].at_hi &&
                    cp[k].at_lo > (k ? cp[k - 1].at : 0) &&
                    cp[k].at_hi < (k + 1 < n ? cp[k + 1].at : 80));
    /* the minimum change filters a step smaller than it */
    for (size_t i = 0; i < 60; i++)
        x[i] = 1000 * jitter(i) * (i >= 30 ? 1.05 : 1);
    assert_int_equal(pb_cp_detect(x, 60, &o, cp, 16), 1);
    o.min_change_pct = 8;
    assert_int_equal(pb_cp_detect(x, 60, &o, cp, 16), 0);
    /* too short for two regimes of min_size */
    pb_cp_opts_default(&o);
    assert_int_equal(pb_cp_detect(x, 5, &o, cp, 16), 0);
    /* the count is returned even beyond cap */
    for (size_t i = 0; i < 80; i++)
        x[i] = 50 * jitter(i) * (i >= 20 && i < 45 ? 1.3 : 1) * (i >= 65 ? 0.8 : 1);
    assert_int_equal(pb_cp_detect(x, 80, &o, cp, 1), 3);
    assert_int_equal(cp[0].at, 20);
}

/* The rates by simulation: A/A false alarms stay near the calibrated level and steps are found
 * where any detector could find them (fewer series than the benchmark, wider bounds). */
static void test_detect_rates(void **state)
{
    (void)state;
    struct pb_cp_opts o;
    pb_cp_opts_default(&o);
    struct pb_quality_row *q;
    size_t n = pb_history_quality(400, 60, 7, &o, 10, &q);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        const struct pb_quality_row *r = &q[i];
        if (r->step_pct == 0) {
            if (r->false_per_100 > 2.5)
                fail_msg("CV %.0f %%: %.1f false alarms per 100 A/A series", r->cv_pct,
                         r->false_per_100);
            continue;
        }
        /* a step of 4 sigma or more is found nearly always */
        if (r->step_pct / r->cv_pct >= 4 && r->detected_pct < 95)
            fail_msg("CV %.0f %%, step %.0f %%: found %.1f %%", r->cv_pct, r->step_pct,
                     r->detected_pct);
        if (r->cv_pct == 5 && r->step_pct == 10 && (r->detected_pct < 80 || r->oracle_pct < 85))
            fail_msg("CV 5 %%, step 10 %%: found %.1f %%, best possible %.1f %%", r->detected_pct,
                     r->oracle_pct);
        assert_true(r->detected_pct <= r->oracle_pct + 5);
        /* the 90 % range holds a clear step about as often as it says, a few runs wide */
        if (r->step_pct / r->cv_pct >= 2 && (r->range_pct < 85 || r->range_runs > 6))
            fail_msg(
                "CV %.0f %%, step %.0f %%: the range holds the step in %.1f %%, %.1f runs wide",
                r->cv_pct, r->step_pct, r->range_pct, r->range_runs);
        /* the gate sees a +20 % step over 2 % noise at once */
        if (r->cv_pct == 2 && r->step_pct == 20 && r->gate_detected_pct < 95)
            fail_msg("the gate found %.1f %% of +20 %% steps at CV 2 %%", r->gate_detected_pct);
    }
    /* the gate with its threshold at 10 % on noise of CV 5 %: the false alarms that make it a
     * poor judge of one noisy run */
    assert_true(q[4].gate_false_per_100 > 100 && q[4].false_per_100 < 2.5);
    /* the same histories with each change point on the likelihood's best split: the +10 % step
     * at CV 5 % is found within +-2 runs less often, at its exact run more often (the trade
     * the placement makes, measured in the README) */
    struct pb_quality_row *ml;
    o.exact_weight = 1000;
    assert_int_equal(pb_history_quality(400, 60, 7, &o, 10, &ml), 12);
    if (!(q[6].detected_pct >= ml[6].detected_pct + 1.5 && q[6].exact_pct >= 40 &&
          ml[6].exact_pct > q[6].exact_pct))
        fail_msg("CV 5 %%, step 10 %%: placed %.1f %% within +-2, %.1f %% exact; on the best "
                 "split %.1f %% and %.1f %%",
                 q[6].detected_pct, q[6].exact_pct, ml[6].detected_pct, ml[6].exact_pct);
    assert_true(ml[4].false_per_100 == q[4].false_per_100); /* placing adds no change point */
    free(ml);
    free(q);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_student_t),    cmocka_unit_test(test_point_p),
    cmocka_unit_test(test_split_ss),     cmocka_unit_test(test_place),
    cmocka_unit_test(test_detect_known), cmocka_unit_test(test_detect_rates),
};
const struct pb_test_group pb_group_changepoint = PB_GROUP("changepoint", tests);
