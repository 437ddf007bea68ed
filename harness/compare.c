/* compare: changes between result folders, the regression gate, tracker exports. */
#include "compare.h"

#include "escape.h"
#include "json.h"
#include "plot.h"
#include "readable.h"
#include "report.h"
#include "results.h"
#include "rset.h"
#include "safeio.h"
#include "extprog.h"
#include "stats.h"
#include "util.h"

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


#define EXIT_REGRESSION 1
#define REGRESS_ALPHA 0.01

int pb_metric_worse_dir(const char *metric)
{
    size_t n = strlen(metric);
    if (n >= 3 && !strcmp(metric + n - 3, "_ns"))
        return +1;
    if (n >= 6 && !strcmp(metric + n - 6, "_per_s"))
        return -1;
    return 0;
}

static void change_stats(const double *a, size_t na, const double *b, size_t nb, double alpha,
                         struct pb_change *c)
{
    struct pb_pair_result p;
    memset(&p, 0, sizeof p);
    pb_report_pair_stats(a, na, b, nb, c->metric, &p);
    c->a = p.base_median;
    c->b = p.var_median;
    c->na = na;
    c->nb = nb;
    c->ratio = p.ratio;
    c->ci_lo = p.ci_low;
    c->ci_hi = p.ci_high;
    c->p = p.p_value;
    c->significant = isfinite(c->p) && c->p < alpha && (c->ci_hi < 1 || c->ci_lo > 1);
    int dir = pb_metric_worse_dir(c->metric);
    if (c->is_pair) /* a pair's ratio of times is worse when it grows */
        dir = pb_metric_worse_dir(c->metric);
    c->worse = !c->significant || !dir ? 0 : (c->ratio > 1 ? dir : -dir);
    if (!isfinite(c->ratio) && !c->note[0])
        snprintf(c->note, sizeof c->note, "%s", p.note[0] ? p.note : "no ratio");
}

/* The per-repetition ratios variant/baseline of a declared pair, or NULL with *n = 0. */
static double *pair_series(const struct pb_rset *s, const char *fam, const char *base,
                           const char *var, const char *metric, size_t *n)
{
    char bn[256], vn[256];
    snprintf(bn, sizeof bn, "%s/%s", fam, base);
    snprintf(vn, sizeof vn, "%s/%s", fam, var);
    const struct pb_rseries *b = pb_rset_series(s, bn, metric), *v = pb_rset_series(s, vn, metric);
    *n = 0;
    if (!b || !v || b->n != v->n || !b->n)
        return NULL;
    double *r = pb_xcalloc(b->n, sizeof *r, "pair ratios");
    for (size_t i = 0; i < b->n; i++)
        if (b->v[i] != 0 && isfinite(b->v[i]) && isfinite(v->v[i]))
            r[(*n)++] = v->v[i] / b->v[i];
    return r;
}

static struct pb_change *change_push(struct pb_change **out, size_t *n, size_t *cap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *out = pb_xrealloc(*out, *cap * sizeof **out, "changes");
    }
    struct pb_change *c = &(*out)[(*n)++];
    memset(c, 0, sizeof *c);
    c->a = c->b = c->ratio = c->ci_lo = c->ci_hi = c->p = NAN;
    return c;
}

size_t pb_compare_changes(const struct pb_rset *a, const struct pb_rset *b, double alpha,
                          struct pb_change **out)
{
    static const char *const metrics[] = {"real_time_ns", "op_p50_ns", "op_p99_ns"};
    size_t n = 0, cap = 0;
    *out = NULL;
    for (size_t i = 0; i < a->n_var; i++) {
        const struct pb_rvariant *va = &a->var[i];
        const struct pb_rvariant *vb = pb_rset_variant(b, va->name);
        if (!vb)
            continue;
        for (size_t m = 0; m < PB_ARRAY_LEN(metrics); m++) {
            const struct pb_rseries *sa = pb_rset_series(a, va->name, metrics[m]);
            const struct pb_rseries *sb = pb_rset_series(b, va->name, metrics[m]);
            bool ran_a = !strcmp(va->status, "ok"), ran_b = !strcmp(vb->status, "ok");
            if (m > 0 && (!sa || !sb))
                continue; /* percentiles: only where both have them */
            struct pb_change *c = change_push(out, &n, &cap);
            snprintf(c->name, sizeof c->name, "%s", va->name);
            snprintf(c->metric, sizeof c->metric, "%s", metrics[m]);
            if (!ran_a || !ran_b || !sa || !sb) {
                const struct pb_rvariant *why = !ran_a ? va : vb;
                snprintf(c->note, sizeof c->note, "%s in %s: %s", why->status,
                         why == va ? "A" : "B", why->reason[0] ? why->reason : "no data");
                continue;
            }
            change_stats(sa->v, sa->n, sb->v, sb->n, alpha, c);
        }
    }
    const struct pb_json *ps = pb_json_get(a->summary, "pairs");
    for (size_t i = 0; ps && i < ps->n; i++) {
        const struct pb_json *p = &ps->items[i];
        const char *fam = pb_json_str(p, "experiment", ""), *bn = pb_json_str(p, "baseline", "");
        const char *vn = pb_json_str(p, "variant", ""), *metric = pb_json_str(p, "metric", "");
        size_t na, nb;
        double *ra = pair_series(a, fam, bn, vn, metric, &na);
        double *rb = pair_series(b, fam, bn, vn, metric, &nb);
        struct pb_change *c = change_push(out, &n, &cap);
        snprintf(c->name, sizeof c->name, "%s: %s -> %s", fam, bn, vn);
        snprintf(c->metric, sizeof c->metric, "%s", metric);
        c->is_pair = true;
        if (na && nb)
            change_stats(ra, na, rb, nb, alpha, c);
        else
            snprintf(c->note, sizeof c->note, "the pair did not run in %s", na ? "B" : "A");
        free(ra);
        free(rb);
    }
    return n;
}

