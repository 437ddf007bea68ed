/* plotdata: the data files behind a family's plots (medians with CIs, CDFs, percentiles, sweeps,
 * thread counts, grids, matrices, histograms). */
#include "report.h"
#include "clock.h"
#include "cpuset.h"
#include "env.h"
#include "json.h"
#include "plot.h"
#include "results.h"
#include "safeio.h"
#include "sha256.h"
#include "selfbench.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report_internal.h"

static const struct pb_cell *matrix_cell(const struct pb_vreg *vr, int i, int j)
{
    return &vr->matrix[(size_t)i * (size_t)vr->n_matrix + (size_t)j];
}

/* The label of matrix row/column k: an OS CPU number, or an OS node number (by_node). */
static int matrix_label(const struct pb_runner *R, const struct pb_vreg *vr, int k)
{
    const struct pb_matrix_decl *d = vr->v->matrix;
    return d && d->by_node ? R->topo->node[k].os : pb_cpuset_nth(&R->cpus, k);
}

/* Matrices: hist/<variant>.matrix.csv, and each one's heatmap data plots/<variant>.dat with
 * its labels plots/<variant>.gp; *n is the largest side, names the variants (for family.gp). */
static int report_matrix(struct pb_results *res, struct pb_runner *R, const struct pb_family *fam,
                         size_t *n, char *names, size_t names_len)
{
    *n = 0;
    names[0] = '\0';
    for (size_t v = 0; v < R->n; v++) {
        struct pb_vreg *vr = &R->vr[v];
        if (vr->fam != fam || !vr->matrix || vr->invalid_reason[0] || !vr->reps_reported)
            continue;
        const struct pb_matrix_decl *d = vr->v->matrix;
        bool by_node = d && d->by_node;
        const char *val = d ? d->value : "ns";
        char rel[300];
        FILE *f = pb_repi_open_variant(res, vr, "hist", ".matrix.csv", rel, sizeof rel);
        if (!f)
            return -1;
        fprintf(f, "%s,samples,min_%s,mean_%s,max_%s\n",
                by_node ? "cpu_node,mem_node" : "cpu_a,cpu_b", val, val, val);
        int m = vr->n_matrix;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                const struct pb_cell *c = matrix_cell(vr, i, j);
                if (c->count)
                    fprintf(f, "%d,%d,%llu,%.6g,%.6g,%.6g\n", matrix_label(R, vr, i),
                            matrix_label(R, vr, j), (unsigned long long)c->count, c->min,
                            c->sum / (double)c->count, c->max);
            }
        if (pb_results_close(f, rel) < 0)
            return -1;
        if (!(f = pb_repi_open_variant(res, vr, "plots", ".dat", rel, sizeof rel)))
            return -1;
        fprintf(f, "# %s mean (NaN: not measured)\n",
                by_node ? "cpu_node mem_node" : "cpu_a cpu_b");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                const struct pb_cell *c = matrix_cell(vr, i, j);
                /* round trips are symmetric: a pair measured as (a, b) fills (b, a) too; a node
                 * matrix is not (CPU on one node, memory on the other) */
                if (!c->count && !by_node)
                    c = matrix_cell(vr, j, i);
                fprintf(f, "%d %d ", matrix_label(R, vr, i), matrix_label(R, vr, j));
                if (c->count)
                    fprintf(f, "%.6g\n", c->sum / (double)c->count);
                else
                    fprintf(f, "NaN\n");
            }
            fprintf(f, "\n");
        }
        if (pb_results_close(f, rel) < 0)
            return -1;
        /* the heatmap's file stem and labels, as family.gp's ninth argument (read as data);
         * "|" separates the fields, so table strings must not hold one (a table error) */
        const char *title = d ? d->title : "round trip per CPU pair (mean)";
        const char *label = d ? d->label : "round trip (ns)";
        char stem[200];
        pb_repi_file_stem(vr->name, stem, sizeof stem);
        PB_CHECK(!strchr(title, '|') && !strchr(label, '|') && !strchr(stem, '|'));
        size_t used = strlen(names);
        int w = snprintf(names + used, names_len - used, "%s%s|%s: %s|%s|%s|%s", used ? "|" : "",
                         stem, vr->name, title, by_node ? "CPU on node" : "CPU a",
                         by_node ? "memory on node" : "CPU b", label);
        PB_CHECK(w > 0 && (size_t)w < names_len - used);
        if ((size_t)m > *n)
            *n = (size_t)m;
    }
    return 0;
}

/* fam->hist_metric: samples per histogram bucket against the bucket's midpoint, one block per
 * variant, into plots/<family>.hist.dat; *n blocks. */
