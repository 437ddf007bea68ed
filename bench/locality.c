/* locality: does a thread that stays on one CPU keep its caches warm enough to matter? The
 * claim under test is that pinning a hot loop gains 5-15 % from locality.
 *
 * One operation is one pass over a working set sized from the cache hierarchy the topology
 * reports (L1d, L2, L3, 4 x L3): a read of one word per 64-byte line, summed. The measuring
 * thread runs the passes pinned; in the migrating variants a helper thread moves it between the
 * home CPU and the other CPU (the nearest other core) every 1 ms or 10 ms with
 * sched_setaffinity, as a scheduler or a careless pin would; the unpinned variant leaves it to
 * the scheduler. The l2_pair variants move an L2-sized pass every 1 ms between two CPUs of a
 * given relation instead — SMT siblings, two cores of one L3, two L3s, two packages — where the
 * box has such a pair (skipped with the planner's reason where it has not). A pass that starts on a
 * different CPU from the previous one is recorded as "after_migration" as well as in the ordinary
 * op histogram: the difference between its median and the steady passes' is the refill cost. Cache
 * misses come from the counters where the PMU allows.
 *
 * Cache sizes are as hwloc reports them; a guest may report implausible ones (one 508 MB L3 per
 * core was seen), so an L3 above 64 MiB is taken as 64 MiB, and every working set is capped at
 * 256 MiB. The size used is in the variant's counters (ws_bytes). */
#include "experiment.h"
#include "core/pin.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum move { PINNED, MOVE_1MS, MOVE_10MS, UNPINNED };

struct loc_param {
    int level; /* 1, 2, 3, or 4 for 4 x L3 */
    enum move move;
};

enum { METRIC_AFTER = 1 };
enum { TALLY_WS, TALLY_MOVED };

#define LINE 64u
#define L3_CAP (64ull << 20)
#define WS_CAP (256ull << 20)

struct loc_state {
    uint64_t *buf;
    bool buf_kept; /* one of loc_kept's: not freed at teardown */
    size_t lines;
    int last_cpu;
    /* the helper that moves the measuring thread */
    struct pb_thread helper;
    atomic_bool quit;
    pid_t target_tid;
    int cpus[2];
    long period_ns;
    atomic_bool failed; /* set after err is written */
    char err[200];
};

static uint64_t loc_ws_bytes(struct pb_run *r, int level)
{
    uint64_t l1 = pb_run_cache_bytes(r, 1), l2 = pb_run_cache_bytes(r, 2),
             l3 = pb_run_cache_bytes(r, 3);
    if (!l1)
        l1 = 32 << 10; /* no cache information at all: typical sizes */
    if (!l2)
        l2 = 1 << 20;
    if (!l3 || l3 > L3_CAP)
        l3 = l3 ? L3_CAP : 16 << 20;
    /* fit inside the level (half of it: the rest of the program shares the cache) */
    uint64_t ws = level == 1 ? l1 / 2 : level == 2 ? l2 / 2 : level == 3 ? l3 / 2 : 4 * l3;
    return ws > WS_CAP ? WS_CAP : ws < 4096 ? 4096 : ws;
}

/* Working sets kept from one call to the next, one per size, shared by the variants of that
 * size up to the L3 level. Mapping and first touching 16 MiB took 57 ms on a 2-vCPU KVM guest
 * (14 us a page fault: the host backs every page anew once the guest has freed it), against
 * 1 ms to write it again: an l3 block of 10 ms timed cost 110 ms of wall time, a quarter of a
 * default run's pair time. Shared, as the harness's scratch is: both sides of a pair read the
 * same physical pages, so no variant gains or loses from where its pages fall in a physically
 * indexed cache (a set kept per variant would fix that luck for the whole run). 4 x L3 is the
 * full profile's and up to 256 MiB: it is allocated and freed per call, as before. */
#define LOC_KEEP 8
static struct loc_kept {
    uint64_t *buf;
    size_t bytes;
} loc_kept[LOC_KEEP];

