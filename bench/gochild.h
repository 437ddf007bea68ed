/* gochild: the go family's child process (bench/go/main.go, built into build/go/pbgo) and the
 * line protocol pinbench speaks with it. Parsing is pure, so it is tested on captured replies
 * (tests/unit/gochild.c); the rest starts, feeds and ends one child per timed call. */
#ifndef PB_GOCHILD_H
#define PB_GOCHILD_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The child's first line: which Go, how many Ps, its threads before any workload. */
struct pb_go_hello {
    char version[40]; /* "go1.19.8" */
    int gomaxprocs, ncpu;
    long threads;
};

/* One `run N` answer. Optional keys read -1 (counts) or NAN (times) when absent. */
struct pb_go_reply {
    double ns;          /* the N operations, by the child's monotonic clock */
    long threads;       /* alive after the run (/proc/self/status) */
    long sigurg;        /* SIGURG deliveries seen by signal.Notify (a lower bound) */
    long counted;       /* operations the workload checked it completed */
    long new_threads;   /* threads that ran its goroutines and did not exist before */
    double overhead_ns; /* the gang released with no work */
    double *lat_ns;     /* per-request latencies, into the caller's array */
    size_t n_lat, cap_lat;
};

/* Parses "hello go_version=... gomaxprocs=N ncpu=N threads=N". 0, or -1 with pb_err(). */
int pb_go_parse_hello(const char *line, struct pb_go_hello *h);
/* Parses the answer to `setup`: "ok gomaxprocs=N" (the workload may have changed it). 0 with
 * *gomaxprocs, or -1 with pb_err() (the child's own "err MESSAGE" included). */
int pb_go_parse_setup(const char *line, int *gomaxprocs);
/* Parses the answer to `end`: "ok sigurg=K", the signals counted since the last answer. 0 with
 * *sigurg, or -1 with pb_err(). */
int pb_go_parse_end(const char *line, long *sigurg);
/* Parses a bare "ok" (the answer to `resume`). 0, or -1 with pb_err() (the child's own "err
 * MESSAGE" included). */
int pb_go_parse_ok(const char *line);
/* Parses "ok ns=... ..." into *r (lat_ns and cap_lat set by the caller; more latencies than
 * cap_lat is an error), or "err MESSAGE" into an error. A missing required key (ns, threads,
 * sigurg, counted), an unknown key or a malformed number is an error too: the protocol is
 * pinbench's own, and a silent mismatch would publish wrong numbers. 0, or -1 with pb_err(). */
int pb_go_parse_reply(const char *line, struct pb_go_reply *r);

/* Where the child binary is: $PINBENCH_GO if set, else go/pbgo beside the running pinbench or
 * one folder up (build/pinbench, build/asan/pinbench -> build/go/pbgo). 0 with the path, or -1
 * with pb_err() saying what is missing and how to get it. */
int pb_go_binary(char *path, size_t len);

struct pb_go_child {
    pid_t pid;
    int fd; /* our end of the socket: the child's stdin and stdout */
    char buf[65536];
    size_t have; /* bytes in buf not yet returned as lines */
};

/* Starts the child on `cpus` (unpinned there: GOMAXPROCS follows their number) in its own
 * process group, so a terminal's ^C stops pinbench after the current operation rather than
 * killing the child under it, and reads its hello. `godebug` (NULL: none) replaces GODEBUG in
 * its environment. 0, or -1 with pb_err(). */
int pb_go_start(struct pb_go_child *c, const char *path, const cpu_set_t *cpus, const char *godebug,
                struct pb_go_hello *hello);
/* Sends one command line and reads the one-line answer into `line` (newline removed), waiting
 * at most timeout_s. 0, or -1 with pb_err() (the child died, hung, or answered too long). */
int pb_go_ask(struct pb_go_child *c, const char *cmd, char *line, size_t len, double timeout_s);
/* Closes the child's input (it tears its workload down and exits), waits up to 2 s, then kills
 * it. Returns -1 with pb_err() if it had to be killed or did not exit 0. Safe on a child that
 * never started. */
int pb_go_stop(struct pb_go_child *c);

#endif