static int report_plot_hist(struct pb_results *res, struct pb_runner *R,
                            const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (!fam->hist_metric)
        return 0;
    unsigned m = 0;
    for (size_t k = 0; k < fam->n_metrics; k++)
        if (!strcmp(fam->metrics[k], fam->hist_metric))
            m = (unsigned)k + 1;
    PB_CHECK(m > 0); /* a hist_metric that is not one of the family's metrics is a table bug */
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.hist.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[m] || !vr->merged[m]->count || vr->invalid_reason[0])
            continue;
        if (*n)
            fprintf(f, "\n\n");
        fprintf(f, "\"%s\"\n# %s_ns samples_in_bucket (bucket midpoint)\n", vr->v->name,
                fam->hist_metric);
        const struct pb_hist *h = vr->merged[m];
        for (unsigned b = 0; b < PB_HIST_BUCKETS; b++) {
            if (!h->buckets[b])
                continue;
            uint64_t lo, hi;
            pb_hist_bucket_bounds(b, &lo, &hi);
            double v = ((double)lo + (double)hi) / 2;
            fprintf(f, "%.1f %llu\n", v < 1 ? 1 : v, (unsigned long long)h->buckets[b]);
        }
        (*n)++;
    }
    return pb_results_close(f, rel);
}

/* "<x>/<series>" variants: one block per series, x in table order, median and CI of
 * fam->grid_metric. */
static int report_plot_grid(struct pb_results *res, struct pb_runner *R,
                            const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (!fam->grid_metric)
        return 0;
    char xs[64][64], series[32][64];
    size_t nx = 0, ns = 0;
    for (size_t i = 0; i < R->n; i++) {
        const struct pb_vreg *vr = &R->vr[i];
        const char *slash = strchr(vr->v->name, '/');
        if (vr->fam != fam || !slash || !pb_vreg_series(vr, fam->grid_metric))
            continue;
        char x[64], se[64];
        snprintf(x, sizeof x, "%.*s", (int)(slash - vr->v->name), vr->v->name);
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
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.grid.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    for (size_t k = 0; k < ns; k++) {
        fprintf(f, "%s\"%s\"\n", k ? "\n\n" : "", series[k]);
        for (size_t x = 0; x < nx; x++) {
            char name[256];
            snprintf(name, sizeof name, "%.63s/%.63s/%.63s", fam->name, xs[x], series[k]);
            const struct pb_vreg *vr = pb_runner_find(R, name);
            const struct pb_series *s =
                vr && !vr->invalid_reason[0] ? pb_vreg_series(vr, fam->grid_metric) : NULL;
            if (!s)
                continue;
            double lo, hi, med = pb_stats_median(s->v, s->n);
            pb_stats_median_ci(s->v, s->n, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &lo, &hi);
            fprintf(f, "%zu \"%s\" %.6g %.6g %.6g\n", x, xs[x], med, isfinite(lo) ? lo : med,
                    isfinite(hi) ? hi : med);
        }
    }
    *n = ns;
    return pb_results_close(f, rel);
}

/* Percentiles of the family's first own metric, per variant (bars). */
static int report_plot_percentiles(struct pb_results *res, struct pb_runner *R,
                                   const struct pb_family *fam, size_t *n)
{
    *n = 0;
    if (fam->n_metrics == 0)
        return 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.percentiles.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    fprintf(f, "# %s: percentiles of %s over every reported repetition, ns\n", fam->name,
            fam->metrics[0]);
    fprintf(f, "# index variant p50_ns p90_ns p99_ns p999_ns\n");
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[1] || !vr->merged[1]->count || vr->invalid_reason[0])
            continue;
        struct pb_hist_summary s;
        pb_hist_summarize(vr->merged[1], &s);
        fprintf(f, "%zu \"%s\" %.1f %.1f %.1f %.1f\n", (*n)++, vr->v->name, s.p50_ns, s.p90_ns,
                s.p99_ns, s.p999_ns);
    }
    return pb_results_close(f, rel);
}

/* Open-loop sweeps: variants reporting achieved rates, grouped into series by the name before
 * "_load"; one block per series, sorted by offered rate. */
static int report_plot_sweep(struct pb_results *res, struct pb_runner *R,
                             const struct pb_family *fam, size_t *n)
{
    *n = 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.sweep.dat", fam->name);
    FILE *f = NULL;
    bool done[4096] = {false};
    for (size_t i = 0; i < R->n && i < 4096; i++) {
        struct pb_vreg *a = &R->vr[i];
        if (done[i] || a->fam != fam || a->invalid_reason[0] ||
            !pb_vreg_series(a, "achieved_rate_per_s") || !pb_vreg_series(a, "request_p99_ns"))
            continue;
        const char *cut = strstr(a->v->name, "_load");
        size_t klen = cut ? (size_t)(cut - a->v->name) : strlen(a->v->name);
        if (!f && !(f = pb_results_open(res, rel)))
            return -1;
        fprintf(f, "%s\"%.*s\"\n", *n ? "\n\n" : "", (int)klen, a->v->name);
        (*n)++;
        /* the series' members, by offered rate (insertion sort over a handful) */
        size_t idx[64], m = 0;
        for (size_t j = i; j < R->n && j < 4096 && m < 64; j++) {
            struct pb_vreg *b = &R->vr[j];
            if (b->fam != fam || b->invalid_reason[0] ||
                !pb_vreg_series(b, "achieved_rate_per_s") || !pb_vreg_series(b, "request_p99_ns") ||
                strncmp(b->v->name, a->v->name, klen) ||
                (b->v->name[klen] != '\0' && strncmp(b->v->name + klen, "_load", 5)))
                continue;
            done[j] = true;
            idx[m++] = j;
        }
        double off[64];
        for (size_t k = 0; k < m; k++) {
            const struct pb_series *o = pb_vreg_series(&R->vr[idx[k]], "offered_rate_per_s");
            off[k] = o ? pb_stats_median(o->v, o->n) : 0;
        }
        for (size_t k = 1; k < m; k++)
            for (size_t q = k; q > 0 && off[q - 1] > off[q]; q--) {
                double t = off[q];
                off[q] = off[q - 1], off[q - 1] = t;
                size_t u = idx[q];
                idx[q] = idx[q - 1], idx[q - 1] = u;
            }
        for (size_t k = 0; k < m; k++) {
            const struct pb_vreg *b = &R->vr[idx[k]];
            const struct pb_series *ach = pb_vreg_series(b, "achieved_rate_per_s");
            const struct pb_series *p50 = pb_vreg_series(b, "request_p50_ns");
            const struct pb_series *p99 = pb_vreg_series(b, "request_p99_ns");
            fprintf(f, "%.1f %.1f %.1f %.1f\n", off[k], pb_stats_median(ach->v, ach->n),
                    p50 ? pb_stats_median(p50->v, p50->n) : NAN, pb_stats_median(p99->v, p99->n));
        }
    }
    return f ? pb_results_close(f, rel) : 0;
}