static uint64_t *loc_buffer(const struct loc_param *p, size_t bytes, bool *kept)
{
    *kept = false;
    if (p->level > 3)
        return aligned_alloc(4096, bytes);
    struct loc_kept *free_slot = NULL;
    for (size_t i = 0; i < LOC_KEEP; i++) {
        if (loc_kept[i].buf && loc_kept[i].bytes == bytes) {
            *kept = true;
            return loc_kept[i].buf;
        }
        if (!loc_kept[i].buf && !free_slot)
            free_slot = &loc_kept[i];
    }
    uint64_t *b = aligned_alloc(4096, bytes);
    if (b && free_slot) {
        *free_slot = (struct loc_kept){b, bytes};
        *kept = true;
    }
    return b;
}

static void *loc_helper(void *arg)
{
    struct loc_state *s = arg;
    int k = 0;
    while (!atomic_load(&s->quit)) {
        struct timespec ts = {s->period_ns / 1000000000, s->period_ns % 1000000000};
        nanosleep(&ts, NULL);
        if (atomic_load(&s->quit))
            break;
        k ^= 1;
        cpu_set_t m;
        CPU_ZERO(&m);
        CPU_SET(s->cpus[k], &m);
        if (sched_setaffinity(s->target_tid, sizeof m, &m) != 0 && !atomic_load(&s->failed)) {
            snprintf(s->err, sizeof s->err, "moving the measured thread to CPU %d failed",
                     s->cpus[k]);
            atomic_store(&s->failed, true);
        }
    }
    return NULL;
}

static int loc_setup(struct pb_run *r)
{
    const struct loc_param *p = pb_run_param(r);
    struct loc_state *s = pb_run_state(r);
    uint64_t ws = loc_ws_bytes(r, p->level);
    s->lines = ws / LINE;
    s->buf = loc_buffer(p, s->lines * LINE, &s->buf_kept);
    if (!s->buf)
        return pb_run_fail(r, "cannot allocate a %llu-byte working set", (unsigned long long)ws);
    for (size_t i = 0; i < s->lines * (LINE / sizeof *s->buf); i++)
        s->buf[i] = i; /* written each call: no page faults in the timed passes, and the
                        * same cache state at the first pass whether the set is new or kept */
    s->last_cpu = sched_getcpu();
    atomic_init(&s->quit, false);
    atomic_init(&s->failed, false);
    if (p->move == MOVE_1MS || p->move == MOVE_10MS) {
        s->target_tid = (pid_t)syscall(SYS_gettid);
        s->cpus[0] = pb_run_home_cpu(r);
        s->cpus[1] = pb_run_other_cpu(r);
        if (pb_run_pair(r, &s->cpus[0], &s->cpus[1]) == 0 && pb_pin_self(s->cpus[0]) < 0)
            return pb_run_fail(r, "%s", pb_err());
        s->last_cpu = s->cpus[0];
        s->period_ns = p->move == MOVE_1MS ? 1000000 : 10000000;
        /* on its creator's CPUs, as it always ran: the mover's own placement is not measured */
        if (pb_run_spawn_mask(r, &s->helper, NULL, loc_helper, s, "the mover thread") < 0)
            return -1;
    }
    return 0;
}

static int loc_op(struct pb_run *r)
{
    struct loc_state *s = pb_run_state(r);
    int cpu = sched_getcpu();
    uint64_t sum = 0;
    const uint64_t *b = s->buf;
    for (size_t i = 0; i < s->lines; i++)
        sum += b[i * (LINE / sizeof *b)];
    __asm__ __volatile__("" : : "r"(sum));
    if (cpu != s->last_cpu)
        pb_run_record(r, METRIC_AFTER, pb_run_op_start(r), pb_stamp());
    /* added every pass, 0 when it stayed: a pinned variant's 0 moves is a measured 0 */
    pb_run_tally(r, TALLY_MOVED, cpu != s->last_cpu);
    s->last_cpu = cpu;
    pb_run_tally(r, TALLY_WS, (double)(s->lines * LINE));
    if (atomic_load(&s->failed))
        return pb_run_fail(r, "%s", s->err);
    return 0;
}

