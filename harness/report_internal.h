/* report_internal: what report.c (pairs), summary.c (the files of a run) and plotdata.c (the
 * data behind its plots) share. */
#ifndef PB_REPORT_INTERNAL_H
#define PB_REPORT_INTERNAL_H

#include <stdio.h>

#include "report.h"
#include "results.h"
#include "runner.h"

/* Data for one family's plots: medians with CIs of its headline metric, and CDFs of op. */
struct pb_plot_counts {
    size_t cdf, pct, sweep, threads, grid, matrix, hist;
    char matrices[2048]; /* per matrix: stem|title|x label|y label|colour label, "|"-joined */
};

void pb_repi_file_stem(const char *vname, char *buf, size_t len);
FILE *pb_repi_open_variant(struct pb_results *res, const struct pb_vreg *vr, const char *dir,
                           const char *suffix, char *rel, size_t rel_len);
int pb_repi_plot_data(struct pb_results *res, struct pb_runner *R, const struct pb_family *fam,
                      const char *metric, struct pb_plot_counts *pc);

#endif
