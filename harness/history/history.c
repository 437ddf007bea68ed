/* history: `pinbench history` — ingest, changes, show, boxes, compare, quality (history.h). */
#include "history/history.h"

#include "history/store.h"
#include "opts.h"
#include "report/escape.h"
#include "report/plot.h"
#include "report/report.h"
#include "results/envkeys.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "stats/changepoint.h"
#include "stats/stats.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXIT_USAGE 2

/* Options every subcommand shares, and each one's own. */
static struct hist_args {
    const char *db, *box, *out;
    double p, min_change, window, exact_weight, series, seed, threshold;
    bool all;
} ha;

static void hist_defaults(void)
{
    memset(&ha, 0, sizeof ha);
    ha.db = PB_HISTORY_DEFAULT_DB;
    ha.p = PB_CP_DEFAULT_P;
    ha.window = PB_CP_DEFAULT_WINDOW;
    ha.exact_weight = PB_CP_DEFAULT_EXACT_WEIGHT;
    ha.series = 1000;
    ha.seed = 1;
    ha.threshold = 10;
}

#define OPT_DB                                                                                     \
    {                                                                                              \
        "db", 0, PB_OPT_STRING, "PATH",                                                            \
            "the history database (default " PB_HISTORY_DEFAULT_DB ")", &ha.db, 0, 0               \
    }
#define OPT_BOX                                                                                    \
    {                                                                                              \
        "box", 0, PB_OPT_STRING, "BOX",                                                            \
            "only this box: its id (a prefix is enough) or its host name", &ha.box, 0, 0           \
    }
#define OPT_DETECT                                                                                 \
    {"p",                                                                                          \
     0,                                                                                            \
     PB_OPT_NUMBER,                                                                                \
     "P",                                                                                          \
     "a change point's t-test p must be below this (default 0.0004)",                              \
     &ha.p,                                                                                        \
     1e-12,                                                                                        \
     0.5},                                                                                         \
        {"min-change",                                                                             \
         0,                                                                                        \
         PB_OPT_NUMBER,                                                                            \
         "PCT",                                                                                    \
         "and its regimes' medians must differ by at least PCT % (default 0)",                     \
         &ha.min_change,                                                                           \
         0,                                                                                        \
         1000},                                                                                    \
        {"window",                                                                                 \
         0,                                                                                        \
         PB_OPT_NUMBER,                                                                            \
         "N",                                                                                      \
         "runs each side of a split the divergence looks at (default 60)",                         \
         &ha.window,                                                                               \
         3,                                                                                        \
         100000},                                                                                  \
    {                                                                                              \
        "exact-weight", 0, PB_OPT_NUMBER, "W",                                                     \
            "placing a change point: its own run's weight beside +-2 runs (default 0.1)",          \
            &ha.exact_weight, 0, 1000                                                              \
    }

static const struct pb_opt ingest_opts[] = {OPT_DB};
static const struct pb_opts_spec ingest_spec = {
    "history ingest",
    "pinbench history ingest [--db=PATH] DIR...",
    "Stores result folders in the history database (made where missing): the run\n"
    "(its box, host, commit, label, profile, start), its environment, and its series:\n"
    "each variant's median time per op, p50 and p99, each declared pair's ratio, with\n"
    "their 95 % CIs. A folder already stored (the same run.json) is not stored again.\n"
    "An incomplete, corrupted or partial folder is refused with one line, and nothing\n"
    "of it is kept; each folder is one transaction.",
    "exit status: 0 every folder stored (or already there), 2 a folder refused or\n"
    "bad usage (the others are still stored)\n",
    ingest_opts,
    PB_ARRAY_LEN(ingest_opts),
    1,
    100000,
    "result folders",
    NULL,
};

static const struct pb_opt changes_opts[] = {OPT_DB, OPT_BOX, OPT_DETECT};
static const struct pb_opts_spec changes_spec = {
    "history changes",
    "pinbench history changes [options] [SERIES...]",
    "Lists the change points of every series (or those matching the SERIES patterns,\n"
    "fnmatch over 'name' or 'name metric'), found by E-Divisive means with a t-test:\n"
    "the run where the regime changed, the runs it may lie in (90 % of its posterior\n"
    "probability), the medians before and after, the change in %,\n"
    "p, and what changed between the two runs: the commit, then the box (kernel,\n"
    "governor, ...).",
    "exit status: 0 (change points or not), 2 bad usage or an unreadable database\n",
    changes_opts,
    PB_ARRAY_LEN(changes_opts),
    0,
    1000,
    "series patterns",
    NULL,
};