/* Thread count over the last call of each sampled variant. */
static int report_plot_threads(struct pb_results *res, struct pb_runner *R,
                               const struct pb_family *fam, size_t *n)
{
    *n = 0;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.threads.dat", fam->name);
    FILE *f = NULL;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->n_thread_series || vr->invalid_reason[0])
            continue;
        if (!f && !(f = pb_results_open(res, rel)))
            return -1;
        fprintf(f, "%s\"%s\"\n", *n ? "\n\n" : "", vr->v->name);
        for (size_t k = 0; k < vr->n_thread_series; k++)
            fprintf(f, "%.1f %u\n", (double)k * vr->thread_series_interval_ms,
                    vr->thread_series[k]);
        (*n)++;
    }
    return f ? pb_results_close(f, rel) : 0;
}

int pb_repi_plot_data(struct pb_results *res, struct pb_runner *R, const struct pb_family *fam,
                      const char *metric, struct pb_plot_counts *pc)
{
    if (report_plot_percentiles(res, R, fam, &pc->pct) < 0 ||
        report_plot_sweep(res, R, fam, &pc->sweep) < 0 ||
        report_plot_threads(res, R, fam, &pc->threads) < 0 ||
        report_plot_grid(res, R, fam, &pc->grid) < 0 ||
        report_matrix(res, R, fam, &pc->matrix, pc->matrices, sizeof pc->matrices) < 0 ||
        report_plot_hist(res, R, fam, &pc->hist) < 0)
        return -1;
    size_t *n_cdf = &pc->cdf;
    char rel[256];
    snprintf(rel, sizeof rel, "plots/%s.medians.dat", fam->name);
    FILE *f = pb_results_open(res, rel);
    if (!f)
        return -1;
    fprintf(f, "# %s: median over repetitions of %s with a 95%% bootstrap CI\n", fam->name, metric);
    fprintf(f, "# index variant median_%s ci_low ci_high\n", pb_report_metric_unit(metric));
    int idx = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->reps_reported || vr->invalid_reason[0])
            continue;
        const struct pb_series *s = pb_vreg_series(vr, metric);
        if (!s)
            continue;
        double lo, hi;
        pb_stats_median_ci(s->v, s->n, PB_BOOTSTRAP_ROUNDS, PB_BOOTSTRAP_SEED, &lo, &hi);
        double med = pb_stats_median(s->v, s->n);
        fprintf(f, "%d \"%s\" %.6g %.6g %.6g\n", idx++, vr->v->name, med, isfinite(lo) ? lo : med,
                isfinite(hi) ? hi : med);
    }
    if (pb_results_close(f, rel) < 0)
        return -1;

    snprintf(rel, sizeof rel, "plots/%s.cdf.dat", fam->name);
    f = pb_results_open(res, rel);
    if (!f)
        return -1;
    *n_cdf = 0;
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vr = &R->vr[i];
        if (vr->fam != fam || !vr->merged[0] || !vr->merged[0]->count || vr->invalid_reason[0])
            continue;
        if (*n_cdf)
            fprintf(f, "\n\n");
        fprintf(f, "\"%s\"\n", vr->v->name);
        const struct pb_hist *h = vr->merged[0];
        uint64_t cum = 0;
        for (unsigned b = 0; b < PB_HIST_BUCKETS; b++) {
            if (!h->buckets[b])
                continue;
            cum += h->buckets[b];
            uint64_t lo, hi;
            pb_hist_bucket_bounds(b, &lo, &hi);
            double v = ((double)lo + (double)hi) / 2;
            if (v < 1)
                v = 1; /* log axis */
            fprintf(f, "%.1f %.9f\n", v, (double)cum / (double)h->count);
        }
        (*n_cdf)++;
    }
    return pb_results_close(f, rel);
}
