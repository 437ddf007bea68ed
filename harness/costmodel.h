/* costmodel: the figures quoted for pinning (../shared/claims.tsv in the design) set beside
 * what this box measured. The table of claims lives with the experiments (bench/claims.c: it
 * names variants); this module only evaluates a claim against a results folder.
 *
 * A claim holds when the measured 95 % CI overlaps the quoted range; a point figure ("20x")
 * counts as a range of half to twice itself, since quoted figures are orders of magnitude, not
 * measurements; "< 100 ns" holds when the CI reaches below 100. A claim whose variants did not
 * run here says so, with the reason. */
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
};

struct pb_claim_result {
    double value, ci_lo, ci_hi; /* in the claim's unit; NAN when not measured */
    char verdict[24];           /* "holds", "does not hold", "not measured", "no test" */
    char from[200];             /* the variants and metric it came from */
    char note[300];             /* higher/lower than quoted, or why not measured */
};

void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r);

/* The claims table (bench/claims.c). */
extern const struct pb_claim pb_claims[];
extern const size_t pb_n_claims;

#endif
