/* work: a calibrated amount of CPU work, so experiments can say "10 µs of work per request"
 * without reading a clock. The work is dependent integer arithmetic (no memory traffic, no
 * syscalls); pb_work_calibrate() measures its rate once, on the calling thread, against the
 * harness clock. Because frequency scaling and SMT siblings change the rate, the amount is
 * nominal: experiments report what was measured, never the nominal figure. */
#ifndef PB_WORK_H
#define PB_WORK_H

#include <stdint.h>

/* Measures iterations per nanosecond (~20 ms). Safe to call again. */
void pb_work_calibrate(void);
/* Spins about `ns` nanoseconds of work (0: returns at once). Thread-safe after calibration. */
void pb_work_ns(uint64_t ns);
/* Iterations per nanosecond found by the last calibration. */
double pb_work_rate(void);

#endif
