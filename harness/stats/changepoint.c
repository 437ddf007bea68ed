/* changepoint: E-Divisive means with a t-test, windowed, then pruned (see changepoint.h). */
#include "stats/changepoint.h"

#include "stats/stats.h"
#include "util.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void pb_cp_opts_default(struct pb_cp_opts *o)
{
    o->p_max = PB_CP_DEFAULT_P;
    o->min_change_pct = 0;
    o->window = PB_CP_DEFAULT_WINDOW;
    o->min_size = PB_CP_DEFAULT_MIN_SIZE;
    o->exact_weight = PB_CP_DEFAULT_EXACT_WEIGHT;
}

/* The regularized incomplete beta function I_x(a, b), by its continued fraction (modified
 * Lentz), on the side where it converges fast. */
static double cp_beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = fabs(d) < tiny ? 1 / tiny : 1 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m;
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        c = 1 + num / c;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = fabs(c) < tiny ? tiny : c;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        c = 1 + num / c;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = fabs(c) < tiny ? tiny : c;
        double step = d * c;
        h *= step;
        if (fabs(step - 1) < 1e-15)
            break;
    }
    return h;
}

static double cp_ibeta(double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2))
        return exp(lbt) * cp_beta_cf(a, b, x) / a;
    return 1 - exp(lbt) * cp_beta_cf(b, a, 1 - x) / b;
}

double pb_cp_student_p(double t, double df)
{
    if (!isfinite(t) || !(df > 0))
        return isinf(t) && df > 0 ? 0 : NAN;
    return cp_ibeta(df / 2, 0.5, df / (df + t * t));
}

double pb_cp_ttest_p(const double *a, size_t na, const double *b, size_t nb)
{
    if (!na || !nb || na + nb < 3)
        return NAN;
    double ma = pb_stats_mean(a, na), mb = pb_stats_mean(b, nb);
    double ss = 0;
    for (size_t i = 0; i < na; i++)
        ss += (a[i] - ma) * (a[i] - ma);
    for (size_t i = 0; i < nb; i++)
        ss += (b[i] - mb) * (b[i] - mb);
    double df = (double)(na + nb - 2);
    double se = sqrt(ss / df * (1.0 / (double)na + 1.0 / (double)nb));
    if (!(se > 0))
        return ma == mb ? NAN : 0;
    return pb_cp_student_p((mb - ma) / se, df);
}

/* The values the detector works on: logs when every value is positive and finite (*logs
 * says which). */
static double *cp_logs(const double *x, size_t n, bool *logs)
{
    double *y = pb_xcalloc(n ? n : 1, sizeof *y, "change-point series");
    bool positive = true;
    for (size_t i = 0; i < n; i++)
        positive &= isfinite(x[i]) && x[i] > 0;
    for (size_t i = 0; i < n; i++)
        y[i] = positive ? log(x[i]) : x[i];
    if (logs)
        *logs = positive;
    return y;
}

double pb_cp_point_p(const double *r, size_t n, double x)
{
    if (n < 3)
        return NAN;
    bool logs;
    double *y = cp_logs(r, n, &logs);
    double m = pb_stats_mean(y, n), sd = pb_stats_stddev(y, n);
    double v = logs ? (x > 0 ? log(x) : NAN) : x;
    free(y);
    if (!isfinite(v))
        return NAN;
    if (!(sd > 0))
        return v == m ? 1 : 0;
    return pb_cp_student_p((v - m) / (sd * sqrt(1 + 1.0 / (double)n)), (double)n - 1);
}

/* The energy divergence of the split at t of y[lo..hi), each side cut to `w` points next to
 * the split: (m k / (m + k)) (2 E|X - Y| - E|X - X'| - E|Y - Y'|), with the within-side means
 * over distinct pairs. */
