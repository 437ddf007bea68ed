/* serialize: "pinning is not a lock". T producer threads increment one shared counter, and the
 * ways to serialise them are compared: an atomic fetch_add, a mutex, a spinlock, a single owner
 * thread pinned to one CPU and fed through a queue (the single-owner pattern: a channel send to a
 * pinned goroutine), and a per-call pin+restore around an atomic increment (a vestigial
 * LockOSThread around trivial work). Producers run unpinned or pinned round-robin over the run's
 * CPUs.
 *
 * One operation is one increment; the harness times batches of T x K increments (all producers,
 * K each, released together), so time per op is the cost of one increment under contention and
 * 1/time is the throughput. After every batch the counter must equal everything assigned.
 *
 * Releasing and gathering 8 threads costs tens of microseconds on a small box, and it lands in
 * every batch. So K is large where an increment is cheap (50000: a batch of the atomic takes about
 * 4 ms), and setup measures the fixed cost itself -- the same round with no increments --
 * published per increment as batch_overhead_ns_per_op; the report warns where it exceeds 5 % of
 * the time per op.
 *
 * The spinlock spins with pause and yields after 100 failed attempts: with more producers than
 * CPUs a pure spinlock burns whole time slices behind a preempted holder, which measures the
 * scheduler's time slice rather than the lock. */
#include "experiment.h"
#include "core/gang.h"
#include "core/pin.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ser_kind { SER_ATOMIC, SER_MUTEX, SER_SPIN, SER_OWNER, SER_PIN_CALL };
enum { TALLY_INCREMENTS, TALLY_BATCH_OVERHEAD };

struct ser_param {
    enum ser_kind kind;
    bool pinned_producers;
};

#define PRODUCERS 8           /* as in the figures quoted for the single-owner pattern */
#define PER_PRODUCER 50000    /* increments a producer makes per batch */
#define PER_PRODUCER_PIN 1000 /* the same, where each increment is two system calls */
#define BATCH (PRODUCERS * PER_PRODUCER)
#define BATCH_PIN (PRODUCERS * PER_PRODUCER_PIN)
#define EMPTY_ROUNDS 64 /* rounds timed with no increments, for the fixed cost */
#define QUEUE_CAP 1024

struct ser_state;

struct producer {
    struct ser_state *s;
    unsigned idx;
    int cpu; /* pinned, or -1 */
    struct pb_thread thread;
    unsigned long gen_seen;
    char err[200];
};

struct ser_state {
    const struct ser_param *p;
    /* the counter, in its own cache line, and the ways to reach it */
    _Alignas(64) atomic_ulong counter;
    _Alignas(64) pthread_mutex_t mu;
    unsigned long plain; /* under mu, or owned by the owner thread */
    _Alignas(64) atomic_flag spin;
    /* the owner's queue: increments sent, not yet applied */
    _Alignas(64) pthread_mutex_t qmu;
    pthread_cond_t q_nonempty, q_nonfull, q_drained;
    unsigned qlen;
    unsigned long applied;
    bool owner_quit;
    int owner_cpu;
    struct pb_thread owner;
    char owner_err[200];
    /* rounds */
    struct pb_gang gang;
    unsigned per_round; /* increments per producer this round: 0 for an empty round */
    unsigned long batches;
    unsigned long assigned; /* increments handed out over the call */
    double empty_round_ns;  /* the fixed cost of one round, measured in setup */
    unsigned started;
    int pin_target; /* pin_call: where each call pins */
    struct producer prod[PRODUCERS];
};

static void spin_lock(atomic_flag *f)
{
    for (unsigned tries = 0; atomic_flag_test_and_set_explicit(f, memory_order_acquire);) {
        __builtin_ia32_pause();
        if (++tries % 100 == 0)
            sched_yield();
    }
}

static void *owner_main(void *arg)
{
    struct ser_state *s = arg;
    if (!pb_pin_on(s->owner_cpu))
        snprintf(s->owner_err, sizeof s->owner_err, "owner pinned to CPU %d ran on CPU %d",
                 s->owner_cpu, sched_getcpu());
    pthread_mutex_lock(&s->qmu);
    for (;;) {
        while (s->qlen == 0 && !s->owner_quit)
            pthread_cond_wait(&s->q_nonempty, &s->qmu);
        if (s->qlen == 0 && s->owner_quit)
            break;
        /* take everything queued: the owner applies increments it alone may touch */
        unsigned n = s->qlen;
        s->qlen = 0;
        pthread_cond_broadcast(&s->q_nonfull);
        pthread_mutex_unlock(&s->qmu);
        s->plain += n;
        pthread_mutex_lock(&s->qmu);
        s->applied += n;
        pthread_cond_broadcast(&s->q_drained);
    }
    pthread_mutex_unlock(&s->qmu);
    return NULL;
}

static void owner_send(struct ser_state *s)
{
    pthread_mutex_lock(&s->qmu);
    while (s->qlen == QUEUE_CAP)
        pthread_cond_wait(&s->q_nonfull, &s->qmu);
    if (s->qlen++ == 0)
        pthread_cond_signal(&s->q_nonempty);
    pthread_mutex_unlock(&s->qmu);
}

