/* hotloop: affinity-bound CPU work — oversubscription, imbalance and "pinned >= GOMAXPROCS".
 *
 * T threads (1, CPUs/2, CPUs, 2 x CPUs, 4 x CPUs) each do a fixed amount of CPU work in 100 µs
 * chunks; one operation is one job: all threads start together and the job ends when the last
 * finishes (its makespan). Placements: unpinned (the scheduler balances); pinned-spread
 * (round-robin over the run's CPUs); pinned-packed (every thread on one CPU: Go's "pinned
 * goroutines >= GOMAXPROCS" starvation, at the OS level); pinned-subset (pinned round-robin over
 * half the CPUs, the other half left free). Balanced jobs give every thread 20 chunks; unbalanced
 * ones give thread 0 four times as many — the kernel can move unpinned threads off a busy CPU,
 * never pinned ones.
 *
 * Metrics: chunk latency (jitter: a chunk interrupted or preempted takes longer), and each
 * thread's finish time from the job's start (fairness: the spread between first and last).
 * Tallies: chunks done (must equal chunks assigned), voluntary and involuntary context switches
 * (getrusage per thread), and the job's assigned imbalance (max/min chunks per thread). */
#include "experiment.h"
#include "core/gang.h"
#include "core/pin.h"
#include "core/work.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

enum placement { UNPINNED, SPREAD, PACKED, SUBSET };

struct hl_param {
    double threads_per_cpu; /* 0: one thread */
    enum placement place;
    bool unbalanced;
};

#define CHUNK_NS 100000u
#define CHUNKS 20u
#define MAX_THREADS 64

enum { METRIC_CHUNK = 1, METRIC_FINISH = 2 };
enum { TALLY_DONE, TALLY_ASSIGNED, TALLY_VOL, TALLY_INVOL, TALLY_IMBALANCE };

struct hl_state;

struct hl_thread {
    struct hl_state *s;
    unsigned idx, chunks;
    int cpu; /* -1: unpinned */
    struct pb_thread thread;
    struct pb_recorder *chunk_rec, *finish_rec;
    unsigned long gen_seen, done, vol, invol;
    char err[200];
};

struct hl_state {
    unsigned n, started;
    struct pb_gang gang;
    pb_stamp_t job_start; /* written before each round */
    struct hl_thread t[MAX_THREADS];
};

static void *hl_main(void *arg)
{
    struct hl_thread *t = arg;
    struct hl_state *s = t->s;
    pb_gang_arrive(&s->gang);
    while (pb_gang_next(&s->gang, &t->gen_seen)) {
        pb_stamp_t job_start = s->job_start;
        struct rusage r0, r1;
        getrusage(RUSAGE_THREAD, &r0);
        for (unsigned c = 0; c < t->chunks; c++) {
            pb_stamp_t a = pb_stamp();
            pb_work_ns(CHUNK_NS);
            pb_recorder_add(t->chunk_rec, a, pb_stamp());
            t->done++;
            if (t->cpu >= 0 && !pb_pin_on(t->cpu) && !t->err[0])
                snprintf(t->err, sizeof t->err, "thread %u pinned to CPU %d ran on CPU %d", t->idx,
                         t->cpu, sched_getcpu());
        }
        pb_recorder_add(t->finish_rec, job_start, pb_stamp());
        getrusage(RUSAGE_THREAD, &r1);
        t->vol += (unsigned long)(r1.ru_nvcsw - r0.ru_nvcsw);
        t->invol += (unsigned long)(r1.ru_nivcsw - r0.ru_nivcsw);
        pb_gang_done(&s->gang);
    }
    return NULL;
}

static int hl_cpu_for(struct pb_run *r, const struct hl_param *p, unsigned i)
{
    int ncpu = pb_run_ncpus(r);
    switch (p->place) {
    case SPREAD:
        return pb_run_cpu(r, (int)i % ncpu);
    case PACKED:
        return pb_run_home_cpu(r);
    case SUBSET:
        return pb_run_cpu(r, (int)i % (ncpu / 2 ? ncpu / 2 : 1));
    default:
        return -1;
    }
}

static int hl_setup(struct pb_run *r)
{
    const struct hl_param *p = pb_run_param(r);
    struct hl_state *s = pb_run_state(r);
    int ncpu = pb_run_ncpus(r);
    double want = p->threads_per_cpu > 0 ? p->threads_per_cpu * ncpu : 1;
    s->n = want < 1 ? 1 : want > MAX_THREADS ? MAX_THREADS : (unsigned)(want + 0.5);
    pb_gang_init(&s->gang, s->n);
    for (unsigned i = 0; i < s->n; i++) {
        struct hl_thread *t = &s->t[i];
        t->s = s;
        t->idx = i;
        t->chunks = (p->unbalanced && i == 0) ? 4 * CHUNKS : CHUNKS;
        t->cpu = hl_cpu_for(r, p, i);
        t->chunk_rec = pb_run_recorder(r, METRIC_CHUNK, i);
        t->finish_rec = pb_run_recorder(r, METRIC_FINISH, i);
        if (pb_run_spawn(r, &t->thread, t->cpu >= 0 ? t->cpu : PB_RUN_CPUS, hl_main, t,
                         "thread %u of %u", i, s->n) < 0)
            return -1;
        s->started++;
    }
    /* Wait until every thread has run once. A pinned thread is moved to its CPU when created,
     * but the kernel counts that migration only when the thread next gets the CPU — after the
     * counters are enabled, if its CPU was slow to wake — and it would be charged to the job. */
    pb_gang_wait_arrived(&s->gang, s->n);
    return pb_run_expect_threads(r, s->n);
}

