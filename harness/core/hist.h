/* hist: fixed-size log-linear latency histogram (HDR style), values in nanoseconds.
 *
 * Values below 256 ns are counted exactly. Above, every power-of-two range [2^k, 2^(k+1)) is split
 * into 128 equal sub-buckets, so a bucket's width is at most 1/128 of its lower bound and the
 * value reported for it (its midpoint) is within 1/256 (0.39 %) of any value it holds: the
 * relative error bound of every percentile, from 1 ns to 2^36 ns (68.7 s). Larger values are
 * counted as overflow and reported as the exact maximum. Memory is fixed (PB_HIST_BUCKETS
 * counters, ~30 KiB), recording never allocates, and instances merge by adding counters, so each
 * thread records into its own and the owner merges after joining.
 *
 * Percentiles use the nearest-rank definition: pQ is the smallest recorded value v such that at
 * least Q % of values are <= v. min, max and mean are exact. stddev is computed from bucket
 * midpoints: since each value moves by at most 0.39 % of itself, the stddev is off by at most
 * 0.39 % of the values' root mean square, sqrt(mean^2 + stddev^2) -- an absolute bound, not a
 * relative one: for a narrow distribution (stddev much smaller than the mean) the stddev's
 * relative error can be large. */
#ifndef PB_HIST_H
#define PB_HIST_H

#include <stdint.h>
#include <stdio.h>

#define PB_HIST_LINEAR 256u   /* values below this are exact */
#define PB_HIST_SUB 128u      /* sub-buckets per power of two above it */
#define PB_HIST_MAX_SHIFT 28u /* 2^(7+28+1) = 2^36 ns upper bound */
#define PB_HIST_BUCKETS (PB_HIST_LINEAR + PB_HIST_MAX_SHIFT * PB_HIST_SUB)
#define PB_HIST_MAX_NS ((1ull << 36) - 1)

struct pb_hist {
    uint64_t count; /* all values, overflow included */
    uint64_t min_ns, max_ns;
    uint64_t sum_ns;
    uint64_t overflow; /* values > PB_HIST_MAX_NS */
    uint64_t buckets[PB_HIST_BUCKETS];
};

struct pb_hist_summary {
    uint64_t count;
    double min_ns, mean_ns, stddev_ns, max_ns;
    double p50_ns, p90_ns, p99_ns, p999_ns, p9999_ns;
};

void pb_hist_reset(struct pb_hist *h);

static inline unsigned pb_hist_index(uint64_t v)
{
    if (v < PB_HIST_LINEAR)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - 7u; /* >= 1 */
    return PB_HIST_LINEAR + (shift - 1u) * PB_HIST_SUB + (unsigned)(v >> shift) - PB_HIST_SUB;
}

/* Hot path: a handful of integer operations, no allocation, no branches on the data beyond
 * the range checks. */
static inline void pb_hist_record(struct pb_hist *h, uint64_t v_ns)
{
    h->count++;
    h->sum_ns += v_ns;
    if (v_ns < h->min_ns)
        h->min_ns = v_ns;
    if (v_ns > h->max_ns)
        h->max_ns = v_ns;
    if (__builtin_expect(v_ns > PB_HIST_MAX_NS, 0))
        h->overflow++;
    else
        h->buckets[pb_hist_index(v_ns)]++;
}

/* Bounds of bucket i: values in [lo, hi] land there. */
void pb_hist_bucket_bounds(unsigned i, uint64_t *lo, uint64_t *hi);
/* Adds src into dst. */
void pb_hist_merge(struct pb_hist *dst, const struct pb_hist *src);
/* Nearest-rank percentile, q in [0, 100] with at most four decimals (read in millionths, so
 * 99.9 is exactly 999000 ppm); NAN for an empty histogram. */
double pb_hist_percentile(const struct pb_hist *h, double q);
/* The nearest rank (1-based) of quantile q_ppm (millionths, 999000 for p99.9) among `count`
 * values: ceil(q_ppm * count / 10^6) computed in integers, at least 1. */
uint64_t pb_hist_rank(uint64_t count, uint32_t q_ppm);
void pb_hist_summarize(const struct pb_hist *h, struct pb_hist_summary *s);
/* Writes "value_ns,count,cumulative_fraction" with one row per non-empty bucket (the bucket's
 * reported value), overflow as a last row at max_ns. Returns 0 or -1 on a write error. */
int pb_hist_write_csv(const struct pb_hist *h, FILE *f);
/* Writes a percentile table (percentile, value_ns) for p50..p99.99 and max. */
int pb_hist_write_percentiles(const struct pb_hist *h, FILE *f);
/* HdrHistogram's percentile distribution (.hgrm), which its plotters read: Value (in
 * microseconds), Percentile, TotalCount, 1/(1-Percentile), one line per non-empty bucket, then
 * the mean, standard deviation, maximum and count. 0 or -1 (write error). */
int pb_hist_write_hgrm(const struct pb_hist *h, FILE *f);

#endif
