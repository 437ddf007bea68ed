/* fifo: the bounded blocking queue. */
#include "core/fifo.h"

#include "util.h"

void pb_fifo_init(struct pb_fifo *q)
{
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->head = q->len = 0;
    q->quit = false;
    atomic_init(&q->depth, 0);
}

void pb_fifo_push(struct pb_fifo *q, void *p)
{
    pthread_mutex_lock(&q->mu);
    PB_CHECK(q->len < PB_FIFO_CAP + 1);
    q->slot[(q->head + q->len) % (PB_FIFO_CAP + 1)] = p;
    q->len++;
    atomic_fetch_add(&q->depth, 1);
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void *pb_fifo_pop(struct pb_fifo *q)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->quit)
        pthread_cond_wait(&q->cv, &q->mu);
    void *p = NULL;
    if (q->len) {
        p = q->slot[q->head];
        q->head = (q->head + 1) % (PB_FIFO_CAP + 1);
        q->len--;
        atomic_fetch_sub(&q->depth, 1);
    }
    pthread_mutex_unlock(&q->mu);
    return p;
}

void pb_fifo_close(struct pb_fifo *q)
{
    pthread_mutex_lock(&q->mu);
    q->quit = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

struct pb_fifo *pb_fifo_least(struct pb_fifo *qs, unsigned n, unsigned start)
{
    unsigned best = start % n, best_depth = atomic_load(&qs[best].depth);
    for (unsigned k = 1; k < n && best_depth > 0; k++) {
        unsigned i = (start + k) % n, depth = atomic_load(&qs[i].depth);
        if (depth < best_depth)
            best = i, best_depth = depth;
    }
    return &qs[best];
}
