/* report: a run's record (run.json, env.json) from reported repetitions, and the pairs,
 * warnings and summary.json derived from that folder alone. */
#include "../tests.h"

#include "core/clock.h"
#include "core/env.h"
#include "results/json.h"
#include "core/pin.h"
#include "run/record.h"
#include "report/report.h"
#include "results/results.h"
#include "results/rset.h"
#include "run/selfbench.h"
#include "core/topo.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int op_nop(struct pb_run *r)
{
    (void)r;
    return 0;
}

static const struct pb_variant vars[] = {
    {"base", "baseline", .op = op_nop},
    {"slow", "20 % slower", .op = op_nop},
    {"twin", "same as base", .op = op_nop, .zero_tally = "op_p50_ns", .zero_means = "not quiet"},
    {"far", "needs another CPU", .place.needs = PB_NEED_OTHER_CPU, .op = op_nop},
};
static const struct pb_pair_decl pairs[] = {
    PB_PAIR("base", "slow", "op_p50_ns"),
    PB_PAIR("base", "twin", "op_p50_ns"),
    PB_PAIR("base", "far", "op_p50_ns"),
};
static const struct pb_family fam = {
    .name = "syn",
    .summary = "synthetic",
    .variants = vars,
    .n_variants = 4,
    .pairs = pairs,
    .n_pairs = 3,
};

/* Feeds the runner repetitions as Google Benchmark would report them, and writes the same rows
 * into gbench.json's "benchmarks" (gb; NULL: not written). */
static void feed(struct pb_runner *R, FILE *gb, size_t *rows, const char *name, const double *p50,
                 size_t n)
{
    for (size_t i = 0; gb && i < n; i++)
        fprintf(gb,
                "%s{\"name\": \"%s\", \"run_type\": \"iteration\", \"time_unit\": \"ns\", "
                "\"real_time\": %.17g, \"op_p50_ns\": %.17g}",
                (*rows)++ ? ",\n" : "", name, p50[i], p50[i]);
    for (size_t i = 0; i < n; i++) {
        const char *names[] = {"op_p50_ns"};
        double vals[] = {p50[i]};
        struct pb_gb_report run = {.name = name,
                                   .repetition_index = (int64_t)i,
                                   .repetitions = (int64_t)n,
                                   .iterations = 100,
                                   .real_time_ns = p50[i],
                                   .cpu_time_ns = p50[i],
                                   .n_counters = 1,
                                   .counter_names = names,
                                   .counter_values = vals};
        pb_runner_on_report(&run, R);
    }
}

