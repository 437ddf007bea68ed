/* env: the environment capture, its one table of noise rules (warnings and env --check advice)
 * and the one table of env.json keys that compare and regress read. */
#include "../tests.h"

#include "core/env.h"
#include "core/pmu.h"
#include "core/topo.h"
#include "results/envkeys.h"
#include "util.h"

#include <stdbool.h>
#include <string.h>

/* env --check on made-up environments: a noisy one gets each fix, a quiet one none. */
static void test_env_advice(void **state)
{
    (void)state;
    struct pb_env e = {0};
    pb_env_set(&e, "governor", "powersave");
    pb_env_set(&e, "turbo", "on");
    pb_env_set(&e, "scaling_driver", "intel_pstate");
    pb_env_set(&e, "smt_active", "1");
    pb_env_set(&e, "isolated_cpus", "(none)");
    pb_env_set(&e, "nohz_full_cpus", "(none)");
    pb_env_set(&e, "allowed_cpu_count", "16");
    pb_env_set(&e, "irqbalance_running", "yes");
    pb_env_set(&e, "build_type", "release");
    struct pb_advice adv[24];
    size_t n = pb_env_advice(&e, adv, 24);
    const char *want[] = {"scaling_governor", "intel_pstate/no_turbo", "smt/control",
                          "isolcpus=managed_irq,domain,12-15", "systemctl stop irqbalance"};
    for (size_t k = 0; k < PB_ARRAY_LEN(want); k++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strstr(adv[i].fix, want[k]) != NULL;
        if (!found)
            fail_msg("no advice containing '%s'", want[k]);
    }
    pb_env_free(&e);
    struct pb_env q = {0};
    pb_env_set(&q, "governor", "performance");
    pb_env_set(&q, "turbo", "off");
    pb_env_set(&q, "smt_active", "0");
    pb_env_set(&q, "isolated_cpus", "2-3");
    pb_env_set(&q, "irqbalance_running", "no");
    pb_env_set(&q, "perf_event_paranoid", "1");
    pb_env_set(&q, "pmu_cpu_present", "yes");
    pb_env_set(&q, "clocksource", "tsc");
    pb_env_set(&q, "build_type", "release");
    pb_env_set(&q, "online_cpus", "0-3");
    pb_env_set(&q, "allowed_cpus", "0-1");
    /* a quiet box with isolated CPUs: the one item says where they are and how to reach them */
    assert_int_equal(pb_env_advice(&q, adv, 24), 1);
    assert_non_null(strstr(adv[0].what, "isolated CPUs: 2-3 (isolcpus), nohz_full: none"));
    assert_non_null(strstr(adv[0].fix, "taskset -c 0-3 with --cpus=0-3"));
    pb_env_set(&q, "isolated_cpus", "(none)");
    pb_env_set(&q, "nohz_full_cpus", "(none)");
    pb_env_set(&q, "allowed_cpu_count", "1");
    assert_int_equal(pb_env_advice(&q, adv, 24), 1); /* now: no CPU is isolated */
    assert_non_null(strstr(adv[0].what, "no CPU is isolated"));
    pb_env_free(&q);
}

/* The one table of env.json keys that compare and regress read: every key is one the capture
 * writes on every box (a key it never writes would never differ, silently), and a fingerprint
 * key is questionable too. */
static void test_envkeys_captured(void **state)
{
    (void)state;
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    struct pb_topo topo;
    assert_int_equal(pb_topo_load(&topo, "package:1 l3:1 core:2 pu:1"), 0);
    struct pb_env env = {0};
    pb_env_capture(&env, &cpus, &topo);
    struct pb_pmu pmu;
    assert_int_equal(pb_pmu_init(&pmu, "none", &pb_perf_kernel), 0);
    pb_env_add_counters(&env, &pmu);
    assert_true(pb_n_envkeys >= 20);
    for (size_t i = 0; i < pb_n_envkeys; i++) {
        if (!pb_env_value(&env, pb_envkeys[i].key))
            fail_msg("env.json never has '%s'", pb_envkeys[i].key);
        if (pb_envkeys[i].fingerprint && !pb_envkeys[i].questionable)
            fail_msg("'%s' is a fingerprint key but not questionable", pb_envkeys[i].key);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(pb_envkeys[i].key, pb_envkeys[k].key);
    }
    pb_env_free(&env);
    pb_topo_free(&topo);
}

/* The rules that warn say so in every run: a noisy box gets the warnings, each with its why. */
static void test_env_noise_warnings(void **state)
{
    (void)state;
    struct pb_env e = {0};
    pb_env_set(&e, "governor", "powersave");
    pb_env_set(&e, "smt_active", "1");
    pb_env_set(&e, "loadavg_1min", "9.00");
    pb_env_set(&e, "allowed_cpu_count", "2");
    pb_env_set(&e, "irqbalance_running", "yes"); /* advice only, never a warning */
    pb_env_noise_warnings(&e);
    static const char *const want[] = {"governor is 'powersave'", "SMT (hyper-threading) is active",
                                       "load average is 9.00 on 2 allowed CPUs"};
    for (size_t k = 0; k < PB_ARRAY_LEN(want); k++) {
        bool found = false;
        for (size_t i = 0; i < e.n_warnings && !found; i++)
            found = strstr(e.warnings[i], want[k]) && strstr(e.warnings[i], ": ");
        if (!found)
            fail_msg("no warning containing '%s'", want[k]);
    }
    assert_int_equal(e.n_warnings, 3);
    pb_env_free(&e);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_env_advice),
    cmocka_unit_test(test_env_noise_warnings),
    cmocka_unit_test(test_envkeys_captured),
};
const struct pb_test_group pb_group_env = PB_GROUP("env", tests);
