/* compare, regress, the cost model and the exports, on synthetic result folders with known
 * differences: a 20 % slowdown with a tight spread is caught, noise inside the CI is not,
 * mismatched environments warn, and malformed, truncated or partial folders are refused with one
 * line. The "compare_cli" group drives the pinbench binary ($PB_BIN) over the same folders for
 * exit statuses. */
#include "../tests.h"

#include "report/compare.h"
#include "report/costmodel.h"
#include "core/env.h"
#include "results/json.h"
#include "report/readable.h"
#include "results/rset.h"
#include "util.h"

#include <math.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REPS 8

/* A variant's repetitions: time per op scale x (1 + jitter_k). */
struct synth_var {
    const char *name; /* "fam/variant" */
    double ns;        /* typical time per op */
    double spread;    /* relative jitter amplitude */
    const char *status;
};

/* Writes a results folder: gbench.json (REPS rows per ok variant), summary.json (variants, one
 * pair syn/base -> syn/pinned on real_time_ns), env.json (cpu_model as given). */
static void make_set(const char *dir, const struct synth_var *v, size_t n, const char *cpu_model,
                     unsigned seed)
{
    assert_int_equal(mkdir(dir, 0777) == 0 || access(dir, F_OK) == 0, 1);
    char p[600];
    snprintf(p, sizeof p, "%s/gbench.json", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "{\"context\": {}, \"benchmarks\": [\n");
    bool first = true;
    uint64_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].status, "ok"))
            continue;
        for (int r = 0; r < REPS; r++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(x >> 11) / 9007199254740992.0 * 2 - 1; /* -1..1 */
            double t = v[i].ns * (1 + v[i].spread * u);
            fprintf(f,
                    "%s{\"name\": \"%s/manual_time\", \"run_name\": \"%s/manual_time\", "
                    "\"run_type\": \"iteration\", \"repetitions\": %d, \"repetition_index\": %d, "
                    "\"iterations\": 1000, \"real_time\": %.6f, \"cpu_time\": %.6f, "
                    "\"time_unit\": \"ns\", \"op_p50_ns\": %.6f, \"op_p99_ns\": %.6f}\n",
                    first ? "" : ",", v[i].name, v[i].name, REPS, r, t, t, t, t * 2);
            first = false;
        }
        fprintf(f,
                ",{\"name\": \"%s/manual_time_median\", \"run_type\": \"aggregate\", "
                "\"aggregate_name\": \"median\", \"real_time\": 1, \"time_unit\": \"ns\"}\n",
                v[i].name);
    }
    fprintf(f, "]}\n");
    fclose(f);
    snprintf(p, sizeof p, "%s/summary.json", dir);
    f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"schema\": \"pinbench-summary-1\", \"run\": {\"host\": \"h\", \"profile\": "
            "\"default\", \"repetitions\": %d, \"min_time_s\": 0.1, \"valid\": true, "
            "\"partial\": false, \"stopped_by\": null},\n"
            "\"pairs\": [{\"experiment\": \"syn\", \"baseline\": \"base\", \"variant\": "
            "\"pinned\", \"metric\": \"real_time_ns\", \"verdict\": \"faster\"}],\n"
            "\"variants\": [",
            REPS);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "%s{\"name\": \"%s\", \"family\": \"syn\", \"status\": \"%s\", \"reason\": %s, "
                "\"placement\": \"home cpu 0\"}",
                i ? "," : "", v[i].name, v[i].status,
                strcmp(v[i].status, "ok") ? "\"one NUMA node: all memory is local\"" : "null");
    fprintf(f, "], \"skipped\": [], \"invalid\": [], \"warnings\": []}\n");
    fclose(f);
    char env[600];
    snprintf(env, sizeof env,
             "{\"schema\": \"pinbench-env-1\", \"cpu_model\": \"%s\", \"kernel_release\": \"6.1\", "
             "\"allowed_cpu_count\": \"16\", "
             "\"smt_active\": \"0\", \"governor\": \"performance\", \"build_type\": \"release\"}\n",
             cpu_model);
    pb_test_write_file(dir, "env.json", env);
    pb_test_seal_folder(dir);
}

