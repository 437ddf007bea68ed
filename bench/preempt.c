/* preempt: preemption by signal, as the Go runtime preempts a running goroutine's M with
 * tgkill(SIGURG). The claim under test is 1-3 µs per preemption.
 *
 * A victim thread runs a hot loop (or, for contrast, sleeps in a futex wait: the wakeup path that
 * signaltest measures) with a SIGURG handler installed. The measuring thread sends tgkill(SIGURG)
 * and waits until the handler has run; one operation is one signal, sent to handled. Metrics:
 * the sender's tgkill syscall alone (send_syscall), send -> handler entry (to_handler, from stamps
 * on both sides), and handler return -> the victim's loop running again (resume, recorded by the
 * victim). Placements: sender and victim on one CPU (the sender then yields while it waits), the
 * home CPU and the nearest other core, a pair of each relation the box has, and unpinned. The
 * rate variants send at a fixed rate (open loop) while the victim counts loop iterations; against
 * the same pacing without signals, the iterations lost per signal are the victim's stolen work.
 * Every signal sent is handled exactly once, checked. */
#include "experiment.h"
#include "core/pin.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum victim { RUNNING, BLOCKED };
enum place { SAME_CPU, OTHER_CPU, PAIR, UNPINNED };

struct pr_param {
    enum victim victim;
    enum place place;
    double rate_hz; /* > 0: open loop at this rate */
    bool no_signal; /* the rate baseline: pacing only */
};

enum { METRIC_SYSCALL = 1, METRIC_TO_HANDLER, METRIC_RESUME };
enum { TALLY_ITERS };

/* The handler can only reach globals: one victim at a time (variants run one after another). */
static atomic_ulong pr_handled;
static atomic_ulong pr_entry, pr_exit; /* stamps of the latest handler run */

static void pr_handler(int sig)
{
    (void)sig;
    atomic_store_explicit(&pr_entry, pb_stamp(), memory_order_relaxed);
    atomic_store_explicit(&pr_exit, pb_stamp(), memory_order_relaxed);
    atomic_fetch_add_explicit(&pr_handled, 1, memory_order_release);
}

struct pr_state {
    const struct pr_param *p;
    struct pb_thread victim;
    atomic_int victim_tid;
    atomic_bool quit;
    atomic_uint park; /* futex word the blocked victim sleeps on */
    atomic_ulong iterations;
    int cpu_sender, cpu_victim;
    struct sigaction old;
    bool handler_set;
    unsigned long sent, iters_seen;
    struct pb_recorder *resume;
    char err[200];
};

