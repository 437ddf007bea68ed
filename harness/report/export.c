/* export: a folder as a tracker's benchmark JSON (github-action-benchmark, Bencher, Conbench),
 * and the report command that regenerates a folder's readable files. */
#include "report/compare.h"
#include "report/escape.h"
#include "results/json.h"
#include "report/plot.h"
#include "report/readable.h"
#include "report/report.h"
#include "results/results.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "report/extprog.h"
#include "stats/stats.h"
#include "util.h"
#include "opts.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report/compare_internal.h"

/* ---- tracker exports and the report command ---- */

static const char *export_fmt, *export_out;
static const struct pb_opt export_opts[] = {
    {"format", 0, PB_OPT_STRING, "github|bencher|conbench",
     "github: github-action-benchmark's customSmallerIsBetter JSON:\nper variant the median "
     "time per op, p50 and p99 (ns), each with\nthe 95 % CI in 'range'. bencher: Bencher Metric "
     "Format (BMF):\nper variant the measure 'latency' (median time per op with its\nCI as "
     "lower_value/upper_value, ns) and the measures 'p50-latency'\nand 'p99-latency' (ns; create "
     "them in the Bencher project). conbench: a JSON array of Conbench\nBenchmarkResult objects, "
     "one per variant, whose stats.data are\nthe real time per operation of every block, in "
     "seconds\n(unit \"s\"); CONBENCH_PROJECT_REPOSITORY and\nCONBENCH_PROJECT_COMMIT, when "
     "set, fill its github object,\nCONBENCH_MACHINE_INFO_NAME its machine name, "
     "CONBENCH_RUN_REASON\nits run_reason. Required",
     &export_fmt, 0, 0},
    {"out", 0, PB_OPT_STRING, "FILE", "where to write (default: standard output)", &export_out, 0,
     0},
};
static const struct pb_opts_spec export_spec = {
    "export",
    "pinbench export --format=github|bencher|conbench [--out=FILE] DIR",
    "Writes a results folder for a benchmark tracker. Only variants that ran are exported;\n"
    "skipped and invalid ones are left out.",
    "exit status: 0 written, 2 bad usage or a folder that cannot be read\n",
    export_opts,
    PB_ARRAY_LEN(export_opts),
    1,
    1,
    "results folder",
    NULL,
};

struct export_stat {
    double med, lo, hi;
    size_t n;
};

static bool export_stat(const struct pb_rset *s, const char *name, const char *metric,
                        struct export_stat *e)
{
    const struct pb_rseries *sr = pb_rset_series(s, name, metric);
    if (!sr || !sr->n)
        return false;
    e->n = sr->n;
    e->med = pb_stats_median(sr->v, sr->n);
    if (pb_stats_median_ci(sr->v, sr->n, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &e->lo, &e->hi) !=
        0)
        e->lo = e->hi = NAN;
    return isfinite(e->med);
}

/* One variant that ran: github-action-benchmark rows (one per metric), or a BMF object. */
static void export_variant(struct pb_jw *w, const struct pb_rset *s, const struct pb_rvariant *rv,
                           bool github)
{
    static const struct {
        const char *metric, *gh, *bmf;
    } ms[] = {{"real_time_ns", "median time per op", "latency"},
              {"op_p50_ns", "p50", "p50-latency"},
              {"op_p99_ns", "p99", "p99-latency"}};
    if (!github)
        pb_jw_obj_begin(w, rv->name);
    for (size_t m = 0; m < PB_ARRAY_LEN(ms); m++) {
        struct export_stat e;
        if (!export_stat(s, rv->name, ms[m].metric, &e))
            continue;
        if (github) {
            char name[300], range[64], extra[200];
            snprintf(name, sizeof name, "%s %s", rv->name, ms[m].gh);
            snprintf(range, sizeof range, "%.4g", isfinite(e.hi) ? (e.hi - e.lo) / 2 : 0.0);
            snprintf(extra, sizeof extra,
                     "median of %zu repetitions, 95%% CI [%.4g, %.4g] ns; placement: %s", e.n, e.lo,
                     e.hi, rv->placement);
            pb_jw_obj_begin(w, NULL);
            pb_jw_str(w, "name", name);
            pb_jw_str(w, "unit", "ns");
            pb_jw_num(w, "value", e.med);
            pb_jw_str(w, "range", range);
            pb_jw_str(w, "extra", extra);
            pb_jw_obj_end(w);
        } else {
            pb_jw_obj_begin(w, ms[m].bmf);
            pb_jw_num(w, "value", e.med);
            if (m == 0 && isfinite(e.lo)) {
                pb_jw_num(w, "lower_value", e.lo);
                pb_jw_num(w, "upper_value", e.hi);
            }
            pb_jw_obj_end(w);
        }
    }
    if (!github)
        pb_jw_obj_end(w);
}

