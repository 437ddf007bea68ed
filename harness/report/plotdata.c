/* plotdata: the data files behind a family's plots (medians with CIs, CDFs, percentiles, sweeps,
 * thread counts, grids, matrices, histograms), derived from a results folder: the record's
 * variants and plot hints, gbench.json's series, and the CSVs the run left under hist/. */
#include "report/report.h"
#include "results/json.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "report/report_internal.h"

/* ---- reading hist/ ---- */

void pb_repi_file_stem(const char *vname, char *buf, size_t len)
{
    snprintf(buf, len, "%s", vname);
    for (char *c = buf; *c; c++)
        if (*c == '/')
            *c = '.';
}

/* The numeric rows of hist/<stem><suffix> (its header skipped), `cols` numbers a row, into a
 * heap array; 0 rows when the file is absent (nothing of that kind was recorded). -1 with
 * pb_err() when it is there but unreadable or malformed. */
static long csv_rows(const struct pb_rset *s, const char *vname, const char *suffix, size_t cols,
                     double **out)
{
    *out = NULL;
    char stem[300], rel[400];
    pb_repi_file_stem(vname, stem, sizeof stem);
    snprintf(rel, sizeof rel, "hist/%s%s", stem, suffix);
    struct stat st;
    if (fstatat(s->dir_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
        return 0;
    char *buf;
    size_t len;
    if (pb_read_data(s->dir_fd, rel, PB_READ_MAX_BYTES, &buf, &len) < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    size_t n = 0, cap = 0;
    double *v = NULL;
    char *line = strchr(buf, '\n'); /* after the header */
    while (line && *++line) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = pb_xrealloc(v, cap * cols * sizeof *v, "a CSV");
        }
        char *p = line;
        for (size_t c = 0; c < cols; c++) {
            char *end;
            v[n * cols + c] = strtod(p, &end);
            if (end == p || (c + 1 < cols && *end != ',') || (c + 1 == cols && *end != '\n')) {
                free(v);
                free(buf);
                return pb_errf("%s/%s: row %zu is not %zu numbers", pb_q(s->dir), rel, n + 1, cols);
            }
            p = end + 1;
        }
        n++;
        line = strchr(line, '\n');
    }
    free(buf);
    *out = v;
    return (long)n;
}

/* ---- the family's variants, in the record's order ---- */

static bool plot_variant_ok(const struct pb_json *v, const char *fam)
{
    const char *st = pb_json_str(v, "status", "");
    return !strcmp(pb_json_str(v, "family", ""), fam) &&
           (!strcmp(st, "ok") || !strcmp(st, "partial")) && pb_json_num(v, "repetitions", 0) > 0;
}

/* "<family>/<rest>" -> "<rest>" */
static const char *short_name(const char *name, const char *fam)
{
    size_t fl = strlen(fam);
    return !strncmp(name, fam, fl) && name[fl] == '/' ? name + fl + 1 : name;
}

struct plot_ctx {
    const struct pb_rset *s;
    const struct pb_json *vs; /* the record's variants */
    const struct pb_json *fam;
    const char *name; /* the family's */
    int fd;           /* plots/ */
};

static FILE *plot_open(struct pb_replace *r, const struct plot_ctx *c, const char *kind)
{
    char name[256];
    snprintf(name, sizeof name, "%s.%s.dat", c->name, kind);
    if (pb_replace_open_at(r, c->fd, name, name) < 0) {
        pb_errf("%s/plots: %s", pb_q(c->s->dir), pb_err());
        return NULL;
    }
    return r->f;
}

static int plot_close(struct pb_replace *r, const struct plot_ctx *c)
{
    if (pb_replace_commit(r) < 0)
        return pb_errf("%s/plots: %s", pb_q(c->s->dir), pb_err());
    return 0;
}

/* ---- the plots ---- */

/* A histogram's CDF (kind "cdf") or bucket counts (kind "hist") of `metric`, one block per
 * variant; values below 1 ns are drawn at 1 (log axes). */
static int plot_hist(const struct plot_ctx *c, const char *metric, const char *kind, size_t *n)
{
    *n = 0;
    struct pb_replace r;
    FILE *f = plot_open(&r, c, kind);
    if (!f)
        return -1;
    bool cdf = !strcmp(kind, "cdf");
    char suffix[128];
    snprintf(suffix, sizeof suffix, ".%s.csv", metric);
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        if (!plot_variant_ok(v, c->name))
            continue;
        const char *name = pb_json_str(v, "name", "");
        double *rows;
        long m = csv_rows(c->s, name, suffix, 3, &rows);
        if (m < 0) {
            pb_replace_abort(&r);
            return -1;
        }
        if (m == 0)
            continue;
        fprintf(f, "%s\"%s\"\n", *n ? "\n\n" : "", short_name(name, c->name));
        if (!cdf)
            fprintf(f, "# %s_ns samples_in_bucket (bucket value)\n", metric);
        for (long k = 0; k < m; k++) {
            double x = rows[3 * k] < 1 ? 1 : rows[3 * k];
            if (cdf)
                fprintf(f, "%.1f %.9f\n", x, rows[3 * k + 2]);
            else
                fprintf(f, "%.1f %.0f\n", x, rows[3 * k + 1]);
        }
        free(rows);
        (*n)++;
    }
    return plot_close(&r, c);
}

