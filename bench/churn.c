/* churn: what a thread costs to create and destroy, pinned and not, against handing the same
 * work to a long-lived worker, and what the pin call itself costs.
 *
 * This is the OS-level price of Go's "a goroutine that exits while locked destroys its M": every
 * such exit is a clone(2) + exit + join of an OS thread. Kernel paths: clone (copy_process,
 * wake_up_new_task and its fork balancing), the affinity change (sched_setaffinity and the
 * migration it forces), exit and the futex wake behind pthread_join. Same-CPU variants pay a
 * context switch; other-CPU variants pay a cross-CPU wakeup (an IPI, or the idle CPU's exit
 * from its idle loop), which is why they cost more on most boxes and far more in VMs.
 *
 * Metrics: op = create -> join (or submit -> done for the pooled worker, or the pin call);
 * first_instruction = create -> the new thread's first instruction (submit -> the worker starts
 * the work). The child's trivial body counts itself so the harness can check that work done
 * equals work assigned. */
#include "experiment.h"
#include "core/pin.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum churn_kind { CHURN_SPAWN, CHURN_POOL, CHURN_PIN_CALL };
enum churn_pin { PIN_NONE, PIN_ATTR, PIN_SELF };
enum churn_target { TARGET_HOME, TARGET_OTHER };

struct churn_param {
    enum churn_kind kind;
    enum churn_pin pin;
    enum churn_target target;
    size_t stack_bytes; /* 0: the default stack */
};

enum { METRIC_FIRST = 1 };
enum { TALLY_ON_HOME = 0, TALLY_WORK = 1 };

/* ---- thread per operation ---- */

struct child {
    pb_stamp_t first;
    int pin_cpu;      /* -1: unpinned */
    bool pin_self;    /* pin on entry, verified */
    bool full_verify; /* read the mask back too (once per call, it costs a syscall) */
    int cpu_seen;
    int work;
    char err[240];
};

struct spawn_state {
    pthread_attr_t attr;
    bool attr_ok;
    unsigned long ops;
};

static void *churn_child(void *p)
{
    struct child *c = p;
    c->first = pb_stamp();
    if (c->pin_self && pb_pin_self(c->pin_cpu) < 0)
        snprintf(c->err, sizeof c->err, "%s", pb_err());
    else if (c->full_verify && c->pin_cpu >= 0 && pb_pin_verify(c->pin_cpu) < 0)
        snprintf(c->err, sizeof c->err, "%s", pb_err());
    c->cpu_seen = sched_getcpu();
    c->work = 1;
    return NULL;
}

static int churn_target_cpu(struct pb_run *r, const struct churn_param *p)
{
    return p->target == TARGET_OTHER ? pb_run_other_cpu(r) : pb_run_home_cpu(r);
}

/* The new threads' attributes: the row's stack size, if any. *ok once they need destroying. */
static int churn_attr(struct pb_run *r, const struct churn_param *p, pthread_attr_t *a, bool *ok)
{
    int rc = pthread_attr_init(a);
    if (rc != 0)
        return pb_run_fail(r, "pthread_attr_init: %s", strerror(rc));
    *ok = true;
    if (p->stack_bytes && (rc = pthread_attr_setstacksize(a, p->stack_bytes)) != 0)
        return pb_run_fail(r, "pthread_attr_setstacksize(%zu): %s", p->stack_bytes, strerror(rc));
    return 0;
}

static int spawn_setup(struct pb_run *r)
{
    const struct churn_param *p = pb_run_param(r);
    struct spawn_state *s = pb_run_state(r);
    if (churn_attr(r, p, &s->attr, &s->attr_ok) < 0)
        return -1;
    if (p->pin == PIN_ATTR && pb_pin_attr(&s->attr, churn_target_cpu(r, p)) < 0)
        return pb_run_fail(r, "%s", pb_err());
    return 0;
}

