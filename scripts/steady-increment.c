/* steady-increment: an independent check of serialize's per-increment times. N producer threads
 * increment one shared counter (atomic fetch_add or a mutex) without pause for S seconds; the
 * time per increment is the wall time over all increments. No batches, no releases: the steady
 * state the batched measurement must come close to.
 *
 *   cc -O2 -pthread scripts/steady-increment.c -o steady-increment
 *   ./steady-increment atomic|mutex [producers, 8] [seconds, 2]
 *
 * Prints "<kind> <producers> producers: <ns> ns per increment (<count> increments in <s> s)". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Alignas(64) atomic_ulong counter;
static _Alignas(64) pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long plain;
static _Alignas(64) atomic_bool stop_flag;
static atomic_bool go;
static int use_mutex;

static void *producer(void *arg)
{
    unsigned long *mine = arg;
    while (!atomic_load_explicit(&go, memory_order_acquire))
        ;
    unsigned long n = 0;
    while (!atomic_load_explicit(&stop_flag, memory_order_relaxed)) {
        for (int k = 0; k < 256; k++) { /* the stop flag is read every 256 increments */
            if (use_mutex) {
                pthread_mutex_lock(&mu);
                plain++;
                pthread_mutex_unlock(&mu);
            } else {
                atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
            }
        }
        n += 256;
    }
    *mine = n;
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "atomic") && strcmp(argv[1], "mutex"))) {
        fprintf(stderr, "usage: %s atomic|mutex [producers] [seconds]\n", argv[0]);
        return 2;
    }
    use_mutex = !strcmp(argv[1], "mutex");
    int n = argc > 2 ? atoi(argv[2]) : 8;
    double secs = argc > 3 ? atof(argv[3]) : 2;
    if (n < 1 || n > 1024 || !(secs > 0)) {
        fprintf(stderr, "%s: producers 1..1024, seconds > 0\n", argv[0]);
        return 2;
    }
    pthread_t *t = calloc((size_t)n, sizeof *t);
    unsigned long *counts = calloc((size_t)n, sizeof *counts);
    if (!t || !counts)
        return 1;
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, producer, &counts[i]) != 0) {
            fprintf(stderr, "%s: pthread_create failed\n", argv[0]);
            return 1;
        }
    double t0 = now_s();
    atomic_store_explicit(&go, 1, memory_order_release);
    struct timespec d = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(&stop_flag, 1);
    unsigned long total = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        total += counts[i];
    }
    double el = now_s() - t0;
    unsigned long want = use_mutex ? plain : atomic_load(&counter);
    if (want != total) {
        fprintf(stderr, "%s: counter %lu, increments counted %lu\n", argv[0], want, total);
        return 1;
    }
    printf("%s %d producers: %.2f ns per increment (%lu increments in %.2f s)\n", argv[1], n,
           el * 1e9 / (double)total, total, el);
    free(t);
    free(counts);
    return 0;
}