/* Keys compared between boxes; `q` marks what makes absolute numbers questionable. */
static const struct {
    const char *key;
    bool q;
} env_keys[] = {
    {"cpu_model", true},
    {"cpu_microcode", false},
    {"kernel_release", true},
    {"allowed_cpu_count", true},
    {"online_cpus", false},
    {"smt_active", true},
    {"governor", true},
    {"scaling_driver", false},
    {"turbo", true},
    {"isolated_cpus", true},
    {"nohz_full_cpus", true},
    {"cmdline_isolcpus", false},
    {"cmdline_mitigations", true},
    {"numa_nodes_online", false},
    {"thp_enabled", false},
    {"clocksource", false},
    {"clock_source", true},
    {"pmu_counters", false},
    {"perf_event_paranoid", false},
    {"build_type", true},
    {"build_cflags", true},
    {"compiler", false},
    {"cgroup_cpu_max", true},
    {"topology_packages", false},
    {"topology_cores", false},
    {"topology_pus", false},
};

size_t pb_compare_env(const struct pb_rset *a, const struct pb_rset *b, struct pb_env_diff *out,
                      size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < PB_ARRAY_LEN(env_keys) && n < cap; i++) {
        const char *x = pb_rset_env(a, env_keys[i].key), *y = pb_rset_env(b, env_keys[i].key);
        if (!strcmp(x, y))
            continue;
        struct pb_env_diff *d = &out[n++];
        snprintf(d->key, sizeof d->key, "%s", env_keys[i].key);
        snprintf(d->a, sizeof d->a, "%s", x[0] ? x : "(absent)");
        snprintf(d->b, sizeof d->b, "%s", y[0] ? y : "(absent)");
        d->questionable = env_keys[i].q;
    }
    /* a different profile changes repetitions and time per call: spreads differ */
    const char *pa = pb_json_str(pb_json_get(a->summary, "run"), "profile", "");
    const char *pbp = pb_json_str(pb_json_get(b->summary, "run"), "profile", "");
    if (strcmp(pa, pbp) && n < cap) {
        struct pb_env_diff *d = &out[n++];
        snprintf(d->key, sizeof d->key, "profile");
        snprintf(d->a, sizeof d->a, "%s", pa);
        snprintf(d->b, sizeof d->b, "%s", pbp);
        d->questionable = true;
    }
    return n;
}

/* ---- output ---- */

static const char *change_value(const struct pb_change *c, double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (c->is_pair)
        snprintf(buf, len, "%.3f x", v);
    else
        pb_report_fmt(c->metric, v, buf, len);
    return buf;
}

static const char *change_mark(const struct pb_change *c)
{
    if (!c->significant)
        return isfinite(c->ratio) ? "" : "n/a";
    return c->worse > 0 ? "**worse**" : c->worse < 0 ? "**better**" : "**changed**";
}

/* "| <text> " with the text escaped: names and notes come from result folders. */
static void md_cell(FILE *f, const char *text)
{
    fputs("| ", f);
    pb_md_put(f, text);
    fputc(' ', f);
}

