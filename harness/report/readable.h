/* readable: the report people read — report.md and a static index.html in a results folder,
 * written from the folder's own files (so `pinbench report DIR` rewrites them for any run):
 * first the cost-model table (every quoted figure beside this box's measurement, its CI, the
 * variant it came from and whether the figure holds here), then each experiment's pairs and
 * plots, then warnings and skipped variants with their reasons, then the environment. */
#ifndef PB_READABLE_H
#define PB_READABLE_H

#include <stddef.h>
#include <stdio.h>

struct pb_rset;

/* Writes <dir>/report.md and <dir>/index.html, with `warnings` (pb_report_derive's list: the
 * run's and the data's) under their heading. 0, or -1 with pb_err(). */
int pb_readable_write(const struct pb_rset *s, char *const *warnings, size_t n_warnings);
/* The cost-model table as plain text (for the end of `make bench`). */
void pb_readable_print_costmodel(FILE *f, const struct pb_rset *s);

#endif
