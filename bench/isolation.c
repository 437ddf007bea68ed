/* isolation: how quiet a pinned CPU really is. A pinned thread is only as good as what else
 * runs on its CPU: interrupts, kernel threads, timer ticks, and the process's own other threads.
 * This family measures it the way oslat does: one thread, pinned (verified), reads the TSC in a
 * tight loop for 20 ms windows, and every gap between two consecutive readings goes into the
 * "gap" histogram. An undisturbed loop shows only its own cost (a few tens of ns); everything
 * above that is time the CPU spent elsewhere. p99, p99.9 and the maximum gap are published.
 *
 * The measured CPU is a housekeeping one (neither isolated nor nohz_full), an isolated one
 * (isolcpus=, nohz_full= or an isolated cpuset partition, where the run's CPUs include one), or
 * a housekeeping CPU with every other thread of this process confined off it — the stand-in
 * where nothing is isolated: it keeps pinbench's own threads away, not other processes or the
 * kernel's. Each runs idle and beside a noisy neighbour: one unpinned thread per run CPU, each
 * alternating ~50 us of memory traffic with a ~50 us sleep, so the CPUs are oversubscribed and
 * the scheduler must put some of them on the measured CPU unless it is kept free.
 *
 * Whether another task shared the CPU is checked, not inferred: the measuring thread's
 * involuntary context switches and its run-queue wait (schedstat) are read around each window
 * and published per window (preemptions_per_op, run_delay_ns_per_op), with the gaps over 1 us
 * and the time lost to them (interruptions_per_op, interrupted_ns_per_op). */
#include "experiment.h"
#include "core/pin.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW_NS 20e6
#define INTERRUPT_NS 1000.0 /* a gap this long is an interruption, not the loop's own cost */
#define NOISE_BYTES (256u << 10)
#define NOISE_SLEEP_NS 50000L
#define NOISE_MAX 256

enum iso_cpu { CPU_HOUSEKEEPING, CPU_CONFINED, CPU_ISOLATED };

struct iso_param {
    enum iso_cpu where;
    bool noisy;
};

enum { METRIC_GAP = 1 };
enum { TALLY_PREEMPT, TALLY_RUN_DELAY, TALLY_INTERRUPTED, TALLY_INTERRUPTIONS, TALLY_GAPS };

struct iso_state;
struct iso_slot { /* what a noisy neighbour is told: the state, and which one it is */
    struct iso_state *s;
    int index;
};

struct iso_state {
    const struct iso_param *p;
    int cpu;
    pb_stamp_t window, interrupt; /* as stamp spans */
    struct pb_confine confine;
    bool confined;
    /* the noisy neighbours */
    struct pb_thread noise[NOISE_MAX];
    struct iso_slot slot[NOISE_MAX];
    int n_noise;
    atomic_bool quit;
    atomic_int noise_on_measured; /* a neighbour seen on the measured CPU: its number + 1 */
};

/* One of the neighbours: memory traffic, then a short sleep, until told to stop. The sleeps make
 * it wake often, and every wakeup is a placement decision for the scheduler. */
static void *iso_noise(void *arg)
{
    const struct iso_slot *slot = arg;
    struct iso_state *s = slot->s;
    unsigned char *buf = malloc(NOISE_BYTES);
    if (!buf)
        return NULL;
    struct timespec nap = {0, NOISE_SLEEP_NS};
    for (unsigned round = 0; !atomic_load_explicit(&s->quit, memory_order_relaxed); round++) {
        memset(buf, (int)round, NOISE_BYTES);
        /* where it runs is the premise of an isolated variant: checked after every op */
        if (sched_getcpu() == s->cpu)
            atomic_store_explicit(&s->noise_on_measured, slot->index + 1, memory_order_relaxed);
        nanosleep(&nap, NULL);
    }
    free(buf);
    return NULL;
}

/* The measuring thread's involuntary switches (status) and run-queue wait in ns (schedstat:
 * run time, wait time, timeslices). */
static int iso_sched_read(uint64_t *preempt, unsigned long long *delay_ns)
{
    char buf[128];
    unsigned long long run_ns;
    if (pb_read_keyed_u64("/proc/thread-self/status", "nonvoluntary_ctxt_switches:", preempt) < 0 ||
        pb_read_file("/proc/thread-self/schedstat", buf, sizeof buf) < 0 ||
        sscanf(buf, "%llu %llu", &run_ns, delay_ns) != 2)
        return -1;
    return 0;
}

