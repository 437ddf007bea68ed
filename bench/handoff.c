/* handoff: what it costs to hand something to a thread on another CPU — the cost of submitting
 * to a pinned owner thread (a channel send in Go is a wakeup on another core).
 *
 * Two threads pass a token back and forth; one operation is one round trip, and the receiving
 * side also records each one-way trip (send -> the receiver running again) from the sender's
 * stamp. Mechanisms: a futex (FUTEX_WAIT/WAKE on a word), an eventfd, a pipe, and spinning on a
 * cache line (no sleep at all: the floor set by the cache-coherence protocol). Placements: both
 * threads on one CPU, the home CPU and the nearest other core (every box with two CPUs has it:
 * the pairs compare on it), a CPU pair of each relation the box has (SMT siblings, two cores of one
 * L3, two L3s, two packages, two NUMA nodes; skipped with the planner's reason where none
 * exists), and unpinned. Spinning on one CPU cannot make progress without preemption and is not
 * offered. Every token sent is received exactly once, and pinned threads stay on their CPUs,
 * checked. */
#include "experiment.h"
#include "core/pin.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

enum mech { FUTEX, EVENTFD, PIPE, SPIN };
enum place { SAME_CPU, OTHER_CPU, PAIR, UNPINNED };

struct ho_param {
    enum mech mech;
    enum place place;
};

enum { METRIC_ONE_WAY = 1 };

/* One direction of the channel. */
struct chan {
    _Alignas(64) atomic_uint word; /* futex / spin: 1 = a token is waiting */
    atomic_ulong sent_at;          /* the sender's stamp for the token in flight */
    int fd[2];                     /* eventfd: fd[0]; pipe: read fd[0], write fd[1] */
};

struct ho_state {
    const struct ho_param *p;
    struct chan to_b, to_a;
    int cpu_a, cpu_b;
    struct pb_thread b;
    atomic_bool quit;
    struct pb_recorder *rec;
    unsigned long received_by_b, sent_by_a;
    char err[200];
};

static long futex(atomic_uint *w, int op, unsigned val)
{
    return syscall(SYS_futex, (unsigned *)w, op, val, NULL, NULL, 0);
}

static int chan_open(struct chan *c, enum mech m)
{
    atomic_init(&c->word, 0);
    atomic_init(&c->sent_at, 0);
    c->fd[0] = c->fd[1] = -1;
    if (m == EVENTFD)
        return (c->fd[0] = eventfd(0, EFD_CLOEXEC)) < 0 ? -1 : 0;
    if (m == PIPE)
        return pipe2(c->fd, O_CLOEXEC);
    return 0;
}

static void chan_close(struct chan *c)
{
    for (int i = 0; i < 2; i++)
        if (c->fd[i] >= 0)
            close(c->fd[i]);
}

static int chan_send(struct chan *c, enum mech m)
{
    atomic_store_explicit(&c->sent_at, pb_stamp(), memory_order_release);
    switch (m) {
    case FUTEX:
        atomic_store_explicit(&c->word, 1, memory_order_release);
        futex(&c->word, FUTEX_WAKE_PRIVATE, 1);
        return 0;
    case SPIN:
        atomic_store_explicit(&c->word, 1, memory_order_release);
        return 0;
    case EVENTFD: {
        uint64_t one = 1;
        return write(c->fd[0], &one, sizeof one) == sizeof one ? 0 : -1;
    }
    case PIPE:
        return write(c->fd[1], "x", 1) == 1 ? 0 : -1;
    }
    return -1;
}

/* Waits for a token; returns the sender's stamp, or 0 on a failed read. */
static pb_stamp_t chan_recv(struct chan *c, enum mech m)
{
    switch (m) {
    case FUTEX:
        while (atomic_load_explicit(&c->word, memory_order_acquire) == 0)
            if (futex(&c->word, FUTEX_WAIT_PRIVATE, 0) < 0 && errno != EAGAIN && errno != EINTR)
                return 0;
        atomic_store_explicit(&c->word, 0, memory_order_relaxed);
        break;
    case SPIN:
        while (atomic_load_explicit(&c->word, memory_order_acquire) == 0)
            __builtin_ia32_pause();
        atomic_store_explicit(&c->word, 0, memory_order_relaxed);
        break;
    case EVENTFD: {
        uint64_t v;
        if (read(c->fd[0], &v, sizeof v) != sizeof v)
            return 0;
        break;
    }
    case PIPE: {
        char ch;
        if (read(c->fd[0], &ch, 1) != 1)
            return 0;
        break;
    }
    }
    return atomic_load_explicit(&c->sent_at, memory_order_acquire);
}

