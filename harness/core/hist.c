/* hist: log-linear histogram bookkeeping outside the hot path. */
#include "core/hist.h"

#include <math.h>
#include <string.h>

void pb_hist_reset(struct pb_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min_ns = UINT64_MAX;
}

void pb_hist_bucket_bounds(unsigned i, uint64_t *lo, uint64_t *hi)
{
    if (i < PB_HIST_LINEAR) {
        *lo = *hi = i;
        return;
    }
    unsigned j = i - PB_HIST_LINEAR;
    unsigned shift = j / PB_HIST_SUB + 1u;
    uint64_t m = PB_HIST_SUB + j % PB_HIST_SUB;
    *lo = m << shift;
    *hi = ((m + 1) << shift) - 1;
}

/* The value reported for bucket i: its midpoint, clamped to what was actually recorded. */
static double hist_bucket_value(const struct pb_hist *h, unsigned i)
{
    uint64_t lo, hi;
    pb_hist_bucket_bounds(i, &lo, &hi);
    double v = ((double)lo + (double)hi) / 2.0;
    if (v < (double)h->min_ns)
        v = (double)h->min_ns;
    if (v > (double)h->max_ns)
        v = (double)h->max_ns;
    return v;
}

void pb_hist_merge(struct pb_hist *dst, const struct pb_hist *src)
{
    if (src->count == 0)
        return;
    dst->count += src->count;
    dst->sum_ns += src->sum_ns;
    dst->overflow += src->overflow;
    if (src->min_ns < dst->min_ns)
        dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
    for (unsigned i = 0; i < PB_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
}

uint64_t pb_hist_rank(uint64_t count, uint32_t q_ppm)
{
    if (q_ppm > 1000000)
        q_ppm = 1000000;
    /* ceil(q_ppm * count / 10^6) in integers: in floating point 99.9 / 100 * 1000 is
     * 999.0000000000001, and its ceiling would make p99.9 of 1000 samples the maximum */
    unsigned __int128 num = (unsigned __int128)q_ppm * count + 999999u;
    uint64_t rank = (uint64_t)(num / 1000000u);
    return rank < 1 ? 1 : rank;
}

double pb_hist_percentile(const struct pb_hist *h, double q)
{
    if (h->count == 0)
        return NAN;
    if (q >= 100.0)
        return (double)h->max_ns;
    if (q < 0)
        q = 0;
    uint64_t rank = pb_hist_rank(h->count, (uint32_t)llround(q * 10000.0));
    uint64_t cum = 0;
    for (unsigned i = 0; i < PB_HIST_BUCKETS; i++) {
        cum += h->buckets[i];
        if (cum >= rank)
            return hist_bucket_value(h, i);
    }
    return (double)h->max_ns; /* the rank falls among overflowed values */
}

void pb_hist_summarize(const struct pb_hist *h, struct pb_hist_summary *s)
{
    memset(s, 0, sizeof *s);
    s->count = h->count;
    if (h->count == 0) {
        s->min_ns = s->mean_ns = s->stddev_ns = s->max_ns = NAN;
        s->p50_ns = s->p90_ns = s->p99_ns = s->p999_ns = s->p9999_ns = NAN;
        return;
    }
    s->min_ns = (double)h->min_ns;
    s->max_ns = (double)h->max_ns;
    s->mean_ns = (double)h->sum_ns / (double)h->count;
    double ss = 0;
    for (unsigned i = 0; i < PB_HIST_BUCKETS; i++) {
        if (!h->buckets[i])
            continue;
        double d = hist_bucket_value(h, i) - s->mean_ns;
        ss += d * d * (double)h->buckets[i];
    }
    if (h->overflow) {
        double d = (double)h->max_ns - s->mean_ns;
        ss += d * d * (double)h->overflow;
    }
    s->stddev_ns = h->count > 1 ? sqrt(ss / (double)(h->count - 1)) : 0.0;
    s->p50_ns = pb_hist_percentile(h, 50);
    s->p90_ns = pb_hist_percentile(h, 90);
    s->p99_ns = pb_hist_percentile(h, 99);
    s->p999_ns = pb_hist_percentile(h, 99.9);
    s->p9999_ns = pb_hist_percentile(h, 99.99);
}

int pb_hist_write_csv(const struct pb_hist *h, FILE *f)
{
    fprintf(f, "value_ns,count,cumulative_fraction\n");
    uint64_t cum = 0;
    for (unsigned i = 0; i < PB_HIST_BUCKETS; i++) {
        if (!h->buckets[i])
            continue;
        cum += h->buckets[i];
        fprintf(f, "%.1f,%llu,%.9f\n", hist_bucket_value(h, i), (unsigned long long)h->buckets[i],
                (double)cum / (double)h->count);
    }
    if (h->overflow) {
        cum += h->overflow;
        fprintf(f, "%.1f,%llu,%.9f\n", (double)h->max_ns, (unsigned long long)h->overflow,
                (double)cum / (double)h->count);
    }
    return ferror(f) ? -1 : 0;
}

int pb_hist_write_hgrm(const struct pb_hist *h, FILE *f)
{
    fprintf(f, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    uint64_t cum = 0;
    for (unsigned i = 0; i <= PB_HIST_BUCKETS; i++) {
        uint64_t n = i < PB_HIST_BUCKETS ? h->buckets[i] : h->overflow;
        if (!n)
            continue;
        cum += n;
        double v_us = (i < PB_HIST_BUCKETS ? hist_bucket_value(h, i) : (double)h->max_ns) / 1e3;
        double p = (double)cum / (double)h->count;
        if (cum < h->count) /* the last line has no 1/(1-p): it would be infinite */
            fprintf(f, "%12.3f %2.12f %10llu %14.2f\n", v_us, p, (unsigned long long)cum,
                    1.0 / (1.0 - p));
        else
            fprintf(f, "%12.3f %2.12f %10llu\n", v_us, p, (unsigned long long)cum);
    }
    struct pb_hist_summary s;
    pb_hist_summarize(h, &s);
    fprintf(f, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", s.mean_ns / 1e3,
            s.stddev_ns / 1e3);
    fprintf(f, "#[Max     = %12.3f, Total count    = %12llu]\n", (double)h->max_ns / 1e3,
            (unsigned long long)h->count);
    fprintf(f, "#[Buckets = %12u, SubBuckets     = %12u]\n", (unsigned)PB_HIST_BUCKETS, 1u);
    return ferror(f) ? -1 : 0;
}

int pb_hist_write_percentiles(const struct pb_hist *h, FILE *f)
{
    static const double qs[] = {50, 90, 99, 99.9, 99.99, 100};
    fprintf(f, "percentile,value_ns\n");
    for (unsigned i = 0; i < sizeof qs / sizeof qs[0]; i++)
        fprintf(f, "%g,%.1f\n", qs[i], pb_hist_percentile(h, qs[i]));
    return ferror(f) ? -1 : 0;
}