static void increment(struct producer *pr)
{
    struct ser_state *s = pr->s;
    switch (s->p->kind) {
    case SER_ATOMIC:
        atomic_fetch_add_explicit(&s->counter, 1, memory_order_relaxed);
        break;
    case SER_MUTEX:
        pthread_mutex_lock(&s->mu);
        s->plain++;
        pthread_mutex_unlock(&s->mu);
        break;
    case SER_SPIN:
        spin_lock(&s->spin);
        s->plain++;
        atomic_flag_clear_explicit(&s->spin, memory_order_release);
        break;
    case SER_OWNER:
        owner_send(s);
        break;
    case SER_PIN_CALL: {
        cpu_set_t saved;
        if (pb_affinity_get(&saved) < 0 || pb_pin_self_unchecked(s->pin_target) < 0) {
            snprintf(pr->err, sizeof pr->err, "%s", pb_err());
            return;
        }
        if (!pb_pin_on(s->pin_target)) { /* the pin took effect before the increment */
            snprintf(pr->err, sizeof pr->err, "pinned to CPU %d, running on CPU %d", s->pin_target,
                     sched_getcpu());
            return;
        }
        atomic_fetch_add_explicit(&s->counter, 1, memory_order_relaxed);
        if (sched_setaffinity(0, sizeof saved, &saved) != 0)
            snprintf(pr->err, sizeof pr->err, "restoring the producer's mask failed");
        break;
    }
    }
}

static void *producer_main(void *arg)
{
    struct producer *pr = arg;
    struct ser_state *s = pr->s;
    while (pb_gang_next(&s->gang, &pr->gen_seen)) {
        unsigned n = s->per_round; /* written before the round, visible through the gang */
        for (unsigned k = 0; k < n && !pr->err[0]; k++)
            increment(pr);
        if (pr->cpu >= 0 && !pb_pin_on(pr->cpu) && !pr->err[0])
            snprintf(pr->err, sizeof pr->err, "producer pinned to CPU %d ran on CPU %d", pr->cpu,
                     sched_getcpu());
        pb_gang_done(&s->gang);
    }
    return NULL;
}

static int ser_setup(struct pb_run *r)
{
    struct ser_state *s = pb_run_state(r);
    s->p = pb_run_param(r);
    atomic_init(&s->counter, 0);
    atomic_flag_clear(&s->spin);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->qmu, NULL);
    pthread_cond_init(&s->q_nonempty, NULL);
    pthread_cond_init(&s->q_nonfull, NULL);
    pthread_cond_init(&s->q_drained, NULL);
    pb_gang_init(&s->gang, PRODUCERS);
    int ncpu = pb_run_ncpus(r);
    s->pin_target = pb_run_home_cpu(r);
    unsigned extra = 0;
    if (s->p->kind == SER_OWNER) {
        s->owner_cpu = pb_run_home_cpu(r);
        if (pb_run_spawn(r, &s->owner, s->owner_cpu, owner_main, s, "the owner thread") < 0)
            return -1;
        extra++;
    }
    for (unsigned i = 0; i < PRODUCERS; i++) {
        struct producer *pr = &s->prod[i];
        pr->s = s;
        pr->idx = i;
        pr->cpu = s->p->pinned_producers ? pb_run_cpu(r, (int)i % ncpu) : -1;
        if (pb_run_spawn(r, &pr->thread, pr->cpu >= 0 ? pr->cpu : PB_RUN_CPUS, producer_main, pr,
                         "producer %u of %u", i, PRODUCERS) < 0)
            return -1;
        s->started++;
        extra++;
    }
    if (pb_run_expect_threads(r, extra) < 0)
        return -1;
    /* the fixed cost: release and gather the same producers with nothing to do */
    s->per_round = 0;
    pb_gang_round(&s->gang); /* the first round also wakes them all once */
    pb_stamp_t t0 = pb_stamp();
    for (unsigned i = 0; i < EMPTY_ROUNDS; i++)
        pb_gang_round(&s->gang);
    s->empty_round_ns = pb_stamp_ns(t0, pb_stamp()) / EMPTY_ROUNDS;
    s->per_round = s->p->kind == SER_PIN_CALL ? PER_PRODUCER_PIN : PER_PRODUCER;
    return 0;
}

static unsigned long ser_value(struct ser_state *s)
{
    switch (s->p->kind) {
    case SER_ATOMIC:
    case SER_PIN_CALL:
        return atomic_load(&s->counter);
    case SER_OWNER: {
        pthread_mutex_lock(&s->qmu);
        unsigned long v = s->applied;
        pthread_mutex_unlock(&s->qmu);
        return v;
    }
    default:
        /* the producers' last increments happen before the round returns */
        return s->plain;
    }
}

