/* pin: affinity changes that are checked, never assumed.
 *
 * A pin sets the mask, reads it back, and confirms with sched_getcpu() that the thread now runs
 * inside it (sched_setaffinity migrates the caller before returning, so the check holds at once
 * unless something else changed the mask). Any mismatch is an error naming the thread, the CPU
 * and what was found: a result measured under a failed pin is invalid, not merely noisy. */
#ifndef PB_PIN_H
#define PB_PIN_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

/* The calling thread's current mask. Returns 0 or -1. */
int pb_affinity_get(cpu_set_t *out);
/* Sets the calling thread's mask to `mask` and verifies it (read back, current CPU inside).
 * Returns 0 or -1 with pb_err(). */
int pb_pin_self_mask(const cpu_set_t *mask);
/* Pins the calling thread to one CPU, verified. Returns 0 or -1. */
int pb_pin_self(int cpu);
/* Verifies that the calling thread's mask is exactly {cpu} and it runs there. 0 or -1. */
int pb_pin_verify(int cpu);
/* Cheap per-operation check: the thread runs on `cpu` right now (sched_getcpu, no syscall on
 * kernels with rseq). */
static inline bool pb_pin_on(int cpu)
{
    return sched_getcpu() == cpu;
}
/* The bare sched_setaffinity to one CPU, for experiments that measure the pin call itself.
 * Unverified by design: the caller verifies outside the timed region (pb_pin_verify). 0 or -1. */
int pb_pin_self_unchecked(int cpu);
/* Moves the calling thread to `cpu` with the bare sched_setaffinity and returns once
 * sched_getcpu() reports it there: the whole cost of a pin that forces a migration. Unverified
 * beyond the CPU it lands on (verify the mask outside the timed region). 0 or -1. */
int pb_pin_move(int cpu);
/* Sets a pthread attribute so the new thread starts pinned to `cpu`. Returns 0 or -1. */
int pb_pin_attr(pthread_attr_t *attr, int cpu);

/* Confinement: keeps every other thread of this process off one CPU, the stand-in for an
 * isolated CPU on a box that has none. Each other thread's mask loses `cpu` (the old masks are
 * kept for pb_unconfine); threads started afterwards inherit their creator's mask and are not
 * covered, so start them with a mask of their own. Other processes and kernel threads are not
 * affected: that is what isolcpus= is for. */
#define PB_CONFINE_MAX 512
struct pb_confine {
    int cpu;
    int n;
    pid_t tid[PB_CONFINE_MAX];
    cpu_set_t saved[PB_CONFINE_MAX];
};
/* Returns the number of threads confined (0: the caller is alone), or -1 with pb_err() (a
 * thread whose only CPU is `cpu` cannot be confined; what was changed is undone). */
int pb_confine_others(int cpu, struct pb_confine *c);
/* Restores the saved masks (threads that exited meanwhile are skipped). */
void pb_unconfine(struct pb_confine *c);
/* 0 when no thread of the process but the caller may run on `cpu`, or -1 with pb_err() naming
 * one that may. */
int pb_confine_check(int cpu);

#endif