/* Percentiles of the family's first own metric, per variant (bars). */
static int plot_percentiles(const struct plot_ctx *c, size_t *n)
{
    *n = 0;
    const struct pb_json *ms = pb_json_get(c->fam, "metrics");
    if (!ms || ms->type != PB_JSON_ARR || !ms->n || ms->items[0].type != PB_JSON_STR)
        return 0;
    const char *metric = ms->items[0].str;
    struct pb_replace r;
    FILE *f = plot_open(&r, c, "percentiles");
    if (!f)
        return -1;
    fprintf(f, "# %s: percentiles of %s over every reported repetition, ns\n", c->name, metric);
    fprintf(f, "# index variant p50_ns p90_ns p99_ns p999_ns\n");
    char suffix[128];
    snprintf(suffix, sizeof suffix, ".%s.percentiles.csv", metric);
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        if (!plot_variant_ok(v, c->name))
            continue;
        double *rows;
        long m = csv_rows(c->s, pb_json_str(v, "name", ""), suffix, 2, &rows);
        if (m < 0) {
            pb_replace_abort(&r);
            return -1;
        }
        double q[4] = {NAN, NAN, NAN, NAN};
        static const double want[4] = {50, 90, 99, 99.9};
        for (long k = 0; k < m; k++)
            for (int j = 0; j < 4; j++)
                if (rows[2 * k] == want[j])
                    q[j] = rows[2 * k + 1];
        free(rows);
        if (m > 0)
            fprintf(f, "%zu \"%s\" %.1f %.1f %.1f %.1f\n", (*n)++,
                    short_name(pb_json_str(v, "name", ""), c->name), q[0], q[1], q[2], q[3]);
    }
    return plot_close(&r, c);
}

/* Median over repetitions with its 95 % bootstrap CI, one line of `f` (index, label). */
static void plot_median_row(FILE *f, size_t idx, const char *label, const struct pb_rseries *s)
{
    double lo, hi, med = pb_stats_median(s->v, s->n);
    pb_stats_median_ci(s->v, s->n, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &lo, &hi);
    fprintf(f, "%zu \"%s\" %.6g %.6g %.6g\n", idx, label, med, isfinite(lo) ? lo : med,
            isfinite(hi) ? hi : med);
}

static int plot_medians(const struct plot_ctx *c, const char *metric)
{
    struct pb_replace r;
    FILE *f = plot_open(&r, c, "medians");
    if (!f)
        return -1;
    fprintf(f, "# %s: median over repetitions of %s with a 95%% bootstrap CI\n", c->name, metric);
    fprintf(f, "# index variant median_%s ci_low ci_high\n", pb_report_metric_unit(metric));
    size_t idx = 0;
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        const char *name = pb_json_str(v, "name", "");
        const struct pb_rseries *s = pb_rset_series(c->s, name, metric);
        if (plot_variant_ok(v, c->name) && s)
            plot_median_row(f, idx++, short_name(name, c->name), s);
    }
    return plot_close(&r, c);
}

