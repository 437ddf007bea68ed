/* regress: one run judged against a baseline (thresholds, verdicts, reruns of suspects,
 * Markdown and JUnit). */
#include "report/compare.h"
#include "report/escape.h"
#include "results/json.h"
#include "report/plot.h"
#include "report/readable.h"
#include "report/report.h"
#include "results/results.h"
#include "results/rset.h"
#include "results/envkeys.h"
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

/* ---- regress ---- */

int (*pb_regress_history_judge)(const char *db, const struct pb_rset *cur,
                                const struct pb_thresholds *t, double alpha,
                                struct pb_verdict **out, size_t *n, char *about, size_t about_len);

int pb_thresholds_load(struct pb_thresholds *t, const char *path)
{
    /* a regular file of at most 1 MiB, UTF-8 text: a directory, a FIFO or /dev/zero is
     * refused at once */
    char *text;
    size_t len;
    if (pb_read_data(-1, path, (uint64_t)1 << 20, &text, &len) < 0)
        return pb_errf("thresholds: %s", pb_err());
    if (memchr(text, '\0', len) || !pb_utf8_valid(text, len)) {
        free(text);
        return pb_errf("thresholds %s: not UTF-8 text", pb_q(path));
    }
    char line[512];
    int ln = 0, rc = 0;
    for (char *cur = text; rc == 0 && *cur;) {
        char *nl = strchr(cur, '\n');
        size_t ll = nl ? (size_t)(nl - cur) : strlen(cur);
        ln++;
        if (ll >= sizeof line) {
            rc = pb_errf("%s:%d: line longer than %zu characters", pb_q(path), ln, sizeof line - 1);
            break;
        }
        memcpy(line, cur, ll);
        line[ll] = '\0';
        cur = nl ? nl + 1 : cur + ll;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        /* the last word is the threshold; everything before it (spaces included, as in a
         * pair's name "family: a -> b") is the pattern */
        char *end = line + strlen(line);
        while (end > line &&
               (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
            *--end = '\0';
        char *start = line;
        while (*start == ' ' || *start == '\t')
            start++;
        if (!*start)
            continue;
        char *sp = strrchr(start, ' '), *tab = strrchr(start, '\t');
        if (tab && (!sp || tab > sp))
            sp = tab;
        if (!sp) {
            rc = pb_errf("%s:%d: expected '<pattern> <percent|off>'", pb_q(path), ln);
            break;
        }
        *sp = '\0';
        const char *val = sp + 1;
        char *pe = sp;
        while (pe > start && (pe[-1] == ' ' || pe[-1] == '\t'))
            *--pe = '\0';
        if (strlen(start) >= sizeof t->pattern[0]) {
            rc = pb_errf("%s:%d: pattern longer than %zu characters", pb_q(path), ln,
                         sizeof t->pattern[0] - 1);
            break;
        }
        const char *pat = start;
        if (t->n == PB_MAX_THRESHOLDS) {
            rc = pb_errf("%s:%d: more than %d thresholds", pb_q(path), ln, PB_MAX_THRESHOLDS);
            break;
        }
        double pct = NAN;
        if (strcmp(val, "off") != 0) {
            if (pb_parse_double(val, 0, 10000, "threshold", &pct) < 0) {
                rc = pb_errf("%s:%d: threshold %s is not a percentage (0..10000) or 'off'",
                             pb_q(path), ln, pb_q(val));
                break;
            }
        }
        snprintf(t->pattern[t->n], sizeof t->pattern[t->n], "%s", pat);
        t->pct[t->n++] = pct;
    }
    free(text);
    return rc;
}

double pb_thresholds_for(const struct pb_thresholds *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (fnmatch(t->pattern[i], name, 0) == 0)
            return t->pct[i];
    return t->default_pct;
}

void pb_verdict_decide(struct pb_verdict *v)
{
    const struct pb_change *c = &v->c;
    int dir = pb_metric_worse_dir(c->metric);
    v->regression = v->improvement = false;
    if (!isfinite(v->threshold_pct) || !dir || !isfinite(c->ratio))
        return;
    /* how much worse, in percent of the baseline, in the metric's bad direction */
    double worse_pct = dir > 0 ? (c->ratio - 1) * 100 : (1 / c->ratio - 1) * 100;
    v->regression = c->significant && c->worse > 0 && worse_pct > v->threshold_pct;
    v->improvement = c->significant && c->worse < 0;
}

size_t pb_regress_judge(const struct pb_rset *base, const struct pb_rset *cur,
                        const struct pb_thresholds *t, struct pb_verdict **out, bool *fp_match,
                        char *why, size_t why_len)
{
    *fp_match = !t->ratios_only;
    why[0] = '\0';
    for (size_t i = 0; i < pb_n_envkeys && !t->ratios_only; i++) {
        if (!pb_envkeys[i].fingerprint)
            continue;
        const char *a = pb_rset_env(base, pb_envkeys[i].key);
        const char *b = pb_rset_env(cur, pb_envkeys[i].key);
        if (strcmp(a, b) != 0) {
            size_t used = strlen(why);
            snprintf(why + used, why_len - used, "%s%s: '%s' vs '%s'", used ? "; " : "",
                     pb_envkeys[i].key, a, b);
            *fp_match = false;
        }
    }
    struct pb_change *ch;
    size_t n = pb_compare_changes(base, cur, REGRESS_ALPHA, &ch);
    *out = pb_xcalloc(n ? n : 1, sizeof **out, "verdicts");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pb_change *c = &ch[i];
        /* judged: pair ratios, and the time per op when the boxes are the same */
        if (!c->is_pair && (strcmp(c->metric, "real_time_ns") || !*fp_match))
            continue;
        struct pb_verdict *v = &(*out)[k++];
        v->c = *c;
        v->threshold_pct = pb_thresholds_for(t, c->name);
        pb_verdict_decide(v);
    }
    free(ch);
    return k;
}

double pb_regress_drift(const struct pb_verdict *v, size_t n, size_t *used)
{
    double *r = pb_xcalloc(n ? n : 1, sizeof *r, "drift");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i].c.is_pair && !strcmp(v[i].c.metric, "real_time_ns") && isfinite(v[i].c.ratio))
            r[k++] = v[i].c.ratio;
    double d = k ? pb_stats_median(r, k) : NAN;
    free(r);
    *used = k;
    return d;
}

