/* work: calibrated busy work. */
#include "core/work.h"

#include "core/clock.h"

static double work_iters_per_ns = 0.5; /* a placeholder until calibrated */

static uint64_t work_spin(uint64_t iters)
{
    uint64_t x = iters | 1;
    for (uint64_t i = 0; i < iters; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

void pb_work_calibrate(void)
{
    static volatile uint64_t sink;
    double best = 0;
    /* Best of several: interruptions only ever make a round look slower. */
    for (int round = 0; round < 7; round++) {
        uint64_t iters = 1000000;
        uint64_t t0 = pb_ticks_begin();
        sink += work_spin(iters);
        uint64_t t1 = pb_ticks_end();
        double ns = pb_ticks_to_ns_f(t1 - t0);
        if (ns > 0 && (double)iters / ns > best)
            best = (double)iters / ns;
    }
    if (best > 0)
        work_iters_per_ns = best;
}

double pb_work_rate(void)
{
    return work_iters_per_ns;
}

void pb_work_ns(uint64_t ns)
{
    /* per thread: no shared cache line, no race; the asm keeps the result live */
    if (ns) {
        uint64_t x = work_spin((uint64_t)((double)ns * work_iters_per_ns));
        __asm__ __volatile__("" : : "r"(x));
    }
}
