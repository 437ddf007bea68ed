/* pmu: performance counters named with libpfm4 and counted with perf_event_open, the way a
 * careful `perf stat` user would, and never a number that was not counted.
 *
 * Events are resolved by libpfm4 (pfm_get_os_event_encoding, PFM_OS_PERF_EVENT_EXT), which
 * accepts perf's generic names ("cycles", "context-switches") and PMU-specific ones
 * ("amd64_fam19h_zen3::RETIRED_INSTRUCTIONS"); libpfm's full event string is kept with every
 * event. At start-up each event is probed on the calling thread: counted in user and kernel mode
 * where perf_event_paranoid (or CAP_PERFMON) allows, else in user mode only; an event that
 * counts only in the kernel (context switches, migrations: they happen in kernel code, and a
 * user-only counter reads 0 for them) is then *unavailable*, never zero. Anything that cannot be
 * opened — no hardware PMU (VMs, containers), an event this CPU lacks, perf_event_open refused
 * (paranoid 3, seccomp) — is recorded as unavailable with the reason, and the rest are counted.
 *
 * Per timed call, the events are opened disabled on the measuring thread with inherit=1, so
 * every thread the call creates is counted too (a child's counts fold into the parent's when it
 * exits, which the runner guarantees before reading); they are enabled around the operation loop
 * only. Hardware events share one group, software events another; members open enabled and
 * only the leaders are switched, so a group starts and stops counting as one (members enabled
 * one by one after their leader only start at the task's next context switch, and a thread that
 * never switches would read running = 0 for them). Reads take
 * TOTAL_TIME_ENABLED/RUNNING: counts are scaled by enabled/running, the running/enabled ratio is
 * kept, and a counter that never ran (multiplexed out for the whole call) is unavailable for that
 * call rather than 0.
 *
 * The kernel is reached through a backend so tests can substitute a fake (no PMU, paranoid,
 * refused, multiplexing). */
#ifndef PB_PMU_H
#define PB_PMU_H

#include <linux/perf_event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PB_PMU_MAX 16

struct pb_perf_backend {
    /* perf_event_open: an fd, or -errno. */
    int (*open)(void *ctx, struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
                unsigned long flags);
    /* Reads {value, time_enabled, time_running}: 0, or -errno. */
    int (*read)(void *ctx, int fd, uint64_t out[3]);
    /* PERF_EVENT_IOC_ENABLE / DISABLE with its argument (0 or PERF_IOC_FLAG_GROUP). */
    int (*ioctl)(void *ctx, int fd, unsigned long request, unsigned long arg);
    void (*close)(void *ctx, int fd);
    /* /proc/sys/kernel/perf_event_paranoid, or -100 if unknown. */
    int (*paranoid)(void *ctx);
    void *ctx;
};
extern const struct pb_perf_backend pb_perf_kernel;

enum pb_pmu_plm { PB_PLM_NONE, PB_PLM_USER, PB_PLM_USER_KERNEL };
/* Whether `key` is the short name pinbench gives one of perf's well-known events ("cycles",
 * "migrations", "llc_load_misses"): what "<key>_per_op" counters tables may name. */
bool pb_pmu_known_key(const char *key);
const char *pb_pmu_plm_name(enum pb_pmu_plm plm); /* "user", "user+kernel", "none" */

struct pb_pmu_event {
    char name[96];  /* as requested */
    char key[64];   /* counter key: "cycles", "ctx_switches", "task_clock_ns", ... */
    char fstr[320]; /* libpfm's full event string for the encoding in use */
    struct perf_event_attr attr_uk, attr_u; /* user+kernel and user-only encodings */
    bool is_hw;                             /* not a software event: shares the hardware group */
    bool kernel_only;                       /* counts only in kernel mode: no user-only fallback */
    bool available;
    enum pb_pmu_plm plm;
    char reason[240]; /* why unavailable ("" when available) */
};

struct pb_pmu {
    struct pb_pmu_event ev[PB_PMU_MAX];
    size_t n;
    int paranoid;
    const struct pb_perf_backend *be;
};

/* The default set, in the order reported. */
extern const char *const pb_pmu_default_events[];
extern const size_t pb_pmu_n_default_events;

/* Resolves `list` (comma-separated libpfm/perf names; NULL for the default set; "none" for no
 * counters) and probes each event. Returns 0, or -1 with pb_err() for an unknown or malformed
 * name (a usage error); unavailable events are not errors. */
int pb_pmu_init(struct pb_pmu *p, const char *list, const struct pb_perf_backend *be);
size_t pb_pmu_available(const struct pb_pmu *p);

/* One timed call's counters. */
struct pb_pmu_session {
    int fd[PB_PMU_MAX];
    bool leader[PB_PMU_MAX];      /* enabled and disabled for its whole group */
    char reason[PB_PMU_MAX][160]; /* per-call failure (open, read), "" if fine */
};

struct pb_pmu_count {
    bool valid;    /* counted in this call */
    double scaled; /* value * enabled / running */
    uint64_t raw, enabled_ns, running_ns;
    char reason[200]; /* why not valid */
};

/* Opens every available event on the calling thread (disabled, inherited by new threads). An
 * event that fails to open now is invalid for this call only. */
void pb_pmu_open(const struct pb_pmu *p, struct pb_pmu_session *s);
void pb_pmu_enable(const struct pb_pmu *p, struct pb_pmu_session *s);
void pb_pmu_disable(const struct pb_pmu *p, struct pb_pmu_session *s);
/* Reads, scales and closes. out[i] matches p->ev[i]. */
void pb_pmu_read_close(const struct pb_pmu *p, struct pb_pmu_session *s,
                       struct pb_pmu_count out[PB_PMU_MAX]);
/* Index of the event with counter key `key`, or -1. */
int pb_pmu_find(const struct pb_pmu *p, const char *key);

#endif
