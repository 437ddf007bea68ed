/* counters: proves the perf counters on this box before anyone trusts them.
 *
 * Each variant does something whose kernel-side count is known, and declares what the counter
 * must read per operation; the harness checks it after every call and marks the variant invalid
 * — the run exits 1 — when the counter disagrees:
 *   forced_migration  one sched_setaffinity that moves the thread to the other CPU per op:
 *                     at least 1 cpu-migration per op;
 *   sleep_wake        one round trip with a partner thread on the same CPU, each side blocking
 *                     until woken (two sleep/wake handoffs): at least 2 context switches per op,
 *                     counted across both threads (the partner inherits the counters);
 *   pinned_hot_loop   arithmetic on a pinned thread: no migrations at all.
 * A check on a counter that cannot be counted here (no PMU, paranoid) is reported as not made,
 * with the reason, never as passed. */
#include "experiment.h"
#include "core/pin.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- forced migration ---- */

struct move_state {
    int target;
};

static int move_setup(struct pb_run *r)
{
    struct move_state *s = pb_run_state(r);
    s->target = pb_run_home_cpu(r);
    return 0;
}

static int move_op(struct pb_run *r)
{
    struct move_state *s = pb_run_state(r);
    s->target = s->target == pb_run_home_cpu(r) ? pb_run_other_cpu(r) : pb_run_home_cpu(r);
    return pb_pin_move(s->target) < 0 ? pb_run_fail(r, "%s", pb_err()) : 0;
}

static int move_verify(struct pb_run *r)
{
    struct move_state *s = pb_run_state(r);
    return pb_pin_verify(s->target) < 0 ? pb_run_fail(r, "%s", pb_err()) : 0;
}

/* ---- sleep/wake handoffs ---- */

struct pingpong {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long ping, pong; /* requests sent by the measuring thread / answered */
    bool quit;
    int cpu_seen;
    struct pb_thread partner;
};

static void *pingpong_partner(void *arg)
{
    struct pingpong *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->pong == s->ping && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->quit)
            break;
        s->pong = s->ping;
        s->cpu_seen = sched_getcpu();
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int pingpong_setup(struct pb_run *r)
{
    struct pingpong *s = pb_run_state(r);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return pb_run_spawn(r, &s->partner, pb_run_home_cpu(r), pingpong_partner, s, "the partner");
}

static int pingpong_op(struct pb_run *r)
{
    struct pingpong *s = pb_run_state(r);
    pthread_mutex_lock(&s->mu);
    unsigned long want = ++s->ping;
    pthread_cond_broadcast(&s->cv);
    while (s->pong < want)
        pthread_cond_wait(&s->cv, &s->mu);
    int cpu = s->cpu_seen;
    pthread_mutex_unlock(&s->mu);
    if (cpu != pb_run_home_cpu(r))
        return pb_run_fail(r, "partner pinned to CPU %d ran on CPU %d", pb_run_home_cpu(r), cpu);
    return 0;
}

static void pingpong_teardown(struct pb_run *r)
{
    struct pingpong *s = pb_run_state(r);
    if (s->partner.running) {
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pb_run_join(r, &s->partner);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* ---- a pinned hot loop ---- */

static int hot_op(struct pb_run *r)
{
    /* About a microsecond of dependent arithmetic the compiler cannot fold away. */
    static volatile uint64_t sink;
    uint64_t x = sink | 1;
    for (int i = 0; i < 2000; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    sink = x;
    return pb_pin_on(pb_run_home_cpu(r)) ? 0 : pb_run_fail(r, "hot loop left its CPU");
}

static const struct pb_variant counter_variants[] = {
    {"forced_migration", "one forced migration per op: migrations >= 1 per op",
     .place.needs = PB_NEED_OTHER_CPU, .place.at = PB_HOME_PINNED,
     .state_bytes = sizeof(struct move_state), .setup = move_setup, .op = move_op,
     .verify = move_verify, .expect = {{"migrations", 1, NAN}}},
    {"sleep_wake", "a round trip of two sleep/wake handoffs per op: ctx switches >= 2 per op",
     .place.at = PB_HOME_PINNED, .state_bytes = sizeof(struct pingpong), .setup = pingpong_setup,
     .op = pingpong_op, .teardown = pingpong_teardown, .expect = {{"ctx_switches", 2, NAN}}},
    {"pinned_hot_loop", "arithmetic on a pinned thread: no migrations", .place.at = PB_HOME_PINNED,
     .op = hot_op, .expect = {{"migrations", NAN, 0}}},
};

const struct pb_family pb_family_counters = {
    .name = "counters",
    .question = "do the perf counters see the migrations and switches pinning is about?",
    .summary = "validates the perf counters: forced migrations, sleep/wake handoffs, a pinned loop",
    PB_TABLE(variants, counter_variants),
    .op_meaning = "one migration / one round trip / one loop",
};