static double cp_energy(const double *y, size_t lo, size_t t, size_t hi, size_t w)
{
    size_t a = t - lo > w ? t - w : lo, b = hi - t > w ? t + w : hi;
    double m = (double)(t - a), k = (double)(b - t);
    double xy = 0, xx = 0, yy = 0;
    for (size_t i = a; i < t; i++)
        for (size_t j = t; j < b; j++)
            xy += fabs(y[i] - y[j]);
    for (size_t i = a; i < t; i++)
        for (size_t j = i + 1; j < t; j++)
            xx += fabs(y[i] - y[j]);
    for (size_t i = t; i < b; i++)
        for (size_t j = i + 1; j < b; j++)
            yy += fabs(y[i] - y[j]);
    double e = 2 * xy / (m * k) - (m > 1 ? xx / (m * (m - 1) / 2) : 0) -
               (k > 1 ? yy / (k * (k - 1) / 2) : 0);
    return m * k / (m + k) * e;
}

struct cp_ctx {
    const double *x, *y;
    size_t n;
    const struct pb_cp_opts *o;
    bool *cut; /* cut[i]: a regime starts at i */
};

/* The change of regime at t between the regimes [lo, t) and [t, hi): its t-test p and whether
 * it passes both rules. */
static bool cp_passes(const struct cp_ctx *c, size_t lo, size_t t, size_t hi, double *p)
{
    *p = pb_cp_ttest_p(c->y + lo, t - lo, c->y + t, hi - t);
    if (!(*p < c->o->p_max))
        return false;
    if (c->o->min_change_pct <= 0)
        return true;
    double before = pb_stats_median(c->x + lo, t - lo), after = pb_stats_median(c->x + t, hi - t);
    return before != 0 && fabs(after / before - 1) * 100 >= c->o->min_change_pct;
}

/* E-Divisive over [lo, hi): the best split, kept if it passes, then each side again. */
static void cp_divide(struct cp_ctx *c, size_t lo, size_t hi)
{
    size_t ms = c->o->min_size;
    if (hi - lo < 2 * ms)
        return;
    size_t best = 0;
    double best_e = -INFINITY;
    for (size_t t = lo + ms; t + ms <= hi; t++) {
        double e = cp_energy(c->y, lo, t, hi, c->o->window);
        if (e > best_e) {
            best_e = e;
            best = t;
        }
    }
    double p;
    if (!best || !cp_passes(c, lo, best, hi, &p))
        return;
    c->cut[best] = true;
    cp_divide(c, lo, best);
    cp_divide(c, best, hi);
}

/* The regime boundaries around cut t: the previous and the next cut (or the ends). */
static void cp_neighbours(const struct cp_ctx *c, size_t t, size_t *lo, size_t *hi)
{
    *lo = 0;
    for (size_t i = t; i-- > 1;)
        if (c->cut[i]) {
            *lo = i;
            break;
        }
    *hi = c->n;
    for (size_t i = t + 1; i < c->n; i++)
        if (c->cut[i]) {
            *hi = i;
            break;
        }
}

/* Each cut tested again between its neighbours; the one with the largest p among those that
 * fail is dropped, and the rest tested again, until every cut passes. */
static void cp_prune(struct cp_ctx *c)
{
    for (;;) {
        size_t worst = 0;
        double worst_p = -1;
        for (size_t t = 1; t < c->n; t++) {
            if (!c->cut[t])
                continue;
            size_t lo, hi;
            cp_neighbours(c, t, &lo, &hi);
            double p = NAN;
            bool ok = cp_passes(c, lo, t, hi, &p);
            if (!ok && !(p <= worst_p)) {
                worst_p = isfinite(p) ? p : 2;
                worst = t;
            }
        }
        if (!worst)
            return;
        c->cut[worst] = false;
    }
}