static void md_changes(FILE *f, const char *an, const char *bn, const struct pb_change *c, size_t n)
{
    fprintf(f, "| quantity | metric | %s | %s | change (B/A) [95 %% CI] | p | |\n", an, bn);
    fprintf(f, "| --- | --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        char a[64], b[64], ch[96] = "-", p[32] = "-";
        if (isfinite(c[i].ratio))
            snprintf(ch, sizeof ch, "%.3f [%.3f, %.3f]", c[i].ratio, c[i].ci_lo, c[i].ci_hi);
        if (isfinite(c[i].p))
            snprintf(p, sizeof p, "%.2g", c[i].p);
        md_cell(f, c[i].name);
        md_cell(f, c[i].metric);
        fprintf(f, "| %s | %s | %s | %s | %s", change_value(&c[i], c[i].a, a, sizeof a),
                change_value(&c[i], c[i].b, b, sizeof b), ch, p, change_mark(&c[i]));
        pb_md_put(f, c[i].note);
        fputs(" |\n", f);
    }
    fprintf(f, "\n");
}

static void md_env(FILE *f, const struct pb_env_diff *d, size_t n)
{
    if (!n) {
        fprintf(f, "The environments match on every compared key.\n\n");
        return;
    }
    fprintf(f, "| key | A | B | |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < n; i++) {
        md_cell(f, d[i].key);
        md_cell(f, d[i].a);
        md_cell(f, d[i].b);
        fprintf(f, "| %s |\n", d[i].questionable ? "makes absolute numbers questionable" : "");
    }
    fprintf(f, "\n");
}

static void json_changes(struct pb_jw *w, const struct pb_change *c, size_t n)
{
    pb_jw_arr_begin(w, "changes");
    for (size_t i = 0; i < n; i++) {
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "name", c[i].name);
        pb_jw_str(w, "metric", c[i].metric);
        pb_jw_bool(w, "pair_ratio", c[i].is_pair);
        pb_jw_num(w, "a_median", c[i].a);
        pb_jw_num(w, "b_median", c[i].b);
        pb_jw_int(w, "n_a", (long long)c[i].na);
        pb_jw_int(w, "n_b", (long long)c[i].nb);
        pb_jw_num(w, "ratio", c[i].ratio);
        pb_jw_num(w, "ci_low", c[i].ci_lo);
        pb_jw_num(w, "ci_high", c[i].ci_hi);
        pb_jw_num(w, "p_value", c[i].p);
        pb_jw_bool(w, "significant", c[i].significant);
        pb_jw_str(w, "direction", c[i].worse > 0 ? "worse" : c[i].worse < 0 ? "better" : "none");
        pb_jw_str(w, "note", c[i].note[0] ? c[i].note : NULL);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
}

static void json_env(struct pb_jw *w, const struct pb_env_diff *d, size_t n)
{
    pb_jw_arr_begin(w, "env_diff");
    for (size_t i = 0; i < n; i++) {
        pb_jw_obj_begin(w, NULL);
        pb_jw_str(w, "key", d[i].key);
        pb_jw_str(w, "a", d[i].a);
        pb_jw_str(w, "b", d[i].b);
        pb_jw_bool(w, "questionable", d[i].questionable);
        pb_jw_obj_end(w);
    }
    pb_jw_arr_end(w);
}

/* An output file the user named ("-": standard output). It is written to a fresh temporary
 * beside it and renamed into place on close, so a link planted under its name is replaced,
 * never written through, and a failed write leaves the old file as it was. */
struct out {
    FILE *f;
    struct pb_replace r;
    bool is_stdout;
};

static int open_out(struct out *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->r.dirfd = -1;
    if (!strcmp(path, "-")) {
        o->f = stdout;
        o->is_stdout = true;
        return 0;
    }
    if (pb_replace_open(&o->r, path) < 0)
        return -1;
    o->f = o->r.f;
    return 0;
}

static int close_out(struct out *o, const char *path)
{
    if (o->is_stdout)
        return fflush(stdout) == 0 && !ferror(stdout)
                   ? 0
                   : pb_errf("cannot write to standard output: %s", strerror(errno ? errno : EIO));
    (void)path;
    return pb_replace_commit(&o->r);
}

static void abort_out(struct out *o)
{
    if (!o->is_stdout && o->f)
        pb_replace_abort(&o->r);
}

/* Draws the time-per-op changes of every run against A (log ratio axis) with gnuplot, in a
 * private folder made inside `dir`; the data and the pictures are then renamed into `dir`
 * (replacing, never writing through, whatever is there). */