static void *ho_partner(void *arg)
{
    struct ho_state *s = arg;
    enum mech m = s->p->mech;
    for (;;) {
        pb_stamp_t sent = chan_recv(&s->to_b, m);
        pb_stamp_t now = pb_stamp();
        if (atomic_load(&s->quit))
            break;
        if (!sent && !s->err[0])
            snprintf(s->err, sizeof s->err, "the partner's receive failed: %s", strerror(errno));
        pb_recorder_add(s->rec, sent, now);
        s->received_by_b++;
        if (s->cpu_b >= 0 && !pb_pin_on(s->cpu_b) && !s->err[0])
            snprintf(s->err, sizeof s->err, "partner pinned to CPU %d ran on CPU %d", s->cpu_b,
                     sched_getcpu());
        if (chan_send(&s->to_a, m) < 0 && !s->err[0])
            snprintf(s->err, sizeof s->err, "the partner's send failed: %s", strerror(errno));
    }
    return NULL;
}

static int ho_setup(struct pb_run *r)
{
    const struct ho_param *p = pb_run_param(r);
    struct ho_state *s = pb_run_state(r);
    s->p = p;
    atomic_init(&s->quit, false);
    if (chan_open(&s->to_b, p->mech) < 0 || chan_open(&s->to_a, p->mech) < 0)
        return pb_run_fail(r, "cannot open the channel: %s", strerror(errno));
    s->cpu_a = s->cpu_b = -1;
    if (p->place == SAME_CPU)
        s->cpu_a = s->cpu_b = pb_run_home_cpu(r);
    else if (p->place == OTHER_CPU)
        s->cpu_a = pb_run_home_cpu(r), s->cpu_b = pb_run_other_cpu(r);
    else if (p->place == PAIR && pb_run_pair(r, &s->cpu_a, &s->cpu_b) < 0)
        return pb_run_fail(r, "a pair variant without a planned pair");
    if (s->cpu_a >= 0 && pb_pin_self(s->cpu_a) < 0) /* the harness restores the mask after */
        return pb_run_fail(r, "%s", pb_err());
    s->rec = pb_run_recorder(r, METRIC_ONE_WAY, 0);
    return pb_run_spawn(r, &s->b, s->cpu_b >= 0 ? s->cpu_b : PB_RUN_CPUS, ho_partner, s,
                        "the partner");
}

static int ho_op(struct pb_run *r)
{
    struct ho_state *s = pb_run_state(r);
    enum mech m = s->p->mech;
    if (chan_send(&s->to_b, m) < 0)
        return pb_run_fail(r, "send failed: %s", strerror(errno));
    s->sent_by_a++;
    if (!chan_recv(&s->to_a, m))
        return pb_run_fail(r, "receive failed: %s", strerror(errno));
    if (s->err[0])
        return pb_run_fail(r, "%s", s->err);
    return 0;
}

static int ho_verify(struct pb_run *r)
{
    struct ho_state *s = pb_run_state(r);
    if (s->cpu_a >= 0 && !pb_pin_on(s->cpu_a))
        return pb_run_fail(r, "measuring thread pinned to CPU %d ran on CPU %d", s->cpu_a,
                           sched_getcpu());
    return 0;
}

static void ho_teardown(struct pb_run *r)
{
    struct ho_state *s = pb_run_state(r);
    if (s->b.running) {
        atomic_store(&s->quit, true);
        chan_send(&s->to_b, s->p->mech);
        pb_run_join(r, &s->b);
        /* every token sent was received, once: the partner counted each before answering */
        if (s->received_by_b != s->sent_by_a)
            pb_run_fail(r, "%lu tokens sent, %lu received", s->sent_by_a, s->received_by_b);
    }
    chan_close(&s->to_b);
    chan_close(&s->to_a);
}

#define HO(name_, what_, mech_, place_, ...)                                                       \
    {                                                                                              \
        name_, what_, .state_bytes = sizeof(struct ho_state), .setup = ho_setup, .op = ho_op,      \
                      .verify = ho_verify, .teardown = ho_teardown,                                \
                      .param = &(const struct ho_param){mech_, place_}, ##__VA_ARGS__              \
    }