static char root[64];

/* The three standard folders: A as set_a; B with pinned 20 % slower, tight (the pair ratio and
 * pinned's median both regress); C as A with noise inside the spread (5 %), on `c_cpu`. */
static void make_abc(char a[128], char b[128], char c[128], const char *c_cpu);

static void mk_root(void)
{
    snprintf(root, sizeof root, "/tmp/pinbench-cmp-XXXXXX");
    assert_non_null(mkdtemp(root));
}

static void rm_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static const struct pb_verdict *find_verdict(const struct pb_verdict *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].c.name, name))
            return &v[i];
    return NULL;
}

/* The standard A: base 100 us, pinned 50 us (pair ratio 0.5), tight spreads. */
static const struct synth_var set_a[] = {
    {"syn/base", 100000, 0.01, "ok"},
    {"syn/pinned", 50000, 0.01, "ok"},
    {"syn/far", 1000, 0.01, "skipped"},
};

static void make_abc(char a[128], char b[128], char c[128], const char *c_cpu)
{
    snprintf(a, 128, "%s/a", root);
    snprintf(b, 128, "%s/b", root);
    snprintf(c, 128, "%s/c", root);
    make_set(a, set_a, 3, "Xeon", 1);
    struct synth_var slow[3];
    memcpy(slow, set_a, sizeof slow);
    slow[1].ns = 60000;
    make_set(b, slow, 3, "Xeon", 2);
    struct synth_var noisy[3];
    memcpy(noisy, set_a, sizeof noisy);
    noisy[0].spread = noisy[1].spread = 0.05;
    make_set(c, noisy, 3, c_cpu, 3);
}

static void test_regress_catches_slowdown(void **state)
{
    (void)state;
    mk_root();
    char a[128], b[128], c[128];
    make_abc(a, b, c, "Xeon");

    struct pb_rset sa, sb, sc;
    assert_int_equal(pb_rset_load(&sa, a), 0);
    assert_int_equal(pb_rset_load(&sb, b), 0);
    assert_int_equal(pb_rset_load(&sc, c), 0);
    assert_int_equal(pb_rset_series(&sa, "syn/base", "real_time_ns")->n, REPS); /* no aggregates */
    struct pb_thresholds t = {.default_pct = 10};
    struct pb_verdict *v;
    bool fp;
    char why[512];
    size_t n = pb_regress_judge(&sa, &sb, &t, &v, &fp, why, sizeof why);
    assert_true(fp);
    const struct pb_verdict *pin = find_verdict(v, n, "syn/pinned");
    const struct pb_verdict *pair = find_verdict(v, n, "syn: base -> pinned");
    const struct pb_verdict *base = find_verdict(v, n, "syn/base");
    assert_non_null(pin);
    assert_non_null(pair);
    assert_non_null(base);
    assert_true(pin->regression);
    assert_near(pin->c.ratio, 1.2, 0.02);
    assert_true(pin->c.p < 0.01);
    assert_true(pair->regression);
    assert_false(base->regression);
    const struct pb_verdict *far = find_verdict(v, n, "syn/far"); /* listed, not judged */
    assert_non_null(far);
    assert_false(far->regression);
    assert_true(isnan(far->c.ratio));
    assert_non_null(strstr(far->c.note, "one NUMA node"));
    free(v);

    /* a 30 % threshold for pinned lets the same change through */
    snprintf(t.pattern[0], sizeof t.pattern[0], "syn/pin*");
    t.pct[0] = 30;
    snprintf(t.pattern[1], sizeof t.pattern[1], "syn: base -> *");
    t.pct[1] = NAN;
    t.n = 2;
    n = pb_regress_judge(&sa, &sb, &t, &v, &fp, why, sizeof why);
    assert_false(find_verdict(v, n, "syn/pinned")->regression);
    assert_false(find_verdict(v, n, "syn: base -> pinned")->regression);
    free(v);
    t.n = 0;

    /* noise inside the CI is not a regression */
    n = pb_regress_judge(&sa, &sc, &t, &v, &fp, why, sizeof why);
    for (size_t i = 0; i < n; i++)
        if (v[i].regression)
            fail_msg("noise flagged: %s ratio %.3f p %.3g", v[i].c.name, v[i].c.ratio, v[i].c.p);
    free(v);

    /* compare marks the slowdown significant and worse, the skipped variant with its reason */
    struct pb_change *ch;
    n = pb_compare_changes(&sa, &sb, 0.05, &ch);
    bool seen_pin = false, seen_far = false;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(ch[i].name, "syn/pinned") && !strcmp(ch[i].metric, "real_time_ns")) {
            seen_pin = true;
            assert_true(ch[i].significant);
            assert_int_equal(ch[i].worse, 1);
        }
        if (!strcmp(ch[i].name, "syn/far")) {
            seen_far = true;
            assert_non_null(strstr(ch[i].note, "one NUMA node"));
        }
    }
    assert_true(seen_pin && seen_far);
    free(ch);
    pb_rset_free(&sa);
    pb_rset_free(&sb);
    pb_rset_free(&sc);
    rm_root();
}

