/* selfbench: the instrument measures itself. The "harness" family times a bare rdtscp pair,
 * one timestamp read, a start/stop pair, a histogram record, the whole per-sample path (start,
 * stop, conversion, record) and the pin checks; pb_selfbench_quick() measures the same loops
 * in a few milliseconds at start-up so every run records them in its context. */
#ifndef PB_SELFBENCH_H
#define PB_SELFBENCH_H

#include "experiment.h"

struct pb_overheads {
    double rdtscp_pair_ns;    /* two back-to-back rdtscp, no fences, no conversion */
    double timestamp_read_ns; /* pb_ticks_begin */
    double start_stop_ns;     /* pb_ticks_begin + pb_ticks_end */
    double hist_record_ns;    /* pb_hist_record */
    double sample_path_ns;    /* start + stop + conversion + record: what every sample costs */
    double sample_path_ratio; /* sample_path_ns / rdtscp_pair_ns */
    double pin_check_ns;      /* sched_getcpu() == cpu */
};

/* Median of 15 short batches of each loop (~20 ms in all), on the calling thread. */
void pb_selfbench_quick(struct pb_overheads *o);

extern const struct pb_family pb_family_harness;

#endif
