/* rset: a results folder read back — what report, compare, regress and the exports work from.
 *
 * A run folder is the only interface between a run and everything that reads it later. What
 * the run wrote is its record: the per-repetition values in gbench.json (Google Benchmark's own
 * rows, aggregates skipped), the status, placement, plans and paired blocks of every variant in
 * run.json (with the manifest that seals the others), the box in env.json. summary.json, the
 * plots, report.md and index.html are derived from these and never read back. A folder written
 * before run.json existed keeps its record in summary.json (schema pinbench-summary-1): the
 * legacy path reads it in run.json's place, and nothing else about it differs. A folder that is
 * missing, truncated or partial is refused with one line naming the file and what is wrong, and so
 * is one that is not what pinbench writes: no manifest (it cannot be switched off by deleting it),
 * a duplicated key, a field of the wrong type, a name with control characters, text that is not
 * UTF-8, a file that is a link, a FIFO, a device or larger than PB_READ_MAX_BYTES, or a run's
 * hidden temporary folder. Reading is linear in the folder's size. */
#ifndef PB_RSET_H
#define PB_RSET_H

#include <stdbool.h>
#include <stddef.h>

struct pb_json;

/* One metric of one variant over the repetitions ("real_time_ns", or a counter name). */
struct pb_rseries {
    char *metric;
    double *v;
    size_t n, cap;
};

struct pb_rvariant {
    char *name;   /* "churn/spawn/unpinned" */
    char *status; /* "ok", "skipped", "invalid" */
    char *reason; /* why skipped or invalid, "" when ok */
    char *placement;
    struct pb_rseries *series;
    size_t n_series, cap_series;
};

struct pb_rset {
    char *dir;
    int dir_fd; /* every file is read below it, never through a link */
    struct pb_json *record, *env, *gbench;
    const char *record_file; /* "run.json", or "summary.json" in a legacy folder */
    bool legacy;
    struct pb_rvariant *var;
    size_t n_var, cap_var;
    void *index; /* (variant, metric) -> series: lookups in constant time */
    size_t index_cap, index_used;
};

/* Loads `dir`. 0, or -1 with pb_err() naming the folder, the file and the problem. */
int pb_rset_load(struct pb_rset *s, const char *dir);
/* The same, also for a partial (interrupted) run: for its own report, not for comparisons. */
int pb_rset_load_partial(struct pb_rset *s, const char *dir);
/* The run's own folder before it is published (its hidden temporary name), to write its report:
 * the one caller that may read a temporary folder. */
int pb_rset_load_own(struct pb_rset *s, const char *tmp_dir);
void pb_rset_free(struct pb_rset *s);
const struct pb_rvariant *pb_rset_variant(const struct pb_rset *s, const char *name);
/* The series of `metric` of variant `name`, or NULL (not run here, or not reported). */
const struct pb_rseries *pb_rset_series(const struct pb_rset *s, const char *name,
                                        const char *metric);
/* env.json's value for `key`, or "" when absent. */
const char *pb_rset_env(const struct pb_rset *s, const char *key);

#endif