static int loc_verify_pinned(struct pb_run *r)
{
    return pb_pin_on(pb_run_home_cpu(r)) ? 0 : pb_run_fail(r, "pinned pass left its CPU");
}

static void loc_teardown(struct pb_run *r)
{
    struct loc_state *s = pb_run_state(r);
    if (s->helper.running) {
        atomic_store(&s->quit, true);
        pb_run_join(r, &s->helper);
    }
    if (!s->buf_kept)
        free(s->buf);
}

#define PINNED_V(name_, what_, param_, ...)                                                        \
    {                                                                                              \
        name_, what_, .place.at = PB_HOME_PINNED, .state_bytes = sizeof(struct loc_state),         \
                      .setup = loc_setup, .op = loc_op, .verify = loc_verify_pinned,               \
                      .teardown = loc_teardown, .param = param_,                                   \
                      .expect = {{"migrations", NAN, 0}}, ##__VA_ARGS__                            \
    }
#define MOVING_V(name_, what_, param_, ...)                                                        \
    {                                                                                              \
        name_, what_, .place.at = PB_HOME_PINNED, .place.needs = PB_NEED_OTHER_CPU,                \
                      .state_bytes = sizeof(struct loc_state), .setup = loc_setup, .op = loc_op,   \
                      .teardown = loc_teardown, .param = param_, ##__VA_ARGS__                     \
    }
#define FREE_V(name_, what_, param_, ...)                                                          \
    {                                                                                              \
        name_, what_, .state_bytes = sizeof(struct loc_state), .setup = loc_setup, .op = loc_op,   \
                      .teardown = loc_teardown, .param = param_, ##__VA_ARGS__                     \
    }

/* Memory-sized passes take milliseconds each and a 256 MiB working set per call: the full
 * profile runs them. */
static const struct pb_variant loc_variants[] = {
    PINNED_V("l1/pinned", "passes over half the L1d, pinned",
             PB_PARAM(struct loc_param, 1, PINNED)),
    MOVING_V("l1/move_1ms", "the same, moved to the other CPU every 1 ms",
             PB_PARAM(struct loc_param, 1, MOVE_1MS)),
    MOVING_V("l1/move_10ms", "the same, moved every 10 ms",
             PB_PARAM(struct loc_param, 1, MOVE_10MS)),
    FREE_V("l1/unpinned", "the same, unpinned", PB_PARAM(struct loc_param, 1, UNPINNED)),
    PINNED_V("l2/pinned", "passes over half the L2, pinned", PB_PARAM(struct loc_param, 2, PINNED)),
    MOVING_V("l2/move_1ms", "the same, moved every 1 ms", PB_PARAM(struct loc_param, 2, MOVE_1MS)),
    MOVING_V("l2/move_10ms", "the same, moved every 10 ms",
             PB_PARAM(struct loc_param, 2, MOVE_10MS)),
    FREE_V("l2/unpinned", "the same, unpinned", PB_PARAM(struct loc_param, 2, UNPINNED)),
    PINNED_V("l3/pinned", "passes over half the L3, pinned", PB_PARAM(struct loc_param, 3, PINNED)),
    MOVING_V("l3/move_1ms", "the same, moved every 1 ms", PB_PARAM(struct loc_param, 3, MOVE_1MS)),
    MOVING_V("l3/move_10ms", "the same, moved every 10 ms",
             PB_PARAM(struct loc_param, 3, MOVE_10MS)),
    FREE_V("l3/unpinned", "the same, unpinned", PB_PARAM(struct loc_param, 3, UNPINNED)),
    MOVING_V("l2_pair/smt_sibling", "half the L2, moved every 1 ms between SMT siblings",
             PB_PARAM(struct loc_param, 2, MOVE_1MS), .place.rel = PB_PLACE_SMT),
    MOVING_V("l2_pair/same_l3", "the same between two cores of one L3",
             PB_PARAM(struct loc_param, 2, MOVE_1MS), .place.rel = PB_PLACE_SAME_L3),
    MOVING_V("l2_pair/other_l3", "the same between two L3s of one package",
             PB_PARAM(struct loc_param, 2, MOVE_1MS), .place.rel = PB_PLACE_OTHER_L3),
    MOVING_V("l2_pair/other_package", "the same between two packages",
             PB_PARAM(struct loc_param, 2, MOVE_1MS), .place.rel = PB_PLACE_OTHER_PACKAGE),
    PINNED_V("4xl3/pinned", "passes over 4 x L3 (memory), pinned",
             PB_PARAM(struct loc_param, 4, PINNED), .full_profile_only = true),
    MOVING_V("4xl3/move_1ms", "the same, moved every 1 ms", PB_PARAM(struct loc_param, 4, MOVE_1MS),
             .full_profile_only = true),
    MOVING_V("4xl3/move_10ms", "the same, moved every 10 ms",
             PB_PARAM(struct loc_param, 4, MOVE_10MS), .full_profile_only = true),
    FREE_V("4xl3/unpinned", "the same, unpinned", PB_PARAM(struct loc_param, 4, UNPINNED),
           .full_profile_only = true),
};