static const struct pb_opt show_opts[] = {
    OPT_DB,
    OPT_BOX,
    OPT_DETECT,
    {"out", 0, PB_OPT_STRING, "DIR", "where the plots go (default results/history-plots)", &ha.out,
     0, 0},
};
static const struct pb_opts_spec show_spec = {
    "history show",
    "pinbench history show [options] SERIES...",
    "Draws each matching series (fnmatch over 'name' or 'name metric') over its runs,\n"
    "with its 95 % CIs, its regimes' medians and its change points, into\n"
    "DIR/<box>.<series>.svg and .png (gnuplot).",
    "exit status: 0 drawn, 1 gnuplot failed, 2 bad usage, no matching series or an\n"
    "unreadable database\n",
    show_opts,
    PB_ARRAY_LEN(show_opts),
    1,
    1000,
    "series patterns",
    NULL,
};

static const struct pb_opt boxes_opts[] = {OPT_DB};
static const struct pb_opts_spec boxes_spec = {
    "history boxes",
    "pinbench history boxes [--db=PATH]",
    "Lists the boxes in the history: id, host, CPU model, CPUs, runs, first and last.",
    "exit status: 0, 2 bad usage or an unreadable database\n",
    boxes_opts,
    PB_ARRAY_LEN(boxes_opts),
    0,
    0,
    NULL,
    NULL,
};

static const struct pb_opt hcompare_opts[] = {
    OPT_DB,
    {"all", 0, PB_OPT_FLAG, NULL, "list every series, not only those that differ by 5 % or more",
     &ha.all, 0, 0},
};
static const struct pb_opts_spec hcompare_spec = {
    "history compare",
    "pinbench history compare [--db=PATH] BOX_A BOX_B",
    "Compares two boxes from the store: the latest run of each, series by series\n"
    "(B over A), then the environment keys that differ between the two runs\n"
    "(the questionable ones, which make absolute figures hard to compare, marked).",
    "exit status: 0, 2 bad usage, an unknown box or an unreadable database\n",
    hcompare_opts,
    PB_ARRAY_LEN(hcompare_opts),
    2,
    2,
    "boxes",
    NULL,
};

static const struct pb_opt quality_opts[] = {
    {"series", 0, PB_OPT_NUMBER, "N", "synthetic histories per row (default 1000)", &ha.series, 10,
     1000000},
    {"seed", 0, PB_OPT_NUMBER, "S", "their generator's seed (default 1)", &ha.seed, 0, 1e15},
    {"threshold", 0, PB_OPT_NUMBER, "PCT",
     "the single-baseline gate's threshold (default 10, regress's)", &ha.threshold, 0, 1000},
    OPT_DETECT,
};
static const struct pb_opts_spec quality_spec = {
    "history quality",
    "pinbench history quality [options]",
    "Measures the change-point detector on synthetic histories of 60 runs: lognormal\n"
    "noise of CV 2, 5 and 10 %, a step of 5, 10 or 20 % at a random run (the 6th to\n"
    "the 56th: 5 runs a side at least) or none; detection within +-2 runs, mean\n"
    "position error, false alarms per 100 series; beside it, the same for today's\n"
    "single-baseline gate (the first run as the baseline, an alarm when a run is worse\n"
    "by more than the threshold), and a reference: where the detector's placement\n"
    "puts a lone step, told there is one.",
    "A benchmark, not a test: it prints a Markdown table.\n",
    quality_opts,
    PB_ARRAY_LEN(quality_opts),
    0,
    0,
    NULL,
    NULL,
};

static void hist_cp_opts(struct pb_cp_opts *o)
{
    pb_cp_opts_default(o);
    o->p_max = ha.p;
    o->min_change_pct = ha.min_change;
    o->window = (size_t)ha.window;
    o->exact_weight = ha.exact_weight;
}

