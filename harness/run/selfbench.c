/* selfbench: loops that time the harness's own hot paths. Each loop is run in batches and timed
 * as a whole, because one iteration is near the timer's own resolution. */
#include "run/selfbench.h"

#include "core/clock.h"
#include "core/hist.h"
#include "core/pin.h"

#include <stdlib.h>
#include <string.h>

/* Values spread over the histogram's range, so the record loop is not one hot bucket. */
#define SB_VALUES 1024
static uint64_t sb_values[SB_VALUES];
static void sb_init_values(void)
{
    uint64_t s = 0x1234567;
    for (int i = 0; i < SB_VALUES; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        sb_values[i] = (s >> 33) % 2000000; /* 0..2 ms */
    }
}

static inline uint64_t sb_rdtscp(void)
{
    uint32_t lo, hi, aux;
    __asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t sb_sink;

static void sb_loop_rdtscp_pair(unsigned n)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = sb_rdtscp();
        acc += sb_rdtscp() - a;
    }
    sb_sink += acc;
}

static void sb_loop_read(unsigned n)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < n; i++)
        acc += pb_ticks_begin();
    sb_sink += acc;
}

static void sb_loop_start_stop(unsigned n)
{
    uint64_t acc = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = pb_ticks_begin();
        acc += pb_ticks_end() - a;
    }
    sb_sink += acc;
}

static void sb_loop_record(unsigned n, struct pb_hist *h)
{
    for (unsigned i = 0; i < n; i++)
        pb_hist_record(h, sb_values[i & (SB_VALUES - 1)]);
}

static void sb_loop_sample_path(unsigned n, struct pb_hist *h)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = pb_ticks_begin();
        uint64_t b = pb_ticks_end();
        pb_hist_record(h, pb_ticks_to_ns(b - a));
    }
}

static int sb_loop_pin_check(unsigned n, int cpu)
{
    int ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += pb_pin_on(cpu);
    return ok == (int)n ? 0 : -1;
}

/* ---- quick start-up measurement ---- */

static int sb_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { SB_QUICK_BATCHES = 15, SB_QUICK_N = 2000 };

static double sb_time_loop(int which, struct pb_hist *h)
{
    double v[SB_QUICK_BATCHES];
    for (int b = 0; b < SB_QUICK_BATCHES; b++) {
        uint64_t t0 = pb_clock_mono_ns();
        switch (which) {
        case 0:
            sb_loop_rdtscp_pair(SB_QUICK_N);
            break;
        case 1:
            sb_loop_read(SB_QUICK_N);
            break;
        case 2:
            sb_loop_start_stop(SB_QUICK_N);
            break;
        case 3:
            sb_loop_record(SB_QUICK_N, h);
            break;
        case 4:
            sb_loop_sample_path(SB_QUICK_N, h);
            break;
        default:
            (void)sb_loop_pin_check(SB_QUICK_N, sched_getcpu());
            break;
        }
        v[b] = (double)(pb_clock_mono_ns() - t0) / SB_QUICK_N;
    }
    qsort(v, SB_QUICK_BATCHES, sizeof v[0], sb_cmp);
    return v[SB_QUICK_BATCHES / 2];
}

void pb_selfbench_quick(struct pb_overheads *o)
{
    sb_init_values();
    struct pb_hist *h = calloc(1, sizeof *h);
    if (!h) {
        memset(o, 0, sizeof *o);
        return;
    }
    pb_hist_reset(h);
    o->rdtscp_pair_ns = sb_time_loop(0, h);
    o->timestamp_read_ns = sb_time_loop(1, h);
    o->start_stop_ns = sb_time_loop(2, h);
    o->hist_record_ns = sb_time_loop(3, h);
    o->sample_path_ns = sb_time_loop(4, h);
    o->pin_check_ns = sb_time_loop(5, h);
    o->sample_path_ratio = o->rdtscp_pair_ns > 0 ? o->sample_path_ns / o->rdtscp_pair_ns : 0;
    free(h);
}

/* ---- the "harness" family ---- */

enum sb_kind {
    SB_RDTSCP,
    SB_READ,
    SB_START_STOP,
    SB_RECORD,
    SB_SAMPLE,
    SB_PIN_CHECK,
    SB_PIN_VERIFY
};
#define SB_BATCH 1000u

static int sb_setup(struct pb_run *r)
{
    pb_hist_reset(pb_run_state(r));
    sb_init_values();
    return 0;
}

static int sb_op(struct pb_run *r)
{
    const enum sb_kind *k = pb_run_param(r);
    struct pb_hist *h = pb_run_state(r);
    switch (*k) {
    case SB_RDTSCP:
        sb_loop_rdtscp_pair(SB_BATCH);
        break;
    case SB_READ:
        sb_loop_read(SB_BATCH);
        break;
    case SB_START_STOP:
        sb_loop_start_stop(SB_BATCH);
        break;
    case SB_RECORD:
        sb_loop_record(SB_BATCH, h);
        break;
    case SB_SAMPLE:
        sb_loop_sample_path(SB_BATCH, h);
        break;
    case SB_PIN_CHECK:
        if (sb_loop_pin_check(SB_BATCH, pb_run_home_cpu(r)) < 0)
            return pb_run_fail(r, "pinned thread left CPU %d", pb_run_home_cpu(r));
        break;
    case SB_PIN_VERIFY:
        for (unsigned i = 0; i < SB_BATCH; i++)
            if (pb_pin_verify(pb_run_home_cpu(r)) < 0)
                return pb_run_fail(r, "%s", pb_err());
        break;
    }
    return 0;
}

static const enum sb_kind sb_k[] = {SB_RDTSCP, SB_READ,      SB_START_STOP, SB_RECORD,
                                    SB_SAMPLE, SB_PIN_CHECK, SB_PIN_VERIFY};

#define SB(kind)                                                                                   \
    .place.at = PB_HOME_PINNED, .state_bytes = sizeof(struct pb_hist), .setup = sb_setup,          \
    .op = sb_op, .param = &sb_k[kind], .batch = SB_BATCH

static const struct pb_variant sb_variants[] = {
    {"rdtscp_pair", "two bare rdtscp back to back: the yardstick", SB(SB_RDTSCP)},
    {"timestamp_read", "one ordered timestamp read (the begin read, rdtscp)", SB(SB_READ)},
    {"start_stop_pair", "ordered start and stop reads", SB(SB_START_STOP)},
    {"hist_record", "one histogram record", SB(SB_RECORD)},
    {"sample_path", "start + stop + conversion + record: the cost of every latency sample",
     SB(SB_SAMPLE)},
    {"pin_check", "sched_getcpu() == cpu, the per-operation pin check", SB(SB_PIN_CHECK)},
    {"pin_verify", "full pin verification: mask read back + sched_getcpu", SB(SB_PIN_VERIFY)},
};

static const struct pb_pair_decl sb_pairs[] = {
    PB_HEADLINE("rdtscp_pair", "start_stop_pair", "real_time_ns"),
    PB_HEADLINE("rdtscp_pair", "sample_path", "real_time_ns"),
};

const struct pb_family pb_family_harness = {
    .name = "harness",
    .summary = "the instrument's own costs: timestamps, histogram record, pin checks",
    .question = "what does pinbench's own measuring cost, per timestamp, record and pin check?",
    PB_TABLE(variants, sb_variants),
    PB_TABLE(pairs, sb_pairs),
    .op_meaning = "per operation, from batches of 1000",
};