static int compare_plot(const char *dir, struct pb_change **all, const size_t *counts,
                        const char *const *names, size_t nsets)
{
    int dfd = pb_open_dir(-1, dir);
    if (dfd < 0)
        return pb_errf("comparison plots not drawn: %s", pb_err());
    char priv[32];
    int pfd = -1;
    for (unsigned k = 0; k < 100 && pfd < 0; k++) {
        snprintf(priv, sizeof priv, ".compare-plot-%ld-%u", (long)getpid(), k);
        if (mkdirat(dfd, priv, 0700) == 0)
            pfd = pb_open_dir(dfd, priv);
        else if (errno != EEXIST)
            break;
    }
    if (pfd < 0) {
        close(dfd);
        return pb_errf("comparison plots not drawn: cannot make a folder in %s: %s", pb_q(dir),
                       strerror(errno));
    }
    FILE *f = pb_create_file(pfd, "compare.dat", "compare.dat");
    size_t blocks = 0;
    for (size_t s = 1; f && s < nsets; s++) {
        /* names become gnuplot data strings: a double quote would end one */
        char *an = pb_xstrdup(names[0]), *bn = pb_xstrdup(names[s]);
        for (char *c = an; *c; c++)
            *c = *c == '"' || (unsigned char)*c < 0x20 ? '\'' : *c;
        for (char *c = bn; *c; c++)
            *c = *c == '"' || (unsigned char)*c < 0x20 ? '\'' : *c;
        fprintf(f, "%s\"%s vs %s\"\n", blocks ? "\n\n" : "", bn, an);
        free(an);
        free(bn);
        int idx = 0;
        for (size_t i = 0; i < counts[s]; i++) {
            const struct pb_change *c = &all[s][i];
            if (c->is_pair || strcmp(c->metric, "real_time_ns") || !isfinite(c->ratio))
                continue;
            fprintf(f, "%d \"%s\" %.6g %.6g %.6g\n", idx++, c->name, c->ratio,
                    isfinite(c->ci_lo) ? c->ci_lo : c->ratio,
                    isfinite(c->ci_hi) ? c->ci_hi : c->ratio);
        }
        blocks++;
    }
    int rc = 0;
    if (!f || pb_results_close(f, "compare.dat") < 0)
        rc = pb_errf("comparison plots not drawn: %s", pb_err());
    char nb[32];
    snprintf(nb, sizeof nb, "%zu", blocks);
    const char *args[] = {"compare.dat", "compare", nb};
    if (rc == 0 && pb_plot_run(pfd, "compare.gp", args, 3, "compare", "compare.gnuplot.log",
                               NULL) < 0)
        rc = pb_errf("comparison plots not drawn: %s", pb_err());
    static const char *const keep[] = {"compare.dat", "compare.svg", "compare.png",
                                       "compare.gnuplot.log"};
    for (size_t k = 0; k < PB_ARRAY_LEN(keep); k++)
        if (renameat(pfd, keep[k], dfd, keep[k]) != 0)
            unlinkat(pfd, keep[k], 0);
    close(pfd);
    unlinkat(dfd, priv, AT_REMOVEDIR);
    close(dfd);
    return rc;
}

static int load_sets(struct pb_rset *sets, const char *const *dirs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pb_rset_load(&sets[i], dirs[i]) < 0) {
            for (size_t k = 0; k < i; k++)
                pb_rset_free(&sets[k]);
            return -1;
        }
    return 0;
}

static void compare_help(FILE *f)
{
    fprintf(f,
            "usage: pinbench compare A B [C...] [--out=DIR]\n\n"
            "Compares result folders (runs on different boxes or configurations) against the\n"
            "first: for every variant the median time per op, p50 and p99 side by side with the\n"
            "change B/A, its 95%% bootstrap CI and a Mann-Whitney U p-value (marked when p < 0.05\n"
            "and the CI excludes 1); every declared pair's ratio (taken per repetition) the same\n"
            "way; and the environment keys that differ, flagged where they make absolute numbers\n"
            "questionable (CPU, kernel, SMT, governor, turbo, isolated CPUs, mitigations,\n"
            "build, profile). Markdown on standard output; with --out, also DIR/compare.md,\n"
            "DIR/compare.json and the plot DIR/compare.svg|png (time per op, B/A, log axis).\n\n"
            "exit status: 0 compared, 2 bad usage or a folder that cannot be read\n");
}