static void test_report_pairs_and_files(void **state)
{
    (void)state;
    assert_int_equal(pb_clock_init(PB_CLOCK_WANT_AUTO), 0);
    struct pb_topo topo;
    assert_int_equal(pb_topo_load(&topo, "package:1 l3:1 core:2 pu:1"), 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    const struct pb_family *fams[] = {&fam};
    struct pb_runner R;
    assert_int_equal(pb_runner_prepare(&R, fams, 1, &one, &topo), 0);
    char root[] = "/tmp/pinbench-test-XXXXXX";
    assert_non_null(mkdtemp(root));
    struct pb_results res;
    assert_int_equal(pb_results_begin(&res, root, "host", "t"), 0);
    FILE *gb = pb_results_open(&res, "gbench.json");
    assert_non_null(gb);
    fprintf(gb, "{\"benchmarks\": [\n");
    double base[] = {100, 102, 98, 101, 99, 100, 100};
    double slow[] = {120, 122, 118, 121, 119, 120, 120};
    double twin[] = {101, 99, 100, 98, 102, 100, 101};
    size_t rows = 0;
    feed(&R, gb, &rows, "syn/base/manual_time", base, 7);
    feed(&R, gb, &rows, "syn/slow/manual_time", slow, 7);
    feed(&R, gb, &rows, "syn/twin/manual_time", twin, 7);
    fprintf(gb, "\n]}\n");
    assert_int_equal(pb_results_close(gb, "gbench.json"), 0);
    /* the scheduler's blocks: 7 main quartets A B B A of each runnable pair */
    struct pb_sched S;
    pb_sched_prepare(&S, &R);
    assert_int_equal(S.n_pairs, 2);
    for (size_t i = 0; i < S.n_pairs; i++) {
        const double *v = !strcmp(S.pairs[i].decl->variant, "slow") ? slow : twin;
        S.pairs[i].blocks = calloc(28, sizeof(struct pb_block));
        for (int k = 0; k < 7; k++) {
            struct pb_block *q = &S.pairs[i].blocks[4 * k];
            q[0] = (struct pb_block){k, base[k], PB_SIDE_BASELINE, PB_PHASE_MAIN};
            q[1] = (struct pb_block){k, v[k], PB_SIDE_VARIANT, PB_PHASE_MAIN};
            q[2] = (struct pb_block){k, v[k], PB_SIDE_VARIANT, PB_PHASE_MAIN};
            q[3] = (struct pb_block){k, base[k], PB_SIDE_BASELINE, PB_PHASE_MAIN};
        }
        S.pairs[i].n_blocks = 28;
    }
    struct pb_env env = {0};
    pb_env_capture(&env, &one, &topo);
    struct pb_overheads ov;
    memset(&ov, 0, sizeof ov);
    ov.sample_path_ratio = 1.2;
    struct pb_run_meta meta = {.profile = "quick",
                               .label = "t",
                               .cpus = "0",
                               .command_line = "pinbench run",
                               .started_utc = "2026-01-01T00:00:00Z",
                               .repetitions = 7,
                               .min_time_s = 0.01,
                               .budget_s = 10,
                               .precision_pct = 5,
                               .measured_s = 1.5,
                               .blocks_run = 28,
                               .overrun = true};
    assert_int_equal(pb_record_write(&res, &R, &S, &env, &ov, &meta), 0);
    /* everything after the record comes from the folder: the runner is gone */
    pb_sched_free(&S);
    pb_runner_free(&R);
    struct pb_rset rs;
    if (pb_rset_load_own(&rs, res.tmp) < 0)
        fail_msg("%s", pb_err());
    size_t n = 0;
    struct pb_pair_result *p = pb_report_folder_pairs(&rs, &n);
    assert_int_equal(n, 3);
    assert_string_equal(p[0].verdict, "slower");
    assert_near(p[0].ratio, 1.2, 1e-9);
    assert_true(p[0].q_value < 0.05 && p[0].q_value >= p[0].p_value);
    assert_string_equal(p[1].verdict, "equivalent");
    assert_string_equal(p[2].verdict, "skipped");
    assert_non_null(strstr(p[2].note, "second CPU"));
    pb_report_pairs_free(p, n);
    size_t n_warn = 0;
    assert_int_equal(pb_report_derive(&rs, NULL, &n_warn), 0);
    assert_true(n_warn > 0);
    pb_rset_free(&rs);
    assert_int_equal(pb_results_finish(&res), 0);

    char path[2048];
    /* the record holds the blocks and the manifest, and no statistic */
    snprintf(path, sizeof path, "%s/run.json", res.final);
    struct pb_json *rec = pb_json_load(path);
    if (!rec)
        fail_msg("%s", pb_err());
    assert_string_equal(pb_json_str(rec, "schema", ""), "pinbench-run-1");
    assert_non_null(pb_json_get(rec, "manifest"));
    const struct pb_json *ov_run = pb_json_get(pb_json_get(rec, "run"), "overrun");
    assert_true(ov_run && ov_run->type == PB_JSON_BOOL && ov_run->b); /* a cut run says so */
    const struct pb_json *rp = pb_json_get(rec, "pairs");
    assert_int_equal(rp->n, 3);
    assert_non_null(pb_json_get(&rp->items[0], "blocks"));
    assert_null(pb_json_get(&rp->items[0], "ratio"));
    assert_null(pb_json_get(&rp->items[0], "p_value"));
    assert_string_equal(pb_json_str(&rp->items[2], "verdict", ""), "skipped");
    pb_json_free(rec);
    snprintf(path, sizeof path, "%s/summary.json", res.final);
    struct pb_json *j = pb_json_load(path);
    if (!j)
        fail_msg("%s", pb_err());
    assert_string_equal(pb_json_str(j, "schema", ""), "pinbench-summary-2");
    assert_string_equal(pb_json_str(j, "derived_from", ""), "run.json");
    assert_null(pb_json_get(j, "manifest")); /* run.json seals the folder, not a derived file */
    const struct pb_json *run = pb_json_get(j, "run");
    assert_string_equal(pb_json_str(run, "profile", ""), "quick");
    assert_int_equal(pb_json_get(run, "valid")->type, PB_JSON_BOOL);
    assert_true(pb_json_get(run, "valid")->b);
    const struct pb_json *jp = pb_json_get(j, "pairs");
    assert_int_equal(jp->n, 3);
    static const char *const keys[] = {"experiment", "baseline", "variant", "metric",  "unit",
                                       "ratio",      "ci_low",   "ci_high", "p_value", "verdict"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (!pb_json_get(&jp->items[0], keys[k]))
            fail_msg("pairs[0] lacks '%s'", keys[k]);
    assert_near(pb_json_num(&jp->items[0], "ratio", 0), 1.2, 1e-9);
    assert_string_equal(pb_json_str(&jp->items[0], "unit", ""), "ns");
    assert_true(pb_json_num(&jp->items[0], "p_value", 1) < 0.05);
    assert_int_equal(pb_json_get(&jp->items[2], "ratio")->type, PB_JSON_NULL);
    const struct pb_json *sk = pb_json_get(j, "skipped");
    assert_int_equal(sk->n, 1);
    assert_string_equal(pb_json_str(&sk->items[0], "variant", ""), "syn/far");
    /* a tally that must read 0 and did not: warned, with the repetitions and the meaning */
    const struct pb_json *warn = pb_json_get(j, "warnings");
    assert_non_null(warn);
    bool zero_warned = false;
    for (size_t k = 0; k < warn->n; k++)
        zero_warned |= warn->items[k].str &&
                       strstr(warn->items[k].str, "syn/twin: op_p50_ns was not 0 in 7 of 7 "
                                                  "repetitions (up to 102): not quiet") != NULL;
    assert_true(zero_warned);
    assert_near(
        pb_json_num(pb_json_get(j, "harness_overhead"), "sample_path_vs_rdtscp_pair_ratio", 0), 1.2,
        1e-12);
    pb_json_free(j);

    snprintf(path, sizeof path, "%s/env.json", res.final);
    j = pb_json_load(path);
    assert_non_null(j);
    assert_non_null(pb_json_str(j, "kernel_release", NULL));
    assert_non_null(pb_json_str(j, "clock_source", NULL));
    assert_non_null(pb_json_str(j, "perf_event_paranoid", NULL));
    pb_json_free(j);

    snprintf(path, sizeof path, "%s/plots/syn.medians.dat", res.final);
    assert_int_equal(access(path, R_OK), 0);
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
    pb_results_free(&res);
    pb_env_free(&env);
    pb_topo_free(&topo);
}

static void test_report_format_units(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(pb_report_fmt("op_p50_ns", 25300, b, sizeof b), "25.3 us");
    assert_string_equal(pb_report_fmt("op_p50_ns", 999, b, sizeof b), "999 ns");
    assert_string_equal(pb_report_fmt("op_p50_ns", 1.5e6, b, sizeof b), "1.5 ms");
    assert_string_equal(pb_report_fmt("vmrss_delta_kib", 12, b, sizeof b), "12 KiB");
    assert_string_equal(pb_report_fmt("op_p50_ns", NAN, b, sizeof b), "-");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_report_pairs_and_files),
    cmocka_unit_test(test_report_format_units),
};
const struct pb_test_group pb_group_report = PB_GROUP("report", tests);