/* ---- Conbench: BenchmarkResult objects (what its benchadapt package posts) ---- */

/* An env.json value, "" when absent. */
static const char *export_env(const struct pb_rset *s, const char *key)
{
    return pb_rset_env(s, key);
}

/* An integer env.json value as Conbench's machine_info wants it: a decimal string, "0" when
 * unknown. */
static void export_int_str(struct pb_jw *w, const char *key, const char *val, double scale)
{
    char *end = NULL;
    double v = val && *val ? strtod(val, &end) : NAN;
    char buf[32];
    snprintf(buf, sizeof buf, "%.0f",
             isfinite(v) && end && (*end == '\0' || *end == ' ') && v >= 0 ? v * scale : 0.0);
    pb_jw_str(w, key, buf);
}

static void export_machine_info(struct pb_jw *w, const struct pb_rset *s)
{
    const char *name = getenv("CONBENCH_MACHINE_INFO_NAME");
    pb_jw_obj_begin(w, "machine_info");
    pb_jw_str(w, "name", name && *name ? name : export_env(s, "hostname"));
    pb_jw_str(w, "os_name", "Linux");
    pb_jw_str(w, "os_version", export_env(s, "kernel_release"));
    pb_jw_str(w, "architecture_name", export_env(s, "kernel_machine"));
    pb_jw_str(w, "kernel_name", export_env(s, "kernel_release"));
    pb_jw_str(w, "cpu_model_name", export_env(s, "cpu_model"));
    export_int_str(w, "cpu_core_count", export_env(s, "topology_cores"), 1);
    export_int_str(w, "cpu_thread_count", export_env(s, "topology_pus"), 1);
    export_int_str(w, "cpu_frequency_max_hz", export_env(s, "cpu_mhz_nominal"), 1e6);
    export_int_str(w, "cpu_l1d_cache_bytes", export_env(s, "cache_l1d_bytes"), 1);
    export_int_str(w, "cpu_l1i_cache_bytes", "", 1); /* not recorded */
    export_int_str(w, "cpu_l2_cache_bytes", export_env(s, "cache_l2_bytes"), 1);
    export_int_str(w, "cpu_l3_cache_bytes", export_env(s, "cache_l3_bytes"), 1);
    export_int_str(w, "memory_bytes", "", 1); /* not recorded */
    pb_jw_str(w, "gpu_count", "0");
    pb_jw_arr_begin(w, "gpu_product_names");
    pb_jw_arr_end(w);
    pb_jw_obj_end(w);
}

/* The github object only when both repository and commit are known: Conbench reads a result
 * without one as having no commit context (pre-merge, tests), never as a wrong commit. */
static void export_github(struct pb_jw *w)
{
    const char *repo = getenv("CONBENCH_PROJECT_REPOSITORY");
    const char *commit = getenv("CONBENCH_PROJECT_COMMIT");
    const char *pr = getenv("CONBENCH_PROJECT_PR_NUMBER");
    if (!repo || !*repo || !commit || !*commit)
        return;
    pb_jw_obj_begin(w, "github");
    pb_jw_str(w, "repository", repo);
    pb_jw_str(w, "commit", commit);
    if (pr && *pr)
        pb_jw_str(w, "pr_number", pr);
    pb_jw_obj_end(w);
}

static void export_conbench_variant(struct pb_jw *w, const struct pb_rset *s,
                                    const struct pb_rvariant *rv, const char *run_id)
{
    const struct pb_rseries *sr = pb_rset_series(s, rv->name, "real_time_ns");
    struct export_stat e;
    if (!sr || !sr->n || !export_stat(s, rv->name, "real_time_ns", &e))
        return;
    const struct pb_json *run = pb_json_get(s->record, "run");
    const char *reason = getenv("CONBENCH_RUN_REASON");
    char family[128], batch[400];
    snprintf(family, sizeof family, "%.*s", (int)strcspn(rv->name, "/"), rv->name);
    snprintf(batch, sizeof batch, "%s-%s", run_id, family);
    pb_jw_obj_begin(w, NULL);
    pb_jw_str(w, "run_id", run_id);
    pb_jw_str(w, "run_reason", reason && *reason ? reason : "pinbench");
    pb_jw_str(w, "batch_id", batch);
    pb_jw_str(w, "timestamp", run ? pb_json_str(run, "started_utc", "") : "");
    pb_jw_obj_begin(w, "stats");
    pb_jw_arr_begin(w, "data");
    for (size_t i = 0; i < sr->n; i++)
        if (isfinite(sr->v[i]))
            pb_jw_num(w, NULL, sr->v[i] * 1e-9);
    pb_jw_arr_end(w);
    pb_jw_str(w, "unit", "s");
    size_t n = 0;
    for (size_t i = 0; i < sr->n; i++)
        n += isfinite(sr->v[i]);
    pb_jw_int(w, "iterations", (long long)n);
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "tags");
    pb_jw_str(w, "name", rv->name);
    pb_jw_str(w, "suite", "pinbench");
    pb_jw_str(w, "family", family);
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "info");
    pb_jw_str(w, "pinbench_commit", export_env(s, "git_commit"));
    pb_jw_str(w, "placement", rv->placement ? rv->placement : "");
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "optional_benchmark_info");
    pb_jw_str(w, "what",
              "real time per operation of each block (paired blocks; see summary.json "
              "for the pair ratios and their CIs)");
    pb_jw_num(w, "median_ns", e.med);
    pb_jw_num(w, "median_ci95_low_ns", e.lo);
    pb_jw_num(w, "median_ci95_high_ns", e.hi);
    pb_jw_obj_end(w);
    pb_jw_obj_begin(w, "context");
    pb_jw_str(w, "benchmark_language", "C");
    pb_jw_str(w, "compiler", export_env(s, "compiler"));
    pb_jw_str(w, "build_type", export_env(s, "build_type"));
    pb_jw_str(w, "pinbench_profile", run ? pb_json_str(run, "profile", "") : "");
    pb_jw_obj_end(w);
    export_machine_info(w, s);
    export_github(w);
    pb_jw_obj_end(w);
}

