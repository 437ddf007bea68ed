/* env: environment capture and noise warnings. Reads sysfs/procfs only; changes nothing. */
#include "core/env.h"
#include "core/pmu.h"

#include "core/clock.h"
#include "core/cpuset.h"
#include "core/topo.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef PB_BUILD_TYPE
#define PB_BUILD_TYPE "unknown"
#endif
#ifndef PB_BUILD_CFLAGS
#define PB_BUILD_CFLAGS "unknown"
#endif
extern const char pb_version_commit[];

const char *pb_env_build_type(void)
{
    return PB_BUILD_TYPE;
}

/* vasprintf that exits on allocation failure, like every other allocation here. */
static char *env_vformat(const char *fmt, va_list ap)
{
    char *v = NULL;
    if (vasprintf(&v, fmt, ap) < 0) {
        fprintf(stderr, "pinbench: out of memory formatting an environment value\n");
        exit(1);
    }
    return v;
}

void pb_env_set(struct pb_env *e, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = env_vformat(fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->kv[i].key, key) == 0) {
            free(e->kv[i].value);
            e->kv[i].value = v;
            return;
        }
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 64;
        e->kv = realloc(e->kv, e->cap * sizeof *e->kv);
        PB_CHECK(e->kv != NULL);
    }
    e->kv[e->n].key = pb_xstrdup(key);
    e->kv[e->n].value = v;
    e->n++;
}

/* Whether a process with this command name runs (any /proc/<pid>/comm). */
static bool env_process_running(const char *comm)
{
    DIR *d = opendir("/proc");
    if (!d)
        return false;
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char p[300], buf[64];
        snprintf(p, sizeof p, "/proc/%s/comm", de->d_name);
        found = pb_read_file(p, buf, sizeof buf) >= 0 && strcmp(buf, comm) == 0;
    }
    closedir(d);
    return found;
}

const char *pb_env_value(const struct pb_env *e, const char *key)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->kv[i].key, key) == 0)
            return e->kv[i].value;
    return NULL;
}

void pb_env_warn(struct pb_env *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = env_vformat(fmt, ap);
    va_end(ap);
    if (e->n_warnings == e->cap_warnings) {
        e->cap_warnings = e->cap_warnings ? e->cap_warnings * 2 : 16;
        e->warnings = realloc(e->warnings, e->cap_warnings * sizeof *e->warnings);
        PB_CHECK(e->warnings != NULL);
    }
    e->warnings[e->n_warnings++] = v;
}

void pb_env_add_counters(struct pb_env *env, const struct pb_pmu *p)
{
    pb_env_set(env, "pmu_counters", "%zu of %zu available", pb_pmu_available(p), p->n);
    char missing[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct pb_pmu_event *e = &p->ev[i];
        char key[96];
        snprintf(key, sizeof key, "pmu_event_%s", e->key);
        if (e->available) {
            pb_env_set(env, key, "%s: %s", pb_pmu_plm_name(e->plm), e->fstr);
        } else {
            pb_env_set(env, key, "unavailable: %s", e->reason);
            int n =
                snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", e->key);
            if (n > 0 && (size_t)n < sizeof missing - used)
                used += (size_t)n;
        }
    }
    if (used)
        pb_env_warn(env,
                    "counters not available here, so not reported: %s (see env.json "
                    "pmu_event_* for each reason)",
                    missing);
}

void pb_env_free(struct pb_env *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->kv[i].key);
        free(e->kv[i].value);
    }
    for (size_t i = 0; i < e->n_warnings; i++)
        free(e->warnings[i]);
    free(e->kv);
    free(e->warnings);
    memset(e, 0, sizeof *e);
}

/* Sets key to the file's content, or to "unavailable: <reason>". Returns 0 if read. */
static int env_file(struct pb_env *e, const char *key, const char *path)
{
    char buf[4096];
    if (pb_read_file(path, buf, sizeof buf) < 0) {
        pb_env_set(e, key, "unavailable: %s", pb_err());
        return -1;
    }
    pb_env_set(e, key, "%s", buf);
    return 0;
}

