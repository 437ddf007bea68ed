/* pmu: libpfm4 names, perf_event_open counts, privilege fallbacks and scaling. */
#include "core/pmu.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const pb_pmu_default_events[] = {
    "cycles",        "instructions", "cache-references", "cache-misses",   "LLC-load-misses",
    "branch-misses", "task-clock",   "context-switches", "cpu-migrations", "page-faults",
};
const size_t pb_pmu_n_default_events = PB_ARRAY_LEN(pb_pmu_default_events);

/* ---- the kernel backend ---- */

static int kernel_open(void *ctx, struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd,
                       unsigned long flags)
{
    (void)ctx;
    long fd = syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : (int)fd;
}

static int kernel_read(void *ctx, int fd, uint64_t out[3])
{
    (void)ctx;
    ssize_t n = read(fd, out, 3 * sizeof(uint64_t));
    if (n < 0)
        return -errno;
    return n == 3 * (ssize_t)sizeof(uint64_t) ? 0 : -EIO;
}

static int kernel_ioctl(void *ctx, int fd, unsigned long request, unsigned long arg)
{
    (void)ctx;
    return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

static void kernel_close(void *ctx, int fd)
{
    (void)ctx;
    close(fd);
}

static int kernel_paranoid(void *ctx)
{
    (void)ctx;
    char buf[32];
    if (pb_read_file("/proc/sys/kernel/perf_event_paranoid", buf, sizeof buf) < 0)
        return -100;
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    return end == buf ? -100 : (int)v;
}

const struct pb_perf_backend pb_perf_kernel = {kernel_open,  kernel_read,     kernel_ioctl,
                                               kernel_close, kernel_paranoid, NULL};

const char *pb_pmu_plm_name(enum pb_pmu_plm plm)
{
    return plm == PB_PLM_USER_KERNEL ? "user+kernel" : plm == PB_PLM_USER ? "user" : "none";
}

/* ---- resolving names ---- */

static int pmu_libpfm_ready(void)
{
    static int state; /* 0 unknown, 1 ok, -1 failed */
    if (state == 0) {
        int rc = pfm_initialize();
        state = rc == PFM_SUCCESS ? 1 : -1;
        if (state < 0)
            return pb_errf("libpfm4 failed to initialise: %s", pfm_strerror(rc));
    }
    return state > 0 ? 0 : pb_errf("libpfm4 failed to initialise");
}

static int pmu_encode(const char *name, int plm, struct perf_event_attr *attr, char *fstr,
                      size_t len)
{
    memset(attr, 0, sizeof *attr);
    attr->size = sizeof *attr;
    char *s = NULL;
    pfm_perf_encode_arg_t arg;
    memset(&arg, 0, sizeof arg);
    arg.attr = attr;
    arg.fstr = &s;
    arg.size = sizeof arg;
    int rc = pfm_get_os_event_encoding(name, plm, PFM_OS_PERF_EVENT_EXT, &arg);
    if (rc != PFM_SUCCESS)
        return pb_errf("unknown counter '%s': %s (see 'pinbench env' for the events here)", name,
                       pfm_strerror(rc));
    snprintf(fstr, len, "%s", s ? s : name);
    free(s);
    attr->size = sizeof *attr;
    attr->disabled = 1;
    attr->inherit = 1;
    attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    return 0;
}

/* The counter key: perf's well-known events get short names with units; others a sanitised
 * version of what the user typed. */
static const char *const pmu_hw_keys[] = {"cycles",   "instructions",  "cache_refs", "cache_misses",
                                          "branches", "branch_misses", "bus_cycles"};
static const char *const pmu_sw_keys[] = {"cpu_clock_ns", "task_clock_ns", "page_faults",
                                          "ctx_switches", "migrations",    "minor_faults",
                                          "major_faults"};

bool pb_pmu_known_key(const char *key)
{
    for (size_t i = 0; i < PB_ARRAY_LEN(pmu_hw_keys); i++)
        if (!strcmp(key, pmu_hw_keys[i]))
            return true;
    for (size_t i = 0; i < PB_ARRAY_LEN(pmu_sw_keys); i++)
        if (!strcmp(key, pmu_sw_keys[i]))
            return true;
    return !strcmp(key, "llc_load_misses");
}

static void pmu_key(const struct perf_event_attr *a, const char *name, char *key, size_t len)
{
    const char *const *hw = pmu_hw_keys, *const *sw = pmu_sw_keys;
    if (a->type == PERF_TYPE_HARDWARE && a->config < PB_ARRAY_LEN(pmu_hw_keys)) {
        snprintf(key, len, "%s", hw[a->config]);
        return;
    }
    if (a->type == PERF_TYPE_SOFTWARE && a->config < PB_ARRAY_LEN(pmu_sw_keys)) {
        snprintf(key, len, "%s", sw[a->config]);
        return;
    }
    uint64_t ll_read_miss = PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
                            ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
    if (a->type == PERF_TYPE_HW_CACHE && a->config == ll_read_miss) {
        snprintf(key, len, "llc_load_misses");
        return;
    }
    size_t k = 0;
    for (const char *c = name; *c && k + 1 < len; c++) {
        char ch = (char)tolower((unsigned char)*c);
        if (!isalnum((unsigned char)ch))
            ch = '_';
        if (ch == '_' && (k == 0 || key[k - 1] == '_'))
            continue;
        key[k++] = ch;
    }
    while (k > 0 && key[k - 1] == '_')
        k--;
    key[k] = '\0';
}

static void pmu_reason(struct pb_pmu *p, struct pb_pmu_event *e, int err)
{
    switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
        snprintf(e->reason, sizeof e->reason,
                 "not supported here: perf_event_open says %s (no hardware PMU, as in most VMs "
                 "and containers, or this CPU lacks the event)",
                 strerror(err));
        break;
    case EACCES:
    case EPERM:
        snprintf(e->reason, sizeof e->reason,
                 "perf_event_open refused: %s (perf_event_paranoid=%d; 3 or seccomp forbids all "
                 "counting)",
                 strerror(err), p->paranoid);
        break;
    case ENOSYS:
        snprintf(e->reason, sizeof e->reason,
                 "perf_event_open is not available: %s (kernel without perf events, or "
                 "blocked by seccomp)",
                 strerror(err));
        break;
    default:
        snprintf(e->reason, sizeof e->reason, "perf_event_open failed: %s", strerror(err));
    }
}