static int hl_op(struct pb_run *r)
{
    struct hl_state *s = pb_run_state(r);
    unsigned long done0 = 0, vol0 = 0, invol0 = 0;
    for (unsigned i = 0; i < s->n; i++) /* threads are parked: their counts are settled */
        done0 += s->t[i].done, vol0 += s->t[i].vol, invol0 += s->t[i].invol;
    s->job_start = pb_run_op_start(r);
    pb_gang_round(&s->gang);
    unsigned long done = 0, vol = 0, invol = 0, assigned = 0;
    unsigned lo = ~0u, hi = 0;
    for (unsigned i = 0; i < s->n; i++) {
        struct hl_thread *t = &s->t[i];
        if (t->err[0])
            return pb_run_fail(r, "%s", t->err);
        done += t->done, vol += t->vol, invol += t->invol, assigned += t->chunks;
        lo = t->chunks < lo ? t->chunks : lo;
        hi = t->chunks > hi ? t->chunks : hi;
    }
    if (done - done0 != assigned) /* work done equals work assigned */
        return pb_run_fail(r, "%lu chunks done of %lu assigned", done - done0, assigned);
    pb_run_tally(r, TALLY_DONE, (double)(done - done0));
    pb_run_tally(r, TALLY_ASSIGNED, (double)assigned);
    pb_run_tally(r, TALLY_VOL, (double)(vol - vol0));
    pb_run_tally(r, TALLY_INVOL, (double)(invol - invol0));
    pb_run_tally(r, TALLY_IMBALANCE, (double)hi / lo);
    return 0;
}

static void hl_teardown(struct pb_run *r)
{
    struct hl_state *s = pb_run_state(r);
    pb_gang_close(&s->gang);
    for (unsigned i = 0; i < s->started; i++)
        pb_run_join(r, &s->t[i].thread);
    pb_gang_destroy(&s->gang);
}

#define H(name_, what_, param_, ...)                                                               \
    {                                                                                              \
        name_, what_, .state_bytes = sizeof(struct hl_state), .setup = hl_setup, .op = hl_op,      \
                      .teardown = hl_teardown, .param = param_, ##__VA_ARGS__                      \
    }
/* Pinned placements pin the measuring thread too (to the home CPU), so every thread of the
 * job is pinned; each worker checks after every chunk that it is still on its CPU. */
#define HP(name_, what_, param_, ...)                                                              \
    {                                                                                              \
        name_, what_, .place.at = PB_HOME_PINNED, .state_bytes = sizeof(struct hl_state),          \
                      .setup = hl_setup, .op = hl_op, .teardown = hl_teardown, .param = param_,    \
                      ##__VA_ARGS__                                                                \
    }

