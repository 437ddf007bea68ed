/* costmodel: a quoted figure against a measured median and its CI. */
#include "costmodel.h"

#include "report.h"
#include "rset.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CLAIM_BOOT 2000
#define CLAIM_SEED 0xc1a1ull

/* Not measured: which variant is missing, and why. */
static int claim_missing(const struct pb_rset *s, const char *variant, const char *metric,
                         struct pb_claim_result *r)
{
    const struct pb_rvariant *v = pb_rset_variant(s, variant);
    snprintf(r->verdict, sizeof r->verdict, "not measured");
    if (!v)
        snprintf(r->note, sizeof r->note, "%s was not part of this run", variant);
    else if (strcmp(v->status, "ok") != 0)
        snprintf(r->note, sizeof r->note, "%s %s: %s", variant, v->status, v->reason);
    else
        snprintf(r->note, sizeof r->note, "%s did not report %s", variant, metric);
    return -1;
}

static void claim_verdict(const struct pb_claim *c, struct pb_claim_result *r)
{
    if (isnan(c->lo) || isnan(c->hi)) {
        snprintf(r->verdict, sizeof r->verdict, "no test");
        snprintf(r->note, sizeof r->note, "the quoted figure is not a number to test against");
        return;
    }
    double lo = c->lo, hi = c->hi;
    if (lo == hi) { /* a point figure: the same order, within 2x */
        lo = c->lo / 2;
        hi = c->hi * 2;
    }
    double clo = isfinite(r->ci_lo) ? r->ci_lo : r->value;
    double chi = isfinite(r->ci_hi) ? r->ci_hi : r->value;
    if (chi >= lo && clo <= hi) {
        snprintf(r->verdict, sizeof r->verdict, "holds");
        return;
    }
    snprintf(r->verdict, sizeof r->verdict, "does not hold");
    if (clo < lo && r->value <= 0 && lo > 0) { /* no factor between opposite signs */
        snprintf(r->note, sizeof r->note, "lower than quoted: at or below zero");
        return;
    }
    double ref = clo > hi ? hi : lo;
    double f = ref != 0 ? r->value / ref : INFINITY;
    snprintf(r->note, sizeof r->note, "%s than quoted: %.3gx %s its %s end",
             clo > hi ? "higher" : "lower", fabs(f) >= 1 ? fabs(f) : 1 / fabs(f),
             clo > hi ? "above" : "below", clo > hi ? "upper" : "lower");
}

void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r)
{
    memset(r, 0, sizeof *r);
    r->value = r->ci_lo = r->ci_hi = NAN;
    if (c->how == PB_CLAIM_VALUE)
        snprintf(r->from, sizeof r->from, "%s %s", c->variant, c->metric);
    else
        snprintf(r->from, sizeof r->from, "%s vs %s, %s", c->variant, c->baseline, c->metric);
    const struct pb_rseries *v = pb_rset_series(s, c->variant, c->metric);
    if (!v || !v->n) {
        claim_missing(s, c->variant, c->metric, r);
        return;
    }
    const struct pb_rseries *b = NULL;
    if (c->how != PB_CLAIM_VALUE) {
        b = pb_rset_series(s, c->baseline, c->metric);
        if (!b || !b->n) {
            claim_missing(s, c->baseline, c->metric, r);
            return;
        }
    }
    switch (c->how) {
    case PB_CLAIM_VALUE:
        r->value = pb_stats_median(v->v, v->n) * c->scale;
        if (pb_stats_median_ci(v->v, v->n, CLAIM_BOOT, CLAIM_SEED, &r->ci_lo, &r->ci_hi) == 0) {
            r->ci_lo *= c->scale;
            r->ci_hi *= c->scale;
        }
        break;
    case PB_CLAIM_RATIO:
    case PB_CLAIM_GAIN_PCT: {
        struct pb_pair_result p;
        memset(&p, 0, sizeof p);
        pb_report_pair_stats(b->v, b->n, v->v, v->n, c->metric, &p);
        r->value = p.ratio;
        r->ci_lo = p.ci_low;
        r->ci_hi = p.ci_high;
        if (c->how == PB_CLAIM_GAIN_PCT) {
            r->value = (r->value - 1) * 100;
            r->ci_lo = (r->ci_lo - 1) * 100;
            r->ci_hi = (r->ci_hi - 1) * 100;
        }
        break;
    }
    case PB_CLAIM_DIFF: {
        /* conservative: the difference of the medians' CIs at their far ends */
        double vl, vh, bl, bh;
        r->value = (pb_stats_median(v->v, v->n) - pb_stats_median(b->v, b->n)) * c->scale;
        if (pb_stats_median_ci(v->v, v->n, CLAIM_BOOT, CLAIM_SEED, &vl, &vh) == 0 &&
            pb_stats_median_ci(b->v, b->n, CLAIM_BOOT, CLAIM_SEED, &bl, &bh) == 0) {
            r->ci_lo = (vl - bh) * c->scale;
            r->ci_hi = (vh - bl) * c->scale;
        }
        break;
    }
    }
    claim_verdict(c, r);
}
