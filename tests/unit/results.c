/* results: atomic folders that are never overwritten; and ("resultdir") the checks a real run
 * folder must pass, used by tests/e2e.sh on folders written by pinbench itself. */
#include "../tests.h"

#include "results/json.h"
#include "results/results.h"
#include "util.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void rm_rf(const char *p)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0)
        fail_msg("cannot remove %s", p);
}

static int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static void test_results_atomic_never_overwritten(void **state)
{
    (void)state;
    char root[] = "/tmp/pinbench-res-XXXXXX";
    assert_non_null(mkdtemp(root));
    struct pb_results a, b;
    assert_int_equal(pb_results_begin(&a, root, "h", "same"), 0);
    assert_int_equal(pb_results_begin(&b, root, "h", "same"), 0);
    FILE *f = pb_results_open(&a, "summary.json");
    fputs("{}\n", f);
    assert_int_equal(pb_results_close(f, "summary.json"), 0);
    char dir[1400];
    snprintf(dir, sizeof dir, "%s/h", root);
    assert_int_equal(count_entries(dir, ".tmp-"), 2); /* nothing final until finish */
    assert_int_equal(pb_results_finish(&a), 0);
    /* same second, same label: b gets another name, a stays untouched */
    free(b.name);
    b.name = pb_xstrdup(a.name);
    assert_int_equal(pb_results_finish(&b), 0);
    assert_string_not_equal(a.final, b.final);
    char p[2048];
    snprintf(p, sizeof p, "%s/summary.json", a.final);
    assert_int_equal(access(p, R_OK), 0);
    assert_int_equal(count_entries(dir, ".tmp-"), 0);
    pb_results_free(&a);
    pb_results_free(&b);
    /* abort leaves nothing behind */
    struct pb_results c;
    assert_int_equal(pb_results_begin(&c, root, "h", NULL), 0);
    pb_results_abort(&c);
    assert_int_equal(count_entries(dir, ".tmp-"), 0);
    rm_rf(root);
}

/* Where the filesystem has no RENAME_NOREPLACE (9p, some network filesystems: EINVAL), the
 * folder is still published, still never over an existing one, and a failure leaves no
 * complete-looking folder. The fallback is forced here: no such filesystem can be mounted in a
 * test. */
static void test_results_finish_without_noreplace(void **state)
{
    (void)state;
    char root[] = "/tmp/pinbench-res-XXXXXX";
    assert_non_null(mkdtemp(root));
    setenv("PINBENCH_TEST_NO_RENAME_NOREPLACE", "1", 1);
    struct pb_results a, b;
    assert_int_equal(pb_results_begin(&a, root, "h", "x"), 0);
    assert_int_equal(pb_results_begin(&b, root, "h", "x"), 0);
    FILE *f = pb_results_open(&a, "summary.json");
    fputs("{}\n", f);
    assert_int_equal(pb_results_close(f, "summary.json"), 0);
    assert_int_equal(pb_results_finish(&a), 0);
    char p[2048];
    snprintf(p, sizeof p, "%s/summary.json", a.final);
    assert_int_equal(access(p, R_OK), 0);
    free(b.name);
    b.name = pb_xstrdup(a.name);
    assert_int_equal(pb_results_finish(&b), 0);
    assert_string_not_equal(a.final, b.final);
    assert_int_equal(access(p, R_OK), 0); /* a untouched */
    char dir[1400];
    snprintf(dir, sizeof dir, "%s/h", root);
    assert_int_equal(count_entries(dir, ".tmp-"), 0);
    unsetenv("PINBENCH_TEST_NO_RENAME_NOREPLACE");
    pb_results_free(&a);
    pb_results_free(&b);
    rm_rf(root);
}

