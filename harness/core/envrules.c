/* envrules: what makes results noisy on a box, as one table. Each rule reads the captured
 * environment only (so tests feed it made-up boxes), says what it saw and why that matters, and
 * how to fix it. The same rows give every run's noise warnings (summary.json, the console: the
 * rules marked `warn`) and the advice of `pinbench env --check` (all of them), so the two can
 * never disagree. */
#include "core/env.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *rule_key(const struct pb_env *e, const char *key)
{
    const char *v = pb_env_value(e, key);
    return v ? v : "";
}

static bool rule_known(const char *v)
{
    return v[0] && strncmp(v, "unavailable", 11) != 0;
}

/* The 1-minute load average above which other work competes for the CPUs measured. */
static double rule_load_limit(long ncpu)
{
    return (double)ncpu / 4.0 > 0.5 ? (double)ncpu / 4.0 : 0.5;
}

struct env_rule {
    /* whether the rule holds here; if so `what` says what was seen */
    bool (*seen)(const struct pb_env *e, char *what, size_t len);
    const char *why;
    /* the fix: fixed text, or written from the environment when fix_for is set */
    const char *fix;
    void (*fix_for)(const struct pb_env *e, char *fix, size_t len);
    bool warn; /* also a noise warning in every run, not only `env --check` advice */
};

static bool seen_governor(const struct pb_env *e, char *what, size_t len)
{
    const char *g = rule_key(e, "governor");
    snprintf(what, len, "CPU frequency governor is '%s', not 'performance'", g);
    return rule_known(g) && strcmp(g, "performance") != 0;
}

static bool seen_turbo(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "turbo/boost is on");
    return !strcmp(rule_key(e, "turbo"), "on");
}

static void fix_turbo(const struct pb_env *e, char *fix, size_t len)
{
    snprintf(fix, len, "%s",
             !strcmp(rule_key(e, "scaling_driver"), "intel_pstate")
                 ? "echo 1 | sudo tee /sys/devices/system/cpu/intel_pstate/no_turbo"
                 : "echo 0 | sudo tee /sys/devices/system/cpu/cpufreq/boost");
}

static bool seen_smt(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "SMT (hyper-threading) is active");
    return !strcmp(rule_key(e, "smt_active"), "1");
}

static bool seen_load(const struct pb_env *e, char *what, size_t len)
{
    double load = strtod(rule_key(e, "loadavg_1min"), NULL);
    long ncpu = strtol(rule_key(e, "allowed_cpu_count"), NULL, 10);
    snprintf(what, len, "1-minute load average is %.2f on %ld allowed CPUs", load, ncpu);
    return ncpu > 0 && load > rule_load_limit(ncpu);
}

/* an env key holding a CPU list that names CPUs (not blank, "(none)" or unavailable) */
static bool rule_lists_cpus(const char *v)
{
    return rule_known(v) && strcmp(v, "(none)") != 0;
}

static bool seen_no_isolation(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "no CPU is isolated");
    return !rule_lists_cpus(rule_key(e, "isolated_cpus")) &&
           !rule_lists_cpus(rule_key(e, "nohz_full_cpus"));
}

/* isolcpus for the last CPUs: a quarter of them from 8 CPUs, else the last one */
static void fix_isolation(const struct pb_env *e, char *fix, size_t len)
{
    long ncpu = strtol(rule_key(e, "allowed_cpu_count"), NULL, 10);
    if (ncpu <= 1) {
        snprintf(fix, len, "a box with one CPU has none to isolate");
        return;
    }
    long first = ncpu - (ncpu >= 8 ? ncpu / 4 : 1);
    char list[48];
    if (first == ncpu - 1)
        snprintf(list, sizeof list, "%ld", first);
    else
        snprintf(list, sizeof list, "%ld-%ld", first, ncpu - 1);
    snprintf(fix, len,
             "add to GRUB_CMDLINE_LINUX in /etc/default/grub, e.g. for the last CPUs: "
             "isolcpus=managed_irq,domain,%s nohz_full=%s rcu_nocbs=%s ; then sudo update-grub "
             "and reboot; run measured work there with --cpus (under taskset -c)",
             list, list, list);
}

/* isolated CPUs (isolcpus=, nohz_full=) exist: the run must reach them on purpose, and threads
 * left unpinned there are never balanced */
static bool seen_isolated(const struct pb_env *e, char *what, size_t len)
{
    const char *iso = rule_key(e, "isolated_cpus"), *nohz = rule_key(e, "nohz_full_cpus");
    snprintf(what, len, "isolated CPUs: %s (isolcpus), nohz_full: %s; this process may use %s",
             rule_lists_cpus(iso) ? iso : "none", rule_lists_cpus(nohz) ? nohz : "none",
             rule_key(e, "allowed_cpus"));
    return rule_lists_cpus(iso) || rule_lists_cpus(nohz);
}

static void fix_isolated(const struct pb_env *e, char *fix, size_t len)
{
    snprintf(fix, len,
             "isolcpus= takes them out of the default CPU mask: to measure on them run under "
             "taskset -c %s with --cpus=%s (the isolation family needs one, and a housekeeping "
             "CPU); for the other families leave them out with --cpus, or compare the two",
             rule_key(e, "online_cpus"), rule_key(e, "online_cpus"));
}

static bool seen_irqbalance(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "irqbalance is running");
    return !strcmp(rule_key(e, "irqbalance_running"), "yes");
}

static bool seen_paranoid(const struct pb_env *e, char *what, size_t len)
{
    const char *p = rule_key(e, "perf_event_paranoid");
    snprintf(what, len, "perf_event_paranoid is %s, above 1", p);
    return p[0] && strtol(p, NULL, 10) > 1;
}