static const struct pb_variant hl_variants[] = {
    H("t1/unpinned", "one thread", PB_PARAM(struct hl_param, 0, UNPINNED, false)),
    HP("t1/pinned", "one pinned thread", PB_PARAM(struct hl_param, 0, SPREAD, false)),
    H("half/unpinned", "CPUs/2 threads, unpinned", PB_PARAM(struct hl_param, 0.5, UNPINNED, false),
      .full_profile_only = true),
    HP("half/spread", "CPUs/2 threads pinned round-robin",
       PB_PARAM(struct hl_param, 0.5, SPREAD, false), .full_profile_only = true),
    HP("half/packed", "CPUs/2 threads pinned to one CPU",
       PB_PARAM(struct hl_param, 0.5, PACKED, false), .full_profile_only = true),
    HP("half/subset", "CPUs/2 threads pinned over half the CPUs",
       PB_PARAM(struct hl_param, 0.5, SUBSET, false), .full_profile_only = true),
    H("x1/unpinned", "CPUs threads, unpinned", PB_PARAM(struct hl_param, 1, UNPINNED, false)),
    HP("x1/spread", "CPUs threads pinned round-robin", PB_PARAM(struct hl_param, 1, SPREAD, false)),
    HP("x1/packed", "CPUs threads pinned to one CPU", PB_PARAM(struct hl_param, 1, PACKED, false)),
    HP("x1/subset", "CPUs threads pinned over half the CPUs",
       PB_PARAM(struct hl_param, 1, SUBSET, false), .full_profile_only = true),
    H("x2/unpinned", "2 x CPUs threads, unpinned", PB_PARAM(struct hl_param, 2, UNPINNED, false)),
    HP("x2/spread", "2 x CPUs threads pinned round-robin",
       PB_PARAM(struct hl_param, 2, SPREAD, false)),
    HP("x2/packed", "2 x CPUs threads pinned to one CPU",
       PB_PARAM(struct hl_param, 2, PACKED, false)),
    HP("x2/subset", "2 x CPUs threads pinned over half the CPUs",
       PB_PARAM(struct hl_param, 2, SUBSET, false), .full_profile_only = true),
    H("x4/unpinned", "4 x CPUs threads, unpinned", PB_PARAM(struct hl_param, 4, UNPINNED, false)),
    HP("x4/spread", "4 x CPUs threads pinned round-robin",
       PB_PARAM(struct hl_param, 4, SPREAD, false)),
    HP("x4/packed", "4 x CPUs threads pinned to one CPU",
       PB_PARAM(struct hl_param, 4, PACKED, false)),
    HP("x4/subset", "4 x CPUs threads pinned over half the CPUs",
       PB_PARAM(struct hl_param, 4, SUBSET, false), .full_profile_only = true),
    H("x1_unbalanced/unpinned", "CPUs threads, thread 0 has 4x the work, unpinned",
      PB_PARAM(struct hl_param, 1, UNPINNED, true)),
    HP("x1_unbalanced/spread", "the same, pinned round-robin",
       PB_PARAM(struct hl_param, 1, SPREAD, true)),
    HP("x1_unbalanced/packed", "the same, pinned to one CPU",
       PB_PARAM(struct hl_param, 1, PACKED, true)),
    H("x2_unbalanced/unpinned", "2 x CPUs threads, thread 0 has 4x the work, unpinned",
      PB_PARAM(struct hl_param, 2, UNPINNED, true)),
    HP("x2_unbalanced/spread", "the same, pinned round-robin",
       PB_PARAM(struct hl_param, 2, SPREAD, true)),
    HP("x2_unbalanced/packed", "the same, pinned to one CPU",
       PB_PARAM(struct hl_param, 2, PACKED, true)),
};

static const struct pb_pair_decl hl_pairs[] = {
    PB_HEADLINE("t1/unpinned", "t1/pinned", "real_time_ns"),
    PB_PAIR("half/unpinned", "half/spread", "real_time_ns"),
    PB_PAIR("half/unpinned", "half/packed", "real_time_ns"),
    PB_PAIR("x1/unpinned", "x1/spread", "real_time_ns"),
    PB_PAIR("x1/unpinned", "x1/packed", "real_time_ns"),
    PB_PAIR("x1/unpinned", "x1/subset", "real_time_ns"),
    PB_HEADLINE("x2/unpinned", "x2/spread", "real_time_ns"),
    PB_HEADLINE("x2/unpinned", "x2/packed", "real_time_ns"),
    PB_PAIR("x4/unpinned", "x4/spread", "real_time_ns"),
    PB_HEADLINE("x4/unpinned", "x4/packed", "real_time_ns"),
    PB_PAIR("x1/unpinned", "x1_unbalanced/unpinned", "real_time_ns"),
    PB_PAIR("x1_unbalanced/unpinned", "x1_unbalanced/spread", "real_time_ns"),
    PB_PAIR("x2_unbalanced/unpinned", "x2_unbalanced/spread", "real_time_ns"),
    PB_PAIR("x4/unpinned", "x4/spread", "chunk_p99_ns"),
};

static const char *const hl_metrics[] = {[PB_METRIC_SLOT(METRIC_CHUNK)] = "chunk",
                                         [PB_METRIC_SLOT(METRIC_FINISH)] = "finish"};
static const char *const hl_tallies[] = {
    [TALLY_DONE] = "chunks_done_per_op",
    [TALLY_ASSIGNED] = "chunks_assigned_per_op",
    [TALLY_VOL] = "voluntary_ctx_switches_per_op",
    [TALLY_INVOL] = "involuntary_ctx_switches_per_op",
    [TALLY_IMBALANCE] = "imbalance_ratio",
};

const struct pb_family pb_family_hotloop = {
    .name = "hotloop",
    .question = "does binding CPU-bound threads to CPUs make them faster or slower?",
    .summary = "affinity-bound CPU work: 1..4 x CPUs threads, spread/packed/subset/unpinned",
    PB_TABLE(variants, hl_variants),
    PB_TABLE(pairs, hl_pairs),
    PB_TABLE(metrics, hl_metrics),
    PB_TABLE(tallies, hl_tallies),
    .rate_tally = TALLY_DONE + 1,
    .grid_metric = "chunks_done_per_s",
    .op_meaning = "one job: every thread's chunks, start to last finish (makespan)",
};