static int hist_ingest(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&ingest_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    struct pb_store *st = pb_store_open(ha.db, true);
    if (!st) {
        pb_opts_free(&r);
        return pb_usage_error("history ingest: %s", pb_err());
    }
    int status = 0;
    for (size_t i = 0; i < r.n_operands; i++) {
        const char *dir = r.operands[i];
        struct pb_rset s;
        struct pb_ingest g;
        if (pb_rset_load(&s, dir) < 0) {
            pb_fail(0, "history ingest: %s", pb_err());
            status = EXIT_USAGE;
            continue;
        }
        if (pb_store_ingest(st, &s, dir, &g) < 0) {
            pb_fail(0, "history ingest: %s", pb_err());
            status = EXIT_USAGE;
        } else if (g.already) {
            printf("%s: already stored as run %lld (box %s)\n", dir, (long long)g.run_id, g.box);
        } else {
            printf("%s: stored as run %lld (box %s, %zu points)\n", dir, (long long)g.run_id, g.box,
                   g.n_points);
        }
        pb_rset_free(&s);
    }
    pb_store_close(st);
    pb_opts_free(&r);
    return status;
}

/* The series the patterns select, of one box or all. */
static long hist_select(struct pb_store *st, const struct pb_opts_result *r,
                        struct pb_sseries **out)
{
    char box[16];
    if (ha.box && pb_store_find_box(st, ha.box, box) < 0)
        return -1;
    return pb_store_series(st, ha.box ? box : NULL, (const char *const *)r->operands, r->n_operands,
                           out);
}

/* One series read back with its change points: its points (and their values) in run order. */
struct hist_cps {
    struct pb_spoint *pts;
    double *v;
    long n;
    struct pb_cp *cp;
    size_t m;
};

static int hist_detect(struct pb_store *st, const struct pb_sseries *s, const struct pb_cp_opts *o,
                       struct hist_cps *x)
{
    memset(x, 0, sizeof *x);
    x->n = pb_store_points(st, s->id, &x->pts);
    if (x->n < 0)
        return -1;
    x->v = pb_xcalloc((size_t)x->n + 1, sizeof *x->v, "series values");
    for (long i = 0; i < x->n; i++)
        x->v[i] = x->pts[i].value;
    x->cp = pb_xcalloc((size_t)x->n + 1, sizeof *x->cp, "change points");
    x->m = pb_cp_detect(x->v, (size_t)x->n, o, x->cp, (size_t)x->n);
    return 0;
}

/* A value of series s with its unit: a pair's values are ratios of its metric ("10.4 x", not
 * "10.4 ns"). */
static const char *hist_fmt(const struct pb_sseries *s, double v, char *buf, size_t len)
{
    if (s->is_pair && isfinite(v)) {
        snprintf(buf, len, "%.3g x", v);
        return buf;
    }
    return pb_report_fmt(s->metric, v, buf, len);
}

static void hist_cps_free(struct hist_cps *x)
{
    free(x->pts);
    free(x->v);
    free(x->cp);
}

/* What changed between two runs: the code (the build's commit, "-dirty" when the tree had
 * changes), then the questionable environment keys that differ. */
static void hist_env_change(struct pb_store *st, int64_t a, int64_t b, char *out, size_t len)
{
    out[0] = '\0';
    for (size_t i = 0; i <= pb_n_envkeys; i++) {
        const char *key = i == 0 ? "git_commit" : pb_envkeys[i - 1].key;
        if (i > 0 && (!pb_envkeys[i - 1].questionable || !strcmp(key, "git_commit")))
            continue;
        char va[160], vb[160];
        pb_store_run_env(st, a, key, va, sizeof va);
        pb_store_run_env(st, b, key, vb, sizeof vb);
        if (!strcmp(va, vb))
            continue;
        size_t used = strlen(out);
        snprintf(out + used, len - used, "%s%s %s -> %s", used ? "; " : "", key, va, vb);
    }
}

static int64_t hist_run_index(const struct pb_srun *runs, long n, int64_t id)
{
    for (long i = 0; i < n; i++)
        if (runs[i].id == id)
            return i;
    return -1;
}