double pb_cp_split_ss(const double *y, size_t n, double *ss)
{
    double tot = 0, sst = 0, left = 0;
    for (size_t i = 0; i < n; i++)
        tot += y[i];
    double mean = n ? tot / (double)n : 0;
    for (size_t i = 0; i < n; i++)
        sst += (y[i] - mean) * (y[i] - mean);
    if (n)
        ss[0] = 0;
    for (size_t u = 1; u < n; u++) {
        left += y[u - 1];
        double m = (double)u, k = (double)(n - u), d = left / m - (tot - left) / k;
        ss[u] = m * k / (m + k) * d * d;
    }
    return sst;
}

/* The posterior probability of a single shift of the mean at each place u in (a, b), over the
 * points y[a..b), with the regimes' span [lo, hi) around them: proportional to
 * (m k)^-1/2 RSS(u)^-(n-2)/2 (flat priors on the two means and on log sigma), into pp[u - a] in
 * units of the most probable place; 0 where a regime would be shorter than `ms` in [lo, hi).
 * Returns their sum: 0 when no place has any weight (no spread left to weigh). */
static double cp_posterior(const double *y, size_t lo, size_t a, size_t b, size_t hi, size_t ms,
                           double *pp)
{
    double n = (double)(b - a);
    double sst = pb_cp_split_ss(y + a, b - a, pp), top = -INFINITY;
    pp[0] = -INFINITY;
    for (size_t u = a + 1; u < b; u++) {
        double m = (double)(u - a), k = (double)(b - u), rss = sst - pp[u - a];
        bool ok = u >= lo + ms && u + ms <= hi && rss > 1e-12 * sst;
        pp[u - a] = ok ? -0.5 * log(m * k) - (n - 2) / 2 * log(rss) : -INFINITY;
        if (pp[u - a] > top)
            top = pp[u - a];
    }
    double all = 0;
    for (size_t u = a; u < b; u++) {
        pp[u - a] = isfinite(pp[u - a]) ? exp(pp[u - a] - top) : 0;
        all += pp[u - a];
    }
    return all;
}

/* The place of a change given its posterior pp over (a, b): the run u with the most probability
 * within PB_CP_PLACE_RUNS runs of it, plus `exact` times the probability at u itself. The
 * single most probable run is the likelihood's best split; with a step under twice the noise
 * it is the exact run only about half the time, and it often sits at one edge of where the
 * probability lies, so a window around it misses more often than a window placed on the
 * probability. The weight at u leans towards the most probable run where windows are close.
 * `fallback` when no place has any weight. */
static size_t cp_place(const double *pp, size_t a, size_t b, double exact, size_t fallback)
{
    size_t best = fallback;
    double best_w = 0;
    for (size_t u = a + 1; u < b; u++) {
        if (!(pp[u - a] > 0))
            continue;
        double w = pp[u - a] * exact;
        size_t j0 = u - a > PB_CP_PLACE_RUNS ? u - PB_CP_PLACE_RUNS : a;
        for (size_t j = j0; j <= u + PB_CP_PLACE_RUNS && j < b; j++)
            w += pp[j - a];
        if (w > best_w) {
            best_w = w;
            best = u;
        }
    }
    return best;
}

/* The points the divergence sees around a change at t between [lo, t) and [t, hi). */
static void cp_window(const struct cp_ctx *c, size_t lo, size_t t, size_t hi, size_t *a, size_t *b)
{
    size_t w = c->o->window;
    *a = t - lo > w ? t - w : lo;
    *b = hi - t > w ? t + w : hi;
}

/* Each change point moved to its place between its neighbours (cp_place), when its t-test and
 * minimum change still pass there: E-Divisive says that the regime changed; the posterior says
 * better where. In order, so that each sees its left neighbour's new place. */
static void cp_relocate(struct cp_ctx *c)
{
    double *pp = pb_xcalloc(c->n, sizeof *pp, "change posterior");
    for (size_t t = 1; t < c->n; t++) {
        if (!c->cut[t])
            continue;
        size_t lo, hi, a, b;
        cp_neighbours(c, t, &lo, &hi);
        cp_window(c, lo, t, hi, &a, &b);
        cp_posterior(c->y, lo, a, b, hi, c->o->min_size, pp);
        size_t u = cp_place(pp, a, b, c->o->exact_weight, t);
        double p;
        if (u != t && cp_passes(c, lo, u, hi, &p)) {
            c->cut[t] = false;
            c->cut[u] = true;
            if (u > t)
                t = u; /* placed: not again */
        }
    }
    free(pp);
}

