/* costmodel: a quoted figure against a measured median and its CI. */
#include "report/costmodel.h"

#include "stats/pairs.h"
#include "report/report.h"
#include "results/json.h"
#include "results/rset.h"
#include "stats/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
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
    /* three ways: the whole CI inside the quoted range holds; no overlap does not hold;
     * anything else is inconclusive (a wider CI must never make a claim hold) */
    if (!isfinite(r->ci_lo) || !isfinite(r->ci_hi)) {
        snprintf(r->verdict, sizeof r->verdict, "inconclusive");
        snprintf(r->note, sizeof r->note, "no 95 %% CI (too few blocks)");
        return;
    }
    double clo = r->ci_lo, chi = r->ci_hi;
    if (clo >= lo && chi <= hi) {
        snprintf(r->verdict, sizeof r->verdict, "holds");
        return;
    }
    if (chi >= lo && clo <= hi) {
        /* the CI must shrink to the distance between the estimate and the nearest end of the
         * range (inside it: to lie within; outside: to clear it); CI widths fall as 1/sqrt(n) */
        double half = (chi - clo) / 2;
        double gap = r->value >= lo && r->value <= hi ? fmin(r->value - lo, hi - r->value)
                     : r->value < lo                  ? lo - r->value
                                                      : r->value - hi;
        snprintf(r->verdict, sizeof r->verdict, "inconclusive");
        if (gap > 0 && isfinite(gap) && r->n > 0)
            snprintf(r->note, sizeof r->note,
                     "the CI straddles the quoted range; about %.0f %s (now %zu) would decide",
                     ceil((double)r->n * (half / gap) * (half / gap)),
                     c->how == PB_CLAIM_VALUE ? "blocks" : "quartets in all", r->n);
        else
            snprintf(r->note, sizeof r->note, "the estimate sits on the quoted range's end");
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

/* A ratio, gain or difference claim reads its declared pair's paired blocks (either way round:
 * a claim may name the pair's baseline as its variant). */
static int claim_from_pair(const struct pb_claim *c, const struct pb_rset *s,
                           struct pb_claim_result *r)
{
    const struct pb_json *ps = pb_json_get(s->record, "pairs");
    for (size_t i = 0; ps && i < ps->n; i++) {
        const struct pb_json *p = &ps->items[i];
        char b[300], v[300];
        snprintf(b, sizeof b, "%s/%s", pb_json_str(p, "experiment", ""),
                 pb_json_str(p, "baseline", ""));
        snprintf(v, sizeof v, "%s/%s", pb_json_str(p, "experiment", ""),
                 pb_json_str(p, "variant", ""));
        if (strcmp(pb_json_str(p, "metric", ""), c->metric) != 0)
            continue;
        bool fwd = !strcmp(b, c->baseline) && !strcmp(v, c->variant);
        bool rev = !strcmp(b, c->variant) && !strcmp(v, c->baseline);
        if (!fwd && !rev)
            continue;
        struct pb_block *blocks = NULL;
        size_t n = 0;
        if (pb_report_pair_blocks(p, &blocks, &n) < 0 || !n) {
            free(blocks);
            continue;
        }
        struct pb_pair_stat st;
        pb_pairs_stat(blocks, n, &st);
        free(blocks);
        r->n = st.n_ci;
        double val = st.ratio, lo = st.ci_low, hi = st.ci_high;
        if (c->how == PB_CLAIM_DIFF) {
            val = st.diff, lo = st.diff_low, hi = st.diff_high;
            if (rev)
                val = -val, lo = -st.diff_high, hi = -st.diff_low;
            r->value = val * c->scale, r->ci_lo = lo * c->scale, r->ci_hi = hi * c->scale;
            return 0;
        }
        if (rev)
            val = 1 / val, lo = 1 / st.ci_high, hi = 1 / st.ci_low;
        if (c->how == PB_CLAIM_GAIN_PCT)
            val = (val - 1) * 100, lo = (lo - 1) * 100, hi = (hi - 1) * 100;
        r->value = val, r->ci_lo = lo, r->ci_hi = hi;
        return 0;
    }
    return -1;
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
    case PB_CLAIM_VALUE: {
        r->value = pb_stats_median(v->v, v->n) * c->scale;
        r->n = v->n;
        double cov;
        if (pb_stats_median_order_ci(v->v, v->n, &r->ci_lo, &r->ci_hi, &cov) == 0) {
            r->ci_lo *= c->scale;
            r->ci_hi *= c->scale;
        }
        break;
    }
    default:
        if (claim_from_pair(c, s, r) < 0) {
            if (isnan(c->lo) || isnan(c->hi)) {
                snprintf(r->verdict, sizeof r->verdict, "no test");
                snprintf(r->note, sizeof r->note,
                         "the quoted figure is not a number to test against");
                return;
            }
            snprintf(r->verdict, sizeof r->verdict, "not measured");
            snprintf(r->note, sizeof r->note,
                     "no paired blocks of %s against %s on %s in this folder", c->variant,
                     c->baseline, c->metric);
            return;
        }
        break;
    }
    claim_verdict(c, r);
}