static const struct pb_pair_decl loc_pairs[] = {
    PB_PAIR("l2/pinned", "l2_pair/smt_sibling", "real_time_ns"),
    PB_PAIR("l2/pinned", "l2_pair/same_l3", "real_time_ns"),
    PB_PAIR("l2/pinned", "l2_pair/other_l3", "real_time_ns"),
    PB_PAIR("l2/pinned", "l2_pair/other_package", "real_time_ns"),
    PB_HEADLINE("l1/pinned", "l1/move_1ms", "real_time_ns"),
    PB_PAIR("l1/pinned", "l1/move_10ms", "real_time_ns"),
    PB_PAIR("l1/pinned", "l1/unpinned", "real_time_ns"),
    PB_HEADLINE("l2/pinned", "l2/move_1ms", "real_time_ns"),
    PB_PAIR("l2/pinned", "l2/move_10ms", "real_time_ns"),
    PB_HEADLINE("l2/pinned", "l2/unpinned", "real_time_ns"),
    PB_HEADLINE("l3/pinned", "l3/move_1ms", "real_time_ns"),
    PB_PAIR("l3/pinned", "l3/move_10ms", "real_time_ns"),
    PB_PAIR("l3/pinned", "l3/unpinned", "real_time_ns"),
    PB_PAIR("4xl3/pinned", "4xl3/move_1ms", "real_time_ns"),
    PB_PAIR("4xl3/pinned", "4xl3/move_10ms", "real_time_ns"),
    PB_PAIR("4xl3/pinned", "4xl3/unpinned", "real_time_ns"),
    PB_CONTROL("l2/pinned", "real_time_ns"),
};

static const char *const loc_metrics[] = {[PB_METRIC_SLOT(METRIC_AFTER)] = "after_migration"};
static const char *const loc_tallies[] = {
    [TALLY_WS] = "ws_bytes", [TALLY_MOVED] = "moved_passes_ratio"};

const struct pb_family pb_family_locality = {
    .name = "locality",
    .question = "what does moving a thread cost its caches, by working-set size?",
    .summary = "passes over L1..4xL3 working sets: pinned vs moved every 1/10 ms vs unpinned",
    PB_TABLE(variants, loc_variants),
    PB_TABLE(pairs, loc_pairs),
    PB_TABLE(metrics, loc_metrics),
    PB_TABLE(tallies, loc_tallies),
    .grid_metric = "real_time_ns",
    .op_meaning = "one pass over the working set (one read per 64-byte line)",
};