static void *pr_victim(void *arg)
{
    struct pr_state *s = arg;
    atomic_store(&s->victim_tid, (int)syscall(SYS_gettid));
    unsigned long seen = atomic_load(&pr_handled);
    while (!atomic_load_explicit(&s->quit, memory_order_relaxed)) {
        if (s->p->victim == BLOCKED) {
            /* a signal interrupts the wait with EINTR; the loop then looks at the count.
             * ThreadSanitizer defers a signal that lands outside its interceptors until the
             * next one, and a raw futex wait is none: a signal arriving just before the wait
             * would then sleep with it forever. Its builds wake every millisecond to run the
             * deferred handler; release builds sleep until the signal. */
#if defined(__SANITIZE_THREAD__)
            const struct timespec tick = {0, 1000000};
            syscall(SYS_futex, (unsigned *)&s->park, FUTEX_WAIT_PRIVATE, 0, &tick, NULL, 0);
#else
            syscall(SYS_futex, (unsigned *)&s->park, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
#endif
        } else {
            for (int i = 0; i < 64; i++)
                __asm__ __volatile__("" ::: "memory");
            atomic_fetch_add_explicit(&s->iterations, 1, memory_order_relaxed);
        }
        unsigned long h = atomic_load_explicit(&pr_handled, memory_order_acquire);
        if (h != seen) {
            pb_recorder_add(s->resume, atomic_load_explicit(&pr_exit, memory_order_relaxed),
                            pb_stamp());
            seen = h;
        }
        if (s->cpu_victim >= 0 && !pb_pin_on(s->cpu_victim) && !s->err[0])
            snprintf(s->err, sizeof s->err, "victim pinned to CPU %d ran on CPU %d", s->cpu_victim,
                     sched_getcpu());
    }
    return NULL;
}

static int pr_setup(struct pb_run *r)
{
    const struct pr_param *p = pb_run_param(r);
    struct pr_state *s = pb_run_state(r);
    s->p = p;
    atomic_init(&s->victim_tid, 0);
    atomic_init(&s->quit, false);
    atomic_init(&s->park, 0);
    atomic_init(&s->iterations, 0);
    s->cpu_sender = s->cpu_victim = -1;
    if (p->place == SAME_CPU)
        s->cpu_sender = s->cpu_victim = pb_run_home_cpu(r);
    else if (p->place == OTHER_CPU)
        s->cpu_sender = pb_run_home_cpu(r), s->cpu_victim = pb_run_other_cpu(r);
    else if (p->place == PAIR && pb_run_pair(r, &s->cpu_sender, &s->cpu_victim) < 0)
        return pb_run_fail(r, "a pair variant without a planned pair");
    if (s->cpu_sender >= 0 && pb_pin_self(s->cpu_sender) < 0)
        return pb_run_fail(r, "%s", pb_err());
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pr_handler;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGURG, &sa, &s->old) != 0)
        return pb_run_fail(r, "sigaction(SIGURG): %s", strerror(errno));
    s->handler_set = true;
    s->resume = pb_run_recorder(r, METRIC_RESUME, 0);
    if (pb_run_spawn(r, &s->victim, s->cpu_victim >= 0 ? s->cpu_victim : PB_RUN_CPUS, pr_victim, s,
                     "the victim") < 0)
        return -1;
    while (atomic_load(&s->victim_tid) == 0) /* it must exist to be signalled */
        sched_yield();
    if (p->rate_hz > 0)
        pb_run_open_loop(r, p->rate_hz);
    s->iters_seen = atomic_load(&s->iterations);
    return 0;
}

static int pr_op(struct pb_run *r)
{
    struct pr_state *s = pb_run_state(r);
    if (!s->p->no_signal) {
        unsigned long before = atomic_load(&pr_handled);
        pb_stamp_t t0 = pb_stamp();
        if (syscall(SYS_tgkill, getpid(), atomic_load(&s->victim_tid), SIGURG) != 0)
            return pb_run_fail(r, "tgkill: %s", strerror(errno));
        pb_stamp_t t1 = pb_stamp();
        s->sent++;
        pb_run_record(r, METRIC_SYSCALL, t0, t1);
        /* on one CPU the victim cannot run while we spin: yield to it */
        for (unsigned long spins = 0;
             atomic_load_explicit(&pr_handled, memory_order_acquire) == before; spins++) {
            if (s->cpu_sender >= 0 && s->cpu_sender == s->cpu_victim)
                sched_yield();
            else
                __builtin_ia32_pause();
            if (spins > 100000000ul)
                return pb_run_fail(r, "signal %lu was never handled", s->sent);
        }
        pb_run_record(r, METRIC_TO_HANDLER, t0, atomic_load(&pr_entry));
    }
    unsigned long it = atomic_load(&s->iterations);
    pb_run_tally(r, TALLY_ITERS, (double)(it - s->iters_seen));
    s->iters_seen = it;
    if (s->err[0])
        return pb_run_fail(r, "%s", s->err);
    return 0;
}