static void xml_text(FILE *f, const char *s)
{
    pb_xml_put(f, s);
}

static void verdict_line(const struct pb_verdict *v, char *buf, size_t len)
{
    char a[64], b[64];
    pb_cmp_change_value(&v->c, v->c.a, a, sizeof a);
    pb_cmp_change_value(&v->c, v->c.b, b, sizeof b);
    if (!isfinite(v->c.ratio))
        snprintf(buf, len, "%s", v->c.note);
    else
        snprintf(buf, len, "%s -> %s, ratio %.3f [%.3f, %.3f], p = %.2g, threshold %s%.0f%%", a, b,
                 v->c.ratio, v->c.ci_lo, v->c.ci_hi, v->c.p,
                 isfinite(v->threshold_pct) ? "" : "off ",
                 isfinite(v->threshold_pct) ? v->threshold_pct : 0);
}

static int write_junit(const char *path, const struct pb_verdict *v, size_t n)
{
    struct pb_cmp_out o;
    if (pb_cmp_open_out(&o, path) < 0)
        return -1;
    FILE *f = o.f;
    size_t fails = 0;
    for (size_t i = 0; i < n; i++)
        fails += v[i].regression;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuite name=\"pinbench regress\" tests=\"%zu\" failures=\"%zu\">\n",
            n, fails);
    for (size_t i = 0; i < n; i++) {
        char line[512], cls[128];
        verdict_line(&v[i], line, sizeof line);
        snprintf(cls, sizeof cls, "pinbench.%.*s", (int)strcspn(v[i].c.name, "/:"), v[i].c.name);
        fputs("  <testcase classname=\"", f);
        xml_text(f, cls);
        fputs("\" name=\"", f);
        xml_text(f, v[i].c.name);
        fputs(" (", f);
        xml_text(f, v[i].c.metric);
        fputs(")\">", f);
        if (v[i].regression) {
            fputs("<failure message=\"regression: ", f);
            xml_text(f, line);
            fputs("\"/>", f);
        } else if (!isfinite(v[i].threshold_pct) || !isfinite(v[i].c.ratio)) {
            fputs("<skipped message=\"", f);
            xml_text(f, isfinite(v[i].c.ratio) ? "threshold off" : v[i].c.note);
            fputs("\"/>", f);
        }
        fputs("</testcase>\n", f);
    }
    fputs("</testsuite>\n", f);
    return pb_cmp_close_out(&o, path);
}

