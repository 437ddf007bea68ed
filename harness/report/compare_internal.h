/* compare_internal: what compare.c, regress.c and export.c share: output files written whole
 * (a temporary renamed over the old one), Markdown cells, sets of folders loaded together. */
#ifndef PB_COMPARE_INTERNAL_H
#define PB_COMPARE_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "report/compare.h"
#include "results/rset.h"
#include "results/safeio.h"

#define EXIT_REGRESSION 1
#define REGRESS_ALPHA 0.01 /* the change test regress asks about, stricter than compare's */

struct pb_cmp_out {
    FILE *f;
    struct pb_replace r;
    bool is_stdout;
};

const char *pb_cmp_change_value(const struct pb_change *c, double v, char *buf, size_t len);
void pb_cmp_md_cell(FILE *f, const char *text);
int pb_cmp_open_out(struct pb_cmp_out *o, const char *path);
int pb_cmp_close_out(struct pb_cmp_out *o, const char *path);
void pb_cmp_abort_out(struct pb_cmp_out *o);
int pb_cmp_load_sets(struct pb_rset *sets, const char *const *dirs, size_t n);

#endif