static void pr_teardown(struct pb_run *r)
{
    struct pr_state *s = pb_run_state(r);
    if (s->victim.running) {
        atomic_store(&s->quit, true);
        atomic_store(&s->park, 1);
        syscall(SYS_futex, (unsigned *)&s->park, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
        pb_run_join(r, &s->victim);
    }
    if (s->handler_set) {
        /* every signal sent was handled exactly once (the count only moves in the handler) */
        unsigned long handled = atomic_exchange(&pr_handled, 0);
        if (handled != s->sent)
            pb_run_fail(r, "%lu signals sent, %lu handled", s->sent, handled);
        sigaction(SIGURG, &s->old, NULL);
    }
}

#define PR(name_, what_, ...)                                                                      \
    {                                                                                              \
        name_, what_, .place.at = PB_HOME_PINNED, .state_bytes = sizeof(struct pr_state),          \
                      .setup = pr_setup, .op = pr_op, .teardown = pr_teardown, ##__VA_ARGS__       \
    }
#define P_(v_, pl_, ...)                                                                           \
    .param = &(const struct pr_param)                                                              \
    {                                                                                              \
        .victim = v_, .place = pl_, __VA_ARGS__                                                    \
    }

static const struct pb_variant pr_variants[] = {
    PR("running/same_cpu", "tgkill to a running victim on the sender's CPU", P_(RUNNING, SAME_CPU)),
    PR("running/other_cpu", "to a running victim on the nearest other core", P_(RUNNING, OTHER_CPU),
       .place.needs = PB_NEED_OTHER_CPU),
    PR("running/smt_sibling", "to a running victim on the SMT sibling", P_(RUNNING, PAIR),
       .place.rel = PB_PLACE_SMT, .full_profile_only = true),
    PR("running/same_l3", "to a running victim on another core of the L3", P_(RUNNING, PAIR),
       .place.rel = PB_PLACE_SAME_L3, .full_profile_only = true),
    PR("running/other_l3", "to a running victim under another L3", P_(RUNNING, PAIR),
       .place.rel = PB_PLACE_OTHER_L3, .full_profile_only = true),
    PR("running/other_package", "to a running victim in another package", P_(RUNNING, PAIR),
       .place.rel = PB_PLACE_OTHER_PACKAGE, .full_profile_only = true),
    {"running/unpinned", "to a running victim, both unpinned",
     .state_bytes = sizeof(struct pr_state), .setup = pr_setup, .op = pr_op,
     .teardown = pr_teardown, P_(RUNNING, UNPINNED)},
    PR("blocked/same_cpu", "to a victim asleep in a futex wait, same CPU", P_(BLOCKED, SAME_CPU)),
    PR("blocked/other_cpu", "to a victim asleep in a futex wait, nearest other core",
       P_(BLOCKED, OTHER_CPU), .place.needs = PB_NEED_OTHER_CPU),
    PR("rate_1khz/signals", "1000 signals/s to a running victim on the other core: its loop rate",
       P_(RUNNING, OTHER_CPU, .rate_hz = 1000), .place.needs = PB_NEED_OTHER_CPU),
    PR("rate_1khz/none", "the same pacing without signals: the victim's undisturbed rate",
       P_(RUNNING, OTHER_CPU, .rate_hz = 1000, .no_signal = true),
       .place.needs = PB_NEED_OTHER_CPU),
    PR("rate_10khz/signals", "10000 signals/s to a running victim on the other core",
       P_(RUNNING, OTHER_CPU, .rate_hz = 10000), .place.needs = PB_NEED_OTHER_CPU),
    PR("rate_10khz/none", "the same pacing without signals",
       P_(RUNNING, OTHER_CPU, .rate_hz = 10000, .no_signal = true),
       .place.needs = PB_NEED_OTHER_CPU),
};

static const struct pb_pair_decl pr_pairs[] = {
    PB_HEADLINE("running/same_cpu", "running/other_cpu", "to_handler_p50_ns"),
    PB_HEADLINE("running/other_cpu", "running/unpinned", "to_handler_p50_ns"),
    PB_PAIR("running/other_cpu", "blocked/other_cpu", "to_handler_p50_ns"),
    PB_PAIR("running/same_cpu", "blocked/same_cpu", "to_handler_p50_ns"),
    PB_PAIR("rate_1khz/none", "rate_1khz/signals", "victim_iterations_per_op"),
    PB_PAIR("rate_10khz/none", "rate_10khz/signals", "victim_iterations_per_op"),
};

static const char *const pr_metrics[] = {
    [PB_METRIC_SLOT(METRIC_SYSCALL)] = "send_syscall",
    [PB_METRIC_SLOT(METRIC_TO_HANDLER)] = "to_handler",
    [PB_METRIC_SLOT(METRIC_RESUME)] = "resume",
};
static const char *const pr_tallies[] = {[TALLY_ITERS] = "victim_iterations_per_op"};

const struct pb_family pb_family_preempt = {
    .name = "preempt",
    .question = "what does preempting a thread by signal cost the sender and the thread?",
    .summary = "preemption by tgkill(SIGURG): sender cost, send->handler, resume, stolen work",
    PB_TABLE(variants, pr_variants),
    PB_TABLE(pairs, pr_pairs),
    PB_TABLE(metrics, pr_metrics),
    PB_TABLE(tallies, pr_tallies),
    .op_meaning = "one signal: tgkill to the handler having run",
};
