/* costmodel: the figures quoted for pinning (../shared/claims.tsv in the design) set beside
 * what this box measured. The table of claims lives with the experiments (bench/claims.c: it
 * names variants); this module only evaluates a claim against a results folder.
 *
 * A claim holds only when the measured 95 % CI lies inside the quoted range, does not hold when
 * they do not overlap, and is inconclusive otherwise (with the blocks estimated to decide); a
 * point figure ("20x") counts as a range of half to twice itself, since quoted figures are
 * orders of magnitude, not measurements; "< 100 ns" is the range below 100. Ratios and
 * differences come from the declared pair's paired blocks, single values from the variant's
 * blocks (order-statistic CI of the median). A claim whose variants did not run here says so,
 * with the reason. */
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

void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r);


#endif