static int hist_changes(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&changes_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    struct pb_store *st = pb_store_open(ha.db, false);
    struct pb_sseries *ss = NULL;
    long ns = st ? hist_select(st, &r, &ss) : -1;
    if (ns < 0) {
        pb_store_close(st);
        pb_opts_free(&r);
        return pb_usage_error("history changes: %s", pb_err());
    }
    struct pb_cp_opts o;
    hist_cp_opts(&o);
    printf("# change points: E-Divisive means, t-test p < %g, window %zu, minimum change %g %%, "
           "placed with exact weight %g\n\n",
           o.p_max, o.window, o.min_change_pct, o.exact_weight);
    printf(
        "| box | series | metric | new regime from | 90 %% range | before | after | change | p | "
        "what changed |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    size_t total = 0;
    char cur_box[16] = "";
    struct pb_srun *runs = NULL;
    long nr = 0;
    for (long i = 0; i < ns; i++) {
        const struct pb_sseries *s = &ss[i];
        if (strcmp(cur_box, s->box)) {
            free(runs);
            nr = pb_store_runs(st, s->box, &runs);
            snprintf(cur_box, sizeof cur_box, "%s", s->box);
        }
        struct hist_cps x;
        if (hist_detect(st, s, &o, &x) < 0)
            break;
        const struct pb_cp *cp = x.cp;
        for (size_t k = 0; k < x.m; k++) {
            const struct pb_spoint *at = &x.pts[cp[k].at], *prev = &x.pts[cp[k].at - 1];
            int64_t ri = hist_run_index(runs, nr, at->run_id);
            char env[600], b[48], a[48];
            hist_env_change(st, prev->run_id, at->run_id, env, sizeof env);
            hist_fmt(s, cp[k].before, b, sizeof b);
            hist_fmt(s, cp[k].after, a, sizeof a);
            printf("| %s | ", s->box);
            pb_md_put(stdout, s->name);
            /* the runs where the change may lie (PB_CP_RANGE_LEVEL of its posterior) */
            int64_t rlo = hist_run_index(runs, nr, x.pts[cp[k].at_lo].run_id);
            int64_t rhi = hist_run_index(runs, nr, x.pts[cp[k].at_hi].run_id);
            char range[48];
            if (rlo == rhi)
                snprintf(range, sizeof range, "run %lld", (long long)rlo + 1);
            else
                snprintf(range, sizeof range, "runs %lld-%lld", (long long)rlo + 1,
                         (long long)rhi + 1);
            printf(" | %s | run %lld of %ld (%s, %s) | %s | %s | %s | %+.1f %% | %.2g | ",
                   s->metric, (long long)ri + 1, nr, ri >= 0 ? runs[ri].started : "?",
                   ri >= 0 && runs[ri].commit[0] ? runs[ri].commit : "no commit", range, b, a,
                   cp[k].change_pct, cp[k].p);
            pb_md_put(stdout, env[0] ? env : "nothing recorded (same commit and configuration)");
            printf(" |\n");
            total++;
        }
        hist_cps_free(&x);
    }
    printf("\n%zu change point(s) in %ld series.\n", total, ns);
    free(runs);
    free(ss);
    pb_store_close(st);
    pb_opts_free(&r);
    return 0;
}

/* A file name from a series name: letters, digits, '.', '_' and '-' kept, the rest '_'. */
static void hist_file_stem(const struct pb_sseries *s, char *out, size_t len)
{
    char raw[420];
    snprintf(raw, sizeof raw, "%s.%s.%s", s->box, s->name, s->metric);
    size_t k = 0;
    for (const char *c = raw; *c && k + 1 < len; c++) {
        bool keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!keep && k && out[k - 1] == '_')
            continue;
        out[k++] = keep ? *c : '_';
    }
    out[k] = '\0';
}

/* The data of one history plot: the points (run index, value, CI, the run's start), then each
 * regime's median as a segment, then the change points with their ranges. */
