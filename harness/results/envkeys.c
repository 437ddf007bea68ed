/* envkeys: the table. A fingerprint key is always questionable; the questionable keys that are
 * not fingerprints (nohz_full, compiler flags) change absolute numbers less predictably, so a
 * difference is flagged in compare without switching regress to ratios only. */
#include "results/envkeys.h"

#include "util.h"

/* clang-format off */
const struct pb_envkey pb_envkeys[] = {
    {"cpu_model",           true,  true},
    {"cpu_microcode",       false, false},
    {"kernel_release",      true,  true},
    {"allowed_cpu_count",   true,  true},
    {"online_cpus",         false, false},
    {"smt_active",          true,  true},
    {"governor",            true,  true},
    {"scaling_driver",      false, false},
    {"turbo",               true,  true},
    {"isolated_cpus",       true,  true},
    {"nohz_full_cpus",      true,  false},
    {"cmdline_isolcpus",    false, false},
    {"cmdline_mitigations", true,  true},
    {"numa_nodes_online",   false, false},
    {"thp_enabled",         false, false},
    {"clocksource",         false, false},
    {"clock_source",        true,  true},
    {"pmu_counters",        false, false},
    {"perf_event_paranoid", false, false},
    {"build_type",          true,  true},
    {"build_cflags",        true,  false},
    {"compiler",            false, false},
    {"cgroup_cpu_max",      true,  true},
    {"topology_packages",   false, false},
    {"topology_cores",      false, false},
    {"topology_pus",        false, false},
    {"topology_l3_caches",  false, false},
    {"topology_numa_nodes", true,  true},
    {"topology_smt_per_core_max", true, true},
};
/* clang-format on */
const size_t pb_n_envkeys = PB_ARRAY_LEN(pb_envkeys);
