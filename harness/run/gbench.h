/* gbench: the C API over Google Benchmark (the one C++ file is gbench.cc).
 *
 * Google Benchmark runs the variants: repetitions, random interleaving, filters, its console/
 * JSON/CSV display and its JSON schema, so existing tools read pinbench's gbench.json. This
 * layer lets C register functions, drive the batched loop with manual time, publish counters,
 * labels and skip-with-error, add context entries, and receive every reported run (each
 * repetition and each aggregate) through a callback. */
#ifndef PB_GBENCH_H
#define PB_GBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pb_gb_state pb_gb_state; /* a benchmark::State */
typedef void (*pb_gb_fn)(pb_gb_state *st, void *user);

struct pb_gb_opts {
    bool manual_time;    /* time comes from pb_gb_set_iteration_time (names end /manual_time) */
    int64_t iterations;  /* fixed iterations per repetition; 0 lets Google Benchmark choose */
    const int64_t *args; /* arguments readable with pb_gb_arg, appended to the name */
    size_t n_args;
};

/* Counter flags, mapped onto benchmark::Counter::Flags. */
enum {
    PB_GB_COUNTER_PLAIN = 0,
    PB_GB_COUNTER_RATE = 1,           /* value / elapsed seconds */
    PB_GB_COUNTER_AVG_ITERATIONS = 2, /* value / iterations */
};

/* Registers `fn` under `name`. Returns its index (>= 0) for pb_gb_run_block, or -1 with
 * pb_err() if name or fn is missing. */
int pb_gb_register(const char *name, pb_gb_fn fn, void *user, const struct pb_gb_opts *opts);

/* The batched loop: true while another batch of n iterations should run. */
bool pb_gb_keep_running_batch(pb_gb_state *st, uint64_t n);
uint64_t pb_gb_max_iterations(const pb_gb_state *st);
/* Adds `seconds` of manual time for the batch just run. */
void pb_gb_set_iteration_time(pb_gb_state *st, double seconds);
void pb_gb_counter(pb_gb_state *st, const char *name, double value, unsigned flags);
void pb_gb_label(pb_gb_state *st, const char *label);
/* Marks the run failed with `msg`; the caller must then stop looping and return. */
void pb_gb_skip_with_error(pb_gb_state *st, const char *msg);
bool pb_gb_error_occurred(const pb_gb_state *st);
int64_t pb_gb_arg(const pb_gb_state *st, size_t i);

/* Adds a key/value pair to the "context" of every report. */
void pb_gb_add_context(const char *key, const char *value);

/* One reported run: a repetition (aggregate == false) or an aggregate (mean, median...). */
struct pb_gb_report {
    const char *name; /* full benchmark name, e.g. "churn/spawn/unpinned/manual_time" */
    bool aggregate;
    const char *aggregate_name; /* "" for repetitions */
    int64_t repetition_index;   /* -1 for aggregates */
    int64_t repetitions;
    bool error;
    const char *error_message;
    uint64_t iterations;
    double real_time_ns; /* per iteration */
    double cpu_time_ns;  /* per iteration */
    size_t n_counters;
    const char *const *counter_names;
    const double *counter_values; /* after Google Benchmark's flag processing */
};
typedef void (*pb_gb_report_fn)(const struct pb_gb_report *run, void *user);

/* Consumes Google Benchmark's flags from argv. Returns 0, or -1 with pb_err() naming the first
 * argument neither Google Benchmark nor pinbench understands. */
int pb_gb_init(int *argc, char **argv);
/* Blocks. pinbench's scheduler decides what runs when (paired blocks, see pairs.h); Google
 * Benchmark runs each block: one repetition of one benchmark, its display and its JSON schema.
 * The flags that would fight the scheduler (--benchmark_repetitions, _enable_random_interleaving,
 * _filter) are kept from Google Benchmark (pb_gb_init reads them out), and the output file
 * flags are served at the end, once, instead of once per block.
 *
 * pb_gb_run_begin sets up the display; every reported block is passed to cb. */
int pb_gb_run_begin(pb_gb_report_fn cb, void *user);
/* Runs benchmark `index` once: exactly `iterations` iterations, or (0) as many as
 * --benchmark_min_time asks, Google Benchmark's own choice. A block with report == false (a
 * calibration) is neither shown nor kept nor passed to the callback. Returns the iterations run
 * (*error set if the run failed), or -1 with pb_err(). */
int64_t pb_gb_run_block(int index, uint64_t iterations, bool report, bool *error);
/* Shows the aggregates (mean, median, stddev, cv over each benchmark's blocks), writes the JSON
 * of every block and aggregate to json_path (if not NULL) and to --benchmark_out. 0, or -1 with
 * pb_err(). */
int pb_gb_run_end(const char *json_path, const char *console_path);
/* Before pb_gb_run_begin: Google Benchmark's display (its context and table, no colour) is kept
 * and written to console_path at pb_gb_run_end instead of going to stdout. */
void pb_gb_display_to_file(bool to_file);
/* Whether --benchmark_format was given (the user asked for Google Benchmark's display). */
bool pb_gb_format_given(void);
/* True if --benchmark_list_tests asked for the names instead of a run (the caller lists). */
bool pb_gb_list_tests(void);
/* True if the display writes machine-readable output (json/csv) to stdout. */
bool pb_gb_display_is_machine_readable(void);
void pb_gb_shutdown(void);
/* Whether everything written to C++'s standard output (Google Benchmark's console table) got
 * there: false after a write error (a closed pipe, a full disk). */
bool pb_gb_stdout_ok(void);
/* True for Google Benchmark >= 1.8, whose --benchmark_min_time takes units ("0.5s", "100x");
 * older versions take plain seconds only. */
bool pb_gb_min_time_has_units(void);

#ifdef __cplusplus
}
#endif
#endif
