/* pmu: fallback, privilege, scaling and grouping logic against a fake perf backend, the runner's
 * counters and checks, and inheritance on the real kernel where it can count. */
#include "../tests.h"

#include "core/clock.h"
#include "core/pin.h"
#include "core/pmu.h"
#include "run/runner.h"
#include "core/topo.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fake_mode { FAKE_ALL_OK, FAKE_NO_PMU, FAKE_PARANOID, FAKE_REFUSED, FAKE_NOSYS };

struct fake {
    enum fake_mode mode;
    uint64_t value, enabled, running; /* what every hardware read returns */
    uint64_t sw_value;                /* what every software read returns */
    int next_fd;
    struct {
        struct perf_event_attr attr;
        int group_fd;
        bool open;
        int enables, disables;
        unsigned long last_flag;
    } fds[64];
};

static int fake_open(void *ctx, struct perf_event_attr *a, pid_t pid, int cpu, int group_fd,
                     unsigned long flags)
{
    struct fake *f = ctx;
    (void)pid, (void)cpu, (void)flags;
    bool hw = a->type != PERF_TYPE_SOFTWARE;
    switch (f->mode) {
    case FAKE_NO_PMU:
        if (hw)
            return -ENOENT;
        break;
    case FAKE_PARANOID:
        if (!a->exclude_kernel)
            return -EACCES;
        break;
    case FAKE_REFUSED:
        return -EPERM;
    case FAKE_NOSYS:
        return -ENOSYS;
    case FAKE_ALL_OK:
        break;
    }
    int fd = 100 + f->next_fd++;
    f->fds[fd - 100].attr = *a;
    f->fds[fd - 100].group_fd = group_fd;
    f->fds[fd - 100].open = true;
    return fd;
}

static int fake_read(void *ctx, int fd, uint64_t out[3])
{
    struct fake *f = ctx;
    bool hw = f->fds[fd - 100].attr.type != PERF_TYPE_SOFTWARE;
    out[0] = hw ? f->value : f->sw_value;
    out[1] = hw ? f->enabled : 1000;
    out[2] = hw ? f->running : 1000;
    return 0;
}

static int fake_ioctl(void *ctx, int fd, unsigned long req, unsigned long arg)
{
    struct fake *f = ctx;
    if (req == PERF_EVENT_IOC_ENABLE)
        f->fds[fd - 100].enables++;
    else if (req == PERF_EVENT_IOC_DISABLE)
        f->fds[fd - 100].disables++;
    f->fds[fd - 100].last_flag = arg;
    return 0;
}

static void fake_close(void *ctx, int fd)
{
    struct fake *f = ctx;
    f->fds[fd - 100].open = false;
}

static int fake_paranoid(void *ctx)
{
    struct fake *f = ctx;
    return f->mode == FAKE_PARANOID ? 2 : f->mode == FAKE_REFUSED ? 3 : -1;
}

static struct pb_perf_backend fake_backend(struct fake *f)
{
    struct pb_perf_backend b = {fake_open, fake_read, fake_ioctl, fake_close, fake_paranoid, f};
    return b;
}

static const struct pb_pmu_event *ev(const struct pb_pmu *p, const char *key)
{
    int i = pb_pmu_find(p, key);
    if (i < 0)
        fail_msg("no event %s", key);
    return &p->ev[i];
}

static void test_pmu_no_pmu(void **state)
{
    (void)state;
    struct fake f = {.mode = FAKE_NO_PMU};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, NULL, &be), 0);
    assert_int_equal(p.n, pb_pmu_n_default_events);
    static const char *const hw[] = {"cycles",       "instructions",    "cache_refs",
                                     "cache_misses", "llc_load_misses", "branch_misses"};
    for (size_t i = 0; i < 6; i++) {
        assert_false(ev(&p, hw[i])->available);
        assert_non_null(strstr(ev(&p, hw[i])->reason, "no hardware PMU"));
    }
    static const char *const sw[] = {"task_clock_ns", "ctx_switches", "migrations", "page_faults"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(ev(&p, sw[i])->available);
        assert_int_equal(ev(&p, sw[i])->plm, PB_PLM_USER_KERNEL);
        assert_non_null(strstr(ev(&p, sw[i])->fstr, "k=1"));
    }
    assert_int_equal(pb_pmu_available(&p), 4);
}

static void test_pmu_paranoid_user_only(void **state)
{
    (void)state;
    struct fake f = {.mode = FAKE_PARANOID};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, NULL, &be), 0);
    /* user-only where it means something, recorded as such, with libpfm's user-only string */
    assert_true(ev(&p, "cycles")->available);
    assert_int_equal(ev(&p, "cycles")->plm, PB_PLM_USER);
    assert_non_null(strstr(ev(&p, "cycles")->fstr, "k=0"));
    assert_int_equal(ev(&p, "page_faults")->plm, PB_PLM_USER);
    assert_int_equal(ev(&p, "task_clock_ns")->plm, PB_PLM_USER);
    /* kernel-only events are unavailable, not zero */
    assert_false(ev(&p, "ctx_switches")->available);
    assert_false(ev(&p, "migrations")->available);
    assert_non_null(strstr(ev(&p, "ctx_switches")->reason, "kernel mode"));
    assert_non_null(strstr(ev(&p, "migrations")->reason, "perf_event_paranoid=2"));
    assert_string_equal(pb_pmu_plm_name(PB_PLM_USER), "user");
    assert_string_equal(pb_pmu_plm_name(PB_PLM_USER_KERNEL), "user+kernel");
}

