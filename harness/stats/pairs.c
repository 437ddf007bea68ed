/* pairs: paired-block statistics (see pairs.h for the design and why it is valid). */
#include "stats/pairs.h"

#include "stats/stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t pb_pairs_quartets(const struct pb_block *blocks, size_t n, enum pb_phase phase, double *lr,
                         double *diff)
{
    size_t out = 0;
    for (size_t i = 0; i + 4 <= n;) {
        const struct pb_block *q = &blocks[i];
        bool same_phase =
            q[0].phase == q[1].phase && q[1].phase == q[2].phase && q[2].phase == q[3].phase;
        if (!same_phase) { /* a quartet cut short (a stop, a failure) is skipped, not mixed */
            i++;
            continue;
        }
        double sa = 0, sb = 0;
        int na = 0, nb = 0;
        for (int k = 0; k < 4; k++) {
            if (q[k].side == PB_SIDE_BASELINE) {
                sa += q[k].value;
                na++;
            } else {
                sb += q[k].value;
                nb++;
            }
        }
        i += 4;
        if (q[0].phase != phase || na != 2 || nb != 2 || !(sa > 0) || !(sb > 0) || !isfinite(sa) ||
            !isfinite(sb))
            continue;
        if (lr)
            lr[out] = log(sb / sa);
        if (diff)
            diff[out] = (sb - sa) / 2.0;
        out++;
    }
    return out;
}

static double pairs_sd(const double *x, size_t n)
{
    return n >= 2 ? pb_stats_stddev(x, n) : NAN;
}

int pb_pairs_stat(const struct pb_block *blocks, size_t n, struct pb_pair_stat *st)
{
    memset(st, 0, sizeof *st);
    st->ratio = st->ci_low = st->ci_high = st->coverage = NAN;
    st->diff = st->diff_low = st->diff_high = st->p_value = NAN;
    st->half_width_pct = st->pilot_sd = st->main_sd = NAN;
    size_t cap = n / 4 + 1;
    double *lr = pb_xcalloc(cap, sizeof *lr, "log-ratios");
    double *df = pb_xcalloc(cap, sizeof *df, "differences");
    size_t np = pb_pairs_quartets(blocks, n, PB_PHASE_PILOT, lr, df);
    st->n_pilot = np;
    st->pilot_sd = pairs_sd(lr, np);
    st->n_quartets = pb_pairs_quartets(blocks, n, PB_PHASE_MAIN, lr + np, df + np);
    st->main_sd = pairs_sd(lr + np, st->n_quartets);
    size_t m = st->n_ci = np + st->n_quartets;
    int rc = -1;
    double est, lo, hi, cov;
    if (m >= 2) {
        pb_stats_hodges_lehmann(lr, m, PB_PAIRS_CI_LEVEL, &est, &lo, &hi, &cov);
        st->ratio = exp(est);
        if (m >= PB_PAIRS_MIN_CI_QUARTETS && isfinite(lo)) {
            st->ci_low = exp(lo);
            st->ci_high = exp(hi);
            st->coverage = cov;
            st->half_width_pct = (st->ci_high - st->ci_low) / 2.0 / st->ratio * 100.0;
            struct pb_wsr w;
            pb_stats_signed_rank(lr, m, &w);
            st->p_value = w.n ? w.p_value : 1.0; /* every log-ratio exactly 0: no difference */
            st->exact = w.exact;
            rc = 0;
        }
        pb_stats_hodges_lehmann(df, m, PB_PAIRS_CI_LEVEL, &est, &lo, &hi, &cov);
        st->diff = est;
        st->diff_low = lo;
        st->diff_high = hi;
    }
    free(lr);
    free(df);
    return rc;
}

double pb_pairs_quartets_for(double sd, double target_pct)
{
    if (!(sd >= 0) || !(target_pct > 0))
        return NAN;
    /* the exact interval's mean half-width is about (2.006 + 2.7 / n) sd / sqrt(n): 2.006 is
     * 1.96 sqrt(pi / 3), the rest its small-n widening (t-like tails and the discrete levels),
     * fitted by simulation of normal log-ratios for n = 6..50 */
    double limit = log1p(target_pct / 100.0);
    for (double n = 1; n < 1e6; n++)
        if ((2.006 + 2.7 / n) * sd / sqrt(n) <= limit)
            return n;
    return 1e6;
}

size_t pb_pairs_plan(const double *pilot_lr, size_t n_pilot, double target_pct, size_t min_quartets,
                     size_t max_quartets)
{
    if (max_quartets < min_quartets)
        max_quartets = min_quartets;
    double sd = pairs_sd(pilot_lr, n_pilot);
    if (!isfinite(sd)) /* no usable pilot: spend the share */
        return max_quartets;
    /* the quartets pilot and main need together, less the pilot's */
    double want = pb_pairs_quartets_for(sd, target_pct) - (double)n_pilot;
    size_t n = want < (double)min_quartets   ? min_quartets
               : want > (double)max_quartets ? max_quartets
                                             : (size_t)want;
    return n + n % 2; /* as many B A A B as A B B A quartets */
}

double pb_pairs_quartets_at(const struct pb_pair_stat *st, double target_pct)
{
    double r = st->half_width_pct / target_pct;
    return (double)st->n_ci * r * r;
}

size_t pb_pairs_replan(const struct pb_pair_stat *st, double target_pct)
{
    if (!(target_pct > 0) || !isfinite(st->half_width_pct) || st->half_width_pct <= target_pct)
        return 0;
    double n = (double)st->n_ci;
    double more = ceil(pb_pairs_quartets_at(st, target_pct) * PB_PAIRS_REPLAN_INFLATION - n);
    if (!(more > 0))
        return 0;
    size_t k = more > 1e6 ? 1000000 : (size_t)more;
    return k + k % 2; /* as many B A A B as A B B A quartets */
}

void pb_pairs_quartet_order(size_t k, enum pb_side out[4])
{
    enum pb_side first = k % 2 ? PB_SIDE_VARIANT : PB_SIDE_BASELINE;
    enum pb_side other = first == PB_SIDE_BASELINE ? PB_SIDE_VARIANT : PB_SIDE_BASELINE;
    out[0] = out[3] = first;
    out[1] = out[2] = other;
}

void pb_pairs_fdr(const double *p, size_t n, double *q)
{
    pb_stats_bh(p, n, q);
}

const char *pb_pairs_verdict(const struct pb_pair_stat *st, double q, bool time_metric,
                             double equiv_pct)
{
    if (!isfinite(st->ci_low) || !isfinite(st->ci_high))
        return isfinite(st->ratio) || st->n_ci ? "too few blocks" : "no data";
    if (isfinite(q) && q < PB_ALPHA && (st->ci_high < 1.0 || st->ci_low > 1.0)) {
        if (time_metric)
            return st->ratio < 1 ? "faster" : "slower";
        return st->ratio < 1 ? "lower" : "higher";
    }
    double e = equiv_pct / 100.0;
    if (st->ci_low >= 1.0 / (1.0 + e) && st->ci_high <= 1.0 + e)
        return "equivalent";
    return "inconclusive";
}
