/* extprog: running an external program (gnuplot, pinbench itself) as data-only argv, never
 * through a shell, in its own process group, under a time limit.
 *
 * No string reaches a shell: argv is passed as it is. The child runs in a new process group so
 * that a timeout, or a stop requested by the caller (Ctrl-C), ends it and everything it
 * started; its standard output and error go to `out_fd` (or /dev/null). */
#ifndef PB_EXTPROG_H
#define PB_EXTPROG_H

#include <stdbool.h>
#include <stddef.h>

struct pb_extprog {
    const char *const *argv; /* argv[0] is looked up in PATH when it has no '/' */
    int cwd_fd;              /* the child's working directory, -1 for ours */
    int out_fd;              /* stdout and stderr, -1 for /dev/null */
    double timeout_s;        /* 0: none */
    bool (*stop)(void);      /* polled while waiting: true ends the child now; NULL: never */
};

enum pb_extprog_end { PB_EXTPROG_EXITED, PB_EXTPROG_FAILED_TO_START, PB_EXTPROG_TIMED_OUT, PB_EXTPROG_STOPPED,
                    PB_EXTPROG_KILLED };

/* Runs the program and waits. Returns how it ended; *status is its exit status when it exited
 * (else -1), and `why` (len bytes) says in words what happened ("exit status 1", "no such
 * program: gnuplot", "did not finish in 60 s: killed", "killed by signal 9"). */
enum pb_extprog_end pb_extprog_run(const struct pb_extprog *sp, int *status, char *why, size_t len);

/* Seconds an external program may take: PINBENCH_EXTERNAL_TIMEOUT_S when set to a number in
 * 0.1..86400 (tests), else `fallback`. */
double pb_extprog_timeout_s(double fallback);

#endif