/* Opens an event once on this thread to learn whether, and at which privilege level, it
 * counts here. */
static void pmu_probe(struct pb_pmu *p, struct pb_pmu_event *e)
{
    const struct pb_perf_backend *be = p->be;
    int fd = be->open(be->ctx, &e->attr_uk, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) {
        be->close(be->ctx, fd);
        e->available = true;
        e->plm = PB_PLM_USER_KERNEL;
        return;
    }
    if (fd != -EACCES && fd != -EPERM) {
        pmu_reason(p, e, -fd);
        return;
    }
    if (e->kernel_only) {
        snprintf(e->reason, sizeof e->reason,
                 "counts only in kernel mode, and kernel-mode counting is not permitted here "
                 "(perf_event_paranoid=%d; needs <= 1, or CAP_PERFMON)",
                 p->paranoid);
        return;
    }
    fd = be->open(be->ctx, &e->attr_u, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) {
        be->close(be->ctx, fd);
        e->available = true;
        e->plm = PB_PLM_USER;
        return;
    }
    pmu_reason(p, e, -fd);
}

static int pmu_add(struct pb_pmu *p, const char *name)
{
    if (p->n == PB_PMU_MAX)
        return pb_errf("--counters: at most %d events", PB_PMU_MAX);
    struct pb_pmu_event *e = &p->ev[p->n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    char fstr_u[sizeof e->fstr];
    if (pmu_encode(name, PFM_PLM0 | PFM_PLM3, &e->attr_uk, e->fstr, sizeof e->fstr) < 0 ||
        pmu_encode(name, PFM_PLM3, &e->attr_u, fstr_u, sizeof fstr_u) < 0)
        return -1;
    pmu_key(&e->attr_uk, name, e->key, sizeof e->key);
    if (!e->key[0])
        return pb_errf("--counters: '%s' gives no usable counter name", name);
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->ev[i].key, e->key))
            return pb_errf("--counters: '%s' counts the same as '%s'", name, p->ev[i].name);
    e->is_hw = e->attr_uk.type != PERF_TYPE_SOFTWARE;
    e->kernel_only = e->attr_uk.type == PERF_TYPE_SOFTWARE &&
                     (e->attr_uk.config == PERF_COUNT_SW_CONTEXT_SWITCHES ||
                      e->attr_uk.config == PERF_COUNT_SW_CPU_MIGRATIONS);
    p->n++;
    pmu_probe(p, e);
    if (e->available && e->plm == PB_PLM_USER)
        snprintf(e->fstr, sizeof e->fstr, "%s", fstr_u);
    return 0;
}

