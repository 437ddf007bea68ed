/* cpuset: CPU lists in the kernel's list format ("0-3,8,10-11"), parsed by one function and
 * checked against the CPUs this process may use. Sets are cpu_set_t (up to CPU_SETSIZE CPUs). */
#ifndef PB_CPUSET_H
#define PB_CPUSET_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/* Parses `s` into `out`. Accepts "N", "A-B", and comma-separated mixes; rejects empty items,
 * reversed ranges, CPUs >= CPU_SETSIZE and trailing junk. Returns 0 or -1 with pb_err(). */
int pb_cpuset_parse(const char *s, cpu_set_t *out);
/* Formats `set` as a compact list ("0-3,8") into buf. Returns buf ("" for an empty set). */
char *pb_cpuset_format(const cpu_set_t *set, char *buf, size_t len);
/* Number of CPUs in the set. */
int pb_cpuset_count(const cpu_set_t *set);
/* The k-th CPU (0-based) of the set in ascending order, or -1. */
int pb_cpuset_nth(const cpu_set_t *set, int k);
/* Checks that every CPU of `want` is in `allowed`; on failure names the first one that is not
 * and the allowed list. Returns 0 or -1. */
int pb_cpuset_check_subset(const cpu_set_t *want, const cpu_set_t *allowed);

/* CPUs the kernel keeps other work off: `isolated` (isolcpus=, isolated cpuset partitions) and
 * `nohz_full` (no scheduler tick while one task runs), read from `cpu_dir`
 * (/sys/devices/system/cpu; tests pass a fake tree). A missing or empty file is an empty set.
 * Returns 0, or -1 with pb_err() naming the file that does not parse. */
struct pb_isolation {
    cpu_set_t isolated, nohz_full;
};
int pb_isolation_read(const char *cpu_dir, struct pb_isolation *iso);
/* Whether a sysfs CPU list reads as no CPU at all: blank, or "(null)" (the unallocated mask of
 * a kernel built for nohz_full but booted without it), whatever the padding. */
bool pb_sysfs_cpulist_empty(const char *s);

#endif