/* Another CPU: compare flags it questionable, regress judges pair ratios only. */
static void test_mismatched_environments(void **state)
{
    (void)state;
    mk_root();
    char a[128], b[128];
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, sizeof b, "%s/b", root);
    make_set(a, set_a, 3, "Xeon", 1);
    struct synth_var slow[3];
    memcpy(slow, set_a, sizeof slow);
    slow[0].ns *= 2; /* a slower box: everything twice as slow, the ratio unchanged */
    slow[1].ns *= 2;
    make_set(b, slow, 3, "EPYC", 2);
    struct pb_rset sa, sb;
    assert_int_equal(pb_rset_load(&sa, a), 0);
    assert_int_equal(pb_rset_load(&sb, b), 0);
    struct pb_env_diff d[8];
    size_t nd = pb_compare_env(&sa, &sb, d, 8);
    assert_int_equal(nd, 1);
    assert_string_equal(d[0].key, "cpu_model");
    assert_true(d[0].questionable);
    struct pb_thresholds t = {.default_pct = 10};
    struct pb_verdict *v;
    bool fp;
    char why[512];
    size_t n = pb_regress_judge(&sa, &sb, &t, &v, &fp, why, sizeof why);
    assert_false(fp);
    assert_non_null(strstr(why, "cpu_model"));
    assert_int_equal(n, 1); /* the pair only */
    assert_true(v[0].c.is_pair);
    assert_false(v[0].regression);
    free(v);
    /* the same box, all twice as slow: absolute medians regress, and the run-wide drift says
     * the machine moved; --ratios-only judges the unchanged pair alone */
    make_set(b, slow, 3, "Xeon", 2);
    pb_rset_free(&sb);
    assert_int_equal(pb_rset_load(&sb, b), 0);
    n = pb_regress_judge(&sa, &sb, &t, &v, &fp, why, sizeof why);
    assert_true(fp);
    size_t used;
    assert_near(pb_regress_drift(v, n, &used), 2.0, 0.05);
    assert_int_equal(used, 2);
    free(v);
    t.ratios_only = true;
    n = pb_regress_judge(&sa, &sb, &t, &v, &fp, why, sizeof why);
    assert_false(fp);
    assert_int_equal(n, 1);
    assert_false(v[0].regression);
    free(v);
    pb_rset_free(&sa);
    pb_rset_free(&sb);
    rm_root();
}

