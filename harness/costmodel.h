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

struct pb_rset;

enum pb_claim_how {
    PB_CLAIM_VALUE,    /* metric of `variant` x scale */
    PB_CLAIM_RATIO,    /* median(variant) / median(baseline) */
    PB_CLAIM_GAIN_PCT, /* (median(variant) / median(baseline) - 1) x 100 */
    PB_CLAIM_DIFF,     /* (median(variant) - median(baseline)) x scale */
};

struct pb_claim {
    const char *id;
    const char *claim;  /* what is claimed, in a few words */
    const char *quoted; /* the figure as quoted, with its unit ("10-50 us") */
    double lo, hi;      /* the quoted range in `unit`; lo == hi: a point; -INFINITY/INFINITY
                           for open ends; NAN: no number to test against */
    const char *unit;   /* unit of the measured value: "us", "ns", "x", "%", "threads" */
    enum pb_claim_how how;
    const char *variant, *baseline, *metric;
    double scale; /* VALUE, DIFF: metric x scale is in `unit` */
    /* What pinbench measures for it: NULL when it is the claimed operation itself, else the
     * OS-level analog it measures and how that differs from the claimed operation. */
    const char *analog;
};

struct pb_claim_result {
    double value, ci_lo, ci_hi; /* in the claim's unit; NAN when not measured */
    char verdict[24]; /* "holds", "does not hold", "inconclusive", "not measured", "no test" */
    size_t n;         /* blocks (VALUE) or main quartets (pairs) behind the CI */
    char from[200];   /* the variants and metric it came from */
    char note[300];   /* higher/lower than quoted, or why not measured */
};

void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r);

/* The claims table (bench/claims.c). */
extern const struct pb_claim pb_claims[];
extern const size_t pb_n_claims;

#endif