static void md_regress(FILE *f, const char *bdir, const char *cdir, const struct pb_verdict *v,
                       size_t n, bool fp, const char *why, const char *confirm_note, bool history)
{
    size_t used;
    double drift = pb_regress_drift(v, n, &used);
    size_t reg = 0, imp = 0;
    for (size_t i = 0; i < n; i++) {
        reg += v[i].regression;
        imp += v[i].improvement;
    }
    fprintf(f, "# pinbench regress: %s\n\n%s", reg ? "REGRESSION" : "clean",
            history ? "against the " : "baseline ");
    pb_md_put(f, bdir);
    fputs(", current ", f);
    pb_md_put(f, cdir);
    fprintf(f, ". %zu quantities judged, %zu regression(s), %zu significant improvement(s).\n\n", n,
            reg, imp);
    if (history)
        fprintf(f,
                "Each quantity was judged against its series' current regime on this box (the "
                "runs since its last change point): a regression is worse than the regime's "
                "median by more than the threshold and outside the regime's spread (p < %.2g "
                "for one new run, a prediction interval on log values). The detail column "
                "gives the regime's median, the run's value, their ratio with the regime's "
                "own 95 %% range, and p.%s\n\n",
                REGRESS_ALPHA, fp ? "" : " Only pair ratios were judged (--ratios-only).");
    else if (fp)
        fprintf(f, "Environment fingerprints match: absolute medians were judged too.\n\n");
    else if (!why[0])
        fprintf(f, "Only pair ratios were judged (--ratios-only).\n\n");
    else {
        fputs("Environment fingerprints differ (", f);
        pb_md_put(f, why);
        fputs("): only pair ratios were judged.\n\n", f);
    }
    if (confirm_note[0]) {
        pb_md_put(f, confirm_note);
        fputs("\n\n", f);
    }
    if (isfinite(drift) && fabs(drift - 1) > 0.05)
        fprintf(f,
                "**Warning:** the whole run is %.0f%% %s than the baseline (median over %zu "
                "variants' time per op): a machine-level shift (host load, frequency, a "
                "noisy neighbour) moves every absolute median, so absolute regressions here "
                "may be that shift rather than the code. Pair ratios are taken within each run "
                "and do not move with it; on shared or virtual machines judge with "
                "--ratios-only.\n\n",
                fabs(drift - 1) * 100, drift > 1 ? "slower" : "faster", used);
    size_t fewest = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i].c.ratio))
            fewest = v[i].c.na < fewest ? v[i].c.na : fewest,
            fewest = v[i].c.nb < fewest ? v[i].c.nb : fewest;
    if (fewest <= 4 && !history)
        fprintf(f,
                "**Warning:** as few as %zu repetitions on a side: with so few, no p-value can "
                "fall below 0.01 and no regression can be found. Use 5 or more (make ci-bench "
                "uses 6).\n\n",
                fewest);
    fprintf(f, "| quantity | metric | result | detail |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        char line[512];
        verdict_line(&v[i], line, sizeof line);
        const char *res = v[i].regression                 ? "**REGRESSION**"
                          : v[i].improvement              ? "improved"
                          : !isfinite(v[i].c.ratio)       ? "not judged"
                          : !isfinite(v[i].threshold_pct) ? "threshold off"
                                                          : "ok";
        pb_cmp_md_cell(f, v[i].c.name);
        pb_cmp_md_cell(f, v[i].c.metric);
        fprintf(f, "| %s ", res);
        pb_cmp_md_cell(f, line);
        fputs("|\n", f);
    }
}