static bool seen_no_pmu(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "no hardware PMU");
    return !strncmp(rule_key(e, "pmu_cpu_present"), "no", 2);
}

static bool seen_numa_balancing(const struct pb_env *e, char *what, size_t len)
{
    snprintf(what, len, "automatic NUMA balancing is on");
    return !strcmp(rule_key(e, "numa_balancing"), "1");
}

static bool seen_clocksource(const struct pb_env *e, char *what, size_t len)
{
    const char *cs = rule_key(e, "clocksource");
    snprintf(what, len, "the kernel clocksource is '%s', not 'tsc'", cs);
    return rule_known(cs) && strcmp(cs, "tsc") != 0;
}

static bool seen_timestamps(const struct pb_env *e, char *what, size_t len)
{
    const char *src = rule_key(e, "clock_source");
    snprintf(what, len, "timestamps use %s (%s)", src,
             rule_key(e, "clock_fallback_reason")[0] ? rule_key(e, "clock_fallback_reason")
                                                     : "asked for");
    return src[0] && strcmp(src, "tsc") != 0;
}

static bool seen_build(const struct pb_env *e, char *what, size_t len)
{
    const char *b = rule_key(e, "build_type");
    snprintf(what, len, "this is a '%s' build, not a release build", b);
    return b[0] && strcmp(b, "release") != 0;
}

static bool seen_unoptimised(const struct pb_env *e, char *what, size_t len)
{
    const char *f = rule_key(e, "build_cflags");
    snprintf(what, len, "built without optimisation (%s)", f);
    return f[0] && (strstr(f, "-O0") || !strstr(f, "-O"));
}

static const struct env_rule env_rules[] = {
    {seen_governor,
     "the clock ramps up and down with load: short and bursty variants run at other "
     "frequencies than long ones",
     "sudo cpupower frequency-set -g performance   (or: echo performance | sudo tee "
     "/sys/devices/system/cpu/cpu*/cpufreq/scaling_governor)",
     NULL, true},
    {seen_turbo,
     "the frequency depends on temperature and on how many cores are busy, so one-thread and "
     "many-thread variants run at different clocks",
     NULL, fix_turbo, true},
    {seen_smt,
     "a sibling thread shares the core's execution units and caches with a measured thread",
     "echo off | sudo tee /sys/devices/system/cpu/smt/control   (until reboot; or boot with "
     "nosmt)   -- or keep SMT and compare with `pinbench compare` on both",
     NULL, true},
    {seen_no_isolation,
     "every CPU takes the scheduler's tick, kernel threads and other tasks; the isolation "
     "family can then only confine pinbench's own threads",
     NULL, fix_isolation, false},
    {seen_isolated,
     "the scheduler never balances threads onto an isolated CPU: an unpinned thread created "
     "there stays there, and unpinned variants see a box with fewer CPUs",
     NULL, fix_isolated, false},
    {seen_irqbalance, "it moves device interrupts between CPUs while a run measures them",
     "sudo systemctl stop irqbalance ; then steer interrupts away from the measured CPUs, e.g. "
     "echo 0 | sudo tee /proc/irq/*/smp_affinity_list",
     NULL, false},
    {seen_load, "other work competes for the CPUs being measured",
     "stop other jobs (top -o %CPU shows them), or run on CPUs they do not use with --cpus", NULL,
     true},
    {seen_paranoid,
     "kernel-side events (context switches, migrations in the kernel) cannot be counted for an "
     "unprivileged user",
     "sudo sysctl -w kernel.perf_event_paranoid=1   (or run as root)", NULL, false},
    {seen_no_pmu, "cycles, instructions and cache misses cannot be counted (typical of VMs)",
     "on bare metal this is a kernel without perf support; in a VM enable the virtual PMU "
     "(QEMU/KVM: -cpu host,pmu=on; cloud: an instance type that exposes it)",
     NULL, false},
    {seen_numa_balancing,
     "the kernel migrates pages and tasks between nodes while a run measures placement",
     "sudo sysctl -w kernel.numa_balancing=0", NULL, false},
    {seen_clocksource,
     "the kernel does not trust the TSC here (a VM, or TSC problems): pinbench still times with "
     "it when CPUID calls it invariant, but cross-CPU stamps may skew",
     "on bare metal check dmesg for TSC warnings; in a VM this is the hypervisor's choice "
     "(kvm-clock), nothing to fix in the guest",
     NULL, true},
    {seen_timestamps, "every sample's timing path costs more than with the TSC",
     "run without --clock=monotonic (or PINBENCH_CLOCK), on a CPU with an invariant TSC", NULL,
     true},
    {seen_build, "sanitizer builds are several times slower: its numbers are not publishable",
     "make   (build/pinbench is the release build)", NULL, true},
    {seen_unoptimised, "its numbers are not publishable",
     "make with the default CFLAGS (-O2), or set CFLAGS with an -O level", NULL, true},
};

void pb_env_noise_warnings(struct pb_env *e)
{
    char what[512];
    for (size_t i = 0; i < PB_ARRAY_LEN(env_rules); i++)
        if (env_rules[i].warn && env_rules[i].seen(e, what, sizeof what))
            pb_env_warn(e, "%s: %s", what, env_rules[i].why);
}

size_t pb_env_advice(const struct pb_env *e, struct pb_advice *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < PB_ARRAY_LEN(env_rules) && n < cap; i++) {
        const struct env_rule *r = &env_rules[i];
        struct pb_advice *a = &out[n];
        if (!r->seen(e, a->what, sizeof a->what))
            continue;
        snprintf(a->why, sizeof a->why, "%s", r->why);
        if (r->fix_for)
            r->fix_for(e, a->fix, sizeof a->fix);
        else
            snprintf(a->fix, sizeof a->fix, "%s", r->fix);
        n++;
    }
    return n;
}