/* "<x>/<series>" variants: one block per series, x in record order, median and CI of the
 * family's grid metric. */
static int plot_grid(const struct plot_ctx *c, size_t *n)
{
    *n = 0;
    const char *gm = pb_json_str(c->fam, "grid_metric", NULL);
    if (!gm)
        return 0;
    char xs[64][64], series[32][64];
    size_t nx = 0, ns = 0;
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        const char *name = pb_json_str(v, "name", ""), *sn = short_name(name, c->name);
        const char *slash = strchr(sn, '/');
        if (strcmp(pb_json_str(v, "family", ""), c->name) || !slash ||
            !pb_rset_series(c->s, name, gm))
            continue;
        char x[64], se[64];
        snprintf(x, sizeof x, "%.*s", (int)(slash - sn), sn);
        snprintf(se, sizeof se, "%s", slash + 1);
        size_t k;
        for (k = 0; k < nx && strcmp(xs[k], x); k++)
            ;
        if (k == nx && nx < 64)
            snprintf(xs[nx++], sizeof xs[0], "%s", x);
        for (k = 0; k < ns && strcmp(series[k], se); k++)
            ;
        if (k == ns && ns < 32)
            snprintf(series[ns++], sizeof series[0], "%s", se);
    }
    if (!ns)
        return 0;
    struct pb_replace r;
    FILE *f = plot_open(&r, c, "grid");
    if (!f)
        return -1;
    for (size_t k = 0; k < ns; k++) {
        fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", series[k]);
        bool gap = false, drawn = false;
        for (size_t x = 0; x < nx; x++) {
            char name[256];
            snprintf(name, sizeof name, "%.63s/%.63s/%.63s", c->name, xs[x], series[k]);
            const struct pb_rvariant *rv = pb_rset_variant(c->s, name);
            const struct pb_rseries *s = pb_rset_series(c->s, name, gm);
            if (!(s && rv && strcmp(rv->status, "invalid"))) {
                gap = drawn;
                continue;
            }
            /* one blank line ends the line there: no segment across a missing category */
            if (gap)
                fprintf(f, "\n");
            gap = false;
            drawn = true;
            plot_median_row(f, x, xs[x], s);
        }
    }
    *n = ns;
    return plot_close(&r, c);
}

static bool sweep_member(const struct plot_ctx *c, const struct pb_json *v)
{
    const char *name = pb_json_str(v, "name", "");
    return !strcmp(pb_json_str(v, "family", ""), c->name) &&
           strcmp(pb_json_str(v, "status", ""), "invalid") &&
           pb_rset_series(c->s, name, "achieved_rate_per_s") &&
           pb_rset_series(c->s, name, "request_p99_ns");
}

static double sweep_median(const struct plot_ctx *c, const char *name, const char *metric)
{
    const struct pb_rseries *s = pb_rset_series(c->s, name, metric);
    return s ? pb_stats_median(s->v, s->n) : NAN;
}

/* One sweep: the members of series `key` (names "<key>" or "<key>_load..."), by offered rate. */
static void plot_sweep_series(const struct plot_ctx *c, FILE *f, size_t first, const char *key,
                              size_t klen, bool *done)
{
    size_t idx[64], m = 0;
    double off[64];
    for (size_t j = first; j < c->vs->n && m < 64; j++) {
        const struct pb_json *b = &c->vs->items[j];
        const char *bn = short_name(pb_json_str(b, "name", ""), c->name);
        if (!sweep_member(c, b) || strncmp(bn, key, klen) ||
            (bn[klen] != '\0' && strncmp(bn + klen, "_load", 5)))
            continue;
        done[j] = true;
        off[m] = sweep_median(c, pb_json_str(b, "name", ""), "offered_rate_per_s");
        if (!isfinite(off[m]))
            off[m] = 0;
        idx[m++] = j;
    }
    for (size_t k = 1; k < m; k++) /* insertion sort over a handful */
        for (size_t q = k; q > 0 && off[q - 1] > off[q]; q--) {
            double t = off[q];
            off[q] = off[q - 1], off[q - 1] = t;
            size_t u = idx[q];
            idx[q] = idx[q - 1], idx[q - 1] = u;
        }
    for (size_t k = 0; k < m; k++) {
        const char *name = pb_json_str(&c->vs->items[idx[k]], "name", "");
        fprintf(f, "%.1f %.1f %.1f %.1f\n", off[k], sweep_median(c, name, "achieved_rate_per_s"),
                sweep_median(c, name, "request_p50_ns"), sweep_median(c, name, "request_p99_ns"));
    }
}

