/* gang: rounds of experiment threads. */
#include "core/gang.h"

#include <string.h>

void pb_gang_init(struct pb_gang *g, unsigned n)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->start, NULL);
    pthread_cond_init(&g->finish, NULL);
}

void pb_gang_destroy(struct pb_gang *g)
{
    pthread_cond_destroy(&g->finish);
    pthread_cond_destroy(&g->start);
    pthread_mutex_destroy(&g->mu);
}

void pb_gang_arrive(struct pb_gang *g)
{
    pthread_mutex_lock(&g->mu);
    g->arrived++;
    pthread_cond_broadcast(&g->finish);
    pthread_mutex_unlock(&g->mu);
}

void pb_gang_wait_arrived(struct pb_gang *g, unsigned n)
{
    pthread_mutex_lock(&g->mu);
    while (g->arrived < n)
        pthread_cond_wait(&g->finish, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

bool pb_gang_next(struct pb_gang *g, unsigned long *seen)
{
    pthread_mutex_lock(&g->mu);
    while (*seen == g->gen && !g->quit)
        pthread_cond_wait(&g->start, &g->mu);
    bool go = !g->quit;
    *seen = g->gen;
    pthread_mutex_unlock(&g->mu);
    return go;
}

void pb_gang_done(struct pb_gang *g)
{
    pthread_mutex_lock(&g->mu);
    if (++g->finished == g->n)
        pthread_cond_broadcast(&g->finish);
    pthread_mutex_unlock(&g->mu);
}

void pb_gang_round(struct pb_gang *g)
{
    pthread_mutex_lock(&g->mu);
    g->gen++;
    g->finished = 0;
    pthread_cond_broadcast(&g->start);
    while (g->finished < g->n)
        pthread_cond_wait(&g->finish, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

void pb_gang_close(struct pb_gang *g)
{
    pthread_mutex_lock(&g->mu);
    g->quit = true;
    pthread_cond_broadcast(&g->start);
    pthread_mutex_unlock(&g->mu);
}
