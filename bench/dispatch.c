/* dispatch: is it cheaper to pin per request, or to hand requests to a pool of long-lived
 * pinned owner threads? The request-serving model at the OS level.
 *
 * Closed loop: C client threads (C = the run's CPUs, at least 2) each issue one request per
 * round and wait for its answer; an operation is one round, so every client has exactly one
 * request in flight at a time. Open loop (open/...): the measuring thread issues one request
 * per operation at a fixed rate, load x CPUs / W per second, whether or not earlier ones are
 * done, and each request's latency runs from its intended start, so a stalled server is charged
 * for every request queued behind it (coordinated omission corrected); at most RING requests are
 * in flight, after which issuing waits for the oldest (and the lateness is charged too). Each
 * request carries W of CPU work (nominal, calibrated) and uses a thread-affine context whose first
 * use on a thread costs I (default 50 µs of work: a model of a GPU/GL context or per-thread library
 * state), so a thread per request pays I every time and a long-lived thread once.
 *
 * Invariants, checked every call: pinned threads run on their CPU; a pool has exactly N workers
 * plus the clients (the process's thread count is checked); every request is answered exactly
 * once; at shutdown every queue is empty and answers equal requests. */
#include "experiment.h"
#include "core/fifo.h"
#include "core/gang.h"
#include "core/pin.h"
#include "core/work.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum mode {
    TPR,            /* tpr/unpinned: a new thread per request (pthread_create + join) */
    TPR_PINNED,     /* tpr/pinned: the same, pinned at creation round-robin over the run's CPUs */
    INLINE,         /* the client does the work itself, no pinning: the baseline for the next two */
    PIN_MOVE,       /* the client pins itself to the next CPU round-robin (sched_setaffinity), does
                       the work and restores its mask: the per-request LockOSThread analog */
    PIN_SAME,       /* the same to the CPU it runs on: the bare syscalls */
    POOL_SHARED,    /* N long-lived unpinned workers on one shared queue */
    POOL_PINNED_RR, /* N pinned owners with a queue each, fed round-robin */
    POOL_PINNED_LEAST, /* the same, fed least-loaded; N = CPUs, or 2 x CPUs (oversubscribed) */
    BOUNDED,           /* the client does the work itself, at most max(1, CPUs/2) at a time */
};
struct dparam {
    enum mode mode;
    unsigned workers_per_cpu; /* pools */
    uint64_t work_ns;
    uint64_t init_ns;
    double load; /* open loop at load x CPUs / W requests per second; absent: closed loop */
};

enum { METRIC_REQUEST = 1 };               /* the family's latency series, after op */
enum { TALLY_ANSWERED, TALLY_INITS };      /* its tallies */
enum { REQ_FREE, REQ_INFLIGHT, REQ_DONE }; /* an open-loop request's state */

#define MAX_CLIENTS 64
#define MAX_WORKERS 1024
#define RING 256 /* open loop: requests in flight at most (each queue holds them all) */
_Static_assert(RING <= PB_FIFO_CAP, "a queue must hold every request in flight");

struct dstate;
struct request {
    struct dstate *d;
    struct client *owner;         /* closed loop; NULL in the open loop */
    pb_stamp_t intended, done_at; /* open loop */
    atomic_int state;             /* open loop: REQ_* */
    pthread_t thread;
    bool has_thread;
    int pin_cpu;         /* tpr pinned: where its thread must run; -1 otherwise */
    atomic_int answered; /* must end at exactly 1 */
    bool done;           /* under the owner's mutex */
    char err[160];
};

struct client {
    struct dstate *d;
    unsigned idx;
    struct pb_thread thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pb_recorder *rec;
    unsigned long issued, gen_seen;
    char err[200];
};

struct worker {
    struct dstate *d;
    unsigned idx;
    int cpu; /* -1: unpinned */
    struct pb_fifo *q;
    struct pb_thread thread;
};

