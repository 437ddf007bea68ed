/* tables: the real families and claims pass the table check, and each kind of mistake is
 * caught with a line that names it. */
#include "tests.h"

#include "registry.h"
#include "run/tables.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct seen {
    char lines[16][400];
    size_t n;
};

static void collect(void *ctx, const char *line)
{
    struct seen *s = ctx;
    print_message("  %s\n", line);
    if (s->n < 16)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s", line);
}

static bool seen_has(const struct seen *s, const char *needle)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->lines[i], needle))
            return true;
    return false;
}

static void test_real_tables_pass(void **state)
{
    (void)state;
    struct seen s = {0};
    size_t n = pb_tables_check(pb_families, pb_n_families, pb_claims, pb_n_claims, collect, &s);
    assert_int_equal(n, 0);
}

static int op_nothing(struct pb_run *r)
{
    (void)r;
    return 0;
}

static const struct pb_variant bad_variants[] = {
    {"a/one", "first", .op = op_nothing},
    {"a/two", "second", .op = op_nothing},
    {"a/two", "the same name again", .op = op_nothing},
    {"Bad Name", "", .op = op_nothing},
};
static const struct pb_pair_decl bad_pairs[] = {
    PB_PAIR("a/one", "a/three", "op_p50_ns"),  /* no such variant */
    PB_PAIR("a/one", "a/two", "op_p42_ns"),    /* no such percentile */
    PB_PAIR("a/one", "a/two", "wait_p50_ns"),  /* no such series */
    PB_PAIR("a/one", "a/one", "real_time_ns"), /* itself, not a control */
    PB_PAIR("a/one", "a/two", "real_time_ns"),
    PB_PAIR("a/one", "a/two", "real_time_ns"),      /* twice */
    PB_PAIR("a/one", "a/two", "items_per_op"),      /* a tally: fine */
    PB_PAIR("a/one", "a/two", "items_per_s"),       /* its rate: fine */
    PB_PAIR("a/one", "a/two", "migrations_per_op"), /* a perf event: fine */
    PB_PAIR("a/one", "a/two", "level_peak"),        /* a gauge: fine */
};
static const char *const bad_metrics[] = {"wake_ns"};
static const char *const bad_tallies[] = {"items_per_op",
                                          "spread", [3] = "more_per_op"}; /* 2: a hole */
static const char *const bad_gauges[] = {"level_peak", "level"};
static const struct pb_family bad_family = {
    .name = "bad",
    .summary = "mistakes",
    .question = "what | breaks the plot titles", /* a "|" and no '?' */
    .variants = bad_variants,
    .n_variants = PB_ARRAY_LEN(bad_variants),
    .pairs = bad_pairs,
    .n_pairs = PB_ARRAY_LEN(bad_pairs),
    .metrics = bad_metrics,
    .n_metrics = 1,
    .tallies = bad_tallies,
    .n_tallies = 4,
    .rate_tally = 1,
    .grid_metric = "nothing_ns",
    .hist_metric = "gap",
    .gauges = bad_gauges,
    .n_gauges = 2,
};

static void test_family_mistakes(void **state)
{
    (void)state;
    const struct pb_family *fams[] = {&bad_family};
    struct seen s = {0};
    size_t n = pb_tables_check(fams, 1, NULL, 0, collect, &s);
    assert_true(seen_has(&s, "bad/a/two: declared twice"));
    assert_true(seen_has(&s, "variant name 'Bad Name'"));
    assert_true(seen_has(&s, "bad/Bad Name: no summary"));
    assert_true(seen_has(&s, "pair a/one -> a/three: no variant 'a/three'"));
    assert_true(seen_has(&s, "'op_p42_ns' is not a metric"));
    assert_true(seen_has(&s, "'wait_p50_ns' is not a metric"));
    assert_true(seen_has(&s, "a variant against itself must be a control"));
    assert_true(seen_has(&s, "on real_time_ns: declared twice"));
    assert_true(seen_has(&s, "no headline pair"));
    assert_true(seen_has(&s, "latency series 'wake_ns'"));
    assert_true(seen_has(&s, "tally 'spread' has no unit suffix"));
    assert_true(seen_has(&s, "tally 2 has no name: a hole"));
    assert_true(seen_has(&s, "grid_metric 'nothing_ns'"));
    assert_true(seen_has(&s, "hist_metric 'gap'"));
    assert_false(seen_has(&s, "items_per_op'"));
    assert_false(seen_has(&s, "items_per_s"));
    assert_false(seen_has(&s, "migrations_per_op"));
    assert_true(seen_has(&s, "gauge 1 ('level') must be a name ending in _peak"));
    assert_false(seen_has(&s, "'level_peak'"));
    assert_true(seen_has(&s, "bad: no question for its plots' titles"));
    assert_int_equal(n, 16);
}