static void test_pmu_refused(void **state)
{
    (void)state;
    struct fake f = {.mode = FAKE_REFUSED};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, NULL, &be), 0); /* not an error: the run goes on */
    assert_int_equal(pb_pmu_available(&p), 0);
    assert_non_null(strstr(ev(&p, "cycles")->reason, "refused"));
    assert_non_null(strstr(ev(&p, "task_clock_ns")->reason, "perf_event_paranoid=3"));
    f.mode = FAKE_NOSYS;
    assert_int_equal(pb_pmu_init(&p, "task-clock", &be), 0);
    assert_non_null(strstr(ev(&p, "task_clock_ns")->reason, "seccomp"));
    /* nothing available: a session opens nothing and reports every event as uncounted */
    struct pb_pmu_session s;
    struct pb_pmu_count c[PB_PMU_MAX];
    pb_pmu_open(&p, &s);
    pb_pmu_enable(&p, &s);
    pb_pmu_disable(&p, &s);
    pb_pmu_read_close(&p, &s, c);
    assert_false(c[0].valid);
    assert_non_null(strstr(c[0].reason, "unavailable"));
}

/* Groups: leaders open disabled, members follow them; only leaders are switched, as a group;
 * every counter is inherited by new threads; everything opened is closed. */
static void test_pmu_session_groups_and_scaling(void **state)
{
    (void)state;
    struct fake f = {
        .mode = FAKE_ALL_OK, .value = 1000, .enabled = 100, .running = 50, .sw_value = 7};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, NULL, &be), 0);
    f.next_fd = 0; /* probes are closed; count the session's opens from here */
    memset(f.fds, 0, sizeof f.fds);
    struct pb_pmu_session s;
    pb_pmu_open(&p, &s);
    int hw_leader = s.fd[pb_pmu_find(&p, "cycles")],
        sw_leader = s.fd[pb_pmu_find(&p, "task_clock_ns")];
    for (size_t i = 0; i < p.n; i++) {
        int fd = s.fd[i];
        assert_true(fd >= 100);
        bool lead = fd == hw_leader || fd == sw_leader;
        assert_int_equal(s.leader[i], lead);
        assert_int_equal(f.fds[fd - 100].attr.disabled, lead);
        assert_int_equal(f.fds[fd - 100].attr.inherit, 1);
        assert_int_equal(f.fds[fd - 100].group_fd,
                         lead ? -1 : (p.ev[i].is_hw ? hw_leader : sw_leader));
    }
    pb_pmu_enable(&p, &s);
    pb_pmu_disable(&p, &s);
    for (size_t i = 0; i < p.n; i++) {
        int fd = s.fd[i];
        assert_int_equal(f.fds[fd - 100].enables, s.leader[i] ? 1 : 0);
        assert_int_equal(f.fds[fd - 100].disables, s.leader[i] ? 1 : 0);
        if (s.leader[i])
            assert_int_equal(f.fds[fd - 100].last_flag, PERF_IOC_FLAG_GROUP);
    }
    struct pb_pmu_count c[PB_PMU_MAX];
    pb_pmu_read_close(&p, &s, c);
    for (size_t i = 0; i < p.n; i++)
        assert_false(f.fds[i].open);
    /* multiplexed: counted half the time, scaled by enabled/running */
    const struct pb_pmu_count *cyc = &c[pb_pmu_find(&p, "cycles")];
    assert_true(cyc->valid);
    assert_near(cyc->scaled, 2000, 1e-9);
    assert_int_equal(cyc->raw, 1000);
    assert_int_equal(cyc->running_ns, 50);
    assert_near(c[pb_pmu_find(&p, "ctx_switches")].scaled, 7, 0);
    /* never scheduled: not a zero, a reason */
    f.running = 0;
    pb_pmu_open(&p, &s);
    pb_pmu_read_close(&p, &s, c);
    assert_false(c[pb_pmu_find(&p, "cycles")].valid);
    assert_non_null(strstr(c[pb_pmu_find(&p, "cycles")].reason, "never scheduled"));
}

static void test_pmu_names(void **state)
{
    (void)state;
    struct fake f = {.mode = FAKE_ALL_OK};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, "none", &be), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(pb_pmu_init(&p, "perf::CONTEXT-SWITCHES,cycles", &be), 0);
    assert_string_equal(p.ev[0].key, "ctx_switches"); /* libpfm's own name, the same key */
    assert_non_null(strstr(p.ev[0].fstr, "PERF_COUNT_SW_CONTEXT_SWITCHES"));
    assert_int_equal(pb_pmu_init(&p, "perf::PERF_COUNT_HW_CACHE_L1D:READ:MISS", &be), 0);
    assert_string_equal(p.ev[0].key, "perf_perf_count_hw_cache_l1d_read_miss");
    assert_int_equal(pb_pmu_init(&p, "no-such-event", &be), -1);
    assert_non_null(strstr(pb_err(), "unknown counter 'no-such-event'"));
    assert_int_equal(pb_pmu_init(&p, "cycles,cycles", &be), -1);
    assert_non_null(strstr(pb_err(), "same as"));
    assert_int_equal(pb_pmu_init(&p, "cycles,", &be), -1);
    assert_int_equal(pb_pmu_init(&p, ",", &be), -1);
    assert_int_equal(pb_pmu_init(&p, "", &be), -1);
}

