/* clock: the timestamp source behind every latency sample.
 *
 * Preferred source is the TSC, read in order: begin = rdtscp (it waits until every earlier
 * instruction has executed, so the harness's own bookkeeping never leaks into the interval),
 * end = rdtscp;lfence (the region has executed before the read, and nothing after it starts
 * early). The measured region's first instructions may overlap the begin read itself by a few
 * cycles; a fully fenced begin (lfence;rdtsc;lfence) was measured at 1.2-1.4x the cost of a bare
 * rdtscp pair on a Sapphire Rapids guest against 1.03-1.17x for this pair, and the per-sample
 * budget is 1.25x. The TSC is used only when CPUID says it is invariant (constant rate, runs in
 * deep C-states), since otherwise ticks mean different times on different CPUs or frequencies.
 *
 * The tick rate comes from CPUID 0x15 (crystal x ratio) where it is complete, else CPUID 0x16's
 * base frequency, and is always calibrated against CLOCK_MONOTONIC_RAW as well: the CPUID value
 * is used only when calibration agrees with it within 0.1 %, and the calibration's own error
 * (bracketing and round-to-round spread) is recorded. Without a usable TSC the source falls back
 * to clock_gettime(CLOCK_MONOTONIC), whose ticks are nanoseconds.
 *
 * The cost of a read, of a begin/end pair and the smallest observable step are measured at
 * start-up; no figure below the resolution should be reported as a single-sample latency. */
#ifndef PB_CLOCK_H
#define PB_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum pb_clock_source { PB_CLOCK_TSC, PB_CLOCK_MONOTONIC };
enum pb_clock_want { PB_CLOCK_WANT_AUTO, PB_CLOCK_WANT_MONOTONIC };

struct pb_clock_info {
    enum pb_clock_source source;
    const char *source_name;   /* "tsc" or "clock_gettime(CLOCK_MONOTONIC)" */
    bool tsc_invariant;        /* CPUID 0x80000007 EDX[8] */
    char fallback_reason[160]; /* why the TSC is not used ("" when it is) */
    double tick_hz;            /* ticks per second (1e9 for the fallback) */
    const char *freq_method;   /* "cpuid-0x15", "cpuid-0x16", "calibrated", "nanoseconds" */
    double calibrated_hz;      /* from CLOCK_MONOTONIC_RAW, 0 for the fallback */
    double calib_error_ppm;    /* estimated relative error of calibrated_hz */
    double cpuid_hz;           /* what CPUID claimed, 0 if nothing */
    double read_overhead_ns;   /* one begin-ordered read, median of batches */
    double pair_overhead_ns;   /* begin+end back to back, median */
    double resolution_ns;      /* smallest nonzero step between consecutive reads */
};

/* Global state, set once by pb_clock_init() before any thread is started. */
extern struct pb_clock_info pb_clock;
extern bool pb_clock_use_tsc;
extern uint64_t pb_clock_mult; /* ns = ticks * mult >> 32 */

/* Detects, calibrates (~120 ms) and measures overheads. PINBENCH_CLOCK=monotonic in the
 * environment forces the fallback, as does want == PB_CLOCK_WANT_MONOTONIC. Returns 0, or -1
 * with pb_err() if no clock at all works. Safe to call again (re-initialises). */
int pb_clock_init(enum pb_clock_want want);

static inline uint64_t pb_clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Timestamp at the start of a measured region. */
static inline __attribute__((always_inline)) uint64_t pb_ticks_begin(void)
{
    if (__builtin_expect(pb_clock_use_tsc, 1)) {
        uint32_t lo, hi, aux;
        __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
        (void)aux;
        return ((uint64_t)hi << 32) | lo;
    }
    return pb_clock_mono_ns();
}

/* Timestamp at the end of a measured region. */
static inline __attribute__((always_inline)) uint64_t pb_ticks_end(void)
{
    if (__builtin_expect(pb_clock_use_tsc, 1)) {
        uint32_t lo, hi, aux;
        __asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
        (void)aux; /* the TSC_AUX CPU number is a host CPU in VMs: never used as a CPU id */
        return ((uint64_t)hi << 32) | lo;
    }
    return pb_clock_mono_ns();
}

/* Converts a tick interval to nanoseconds (fixed point, exact to < 1 ns for 2^32 ns spans). */
static inline uint64_t pb_ticks_to_ns(uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * pb_clock_mult) >> 32);
}

/* Converts ticks to nanoseconds as a double, for aggregates. */
double pb_ticks_to_ns_f(uint64_t ticks);

#endif
