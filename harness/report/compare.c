/* compare: changes between result folders (pairs, variants, environments) and the compare command.
 */
#include "report/compare.h"
#include "report/compare_internal.h"

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
    const struct pb_json *ps = pb_json_get(a->record, "pairs");
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

size_t pb_compare_env(const struct pb_rset *a, const struct pb_rset *b, struct pb_env_diff *out,
                      size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < pb_n_envkeys && n < cap; i++) {
        const char *x = pb_rset_env(a, pb_envkeys[i].key), *y = pb_rset_env(b, pb_envkeys[i].key);
        if (!strcmp(x, y))
            continue;
        struct pb_env_diff *d = &out[n++];
        snprintf(d->key, sizeof d->key, "%s", pb_envkeys[i].key);
        snprintf(d->a, sizeof d->a, "%s", x[0] ? x : "(absent)");
        snprintf(d->b, sizeof d->b, "%s", y[0] ? y : "(absent)");
        d->questionable = pb_envkeys[i].questionable;
    }
    /* a different profile changes repetitions and time per call: spreads differ */
    const char *pa = pb_json_str(pb_json_get(a->record, "run"), "profile", "");
    const char *pbp = pb_json_str(pb_json_get(b->record, "run"), "profile", "");
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

const char *pb_cmp_change_value(const struct pb_change *c, double v, char *buf, size_t len)
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
void pb_cmp_md_cell(FILE *f, const char *text)
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
        pb_cmp_md_cell(f, c[i].name);
        pb_cmp_md_cell(f, c[i].metric);
        fprintf(f, "| %s | %s | %s | %s | %s", pb_cmp_change_value(&c[i], c[i].a, a, sizeof a),
                pb_cmp_change_value(&c[i], c[i].b, b, sizeof b), ch, p, change_mark(&c[i]));
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
        pb_cmp_md_cell(f, d[i].key);
        pb_cmp_md_cell(f, d[i].a);
        pb_cmp_md_cell(f, d[i].b);
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

int pb_cmp_open_out(struct pb_cmp_out *o, const char *path)
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

int pb_cmp_close_out(struct pb_cmp_out *o, const char *path)
{
    if (o->is_stdout)
        return fflush(stdout) == 0 && !ferror(stdout)
                   ? 0
                   : pb_errf("cannot write to standard output: %s", strerror(errno ? errno : EIO));
    (void)path;
    return pb_replace_commit(&o->r);
}

void pb_cmp_abort_out(struct pb_cmp_out *o)
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
    if (rc == 0 &&
        pb_plot_run(pfd, "compare.gp", args, 3, "compare", "compare.gnuplot.log", NULL) < 0)
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

int pb_cmp_load_sets(struct pb_rset *sets, const char *const *dirs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (pb_rset_load(&sets[i], dirs[i]) < 0) {
            for (size_t k = 0; k < i; k++)
                pb_rset_free(&sets[k]);
            return -1;
        }
    return 0;
}

static const char *compare_out;
static const struct pb_opt compare_opts[] = {
    {"out", 0, PB_OPT_STRING, "DIR",
     "also write DIR/compare.md, DIR/compare.json and the plot\nDIR/compare.svg|png (time per "
     "op, B/A, log axis)",
     &compare_out, 0, 0},
};
static const struct pb_opts_spec compare_spec = {
    "compare",
    "pinbench compare [--out=DIR] A B [C ...]",
    "Compares result folders (runs on different boxes or configurations) against the\n"
    "first: for every variant the median time per op, p50 and p99 side by side with the\n"
    "change B/A, its 95 % bootstrap CI and a Mann-Whitney U p-value (marked when p < 0.05\n"
    "and the CI excludes 1); every declared pair's ratio (taken per block) the same way;\n"
    "and the environment keys that differ, flagged where they make absolute numbers\n"
    "questionable (CPU, kernel, SMT, governor, turbo, isolated CPUs, mitigations, build,\n"
    "profile). Markdown on standard output.",
    "exit status: 0 compared, 2 bad usage or a folder that cannot be read\n",
    compare_opts,
    PB_ARRAY_LEN(compare_opts),
    2,
    16,
    "result folders",
    NULL,
};

/* What a comparison of A against each other folder found. */
struct compare_job {
    const char *dirs[16];
    size_t nd;
    struct pb_change *ch[16];
    size_t counts[16];
    struct pb_env_diff ed[16][40];
    size_t ned[16];
};