static int hist_plot_data(int dir_fd, const char *file, const struct pb_spoint *pts,
                          const double *v, size_t n, const struct pb_srun *runs, long nr,
                          const struct pb_cp *cp, size_t m)
{
    struct pb_replace rep;
    if (pb_replace_open_at(&rep, dir_fd, file, file) < 0)
        return -1;
    FILE *f = rep.f;
    fprintf(f, "# run value ci_low ci_high started\n");
    for (size_t i = 0; i < n; i++) {
        int64_t ri = hist_run_index(runs, nr, pts[i].run_id);
        fprintf(f, "%zu %.9g %.9g %.9g \"%.10s\"\n", i + 1, v[i],
                isfinite(pts[i].ci_low) ? pts[i].ci_low : v[i],
                isfinite(pts[i].ci_high) ? pts[i].ci_high : v[i], ri >= 0 ? runs[ri].started : "?");
    }
    fprintf(f, "\n\n# regime medians\n");
    size_t lo = 0;
    for (size_t k = 0; k <= m; k++) {
        size_t hi = k < m ? cp[k].at : n;
        double med = pb_stats_median(v + lo, hi - lo);
        fprintf(f, "%.1f %.9g\n%.1f %.9g\n\n", (double)lo + 0.5, med, (double)hi + 0.5, med);
        lo = hi;
    }
    fprintf(f, "\n# change points: position, change in %%, and their 90 %% range's ends\n");
    for (size_t k = 0; k < m; k++)
        fprintf(f, "%.1f %+.1f %.1f %.1f\n", (double)cp[k].at + 0.5, cp[k].change_pct,
                (double)cp[k].at_lo + 0.5, (double)cp[k].at_hi + 0.5);
    if (!m)
        fprintf(f, "NaN NaN NaN NaN\n");
    return pb_replace_commit(&rep);
}

static int hist_show(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&show_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    const char *out = ha.out ? ha.out : "results/history-plots";
    struct pb_store *st = pb_store_open(ha.db, false);
    struct pb_sseries *ss = NULL;
    long ns = st ? hist_select(st, &r, &ss) : -1;
    if (ns == 0)
        pb_errf("no series matches (pinbench history changes lists them)");
    int dfd = -1;
    if (ns > 0 && (mkdir(out, 0755) == 0 || errno == EEXIST))
        dfd = pb_open_dir(AT_FDCWD, out);
    else if (ns > 0)
        pb_errf("%s: cannot make it: %s", pb_q(out), strerror(errno));
    if (ns <= 0 || dfd < 0) {
        free(ss);
        pb_store_close(st);
        pb_opts_free(&r);
        return pb_usage_error("history show: %s", pb_err());
    }
    struct pb_cp_opts o;
    hist_cp_opts(&o);
    int status = 0;
    for (long i = 0; i < ns && status == 0; i++) {
        const struct pb_sseries *s = &ss[i];
        struct pb_srun *runs;
        long nr = pb_store_runs(st, s->box, &runs);
        struct hist_cps x;
        if (nr < 0 || hist_detect(st, s, &o, &x) < 0) {
            status = pb_usage_error("history show: %s", pb_err());
            free(runs);
            break;
        }
        long n = x.n;
        size_t m = x.m;
        char stem[300], dat[320], title[900], host[128] = "";
        hist_file_stem(s, stem, sizeof stem);
        snprintf(dat, sizeof dat, "%s.dat", stem);
        if (n > 0)
            pb_store_run_env(st, x.pts[n - 1].run_id, "hostname", host, sizeof host);
        snprintf(title, sizeof title, "%s (%s) on %s, box %s: %ld runs, %zu change point(s)",
                 s->name, s->metric, host, s->box, n, m);
        if (hist_plot_data(dfd, dat, x.pts, x.v, (size_t)n, runs, nr, x.cp, m) < 0) {
            status = pb_usage_error("history show: %s", pb_err());
        } else {
            char label[120];
            snprintf(label, sizeof label, "%s%s", s->metric, s->is_pair ? ", pair ratio" : "");
            const char *args[] = {dat, stem, title, label,
                                  s->is_pair ? "x" : pb_report_metric_unit(s->metric)};
            char log[330];
            snprintf(log, sizeof log, "%s.gnuplot.log", stem);
            if (pb_plot_run(dfd, "history.gp", args, PB_ARRAY_LEN(args), stem, log, NULL) < 0)
                status = pb_fail(1, "history show: %s: %s", s->name, pb_err());
            else
                printf("%s/%s.svg (and .png): %ld runs, %zu change point(s)\n", out, stem, n, m);
        }
        hist_cps_free(&x);
        free(runs);
    }
    close(dfd);
    free(ss);
    pb_store_close(st);
    pb_opts_free(&r);
    return status;
}