int pb_cmd_compare(int argc, char **argv)
{
    const char *dirs[16], *out = NULL, *v;
    size_t nd = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            compare_help(stdout);
            return 0;
        }
        if (pb_opt_value(argv[i], "--out", &v))
            out = v;
        else if (argv[i][0] == '-')
            return pb_usage_error("compare: unknown option %s (see pinbench compare --help)",
                                  pb_q(argv[i]));
        else if (nd == PB_ARRAY_LEN(dirs))
            return pb_usage_error("compare: at most %zu folders", PB_ARRAY_LEN(dirs));
        else
            dirs[nd++] = argv[i];
    }
    if (nd < 2)
        return pb_usage_error("compare: needs at least two result folders (see --help)");
    struct pb_rset sets[16];
    if (load_sets(sets, dirs, nd) < 0)
        return pb_usage_error("compare: %s", pb_err());
    struct pb_change *ch[16] = {0};
    size_t counts[16] = {0};
    struct pb_env_diff ed[16][40];
    size_t ned[16] = {0};
    for (size_t s = 1; s < nd; s++) {
        counts[s] = pb_compare_changes(&sets[0], &sets[s], 0.05, &ch[s]);
        ned[s] = pb_compare_env(&sets[0], &sets[s], ed[s], 40);
    }
    int rc = 0;
    char *mdpath = NULL, *jpath = NULL;
    if (out) {
        if (strlen(out) > PB_RESULTS_ROOT_MAX) {
            rc = pb_usage_error("compare: --out: the path is %zu bytes, longer than the %d "
                                "accepted",
                                strlen(out), PB_RESULTS_ROOT_MAX);
            goto done;
        }
        if (pb_mkdir_p(out) < 0) {
            rc = pb_usage_error("compare: %s", pb_err());
            goto done;
        }
        mdpath = pb_xasprintf("%s/compare.md", out);
        jpath = pb_xasprintf("%s/compare.json", out);
    }
    for (int pass = 0; pass < (out ? 2 : 1); pass++) {
        const char *path = pass == 0 ? "-" : mdpath;
        struct out o;
        if (open_out(&o, path) < 0) {
            rc = pb_usage_error("compare: %s", pb_err());
            goto done;
        }
        FILE *f = o.f;
        fputs("# pinbench compare\n\nA = ", f);
        pb_md_put(f, dirs[0]);
        fputs("\n\n", f);
        for (size_t s = 1; s < nd; s++) {
            size_t nq = 0;
            for (size_t k = 0; k < ned[s]; k++)
                nq += ed[s][k].questionable;
            fputs("## B = ", f);
            pb_md_put(f, dirs[s]);
            fputs("\n\n### Environment differences\n\n", f);
            md_env(f, ed[s], ned[s]);
            if (nq) {
                fprintf(f,
                        "**Warning:** %zu difference(s) above make absolute medians "
                        "questionable between these runs; pair ratios (taken within each run) "
                        "compare better.\n\n",
                        nq);
                if (pass == 0)
                    pb_fail(0,
                            "compare: warning: %s vs %s: %zu environment difference(s) make "
                            "absolute medians questionable",
                            pb_q(dirs[s]), pb_q(dirs[0]), nq);
            }
            fprintf(f, "### Changes\n\n");
            md_changes(f, "A", "B", ch[s], counts[s]);
        }
        if (close_out(&o, path) < 0) {
            rc = pb_usage_error("compare: %s", pb_err());
            goto done;
        }
    }
    if (out) {
        struct out o;
        if (open_out(&o, jpath) < 0) {
            rc = pb_usage_error("compare: %s", pb_err());
            goto done;
        }
        struct pb_jw w;
        pb_jw_init(&w, o.f);
        pb_jw_obj_begin(&w, NULL);
        pb_jw_str(&w, "schema", "pinbench-compare-1");
        pb_jw_str(&w, "a", dirs[0]);
        pb_jw_arr_begin(&w, "comparisons");
        for (size_t s = 1; s < nd; s++) {
            pb_jw_obj_begin(&w, NULL);
            pb_jw_str(&w, "b", dirs[s]);
            json_env(&w, ed[s], ned[s]);
            json_changes(&w, ch[s], counts[s]);
            pb_jw_obj_end(&w);
        }
        pb_jw_arr_end(&w);
        pb_jw_obj_end(&w);
        if (pb_jw_finish(&w) < 0) {
            abort_out(&o);
            rc = pb_usage_error("compare: cannot write %s", pb_q(jpath));
            goto done;
        }
        if (close_out(&o, jpath) < 0) {
            rc = pb_usage_error("compare: %s", pb_err());
            goto done;
        }
        if (compare_plot(out, ch, counts, dirs, nd) < 0)
            pb_fail(0, "compare: warning: %s", pb_err());
    }
done:
    free(mdpath);
    free(jpath);
    for (size_t s = 0; s < nd; s++) {
        free(ch[s]);
        pb_rset_free(&sets[s]);
    }
    return rc;
}

/* ---- regress ---- */

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

static const char *const fingerprint_keys[] = {
    "cpu_model",  "kernel_release", "allowed_cpu_count", "smt_active",
    "governor",   "turbo",          "isolated_cpus",     "cmdline_mitigations",
    "build_type", "clock_source",   "cgroup_cpu_max",
};