/* The Markdown report to `path` ("-": standard output, which also gets the warnings). */
static int compare_write_md(const struct compare_job *j, const char *path)
{
    struct pb_cmp_out o;
    if (pb_cmp_open_out(&o, path) < 0)
        return -1;
    FILE *f = o.f;
    fputs("# pinbench compare\n\nA = ", f);
    pb_md_put(f, j->dirs[0]);
    fputs("\n\n", f);
    for (size_t s = 1; s < j->nd; s++) {
        size_t nq = 0;
        for (size_t k = 0; k < j->ned[s]; k++)
            nq += j->ed[s][k].questionable;
        fputs("## B = ", f);
        pb_md_put(f, j->dirs[s]);
        fputs("\n\n### Environment differences\n\n", f);
        md_env(f, j->ed[s], j->ned[s]);
        if (nq) {
            fprintf(f,
                    "**Warning:** %zu difference(s) above make absolute medians questionable "
                    "between these runs; pair ratios (taken within each run) compare better.\n\n",
                    nq);
            if (!strcmp(path, "-"))
                pb_fail(0,
                        "compare: warning: %s vs %s: %zu environment difference(s) make "
                        "absolute medians questionable",
                        pb_q(j->dirs[s]), pb_q(j->dirs[0]), nq);
        }
        fprintf(f, "### Changes\n\n");
        md_changes(f, "A", "B", j->ch[s], j->counts[s]);
    }
    return pb_cmp_close_out(&o, path);
}

static int compare_write_json(const struct compare_job *j, const char *path)
{
    struct pb_cmp_out o;
    if (pb_cmp_open_out(&o, path) < 0)
        return -1;
    struct pb_jw w;
    pb_jw_init(&w, o.f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "schema", "pinbench-compare-1");
    pb_jw_str(&w, "a", j->dirs[0]);
    pb_jw_arr_begin(&w, "comparisons");
    for (size_t s = 1; s < j->nd; s++) {
        pb_jw_obj_begin(&w, NULL);
        pb_jw_str(&w, "b", j->dirs[s]);
        json_env(&w, j->ed[s], j->ned[s]);
        json_changes(&w, j->ch[s], j->counts[s]);
        pb_jw_obj_end(&w);
    }
    pb_jw_arr_end(&w);
    pb_jw_obj_end(&w);
    if (pb_jw_finish(&w) < 0) {
        pb_cmp_abort_out(&o);
        return pb_errf("cannot write %s", pb_q(path));
    }
    return pb_cmp_close_out(&o, path);
}

/* --out: the folder, compare.md, compare.json and the plot (a plot that cannot be drawn is a
 * warning). */
static int compare_write_out(const struct compare_job *j, const char *out)
{
    if (strlen(out) > PB_RESULTS_ROOT_MAX)
        return pb_errf("--out: the path is %zu bytes, longer than the %d accepted", strlen(out),
                       PB_RESULTS_ROOT_MAX);
    if (pb_mkdir_p(out) < 0)
        return -1;
    char *md = pb_xasprintf("%s/compare.md", out), *js = pb_xasprintf("%s/compare.json", out);
    int rc = compare_write_md(j, md) < 0 || compare_write_json(j, js) < 0 ? -1 : 0;
    free(md);
    free(js);
    if (rc == 0 && compare_plot(out, (struct pb_change **)j->ch, j->counts, j->dirs, j->nd) < 0)
        pb_fail(0, "compare: warning: %s", pb_err());
    return rc;
}

int pb_cmd_compare(int argc, char **argv)
{
    struct pb_opts_result r;
    compare_out = NULL;
    int rc = pb_opts_get(&compare_spec, argc, argv, &r);
    if (rc)
        return rc - 1;
    static struct compare_job j; /* large: not on the stack */
    memset(&j, 0, sizeof j);
    j.nd = r.n_operands;
    for (size_t i = 0; i < j.nd; i++)
        j.dirs[i] = r.operands[i];
    pb_opts_free(&r);
    struct pb_rset sets[16];
    if (pb_cmp_load_sets(sets, j.dirs, j.nd) < 0)
        return pb_usage_error("compare: %s", pb_err());
    for (size_t s = 1; s < j.nd; s++) {
        j.counts[s] = pb_compare_changes(&sets[0], &sets[s], PB_ALPHA, &j.ch[s]);
        j.ned[s] = pb_compare_env(&sets[0], &sets[s], j.ed[s], 40);
    }
    /* the checks on --out come before anything is printed */
    if (compare_out && strlen(compare_out) > PB_RESULTS_ROOT_MAX)
        rc = pb_usage_error("compare: --out: the path is %zu bytes, longer than the %d accepted",
                            strlen(compare_out), PB_RESULTS_ROOT_MAX);
    else if (compare_write_md(&j, "-") < 0 || (compare_out && compare_write_out(&j, compare_out) < 0))
        rc = pb_usage_error("compare: %s", pb_err());
    for (size_t s = 0; s < j.nd; s++) {
        free(j.ch[s]);
        pb_rset_free(&sets[s]);
    }
    return rc;
}
