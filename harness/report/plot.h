/* plot: gnuplot run as a data-only program, and its pictures checked before they are kept.
 *
 * Nothing pinbench passes to gnuplot is code: the script is one of ours (scripts/<name>.gp), every
 * value reaches it as an argument (`gnuplot -c script ARG1..ARG9`, read as strings, never
 * evaluated), and it runs with its working directory set to the folder it reads and writes, so
 * no path (with whatever quotes a user's --out or a host name hold) appears in it at all. The
 * run has a time limit, ends early when the caller is stopping, and every picture it leaves is
 * checked to be whole (PNG: signature and IEND chunk; SVG: its closing tag): a killed or
 * memory-starved gnuplot's half-written file is removed, not published. */
#ifndef PB_PLOT_H
#define PB_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#define PB_PLOT_MAX_ARGS 9
/* Seconds one gnuplot run may take before it is killed (PINBENCH_EXTERNAL_TIMEOUT_S
 * overrides). */
#define PB_PLOT_TIMEOUT_S 120.0

/* The scripts folder: $PINBENCH_SCRIPTS, else beside the binary's repository (build/pinbench,
 * build/<flavour>/...), else ./scripts. Heap string. */
char *pb_plot_scripts_dir(void);

/* Runs `gnuplot -c <scripts>/<script> args...` in the folder `dir_fd`, with its output into
 * that folder's `log_name` (removed when the run was clean). Then checks every file in the
 * folder whose name starts with `prefix` and ends in .svg or .png, removing incomplete ones.
 * Returns the number of pictures kept, or -1 with pb_err() saying why none should be trusted
 * (gnuplot missing, failed, timed out, stopped: the pictures of this run are then removed). */
int pb_plot_run(int dir_fd, const char *script, const char *const *args, size_t n_args,
                const char *prefix, const char *log_name, bool (*stop)(void));

/* Whether the file `name` below dir_fd is a complete PNG or SVG (by its name's suffix). */
bool pb_plot_file_complete(int dir_fd, const char *name);

#endif