/* The first subfolder of `dir` that is not hidden (heap), or NULL. */
static char *regress_only_subdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *out = NULL;
    struct dirent *e;
    while (!out && (e = readdir(d)))
        if (e->d_name[0] != '.')
            out = pb_xasprintf("%s/%s", dir, e->d_name);
    closedir(d);
    return out;
}

/* A variant name as a regular expression that matches only itself. */
static void regress_regex_quote(const char *name, char *out, size_t len)
{
    size_t n = 0;
    for (const char *c = name; *c && n + 3 < len; c++) {
        if (strchr(".[]()*+?{}|^$\\", *c))
            out[n++] = '\\';
        out[n++] = *c;
    }
    out[n] = '\0';
}

/* Reruns the suspects' variants with this binary into a temporary folder; returns the folder
 * (heap) or NULL with pb_err(). */
static char *regress_rerun(const struct pb_rset *cur, const struct pb_verdict *v, size_t n)
{
    char filter[8192] = "^(";
    size_t used = strlen(filter), names = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].regression)
            continue;
        char list[2][256];
        int k = 0;
        if (v[i].c.is_pair) {
            char fam[64], b[128], x[128];
            if (sscanf(v[i].c.name, "%63[^:]: %127s -> %127s", fam, b, x) != 3)
                continue;
            snprintf(list[k++], sizeof list[0], "%s/%s", fam, b);
            snprintf(list[k++], sizeof list[0], "%s/%s", fam, x);
        } else {
            snprintf(list[k++], sizeof list[0], "%s", v[i].c.name);
        }
        for (int j = 0; j < k; j++) {
            char q[520];
            regress_regex_quote(list[j], q, sizeof q);
            int w = snprintf(filter + used, sizeof filter - used, "%s%s", names ? "|" : "", q);
            if (w < 0 || (size_t)w >= sizeof filter - used) {
                pb_errf("too many suspects to rerun");
                return NULL;
            }
            used += (size_t)w;
            names++;
        }
    }
    snprintf(filter + used, sizeof filter - used, ")/manual_time$");
    char tmpl[] = "/tmp/pinbench-confirm-XXXXXX";
    if (!mkdtemp(tmpl)) {
        pb_errf("cannot make a temporary folder: %s", strerror(errno));
        return NULL;
    }
    const struct pb_json *run = pb_json_get(cur->record, "run");
    const char *prof = pb_json_str(run, "profile", "default");
    static const char *const known[] = {"quick", "ci", "default", "full"};
    bool ok = false;
    for (size_t k = 0; k < PB_ARRAY_LEN(known) && !ok; k++)
        ok = !strcmp(prof, known[k]);
    if (!ok) {
        pb_errf("the current run's profile %s is not one this binary knows", pb_q(prof));
        return NULL;
    }
    char *a_filter = pb_xasprintf("--benchmark_filter=%s", filter);
    char *a_out = pb_xasprintf("--out=%s", tmpl);
    char *a_prof = pb_xasprintf("--profile=%s", prof);
    char exe[4096];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[k > 0 ? k : 0] = '\0';
    const char *argv[] = {exe, "run", a_prof, a_out, a_filter, NULL};
    pb_fail(0, "regress: confirming: %s run %s %s %s", exe, a_prof, a_out, a_filter);
    /* the rerun has its own watchdog; this bound only catches a run that cannot end */
    struct pb_extprog sp = {argv, -1, STDERR_FILENO, pb_extprog_timeout_s(3600), NULL};
    int st;
    char why[300];
    enum pb_extprog_end end = pb_extprog_run(&sp, &st, why, sizeof why);
    free(a_filter);
    free(a_out);
    free(a_prof);
    if (end != PB_EXTPROG_EXITED || st != 0) {
        pb_errf("the confirming run failed (%s)", why);
        return NULL;
    }
    /* the run made <tmp>/<host>/<stamp>: the one folder two levels down */
    char *dir = regress_only_subdir(tmpl);
    char *found = dir ? regress_only_subdir(dir) : NULL;
    free(dir);
    if (!found)
        pb_errf("the confirming run left no results folder under %s", tmpl);
    return found;
}

/* --confirm: the suspects rerun into a temporary folder and judged again; only those that
 * regress again stay regressions (*reg updated, `note` says what happened). */
