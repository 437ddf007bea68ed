/* report_derive: every derived file of a results folder, from the folder alone and in one order
 * — pairs and warnings, the plots (their warnings belong in summary.json), summary.json, then
 * report.md and index.html. The run calls it on its own folder before publishing it, and
 * `pinbench report DIR` on any folder, so both write the same files from the same bytes. */
#include "report/report.h"
#include "results/json.h"
#include "report/plot.h"
#include "report/readable.h"
#include "results/rset.h"
#include "results/safeio.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report/report_internal.h"

struct derive_warnings {
    char **v;
    size_t n, cap;
};

static void derive_warn(struct derive_warnings *w, char *text)
{
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 32;
        w->v = pb_xrealloc(w->v, w->cap * sizeof *w->v, "warnings");
    }
    w->v[w->n++] = text;
}

static bool derive_family_ran(const struct pb_rset *s, const char *fam)
{
    const struct pb_json *vs = pb_json_get(s->record, "variants");
    for (size_t i = 0; vs && i < vs->n; i++)
        if (!strcmp(pb_json_str(&vs->items[i], "family", ""), fam) &&
            pb_json_num(&vs->items[i], "repetitions", 0) > 0)
            return true;
    return false;
}

/* family.gp over the family's data files, run in plots/ with every value as an argument. */
static void derive_gnuplot(int plots, const struct pb_json *fam, const char *host,
                           const struct pb_plot_counts *pc, bool (*stopping)(void),
                           struct derive_warnings *w)
{
    char counts[160];
    snprintf(counts, sizeof counts, "%zu %zu %zu %zu %zu %zu %zu", pc->cdf, pc->pct, pc->sweep,
             pc->threads, pc->grid, pc->matrix, pc->hist);
    const char *name = pb_json_str(fam, "name", "");
    const char *metric = pb_json_str(fam, "plot_metric", "real_time_ns");
    const struct pb_json *ms = pb_json_get(fam, "metrics");
    const char *grid = pb_json_str(fam, "grid_metric", NULL);
    /* gnuplot -c takes nine arguments: the first carries the family, the question its plots
     * answer and the host, "|"-separated; the host last, so a "|" in it cannot shift a field */
    char *head = pb_xasprintf("%s|%s|%s", name, pb_json_str(fam, "question", ""), host);
    const char *args[PB_PLOT_MAX_ARGS] = {
        head,
        metric,
        pb_report_metric_unit(metric),
        ms && ms->n && ms->items[0].type == PB_JSON_STR ? ms->items[0].str : "",
        grid ? grid : "",
        grid ? pb_report_metric_unit(grid) : "",
        pb_json_str(fam, "hist_metric", ""),
        counts,
        pc->matrices,
    };
    char log[128];
    snprintf(log, sizeof log, "%s.gnuplot.log", name);
    if (pb_plot_run(plots, "family.gp", args, PB_ARRAY_LEN(args), name, log, stopping) < 0)
        derive_warn(w, pb_xasprintf("plots for %s not drawn: %s", name, pb_err()));
    free(head);
}

/* Plots of every family that ran; a plot that cannot be drawn is a warning, never an error (a
 * box without gnuplot still gets its numbers), a data file that cannot be written is one. */
static int derive_plots(const struct pb_rset *s, bool (*stopping)(void), struct derive_warnings *w)
{
    const struct pb_json *fams = pb_json_get(s->record, "families");
    if (!fams || fams->type != PB_JSON_ARR || !fams->n)
        return 0;
    if (mkdirat(s->dir_fd, "plots", 0755) < 0 && errno != EEXIST)
        return pb_errf("%s/plots: cannot create it: %s", pb_q(s->dir), strerror(errno));
    int plots = pb_open_dir(s->dir_fd, "plots");
    if (plots < 0)
        return pb_errf("%s: %s", pb_q(s->dir), pb_err());
    for (size_t i = 0; i < fams->n; i++) {
        const struct pb_json *fam = &fams->items[i];
        if (!derive_family_ran(s, pb_json_str(fam, "name", "")))
            continue;
        struct pb_plot_counts pc;
        if (pb_repi_plot_data(s, fam, plots, &pc) < 0) {
            close(plots);
            return -1;
        }
        derive_gnuplot(plots, fam, pb_json_str(pb_json_get(s->record, "run"), "host", "?"), &pc,
                       stopping, w);
    }
    close(plots);
    return 0;
}

int pb_report_derive(const struct pb_rset *s, bool (*stopping)(void), size_t *n_warnings)
{
    struct derive_warnings w = {0};
    const struct pb_json *rw = pb_json_get(s->record, "warnings");
    for (size_t i = 0; rw && i < rw->n; i++)
        derive_warn(&w, pb_xstrdup(rw->items[i].str ? rw->items[i].str : ""));
    int rc = 0;
    if (!s->legacy) {
        char **dw;
        size_t nd = pb_report_data_warnings(s, &dw);
        for (size_t i = 0; i < nd; i++)
            derive_warn(&w, dw[i]);
        free(dw);
        size_t n_pairs;
        struct pb_pair_result *pairs = pb_report_folder_pairs(s, &n_pairs);
        rc = derive_plots(s, stopping, &w);
        if (rc == 0)
            rc = pb_report_summary_write(s, pairs, n_pairs, w.v, w.n);
        pb_report_pairs_free(pairs, n_pairs);
    }
    if (rc == 0)
        rc = pb_readable_write(s, w.v, w.n);
    if (n_warnings)
        *n_warnings = w.n;
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i]);
    free(w.v);
    return rc;
}
