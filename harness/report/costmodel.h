/* costmodel: the figures quoted for pinning (../shared/claims.tsv in the design) set beside
 * what this box measured. The table of claims lives with the experiments (bench/claims.c: it
 * names variants); this module only evaluates a claim against a results folder.
 *
 * A claim holds only when the measured CI (a pair's 95.5 %, a single value's 95 %) lies inside
 * the quoted range, does not hold when
 * they do not overlap, and is inconclusive otherwise (with the blocks estimated to decide); a
 * point figure ("20x") counts as a range of half to twice itself, since quoted figures are
 * orders of magnitude, not measurements; "< 100 ns" is the range below 100. Ratios and
 * differences come from the declared pair's paired blocks, single values from the variant's
 * blocks (order-statistic CI of the median). A claim whose variants did not run here says so,
 * with the reason.
 *
 * A claim about an operation of Go's runtime has two measurements: the OS-level one of the C
 * families, and Go's own from the go family (where a Go toolchain was present). The verdict
 * reads the one that measures the claimed operation: Go's, where the OS-level one is an analog
 * and Go's was measured; the other is shown beside it. */
#ifndef PB_COSTMODEL_H
#define PB_COSTMODEL_H

#include <stddef.h>

#include "claims.h"

struct pb_rset;

struct pb_claim_result {
    double value, ci_lo, ci_hi; /* in the claim's unit; NAN when not measured */
    char verdict[24]; /* "holds", "does not hold", "inconclusive", "not measured", "no test" */
    size_t n;         /* blocks (VALUE) or main quartets (pairs) behind the CI */
    char from[200];   /* the variants and metric it came from */
    char note[300];   /* higher/lower than quoted, or why not measured */
};

/* The claim's OS-level measurement (c->os). */
void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r);
/* Its Go measurement (c->go): "not measured" with the reason where the go family did not run,
 * "no Go row" where the claim has none. */
void pb_claim_eval_go(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r);
/* The result the row's verdict is read from: Go's where it was measured and the OS-level one is
 * only an analog (like for like), or where only Go's was measured; else the OS-level one. *by
 * is "Go" or "OS". */
const struct pb_claim_result *pb_claim_decide(const struct pb_claim *c,
                                              const struct pb_claim_result *os,
                                              const struct pb_claim_result *go, const char **by);

#endif