size_t pb_regress_judge(const struct pb_rset *base, const struct pb_rset *cur,
                        const struct pb_thresholds *t, struct pb_verdict **out, bool *fp_match,
                        char *why, size_t why_len)
{
    *fp_match = !t->ratios_only;
    why[0] = '\0';
    for (size_t i = 0; i < PB_ARRAY_LEN(fingerprint_keys) && !t->ratios_only; i++) {
        const char *a = pb_rset_env(base, fingerprint_keys[i]);
        const char *b = pb_rset_env(cur, fingerprint_keys[i]);
        if (strcmp(a, b) != 0) {
            size_t used = strlen(why);
            snprintf(why + used, why_len - used, "%s%s: '%s' vs '%s'", used ? "; " : "",
                     fingerprint_keys[i], a, b);
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
        if (!isfinite(v->threshold_pct) || !pb_metric_worse_dir(c->metric) || !isfinite(c->ratio))
            continue;
        /* how much worse, in percent of the baseline, in the metric's bad direction */
        double worse_pct =
            pb_metric_worse_dir(c->metric) > 0 ? (c->ratio - 1) * 100 : (1 / c->ratio - 1) * 100;
        v->regression = c->significant && c->worse > 0 && worse_pct > v->threshold_pct;
        v->improvement = c->significant && c->worse < 0 && -worse_pct > 0;
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

static void regress_help(FILE *f)
{
    fprintf(
        f,
        "usage: pinbench regress --baseline=DIR --current=DIR [--threshold=PCT]\n"
        "                        [--config=FILE] [--junit=FILE] [--md=FILE] [--confirm]\n\n"
        "The CI gate. A regression is a change for the worse that is statistically\n"
        "significant (two-sided Mann-Whitney U p < 0.01 over the repetitions, and the 95%%\n"
        "bootstrap CI of the ratio beyond 1) and larger than the threshold (default 10%%).\n"
        "Judged: every declared pair's ratio (pinned over unpinned and the like, taken per\n"
        "repetition; they normalise across machines), and each variant's median time per op\n"
        "when the two environments' fingerprints match (CPU, kernel, CPUs allowed, SMT,\n"
        "governor, turbo, isolated CPUs, mitigations, build, clock, CPU quota).\n\n"
        "  --threshold=PCT  default threshold in percent\n"
        "  --config=FILE    per-benchmark thresholds, one '<pattern> <percent|off>' a line\n"
        "                   (fnmatch patterns over the names in the report; first match wins)\n"
        "  --junit=FILE     JUnit XML, one test case per judged quantity\n"
        "  --md=FILE        the Markdown summary (also printed on standard output)\n"
        "  --confirm        rerun only the suspects (this binary, the current run's profile,\n"
        "                   into a temporary folder) and fail only on those that regress again\n\n"
        "exit status: 0 no regression, 1 regression, 2 bad usage or unreadable data\n");
}

static void xml_text(FILE *f, const char *s)
{
    pb_xml_put(f, s);
}

static void verdict_line(const struct pb_verdict *v, char *buf, size_t len)
{
    char a[64], b[64];
    change_value(&v->c, v->c.a, a, sizeof a);
    change_value(&v->c, v->c.b, b, sizeof b);
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
    struct out o;
    if (open_out(&o, path) < 0)
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
    return close_out(&o, path);
}

static void md_regress(FILE *f, const char *bdir, const char *cdir, const struct pb_verdict *v,
                       size_t n, bool fp, const char *why, const char *confirm_note)
{
    size_t used;
    double drift = pb_regress_drift(v, n, &used);
    size_t reg = 0, imp = 0;
    for (size_t i = 0; i < n; i++) {
        reg += v[i].regression;
        imp += v[i].improvement;
    }
    fprintf(f, "# pinbench regress: %s\n\nbaseline ", reg ? "REGRESSION" : "clean");
    pb_md_put(f, bdir);
    fputs(", current ", f);
    pb_md_put(f, cdir);
    fprintf(f, ". %zu quantities judged, %zu regression(s), %zu significant improvement(s).\n\n",
            n, reg, imp);
    if (fp)
        fprintf(f, "Environment fingerprints match: absolute medians were judged too.\n\n");
    else if (!why[0])
        fprintf(f, "Only pair ratios were judged (--ratios-only).\n\n");
    else
    {
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
    if (fewest <= 4)
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
        md_cell(f, v[i].c.name);
        md_cell(f, v[i].c.metric);
        fprintf(f, "| %s ", res);
        md_cell(f, line);
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
    const struct pb_json *run = pb_json_get(cur->summary, "run");
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

int pb_cmd_regress(int argc, char **argv)
{
    const char *bdir = NULL, *cdir = NULL, *cfg = NULL, *junit = NULL, *md = NULL, *v;
    bool confirm = false;
    struct pb_thresholds *t = pb_xcalloc(1, sizeof *t, "thresholds");
    t->default_pct = 10;
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            regress_help(stdout);
            free(t);
            return 0;
        }
        if (pb_opt_value(argv[i], "--baseline", &v))
            bdir = v;
        else if (pb_opt_value(argv[i], "--current", &v))
            cdir = v;
        else if (pb_opt_value(argv[i], "--config", &v))
            cfg = v;
        else if (pb_opt_value(argv[i], "--junit", &v))
            junit = v;
        else if (pb_opt_value(argv[i], "--md", &v))
            md = v;
        else if (!strcmp(argv[i], "--confirm"))
            confirm = true;
        else if (!strcmp(argv[i], "--ratios-only"))
            t->ratios_only = true;
        else if (pb_opt_value(argv[i], "--threshold", &v)) {
            if (pb_parse_double(v, 0, 10000, "regress: --threshold (percent)", &t->default_pct) < 0)
                rc = pb_usage_error("%s", pb_err());
        } else
            rc = pb_usage_error("regress: unknown argument %s (see pinbench regress --help)",
                                pb_q(argv[i]));
    }
    if (rc == 0 && (!bdir || !cdir))
        rc = pb_usage_error("regress: needs --baseline=DIR and --current=DIR (see --help)");
    if (rc == 0 && cfg && pb_thresholds_load(t, cfg) < 0)
        rc = pb_usage_error("regress: %s", pb_err());
    struct pb_rset sets[2];
    const char *dirs[2] = {bdir, cdir};
    if (rc == 0 && load_sets(sets, dirs, 2) < 0)
        rc = pb_usage_error("regress: %s", pb_err());
    if (rc) {
        free(t);
        return rc;
    }
    struct pb_verdict *vs;
    bool fp;
    char why[1024];
    size_t n = pb_regress_judge(&sets[0], &sets[1], t, &vs, &fp, why, sizeof why);
    size_t reg = 0;
    for (size_t i = 0; i < n; i++)
        reg += vs[i].regression;
    char note[600] = "";
    if (confirm && reg) {
        char *again = regress_rerun(&sets[1], vs, n);
        struct pb_rset rr;
        if (!again || pb_rset_load(&rr, again) < 0) {
            rc = pb_usage_error("regress: --confirm: %s", pb_err());
            free(again);
            goto done;
        }
        struct pb_verdict *v2;
        bool fp2;
        char why2[1024];
        size_t n2 = pb_regress_judge(&sets[0], &rr, t, &v2, &fp2, why2, sizeof why2);
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
        snprintf(note, sizeof note,
                 "Confirmation: %zu suspect(s) rerun into %s; %zu regressed again and are "
                 "reported, %zu did not and are cleared.",
                 reg, again, kept, reg - kept);
        reg = kept;
        free(v2);
        pb_rset_free(&rr);
        free(again);
    }
    md_regress(stdout, bdir, cdir, vs, n, fp, why, note);
    if (md) {
        struct out o;
        if (open_out(&o, md) < 0 ||
            (md_regress(o.f, bdir, cdir, vs, n, fp, why, note), close_out(&o, md) < 0)) {
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
    pb_rset_free(&sets[0]);
    pb_rset_free(&sets[1]);
    free(t);
    return rc;
}

/* ---- tracker exports and the report command ---- */

static void export_help(FILE *f)
{
    fprintf(f,
            "usage: pinbench export --format=github|bencher DIR [--out=FILE]\n\n"
            "Writes a results folder for a benchmark tracker (standard output by default):\n"
            "  github   github-action-benchmark's customSmallerIsBetter JSON: per variant the\n"
            "           median time per op, p50 and p99 (ns), each with the 95%% CI in 'range'\n"
            "  bencher  Bencher Metric Format (BMF): per variant the measure 'latency' (median\n"
            "           time per op with its CI as lower_value/upper_value, ns) and the measures\n"
            "           'p50-latency' and 'p99-latency' (ns; create them in the Bencher project)\n"
            "Only variants that ran are exported; skipped and invalid ones are left out.\n\n"
            "exit status: 0 written, 2 bad usage or a folder that cannot be read\n");
}

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
    if (pb_stats_median_ci(sr->v, sr->n, 2000, 0xe4e4ull, &e->lo, &e->hi) != 0)
        e->lo = e->hi = NAN;
    return isfinite(e->med);
}

int pb_cmd_export(int argc, char **argv)
{
    const char *fmt = NULL, *dir = NULL, *out = "-", *v;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            export_help(stdout);
            return 0;
        }
        if (pb_opt_value(argv[i], "--format", &v))
            fmt = v;
        else if (pb_opt_value(argv[i], "--out", &v))
            out = v;
        else if (argv[i][0] == '-' || dir)
            return pb_usage_error("export: unexpected argument %s (see pinbench export --help)",
                                  pb_q(argv[i]));
        else
            dir = argv[i];
    }
    if (!fmt || (strcmp(fmt, "github") && strcmp(fmt, "bencher")))
        return pb_usage_error("export: --format=github or --format=bencher is required");
    if (!dir)
        return pb_usage_error("export: which results folder? (see --help)");
    struct pb_rset s;
    if (pb_rset_load(&s, dir) < 0)
        return pb_usage_error("export: %s", pb_err());
    struct out o;
    if (open_out(&o, out) < 0) {
        pb_rset_free(&s);
        return pb_usage_error("export: %s", pb_err());
    }
    FILE *f = o.f;
    struct pb_jw w;
    pb_jw_init(&w, f);
    bool github = !strcmp(fmt, "github");
    if (github)
        pb_jw_arr_begin(&w, NULL);
    else
        pb_jw_obj_begin(&w, NULL);
    static const struct {
        const char *metric, *gh, *bmf;
    } ms[] = {{"real_time_ns", "median time per op", "latency"},
              {"op_p50_ns", "p50", "p50-latency"},
              {"op_p99_ns", "p99", "p99-latency"}};
    for (size_t i = 0; i < s.n_var; i++) {
        const struct pb_rvariant *rv = &s.var[i];
        if (strcmp(rv->status, "ok") != 0)
            continue;
        if (!github)
            pb_jw_obj_begin(&w, rv->name);
        for (size_t m = 0; m < PB_ARRAY_LEN(ms); m++) {
            struct export_stat e;
            if (!export_stat(&s, rv->name, ms[m].metric, &e))
                continue;
            if (github) {
                char name[300], range[64], extra[200];
                snprintf(name, sizeof name, "%s %s", rv->name, ms[m].gh);
                snprintf(range, sizeof range, "%.4g", isfinite(e.hi) ? (e.hi - e.lo) / 2 : 0.0);
                snprintf(extra, sizeof extra,
                         "median of %zu repetitions, 95%% CI [%.4g, %.4g] ns; placement: %s", e.n,
                         e.lo, e.hi, rv->placement);
                pb_jw_obj_begin(&w, NULL);
                pb_jw_str(&w, "name", name);
                pb_jw_str(&w, "unit", "ns");
                pb_jw_num(&w, "value", e.med);
                pb_jw_str(&w, "range", range);
                pb_jw_str(&w, "extra", extra);
                pb_jw_obj_end(&w);
            } else {
                pb_jw_obj_begin(&w, ms[m].bmf);
                pb_jw_num(&w, "value", e.med);
                if (m == 0 && isfinite(e.lo)) {
                    pb_jw_num(&w, "lower_value", e.lo);
                    pb_jw_num(&w, "upper_value", e.hi);
                }
                pb_jw_obj_end(&w);
            }
        }
        if (!github)
            pb_jw_obj_end(&w);
    }
    if (github)
        pb_jw_arr_end(&w);
    else
        pb_jw_obj_end(&w);
    int rc = 0;
    if (f == stdout)
        fputc('\n', f);
    if (pb_jw_finish(&w) < 0) {
        abort_out(&o);
        rc = pb_fail(1, "export: cannot write %s: %s", pb_q(out), strerror(errno ? errno : EIO));
    } else if (close_out(&o, out) < 0)
        rc = pb_fail(1, "export: %s", pb_err());
    pb_rset_free(&s);
    return rc;
}

int pb_cmd_report(int argc, char **argv)
{
    if (argc == 1 && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        printf("usage: pinbench report DIR\n\n"
               "Rewrites DIR/report.md and DIR/index.html from the folder's files and prints\n"
               "the cost-model table (every run writes them; this is for older folders).\n\n"
               "exit status: 0 written, 2 bad usage or a folder that cannot be read\n");
        return 0;
    }
    if (argc != 1 || argv[0][0] == '-')
        return pb_usage_error("report: expects one results folder (see pinbench report --help)");
    struct pb_rset s;
    if (pb_rset_load_partial(&s, argv[0]) < 0)
        return pb_usage_error("report: %s", pb_err());
    int rc = 0;
    if (pb_readable_write(&s) < 0)
        rc = pb_usage_error("report: %s", pb_err());
    else
        pb_readable_print_costmodel(stdout, &s);
    pb_rset_free(&s);
    return rc;
}
