/* cli: what the command-line files share (main.c: options, help, list, env and dispatch;
 * cli_run.c: `pinbench run`). */
#ifndef PB_CLI_H
#define PB_CLI_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pb_env;
struct pb_pmu;
struct pb_results;

struct profile {
    const char *name;
    int repetitions;   /* blocks per side at least */
    double min_time_s; /* one block */
    double budget_s;   /* measuring time */
    const char *what;
};

extern const struct profile pb_cli_profiles[];
extern const size_t pb_cli_n_profiles;

struct opts {
    const char *cpus, *profile, *out, *label, *clock, *topology, *counters;
    double precision_pct, budget_s; /* run: CI half-width target; measuring time, 0: profile's */
    bool json, check;
    bool unpaired;       /* run: every variant alone, no paired blocks (smoke runs) */
    bool quiet, verbose; /* run: -q only errors and the folder; -v Google Benchmark's table too */
    double watchdog_s;   /* run: per-call limit, 0 off */
    int gb_argc;
    char **gb_argv;
};

/* main.c */
extern struct pb_results *main_results; /* the unpublished folder, removed on any exit */
extern char *main_published;            /* the published folder, once there is one */
void main_on_stop(int signo);
void main_abort_results(void);
void main_keep_results(void);
const char *main_signal_name(int sig);
void main_warn_stop(struct pb_env *env, int stop);
int setup_cpus(const char *list, cpu_set_t *cpus);

/* options.c: run's, list's or env's options (cmd) into *o; 0, -1 when --help was printed, or
 * the exit status of a usage error (already said). Free o->gb_argv in every case. */
int pb_cli_options(int argc, char **argv, const char *cmd, struct opts *o);

/* cli_run.c */
int cmd_run(int argc, char **argv, struct opts *o);

#endif
