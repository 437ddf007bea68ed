/* gbench: the C API over Google Benchmark, driven in-process: arguments, the batched loop with
 * manual time, counters with their flags, labels, skip-with-error, context and the JSON file. */
#include "../tests.h"

#include "run/gbench.h"
#include "results/json.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct seen {
    int reps_ok, reps_err, aggregates;
    double manual_ns, rate, avg, plain, arg;
    char err[128];
};

static void bm_counters(pb_gb_state *st, void *user)
{
    (void)user;
    uint64_t n = 0;
    while (pb_gb_keep_running_batch(st, 10)) {
        n += 10;
        pb_gb_set_iteration_time(st, 10 * 1e-6); /* 1 us per iteration, by decree */
    }
    pb_gb_counter(st, "plain_count", 7, PB_GB_COUNTER_PLAIN);
    pb_gb_counter(st, "per_iter", (double)n * 3, PB_GB_COUNTER_AVG_ITERATIONS);
    pb_gb_counter(st, "per_second", (double)n, PB_GB_COUNTER_RATE);
    pb_gb_counter(st, "arg_value", (double)pb_gb_arg(st, 0), PB_GB_COUNTER_PLAIN);
    pb_gb_label(st, "label-from-c");
}

static void bm_fails(pb_gb_state *st, void *user)
{
    (void)user;
    pb_gb_skip_with_error(st, "invalid: on purpose");
    assert_true(pb_gb_error_occurred(st));
}

static void on_report(const struct pb_gb_report *r, void *user)
{
    struct seen *s = user;
    if (r->aggregate) {
        s->aggregates++;
        return;
    }
    if (r->error) {
        s->reps_err++;
        snprintf(s->err, sizeof s->err, "%s", r->error_message);
        return;
    }
    s->reps_ok++;
    s->manual_ns = r->real_time_ns;
    for (size_t i = 0; i < r->n_counters; i++) {
        if (!strcmp(r->counter_names[i], "per_second"))
            s->rate = r->counter_values[i];
        else if (!strcmp(r->counter_names[i], "per_iter"))
            s->avg = r->counter_values[i];
        else if (!strcmp(r->counter_names[i], "plain_count"))
            s->plain = r->counter_values[i];
        else if (!strcmp(r->counter_names[i], "arg_value"))
            s->arg = r->counter_values[i];
    }
}

static void test_gbench_shim(void **state)
{
    (void)state;
    static const int64_t args[] = {42};
    struct pb_gb_opts o = {.manual_time = true, .iterations = 1000, .args = args, .n_args = 1};
    int counters = pb_gb_register("shim/counters", bm_counters, NULL, &o);
    assert_true(counters >= 0);
    struct pb_gb_opts f = {.manual_time = true};
    int fails = pb_gb_register("shim/fails", bm_fails, NULL, &f);
    assert_int_equal(fails, counters + 1);
    assert_int_equal(pb_gb_register(NULL, bm_fails, NULL, &f), -1);
    pb_gb_add_context("pinbench_test_key", "test value");

    char *argv[] = {"unit", "--benchmark_filter=^shim/", "--benchmark_repetitions=3",
                    "--benchmark_enable_random_interleaving=true", NULL};
    int argc = 4;
    assert_int_equal(pb_gb_init(&argc, argv), 0);
    char path[] = "/tmp/pinbench-gb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct seen s = {0};
    /* three blocks of each, as the scheduler would run them; --benchmark_repetitions is the
     * scheduler's, not Google Benchmark's: each block is one run */
    assert_int_equal(pb_gb_run_begin(on_report, &s), 0);
    for (int k = 0; k < 3; k++) {
        bool err;
        assert_int_equal(pb_gb_run_block(counters, 0, true, &err), 1000);
        assert_false(err);
        assert_true(pb_gb_run_block(fails, 0, true, &err) >= 0);
        assert_true(err);
    }
    bool err;
    pb_gb_run_block(counters, 0, false, &err); /* a calibration: neither kept nor passed on */
    assert_int_equal(pb_gb_run_end(path, NULL), 0);
    assert_int_equal(s.reps_ok, 3);
    assert_int_equal(s.reps_err, 3);
    assert_non_null(strstr(s.err, "on purpose"));
    assert_int_equal(s.aggregates, 0);    /* the callback hears of blocks only */
    assert_near(s.manual_ns, 1000, 1e-6); /* manual time: 1 us per iteration */
    assert_near(s.plain, 7, 0);
    assert_near(s.avg, 3, 1e-9);    /* value / iterations */
    assert_near(s.rate, 1e6, 1e-3); /* value / manual seconds: 1000 per 1 ms */
    assert_near(s.arg, 42, 0);

    struct pb_json *j = pb_json_load(path);
    if (!j)
        fail_msg("%s", pb_err());
    assert_string_equal(pb_json_str(pb_json_get(j, "context"), "pinbench_test_key", ""),
                        "test value");
    const struct pb_json *b = pb_json_get(j, "benchmarks");
    assert_true(b->n >= 6);
    int aggregates = 0;
    for (size_t i = 0; i < b->n; i++)
        aggregates += !strcmp(pb_json_str(&b->items[i], "run_type", ""), "aggregate");
    assert_int_equal(aggregates, 4); /* mean, median, stddev, cv of the good blocks */
    int found = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(pb_json_str(&b->items[i], "name", ""), "shim/counters/42/manual_time"))
            continue;
        assert_string_equal(pb_json_str(&b->items[i], "label", ""), "label-from-c");
        found++;
    }
    assert_int_equal(found, 3); /* one entry per block */
    pb_json_free(j);
    unlink(path);
}

/* Unknown arguments are refused with their name, before anything runs. */
static void test_gbench_unknown_argument(void **state)
{
    (void)state;
    char *argv[] = {"unit", "--benchmark_nonsense=1", NULL};
    int argc = 2;
    assert_int_equal(pb_gb_init(&argc, argv), -1);
    assert_non_null(strstr(pb_err(), "--benchmark_nonsense=1"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gbench_shim),
    cmocka_unit_test(test_gbench_unknown_argument),
};
const struct pb_test_group pb_group_gbench = PB_GROUP("gbench", tests);