/* Open-loop sweeps: variants reporting achieved rates, grouped into series by the name before
 * "_load"; one block per series, sorted by offered rate. */
static int plot_sweep(const struct plot_ctx *c, size_t *n)
{
    *n = 0;
    bool *done = pb_xcalloc(c->vs->n + 1, sizeof *done, "sweep members");
    struct pb_replace r;
    FILE *f = NULL;
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *a = &c->vs->items[i];
        if (done[i] || !sweep_member(c, a))
            continue;
        if (!f && !(f = plot_open(&r, c, "sweep"))) {
            free(done);
            return -1;
        }
        const char *an = short_name(pb_json_str(a, "name", ""), c->name);
        const char *cut = strstr(an, "_load");
        size_t klen = cut ? (size_t)(cut - an) : strlen(an);
        fprintf(f, "%s\"%.*s\"\n", *n ? "\n\n" : "", (int)klen, an);
        (*n)++;
        plot_sweep_series(c, f, i, an, klen, done);
    }
    free(done);
    return f ? plot_close(&r, c) : 0;
}

/* Thread count over each sampled variant's last unreported call (hist/<variant>.threads.csv). */
static int plot_threads(const struct plot_ctx *c, size_t *n)
{
    *n = 0;
    struct pb_replace r;
    FILE *f = NULL;
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        if (!plot_variant_ok(v, c->name))
            continue;
        double *rows;
        long m = csv_rows(c->s, pb_json_str(v, "name", ""), ".threads.csv", 2, &rows);
        if (m < 0 || (m > 0 && !f && !(f = plot_open(&r, c, "threads")))) {
            if (f)
                pb_replace_abort(&r);
            free(rows);
            return -1;
        }
        if (m == 0)
            continue;
        fprintf(f, "%s\"%s\"\n", *n ? "\n\n" : "", short_name(pb_json_str(v, "name", ""), c->name));
        for (long k = 0; k < m; k++)
            fprintf(f, "%.1f %.0f\n", rows[2 * k], rows[2 * k + 1]);
        free(rows);
        (*n)++;
    }
    return f ? plot_close(&r, c) : 0;
}

static long label_index(const struct pb_json *labels, double x)
{
    for (size_t k = 0; k < labels->n; k++)
        if (labels->items[k].type == PB_JSON_NUM && labels->items[k].num == x)
            return (long)k;
    return -1;
}

/* One matrix's heatmap data, plots/<variant>.dat: every planned cell, NaN where none was
 * measured; round trips are symmetric (a pair measured as (a, b) fills (b, a) too), a node
 * matrix is not (CPU on one node, memory on the other). */
