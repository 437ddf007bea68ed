/* claims: the figures quoted for pinning, as a table the experiments fill (bench/claims.c: each
 * claim names the variants and the metric that measure it). A contract between three layers:
 * bench/ writes the table, run/ checks it at start-up (tables.c), report/ evaluates it against a
 * results folder (costmodel.h). Declarations only. */
#ifndef PB_CLAIMS_H
#define PB_CLAIMS_H

#include <stddef.h>

enum pb_claim_how {
    PB_CLAIM_VALUE,    /* metric of `variant` x scale */
    PB_CLAIM_RATIO,    /* median(variant) / median(baseline) */
    PB_CLAIM_GAIN_PCT, /* (median(variant) / median(baseline) - 1) x 100 */
    PB_CLAIM_DIFF,     /* (median(variant) - median(baseline)) x scale */
};

/* One measurement of a claim: which variants, which metric, how they combine. */
struct pb_claim_measure {
    enum pb_claim_how how;
    const char *variant, *baseline, *metric; /* baseline: not for VALUE */
    double scale;                            /* VALUE, DIFF: metric x scale is in `unit` */
};

struct pb_claim {
    const char *id;
    const char *claim;          /* what is claimed, in a few words */
    const char *quoted;         /* the figure as quoted, with its unit ("10-50 us") */
    double lo, hi;              /* the quoted range in `unit`; lo == hi: a point; -INFINITY/INFINITY
                                   for open ends; NAN: no number to test against */
    const char *unit;           /* unit of the measured value: "us", "ns", "x", "%", "threads" */
    struct pb_claim_measure os; /* the OS-level measurement (the C families) */
    /* What `os` measures: NULL when it is the claimed operation itself, else the OS-level
     * analog and how it differs from the claimed operation. */
    const char *analog;
    /* Go's own operation, measured by the go family (go.variant NULL: none). Where it was
     * measured it decides the verdict, like for like; `go_relation` says how the OS-level
     * figure explains it, or fails to. */
    struct pb_claim_measure go;
    const char *go_relation;
};

/* The claims table (bench/claims.c). */
extern const struct pb_claim pb_claims[];
extern const size_t pb_n_claims;

#endif