/* ---- the runner publishes per-op counters, never an uncounted zero, and checks them ---- */

static int op_nop(struct pb_run *r)
{
    (void)r;
    return 0;
}

static const struct pb_variant vars[] = {
    {"checked", "expects 7 switches per op", .op = op_nop,
     .expect = {{"ctx_switches", 5, 10}, {"migrations", NAN, 10}, {"cycles", 1, NAN}}},
    {"failing", "expects at least 100", .op = op_nop, .expect = {{"ctx_switches", 100, NAN}}},
};
static const struct pb_family fam = {
    .name = "fake", .summary = "fake", .variants = vars, .n_variants = 2};

static void test_pmu_runner_counters_and_checks(void **state)
{
    (void)state;
    assert_int_equal(pb_clock_init(PB_CLOCK_WANT_AUTO), 0);
    struct fake f = {.mode = FAKE_NO_PMU, .sw_value = 70};
    struct pb_perf_backend be = fake_backend(&f);
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, NULL, &be), 0);
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, "package:1 l3:1 core:2 pu:1"), 0);
    cpu_set_t cpus;
    pb_affinity_get(&cpus);
    const struct pb_family *fams[] = {&fam};
    struct pb_runner R;
    assert_int_equal(pb_runner_prepare(&R, fams, 1, &cpus, &t), 0);
    R.pmu = &p;
    struct pb_counters c;
    struct pb_vreg *v = pb_runner_find(&R, "fake/checked");
    assert_int_equal(pb_runner_call_fixed(v, 10, &c), 0);
    assert_near(pb_counters_get(&c, "ctx_switches_per_op"), 7, 1e-12); /* 70 over 10 ops */
    assert_near(pb_counters_get(&c, "task_clock_ns_per_op"), 7, 1e-12);
    assert_true(isnan(pb_counters_get(&c, "cycles_per_op"))); /* absent, not 0 */
    assert_true(isnan(pb_counters_get(&c, "ipc")));
    assert_near(pb_counters_get(&c, "pmu_running_ratio_min"), 1, 0);
    assert_non_null(strstr(v->expect_result[0], "ctx_switches: pass: 7.000 per op"));
    assert_non_null(strstr(v->expect_result[1], "migrations: pass: 7.000 per op, expected <= 10"));
    assert_non_null(strstr(v->expect_result[2], "cycles: not checked: unavailable"));
    int i = pb_pmu_find(&p, "ctx_switches");
    assert_int_equal(v->pmu_tot[i].calls, 1);
    assert_near(v->pmu_tot[i].scaled, 70, 0);

    v = pb_runner_find(&R, "fake/failing");
    assert_int_equal(pb_runner_call_fixed(v, 10, &c), -1);
    assert_non_null(strstr(v->invalid_reason, "counter check failed: ctx_switches_per_op = 7.000"));
    pb_runner_free(&R);
    pb_topo_free(&t);
}

/* ---- the real kernel: threads created during a session are counted ---- */

static void *sleepy(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++)
        usleep(200);
    return NULL;
}

static void test_pmu_inherit_real_kernel(void **state)
{
    (void)state;
    struct pb_pmu p;
    assert_int_equal(pb_pmu_init(&p, "context-switches", &pb_perf_kernel), 0);
    if (!p.ev[0].available) {
        print_message("context switches not countable here (%s): inheritance not tested\n",
                      p.ev[0].reason);
        skip();
    }
    struct pb_pmu_session s;
    struct pb_pmu_count c[PB_PMU_MAX];
    pb_pmu_open(&p, &s);
    pb_pmu_enable(&p, &s);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, sleepy, NULL), 0);
    pthread_join(t, NULL);
    pb_pmu_disable(&p, &s);
    pb_pmu_read_close(&p, &s, c);
    assert_true(c[0].valid);
    /* the child slept 20 times; the parent only once, in join */
    if (c[0].scaled < 20)
        fail_msg("%.0f context switches counted; the child alone made at least 20", c[0].scaled);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pmu_no_pmu),
    cmocka_unit_test(test_pmu_paranoid_user_only),
    cmocka_unit_test(test_pmu_refused),
    cmocka_unit_test(test_pmu_session_groups_and_scaling),
    cmocka_unit_test(test_pmu_names),
    cmocka_unit_test(test_pmu_runner_counters_and_checks),
    cmocka_unit_test(test_pmu_inherit_real_kernel),
};
const struct pb_test_group pb_group_pmu = PB_GROUP("pmu", tests);