static int spawn_op(struct pb_run *r)
{
    const struct churn_param *p = pb_run_param(r);
    struct spawn_state *s = pb_run_state(r);
    struct child c = {.pin_cpu = p->pin == PIN_NONE ? -1 : churn_target_cpu(r, p),
                      .pin_self = p->pin == PIN_SELF,
                      .full_verify = s->ops == 0};
    int creator_cpu = sched_getcpu();
    pthread_t t;
    int rc = pthread_create(&t, &s->attr, churn_child, &c);
    if (rc != 0)
        return pb_run_fail(r, "pthread_create: %s", strerror(rc));
    pb_run_thread_started(r);
    rc = pthread_join(t, NULL);
    if (rc != 0)
        return pb_run_fail(r, "pthread_join: %s", strerror(rc));
    pb_run_thread_joined(r);
    pb_run_record(r, METRIC_FIRST, pb_run_op_start(r), c.first);
    s->ops++;
    if (c.err[0])
        return pb_run_fail(r, "child thread: %s", c.err);
    if (c.pin_cpu >= 0 && c.cpu_seen != c.pin_cpu)
        return pb_run_fail(r, "child pinned to CPU %d ran on CPU %d", c.pin_cpu, c.cpu_seen);
    pb_run_tally(r, TALLY_ON_HOME, c.cpu_seen == creator_cpu);
    pb_run_tally(r, TALLY_WORK, c.work);
    return 0;
}

static void spawn_teardown(struct pb_run *r)
{
    struct spawn_state *s = pb_run_state(r);
    if (s->attr_ok)
        pthread_attr_destroy(&s->attr);
}

/* ---- one long-lived worker fed through a mailbox ---- */

struct pool_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long posted, done; /* requests posted / completed */
    bool quit;
    pb_stamp_t started; /* when the worker began the latest request */
    int cpu_seen, pin_cpu, work;
    char err[240];
    struct pb_thread thread;
};