#define SAME .place.at = PB_HOME_PINNED
#define REL(rel_) .place = {PB_HOME_PINNED, rel_}
/* one row per mechanism and placement */
/* one row per mechanism and placement; extra fields apply to the relation and unpinned rows */
#define PLACES(mech_, m_, ...)                                                                     \
    HO(m_ "/same_cpu", "round trip, both threads on one CPU", mech_, SAME_CPU, SAME),              \
        HO(m_ "/other_cpu", "round trip between the home CPU and the nearest other core", mech_,   \
           OTHER_CPU, SAME, .place.needs = PB_NEED_OTHER_CPU),                                     \
        HO(m_ "/smt_sibling", "round trip between SMT siblings", mech_, PAIR, REL(PB_PLACE_SMT),   \
           ##__VA_ARGS__),                                                                         \
        HO(m_ "/same_l3", "round trip between two cores of one L3", mech_, PAIR,                   \
           REL(PB_PLACE_SAME_L3), ##__VA_ARGS__),                                                  \
        HO(m_ "/other_l3", "round trip between two L3s of one package", mech_, PAIR,               \
           REL(PB_PLACE_OTHER_L3), ##__VA_ARGS__),                                                 \
        HO(m_ "/other_package", "round trip between two packages", mech_, PAIR,                    \
           REL(PB_PLACE_OTHER_PACKAGE), ##__VA_ARGS__),                                            \
        HO(m_ "/other_numa", "round trip between two NUMA nodes", mech_, PAIR,                     \
           REL(PB_PLACE_OTHER_NUMA), ##__VA_ARGS__),                                               \
        HO(m_ "/unpinned", "round trip, both threads unpinned", mech_, UNPINNED, ##__VA_ARGS__)

static const struct pb_variant ho_variants[] = {
    PLACES(FUTEX, "futex"),
    /* eventfd and pipe beyond one CPU and the nearest core: the full profile */
    PLACES(EVENTFD, "eventfd", .full_profile_only = true),
    PLACES(PIPE, "pipe", .full_profile_only = true),
    /* spinning: no same-CPU row */
    HO("spin/other_cpu", "spinning on a cache line, home CPU and nearest other core", SPIN,
       OTHER_CPU, SAME, .place.needs = PB_NEED_OTHER_CPU),
    HO("spin/smt_sibling", "spinning on a cache line, SMT siblings", SPIN, PAIR, REL(PB_PLACE_SMT)),
    HO("spin/same_l3", "spinning on a cache line, two cores of one L3", SPIN, PAIR,
       REL(PB_PLACE_SAME_L3)),
    HO("spin/other_l3", "spinning on a cache line, two L3s", SPIN, PAIR, REL(PB_PLACE_OTHER_L3)),
    HO("spin/other_package", "spinning on a cache line, two packages", SPIN, PAIR,
       REL(PB_PLACE_OTHER_PACKAGE)),
    HO("spin/other_numa", "spinning on a cache line, two NUMA nodes", SPIN, PAIR,
       REL(PB_PLACE_OTHER_NUMA)),
};

static const struct pb_pair_decl ho_pairs[] = {
    PB_HEADLINE("futex/same_cpu", "futex/other_cpu", "op_p50_ns"),
    PB_PAIR("futex/same_cpu", "futex/unpinned", "op_p50_ns"),
    PB_PAIR("futex/other_cpu", "spin/other_cpu", "op_p50_ns"),
    PB_HEADLINE("futex/other_cpu", "eventfd/other_cpu", "op_p50_ns"),
    PB_HEADLINE("futex/other_cpu", "pipe/other_cpu", "op_p50_ns"),
    PB_PAIR("futex/other_cpu", "futex/unpinned", "op_p50_ns"),
    PB_PAIR("futex/other_cpu", "futex/other_l3", "op_p50_ns"),
    PB_PAIR("futex/other_cpu", "futex/other_package", "op_p50_ns"),
    PB_PAIR("futex/smt_sibling", "futex/same_l3", "op_p50_ns"),
    PB_CONTROL("futex/other_cpu", "op_p50_ns"),
};

static const char *const ho_metrics[] = {[PB_METRIC_SLOT(METRIC_ONE_WAY)] = "one_way"};

const struct pb_family pb_family_handoff = {
    .name = "handoff",
    .question = "how long does waking a thread take, by where the two threads run?",
    .summary = "wakeup and handoff latency by placement: futex, eventfd, pipe, spinning",
    PB_TABLE(variants, ho_variants),
    PB_TABLE(pairs, ho_pairs),
    PB_TABLE(metrics, ho_metrics),
    .grid_metric = "one_way_p50_ns",
    .op_meaning = "one round trip (A -> B -> A)",
};