/* The value of "key : value" in /proc/cpuinfo's first processor block. */
static void env_cpuinfo(struct pb_env *e, const char *key, const char *field)
{
    static char info[65536];
    static int loaded;
    if (!loaded)
        loaded = pb_read_file("/proc/cpuinfo", info, sizeof info) >= 0 ? 1 : -1;
    if (loaded < 0) {
        pb_env_set(e, key, "unavailable: /proc/cpuinfo unreadable");
        return;
    }
    size_t flen = strlen(field);
    for (char *line = info; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (len == 0)
            break; /* end of the first processor block */
        if (strncmp(line, field, flen) == 0 &&
            (line[flen] == ' ' || line[flen] == '\t' || line[flen] == ':')) {
            char *colon = memchr(line, ':', len);
            if (colon) {
                char *v = colon + 1;
                while (*v == ' ')
                    v++;
                pb_env_set(e, key, "%.*s", (int)(len - (size_t)(v - line)), v);
                return;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    pb_env_set(e, key, "unavailable: no '%s' in /proc/cpuinfo", field);
}

/* A kernel command-line parameter's value, "(absent)" if not given. */
static void env_cmdline_param(struct pb_env *e, const char *cmdline, const char *key,
                              const char *param)
{
    size_t plen = strlen(param);
    for (const char *p = cmdline; (p = strstr(p, param)) != NULL; p += plen) {
        if ((p == cmdline || p[-1] == ' ') && (p[plen] == '=' || p[plen] == ' ' || !p[plen])) {
            const char *v = p[plen] == '=' ? p + plen + 1 : "";
            size_t n = strcspn(v, " ");
            pb_env_set(e, key, "%.*s", (int)n, *v ? v : "(set)");
            return;
        }
    }
    pb_env_set(e, key, "(absent)");
}

static void env_cgroup(struct pb_env *e)
{
    char cg[4096];
    if (pb_read_file("/proc/self/cgroup", cg, sizeof cg) < 0) {
        pb_env_set(e, "cgroup_cpuset", "unavailable: %s", pb_err());
        pb_env_set(e, "cgroup_cpu_max", "unavailable: %s", pb_err());
        return;
    }
    /* cgroup v2: a single "0::/path" line */
    char *p = strstr(cg, "0::");
    if (!p) {
        pb_env_set(e, "cgroup_cpuset", "unavailable: not a cgroup v2 hierarchy");
        pb_env_set(e, "cgroup_cpu_max", "unavailable: not a cgroup v2 hierarchy");
        return;
    }
    p += 3;
    p[strcspn(p, "\n")] = '\0';
    if (!strcmp(p, "/"))
        p = ""; /* the root cgroup: no double slash in the paths below */
    char path[4352];
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpuset.cpus.effective", p);
    if (env_file(e, "cgroup_cpuset", path) == 0 && !pb_env_value(e, "cgroup_cpuset")[0])
        pb_env_set(e, "cgroup_cpuset", "(all)");
    snprintf(path, sizeof path, "/sys/fs/cgroup%s/cpu.max", p);
    env_file(e, "cgroup_cpu_max", path);
}

static void env_hostname(struct pb_env *e)
{
    char h[256];
    if (gethostname(h, sizeof h) != 0)
        snprintf(h, sizeof h, "unknown-host");
    h[sizeof h - 1] = '\0';
    pb_env_set(e, "hostname", "%s", h);
}

/* The CPU, the kernel and its command line, the CPUs isolated and allowed. */
static void env_capture_cpu(struct pb_env *e, const cpu_set_t *allowed)
{
    char buf[4096];
    env_hostname(e);
    env_cpuinfo(e, "cpu_model", "model name");
    env_cpuinfo(e, "cpu_vendor", "vendor_id");
    env_cpuinfo(e, "cpu_family", "cpu family");
    env_cpuinfo(e, "cpu_model_number", "model");
    env_cpuinfo(e, "cpu_stepping", "stepping");
    env_cpuinfo(e, "cpu_microcode", "microcode");
    env_cpuinfo(e, "cpu_mhz_nominal", "cpu MHz");

    struct utsname u;
    if (uname(&u) == 0) {
        pb_env_set(e, "kernel_release", "%s", u.release);
        pb_env_set(e, "kernel_machine", "%s", u.machine);
    }
    if (env_file(e, "kernel_cmdline", "/proc/cmdline") == 0) {
        const char *cl = pb_env_value(e, "kernel_cmdline");
        char *copy = pb_xstrdup(cl);
        env_cmdline_param(e, copy, "cmdline_isolcpus", "isolcpus");
        env_cmdline_param(e, copy, "cmdline_nohz_full", "nohz_full");
        env_cmdline_param(e, copy, "cmdline_rcu_nocbs", "rcu_nocbs");
        env_cmdline_param(e, copy, "cmdline_mitigations", "mitigations");
        free(copy);
    }
    if (env_file(e, "isolated_cpus", "/sys/devices/system/cpu/isolated") == 0 &&
        pb_sysfs_cpulist_empty(pb_env_value(e, "isolated_cpus")))
        pb_env_set(e, "isolated_cpus", "(none)");
    if (env_file(e, "nohz_full_cpus", "/sys/devices/system/cpu/nohz_full") == 0 &&
        pb_sysfs_cpulist_empty(pb_env_value(e, "nohz_full_cpus")))
        pb_env_set(e, "nohz_full_cpus", "(none)");
    env_file(e, "online_cpus", "/sys/devices/system/cpu/online");
    pb_env_set(e, "allowed_cpus", "%s", pb_cpuset_format(allowed, buf, sizeof buf));
    pb_env_set(e, "allowed_cpu_count", "%d", CPU_COUNT(allowed));
    env_cgroup(e);
}

/* Frequency and SMT controls: what makes one CPU's speed vary. */
static void env_capture_power(struct pb_env *e)
{
    char buf[4096];
    env_file(e, "governor", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    env_file(e, "scaling_driver", "/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver");
    /* Turbo: acpi-cpufreq/amd-pstate expose "boost" (1 = on); intel_pstate "no_turbo" (0 = on). */
    if (pb_read_file("/sys/devices/system/cpu/cpufreq/boost", buf, sizeof buf) >= 0)
        pb_env_set(e, "turbo", "%s", strcmp(buf, "1") == 0 ? "on" : "off");
    else if (pb_read_file("/sys/devices/system/cpu/intel_pstate/no_turbo", buf, sizeof buf) >= 0)
        pb_env_set(e, "turbo", "%s", strcmp(buf, "0") == 0 ? "on" : "off");
    else
        pb_env_set(e, "turbo", "unavailable: no cpufreq boost control exposed");
    env_file(e, "smt_control", "/sys/devices/system/cpu/smt/control");
    env_file(e, "smt_active", "/sys/devices/system/cpu/smt/active");
}

/* NUMA, counters, interrupts, memory and load: the rest of the box's noise. */
static void env_capture_system(struct pb_env *e)
{
    char buf[4096];
    env_file(e, "numa_nodes_online", "/sys/devices/system/node/online");
    env_file(e, "perf_event_paranoid", "/proc/sys/kernel/perf_event_paranoid");
    env_file(e, "numa_balancing", "/proc/sys/kernel/numa_balancing");
    pb_env_set(e, "irqbalance_running", "%s", env_process_running("irqbalance") ? "yes" : "no");
    pb_env_set(e, "pmu_cpu_present", "%s",
               access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
                       access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0
                   ? "yes"
                   : "no (no /sys/bus/event_source/devices/cpu: hardware counters unavailable)");
    env_file(e, "thp_enabled", "/sys/kernel/mm/transparent_hugepage/enabled");
    env_file(e, "clocksource", "/sys/devices/system/clocksource/clocksource0/current_clocksource");
    if (pb_read_file("/proc/loadavg", buf, sizeof buf) >= 0) {
        double l1 = strtod(buf, NULL);
        pb_env_set(e, "loadavg_1min", "%.2f", l1);
    } else {
        pb_env_set(e, "loadavg_1min", "unavailable: %s", pb_err());
    }
}

/* The topology pinbench plans placements on (NULL: none loaded). */
static void env_capture_topology(struct pb_env *e, const struct pb_topo *topo)
{
    if (topo) {
        pb_env_set(e, "topology_source", "%s", topo->source);
        if (topo->fallback[0])
            pb_env_warn(e,
                        "hwloc could not load the topology (%s): read from sysfs instead, with "
                        "the caches the kernel reports and no memory binding",
                        topo->fallback);
        pb_env_set(e, "topology_pus", "%d", topo->n_pu);
        pb_env_set(e, "topology_cores", "%d", topo->n_cores);
        pb_env_set(e, "topology_l3_caches", "%d", topo->n_l3);
        pb_env_set(e, "topology_packages", "%d", topo->n_packages);
        pb_env_set(e, "topology_numa_nodes", "%d", topo->n_numa);
        pb_env_set(e, "topology_smt_per_core_max", "%d", topo->max_smt);
        pb_env_set(e, "cache_l1d_bytes", "%llu", (unsigned long long)topo->l1d_bytes);
        pb_env_set(e, "cache_l2_bytes", "%llu", (unsigned long long)topo->l2_bytes);
        pb_env_set(e, "cache_l3_bytes", "%llu", (unsigned long long)topo->l3_bytes);
    }
}

/* Caches' source, the clock and the build this binary came from. */
static void env_capture_build(struct pb_env *e)
{
    pb_env_set(e, "sysfs_cache_info", "%s",
               access("/sys/devices/system/cpu/cpu0/cache/index0", F_OK) == 0
                   ? "present"
                   : "absent (cache sizes come from hwloc's CPUID reading only)");

    pb_env_set(e, "clock_source", "%s", pb_clock.source_name);
    pb_env_set(e, "clock_tsc_invariant", "%s", pb_clock.tsc_invariant ? "yes" : "no");
    if (pb_clock.fallback_reason[0])
        pb_env_set(e, "clock_fallback_reason", "%s", pb_clock.fallback_reason);
    pb_env_set(e, "clock_tick_hz", "%.0f", pb_clock.tick_hz);
    pb_env_set(e, "clock_freq_method", "%s", pb_clock.freq_method);
    pb_env_set(e, "clock_calibrated_hz", "%.0f", pb_clock.calibrated_hz);
    pb_env_set(e, "clock_calibration_error_ppm", "%.1f", pb_clock.calib_error_ppm);
    pb_env_set(e, "clock_cpuid_hz", "%.0f", pb_clock.cpuid_hz);
    pb_env_set(e, "clock_read_overhead_ns", "%.2f", pb_clock.read_overhead_ns);
    pb_env_set(e, "clock_pair_overhead_ns", "%.2f", pb_clock.pair_overhead_ns);
    pb_env_set(e, "clock_resolution_ns", "%.2f", pb_clock.resolution_ns);

    pb_env_set(e, "compiler", "gcc-compatible %s", __VERSION__);
    pb_env_set(e, "build_cflags", "%s", PB_BUILD_CFLAGS);
    pb_env_set(e, "build_type", "%s", PB_BUILD_TYPE);
    pb_env_set(e, "git_commit", "%s", pb_version_commit);
}

void pb_env_capture(struct pb_env *e, const cpu_set_t *allowed, const struct pb_topo *topo)
{
    env_capture_cpu(e, allowed);
    env_capture_power(e);
    env_capture_system(e);
    env_capture_topology(e, topo);
    env_capture_build(e);
    pb_env_noise_warnings(e);
}
