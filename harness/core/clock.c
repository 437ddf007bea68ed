/* clock: TSC detection, calibration and self-measured overheads. */
#include "core/clock.h"

#include "util.h"

#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pb_clock_info pb_clock;
bool pb_clock_use_tsc;
uint64_t pb_clock_mult = 1ull << 32;

static uint64_t clock_raw_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool clock_tsc_invariant(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return false;
    __cpuid(0x80000007u, a, b, c, d);
    return (d >> 8) & 1u;
}

/* What CPUID says the TSC rate is, or 0 with *method left alone. */
static double clock_cpuid_hz(const char **method)
{
    unsigned max, a, b, c, d;
    __cpuid(0, max, b, c, d);
    if (max >= 0x15) {
        __cpuid_count(0x15, 0, a, b, c, d);
        if (a && b && c) {
            *method = "cpuid-0x15";
            return (double)c * (double)b / (double)a;
        }
    }
    if (max >= 0x16) {
        __cpuid_count(0x16, 0, a, b, c, d);
        if (a & 0xffff) {
            *method = "cpuid-0x16";
            return (double)(a & 0xffff) * 1e6;
        }
    }
    return 0;
}

/* One (raw ns, tsc) pair taken as close together as possible; *width_ns bounds its error. */
static void clock_sample(uint64_t *ns, uint64_t *tsc, uint64_t *width_ns)
{
    uint64_t best_w = UINT64_MAX;
    for (int i = 0; i < 5; i++) {
        uint64_t a = clock_raw_ns();
        uint64_t t = pb_ticks_begin();
        uint64_t b = clock_raw_ns();
        if (b - a < best_w) {
            best_w = b - a;
            *ns = a + (b - a) / 2;
            *tsc = t;
        }
    }
    *width_ns = best_w;
}

/* Calibrates the TSC against CLOCK_MONOTONIC_RAW over `rounds` spans of `span_ns`. */
static double clock_calibrate(double *err_ppm)
{
    enum { ROUNDS = 5 };
    const uint64_t span_ns = 24000000;
    double hz[ROUNDS];
    uint64_t ns0, t0, w0, ns, t, w;
    clock_sample(&ns0, &t0, &w0);
    uint64_t prev_ns = ns0, prev_t = t0, prev_w = w0;
    double bracket_ppm = 0;
    for (int r = 0; r < ROUNDS; r++) {
        struct timespec req = {0, (long)span_ns};
        while (nanosleep(&req, &req) != 0)
            ;
        clock_sample(&ns, &t, &w);
        hz[r] = (double)(t - prev_t) * 1e9 / (double)(ns - prev_ns);
        double b = (double)(w + prev_w) / 2.0 / (double)(ns - prev_ns) * 1e6;
        if (b > bracket_ppm)
            bracket_ppm = b;
        prev_ns = ns, prev_t = t, prev_w = w;
    }
    double total = (double)(t - t0) * 1e9 / (double)(ns - ns0);
    double spread_ppm = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double d = (hz[r] - total) / total * 1e6;
        if (d < 0)
            d = -d;
        if (d > spread_ppm)
            spread_ppm = d;
    }
    /* The whole-span estimate's own bracketing error is ROUNDS times smaller than one round's;
     * the round-to-round spread shows drift or preemption during calibration. */
    *err_ppm = bracket_ppm / ROUNDS + spread_ppm / ROUNDS;
    return total;
}

static void clock_set_mult(double ns_per_tick)
{
    pb_clock_mult = (uint64_t)(ns_per_tick * 4294967296.0 + 0.5);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void clock_measure_overheads(void)
{
    enum { BATCHES = 31, PER_BATCH = 2000 };
    uint64_t v[BATCHES];
    volatile uint64_t sink = 0;
    /* Reads: untimed batches, because one read is near the clock's own resolution. */
    for (int b = 0; b < BATCHES; b++) {
        uint64_t s = clock_raw_ns();
        for (int i = 0; i < PER_BATCH; i++)
            sink += pb_ticks_begin();
        v[b] = clock_raw_ns() - s;
    }
    qsort(v, BATCHES, sizeof v[0], cmp_u64);
    pb_clock.read_overhead_ns = (double)v[BATCHES / 2] / PER_BATCH;

    for (int b = 0; b < BATCHES; b++) {
        uint64_t s = clock_raw_ns();
        for (int i = 0; i < PER_BATCH; i++) {
            uint64_t t0 = pb_ticks_begin();
            sink += pb_ticks_end() - t0;
        }
        v[b] = clock_raw_ns() - s;
    }
    qsort(v, BATCHES, sizeof v[0], cmp_u64);
    pb_clock.pair_overhead_ns = (double)v[BATCHES / 2] / PER_BATCH;

    uint64_t step = UINT64_MAX;
    for (int i = 0; i < 20000; i++) {
        uint64_t a = pb_ticks_begin(), b = pb_ticks_begin();
        while (b == a)
            b = pb_ticks_begin();
        if (b - a < step)
            step = b - a;
    }
    pb_clock.resolution_ns = pb_ticks_to_ns_f(step);
    (void)sink;
}

double pb_ticks_to_ns_f(uint64_t ticks)
{
    return (double)ticks * 1e9 / pb_clock.tick_hz;
}

int pb_clock_init(enum pb_clock_want want)
{
    memset(&pb_clock, 0, sizeof pb_clock);
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return pb_errf("clock_gettime(CLOCK_MONOTONIC) failed: no usable clock");
    const char *env = getenv("PINBENCH_CLOCK");
    if (env && strcmp(env, "monotonic") == 0)
        want = PB_CLOCK_WANT_MONOTONIC;

    pb_clock.tsc_invariant = clock_tsc_invariant();
    if (want == PB_CLOCK_WANT_MONOTONIC)
        snprintf(pb_clock.fallback_reason, sizeof pb_clock.fallback_reason,
                 "TSC disabled on request (PINBENCH_CLOCK=monotonic or --clock=monotonic)");
    else if (!pb_clock.tsc_invariant)
        snprintf(pb_clock.fallback_reason, sizeof pb_clock.fallback_reason,
                 "CPUID does not report an invariant TSC (0x80000007 EDX bit 8)");

    if (pb_clock.fallback_reason[0]) {
        pb_clock_use_tsc = false;
        pb_clock.source = PB_CLOCK_MONOTONIC;
        pb_clock.source_name = "clock_gettime(CLOCK_MONOTONIC)";
        pb_clock.tick_hz = 1e9;
        pb_clock.freq_method = "nanoseconds";
        clock_set_mult(1.0);
    } else {
        pb_clock_use_tsc = true;
        pb_clock.source = PB_CLOCK_TSC;
        pb_clock.source_name = "tsc";
        const char *method = NULL;
        pb_clock.cpuid_hz = clock_cpuid_hz(&method);
        pb_clock.calibrated_hz = clock_calibrate(&pb_clock.calib_error_ppm);
        pb_clock.tick_hz = pb_clock.calibrated_hz;
        pb_clock.freq_method = "calibrated";
        if (pb_clock.cpuid_hz > 0) {
            double rel = (pb_clock.cpuid_hz - pb_clock.calibrated_hz) / pb_clock.calibrated_hz;
            if (rel < 0)
                rel = -rel;
            if (rel < 1e-3) {
                pb_clock.tick_hz = pb_clock.cpuid_hz;
                pb_clock.freq_method = method;
            }
        }
        clock_set_mult(1e9 / pb_clock.tick_hz);
    }
    clock_measure_overheads();
    return 0;
}