/* Missing, truncated, foreign and empty folders: refused with one line naming the problem. */
static void test_bad_folders(void **state)
{
    (void)state;
    mk_root();
    struct pb_rset s;
    char d[128], p[300];
    assert_int_equal(pb_rset_load(&s, "/nonexistent/pinbench"), -1);
    assert_non_null(strstr(pb_err(), "not a results folder"));
    snprintf(d, sizeof d, "%s/partial", root);
    make_set(d, set_a, 3, "Xeon", 1);
    snprintf(p, sizeof p, "%s/env.json", d);
    unlink(p);
    assert_int_equal(pb_rset_load(&s, d), -1);
    assert_non_null(strstr(pb_err(), "env.json"));
    make_set(d, set_a, 3, "Xeon", 1);
    pb_test_write_file(d, "gbench.json", "{\"benchmarks\": [{\"name\": \"syn/b"); /* truncated */
    assert_int_equal(pb_rset_load(&s, d), -1);
    assert_non_null(strstr(pb_err(), "gbench.json"));
    assert_null(strchr(pb_err(), '\n'));
    static const struct synth_var none_ran[] = {{"syn/base", 100, 0.01, "skipped"}};
    snprintf(d, sizeof d, "%s/empty", root);
    make_set(d, none_ran, 1, "Xeon", 1);
    assert_int_equal(pb_rset_load(&s, d), -1);
    assert_non_null(strstr(pb_err(), "no repetition"));
    make_set(d, set_a, 3, "Xeon", 1);
    pb_test_write_file(d, "summary.json", "{\"schema\": \"something-else\"}");
    assert_int_equal(pb_rset_load(&s, d), -1);
    assert_non_null(strstr(pb_err(), "not a pinbench run record"));
    /* a derived summary.json is never read as a record: without run.json the folder is refused */
    make_set(d, set_a, 3, "Xeon", 1);
    pb_test_write_file(d, "summary.json", "{\"schema\": \"pinbench-summary-2\"}");
    assert_int_equal(pb_rset_load(&s, d), -1);
    assert_non_null(strstr(pb_err(), "expected pinbench-summary-1"));
    rm_root();
}

static void test_thresholds_file(void **state)
{
    (void)state;
    mk_root();
    pb_test_write_file(root, "t.txt",
                       "# comment\n\nsyn/pin*  25\nsyn: base -> *\toff\n  other/*   5  # why\n");
    struct pb_thresholds *t = calloc(1, sizeof *t);
    t->default_pct = 10;
    char p[200];
    snprintf(p, sizeof p, "%s/t.txt", root);
    if (pb_thresholds_load(t, p) < 0)
        fail_msg("%s", pb_err());
    assert_int_equal(t->n, 3);
    assert_near(pb_thresholds_for(t, "syn/pinned"), 25, 0);
    assert_true(isnan(pb_thresholds_for(t, "syn: base -> pinned")));
    assert_near(pb_thresholds_for(t, "other/x"), 5, 0);
    assert_near(pb_thresholds_for(t, "unmatched"), 10, 0);
    pb_test_write_file(root, "bad.txt", "syn/*  lots\n");
    snprintf(p, sizeof p, "%s/bad.txt", root);
    memset(t, 0, sizeof *t);
    assert_int_equal(pb_thresholds_load(t, p), -1);
    assert_non_null(strstr(pb_err(), "bad.txt':1"));
    pb_test_write_file(root, "bad.txt", "lonely\n");
    memset(t, 0, sizeof *t);
    assert_int_equal(pb_thresholds_load(t, p), -1);
    free(t);
    rm_root();
}

/* The cost model: a value inside the quoted range holds, outside does not (and says which way),
 * a skipped variant is not measured (with its reason). */
