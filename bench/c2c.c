/* c2c: the core-to-core matrix — what a cache line costs to bounce between two CPUs, for every
 * pair of the run's CPUs. This is the floor under every handoff to a pinned owner thread, and
 * the map that says which CPUs share an L3, a package or a NUMA node as the hardware really
 * behaves rather than as it is described.
 *
 * One operation is one sweep over the planned pairs: the measuring thread pins itself to CPU a,
 * a partner pins itself to CPU b (both verified), and they pass a cache line back and forth 100
 * times by spinning; each round trip goes into the matrix cell (a, b). Round trips, not one-way
 * times, so the TSCs of two CPUs never have to agree.
 *
 * The futex variant (full profile) passes the token through FUTEX_WAIT/FUTEX_WAKE instead: the
 * sleeping side's wakeup, what a pinned owner thread blocked on its queue costs to reach. An
 * untimed 20 us gap after each round trip lets the partner fall asleep first, and the variant
 * counts the waits that really slept (futex_sleeps_per_round_trip: 1 = the partner always did).
 *
 * Sampling plan: every unordered pair up to 64 CPUs (2016 pairs, about 0.1 s a sweep on bare
 * metal); beyond, the planner's pair for every relation the box has plus 2048 pairs drawn at
 * random (fixed seed), so a 256-CPU box sweeps in a bounded time instead of 32640 pairs. */
#include "experiment.h"
#include "core/pin.h"
#include "core/topo.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 100
#define FUTEX_ROUNDS 20 /* a futex round trip costs ~50x a line's: fewer keep the sweep short */
#define FUTEX_SETTLE_NS 20000.0 /* untimed gap in which the partner goes to sleep */
#define FULL_UP_TO 64
#define SAMPLE 2048

enum { PHASE_IDLE, PHASE_PIN, PHASE_READY, PHASE_QUIT };
enum { TALLY_PAIRS, TALLY_SLEEPS };

enum c2c_mode { MODE_SPIN, MODE_FUTEX };

struct c2c_state {
    enum c2c_mode mode;
    int rounds;
    struct pb_cpu_pair *pairs;
    size_t n_pairs;
    struct pb_thread partner;
    _Alignas(64) atomic_int phase;
    atomic_int target;
    atomic_ulong sleeps;           /* futex waits that slept and were woken, both sides */
    _Alignas(64) atomic_uint line; /* the bounced cache line; a futex word in MODE_FUTEX */
    char err[200];
    atomic_bool failed;
};

/* Waits return at once (EAGAIN) when the word has already moved on, and spuriously (EINTR):
 * callers re-check the word, so neither is an error worth stopping for. */
static long c2c_futex(atomic_uint *w, int op, unsigned val)
{
    return syscall(SYS_futex, (unsigned *)w, op, val, NULL, NULL, 0);
}

static void *c2c_partner(void *arg)
{
    struct c2c_state *s = arg;
    for (;;) {
        int ph;
        while ((ph = atomic_load_explicit(&s->phase, memory_order_acquire)) == PHASE_IDLE ||
               ph == PHASE_READY)
            sched_yield();
        if (ph == PHASE_QUIT)
            break;
        int cpu = atomic_load(&s->target);
        if (pb_pin_self(cpu) < 0 && !atomic_load(&s->failed)) {
            snprintf(s->err, sizeof s->err, "partner: %s", pb_err());
            atomic_store(&s->failed, true);
        }
        atomic_store_explicit(&s->phase, PHASE_READY, memory_order_release);
        /* answer odd values with the next even one, until the round trips are done */
        for (unsigned want = 1; want < 2u * (unsigned)s->rounds; want += 2) {
            unsigned seen;
            while ((seen = atomic_load_explicit(&s->line, memory_order_acquire)) != want) {
                if (atomic_load_explicit(&s->failed, memory_order_relaxed))
                    break;
                if (s->mode == MODE_FUTEX && c2c_futex(&s->line, FUTEX_WAIT_PRIVATE, seen) == 0)
                    atomic_fetch_add_explicit(&s->sleeps, 1, memory_order_relaxed);
            }
            atomic_store_explicit(&s->line, want + 1, memory_order_release);
            if (s->mode == MODE_FUTEX)
                c2c_futex(&s->line, FUTEX_WAKE_PRIVATE, 1);
        }
        /* the measuring thread sets IDLE (or QUIT) when it has seen the last answer */
        while (atomic_load_explicit(&s->phase, memory_order_acquire) == PHASE_READY)
            __builtin_ia32_pause();
    }
    return NULL;
}

/* Measures one pair: pins the measuring thread to a and the partner to b, then bounces the
 * token s->rounds times, recording each round trip in cell (a, b) when `record` is set. */