static int ser_op(struct pb_run *r)
{
    struct ser_state *s = pb_run_state(r);
    pb_gang_round(&s->gang);
    s->batches++;
    unsigned batch = PRODUCERS * s->per_round;
    s->assigned += batch;
    if (s->p->kind == SER_OWNER) { /* sent is not done: wait until the owner applied them all */
        pthread_mutex_lock(&s->qmu);
        while (s->applied < s->assigned && !s->owner_err[0])
            pthread_cond_wait(&s->q_drained, &s->qmu);
        pthread_mutex_unlock(&s->qmu);
        if (s->owner_err[0])
            return pb_run_fail(r, "%s", s->owner_err);
    }
    for (unsigned i = 0; i < PRODUCERS; i++)
        if (s->prod[i].err[0])
            return pb_run_fail(r, "%s", s->prod[i].err);
    /* work done equals work assigned */
    unsigned long v = ser_value(s);
    if (v != s->assigned)
        return pb_run_fail(r, "counter is %lu after %lu batches of %u increments", v, s->batches,
                           batch);
    pb_run_tally(r, TALLY_INCREMENTS, batch);
    pb_run_tally(r, TALLY_BATCH_OVERHEAD,
                 s->empty_round_ns); /* per batch: divided by its increments */
    return 0;
}

static void ser_teardown(struct pb_run *r)
{
    struct ser_state *s = pb_run_state(r);
    pb_gang_close(&s->gang);
    for (unsigned i = 0; i < s->started; i++)
        pb_run_join(r, &s->prod[i].thread);
    if (s->owner.running) {
        pthread_mutex_lock(&s->qmu);
        s->owner_quit = true;
        pthread_cond_broadcast(&s->q_nonempty);
        pthread_mutex_unlock(&s->qmu);
        pb_run_join(r, &s->owner);
    }
    pb_gang_destroy(&s->gang);
}

#define S                                                                                          \
    .state_bytes = sizeof(struct ser_state), .setup = ser_setup, .op = ser_op,                     \
    .teardown = ser_teardown, .batch = BATCH
#define S_PIN                                                                                      \
    .state_bytes = sizeof(struct ser_state), .setup = ser_setup, .op = ser_op,                     \
    .teardown = ser_teardown, .batch = BATCH_PIN

static const struct pb_variant ser_variants[] = {
    {"atomic/unpinned", "8 producers, atomic fetch_add", S,
     .param = PB_PARAM(struct ser_param, SER_ATOMIC, false)},
    {"atomic/pinned", "the same, producers pinned round-robin", S,
     .param = PB_PARAM(struct ser_param, SER_ATOMIC, true)},
    {"mutex/unpinned", "8 producers, a pthread mutex around ++", S,
     .param = PB_PARAM(struct ser_param, SER_MUTEX, false)},
    {"mutex/pinned", "the same, producers pinned", S,
     .param = PB_PARAM(struct ser_param, SER_MUTEX, true)},
    {"spinlock/unpinned", "8 producers, a spinlock (yields after 100 spins)", S,
     .param = PB_PARAM(struct ser_param, SER_SPIN, false)},
    {"spinlock/pinned", "the same, producers pinned", S,
     .param = PB_PARAM(struct ser_param, SER_SPIN, true)},
    {"owner/unpinned_producers",
     "8 producers send each increment to one owner thread pinned to the home CPU", S,
     .param = PB_PARAM(struct ser_param, SER_OWNER, false)},
    {"owner/pinned_producers", "the same, producers pinned", S,
     .param = PB_PARAM(struct ser_param, SER_OWNER, true)},
    {"pin_per_call/atomic", "each increment wrapped in sched_setaffinity pin + restore", S_PIN,
     .param = PB_PARAM(struct ser_param, SER_PIN_CALL, false)},
};

static const struct pb_pair_decl ser_pairs[] = {
    PB_HEADLINE("atomic/unpinned", "mutex/unpinned", "real_time_ns"),
    PB_PAIR("atomic/unpinned", "spinlock/unpinned", "real_time_ns"),
    PB_HEADLINE("atomic/unpinned", "owner/unpinned_producers", "real_time_ns"),
    PB_HEADLINE("atomic/unpinned", "pin_per_call/atomic", "real_time_ns"),
    PB_HEADLINE("atomic/unpinned", "atomic/pinned", "real_time_ns"),
    PB_PAIR("mutex/unpinned", "mutex/pinned", "real_time_ns"),
    PB_PAIR("spinlock/unpinned", "spinlock/pinned", "real_time_ns"),
    PB_HEADLINE("owner/unpinned_producers", "owner/pinned_producers", "real_time_ns"),
};

static const char *const ser_tallies[] = {
    [TALLY_INCREMENTS] = "increments_per_op", [TALLY_BATCH_OVERHEAD] = "batch_overhead_ns_per_op"};

const struct pb_family pb_family_serialize = {
    .name = "serialize",
    .question = "is pinning a thread as an owner cheaper than a lock or an atomic?",
    .summary = "pinning is not a lock: atomic vs mutex vs spinlock vs a pinned owner thread",
    PB_TABLE(variants, ser_variants),
    PB_TABLE(pairs, ser_pairs),
    PB_TABLE(tallies, ser_tallies),
    .rate_tally = 1,
    .op_meaning =
        "one increment (timed in batches of 8 producers x 50000; x 1000 for pin_per_call)",
};