static void *pool_worker(void *p)
{
    struct pool_state *s = p;
    if (s->pin_cpu >= 0 && pb_pin_verify(s->pin_cpu) < 0) {
        pthread_mutex_lock(&s->mu);
        snprintf(s->err, sizeof s->err, "%s", pb_err());
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->done == s->posted && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->quit)
            break;
        s->started = pb_stamp();
        s->cpu_seen = sched_getcpu();
        s->work++;
        s->done++;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int pool_setup(struct pb_run *r)
{
    const struct churn_param *p = pb_run_param(r);
    struct pool_state *s = pb_run_state(r);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->pin_cpu = p->pin == PIN_NONE ? -1 : churn_target_cpu(r, p);
    if (pb_run_spawn(r, &s->thread, s->pin_cpu >= 0 ? s->pin_cpu : PB_RUN_CPUS, pool_worker, s,
                     "the pool worker") < 0)
        return -1;
    /* The real thread count, read while the worker lives: the pool's bound is checked on it. */
    pb_run_sample_memory(r);
    return 0;
}

static int pool_op(struct pb_run *r)
{
    struct pool_state *s = pb_run_state(r);
    pthread_mutex_lock(&s->mu);
    unsigned long want = ++s->posted;
    pthread_cond_broadcast(&s->cv);
    while (s->done < want && !s->err[0])
        pthread_cond_wait(&s->cv, &s->mu);
    pb_stamp_t started = s->started;
    int cpu = s->cpu_seen;
    bool err = s->err[0] != '\0';
    pthread_mutex_unlock(&s->mu);
    if (err)
        return pb_run_fail(r, "pool worker: %s", s->err);
    pb_run_record(r, METRIC_FIRST, pb_run_op_start(r), started);
    if (s->pin_cpu >= 0 && cpu != s->pin_cpu)
        return pb_run_fail(r, "pool worker pinned to CPU %d ran on CPU %d", s->pin_cpu, cpu);
    pb_run_tally(r, TALLY_ON_HOME, cpu == sched_getcpu());
    pb_run_tally(r, TALLY_WORK, 1);
    return 0;
}

static void pool_teardown(struct pb_run *r)
{
    struct pool_state *s = pb_run_state(r);
    if (s->thread.running) {
        pb_run_sample_memory(r);
        pthread_mutex_lock(&s->mu);
        s->quit = true;
        pthread_cond_broadcast(&s->cv);
        unsigned long posted = s->posted, work = (unsigned long)s->work;
        pthread_mutex_unlock(&s->mu);
        pb_run_join(r, &s->thread);
        if (work != posted)
            pb_run_fail(r, "pool worker did %lu requests of %lu posted", work, posted);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

/* ---- the pin call alone ---- */

struct pin_state {
    int target;
};

static int pin_setup(struct pb_run *r)
{
    struct pin_state *s = pb_run_state(r);
    s->target = pb_run_home_cpu(r);
    return 0;
}

static int pin_op(struct pb_run *r)
{
    const struct churn_param *p = pb_run_param(r);
    struct pin_state *s = pb_run_state(r);
    if (p->target == TARGET_OTHER)
        s->target = s->target == pb_run_home_cpu(r) ? pb_run_other_cpu(r) : pb_run_home_cpu(r);
    if (pb_pin_move(s->target) < 0)
        return pb_run_fail(r, "%s", pb_err());
    pb_run_tally(r, TALLY_WORK, 1);
    return 0;
}

static int pin_verify(struct pb_run *r)
{
    struct pin_state *s = pb_run_state(r);
    if (pb_pin_verify(s->target) < 0)
        return pb_run_fail(r, "%s", pb_err());
    return 0;
}

/* ---- the table ---- */

/* ---- idle threads: what a thread costs in memory while it exists ---- */

/* Threads alive at once per operation: enough that a page or two per thread stands out of the
 * process's own noise, few enough for a small box. */
#define IDLE_THREADS 32

struct idle_state {
    pthread_attr_t attr;
    bool attr_ok;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned arrived;
    bool release;
};

static void *idle_main(void *p)
{
    struct idle_state *s = p;
    pthread_mutex_lock(&s->mu);
    s->arrived++;
    pthread_cond_broadcast(&s->cv);
    while (!s->release)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static int idle_setup(struct pb_run *r)
{
    const struct churn_param *p = pb_run_param(r);
    struct idle_state *s = pb_run_state(r);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    return churn_attr(r, p, &s->attr, &s->attr_ok);
}

/* Creates IDLE_THREADS threads that block until released, samples the process's memory while
 * all of them exist (the harness publishes the growth per thread), then releases and joins
 * them. */
static int idle_op(struct pb_run *r)
{
    struct idle_state *s = pb_run_state(r);
    pthread_t t[IDLE_THREADS];
    unsigned made = 0;
    int rc = 0;
    s->arrived = 0;
    s->release = false;
    for (; made < IDLE_THREADS; made++) {
        if ((rc = pthread_create(&t[made], &s->attr, idle_main, s)) != 0)
            break;
        pb_run_thread_started(r);
    }
    pthread_mutex_lock(&s->mu);
    while (s->arrived < made)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (made == IDLE_THREADS)
        pb_run_sample_memory(r);
    pthread_mutex_lock(&s->mu);
    s->release = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (unsigned i = 0; i < made; i++) {
        pthread_join(t[i], NULL);
        pb_run_thread_joined(r);
    }
    if (made < IDLE_THREADS)
        return pb_run_fail(r, "creating idle thread %u: %s", made, strerror(rc));
    pb_run_tally(r, TALLY_WORK, (double)s->arrived / IDLE_THREADS); /* every thread ran */
    return 0;
}

static void idle_teardown(struct pb_run *r)
{
    struct idle_state *s = pb_run_state(r);
    if (s->attr_ok)
        pthread_attr_destroy(&s->attr);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
}

#define SPAWN                                                                                      \
    .state_bytes = sizeof(struct spawn_state), .setup = spawn_setup, .op = spawn_op,               \
    .teardown = spawn_teardown
#define IDLE                                                                                       \
    .state_bytes = sizeof(struct idle_state), .setup = idle_setup, .op = idle_op,                  \
    .teardown = idle_teardown
#define POOL                                                                                       \
    .state_bytes = sizeof(struct pool_state), .setup = pool_setup, .op = pool_op,                  \
    .teardown = pool_teardown
#define PIN_CALL                                                                                   \
    .state_bytes = sizeof(struct pin_state), .setup = pin_setup, .op = pin_op, .verify = pin_verify
#define OTHER .place.needs = PB_NEED_OTHER_CPU
#define PINNED .place.at = PB_HOME_PINNED

static const struct pb_variant churn_variants[] = {
    {"spawn/unpinned", "pthread_create+join, creator and child unpinned", SPAWN,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_NONE, TARGET_HOME, 0)},
    {"spawn/unpinned_stack64k", "the same with a 64 KiB stack", SPAWN,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_NONE, TARGET_HOME, 64 << 10)},
    {"spawn/attr_pinned_same", "child pinned at creation (attr) to the creator's CPU", PINNED,
     SPAWN, .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_ATTR, TARGET_HOME, 0)},
    {"spawn/attr_pinned_other", "child pinned at creation (attr) to another CPU", PINNED, OTHER,
     SPAWN, .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_ATTR, TARGET_OTHER, 0)},
    {"spawn/self_pinned_same", "child pins itself on entry (sched_setaffinity), creator's CPU",
     PINNED, SPAWN, .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_SELF, TARGET_HOME, 0)},
    {"spawn/self_pinned_other", "child pins itself on entry to another CPU", PINNED, OTHER, SPAWN,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_SELF, TARGET_OTHER, 0)},
    {"spawn/attr_pinned_same_stack64k", "pinned at creation to the creator's CPU, 64 KiB stack",
     PINNED, SPAWN,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_ATTR, TARGET_HOME, 64 << 10)},
    {"pool/unpinned", "the same work handed to one long-lived unpinned worker", POOL,
     .param = PB_PARAM(struct churn_param, CHURN_POOL, PIN_NONE, TARGET_HOME, 0)},
    {"pool/pinned_same", "handed to one long-lived worker pinned to the submitter's CPU", PINNED,
     POOL, .param = PB_PARAM(struct churn_param, CHURN_POOL, PIN_ATTR, TARGET_HOME, 0)},
    {"pool/pinned_other", "handed to one long-lived worker pinned to another CPU", PINNED, OTHER,
     POOL, .param = PB_PARAM(struct churn_param, CHURN_POOL, PIN_ATTR, TARGET_OTHER, 0)},
    {"idle/default_stack", "32 idle threads alive at once, default stack: memory per thread", IDLE,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_NONE, TARGET_HOME, 0)},
    {"idle/stack64k", "the same with 64 KiB stacks", IDLE,
     .param = PB_PARAM(struct churn_param, CHURN_SPAWN, PIN_NONE, TARGET_HOME, 64 << 10)},
    {"pin_call/same_cpu", "sched_setaffinity to the CPU already running on", PINNED, PIN_CALL,
     .param = PB_PARAM(struct churn_param, CHURN_PIN_CALL, PIN_NONE, TARGET_HOME, 0)},
    {"pin_call/migrate", "sched_setaffinity to another CPU, until running there", PINNED, OTHER,
     PIN_CALL, .param = PB_PARAM(struct churn_param, CHURN_PIN_CALL, PIN_NONE, TARGET_OTHER, 0)},
};