int pb_pmu_init(struct pb_pmu *p, const char *list, const struct pb_perf_backend *be)
{
    memset(p, 0, sizeof *p);
    p->be = be;
    p->paranoid = be->paranoid(be->ctx);
    if (list && !strcmp(list, "none"))
        return 0;
    if (pmu_libpfm_ready() < 0)
        return -1;
    if (!list) {
        for (size_t i = 0; i < pb_pmu_n_default_events; i++)
            if (pmu_add(p, pb_pmu_default_events[i]) < 0)
                return -1;
        return 0;
    }
    if (!*list)
        return pb_errf("--counters: empty list (give event names, or 'none')");
    char *copy = pb_xstrdup(list), *save = NULL;
    int rc = 0;
    size_t items = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save)) {
        items++;
        rc = pmu_add(p, tok);
    }
    /* strtok_r skips empty items; a list of only commas, or a trailing comma, is a typo */
    if (rc == 0 &&
        (items == 0 || list[strlen(list) - 1] == ',' || list[0] == ',' || strstr(list, ",,")))
        rc = pb_errf("--counters=%s: empty item in the list", list);
    free(copy);
    return rc;
}

size_t pb_pmu_available(const struct pb_pmu *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->ev[i].available;
    return n;
}

int pb_pmu_find(const struct pb_pmu *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->ev[i].key, key))
            return (int)i;
    return -1;
}

/* ---- one call ---- */

void pb_pmu_open(const struct pb_pmu *p, struct pb_pmu_session *s)
{
    const struct pb_perf_backend *be = p->be;
    int leader[2] = {-1, -1}; /* [software, hardware] */
    for (size_t i = 0; i < PB_PMU_MAX; i++) {
        s->fd[i] = -1;
        s->leader[i] = false;
        s->reason[i][0] = '\0';
    }
    for (size_t i = 0; i < p->n; i++) {
        const struct pb_pmu_event *e = &p->ev[i];
        if (!e->available)
            continue;
        struct perf_event_attr a = e->plm == PB_PLM_USER ? e->attr_u : e->attr_uk;
        int *lead = &leader[e->is_hw];
        int fd = -1;
        bool leads = true;
        if (*lead >= 0) {
            a.disabled = 0; /* follows its leader */
            fd = be->open(be->ctx, &a, 0, -1, *lead, PERF_FLAG_FD_CLOEXEC);
            leads = fd < 0;
            a.disabled = 1;
        }
        if (fd < 0) /* the first of its kind, or a PMU that cannot co-schedule it with them */
            fd = be->open(be->ctx, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd < 0) {
            snprintf(s->reason[i], sizeof s->reason[i], "perf_event_open failed in this call: %s",
                     strerror(-fd));
            continue;
        }
        s->leader[i] = leads;
        if (*lead < 0)
            *lead = fd;
        s->fd[i] = fd;
    }
}

static void pmu_ioctl_all(const struct pb_pmu *p, struct pb_pmu_session *s, unsigned long req)
{
    for (size_t i = 0; i < p->n; i++)
        if (s->fd[i] >= 0 && s->leader[i])
            p->be->ioctl(p->be->ctx, s->fd[i], req, PERF_IOC_FLAG_GROUP);
}

void pb_pmu_enable(const struct pb_pmu *p, struct pb_pmu_session *s)
{
    pmu_ioctl_all(p, s, PERF_EVENT_IOC_ENABLE);
}

void pb_pmu_disable(const struct pb_pmu *p, struct pb_pmu_session *s)
{
    pmu_ioctl_all(p, s, PERF_EVENT_IOC_DISABLE);
}

void pb_pmu_read_close(const struct pb_pmu *p, struct pb_pmu_session *s,
                       struct pb_pmu_count out[PB_PMU_MAX])
{
    const struct pb_perf_backend *be = p->be;
    for (size_t i = 0; i < PB_PMU_MAX; i++) {
        struct pb_pmu_count *c = &out[i];
        memset(c, 0, sizeof *c);
        if (i >= p->n)
            continue;
        if (!p->ev[i].available) {
            snprintf(c->reason, sizeof c->reason, "unavailable: %s", p->ev[i].reason);
            continue;
        }
        if (s->fd[i] < 0) {
            snprintf(c->reason, sizeof c->reason, "%s", s->reason[i]);
            continue;
        }
        uint64_t v[3];
        int rc = be->read(be->ctx, s->fd[i], v);
        if (rc < 0) {
            snprintf(c->reason, sizeof c->reason, "read failed: %s", strerror(-rc));
        } else if (v[2] == 0) {
            /* enabled but never on the PMU: multiplexed out, or the loop ran zero times */
            snprintf(c->reason, sizeof c->reason,
                     "never scheduled on the PMU in this call (enabled %llu ns, running 0)",
                     (unsigned long long)v[1]);
        } else {
            c->valid = true;
            c->raw = v[0];
            c->enabled_ns = v[1];
            c->running_ns = v[2];
            c->scaled = (double)v[0] * ((double)v[1] / (double)v[2]);
        }
    }
    for (size_t i = 0; i < p->n; i++) {
        if (s->fd[i] >= 0)
            be->close(be->ctx, s->fd[i]);
        s->fd[i] = -1;
    }
}