static void test_costmodel(void **state)
{
    (void)state;
    mk_root();
    char a[128];
    snprintf(a, sizeof a, "%s/a", root);
    make_set(a, set_a, 3, "Xeon", 1);
    struct pb_rset s;
    assert_int_equal(pb_rset_load(&s, a), 0);
    struct pb_claim c = {.id = "t",
                         .claim = "test",
                         .quoted = "50-200 us",
                         .lo = 50,
                         .hi = 200,
                         .unit = "us",
                         .os = {PB_CLAIM_VALUE, "syn/base", NULL, "real_time_ns", 1e-3}};
    struct pb_claim_result r;
    pb_claim_eval(&c, &s, &r);
    assert_string_equal(r.verdict, "holds");
    assert_near(r.value, 100, 2);
    assert_true(r.ci_lo <= r.value && r.value <= r.ci_hi);
    c.lo = 1;
    c.hi = 10;
    pb_claim_eval(&c, &s, &r);
    assert_string_equal(r.verdict, "does not hold");
    assert_non_null(strstr(r.note, "higher than quoted"));
    /* a CI that straddles the range's end is inconclusive, never "holds" */
    c.lo = 100;
    c.hi = 200;
    pb_claim_eval(&c, &s, &r);
    assert_string_equal(r.verdict, "inconclusive");
    assert_non_null(strstr(r.note, "would decide"));
    /* a ratio claim reads its pair's paired blocks; this hand-made folder has none */
    struct pb_claim ratio = c; /* the same claim, read as a ratio of two variants */
    ratio.quoted = "2 x", ratio.lo = ratio.hi = 2, ratio.unit = "x";
    ratio.os =
        (struct pb_claim_measure){PB_CLAIM_RATIO, "syn/base", "syn/pinned", "real_time_ns", 1};
    pb_claim_eval(&ratio, &s, &r);
    assert_string_equal(r.verdict, "not measured");
    assert_non_null(strstr(r.note, "no paired blocks"));
    struct pb_claim miss = ratio; /* its variant skipped here */
    miss.os.variant = "syn/far";
    pb_claim_eval(&miss, &s, &r);
    assert_string_equal(r.verdict, "not measured");
    assert_non_null(strstr(r.note, "one NUMA node"));
    /* two measurements: Go's decides where the OS-level one is an analog, and is measured */
    struct pb_claim two = c;
    two.lo = 50;
    two.hi = 200;
    two.os = (struct pb_claim_measure){PB_CLAIM_VALUE, "syn/far", NULL, "real_time_ns", 1e-3};
    two.analog = "an analog";
    two.go = (struct pb_claim_measure){PB_CLAIM_VALUE, "syn/base", NULL, "real_time_ns", 1e-3};
    two.go_relation = "how";
    struct pb_claim_result ros, rgo;
    const char *by;
    pb_claim_eval(&two, &s, &ros);
    pb_claim_eval_go(&two, &s, &rgo);
    assert_string_equal(pb_claim_decide(&two, &ros, &rgo, &by)->verdict, "holds");
    assert_string_equal(by, "Go");
    /* an OS-level measurement of the claimed operation itself decides when both are measured */
    two.analog = NULL;
    two.os = two.go;
    two.os.scale = 1; /* 1000x the Go figure: does not hold */
    pb_claim_eval(&two, &s, &ros);
    assert_string_equal(pb_claim_decide(&two, &ros, &rgo, &by)->verdict, "does not hold");
    assert_string_equal(by, "OS");
    /* Go's not measured (the go family skipped): the OS-level one decides, and Go's says why */
    two.analog = "an analog";
    two.go.variant = "syn/far";
    pb_claim_eval_go(&two, &s, &rgo);
    assert_string_equal(rgo.verdict, "not measured");
    assert_string_equal(pb_claim_decide(&two, &ros, &rgo, &by)->verdict, "does not hold");
    assert_string_equal(by, "OS");
    /* a claim without a Go measurement says so */
    pb_claim_eval_go(&c, &s, &rgo);
    assert_string_equal(rgo.verdict, "no Go row");
    /* every claim of the real table evaluates (here: none of its variants exist) */
    for (size_t i = 0; i < pb_n_claims; i++) {
        pb_claim_eval(&pb_claims[i], &s, &r);
        assert_true(!strcmp(r.verdict, "not measured") || !strcmp(r.verdict, "no test"));
        pb_claim_eval_go(&pb_claims[i], &s, &r);
        assert_true(!strcmp(r.verdict, "not measured") || !strcmp(r.verdict, "no Go row"));
    }
    /* the report files are written, and begin with the cost model */
    assert_int_equal(pb_readable_write(&s, NULL, 0), 0);
    char p[300], buf[4096];
    snprintf(p, sizeof p, "%s/report.md", a);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    buf[got] = '\0';
    fclose(f);
    char *cm = strstr(buf, "Cost model"), *ex = strstr(buf, "Experiments");
    assert_true(cm && (!ex || cm < ex));
    snprintf(p, sizeof p, "%s/index.html", a);
    assert_int_equal(access(p, R_OK), 0);
    pb_rset_free(&s);
    rm_root();
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_regress_catches_slowdown),
    cmocka_unit_test(test_mismatched_environments),
    cmocka_unit_test(test_bad_folders),
    cmocka_unit_test(test_thresholds_file),
    cmocka_unit_test(test_costmodel),
};
const struct pb_test_group pb_group_compare = PB_GROUP("compare", tests);

