/* fifo: a bounded blocking queue of pointers that consumers drain until it is closed: the
 * request queues of worker pools. Producers never block (the caller bounds what is in flight to
 * PB_FIFO_CAP); a consumer sleeps on the queue's condition variable until an item or the close
 * arrives. `depth` may be read without the lock (least-loaded dispatch), and is exact whenever
 * the queue is quiet. */
#ifndef PB_FIFO_H
#define PB_FIFO_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define PB_FIFO_CAP 256 /* items queued at most */

struct pb_fifo {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void *slot[PB_FIFO_CAP + 1];
    unsigned head, len;
    atomic_uint depth;
    bool quit;
};

/* Before first use. Nothing to destroy: the lock and the condition variable have default
 * attributes and hold no resources. */
void pb_fifo_init(struct pb_fifo *q);
/* Appends p; the caller keeps at most PB_FIFO_CAP items queued (a program bug otherwise). */
void pb_fifo_push(struct pb_fifo *q, void *p);
/* The oldest item, waiting for one; NULL once the queue is closed and drained. */
void *pb_fifo_pop(struct pb_fifo *q);
/* Of n queues, the first found with the fewest items, scanning from qs[start % n] (callers
 * rotate start so that ties spread); read without the queues' locks, so a hint under load. */
struct pb_fifo *pb_fifo_least(struct pb_fifo *qs, unsigned n, unsigned start);
/* Wakes every consumer: they drain what is queued, then pb_fifo_pop returns NULL. */
void pb_fifo_close(struct pb_fifo *q);

#endif
