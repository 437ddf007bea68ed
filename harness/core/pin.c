/* pin: verified affinity. */
#include "core/pin.h"

#include "core/cpuset.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long pin_tid(void)
{
    return (long)syscall(SYS_gettid);
}

int pb_affinity_get(cpu_set_t *out)
{
    CPU_ZERO(out);
    if (sched_getaffinity(0, sizeof *out, out) != 0)
        return pb_errf("sched_getaffinity(thread %ld): %s", pin_tid(), strerror(errno));
    return 0;
}

int pb_pin_self_mask(const cpu_set_t *mask)
{
    char want[256], got[256];
    if (sched_setaffinity(0, sizeof *mask, mask) != 0)
        return pb_errf("sched_setaffinity(thread %ld, CPUs %s): %s", pin_tid(),
                       pb_cpuset_format(mask, want, sizeof want), strerror(errno));
    cpu_set_t back;
    if (pb_affinity_get(&back) < 0)
        return -1;
    if (!CPU_EQUAL(&back, mask))
        return pb_errf("pin of thread %ld to CPUs %s did not hold: mask reads back as %s",
                       pin_tid(), pb_cpuset_format(mask, want, sizeof want),
                       pb_cpuset_format(&back, got, sizeof got));
    int cpu = sched_getcpu();
    if (cpu < 0 || !CPU_ISSET(cpu, mask))
        return pb_errf("thread %ld pinned to CPUs %s runs on CPU %d", pin_tid(),
                       pb_cpuset_format(mask, want, sizeof want), cpu);
    return 0;
}

int pb_pin_self(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return pb_errf("cannot pin to CPU %d: out of range", cpu);
    cpu_set_t m;
    CPU_ZERO(&m);
    CPU_SET(cpu, &m);
    return pb_pin_self_mask(&m);
}

int pb_pin_verify(int cpu)
{
    cpu_set_t back;
    if (pb_affinity_get(&back) < 0)
        return -1;
    char got[256];
    if (CPU_COUNT(&back) != 1 || !CPU_ISSET(cpu, &back))
        return pb_errf("thread %ld should be pinned to CPU %d but its mask is %s", pin_tid(), cpu,
                       pb_cpuset_format(&back, got, sizeof got));
    int on = sched_getcpu();
    if (on != cpu)
        return pb_errf("thread %ld pinned to CPU %d runs on CPU %d", pin_tid(), cpu, on);
    return 0;
}

int pb_pin_attr(pthread_attr_t *attr, int cpu)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    CPU_SET(cpu, &m);
    int rc = pthread_attr_setaffinity_np(attr, sizeof m, &m);
    if (rc != 0)
        return pb_errf("pthread_attr_setaffinity_np(CPU %d): %s", cpu, strerror(rc));
    return 0;
}

int pb_pin_self_unchecked(int cpu)
{
    cpu_set_t m;
    CPU_ZERO(&m);
    CPU_SET(cpu, &m);
    if (sched_setaffinity(0, sizeof m, &m) != 0)
        return pb_errf("sched_setaffinity(thread %ld, CPU %d): %s", pin_tid(), cpu,
                       strerror(errno));
    return 0;
}

int pb_pin_move(int cpu)
{
    if (pb_pin_self_unchecked(cpu) < 0)
        return -1;
    /* The kernel migrates before sched_setaffinity returns, so this normally passes at once; the
     * bound turns a broken kernel promise into an error instead of a hang. */
    for (long spins = 0; !pb_pin_on(cpu); spins++)
        if (spins > 10000000)
            return pb_errf("thread %ld never reached CPU %d after sched_setaffinity", pin_tid(),
                           cpu);
    return 0;
}

/* Calls fn for every thread of the process but the caller; stops at the first nonzero return. */
static int pin_each_other_thread(int (*fn)(pid_t tid, void *arg), void *arg)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return pb_errf("cannot list /proc/self/task: %s", strerror(errno));
    pid_t self = (pid_t)pin_tid();
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        char *end;
        long tid = strtol(e->d_name, &end, 10);
        if (*end || tid <= 0 || (pid_t)tid == self)
            continue;
        rc = fn((pid_t)tid, arg);
    }
    closedir(d);
    return rc;
}

static int pin_confine_one(pid_t tid, void *arg)
{
    struct pb_confine *c = arg;
    cpu_set_t m;
    if (sched_getaffinity(tid, sizeof m, &m) != 0)
        return errno == ESRCH
                   ? 0
                   : pb_errf("sched_getaffinity(thread %d): %s", (int)tid, strerror(errno));
    if (!CPU_ISSET(c->cpu, &m))
        return 0;
    if (c->n == PB_CONFINE_MAX)
        return pb_errf("more than %d threads to confine", PB_CONFINE_MAX);
    cpu_set_t without = m;
    CPU_CLR(c->cpu, &without);
    if (CPU_COUNT(&without) == 0)
        return pb_errf("thread %d may run only on CPU %d: it cannot be kept off it", (int)tid,
                       c->cpu);
    if (sched_setaffinity(tid, sizeof without, &without) != 0)
        return errno == ESRCH
                   ? 0
                   : pb_errf("sched_setaffinity(thread %d): %s", (int)tid, strerror(errno));
    c->tid[c->n] = tid;
    c->saved[c->n++] = m;
    return 0;
}

int pb_confine_others(int cpu, struct pb_confine *c)
{
    memset(c, 0, sizeof *c);
    c->cpu = cpu;
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return pb_errf("cannot confine threads off CPU %d: no such CPU", cpu);
    if (pin_each_other_thread(pin_confine_one, c) < 0) {
        pb_unconfine(c);
        return -1;
    }
    return c->n;
}

void pb_unconfine(struct pb_confine *c)
{
    for (int i = 0; i < c->n; i++)
        (void)sched_setaffinity(c->tid[i], sizeof c->saved[i], &c->saved[i]); /* ESRCH: gone */
    c->n = 0;
}

static int pin_check_off(pid_t tid, void *arg)
{
    int cpu = *(const int *)arg;
    cpu_set_t m;
    if (sched_getaffinity(tid, sizeof m, &m) != 0)
        return errno == ESRCH
                   ? 0
                   : pb_errf("sched_getaffinity(thread %d): %s", (int)tid, strerror(errno));
    if (CPU_ISSET(cpu, &m)) {
        char list[256];
        return pb_errf("thread %d may still run on CPU %d (its CPUs: %s)", (int)tid, cpu,
                       pb_cpuset_format(&m, list, sizeof list));
    }
    return 0;
}

int pb_confine_check(int cpu)
{
    return pin_each_other_thread(pin_check_off, &cpu);
}