static int c2c_pair(struct pb_run *r, struct c2c_state *s, int a, int b, bool record)
{
    if (pb_pin_self(a) < 0)
        return pb_run_fail(r, "%s", pb_err());
    atomic_store(&s->line, 0);
    atomic_store(&s->target, b);
    atomic_store_explicit(&s->phase, PHASE_PIN, memory_order_release);
    while (atomic_load_explicit(&s->phase, memory_order_acquire) != PHASE_READY)
        __builtin_ia32_pause();
    if (atomic_load(&s->failed)) {
        atomic_store(&s->phase, PHASE_IDLE);
        return pb_run_fail(r, "%s", s->err);
    }
    for (unsigned v = 1; v < 2u * (unsigned)s->rounds; v += 2) {
        pb_stamp_t t0 = pb_stamp();
        atomic_store_explicit(&s->line, v, memory_order_release);
        if (s->mode == MODE_FUTEX) {
            c2c_futex(&s->line, FUTEX_WAKE_PRIVATE, 1);
            while (atomic_load_explicit(&s->line, memory_order_acquire) == v)
                if (c2c_futex(&s->line, FUTEX_WAIT_PRIVATE, v) == 0)
                    atomic_fetch_add_explicit(&s->sleeps, 1, memory_order_relaxed);
        } else {
            while (atomic_load_explicit(&s->line, memory_order_acquire) != v + 1)
                __builtin_ia32_pause();
        }
        pb_stamp_t t1 = pb_stamp();
        if (record)
            pb_run_matrix_add(r, a, b, t0, t1);
        /* Without a gap the partner's next FUTEX_WAIT races the next wake and mostly returns at
         * once: that measures two syscalls, not a wakeup. The gap lets it fall asleep. */
        if (s->mode == MODE_FUTEX)
            while (pb_stamp_ns(t1, pb_stamp()) < FUTEX_SETTLE_NS)
                __builtin_ia32_pause();
    }
    atomic_store_explicit(&s->phase, PHASE_IDLE, memory_order_release);
    if (!pb_pin_on(a))
        return pb_run_fail(r, "measuring thread pinned to CPU %d ran on CPU %d", a, sched_getcpu());
    return 0;
}

static int c2c_setup(struct pb_run *r)
{
    struct c2c_state *s = pb_run_state(r);
    s->mode = *(const enum c2c_mode *)pb_run_param(r);
    s->rounds = s->mode == MODE_FUTEX ? FUTEX_ROUNDS : ROUNDS;
    atomic_init(&s->phase, PHASE_IDLE);
    atomic_init(&s->target, -1);
    atomic_init(&s->line, 0);
    atomic_init(&s->failed, false);
    s->pairs = pb_run_sample_pairs(r, FULL_UP_TO, SAMPLE, &s->n_pairs);
    if (!s->n_pairs)
        return pb_run_fail(r, "no CPU pair to measure");
    /* the partner moves itself to each pair's CPU (verified there) */
    if (pb_run_spawn(r, &s->partner, PB_RUN_CPUS, c2c_partner, s, "the partner") < 0)
        return -1;
    /* The run time is stated before the run: one pair, unrecorded, extrapolated to the sweep.
     * Its first pass pays the partner's start and first migration, so the second is timed. */
    int n = pb_run_ncpus(r);
    if (c2c_pair(r, s, s->pairs[0].a, s->pairs[0].b, false) < 0)
        return -1;
    pb_stamp_t t0 = pb_stamp();
    if (c2c_pair(r, s, s->pairs[0].a, s->pairs[0].b, false) < 0)
        return -1;
    double sweep_s = pb_stamp_ns(t0, pb_stamp()) * 1e-9 * (double)s->n_pairs;
    size_t all = (size_t)n * (size_t)(n - 1) / 2;
    if (n <= FULL_UP_TO)
        pb_run_announce(r, sweep_s, "%zu pair%s (every pair of %d CPUs), %d round trips each",
                        s->n_pairs, s->n_pairs == 1 ? "" : "s", n, s->rounds);
    else
        pb_run_announce(r, sweep_s,
                        "%zu of %zu pairs of %d CPUs (one per relation plus %d drawn with a "
                        "fixed seed), %d round trips each",
                        s->n_pairs, all, n, SAMPLE, s->rounds);
    return 0;
}

static int c2c_op(struct pb_run *r)
{
    struct c2c_state *s = pb_run_state(r);
    unsigned long sleeps0 = atomic_load(&s->sleeps);
    for (size_t k = 0; k < s->n_pairs; k++)
        if (c2c_pair(r, s, s->pairs[k].a, s->pairs[k].b, true) < 0)
            return -1;
    pb_run_tally(r, TALLY_PAIRS, (double)s->n_pairs);
    /* a futex round trip that never slept measured a spin through two syscalls, not a wakeup */
    pb_run_tally(r, TALLY_SLEEPS,
                 (double)(atomic_load(&s->sleeps) - sleeps0) / ((double)s->n_pairs * s->rounds));
    return 0;
}

static void c2c_teardown(struct pb_run *r)
{
    struct c2c_state *s = pb_run_state(r);
    if (s->partner.running) {
        atomic_store(&s->phase, PHASE_QUIT);
        pb_run_join(r, &s->partner);
    }
    free(s->pairs);
}

static const struct pb_variant c2c_variants[] = {
    {"matrix", "cache-line round trip for every pair of the run's CPUs (sampled above 64)",
     .place.needs = PB_NEED_OTHER_CPU, .place.at = PB_HOME_PINNED,
     .state_bytes = sizeof(struct c2c_state), .setup = c2c_setup, .op = c2c_op,
     .teardown = c2c_teardown, .param = PB_PARAM(enum c2c_mode, MODE_SPIN)},
    {"futex_matrix", "futex wake-and-wait round trip for every pair of the run's CPUs",
     .place.needs = PB_NEED_OTHER_CPU, .place.at = PB_HOME_PINNED,
     .state_bytes = sizeof(struct c2c_state), .setup = c2c_setup, .op = c2c_op,
     .teardown = c2c_teardown, .param = PB_PARAM(enum c2c_mode, MODE_FUTEX),
     .full_profile_only = true},
};

static const char *const c2c_tallies[] = {
    [TALLY_PAIRS] = "pairs_per_op", [TALLY_SLEEPS] = "futex_sleeps_per_round_trip"};

const struct pb_family pb_family_c2c = {
    .name = "c2c",
    .question = "what does a cache line or a futex wakeup cost between each pair of CPUs?",
    .summary = "core-to-core matrix: cache-line and futex round trips for every CPU pair",
    PB_TABLE(variants, c2c_variants),
    PB_TABLE(tallies, c2c_tallies),
    .op_meaning = "one sweep over the planned CPU pairs, 100 round trips each (futex: 20)",
};