static int hist_boxes(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&boxes_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    pb_opts_free(&r);
    struct pb_store *st = pb_store_open(ha.db, false);
    struct pb_box *b = NULL;
    long n = st ? pb_store_boxes(st, &b) : -1;
    pb_store_close(st);
    if (n < 0)
        return pb_usage_error("history boxes: %s", pb_err());
    printf("%-12s  %-20s  %5s  %5s  %-20s  %-20s  %s\n", "box", "host", "CPUs", "runs", "first",
           "last", "CPU model");
    for (long i = 0; i < n; i++)
        printf("%-12s  %-20s  %5ld  %5zu  %-20s  %-20s  %s\n", b[i].id, b[i].host, b[i].cpus,
               b[i].runs, b[i].first, b[i].last, b[i].cpu);
    free(b);
    return 0;
}

/* The latest run of a box and its series' values there. */
struct hist_side {
    char box[16];
    int64_t run;
    char started[32];
    struct pb_sseries *ss;
    long ns;
};

static int hist_side_load(struct pb_store *st, const char *what, struct hist_side *s)
{
    memset(s, 0, sizeof *s);
    if (pb_store_find_box(st, what, s->box) < 0)
        return -1;
    struct pb_srun *runs;
    long nr = pb_store_runs(st, s->box, &runs);
    if (nr <= 0) {
        free(runs);
        return nr < 0 ? -1 : pb_errf("box %s has no run", s->box);
    }
    s->run = runs[nr - 1].id;
    snprintf(s->started, sizeof s->started, "%s", runs[nr - 1].started);
    free(runs);
    s->ns = pb_store_series(st, s->box, NULL, 0, &s->ss);
    return s->ns < 0 ? -1 : 0;
}

/* A series' value in one run (NAN when the run has none). */
static double hist_value_in(struct pb_store *st, const struct pb_sseries *s, int64_t run)
{
    struct pb_spoint *p;
    long n = pb_store_points(st, s->id, &p);
    double v = NAN;
    for (long i = 0; i < n; i++)
        if (p[i].run_id == run)
            v = p[i].value;
    free(p);
    return v;
}

static int hist_compare(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&hcompare_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    struct pb_store *st = pb_store_open(ha.db, false);
    struct hist_side a = {0}, b = {0};
    if (!st || hist_side_load(st, r.operands[0], &a) < 0 ||
        hist_side_load(st, r.operands[1], &b) < 0) {
        free(a.ss);
        free(b.ss);
        pb_store_close(st);
        pb_opts_free(&r);
        return pb_usage_error("history compare: %s", pb_err());
    }
    printf("# %s (run of %s) vs %s (run of %s): B over A\n\n", a.box, a.started, b.box, b.started);
    printf("| series | metric | A | B | B / A |\n| --- | --- | --- | --- | --- |\n");
    size_t shown = 0, both = 0;
    for (long i = 0; i < a.ns; i++)
        for (long k = 0; k < b.ns; k++) {
            if (a.ss[i].is_pair != b.ss[k].is_pair || strcmp(a.ss[i].name, b.ss[k].name) ||
                strcmp(a.ss[i].metric, b.ss[k].metric))
                continue;
            double va = hist_value_in(st, &a.ss[i], a.run), vb = hist_value_in(st, &b.ss[k], b.run);
            if (!isfinite(va) || !isfinite(vb) || va == 0)
                continue;
            both++;
            if (!ha.all && fabs(vb / va - 1) < 0.05)
                continue;
            char x[48], y[48];
            hist_fmt(&a.ss[i], va, x, sizeof x);
            hist_fmt(&a.ss[i], vb, y, sizeof y);
            fputs("| ", stdout);
            pb_md_put(stdout, a.ss[i].name);
            printf(" | %s | %s | %s | %.3f |\n", a.ss[i].metric, x, y, vb / va);
            shown++;
        }
    printf("\n%zu of %zu series in both %s (%s).\n\n## Environment\n\n", shown, both,
           ha.all ? "shown" : "differ by 5 % or more", ha.all ? "--all" : "--all shows every one");
    printf("| key | A | B |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < pb_n_envkeys; i++) {
        char va[160], vb[160];
        pb_store_run_env(st, a.run, pb_envkeys[i].key, va, sizeof va);
        pb_store_run_env(st, b.run, pb_envkeys[i].key, vb, sizeof vb);
        if (!strcmp(va, vb))
            continue;
        printf("| %s%s | ", pb_envkeys[i].key, pb_envkeys[i].questionable ? " (questionable)" : "");
        pb_md_put(stdout, va);
        fputs(" | ", stdout);
        pb_md_put(stdout, vb);
        fputs(" |\n", stdout);
    }
    free(a.ss);
    free(b.ss);
    pb_store_close(st);
    pb_opts_free(&r);
    return 0;
}

