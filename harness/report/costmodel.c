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

static void claim_verdict(const struct pb_claim *c, const struct pb_claim_measure *m,
                          struct pb_claim_result *r)
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
        snprintf(r->note, sizeof r->note, "no CI (too few blocks)");
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
                     m->how == PB_CLAIM_VALUE ? "blocks" : "quartets in all", r->n);
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
static int claim_from_pair(const struct pb_claim_measure *c, const struct pb_rset *s,
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

/* No pair to read, and nothing to test against: the ratio of the two medians, for the record. */
static void claim_plain_ratio(const struct pb_claim_measure *m, const struct pb_rseries *v,
                              const struct pb_rseries *b, struct pb_claim_result *r)
{
    double mb = pb_stats_median(b->v, b->n);
    if (m->how == PB_CLAIM_RATIO && mb != 0)
        r->value = pb_stats_median(v->v, v->n) / mb;
    r->n = v->n < b->n ? v->n : b->n;
    snprintf(r->verdict, sizeof r->verdict, "no test");
    snprintf(r->note, sizeof r->note,
             "the quoted figure is not a number to test against; the ratio of medians, no CI");
}

static void claim_eval_measure(const struct pb_claim *c, const struct pb_claim_measure *m,
                               const struct pb_rset *s, struct pb_claim_result *r)
{
    memset(r, 0, sizeof *r);
    r->value = r->ci_lo = r->ci_hi = NAN;
    if (m->how == PB_CLAIM_VALUE)
        snprintf(r->from, sizeof r->from, "%s %s", m->variant, m->metric);
    else
        snprintf(r->from, sizeof r->from, "%s vs %s, %s", m->variant, m->baseline, m->metric);
    const struct pb_rseries *v = pb_rset_series(s, m->variant, m->metric);
    if (!v || !v->n) {
        claim_missing(s, m->variant, m->metric, r);
        return;
    }
    const struct pb_rseries *b = NULL;
    if (m->how != PB_CLAIM_VALUE) {
        b = pb_rset_series(s, m->baseline, m->metric);
        if (!b || !b->n) {
            claim_missing(s, m->baseline, m->metric, r);
            return;
        }
    }
    switch (m->how) {
    case PB_CLAIM_VALUE: {
        r->value = pb_stats_median(v->v, v->n) * m->scale;
        r->n = v->n;
        double cov;
        if (pb_stats_median_order_ci(v->v, v->n, &r->ci_lo, &r->ci_hi, &cov) == 0) {
            r->ci_lo *= m->scale;
            r->ci_hi *= m->scale;
        }
        break;
    }
    default:
        if (claim_from_pair(m, s, r) < 0) {
            if (isnan(c->lo) || isnan(c->hi)) {
                claim_plain_ratio(m, v, b, r);
                return;
            }
            snprintf(r->verdict, sizeof r->verdict, "not measured");
            snprintf(r->note, sizeof r->note,
                     "no paired blocks of %s against %s on %s in this folder", m->variant,
                     m->baseline, m->metric);
            return;
        }
        break;
    }
    claim_verdict(c, m, r);
}

void pb_claim_eval(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r)
{
    claim_eval_measure(c, &c->os, s, r);
}

void pb_claim_eval_go(const struct pb_claim *c, const struct pb_rset *s, struct pb_claim_result *r)
{
    if (c->go.variant) {
        claim_eval_measure(c, &c->go, s, r);
        return;
    }
    memset(r, 0, sizeof *r);
    r->value = r->ci_lo = r->ci_hi = NAN;
    snprintf(r->verdict, sizeof r->verdict, "no Go row");
    snprintf(r->note, sizeof r->note, "the claim is not about an operation of Go's runtime");
}

const struct pb_claim_result *pb_claim_decide(const struct pb_claim *c,
                                              const struct pb_claim_result *os,
                                              const struct pb_claim_result *go, const char **by)
{
    bool go_ok = c->go.variant && isfinite(go->value);
    /* like for like first; the other where the preferred one was not measured here */
    if (go_ok && (c->analog || !isfinite(os->value))) {
        *by = "Go";
        return go;
    }
    *by = "OS";
    return os;
}