static const struct pb_pair_decl churn_pairs[] = {
    PB_HEADLINE("spawn/unpinned", "spawn/attr_pinned_same", "op_p50_ns"),
    PB_HEADLINE("spawn/unpinned", "spawn/attr_pinned_other", "op_p50_ns"),
    PB_HEADLINE("spawn/unpinned", "spawn/self_pinned_same", "op_p50_ns"),
    PB_HEADLINE("spawn/unpinned", "spawn/self_pinned_other", "op_p50_ns"),
    PB_PAIR("spawn/unpinned", "spawn/unpinned_stack64k", "op_p50_ns"),
    /* what a small stack saves per idle thread (and the blocks the thread_memory claims read) */
    PB_HEADLINE("idle/default_stack", "idle/stack64k", "vmsize_per_thread_kib"),
    PB_PAIR("spawn/attr_pinned_same", "spawn/attr_pinned_same_stack64k", "op_p50_ns"),
    PB_HEADLINE("spawn/unpinned", "pool/unpinned", "op_p50_ns"),
    PB_HEADLINE("spawn/attr_pinned_same", "pool/pinned_same", "op_p50_ns"),
    PB_PAIR("spawn/attr_pinned_other", "pool/pinned_other", "op_p50_ns"),
    PB_HEADLINE("pin_call/same_cpu", "pin_call/migrate", "op_p50_ns"),
    PB_CONTROL("spawn/unpinned", "op_p50_ns"),
};

static const char *const churn_metrics[] = {[PB_METRIC_SLOT(METRIC_FIRST)] = "first_instruction"};
static const char *const churn_tallies[] = {
    [TALLY_ON_HOME] = "child_on_creator_cpu_ratio", [TALLY_WORK] = "work_per_op"};

const struct pb_family pb_family_churn = {
    .name = "churn",
    .question = "what does creating, pinning and ending threads cost, against keeping one alive?",
    .summary = "thread create/destroy churn, pinned and not, vs a long-lived worker; the pin call",
    PB_TABLE(variants, churn_variants),
    PB_TABLE(pairs, churn_pairs),
    PB_TABLE(metrics, churn_metrics),
    PB_TABLE(tallies, churn_tallies),
    .op_meaning =
        "create -> join (spawn), submit -> done (pool), call -> running on target (pin_call)",
};
