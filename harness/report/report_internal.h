/* report_internal: what the derivation of a folder's files shares: report_derive.c (the order),
 * summary.c (summary.json), plotdata.c (the data behind the plots) and readable.c. */
#ifndef PB_REPORT_INTERNAL_H
#define PB_REPORT_INTERNAL_H

#include <stdio.h>

#include "report/report.h"

struct pb_json;
struct pb_rset;

/* What family.gp is told to draw: how many blocks of each kind of data file. */
struct pb_plot_counts {
    size_t cdf, pct, sweep, threads, grid, matrix, hist;
    char matrices[2048]; /* per matrix: stem|title|x label|y label|colour label, "|"-joined */
};

/* "churn/spawn/unpinned" -> "churn.spawn.unpinned", the stem of a variant's files. */
void pb_repi_file_stem(const char *vname, char *buf, size_t len);
/* The data files of one family (an element of the record's "families") into plots/ (open as
 * plots_fd). 0, or -1 with pb_err(). */
int pb_repi_plot_data(const struct pb_rset *s, const struct pb_json *fam, int plots_fd,
                      struct pb_plot_counts *pc);
/* summary.json: the record, each pair's statistics (pairs[i] is the record's pairs[i]), each
 * variant's medians and CV, and `warnings`. */
int pb_report_summary_write(const struct pb_rset *s, const struct pb_pair_result *pairs,
                            size_t n_pairs, char *const *warnings, size_t n_warnings);

#endif