static int iso_start_noise(struct pb_run *r, struct iso_state *s)
{
    /* Unpinned means the run's CPUs, not the measuring thread's single CPU that a new thread
     * would inherit; confined neighbours are threads of this process too, so they stay off. */
    cpu_set_t mask;
    pb_run_cpus(r, &mask);
    if (s->p->where == CPU_CONFINED)
        CPU_CLR(s->cpu, &mask);
    int n = pb_run_ncpus(r) < NOISE_MAX ? pb_run_ncpus(r) : NOISE_MAX;
    for (int i = 0; i < n; i++) {
        s->slot[i] = (struct iso_slot){s, i};
        if (pb_run_spawn_mask(r, &s->noise[i], &mask, iso_noise, &s->slot[i],
                              "noisy neighbour %d of %d", i, n) < 0)
            return -1;
        s->n_noise++;
    }
    return 0;
}

static int iso_setup(struct pb_run *r)
{
    struct iso_state *s = pb_run_state(r);
    s->p = pb_run_param(r);
    atomic_init(&s->quit, false);
    atomic_init(&s->noise_on_measured, 0);
    s->cpu = s->p->where == CPU_ISOLATED ? pb_run_isolated_cpu(r) : pb_run_housekeeping_cpu(r);
    if (s->cpu < 0)
        return pb_run_fail(r, "no %s CPU among the run's CPUs",
                           s->p->where == CPU_ISOLATED ? "isolated" : "housekeeping");
    /* the loop compares stamp differences: convert the window and the threshold once */
    s->window = pb_stamp_span(WINDOW_NS);
    s->interrupt = pb_stamp_span(INTERRUPT_NS);
    /* The neighbours start from a housekeeping CPU. A new thread starts on its creator's CPU, and
     * an isolated CPU is outside the load balancer's domains, so threads created there stay
     * there whatever their mask: created from the isolated CPU, all the noise ran on it (seen
     * under emulation with isolcpus=). */
    int hk = pb_run_housekeeping_cpu(r);
    if (s->p->noisy) {
        if (hk < 0)
            return pb_run_fail(r, "no housekeeping CPU to start the noisy neighbours from");
        if (pb_pin_self(hk) < 0)
            return pb_run_fail(r, "%s", pb_err());
        if (iso_start_noise(r, s) < 0)
            return -1;
    }
    if (pb_pin_self(s->cpu) < 0)
        return pb_run_fail(r, "%s", pb_err());
    if (s->p->where == CPU_CONFINED) {
        int n = pb_confine_others(s->cpu, &s->confine);
        if (n < 0)
            return pb_run_fail(r, "%s", pb_err());
        s->confined = true;
    }
    static const char *const where[] = {"housekeeping", "housekeeping, process confined off it",
                                        "isolated"};
    pb_run_set_placement(r, "cpu %d (%s)", s->cpu, where[s->p->where]);
    pb_run_announce(r, WINDOW_NS * 1e-9, "TSC gaps on cpu %d (%s) in 20 ms windows, %s%s", s->cpu,
                    where[s->p->where], s->p->noisy ? "beside unpinned noisy neighbours: " : "idle",
                    s->p->noisy ? (s->p->where == CPU_CONFINED ? "one per run CPU, kept off it"
                                                               : "one per run CPU")
                                : "");
    return 0;
}

static int iso_op(struct pb_run *r)
{
    struct iso_state *s = pb_run_state(r);
    uint64_t pre0, pre1;
    unsigned long long delay0, delay1;
    if (iso_sched_read(&pre0, &delay0) < 0)
        return pb_run_fail(r, "cannot read this thread's scheduler statistics: %s", pb_err());
    uint64_t gaps = 0, interrupted = 0, interruptions = 0;
    pb_stamp_t start = pb_stamp(), prev = start, now;
    do {
        now = pb_stamp();
        pb_run_record(r, METRIC_GAP, prev, now);
        if (now - prev > s->interrupt) {
            interrupted += now - prev;
            interruptions++;
        }
        gaps++;
        prev = now;
    } while (now - start < s->window);
    if (iso_sched_read(&pre1, &delay1) < 0)
        return pb_run_fail(r, "cannot read this thread's scheduler statistics: %s", pb_err());
    pb_run_tally(r, TALLY_PREEMPT, (double)(pre1 - pre0));
    pb_run_tally(r, TALLY_RUN_DELAY, (double)(delay1 - delay0));
    pb_run_tally(r, TALLY_INTERRUPTED, pb_stamp_ns(0, interrupted));
    pb_run_tally(r, TALLY_INTERRUPTIONS, (double)interruptions);
    pb_run_tally(r, TALLY_GAPS, (double)gaps);
    return 0;
}

