/* gang: a fixed set of experiment threads released together, round after round. The measuring
 * thread starts a round and waits until every member has finished it; members wait for the next
 * round or for the gang to close. Everything written by the coordinator before a round is
 * visible to members in it, and everything members write in a round is visible to the
 * coordinator when the round returns (all through the gang's mutex). */
#ifndef PB_GANG_H
#define PB_GANG_H

#include <pthread.h>
#include <stdbool.h>

struct pb_gang {
    pthread_mutex_t mu;
    pthread_cond_t start, finish;
    unsigned long gen;
    unsigned n, finished, arrived;
    bool quit;
};

void pb_gang_init(struct pb_gang *g, unsigned n);
void pb_gang_destroy(struct pb_gang *g);
/* Member: announce, once, that it has started running. */
void pb_gang_arrive(struct pb_gang *g);
/* Coordinator: wait until `n` members have arrived. */
void pb_gang_wait_arrived(struct pb_gang *g, unsigned n);
/* Member: wait for the next round (true) or the gang's closing (false). *seen is the member's
 * own round counter, starting at 0. */
bool pb_gang_next(struct pb_gang *g, unsigned long *seen);
/* Member: this round is done. */
void pb_gang_done(struct pb_gang *g);
/* Coordinator: release every member for one round and wait until all are done. */
void pb_gang_round(struct pb_gang *g);
/* Coordinator: tell members to leave (they return false from pb_gang_next); join them after. */
void pb_gang_close(struct pb_gang *g);

#endif
