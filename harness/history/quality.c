/* quality: the change-point detector and today's single-baseline gate on synthetic histories
 * (see history.h). A benchmark, not a test: it reports rates, and the README quotes them. */
#include "history/history.h"

#include "stats/changepoint.h"
#include "stats/stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

/* One history: lognormal noise of coefficient of variation `cv` around 1, times 1 + step from
 * index `at` on (no step when step is 0). */
static void q_history(double *x, size_t n, double cv, double step, size_t at, uint64_t *s)
{
    double sigma = sqrt(log(1 + cv * cv));
    for (size_t i = 0; i < n; i++)
        x[i] = exp(sigma * pb_rng_normal(s) - sigma * sigma / 2) * (step && i >= at ? 1 + step : 1);
}

/* The single-baseline gate as `pinbench regress` applies it run after run: the first run is the
 * stored baseline, and a later run alarms when it is worse by more than the threshold (its
 * significance test over repetitions passes whenever the between-run change is that large, so
 * the threshold is what decides). Counts alarms before `at - 2` as false, and says whether one
 * fell within [at, at + 2]. */
static void q_gate(const double *x, size_t n, double thr, size_t at, bool step, bool *found,
                   size_t *false_alarms)
{
    *found = false;
    *false_alarms = 0;
    for (size_t i = 1; i < n; i++) {
        if (!(x[i] / x[0] - 1 > thr))
            continue;
        if (step && i + 2 >= at && i <= at + 2)
            *found |= i >= at;
        else if (!step || i + 2 < at)
            (*false_alarms)++;
    }
}

size_t pb_history_quality(size_t series, size_t points, unsigned long long seed,
                          const struct pb_cp_opts *o, double gate_threshold_pct,
                          struct pb_quality_row **out)
{
    static const double cvs[] = {0.02, 0.05, 0.10}, steps[] = {0, 0.05, 0.10, 0.20};
    size_t nrows = PB_ARRAY_LEN(cvs) * PB_ARRAY_LEN(steps);
    *out = pb_xcalloc(nrows, sizeof **out, "quality rows");
    double *x = pb_xcalloc(points, sizeof *x, "a history");
    struct pb_cp *cp = pb_xcalloc(points, sizeof *cp, "change points");
    uint64_t rng = seed;
    size_t k = 0;
    for (size_t c = 0; c < PB_ARRAY_LEN(cvs); c++)
        for (size_t st = 0; st < PB_ARRAY_LEN(steps); st++) {
            struct pb_quality_row *r = &(*out)[k++];
            r->cv_pct = cvs[c] * 100;
            r->step_pct = steps[st] * 100;
            r->series = series;
            size_t found = 0, exact = 0, gate_found = 0, false_cp = 0, gate_false = 0, oracle = 0;
            size_t ranged = 0, in_range = 0;
            double err = 0, width = 0;
            for (size_t s = 0; s < series; s++) {
                /* the step lands anywhere from the 6th run to the 56th: 5 runs a side at least */
                size_t at = 5 + (size_t)(pb_rng_uniform(&rng) * (double)(points - 9));
                q_history(x, points, cvs[c], steps[st], at, &rng);
                size_t m = pb_cp_detect(x, points, o, cp, points);
                bool hit = false;
                size_t best = SIZE_MAX;
                for (size_t i = 0; i < m; i++) {
                    size_t d = cp[i].at > at ? cp[i].at - at : at - cp[i].at;
                    if (steps[st] && d <= 2 && !hit) {
                        hit = true;
                        best = d;
                    } else {
                        false_cp++;
                    }
                }
                if (hit) {
                    found++;
                    exact += best == 0;
                    err += (double)best;
                }
                /* the range of the change point nearest the step: does it hold the step? */
                size_t near = SIZE_MAX, near_d = SIZE_MAX;
                for (size_t i = 0; i < m && steps[st]; i++) {
                    size_t d = cp[i].at > at ? cp[i].at - at : at - cp[i].at;
                    if (d < near_d) {
                        near_d = d;
                        near = i;
                    }
                }
                if (near != SIZE_MAX) {
                    ranged++;
                    in_range += cp[near].at_lo <= at && at <= cp[near].at_hi;
                    width += (double)(cp[near].at_hi - cp[near].at_lo + 1);
                }
                size_t ob = pb_cp_place_one(x, points, o->min_size, o->exact_weight);
                oracle += steps[st] && (ob > at ? ob - at : at - ob) <= 2;
                bool gf;
                size_t gfa;
                q_gate(x, points, gate_threshold_pct / 100, at, steps[st] > 0, &gf, &gfa);
                gate_found += gf;
                gate_false += gfa;
            }
            double ns = (double)series;
            r->detected_pct = steps[st] ? 100.0 * (double)found / ns : NAN;
            r->exact_pct = steps[st] ? 100.0 * (double)exact / ns : NAN;
            r->mean_abs_err_runs = found ? err / (double)found : NAN;
            r->range_pct = ranged ? 100.0 * (double)in_range / (double)ranged : NAN;
            r->range_runs = ranged ? width / (double)ranged : NAN;
            r->false_per_100 = 100.0 * (double)false_cp / ns;
            r->gate_detected_pct = steps[st] ? 100.0 * (double)gate_found / ns : NAN;
            r->gate_false_per_100 = 100.0 * (double)gate_false / ns;
            r->oracle_pct = steps[st] ? 100.0 * (double)oracle / ns : NAN;
        }
    free(x);
    free(cp);
    return nrows;
}