/* Untimed: still on the CPU, and (confined) still alone there among this process's threads. */
static int iso_verify(struct pb_run *r)
{
    struct iso_state *s = pb_run_state(r);
    if (!pb_pin_on(s->cpu))
        return pb_run_fail(r, "measuring thread pinned to CPU %d ran on CPU %d", s->cpu,
                           sched_getcpu());
    if (s->confined && pb_confine_check(s->cpu) < 0)
        return pb_run_fail(r, "confinement did not hold: %s", pb_err());
    /* on an isolated CPU the premise is that the unpinned noise runs elsewhere: the scheduler
     * does not balance onto it. Where it did, the gaps measured are not the isolation's. */
    int seen = atomic_load(&s->noise_on_measured);
    if (s->p->where == CPU_ISOLATED && seen)
        return pb_run_fail(r,
                           "noisy neighbour %d of %d ran on the isolated CPU %d: the premise "
                           "(noise kept off it by the isolation) does not hold",
                           seen - 1, s->n_noise, s->cpu);
    return 0;
}

static void iso_teardown(struct pb_run *r)
{
    struct iso_state *s = pb_run_state(r);
    atomic_store(&s->quit, true);
    for (int i = 0; i < s->n_noise; i++)
        pb_run_join(r, &s->noise[i]);
    if (s->confined)
        pb_unconfine(&s->confine);
}

#define ISO_VARIANT(nm, sum, where, noisy, need, zero)                                             \
    {                                                                                              \
        nm, sum,                                                                                   \
            .place.needs = need, .place.at = PB_HOME_SELF,                                         \
            .state_bytes = sizeof(struct iso_state), .setup = iso_setup, .op = iso_op,             \
            .verify = iso_verify, .teardown = iso_teardown,                                        \
            .param = PB_PARAM(struct iso_param, where, noisy), .zero_tally = zero,                 \
            .zero_means = "another task was runnable on the measured CPU and preempted the loop"   \
    }

/* On a CPU kept free (confined, isolated) a preemption of the measuring thread means the
 * premise failed, and the report warns; on a housekeeping CPU it is what is being measured. */
static const struct pb_variant iso_variants[] = {
    ISO_VARIANT("housekeeping_idle", "TSC gaps on a housekeeping CPU, nothing else running",
                CPU_HOUSEKEEPING, false, 0, NULL),
    ISO_VARIANT("housekeeping_noisy", "TSC gaps on a housekeeping CPU beside unpinned noise",
                CPU_HOUSEKEEPING, true, 0, NULL),
    ISO_VARIANT("confined_idle", "TSC gaps with the process's other threads kept off the CPU",
                CPU_CONFINED, false, PB_NEED_OTHER_CPU, "preemptions_per_op"),
    ISO_VARIANT("confined_noisy", "TSC gaps, noise confined off the measured CPU", CPU_CONFINED,
                true, PB_NEED_OTHER_CPU, "preemptions_per_op"),
    ISO_VARIANT("isolated_idle", "TSC gaps on an isolated CPU (isolcpus, nohz_full)", CPU_ISOLATED,
                false, PB_NEED_ISOLATED, "preemptions_per_op"),
    ISO_VARIANT("isolated_noisy", "TSC gaps on an isolated CPU beside unpinned noise", CPU_ISOLATED,
                true, PB_NEED_ISOLATED, "preemptions_per_op"),
};

static const struct pb_pair_decl iso_pairs[] = {
    PB_PAIR("housekeeping_idle", "housekeeping_noisy", "interrupted_ns_per_op"),
    PB_PAIR("housekeeping_noisy", "confined_noisy", "interrupted_ns_per_op"),
    PB_HEADLINE("housekeeping_noisy", "isolated_noisy", "interrupted_ns_per_op"),
    /* the tail the isolated_tail claim reads */
    PB_HEADLINE("housekeeping_noisy", "isolated_noisy", "gap_p999_ns"),
    PB_PAIR("housekeeping_idle", "isolated_idle", "interrupted_ns_per_op"),
};

static const char *const iso_metrics[] = {[PB_METRIC_SLOT(METRIC_GAP)] = "gap"};
static const char *const iso_tallies[] = {
    [TALLY_PREEMPT] = "preemptions_per_op",
    [TALLY_RUN_DELAY] = "run_delay_ns_per_op",
    [TALLY_INTERRUPTED] = "interrupted_ns_per_op",
    [TALLY_INTERRUPTIONS] = "interruptions_per_op",
    [TALLY_GAPS] = "gaps_per_op",
};

const struct pb_family pb_family_isolation = {
    .name = "isolation",
    .question = "how often is a pinned CPU taken away from its thread, and for how long?",
    .summary = "how quiet a pinned CPU is: TSC-gap histograms, housekeeping vs isolated",
    PB_TABLE(variants, iso_variants),
    PB_TABLE(pairs, iso_pairs),
    PB_TABLE(metrics, iso_metrics),
    PB_TABLE(tallies, iso_tallies),
    .hist_metric = "gap",
    .op_meaning = "one 20 ms window of back-to-back TSC reads",
};
