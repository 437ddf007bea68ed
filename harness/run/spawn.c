/* spawn: the experiments' own threads, started where they are meant to run and checked there.
 *
 * A thread is created with its mask in its attributes, so it never runs elsewhere, and checks
 * that mask and its CPU itself before the experiment's function runs: a partner, worker or
 * producer that silently ran off its CPU would make the result measure another placement. The
 * creator waits for that check, which also means the thread has run once. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cpuset.h"
#include "experiment.h"
#include "core/pin.h"

static int spawn_verify_set(const cpu_set_t *mask)
{
    cpu_set_t back;
    if (pb_affinity_get(&back) < 0)
        return -1;
    char want[256], got[256];
    if (!CPU_EQUAL(&back, mask))
        return pb_errf("its mask is %s, not %s", pb_cpuset_format(&back, got, sizeof got),
                       pb_cpuset_format(mask, want, sizeof want));
    int on = sched_getcpu();
    if (on < 0 || !CPU_ISSET(on, mask))
        return pb_errf("it runs on CPU %d, outside its mask %s", on,
                       pb_cpuset_format(mask, want, sizeof want));
    return 0;
}

static void *spawn_main(void *arg)
{
    struct pb_thread *t = arg;
    void *(*fn)(void *) = t->fn;
    void *fn_arg = t->arg;
    int rc = t->cpu >= 0 ? pb_pin_verify(t->cpu) : spawn_verify_set(&t->mask);
    if (rc < 0)
        snprintf(t->err, sizeof t->err, "%s", pb_err());
    sem_post(&t->started); /* the creator owns *t again from here */
    return rc < 0 ? NULL : fn(fn_arg);
}

static int spawn_start(struct pb_run *r, struct pb_thread *t, bool set_mask, void *(*fn)(void *),
                       void *arg, const char *what)
{
    pthread_attr_t a;
    int rc = pthread_attr_init(&a);
    if (rc != 0)
        return pb_run_fail(r, "starting %s: pthread_attr_init: %s", what, strerror(rc));
    if (set_mask && (rc = pthread_attr_setaffinity_np(&a, sizeof t->mask, &t->mask)) != 0) {
        pthread_attr_destroy(&a);
        return pb_run_fail(r, "starting %s: pthread_attr_setaffinity_np: %s", what, strerror(rc));
    }
    t->fn = fn;
    t->arg = arg;
    t->err[0] = '\0';
    if (sem_init(&t->started, 0, 0) != 0) {
        pthread_attr_destroy(&a);
        return pb_run_fail(r, "starting %s: sem_init: %s", what, strerror(errno));
    }
    rc = pthread_create(&t->tid, &a, spawn_main, t);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        sem_destroy(&t->started);
        return pb_run_fail(r, "starting %s: pthread_create: %s", what, strerror(rc));
    }
    while (sem_wait(&t->started) != 0 && errno == EINTR)
        ;
    sem_destroy(&t->started);
    pb_run_thread_started(r);
    t->running = true;
    if (t->err[0]) {
        char why[sizeof t->err];
        memcpy(why, t->err, sizeof why);
        pb_run_join(r, t);
        return pb_run_fail(r, "%s was placed wrongly: %s", what, why);
    }
    return 0;
}

enum spawn_where { SPAWN_CPU, SPAWN_RUN_CPUS, SPAWN_MASK, SPAWN_CREATOR };

/* The thread's mask from where it should run, then the start. */
static int spawn_at(struct pb_run *r, struct pb_thread *t, enum spawn_where where, int cpu,
                    const cpu_set_t *mask, void *(*fn)(void *), void *arg, const char *what,
                    va_list ap)
{
    char name[120];
    vsnprintf(name, sizeof name, what, ap);
    memset(t, 0, sizeof *t);
    t->cpu = where == SPAWN_CPU ? cpu : -1;
    if (where == SPAWN_CPU) {
        if (cpu >= CPU_SETSIZE)
            return pb_run_fail(r, "starting %s: CPU %d is beyond CPU_SETSIZE", name, cpu);
        CPU_ZERO(&t->mask);
        CPU_SET(cpu, &t->mask);
    } else if (where == SPAWN_RUN_CPUS) {
        pb_run_cpus(r, &t->mask);
    } else if (where == SPAWN_MASK) {
        t->mask = *mask;
    } else if (pb_affinity_get(&t->mask) < 0) {
        return pb_run_fail(r, "starting %s: %s", name, pb_err());
    }
    if (CPU_COUNT(&t->mask) == 0)
        return pb_run_fail(r, "starting %s: an empty CPU mask", name);
    /* the creator's own mask is inherited, not set: that is what it means */
    return spawn_start(r, t, where != SPAWN_CREATOR, fn, arg, name);
}

int pb_run_spawn(struct pb_run *r, struct pb_thread *t, int cpu, void *(*fn)(void *), void *arg,
                 const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    int rc = spawn_at(r, t, cpu >= 0 ? SPAWN_CPU : SPAWN_RUN_CPUS, cpu, NULL, fn, arg, what, ap);
    va_end(ap);
    return rc;
}

int pb_run_spawn_mask(struct pb_run *r, struct pb_thread *t, const cpu_set_t *mask,
                      void *(*fn)(void *), void *arg, const char *what, ...)
{
    va_list ap;
    va_start(ap, what);
    int rc = spawn_at(r, t, mask ? SPAWN_MASK : SPAWN_CREATOR, -1, mask, fn, arg, what, ap);
    va_end(ap);
    return rc;
}

void pb_run_join(struct pb_run *r, struct pb_thread *t)
{
    if (!t->running)
        return;
    pthread_join(t->tid, NULL);
    t->running = false;
    pb_run_thread_joined(r);
}