int pb_cmd_export(int argc, char **argv)
{
    export_fmt = NULL;
    export_out = "-";
    struct pb_opts_result r;
    int rc = pb_opts_get(&export_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    const char *fmt = export_fmt, *dir = r.operands[0], *out = export_out;
    pb_opts_free(&r);
    if (!fmt || (strcmp(fmt, "github") && strcmp(fmt, "bencher") && strcmp(fmt, "conbench")))
        return pb_usage_error(
            "export: --format=github, --format=bencher or --format=conbench is required");
    struct pb_rset s;
    if (pb_rset_load(&s, dir) < 0)
        return pb_usage_error("export: %s", pb_err());
    struct pb_cmp_out o;
    if (pb_cmp_open_out(&o, out) < 0) {
        pb_rset_free(&s);
        return pb_usage_error("export: %s", pb_err());
    }
    FILE *f = o.f;
    struct pb_jw w;
    pb_jw_init(&w, f);
    bool github = !strcmp(fmt, "github"), conbench = !strcmp(fmt, "conbench");
    const char *slash = strrchr(s.dir, '/');
    const char *run_id = slash && slash[1] ? slash + 1 : s.dir;
    if (github || conbench)
        pb_jw_arr_begin(&w, NULL);
    else
        pb_jw_obj_begin(&w, NULL);
    for (size_t i = 0; i < s.n_var; i++)
        if (!strcmp(s.var[i].status, "ok")) {
            if (conbench)
                export_conbench_variant(&w, &s, &s.var[i], run_id);
            else
                export_variant(&w, &s, &s.var[i], github);
        }
    if (github || conbench)
        pb_jw_arr_end(&w);
    else
        pb_jw_obj_end(&w);
    rc = 0;
    if (f == stdout)
        fputc('\n', f);
    if (pb_jw_finish(&w) < 0) {
        pb_cmp_abort_out(&o);
        rc = pb_fail(1, "export: cannot write %s: %s", pb_q(out), strerror(errno ? errno : EIO));
    } else if (pb_cmp_close_out(&o, out) < 0)
        rc = pb_fail(1, "export: %s", pb_err());
    pb_rset_free(&s);
    return rc;
}

static const struct pb_opts_spec report_spec = {
    "report",
    "pinbench report DIR",
    "Derives every file of a results folder that is not its record, from the record\n"
    "alone (run.json, gbench.json, env.json and hist/, sealed by run.json's manifest):\n"
    "summary.json, plots/ (data files and pictures), report.md and index.html; then\n"
    "prints the cost-model table. A run writes the same files the same way; this\n"
    "rewrites them for any folder, after a pinbench upgrade or on a box with gnuplot. A\n"
    "legacy folder (its summary.json is its record) gets report.md and index.html.",
    "exit status: 0 written, 2 bad usage or a folder that cannot be read, 1 a file that\n"
    "cannot be written\n",
    NULL,
    0,
    1,
    1,
    "results folder",
    NULL,
};

int pb_cmd_report(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&report_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    char *dir = r.operands[0];
    pb_opts_free(&r);
    struct pb_rset s;
    if (pb_rset_load_partial(&s, dir) < 0)
        return pb_usage_error("report: %s", pb_err());
    if (pb_report_derive(&s, NULL, NULL) < 0)
        rc = pb_fail(1, "report: %s", pb_err());
    else
        pb_readable_print_costmodel(stdout, &s);
    pb_rset_free(&s);
    return rc;
}