/* Host names are one safe path component; a run's temporary folder is recognised. */
static void test_results_host_and_temporary(void **state)
{
    (void)state;
    char c[80];
    static const struct {
        const char *in, *out;
    } cases[] = {{"box-1.lan", "box-1.lan"},
                 {".", "_"},
                 {"..", "_."},
                 {"", "unknown-host"},
                 {"(none)", "unknown-host"},
                 {"a'b;c/d", "a_b_c_d"},
                 {"x\ny", "x_y"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pb_results_host_component(cases[i].in, c, sizeof c);
        assert_string_equal(c, cases[i].out);
    }
    char longname[300];
    memset(longname, 'h', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    pb_results_host_component(longname, c, sizeof c);
    assert_int_equal(strlen(c), 64);
    assert_true(pb_results_is_temporary("results/vm/.tmp-20260101T000000Z-12-0"));
    assert_true(pb_results_is_temporary(".tmp-x/"));
    assert_false(pb_results_is_temporary("results/vm/20260101T000000Z"));
    assert_false(pb_results_is_temporary("results/.tmp-x/vm/20260101T000000Z"));
}

static void test_results_unwritable_and_labels(void **state)
{
    (void)state;
    struct pb_results r;
    assert_int_equal(pb_results_begin(&r, "/proc/pinbench-cannot-exist", "h", NULL), -1);
    assert_non_null(strstr(pb_err(), "/proc/pinbench-cannot-exist"));
    assert_int_equal(pb_results_check_label("ok-1.2_x"), 0);
    assert_int_equal(pb_results_check_label("a/b"), -1);
    assert_int_equal(pb_results_check_label(".hidden"), -1);
    assert_int_equal(pb_results_check_label(""), -1);
    assert_int_equal(pb_results_check_label("sp ace"), -1);
}

/* ---- a real run folder (PB_RESULTS_DIR), checked by the end-to-end script ---- */

static char *file_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* Sum of the count column of a histogram CSV. */
static double csv_total(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    double total = 0;
    if (!fgets(line, sizeof line, f) || strcmp(line, "value_ns,count,cumulative_fraction\n")) {
        fclose(f);
        return -2;
    }
    while (fgets(line, sizeof line, f)) {
        double v, c, cum;
        if (sscanf(line, "%lf,%lf,%lf", &v, &c, &cum) != 3) {
            fclose(f);
            return -3;
        }
        total += c;
    }
    fclose(f);
    return total;
}

static void test_resultdir(void **state)
{
    (void)state;
    const char *dir = getenv("PB_RESULTS_DIR");
    if (!dir)
        fail_msg("PB_RESULTS_DIR is not set");
    bool one_cpu = getenv("PB_EXPECT_ONE_CPU") != NULL;
    const char *ep = getenv("PB_EXPECT_PLOTS");
    bool plots = !ep || strcmp(ep, "0") != 0;
    char p[2048];
    static const char *const files[] = {"gbench.json", "summary.json", "env.json"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        if (access(p, R_OK) != 0)
            fail_msg("missing %s", p);
    }
    /* every family that ran has its plot data, and its plots where gnuplot runs */
    snprintf(p, sizeof p, "%s/summary.json", dir);
    struct pb_json *sj = pb_json_load(p);
    if (!sj)
        fail_msg("%s", pb_err());
    const struct pb_json *vs = pb_json_get(sj, "variants");
    for (size_t i = 0; vs && i < vs->n; i++) {
        if (strcmp(pb_json_str(&vs->items[i], "status", ""), "ok"))
            continue;
        const char *fam = pb_json_str(&vs->items[i], "family", "");
        static const char *const kinds[] = {"medians.dat", "cdf.dat", "medians.svg",
                                            "medians.png", "cdf.svg", "cdf.png"};
        const char *vn = pb_json_str(&vs->items[i], "name", "");
        if (!strcmp(fam, "c2c") || (!strcmp(fam, "numa") && strstr(vn, "/matrix_"))) {
            /* the plan and its run time are stated, and kept */
            if (!strstr(pb_json_str(&vs->items[i], "plan", ""), "a block takes ~"))
                fail_msg("%s: no stated plan in summary.json", vn);
            /* each matrix variant has its CSV, its heatmap data and its own heatmap (its labels
             * reach gnuplot as arguments: no script is written into the folder) */
            const char *slash = strchr(vn, '/');
            if (!slash)
                fail_msg("variant without a family prefix: %s", vn);
            snprintf(p, sizeof p, "%s/hist/%s.%s.matrix.csv", dir, fam, slash + 1);
            if (access(p, R_OK) != 0)
                fail_msg("missing %s", p);
            static const char *const mk[] = {"dat", "png", "svg"};
            for (size_t k = 0; k < (plots ? 3u : 1u); k++) {
                snprintf(p, sizeof p, "%s/plots/%s.%s.%s", dir, fam, slash + 1, mk[k]);
                if (access(p, R_OK) != 0)
                    fail_msg("missing %s", p);
            }
        }
        if (!strcmp(fam, "isolation") || !strcmp(fam, "numa")) {
            /* what was walked or watched, where, and for how long, stated before it ran */
            if (!strstr(pb_json_str(&vs->items[i], "plan", ""), "a block takes ~"))
                fail_msg("%s: no stated plan in summary.json", vn);
        }
        if (!strcmp(fam, "isolation")) {
            /* the gap histogram, log-log */
            for (size_t k = 0; k < (plots ? 2u : 1u); k++) {
                snprintf(p, sizeof p, "%s/plots/isolation.hist.%s", dir, k ? "png" : "dat");
                if (access(p, R_OK) != 0)
                    fail_msg("missing %s", p);
            }
        }
        if (!strcmp(fam, "dispatch")) {
            static const char *const more[] = {"percentiles.dat", "sweep.dat", "threads.dat",
                                               "percentiles.png", "sweep.png", "threads.png"};
            for (size_t k = 0; k < (plots ? 6u : 3u); k++) {
                snprintf(p, sizeof p, "%s/plots/%s.%s", dir, fam, more[k]);
                if (access(p, R_OK) != 0)
                    fail_msg("missing %s", p);
            }
        }
        for (size_t k = 0; k < (plots ? 6u : 2u); k++) {
            snprintf(p, sizeof p, "%s/plots/%s.%s", dir, fam, kinds[k]);
            if (access(p, R_OK) != 0)
                fail_msg("missing %s", p);
        }
    }
    pb_json_free(sj);

    snprintf(p, sizeof p, "%s/gbench.json", dir);
    struct pb_json *gb = pb_json_load(p);
    if (!gb)
        fail_msg("%s", pb_err());
    const struct pb_json *ctx = pb_json_get(gb, "context");
    assert_non_null(ctx);
    const struct pb_json *caches = pb_json_get(ctx, "caches");
    assert_non_null(caches);
    assert_int_equal(caches->type, PB_JSON_ARR);
    static const char *const ctx_keys[] = {"kernel_release", "governor",
                                           "allowed_cpus",   "perf_event_paranoid",
                                           "clock_source",   "harness_sample_path_ns",
                                           "git_commit",     "build_type"};
    for (size_t i = 0; i < sizeof ctx_keys / sizeof ctx_keys[0]; i++)
        if (!pb_json_str(ctx, ctx_keys[i], NULL))
            fail_msg("gbench.json context lacks %s", ctx_keys[i]);
    const struct pb_json *bms = pb_json_get(gb, "benchmarks");
    assert_true(bms && bms->n > 0);
    /* Counters: an event that was not counted never appears, as 0 or otherwise. */
    snprintf(p, sizeof p, "%s/summary.json", dir);
    struct pb_json *sum = pb_json_load(p);
    if (!sum)
        fail_msg("%s", pb_err());
    const struct pb_json *ctr = pb_json_get(sum, "counters");
    assert_true(ctr && ctr->type == PB_JSON_ARR);
    bool user_only = getenv("PB_EXPECT_USER_ONLY") != NULL;
    for (size_t k = 0; k < ctr->n; k++) {
        const struct pb_json *e = &ctr->items[k];
        const char *key = pb_json_str(e, "counter", "");
        bool avail = pb_json_get(e, "available")->b;
        if (avail && user_only)
            assert_string_equal(pb_json_str(e, "privilege", ""), "user");
        if (user_only && (!strcmp(key, "ctx_switches") || !strcmp(key, "migrations")))
            assert_false(avail); /* kernel-only events: unavailable, not zero */
        if (avail)
            continue;
        assert_true(strlen(pb_json_str(e, "reason", "")) > 0);
        char per_op[96];
        snprintf(per_op, sizeof per_op, "%s_per_op", key);
        for (size_t i = 0; i < bms->n; i++)
            if (pb_json_get(&bms->items[i], per_op))
                fail_msg("%s reports %s, which was not counted",
                         pb_json_str(&bms->items[i], "name", ""), per_op);
    }
    pb_json_free(sum);
    for (size_t i = 0; i < bms->n; i++) {
        const char *name = pb_json_str(&bms->items[i], "name", "");
        if (!strstr(name, "/manual_time"))
            fail_msg("benchmark '%s' does not end in /manual_time", name);
        assert_string_equal(pb_json_str(&bms->items[i], "time_unit", ""), "ns");
    }
    pb_json_free(gb);

    snprintf(p, sizeof p, "%s/summary.json", dir);
    struct pb_json *s = pb_json_load(p);
    if (!s)
        fail_msg("%s", pb_err());
    if (!plots) {
        const struct pb_json *w = pb_json_get(s, "warnings");
        bool said = false;
        for (size_t i = 0; w && i < w->n; i++)
            said |= w->items[i].str && strstr(w->items[i].str, "plots for ") != NULL;
        if (!said)
            fail_msg("no plots, and no warning saying why");
    }
    const struct pb_json *inv = pb_json_get(s, "invalid");
    if (inv->n)
        fail_msg("invalid variant: %s: %s", pb_json_str(&inv->items[0], "variant", ""),
                 pb_json_str(&inv->items[0], "reason", ""));
    assert_true(pb_json_get(pb_json_get(s, "run"), "valid")->b);
    const struct pb_json *vars = pb_json_get(s, "variants");
    int skipped_other = 0, ran = 0;
    for (size_t i = 0; i < vars->n; i++) {
        const struct pb_json *v = &vars->items[i];
        const char *name = pb_json_str(v, "name", "");
        const char *status = pb_json_str(v, "status", "");
        if (!strcmp(status, "skipped")) {
            const char *why = pb_json_str(v, "reason", "");
            if (!strstr(why, "second CPU") && !strstr(why, "pair here") &&
                !strstr(why, "NUMA node") && !strstr(why, "isolated CPU"))
                fail_msg("%s skipped without a placement reason: '%s'", name, why);
            skipped_other++;
            continue;
        }
        assert_string_equal(status, "ok");
        ran++;
        /* counts add up: every repetition's ops are in the merged op histogram */
        double reps = pb_json_num(v, "repetitions", 0);
        double iters = pb_json_num(v, "iterations_per_repetition", 0);
        double samples = pb_json_num(pb_json_get(v, "histogram_samples"), "op", -1);
        double per_sample = pb_json_num(v, "operations_per_sample", 0);
        bool batched = per_sample > 1;
        if (fabs(samples * per_sample - reps * iters) > 0.5)
            fail_msg("%s: %g op samples of %g operations for %g repetitions x %g iterations", name,
                     samples, per_sample, reps, iters);
        if (!batched) {
            char stem[256];
            snprintf(stem, sizeof stem, "%s", name);
            for (char *c = stem; *c; c++)
                if (*c == '/')
                    *c = '.';
            snprintf(p, sizeof p, "%s/hist/%s.op.csv", dir, stem);
            double total = csv_total(p);
            if (total != samples)
                fail_msg("%s: CSV holds %g samples, summary says %g", p, total, samples);
        }
        const struct pb_json *med = pb_json_get(v, "medians");
        double start = pb_json_num(med, "threads_start", NAN);
        double peak = pb_json_num(med, "threads_peak", NAN);
        if (strstr(name, "churn/pool/") || strstr(name, "churn/spawn/"))
            assert_near(peak, start + 1, 0); /* bounded: one worker, or one thread per op */
        if (strstr(name, "pinned_same") && !strstr(name, "unpinned"))
            assert_near(pb_json_num(med, "child_on_creator_cpu_ratio", NAN), 1, 0);
        if (strstr(name, "pinned_other"))
            assert_near(pb_json_num(med, "child_on_creator_cpu_ratio", NAN), 0, 0);
        if (strstr(name, "churn/"))
            assert_near(pb_json_num(med, "work_per_op", NAN), 1, 0);
        if (!strncmp(name, "dispatch/", 9)) {
            /* every request answered; closed loop: all C clients every round */
            if (strstr(name, "/open/")) {
                assert_true(pb_json_num(med, "offered_rate_per_s", 0) > 0);
                assert_true(pb_json_num(med, "achieved_rate_per_s", 0) > 0);
            } else {
                double answered = pb_json_num(med, "requests_answered_per_op", 0);
                assert_true(answered >= 2 && answered == (double)(long)answered);
            }
            assert_true(pb_json_num(med, "threads_peak_sampled", 0) >= 1);
            assert_true(pb_json_num(med, "request_p50_ns", 0) > 0);
        }
        /* counter checks pass, or say why they were not made */
        const struct pb_json *checks = pb_json_get(v, "counter_checks");
        for (size_t k = 0; checks && k < checks->n; k++) {
            const char *c = checks->items[k].str;
            if (!strstr(c, ": pass: ") && !strstr(c, ": not checked: "))
                fail_msg("%s: counter check '%s'", name, c);
            if (user_only && (strstr(c, "ctx_switches") || strstr(c, "migrations: ")))
                assert_non_null(strstr(c, "not checked"));
        }
    }
    assert_true(ran > 0);
    /* as many as `pinbench list` says would be skipped with these CPUs (0 with two or more) */
    const char *want = getenv("PB_EXPECT_SKIPPED");
    int expect_skipped = want ? (int)strtol(want, NULL, 10) : 0;
    assert_int_equal(skipped_other, expect_skipped);
    assert_true(!one_cpu || expect_skipped > 0);
    const struct pb_json *pairs = pb_json_get(s, "pairs");
    assert_true(pairs && pairs->type == PB_JSON_ARR);
    for (size_t i = 0; i < pairs->n; i++) {
        const char *verdict = pb_json_str(&pairs->items[i], "verdict", "");
        assert_true(strlen(verdict) > 0);
        const struct pb_json *deltas = pb_json_get(&pairs->items[i], "counter_deltas");
        assert_true(deltas && deltas->type == PB_JSON_ARR);
        bool counted = strcmp(verdict, "skipped") && strcmp(verdict, "invalid");
        bool has_clock = false;
        for (size_t k = 0; deltas && k < deltas->n; k++)
            has_clock |=
                !strcmp(pb_json_str(&deltas->items[k], "counter", ""), "task_clock_ns_per_op");
        if (counted && getenv("PB_EXPECT_TASK_CLOCK"))
            assert_true(has_clock); /* the pair table carries the counter deltas */
        if (!strcmp(verdict, "skipped"))
            assert_true(expect_skipped > 0);
    }
    pb_json_free(s);
    assert_non_null(file_text(p));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_results_atomic_never_overwritten),
    cmocka_unit_test(test_results_unwritable_and_labels),
    cmocka_unit_test(test_results_finish_without_noreplace),
    cmocka_unit_test(test_results_host_and_temporary),
};
const struct pb_test_group pb_group_results = PB_GROUP("results", tests);

static const struct CMUnitTest dir_tests[] = {
    cmocka_unit_test(test_resultdir),
};
const struct pb_test_group pb_group_resultdir = PB_GROUP("resultdir", dir_tests);

/* A file that must parse as Google Benchmark JSON (PB_JSON_FILE), e.g. captured stdout. */
static void test_jsonfile(void **state)
{
    (void)state;
    const char *path = getenv("PB_JSON_FILE");
    if (!path)
        fail_msg("PB_JSON_FILE is not set");
    struct pb_json *j = pb_json_load(path);
    if (!j)
        fail_msg("%s", pb_err());
    assert_non_null(pb_json_get(j, "context"));
    const struct pb_json *b = pb_json_get(j, "benchmarks");
    assert_true(b && b->type == PB_JSON_ARR && b->n > 0);
    pb_json_free(j);
}

static const struct CMUnitTest file_tests[] = {
    cmocka_unit_test(test_jsonfile),
};
const struct pb_test_group pb_group_jsonfile = PB_GROUP("jsonfile", file_tests);