static int plot_matrix_one(const struct plot_ctx *c, const char *name, const struct pb_json *md)
{
    const struct pb_json *labels = pb_json_get(md, "labels");
    const struct pb_json *bn = pb_json_get(md, "by_node");
    bool by_node = bn && bn->type == PB_JSON_BOOL && bn->b;
    if (!labels || labels->type != PB_JSON_ARR || !labels->n)
        return 0;
    size_t m = labels->n;
    double *rows, *mean = pb_xcalloc(m * m, sizeof *mean, "a matrix");
    for (size_t k = 0; k < m * m; k++)
        mean[k] = NAN;
    long nr = csv_rows(c->s, name, ".matrix.csv", 6, &rows);
    for (long k = 0; k < nr; k++) {
        long i = label_index(labels, rows[6 * k]), j = label_index(labels, rows[6 * k + 1]);
        if (i >= 0 && j >= 0 && rows[6 * k + 2] > 0)
            mean[(size_t)i * m + (size_t)j] = rows[6 * k + 4];
    }
    free(rows);
    char stem[300], file[320];
    pb_repi_file_stem(name, stem, sizeof stem);
    snprintf(file, sizeof file, "%s.dat", stem);
    struct pb_replace r;
    if (nr < 0 || pb_replace_open_at(&r, c->fd, file, file) < 0) {
        free(mean);
        return nr < 0 ? -1 : pb_errf("%s/plots: %s", pb_q(c->s->dir), pb_err());
    }
    /* cells by position (rows and columns in run.json's order, topology order for CPUs) so the
     * axes hold exactly the planned CPUs or nodes; the last two columns label the ticks */
    fprintf(r.f, "# row column mean %s (NaN: not measured)\n",
            by_node ? "cpu_node mem_node" : "cpu_a cpu_b");
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < m; j++) {
            double x = mean[i * m + j];
            if (!isfinite(x) && !by_node)
                x = mean[j * m + i];
            fprintf(r.f, "%zu %zu ", i, j);
            if (isfinite(x))
                fprintf(r.f, "%.6g", x);
            else
                fprintf(r.f, "NaN");
            fprintf(r.f, " %.0f %.0f\n", labels->items[i].num, labels->items[j].num);
        }
        fprintf(r.f, "\n");
    }
    free(mean);
    return plot_close(&r, c);
}

/* Every matrix of the family; pc->matrices names each heatmap's file stem and labels for
 * family.gp's ninth argument (read as data: "|" separates the fields, and the table check
 * refuses a title or label holding one). */
static int plot_matrices(const struct plot_ctx *c, struct pb_plot_counts *pc)
{
    pc->matrix = 0;
    pc->matrices[0] = '\0';
    for (size_t i = 0; i < c->vs->n; i++) {
        const struct pb_json *v = &c->vs->items[i];
        const struct pb_json *md = pb_json_get(v, "matrix");
        const char *name = pb_json_str(v, "name", "");
        if (!plot_variant_ok(v, c->name) || !md || md->type != PB_JSON_OBJ)
            continue;
        if (plot_matrix_one(c, name, md) < 0)
            return -1;
        bool by_node = pb_json_get(md, "by_node") && pb_json_get(md, "by_node")->b;
        const char *title = pb_json_str(md, "title", ""), *label = pb_json_str(md, "label", "");
        char stem[200];
        pb_repi_file_stem(name, stem, sizeof stem);
        if (strchr(title, '|') || strchr(label, '|') || strchr(stem, '|'))
            continue; /* a record pinbench did not write: no heatmap rather than a wrong one */
        size_t used = strlen(pc->matrices);
        int w = snprintf(pc->matrices + used, sizeof pc->matrices - used, "%s%s|%s: %s|%s|%s|%s",
                         used ? "|" : "", stem, name, title, by_node ? "CPU on node" : "CPU a",
                         by_node ? "memory on node" : "CPU b", label);
        if (w < 0 || (size_t)w >= sizeof pc->matrices - used) {
            pc->matrices[used] = '\0';
            break;
        }
        size_t m = pb_json_get(md, "labels") ? pb_json_get(md, "labels")->n : 0;
        if (m > pc->matrix)
            pc->matrix = m;
    }
    return 0;
}

int pb_repi_plot_data(const struct pb_rset *s, const struct pb_json *fam, int plots_fd,
                      struct pb_plot_counts *pc)
{
    struct plot_ctx c = {s, pb_json_get(s->record, "variants"), fam, pb_json_str(fam, "name", ""),
                         plots_fd};
    if (!c.vs || c.vs->type != PB_JSON_ARR)
        return 0;
    const char *hm = pb_json_str(fam, "hist_metric", NULL);
    memset(pc, 0, sizeof *pc);
    if (plot_percentiles(&c, &pc->pct) < 0 || plot_sweep(&c, &pc->sweep) < 0 ||
        plot_threads(&c, &pc->threads) < 0 || plot_grid(&c, &pc->grid) < 0 ||
        plot_matrices(&c, pc) < 0 || (hm && plot_hist(&c, hm, "hist", &pc->hist) < 0) ||
        plot_medians(&c, pb_json_str(fam, "plot_metric", "real_time_ns")) < 0 ||
        plot_hist(&c, "op", "cdf", &pc->cdf) < 0)
        return -1;
    return 0;
}