static void test_claim_mistakes(void **state)
{
    (void)state;
#define CLAIM(id_, lo_, hi_, how_, v_, b_, m_)                                                     \
    {                                                                                              \
        .id = id_, .claim = id_, .quoted = "q", .lo = lo_, .hi = hi_, .unit = "x", .os = {         \
            how_,                                                                                  \
            v_,                                                                                    \
            b_,                                                                                    \
            m_,                                                                                    \
            1                                                                                      \
        }                                                                                          \
    }
    struct pb_claim claims[] = {
        CLAIM("typo", 0.5, 2, PB_CLAIM_VALUE, "churn/spawn/unpined", NULL, "op_p50_ns"),
        CLAIM("metric", 0.5, 2, PB_CLAIM_VALUE, "churn/spawn/unpinned", NULL, "op_p95_ns"),
        CLAIM("unpaired", 2, 2, PB_CLAIM_RATIO, "churn/spawn/self_pinned_same",
              "churn/pool/unpinned", "op_p50_ns"),
        CLAIM("families", 2, 2, PB_CLAIM_RATIO, "churn/spawn/unpinned", "dispatch/inline/unpinned",
              "real_time_ns"),
        CLAIM("not_headline", 1, 1, PB_CLAIM_RATIO, "churn/spawn/unpinned_stack64k",
              "churn/spawn/unpinned", "op_p50_ns"),
        CLAIM("untested", NAN, NAN, PB_CLAIM_RATIO, "churn/spawn/self_pinned_same",
              "churn/pool/unpinned", "op_p50_ns"),
        /* the Go measurement is checked as strictly, and needs its relation sentence */
        CLAIM("go_typo", 0.5, 2, PB_CLAIM_VALUE, "churn/spawn/unpinned", NULL, "op_p50_ns"),
        CLAIM("go_norel", 0.5, 2, PB_CLAIM_VALUE, "churn/spawn/unpinned", NULL, "op_p50_ns"),
        CLAIM("go_unpaired", 0.5, 2, PB_CLAIM_VALUE, "churn/spawn/unpinned", NULL, "op_p50_ns"),
    };
#undef CLAIM
    claims[6].go =
        (struct pb_claim_measure){PB_CLAIM_VALUE, "go/lock/lockd", NULL, "real_time_ns", 1};
    claims[6].go_relation = "r";
    claims[7].go =
        (struct pb_claim_measure){PB_CLAIM_VALUE, "go/lock/locked", NULL, "real_time_ns", 1};
    claims[8].go = (struct pb_claim_measure){PB_CLAIM_RATIO, "go/dispatch/per_request",
                                             "go/dispatch/pool", "real_time_ns", 1};
    claims[8].go_relation = "r";
    struct seen s = {0};
    size_t n =
        pb_tables_check(pb_families, pb_n_families, claims, PB_ARRAY_LEN(claims), collect, &s);
    assert_true(seen_has(&s, "claims: typo: no variant 'churn/spawn/unpined'"));
    assert_true(seen_has(&s, "claims: metric: 'op_p95_ns' is not a metric"));
    assert_true(seen_has(&s, "claims: unpaired: no pair of"));
    assert_true(seen_has(&s, "claims: families: "));
    assert_true(seen_has(&s, "claims: not_headline: the pair it reads"));
    assert_false(seen_has(&s, "untested"));
    assert_true(seen_has(&s, "claims: go_typo: go: no variant 'go/lock/lockd'"));
    assert_true(seen_has(&s, "claims: go_norel: a Go measurement needs go_relation"));
    assert_true(seen_has(&s, "claims: go_unpaired: go: the pair it reads"));
    assert_int_equal(n, 8);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_real_tables_pass),
    cmocka_unit_test(test_family_mistakes),
    cmocka_unit_test(test_claim_mistakes),
};

const struct pb_test_group pb_group_tables = PB_GROUP("tables", tests);