/* ---- the CLI over the same folders (PB_BIN: the pinbench binary) ---- */

/* Runs `$PB_BIN args`, stdout to out_path (or /dev/null), stderr to err_path; exit status. */
static int run_cli(const char *args, const char *out_path, const char *err_path)
{
    const char *bin = getenv("PB_BIN");
    if (!bin)
        fail_msg("PB_BIN is not set");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", bin, args, out_path ? out_path : "/dev/null",
             err_path);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static void test_cli_exit_statuses(void **state)
{
    (void)state;
    mk_root();
    char a[128], b[128], c[128], args[1024], out[200], err[200], junit[200];
    make_abc(a, b, c, "EPYC");
    snprintf(out, sizeof out, "%s/out.txt", root);
    snprintf(err, sizeof err, "%s/err.txt", root);
    snprintf(junit, sizeof junit, "%s/junit.xml", root);

    snprintf(args, sizeof args, "regress --baseline=%s --current=%s --junit=%s", a, b, junit);
    assert_int_equal(run_cli(args, out, err), 1);
    struct pb_json *x = NULL;
    FILE *f = fopen(junit, "r");
    assert_non_null(f);
    char xml[8192];
    size_t got = fread(xml, 1, sizeof xml - 1, f);
    xml[got] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "<failure message=\"regression"));
    assert_non_null(strstr(xml, "failures=\"2\""));
    snprintf(args, sizeof args, "regress --baseline=%s --current=%s", a, c);
    assert_int_equal(run_cli(args, out, err), 0); /* noise, and another CPU: pair only */
    f = fopen(out, "r");
    got = fread(xml, 1, sizeof xml - 1, f);
    xml[got] = '\0';
    fclose(f);
    assert_non_null(strstr(xml, "fingerprints differ (cpu\\_model")); /* Markdown-escaped */

    /* usage and data errors: exit 2 and one line */
    static const char *const bad[] = {
        "regress --baseline=/nonexistent --current=/nonexistent",
        "regress --current=/tmp",
        "regress --baseline=/tmp --current=/tmp --threshold=abc",
        "compare /nonexistent",
        "compare --bogus",
        "export --format=csv /tmp",
        "report",
    };
    for (size_t i = 0; i < PB_ARRAY_LEN(bad); i++) {
        int rc = run_cli(bad[i], out, err);
        if (rc != 2 || count_lines(err) != 1)
            fail_msg("'%s': exit %d, %zu stderr lines", bad[i], rc, count_lines(err));
    }
    snprintf(args, sizeof args, "compare %s %s/partial", a, root);
    assert_int_equal(run_cli(args, out, err), 2);

    /* compare with --out: markdown, JSON that parses, the questionable environment warned */
    snprintf(args, sizeof args, "compare %s %s --out=%s/cmp", a, c, root);
    assert_int_equal(run_cli(args, out, err), 0);
    assert_true(count_lines(err) >= 1); /* the warning about cpu_model */
    char p[300];
    snprintf(p, sizeof p, "%s/cmp/compare.json", root);
    x = pb_json_load(p);
    if (!x)
        fail_msg("%s", pb_err());
    const struct pb_json *cmp = pb_json_get(x, "comparisons");
    assert_true(cmp && cmp->n == 1);
    assert_true(pb_json_get(&cmp->items[0], "env_diff")->n >= 1);
    pb_json_free(x);

    /* exports parse, and carry median, p50 and p99 of every variant that ran */
    snprintf(p, sizeof p, "%s/gh.json", root);
    snprintf(args, sizeof args, "export --format=github %s --out=%s", a, p);
    assert_int_equal(run_cli(args, NULL, err), 0);
    x = pb_json_load(p);
    assert_non_null(x);
    assert_int_equal(x->type, PB_JSON_ARR);
    assert_int_equal(x->n, 6); /* two variants x three figures; the skipped one left out */
    assert_string_equal(pb_json_str(&x->items[0], "unit", ""), "ns");
    pb_json_free(x);
    snprintf(p, sizeof p, "%s/bmf.json", root);
    snprintf(args, sizeof args, "export --format=bencher %s --out=%s", a, p);
    assert_int_equal(run_cli(args, NULL, err), 0);
    x = pb_json_load(p);
    assert_non_null(x);
    const struct pb_json *lat = pb_json_get(pb_json_get(x, "syn/pinned"), "latency");
    assert_non_null(lat);
    double med = pb_json_num(lat, "value", NAN);
    assert_true(pb_json_num(lat, "lower_value", NAN) <= med &&
                med <= pb_json_num(lat, "upper_value", NAN));
    assert_non_null(pb_json_get(pb_json_get(x, "syn/pinned"), "p99-latency"));
    pb_json_free(x);

    snprintf(args, sizeof args, "report %s", a);
    assert_int_equal(run_cli(args, out, err), 0);
    snprintf(p, sizeof p, "%s/index.html", a);
    assert_int_equal(access(p, R_OK), 0);
    rm_root();
}