static int regress_confirm(const struct pb_rset *base, const char *history,
                           const struct pb_rset *cur, const struct pb_thresholds *t,
                           struct pb_verdict *vs, size_t n, size_t *reg, char *note,
                           size_t note_len)
{
    char *again = regress_rerun(cur, vs, n);
    struct pb_rset rr;
    if (!again || pb_rset_load(&rr, again) < 0) {
        free(again);
        return -1;
    }
    struct pb_verdict *v2 = NULL;
    bool fp2;
    char why2[1024];
    size_t n2 = 0;
    if (!history)
        n2 = pb_regress_judge(base, &rr, t, &v2, &fp2, why2, sizeof why2);
    else if (pb_regress_history_judge(history, &rr, t, REGRESS_ALPHA, &v2, &n2, why2, sizeof why2) <
             0) {
        pb_rset_free(&rr);
        free(again);
        return -1;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (!vs[i].regression)
            continue;
        bool again_bad = false;
        for (size_t k = 0; k < n2; k++)
            if (!strcmp(v2[k].c.name, vs[i].c.name) && !strcmp(v2[k].c.metric, vs[i].c.metric))
                again_bad = v2[k].regression;
        vs[i].regression = again_bad;
        kept += again_bad;
    }
    snprintf(note, note_len,
             "Confirmation: %zu suspect(s) rerun into %s; %zu regressed again and are reported, "
             "%zu did not and are cleared.",
             *reg, again, kept, *reg - kept);
    *reg = kept;
    free(v2);
    pb_rset_free(&rr);
    free(again);
    return 0;
}

static struct regress_args {
    const char *bdir, *cdir, *cfg, *junit, *md, *history;
    bool confirm, ratios_only;
    double threshold_pct;
} regress_args;
static const struct pb_opt regress_opts[] = {
    {"baseline", 0, PB_OPT_STRING, "DIR", "the baseline results folder (required)",
     &regress_args.bdir, 0, 0},
    {"current", 0, PB_OPT_STRING, "DIR", "the current results folder (required)",
     &regress_args.cdir, 0, 0},
    {"history", 0, PB_OPT_STRING, "DB",
     "instead of --baseline: judge each series against its current\nregime in the history "
     "database (pinbench history; the runs of\nthis box since the series' last change point)",
     &regress_args.history, 0, 0},
    {"threshold", 0, PB_OPT_NUMBER, "PCT", "default threshold in percent (default 10)",
     &regress_args.threshold_pct, 0, 10000},
    {"config", 0, PB_OPT_STRING, "FILE",
     "per-benchmark thresholds, one '<pattern> <percent|off>' a line\n(fnmatch patterns over "
     "the names in the report; first match wins)",
     &regress_args.cfg, 0, 0},
    {"ratios-only", 0, PB_OPT_FLAG, NULL,
     "judge only the pairs' ratios, never absolute medians (shared\nor virtual machines, whose "
     "absolute speed drifts)",
     &regress_args.ratios_only, 0, 0},
    {"junit", 0, PB_OPT_STRING, "FILE", "JUnit XML, one test case per judged quantity",
     &regress_args.junit, 0, 0},
    {"md", 0, PB_OPT_STRING, "FILE", "the Markdown summary (also printed on standard output)",
     &regress_args.md, 0, 0},
    {"confirm", 0, PB_OPT_FLAG, NULL,
     "rerun only the suspects (this binary, the current run's profile,\ninto a temporary "
     "folder) and fail only on those that regress again",
     &regress_args.confirm, 0, 0},
};
static const struct pb_opts_spec regress_spec = {
    "regress",
    "pinbench regress --baseline=DIR --current=DIR [options]\n"
    "       pinbench regress --history=DB --current=DIR [options]",
    "The CI gate. A regression is a change for the worse that is statistically\n"
    "significant (two-sided Mann-Whitney U p < 0.01 over the blocks, and the 95 %\n"
    "bootstrap CI of the ratio beyond 1) and larger than the threshold (default 10 %).\n"
    "Judged: every declared pair's ratio (pinned over unpinned and the like, taken per\n"
    "block; they normalise across machines), and each variant's median time per op\n"
    "when the two environments' fingerprints match (CPU, kernel, CPUs allowed, SMT,\n"
    "governor, turbo, isolated CPUs, mitigations, build, clock, CPU quota).\n"
    "With --history, the baseline is each series' current regime on this box: worse\n"
    "than its median by more than the threshold and outside its spread between runs\n"
    "(prediction-interval p < 0.01) is a regression.",
    "exit status: 0 no regression, 1 regression, 2 bad usage or unreadable data\n",
    regress_opts,
    PB_ARRAY_LEN(regress_opts),
    0,
    0,
    NULL,
    NULL,
};

