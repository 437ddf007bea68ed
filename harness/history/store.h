/* store: the history of many runs on many boxes, in one SQLite database.
 *
 * A run is one results folder, known by the SHA-256 of its record (run.json, which seals every
 * other file of the folder by its own checksum): ingesting a folder twice stores it once. A box
 * is what makes absolute figures comparable over time, the machine itself: its host name, CPU
 * model, allowed CPU count and topology (packages, NUMA nodes, SMT); the box's id is a short
 * hash of those. Its configuration (kernel, governor, turbo, mitigations, build) is kept per run
 * in the run's environment, so a change of regime can be set beside what changed on the box.
 *
 * A series is one quantity of one box over its runs: a variant's median time per op
 * ("churn/spawn/unpinned", "real_time_ns"), its p50 and p99 ("op_p50_ns", "op_p99_ns"), or a
 * declared pair's ratio ("churn: spawn/unpinned -> pool/unpinned", its metric), each point with
 * its 95 % CI where the run had one.
 *
 * Every folder is read through rset (so an incomplete, corrupted, partial or foreign folder is
 * refused with one line, and nothing of it is stored) and stored in one transaction: a run is
 * in the database whole or not at all, whatever kills the process. */
#ifndef PB_HISTORY_STORE_H
#define PB_HISTORY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_HISTORY_DEFAULT_DB "results/history.sqlite"

struct pb_rset;
struct pb_store;

/* Opens (creating it and its schema where missing) the database at `path`. NULL with pb_err()
 * when it cannot be opened, is not a pinbench history database, or has a newer schema. */
struct pb_store *pb_store_open(const char *path, bool create);
void pb_store_close(struct pb_store *st);

/* What ingesting one folder did. */
struct pb_ingest {
    int64_t run_id;
    bool already;    /* the same record was stored before, as run_id */
    char box[16];    /* the box id */
    size_t n_points; /* points stored (0 when already) */
};
/* Stores the loaded folder `s` (its path as given, `dir`) in one transaction. 0, or -1 with
 * pb_err() (nothing stored). */
int pb_store_ingest(struct pb_store *st, const struct pb_rset *s, const char *dir,
                    struct pb_ingest *out);

/* The box id of a loaded folder: 12 hex digits of the SHA-256 of its identity keys. */
void pb_store_box_id(const struct pb_rset *s, char out[16]);
/* The record's SHA-256 (run.json's, or a legacy folder's summary.json). 0 or -1. */
int pb_store_run_hash(const struct pb_rset *s, char out[65]);

struct pb_box {
    char id[16];
    char host[128], cpu[160];
    long cpus;
    size_t runs;
    char first[32], last[32]; /* started_utc of its first and last run */
};
/* Every box, by id. Heap array in *out (free it), count returned; -1 with pb_err(). */
long pb_store_boxes(struct pb_store *st, struct pb_box **out);
/* The box named by an id prefix or a host name: 0 with the id in out, -1 with pb_err() when
 * none or several match. */
int pb_store_find_box(struct pb_store *st, const char *what, char out[16]);

struct pb_srun {
    int64_t id;
    char started[32], commit[48], label[72], profile[16];
    char hash[65];
};
/* The runs of one box in time order (started_utc, then id). Heap array, count; -1 on error. */
long pb_store_runs(struct pb_store *st, const char *box, struct pb_srun **out);

struct pb_sseries {
    int64_t id;
    char box[16];
    bool is_pair;
    char name[320], metric[80];
};
/* The series of `box` (NULL: every box) whose "<name> <metric>" matches one of the fnmatch
 * patterns (none: all), by box, name and metric. Heap array, count; -1 on error. */
long pb_store_series(struct pb_store *st, const char *box, const char *const *patterns,
                     size_t n_patterns, struct pb_sseries **out);

/* The id of one series of `box`, 0 when it has none, -1 on error. */
int64_t pb_store_series_id(struct pb_store *st, const char *box, bool is_pair, const char *name,
                           const char *metric);

struct pb_spoint {
    int64_t run_id;
    double value, ci_low, ci_high; /* CI bounds NAN where the run had none */
};
/* The series' points in its box's run order. Heap array, count; -1 on error. */
long pb_store_points(struct pb_store *st, int64_t series_id, struct pb_spoint **out);

/* One environment key of a run ("" when absent). */
int pb_store_run_env(struct pb_store *st, int64_t run_id, const char *key, char *out, size_t len);

#endif