static const struct CMUnitTest cli_tests[] = {
    cmocka_unit_test(test_cli_exit_statuses),
};
const struct pb_test_group pb_group_compare_cli = PB_GROUP("compare_cli", cli_tests);

/* The kept corpus of JSON files (tests/corpus/json, also the fuzzer's seeds): good-* parse,
 * bad-* are rejected with a position, none crashes. */
static void test_json_corpus(void **state)
{
    (void)state;
    DIR *d = opendir("tests/corpus/json");
    if (!d)
        fail_msg("tests/corpus/json: run the tests from the repository root");
    struct dirent *e;
    int seen = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[300];
        snprintf(p, sizeof p, "tests/corpus/json/%s", e->d_name);
        struct pb_json *j = pb_json_load(p);
        bool good = !strncmp(e->d_name, "good-", 5);
        if (good && !j)
            fail_msg("%s rejected: %s", p, pb_err());
        if (!good && j)
            fail_msg("%s accepted", p);
        if (!good && !strstr(pb_err(), e->d_name))
            fail_msg("%s: the error does not name the file: %s", p, pb_err());
        pb_json_free(j);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 10);
}

static const struct CMUnitTest corpus_tests[] = {
    cmocka_unit_test(test_json_corpus),
};
const struct pb_test_group pb_group_corpus = PB_GROUP("corpus", corpus_tests);