int pb_cmd_regress(int argc, char **argv)
{
    memset(&regress_args, 0, sizeof regress_args);
    regress_args.threshold_pct = 10;
    struct pb_opts_result r;
    int rc = pb_opts_get(&regress_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    pb_opts_free(&r);
    const char *bdir = regress_args.bdir, *cdir = regress_args.cdir, *cfg = regress_args.cfg;
    const char *junit = regress_args.junit, *md = regress_args.md;
    bool confirm = regress_args.confirm;
    struct pb_thresholds *t = pb_xcalloc(1, sizeof *t, "thresholds");
    t->default_pct = regress_args.threshold_pct;
    t->ratios_only = regress_args.ratios_only;
    const char *hist = regress_args.history;
    if (rc == 0 && hist && bdir)
        rc = pb_usage_error("regress: --history and --baseline are two ways to judge: give one");
    if (rc == 0 && hist && !pb_regress_history_judge)
        rc = pb_usage_error("regress: --history is not built into this program");
    if (rc == 0 && ((!bdir && !hist) || !cdir))
        rc = pb_usage_error("regress: needs --baseline=DIR (or --history=DB) and --current=DIR "
                            "(see --help)");
    if (rc == 0 && cfg && pb_thresholds_load(t, cfg) < 0)
        rc = pb_usage_error("regress: %s", pb_err());
    struct pb_rset sets[2];
    memset(sets, 0, sizeof sets);
    const char *dirs[2] = {bdir, cdir};
    /* with a history, sets[1] alone is loaded: the current folder */
    if (rc == 0 &&
        pb_cmp_load_sets(hist ? sets + 1 : sets, hist ? dirs + 1 : dirs, hist ? 1 : 2) < 0)
        rc = pb_usage_error("regress: %s", pb_err());
    if (rc) {
        free(t);
        return rc;
    }
    struct pb_verdict *vs = NULL;
    bool fp = !t->ratios_only;
    char why[1024] = "";
    size_t n = 0;
    if (!hist) {
        n = pb_regress_judge(&sets[0], &sets[1], t, &vs, &fp, why, sizeof why);
    } else if (pb_regress_history_judge(hist, &sets[1], t, REGRESS_ALPHA, &vs, &n, why,
                                        sizeof why) < 0) {
        rc = pb_usage_error("regress: --history: %s", pb_err());
        goto done;
    }
    const char *against = hist ? why : bdir;
    size_t reg = 0;
    for (size_t i = 0; i < n; i++)
        reg += vs[i].regression;
    char note[600] = "";
    if (confirm && reg &&
        regress_confirm(hist ? NULL : &sets[0], hist, &sets[1], t, vs, n, &reg, note, sizeof note) <
            0) {
        rc = pb_usage_error("regress: --confirm: %s", pb_err());
        goto done;
    }
    md_regress(stdout, against, cdir, vs, n, fp, why, note, hist != NULL);
    if (md) {
        struct pb_cmp_out o;
        if (pb_cmp_open_out(&o, md) < 0 ||
            (md_regress(o.f, against, cdir, vs, n, fp, why, note, hist != NULL),
             pb_cmp_close_out(&o, md) < 0)) {
            rc = pb_usage_error("regress: %s", pb_err());
            goto done;
        }
    }
    if (junit && write_junit(junit, vs, n) < 0) {
        rc = pb_usage_error("regress: %s", pb_err());
        goto done;
    }
    rc = reg ? EXIT_REGRESSION : 0;
done:
    free(vs);
    if (!hist)
        pb_rset_free(&sets[0]);
    pb_rset_free(&sets[1]);
    free(t);
    return rc;
}