struct dstate {
    const struct dparam *p;
    unsigned ncpu, n_clients, n_workers;
    int cpu[MAX_CLIENTS * 16];
    cpu_set_t run_cpus;  /* the run's CPUs: where the unpinned threads may run */
    struct pb_gang gang; /* the clients' rounds */
    /* serving */
    struct pb_fifo shared;
    struct pb_fifo *queues;
    struct worker *workers;
    struct client *clients;
    unsigned clients_started, workers_started;
    sem_t sem;
    bool sem_ok;
    atomic_ulong rr, answered, inits;
    unsigned long answered_seen, inits_seen;
    /* open loop */
    struct request *ring;
    unsigned long issued, reaped;
};

/* ---- the request itself ---- */

static _Thread_local bool ctx_ready; /* the thread-affine context, per thread */

static void serve(struct dstate *d, struct request *q)
{
    if (!ctx_ready) {
        pb_work_ns(d->p->init_ns);
        ctx_ready = true;
        atomic_fetch_add(&d->inits, 1);
    }
    pb_work_ns(d->p->work_ns);
    if (atomic_fetch_add(&q->answered, 1) == 0)
        atomic_fetch_add(&d->answered, 1);
}

static void respond(struct request *q)
{
    if (!q->owner) {
        q->done_at = pb_stamp();
        atomic_store_explicit(&q->state, REQ_DONE, memory_order_release);
        return;
    }
    struct client *c = q->owner;
    pthread_mutex_lock(&c->mu);
    q->done = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static void await(struct request *q)
{
    struct client *c = q->owner;
    pthread_mutex_lock(&c->mu);
    while (!q->done)
        pthread_cond_wait(&c->cv, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct request *q;
    while ((q = pb_fifo_pop(w->q)) != NULL) {
        if (w->cpu >= 0 && !pb_pin_on(w->cpu))
            snprintf(q->err, sizeof q->err, "worker %u pinned to CPU %d ran on CPU %d", w->idx,
                     w->cpu, sched_getcpu());
        serve(q->d, q);
        respond(q);
    }
    return NULL;
}

/* ---- one request, as each mode serves it ---- */

static void *request_thread(void *arg)
{
    struct request *q = arg;
    if (q->pin_cpu >= 0 && !pb_pin_on(q->pin_cpu))
        snprintf(q->err, sizeof q->err, "request thread pinned to CPU %d ran on CPU %d", q->pin_cpu,
                 sched_getcpu());
    serve(q->d, q);
    if (!q->owner)
        respond(q);
    return NULL;
}

static void serve_pinned_here(struct client *c, struct request *q, int target)
{
    cpu_set_t saved;
    if (pb_affinity_get(&saved) < 0 || pb_pin_move(target) < 0) {
        snprintf(q->err, sizeof q->err, "%s", pb_err());
        return;
    }
    serve(c->d, q);
    if (!pb_pin_on(target))
        snprintf(q->err, sizeof q->err, "client pinned to CPU %d ran on CPU %d", target,
                 sched_getcpu());
    if (pb_pin_self_mask(&saved) < 0) /* the unlock: verified, it is part of the cost */
        snprintf(q->err, sizeof q->err, "restoring the client's mask: %s", pb_err());
}

/* A thread per request, pinned at creation to the next CPU for tpr/pinned. 0, or -1 with the
 * reason in q->err. */
static int start_request_thread(struct dstate *d, struct request *q, unsigned next, pthread_t *t)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    if (d->p->mode == TPR_PINNED) {
        q->pin_cpu = d->cpu[next];
        if (pb_pin_attr(&a, q->pin_cpu) < 0) {
            pthread_attr_destroy(&a);
            snprintf(q->err, sizeof q->err, "%s", pb_err());
            return -1;
        }
    }
    int rc = pthread_create(t, &a, request_thread, q);
    pthread_attr_destroy(&a);
    if (rc != 0) {
        snprintf(q->err, sizeof q->err, "pthread_create: %s", strerror(rc));
        return -1;
    }
    return 0;
}

/* A pool's queue for the request: the shared one, the rr-th owner's, or the least loaded. */
static void enqueue(struct dstate *d, struct request *q, unsigned rr)
{
    struct pb_fifo *f = d->p->mode == POOL_SHARED      ? &d->shared
                        : d->p->mode == POOL_PINNED_RR ? &d->queues[rr % d->n_workers]
                                                       : pb_fifo_least(d->queues, d->n_workers, rr);
    pb_fifo_push(f, q);
}

static void issue(struct client *c, struct request *q)
{
    struct dstate *d = c->d;
    const struct dparam *p = d->p;
    unsigned next = (unsigned)((c->idx + c->issued) % d->ncpu);
    switch (p->mode) {
    case TPR:
    case TPR_PINNED: {
        pthread_t t;
        if (start_request_thread(d, q, next, &t) == 0)
            pthread_join(t, NULL);
        return;
    }
    case INLINE:
        serve(d, q);
        return;
    case PIN_MOVE:
        serve_pinned_here(c, q, d->cpu[next]);
        return;
    case PIN_SAME:
        serve_pinned_here(c, q, sched_getcpu());
        return;
    case BOUNDED:
        while (sem_wait(&d->sem) != 0 && errno == EINTR)
            ;
        serve(d, q);
        sem_post(&d->sem);
        return;
    case POOL_SHARED:
    case POOL_PINNED_RR:
    case POOL_PINNED_LEAST:
        enqueue(d, q, (unsigned)atomic_fetch_add(&d->rr, 1));
        break;
    }
    await(q);
}

static void *client_main(void *arg)
{
    struct client *c = arg;
    struct dstate *d = c->d;
    /* started on its own CPU (see dispatch_setup), from here on the run's CPUs */
    if (pb_pin_self_mask(&d->run_cpus) < 0)
        snprintf(c->err, sizeof c->err, "client %u: %s", c->idx, pb_err());
    pb_gang_arrive(&d->gang);
    while (pb_gang_next(&d->gang, &c->gen_seen)) {
        struct request q = {.d = d, .owner = c, .pin_cpu = -1};
        atomic_init(&q.answered, 0);
        pb_stamp_t t0 = pb_stamp();
        issue(c, &q);
        pb_stamp_t t1 = pb_stamp();
        pb_recorder_add(c->rec, t0, t1);
        c->issued++;
        int answers = atomic_load(&q.answered);
        if (q.err[0] && !c->err[0])
            snprintf(c->err, sizeof c->err, "%s", q.err);
        else if (answers != 1 && !c->err[0])
            snprintf(c->err, sizeof c->err, "request %lu of client %u answered %d times", c->issued,
                     c->idx, answers);
        pb_gang_done(&d->gang);
    }
    return NULL;
}

/* ---- the variant's life ---- */

static bool is_pool(enum mode m)
{
    return m == POOL_SHARED || m == POOL_PINNED_RR || m == POOL_PINNED_LEAST;
}

static int dispatch_setup(struct pb_run *r)
{
    const struct dparam *p = pb_run_param(r);
    struct dstate *d = pb_run_state(r);
    d->p = p;
    d->ncpu = (unsigned)pb_run_ncpus(r);
    if (d->ncpu > PB_ARRAY_LEN(d->cpu))
        d->ncpu = PB_ARRAY_LEN(d->cpu);
    for (unsigned i = 0; i < d->ncpu; i++)
        d->cpu[i] = pb_run_cpu(r, (int)i);
    pb_run_cpus(r, &d->run_cpus);
    d->n_clients = p->load > 0             ? 0
                   : d->ncpu < 2           ? 2
                   : d->ncpu > MAX_CLIENTS ? MAX_CLIENTS
                                           : d->ncpu;
    pb_gang_init(&d->gang, d->n_clients);
    if (p->load > 0) {
        d->ring = calloc(RING, sizeof *d->ring);
        if (!d->ring)
            return pb_run_fail(r, "out of memory");
        for (unsigned i = 0; i < RING; i++)
            atomic_init(&d->ring[i].state, REQ_FREE);
        uint64_t w = p->work_ns ? p->work_ns : 1000;
        pb_run_open_loop(r, p->load * d->ncpu * 1e9 / (double)w);
    }
    pb_fifo_init(&d->shared);
    atomic_init(&d->rr, 0);
    atomic_init(&d->answered, 0);
    atomic_init(&d->inits, 0);
    if (p->mode == BOUNDED) {
        unsigned permits = d->ncpu / 2 ? d->ncpu / 2 : 1;
        if (sem_init(&d->sem, 0, permits) != 0)
            return pb_run_fail(r, "sem_init: %s", strerror(errno));
        d->sem_ok = true;
    }
    if (is_pool(p->mode)) {
        d->n_workers = p->workers_per_cpu * d->ncpu;
        if (d->n_workers > MAX_WORKERS)
            d->n_workers = MAX_WORKERS;
        d->workers = calloc(d->n_workers, sizeof *d->workers);
        d->queues = calloc(d->n_workers, sizeof *d->queues);
        if (!d->workers || !d->queues)
            return pb_run_fail(r, "out of memory for %u workers", d->n_workers);
        for (unsigned i = 0; i < d->n_workers; i++) {
            struct worker *w = &d->workers[i];
            pb_fifo_init(&d->queues[i]);
            w->d = d;
            w->idx = i;
            w->cpu = p->mode == POOL_SHARED ? -1 : d->cpu[i % d->ncpu];
            w->q = p->mode == POOL_SHARED ? &d->shared : &d->queues[i];
            if (pb_run_spawn(r, &w->thread, w->cpu >= 0 ? w->cpu : PB_RUN_CPUS, worker_main, w,
                             "worker %u of %u", i, d->n_workers) < 0)
                return -1;
            d->workers_started++;
        }
    }
    d->clients = calloc(d->n_clients ? d->n_clients : 1, sizeof *d->clients);
    if (!d->clients)
        return pb_run_fail(r, "out of memory");
    for (unsigned i = 0; i < d->n_clients; i++) {
        struct client *c = &d->clients[i];
        c->d = d;
        c->idx = i;
        pthread_mutex_init(&c->mu, NULL);
        pthread_cond_init(&c->cv, NULL);
        c->rec = pb_run_recorder(r, METRIC_REQUEST, i);
        /* Each client starts on a CPU of its own, then runs unpinned. Started unpinned, where
         * the kernel put the new threads decided a whole block: with two clients on 2 CPUs, a
         * block whose clients began on one CPU mostly stayed there when they pinned themselves
         * per request (a same-CPU pin does not spread them), and read 36-42 us a request
         * against 16-19 us: 24 of 164 blocks in a run, 9 of 264 in four runs since. */
        if (pb_run_spawn(r, &c->thread, d->cpu[i % d->ncpu], client_main, c, "client %u of %u", i,
                         d->n_clients) < 0)
            return -1;
        d->clients_started++;
    }
    pb_gang_wait_arrived(&d->gang, d->clients_started);
    /* the pool's size, as the kernel sees it: N workers and the clients, nothing else */
    return pb_run_expect_threads(r, d->n_workers + d->n_clients);
}

/* Open loop: waits for a request to finish, charges its latency from its intended start. */
static int reap(struct pb_run *r, struct dstate *d, struct request *q)
{
    while (atomic_load_explicit(&q->state, memory_order_acquire) != REQ_DONE)
        sched_yield();
    if (q->has_thread)
        pthread_join(q->thread, NULL);
    q->has_thread = false;
    pb_run_record(r, METRIC_REQUEST, q->intended, q->done_at);
    atomic_store(&q->state, REQ_FREE);
    d->reaped++;
    int answers = atomic_load(&q->answered);
    if (q->err[0])
        return pb_run_fail(r, "%s", q->err);
    if (answers != 1)
        return pb_run_fail(r, "a request was answered %d times", answers);
    return 0;
}

/* This op's answered requests, and the contexts initialised since the last op. */
static void tally(struct pb_run *r, struct dstate *d, unsigned long answered)
{
    unsigned long inits = atomic_load(&d->inits);
    pb_run_tally(r, TALLY_ANSWERED, (double)answered);
    pb_run_tally(r, TALLY_INITS, (double)(inits - d->inits_seen));
    d->inits_seen = inits;
}

static int dispatch_open_op(struct pb_run *r, struct dstate *d)
{
    const struct dparam *p = d->p;
    struct request *q = &d->ring[d->issued % RING];
    unsigned long reaped_before = d->reaped;
    if (atomic_load(&q->state) != REQ_FREE && reap(r, d, q) < 0)
        return -1;
    q->d = d;
    q->owner = NULL;
    q->pin_cpu = -1;
    q->err[0] = '\0';
    atomic_store(&q->answered, 0);
    q->intended = pb_run_op_start(r);
    atomic_store(&q->state, REQ_INFLIGHT);
    unsigned next = (unsigned)(d->issued % d->ncpu);
    d->issued++;
    switch (p->mode) {
    case TPR:
    case TPR_PINNED:
        if (start_request_thread(d, q, next, &q->thread) < 0) {
            atomic_store(&q->state, REQ_FREE);
            return pb_run_fail(r, "%s (%lu requests in flight)", q->err, d->issued - d->reaped);
        }
        q->has_thread = true;
        break;
    case POOL_SHARED:
    case POOL_PINNED_RR:
    case POOL_PINNED_LEAST:
        enqueue(d, q, next);
        break;
    default: /* the generator serves it itself: a single-threaded server */
        serve(d, q);
        respond(q);
        break;
    }
    tally(r, d, d->reaped - reaped_before);
    return 0;
}

static int dispatch_op(struct pb_run *r)
{
    struct dstate *d = pb_run_state(r);
    if (d->ring)
        return dispatch_open_op(r, d);
    pb_gang_round(&d->gang);
    /* every request of the round has been answered: the counts are settled */
    unsigned long answered = atomic_load(&d->answered);
    tally(r, d, answered - d->answered_seen);
    d->answered_seen = answered;
    for (unsigned i = 0; i < d->n_clients; i++)
        if (d->clients[i].err[0])
            return pb_run_fail(r, "%s", d->clients[i].err);
    return 0;
}

static void dispatch_teardown(struct pb_run *r)
{
    struct dstate *d = pb_run_state(r);
    pb_gang_close(&d->gang);
    unsigned long issued = d->issued;
    /* open loop: everything still in flight is answered and charged, oldest first */
    for (unsigned long k = d->reaped; d->ring && k < d->issued; k++) {
        struct request *q = &d->ring[k % RING];
        if (atomic_load(&q->state) != REQ_FREE)
            reap(r, d, q);
    }
    for (unsigned i = 0; i < d->clients_started; i++) {
        pb_run_join(r, &d->clients[i].thread);
        issued += d->clients[i].issued;
    }
    pb_fifo_close(&d->shared);
    for (unsigned i = 0; d->queues && i < d->n_workers; i++)
        pb_fifo_close(&d->queues[i]);
    for (unsigned i = 0; i < d->workers_started; i++)
        pb_run_join(r, &d->workers[i].thread);
    /* nothing lost at shutdown: every queue drained, every request answered once */
    unsigned left = d->shared.len;
    for (unsigned i = 0; d->queues && i < d->n_workers; i++)
        left += d->queues[i].len;
    if (left)
        pb_run_fail(r, "%u request(s) still queued at shutdown", left);
    else if (atomic_load(&d->answered) != issued)
        pb_run_fail(r, "%lu requests issued, %lu answered", issued, atomic_load(&d->answered));
    for (unsigned i = 0; i < d->clients_started; i++) {
        pthread_cond_destroy(&d->clients[i].cv);
        pthread_mutex_destroy(&d->clients[i].mu);
    }
    if (d->sem_ok)
        sem_destroy(&d->sem);
    pb_gang_destroy(&d->gang);
    free(d->clients);
    free(d->ring);
    free(d->workers);
    free(d->queues);
}

/* ---- the table ---- */

#define US 1000u
#define INIT (50 * US)
#define D                                                                                          \
    .state_bytes = sizeof(struct dstate), .setup = dispatch_setup, .op = dispatch_op,              \
    .teardown = dispatch_teardown, .sample_threads = true

/* A variant: how requests are served, workers per CPU (pools), each request's work in µs, the
 * open loop's load (0: closed loop); a request's context costs INIT on a thread's first use.
 * FULL: the same, in the full profile only (the rest of the open-loop sweep). */
#define V(name_, what_, mode_, workers_per_cpu_, work_us_, load_, ...)                             \
    {                                                                                              \
        name_, what_, D,                                                                           \
            .param = PB_PARAM(struct dparam, mode_, workers_per_cpu_, (work_us_)*US, INIT, load_), \
            ##__VA_ARGS__                                                                          \
    }
#define FULL(...) V(__VA_ARGS__, .full_profile_only = true)

static const struct pb_variant dispatch_variants[] = {
    V("tpr/unpinned", "a new unpinned thread per request", TPR, 0, 10, 0),
    V("tpr/pinned", "a new thread per request, pinned at creation round-robin", TPR_PINNED, 0, 10,
      0),
    V("inline/unpinned", "the client does the work itself, no pinning", INLINE, 0, 10, 0),
    V("pin_per_request/move", "the client pins itself to the next CPU per request and restores",
      PIN_MOVE, 0, 10, 0),
    V("pin_per_request/same_cpu", "the client pins itself to the CPU it is on, and restores",
      PIN_SAME, 0, 10, 0),
    V("pool/unpinned_shared", "N = CPUs unpinned workers on one shared queue", POOL_SHARED, 1, 10,
      0),
    V("pool/pinned_rr", "N = CPUs pinned owners, a queue each, round-robin", POOL_PINNED_RR, 1, 10,
      0),
    V("pool/pinned_least", "N = CPUs pinned owners, least-loaded dispatch", POOL_PINNED_LEAST, 1,
      10, 0),
    V("pool/unpinned_shared_over", "N = 2 x CPUs unpinned workers (oversubscribed)", POOL_SHARED, 2,
      10, 0),
    V("pool/pinned_rr_over", "N = 2 x CPUs pinned owners (oversubscribed)", POOL_PINNED_RR, 2, 10,
      0),
    V("bounded/semaphore", "the client does the work, at most CPUs/2 at a time, no pinning",
      BOUNDED, 0, 10, 0),
    V("tpr/unpinned_w0", "thread per request, no work", TPR, 0, 0, 0),
    V("pool/pinned_rr_w0", "pinned pool, no work", POOL_PINNED_RR, 1, 0, 0),
    V("tpr/unpinned_w1us", "thread per request, 1 us of work", TPR, 0, 1, 0),
    V("pool/pinned_rr_w1us", "pinned pool, 1 us of work", POOL_PINNED_RR, 1, 1, 0),
    V("tpr/unpinned_w100us", "thread per request, 100 us of work", TPR, 0, 100, 0),
    V("pool/pinned_rr_w100us", "pinned pool, 100 us of work", POOL_PINNED_RR, 1, 100, 0),
    V("open/pool_pinned_rr_load10", "open loop at 10% of CPUs/W: pinned pool, round-robin",
      POOL_PINNED_RR, 1, 10, 0.1),
    V("open/pool_pinned_rr_load40", "open loop at 40%: pinned pool, round-robin", POOL_PINNED_RR, 1,
      10, 0.4),
    V("open/pool_unpinned_shared_load40", "open loop at 40%: unpinned pool, shared queue",
      POOL_SHARED, 1, 10, 0.4),
    V("open/tpr_unpinned_load10", "open loop at 10%: a thread per request", TPR, 0, 10, 0.1),
    V("open/tpr_unpinned_load40", "open loop at 40%: a thread per request", TPR, 0, 10, 0.4),
    V("open/inline_load10", "open loop at 10%: the generator serves each request itself", INLINE, 0,
      10, 0.1),
    FULL("open/pool_pinned_rr_load05", "open loop at 5%: pinned pool", POOL_PINNED_RR, 1, 10, 0.05),
    FULL("open/pool_pinned_rr_load20", "open loop at 20%: pinned pool", POOL_PINNED_RR, 1, 10, 0.2),
    FULL("open/pool_pinned_rr_load60", "open loop at 60%: pinned pool", POOL_PINNED_RR, 1, 10, 0.6),
    FULL("open/pool_pinned_rr_load80", "open loop at 80%: pinned pool", POOL_PINNED_RR, 1, 10, 0.8),
    FULL("open/pool_unpinned_shared_load05", "open loop at 5%: unpinned pool", POOL_SHARED, 1, 10,
         0.05),
    FULL("open/pool_unpinned_shared_load10", "open loop at 10%: unpinned pool", POOL_SHARED, 1, 10,
         0.1),
    FULL("open/pool_unpinned_shared_load20", "open loop at 20%: unpinned pool", POOL_SHARED, 1, 10,
         0.2),
    FULL("open/pool_unpinned_shared_load60", "open loop at 60%: unpinned pool", POOL_SHARED, 1, 10,
         0.6),
    FULL("open/pool_unpinned_shared_load80", "open loop at 80%: unpinned pool", POOL_SHARED, 1, 10,
         0.8),
    FULL("open/tpr_unpinned_load05", "open loop at 5%: a thread per request", TPR, 0, 10, 0.05),
    FULL("open/tpr_unpinned_load20", "open loop at 20%: a thread per request", TPR, 0, 10, 0.2),
};

static const struct pb_pair_decl dispatch_pairs[] = {
    PB_HEADLINE("tpr/unpinned", "pool/pinned_rr", "request_p50_ns"),
    PB_PAIR("tpr/unpinned", "pool/pinned_rr", "requests_answered_per_op"),
    PB_HEADLINE("tpr/unpinned", "tpr/pinned", "request_p50_ns"),
    PB_HEADLINE("inline/unpinned", "pin_per_request/move", "request_p50_ns"),
    PB_HEADLINE("inline/unpinned", "pin_per_request/same_cpu", "request_p50_ns"),
    PB_HEADLINE("pool/unpinned_shared", "pool/pinned_rr", "request_p50_ns"),
    PB_PAIR("pool/pinned_rr", "pool/pinned_least", "request_p50_ns"),
    PB_PAIR("pool/pinned_rr", "pool/pinned_rr_over", "request_p50_ns"),
    PB_PAIR("pool/unpinned_shared", "pool/unpinned_shared_over", "request_p50_ns"),
    PB_PAIR("inline/unpinned", "bounded/semaphore", "request_p50_ns"),
    PB_PAIR("tpr/unpinned_w0", "pool/pinned_rr_w0", "request_p50_ns"),
    PB_PAIR("tpr/unpinned_w1us", "pool/pinned_rr_w1us", "request_p50_ns"),
    PB_PAIR("tpr/unpinned_w100us", "pool/pinned_rr_w100us", "request_p50_ns"),
    PB_PAIR("open/tpr_unpinned_load10", "open/pool_pinned_rr_load10", "request_p99_ns"),
    PB_PAIR("open/tpr_unpinned_load40", "open/pool_pinned_rr_load40", "request_p99_ns"),
    PB_PAIR("open/pool_unpinned_shared_load40", "open/pool_pinned_rr_load40", "request_p99_ns"),
    PB_PAIR("open/pool_pinned_rr_load10", "open/pool_pinned_rr_load40", "request_p99_ns"),
};

static const char *const dispatch_metrics[] = {[PB_METRIC_SLOT(METRIC_REQUEST)] = "request"};
static const char *const dispatch_tallies[] = {
    [TALLY_ANSWERED] = "requests_answered_per_op", [TALLY_INITS] = "context_inits_per_op"};

const struct pb_family pb_family_dispatch = {
    .name = "dispatch",
    .question =
        "per-request pinning or a pinned pool: which serves requests faster, with fewer threads?",
    .summary = "per-request pinning vs pinned pools: closed-loop requests, threads, tail latency",
    PB_TABLE(variants, dispatch_variants),
    PB_TABLE(pairs, dispatch_pairs),
    PB_TABLE(metrics, dispatch_metrics),
    PB_TABLE(tallies, dispatch_tallies),
    .rate_tally = TALLY_ANSWERED + 1,
    .op_meaning = "one round: every client issues one request and gets its answer",
};