/* The range of places of the change at t between the regimes [lo, t) and [t, hi): over the
 * points the divergence saw, the range grows from t, each time by the more probable neighbour
 * in the posterior (cp_posterior), until it holds PB_CP_RANGE_LEVEL of it. A step in noise is
 * often placed a run or two off, and no detector can tell which run it was more surely than
 * this: the range says which runs (commits) to look at. */
static void cp_range(const struct cp_ctx *c, size_t lo, size_t t, size_t hi, size_t *rlo,
                     size_t *rhi)
{
    size_t a, b;
    cp_window(c, lo, t, hi, &a, &b);
    double *pp = pb_xcalloc(b - a + 1, sizeof *pp, "change range");
    double all = cp_posterior(c->y, lo, a, b, hi, c->o->min_size, pp);
    *rlo = *rhi = t;
    if (!(all > 0) || !(pp[t - a] > 0)) { /* no spread left to weigh: the place itself */
        free(pp);
        return;
    }
    double held = pp[t - a];
    while (held < PB_CP_RANGE_LEVEL * all) {
        double pl = *rlo > a + 1 && pp[*rlo - 1 - a] > 0 ? pp[*rlo - 1 - a] : -1;
        double ph = *rhi + 1 < b && pp[*rhi + 1 - a] > 0 ? pp[*rhi + 1 - a] : -1;
        if (pl < 0 && ph < 0)
            break;
        if (pl >= ph) {
            (*rlo)--;
            held += pl;
        } else {
            (*rhi)++;
            held += ph;
        }
    }
    free(pp);
}

size_t pb_cp_place_one(const double *x, size_t n, size_t min_size, double exact_weight)
{
    if (min_size < 1)
        min_size = 1;
    if (n < 2 * min_size)
        return 0;
    double *y = cp_logs(x, n, NULL), *pp = pb_xcalloc(n, sizeof *pp, "change posterior");
    cp_posterior(y, 0, 0, n, n, min_size, pp);
    size_t u = cp_place(pp, 0, n, exact_weight, n / 2);
    free(pp);
    free(y);
    return u;
}

size_t pb_cp_detect(const double *x, size_t n, const struct pb_cp_opts *o, struct pb_cp *out,
                    size_t cap)
{
    struct pb_cp_opts opts = *o;
    if (opts.min_size < 2)
        opts.min_size = 2;
    if (opts.window < opts.min_size)
        opts.window = opts.min_size;
    if (n < 2 * opts.min_size)
        return 0;
    struct cp_ctx c = {x, cp_logs(x, n, NULL), n, &opts, pb_xcalloc(n, sizeof(bool), "cuts")};
    cp_divide(&c, 0, n);
    cp_prune(&c);
    cp_relocate(&c);
    cp_prune(&c); /* a move changes its neighbours' regimes: they must still pass */
    size_t k = 0;
    for (size_t t = 1; t < n; t++) {
        if (!c.cut[t])
            continue;
        size_t lo, hi;
        cp_neighbours(&c, t, &lo, &hi);
        if (k < cap) {
            struct pb_cp *cp = &out[k];
            cp->at = t;
            cp->before = pb_stats_median(x + lo, t - lo);
            cp->after = pb_stats_median(x + t, hi - t);
            cp->change_pct = cp->before != 0 ? (cp->after / cp->before - 1) * 100 : NAN;
            cp->p = pb_cp_ttest_p(c.y + lo, t - lo, c.y + t, hi - t);
            cp_range(&c, lo, t, hi, &cp->at_lo, &cp->at_hi);
        }
        k++;
    }
    free(c.cut);
    free((void *)c.y);
    return k;
}