static void hist_pct(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.1f %%", v);
    else
        snprintf(buf, len, "-");
}

static int hist_quality(int argc, char **argv)
{
    struct pb_opts_result r;
    int rc = pb_opts_get(&quality_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    pb_opts_free(&r);
    struct pb_cp_opts o;
    hist_cp_opts(&o);
    struct pb_quality_row *q;
    size_t n = pb_history_quality((size_t)ha.series, 60, (unsigned long long)ha.seed, &o,
                                  ha.threshold, &q);
    printf("# change-point detection on synthetic histories\n\n%zu series of 60 runs a row, seed "
           "%.0f; E-Divisive means, t-test p < %g, window %zu, placed with exact weight %g; the "
           "gate: first run as baseline, threshold %g %%.\n\n",
           (size_t)ha.series, ha.seed, o.p_max, o.window, o.exact_weight, ha.threshold);
    printf(
        "| CV | step | E-Divisive: found within +-2 runs | at the exact run | mean position error "
        "| false alarms / 100 series | best possible within +-2 | 90 %% range holds the step | "
        "its mean width | gate: found within +-2 | gate: false alarms / 100 series |\n| --- "
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        char d[32], ex[32], best[32], g[32], rg[32], rw[32] = "-";
        hist_pct(q[i].detected_pct, d, sizeof d);
        hist_pct(q[i].exact_pct, ex, sizeof ex);
        hist_pct(q[i].range_pct, rg, sizeof rg);
        if (isfinite(q[i].range_runs))
            snprintf(rw, sizeof rw, "%.1f runs", q[i].range_runs);
        hist_pct(q[i].oracle_pct, best, sizeof best);
        hist_pct(q[i].gate_detected_pct, g, sizeof g);
        char step[32];
        if (q[i].step_pct > 0)
            snprintf(step, sizeof step, "+%.0f %%", q[i].step_pct);
        else
            snprintf(step, sizeof step, "none (A/A)");
        char err[32];
        if (isfinite(q[i].mean_abs_err_runs))
            snprintf(err, sizeof err, "%.2f runs", q[i].mean_abs_err_runs);
        else
            snprintf(err, sizeof err, "-");
        printf("| %.0f %% | %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %.1f |\n", q[i].cv_pct,
               step, d, ex, err, q[i].false_per_100, best, rg, rw, g, q[i].gate_false_per_100);
    }
    free(q);
    return 0;
}

static void hist_help(FILE *f)
{
    fputs("usage: pinbench history <command> [options]\n\n"
          "The results store over time: runs of many boxes in one SQLite database, change\n"
          "points per series, and the regression gate on a history (pinbench regress\n"
          "--history=DB).\n\n"
          "commands:\n"
          "  ingest   store result folders (idempotent; one transaction a folder)\n"
          "  changes  list each series' change points (E-Divisive means)\n"
          "  show     draw series with their regimes and change points\n"
          "  boxes    list the boxes\n"
          "  compare  two boxes side by side, latest runs, with the environment diff\n"
          "  quality  the detector measured on synthetic histories\n"
          "Each command has --help.\n",
          f);
}

int pb_cmd_history(int argc, char **argv)
{
    hist_defaults();
    if (argc < 2) {
        hist_help(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        hist_help(stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"ingest", hist_ingest}, {"changes", hist_changes}, {"show", hist_show},
                {"boxes", hist_boxes},   {"compare", hist_compare}, {"quality", hist_quality}};
    for (size_t i = 0; i < PB_ARRAY_LEN(cmds); i++)
        if (!strcmp(cmd, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    return pb_usage_error("history: unknown command %s (expected ingest, changes, show, boxes, "
                          "compare or quality; see pinbench history --help)",
                          pb_q(cmd));
}
