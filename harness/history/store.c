/* store: the history database (see store.h). */
#include "history/store.h"

#include "report/report.h"
#include "results/json.h"
#include "results/rset.h"
#include "results/sha256.h"
#include "stats/stats.h"
#include "util.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define STORE_SCHEMA 1

struct pb_store {
    sqlite3 *db;
    char *path;
};

/* The keys that make a box: the machine, not its configuration (see store.h). */
static const char *const store_box_keys[] = {
    "hostname",          "cpu_model",           "allowed_cpu_count",         "topology_pus",
    "topology_packages", "topology_numa_nodes", "topology_smt_per_core_max",
};

/* The variant quantities stored per run (the medians over its blocks). */
static const char *const store_variant_metrics[] = {"real_time_ns", "op_p50_ns", "op_p99_ns"};

static int store_err(struct pb_store *st, const char *what)
{
    return pb_errf("%s: %s: %s", pb_q(st->path), what, sqlite3_errmsg(st->db));
}

static int store_exec(struct pb_store *st, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        pb_errf("%s: %s", pb_q(st->path), msg ? msg : sqlite3_errmsg(st->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static sqlite3_stmt *store_prep(struct pb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        store_err(st, "a query failed");
        return NULL;
    }
    return s;
}

static const char store_schema[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE boxes(id TEXT PRIMARY KEY, host TEXT NOT NULL, cpu_model TEXT NOT NULL,"
    "  cpus INTEGER NOT NULL);"
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, record_sha256 TEXT NOT NULL UNIQUE,"
    "  box TEXT NOT NULL REFERENCES boxes(id), host TEXT NOT NULL, started_utc TEXT NOT NULL,"
    "  git_commit TEXT NOT NULL, label TEXT NOT NULL, profile TEXT NOT NULL,"
    "  folder TEXT NOT NULL, ingested_utc TEXT NOT NULL);"
    "CREATE INDEX runs_by_box ON runs(box, started_utc, id);"
    "CREATE TABLE run_env(run INTEGER NOT NULL REFERENCES runs(id), key TEXT NOT NULL,"
    "  value TEXT NOT NULL, PRIMARY KEY(run, key));"
    "CREATE TABLE series(id INTEGER PRIMARY KEY, box TEXT NOT NULL REFERENCES boxes(id),"
    "  is_pair INTEGER NOT NULL, name TEXT NOT NULL, metric TEXT NOT NULL,"
    "  UNIQUE(box, is_pair, name, metric));"
    "CREATE TABLE points(series INTEGER NOT NULL REFERENCES series(id),"
    "  run INTEGER NOT NULL REFERENCES runs(id), value REAL NOT NULL, ci_low REAL,"
    "  ci_high REAL, PRIMARY KEY(series, run));"
    "INSERT INTO meta VALUES('schema', '1');"
    "INSERT INTO meta VALUES('writer', 'pinbench');";

/* A new database gets the schema; an existing one must be ours, of a schema this build reads. */
static int store_schema_check(struct pb_store *st)
{
    sqlite3_stmt *s = store_prep(st, "SELECT count(*) FROM sqlite_master");
    if (!s)
        return -1;
    int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
    sqlite3_finalize(s);
    if (n < 0)
        return store_err(st, "not readable as an SQLite database");
    if (n == 0)
        return store_exec(st, "BEGIN IMMEDIATE") < 0 || store_exec(st, store_schema) < 0 ||
                       store_exec(st, "COMMIT") < 0
                   ? -1
                   : 0;
    s = store_prep(st, "SELECT value FROM meta WHERE key = 'schema'");
    if (!s) {
        sqlite3_errmsg(st->db);
        return pb_errf("%s: an SQLite database, but not a pinbench history", pb_q(st->path));
    }
    int v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_finalize(s);
    if (v == 0)
        return pb_errf("%s: an SQLite database, but not a pinbench history", pb_q(st->path));
    if (v > STORE_SCHEMA)
        return pb_errf("%s: history schema %d, newer than this pinbench reads (%d)", pb_q(st->path),
                       v, STORE_SCHEMA);
    return 0;
}

struct pb_store *pb_store_open(const char *path, bool create)
{
    struct stat sb;
    if (!create && stat(path, &sb) != 0) {
        pb_errf("no history database at %s (pinbench history ingest makes one)", pb_q(path));
        return NULL;
    }
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        /* SQLITE_OPEN_NOFOLLOW refuses it too, but without saying why */
        pb_errf("%s: a symbolic link: give the database file itself", pb_q(path));
        return NULL;
    }
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        pb_errf("%s: not a regular file", pb_q(path));
        return NULL;
    }
    struct pb_store *st = pb_xcalloc(1, sizeof *st, "history store");
    st->path = pb_xstrdup(path);
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOFOLLOW;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        pb_errf("%s: cannot open it: %s", pb_q(path),
                st->db ? sqlite3_errmsg(st->db) : "out of memory");
        pb_store_close(st);
        return NULL;
    }
    /* a concurrent ingest (a fleet's hosts finishing together) waits rather than fails */
    sqlite3_busy_timeout(st->db, 30000);
    if (store_exec(st, "PRAGMA foreign_keys = ON") < 0 || store_schema_check(st) < 0) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", pb_err());
        pb_store_close(st);
        pb_errf("%s", keep);
        return NULL;
    }
    return st;
}

void pb_store_close(struct pb_store *st)
{
    if (!st)
        return;
    sqlite3_close(st->db);
    free(st->path);
    free(st);
}

void pb_store_box_id(const struct pb_rset *s, char out[16])
{
    struct pb_sha256 h;
    pb_sha256_init(&h);
    for (size_t i = 0; i < PB_ARRAY_LEN(store_box_keys); i++) {
        const char *v = pb_rset_env(s, store_box_keys[i]);
        pb_sha256_update(&h, store_box_keys[i], strlen(store_box_keys[i]));
        pb_sha256_update(&h, "=", 1);
        pb_sha256_update(&h, v, strlen(v));
        pb_sha256_update(&h, "\n", 1);
    }
    char hex[65];
    pb_sha256_hex(&h, hex);
    snprintf(out, 16, "%.12s", hex);
}

int pb_store_run_hash(const struct pb_rset *s, char out[65])
{
    uint64_t bytes;
    if (pb_sha256_file_at(s->dir_fd, s->record_file, out, &bytes) < 0)
        return pb_errf("%s: %s: %s", pb_q(s->dir), s->record_file, pb_err());
    return 0;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void bind_real(sqlite3_stmt *s, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(s, i, v);
    else
        sqlite3_bind_null(s, i);
}

/* Runs a prepared statement that returns no row, and resets it for the next bindings. */
static int store_step_done(struct pb_store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : store_err(st, what);
}

static int64_t store_run_by_hash(struct pb_store *st, const char *hash)
{
    sqlite3_stmt *s = store_prep(st, "SELECT id FROM runs WHERE record_sha256 = ?");
    if (!s)
        return -1;
    bind_text(s, 1, hash);
    int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return id;
}

/* The statements of one ingest. */
struct store_ing {
    struct pb_store *st;
    sqlite3_stmt *series, *series_id, *point;
    const char *box;
    int64_t run;
    size_t points;
};

static int store_point(struct store_ing *g, bool is_pair, const char *name, const char *metric,
                       double v, double lo, double hi)
{
    if (!isfinite(v))
        return 0;
    bind_text(g->series, 1, g->box);
    sqlite3_bind_int(g->series, 2, is_pair);
    bind_text(g->series, 3, name);
    bind_text(g->series, 4, metric);
    if (store_step_done(g->st, g->series, "storing a series") < 0)
        return -1;
    bind_text(g->series_id, 1, g->box);
    sqlite3_bind_int(g->series_id, 2, is_pair);
    bind_text(g->series_id, 3, name);
    bind_text(g->series_id, 4, metric);
    int rc = sqlite3_step(g->series_id);
    int64_t sid = rc == SQLITE_ROW ? sqlite3_column_int64(g->series_id, 0) : 0;
    sqlite3_reset(g->series_id);
    sqlite3_clear_bindings(g->series_id);
    if (!sid)
        return store_err(g->st, "reading a series back");
    sqlite3_bind_int64(g->point, 1, sid);
    sqlite3_bind_int64(g->point, 2, g->run);
    sqlite3_bind_double(g->point, 3, v);
    bind_real(g->point, 4, lo);
    bind_real(g->point, 5, hi);
    if (store_step_done(g->st, g->point, "storing a point") < 0)
        return -1;
    g->points++;
    return 0;
}

/* Every variant that ran: the medians of its blocks, with the order-statistic 95 % CI. */
static int store_variants(struct store_ing *g, const struct pb_rset *s)
{
    for (size_t i = 0; i < s->n_var; i++) {
        const struct pb_rvariant *v = &s->var[i];
        if (strcmp(v->status, "ok"))
            continue;
        for (size_t k = 0; k < PB_ARRAY_LEN(store_variant_metrics); k++) {
            const struct pb_rseries *r = pb_rset_series(s, v->name, store_variant_metrics[k]);
            if (!r || !r->n)
                continue;
            double lo = NAN, hi = NAN, cov;
            pb_stats_median_order_ci(r->v, r->n, &lo, &hi, &cov);
            if (store_point(g, false, v->name, store_variant_metrics[k],
                            pb_stats_median(r->v, r->n), lo, hi) < 0)
                return -1;
        }
    }
    return 0;
}

/* Every declared pair with a ratio: its paired estimate and CI, as the run's report has it. */
static int store_pairs(struct store_ing *g, const struct pb_rset *s)
{
    size_t n;
    struct pb_pair_result *p = pb_report_folder_pairs(s, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char name[320];
        snprintf(name, sizeof name, "%s: %s -> %s", p[i].experiment, p[i].baseline, p[i].variant);
        rc = store_point(g, true, name, p[i].metric, p[i].ratio, p[i].ci_low, p[i].ci_high);
    }
    pb_report_pairs_free(p, n);
    return rc;
}

static int store_env(struct pb_store *st, const struct pb_rset *s, int64_t run)
{
    const struct pb_json *env = s->env;
    sqlite3_stmt *q = store_prep(st, "INSERT INTO run_env VALUES(?, ?, ?)");
    if (!q)
        return -1;
    int rc = 0;
    for (size_t i = 0; env && env->type == PB_JSON_OBJ && i < env->n && rc == 0; i++) {
        const struct pb_json *v = &env->items[i];
        if (v->type != PB_JSON_STR)
            continue;
        sqlite3_bind_int64(q, 1, run);
        bind_text(q, 2, env->keys[i]);
        bind_text(q, 3, v->str);
        rc = store_step_done(st, q, "storing the environment");
    }
    sqlite3_finalize(q);
    return rc;
}

static int store_run_row(struct pb_store *st, const struct pb_rset *s, const char *dir,
                         const char *hash, const char *box, int64_t *run)
{
    const struct pb_json *r = pb_json_get(s->record, "run");
    sqlite3_stmt *b = store_prep(st, "INSERT INTO boxes VALUES(?, ?, ?, ?) ON CONFLICT(id) DO "
                                     "UPDATE SET host = excluded.host");
    if (!b)
        return -1;
    bind_text(b, 1, box);
    bind_text(b, 2, pb_rset_env(s, "hostname"));
    bind_text(b, 3, pb_rset_env(s, "cpu_model"));
    sqlite3_bind_int64(b, 4, strtol(pb_rset_env(s, "allowed_cpu_count"), NULL, 10));
    int rc = store_step_done(st, b, "storing the box");
    sqlite3_finalize(b);
    if (rc < 0)
        return -1;
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    sqlite3_stmt *q = store_prep(st, "INSERT INTO runs(record_sha256, box, host, started_utc, "
                                     "git_commit, label, profile, folder, ingested_utc) "
                                     "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!q)
        return -1;
    const char *const vals[] = {
        hash,
        box,
        pb_rset_env(s, "hostname"),
        pb_json_str(r, "started_utc", ""),
        pb_json_str(r, "git_commit", pb_rset_env(s, "git_commit")),
        pb_json_str(r, "label", ""),
        pb_json_str(r, "profile", ""),
        dir,
        now,
    };
    for (size_t i = 0; i < PB_ARRAY_LEN(vals); i++)
        bind_text(q, (int)i + 1, vals[i]);
    rc = store_step_done(st, q, "storing the run");
    sqlite3_finalize(q);
    *run = sqlite3_last_insert_rowid(st->db);
    return rc;
}

int pb_store_ingest(struct pb_store *st, const struct pb_rset *s, const char *dir,
                    struct pb_ingest *out)
{
    memset(out, 0, sizeof *out);
    char hash[65];
    if (pb_store_run_hash(s, hash) < 0)
        return -1;
    pb_store_box_id(s, out->box);
    if (!*pb_json_str(pb_json_get(s->record, "run"), "started_utc", ""))
        return pb_errf("%s: the record has no start time: not a run to keep in a history",
                       pb_q(dir));
    if (store_exec(st, "BEGIN IMMEDIATE") < 0)
        return -1;
    int64_t known = store_run_by_hash(st, hash);
    if (known != 0) {
        store_exec(st, "ROLLBACK");
        if (known < 0)
            return -1;
        out->run_id = known;
        out->already = true;
        return 0;
    }
    struct store_ing g = {st, NULL, NULL, NULL, out->box, 0, 0};
    int rc = store_run_row(st, s, dir, hash, out->box, &g.run);
    if (rc == 0)
        rc = store_env(st, s, g.run);
    if (rc == 0 &&
        (!(g.series = store_prep(st, "INSERT OR IGNORE INTO series(box, is_pair, name, metric) "
                                     "VALUES(?, ?, ?, ?)")) ||
         !(g.series_id = store_prep(st, "SELECT id FROM series WHERE box = ? AND is_pair = ? "
                                        "AND name = ? AND metric = ?")) ||
         !(g.point = store_prep(st, "INSERT INTO points VALUES(?, ?, ?, ?, ?)"))))
        rc = -1;
    if (rc == 0)
        rc = store_variants(&g, s);
    if (rc == 0)
        rc = store_pairs(&g, s);
    sqlite3_finalize(g.series);
    sqlite3_finalize(g.series_id);
    sqlite3_finalize(g.point);
    if (rc == 0 && store_exec(st, "COMMIT") == 0) {
        out->run_id = g.run;
        out->n_points = g.points;
        return 0;
    }
    char keep[512];
    snprintf(keep, sizeof keep, "%s", pb_err());
    store_exec(st, "ROLLBACK");
    return pb_errf("%s", keep);
}

static void col_text(sqlite3_stmt *s, int i, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

/* Steps `s` to its end, `row` reading each row into a new zeroed element (`size` bytes) of a
 * growing heap array in *out; a row it declines (false) is not kept. Finalizes s. The count,
 * or -1 (nothing in *out) with pb_err() saying `what` failed. */
static long store_rows(struct pb_store *st, sqlite3_stmt *s, size_t size, void **out,
                       bool (*row)(sqlite3_stmt *s, void *elem, const void *ctx), const void *ctx,
                       const char *what)
{
    *out = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = pb_xrealloc(*out, cap * size, what);
        }
        char *e = (char *)*out + n * size;
        memset(e, 0, size);
        n += row(s, e, ctx);
    }
    if (rc != SQLITE_DONE) {
        store_err(st, what); /* before finalizing, while the connection still says why */
        sqlite3_finalize(s);
        free(*out);
        *out = NULL;
        return -1;
    }
    sqlite3_finalize(s);
    return (long)n;
}

static bool store_box_row(sqlite3_stmt *s, void *elem, const void *ctx)
{
    (void)ctx;
    struct pb_box *b = elem;
    col_text(s, 0, b->id, sizeof b->id);
    col_text(s, 1, b->host, sizeof b->host);
    col_text(s, 2, b->cpu, sizeof b->cpu);
    b->cpus = (long)sqlite3_column_int64(s, 3);
    b->runs = (size_t)sqlite3_column_int64(s, 4);
    col_text(s, 5, b->first, sizeof b->first);
    col_text(s, 6, b->last, sizeof b->last);
    return true;
}

long pb_store_boxes(struct pb_store *st, struct pb_box **out)
{
    *out = NULL;
    sqlite3_stmt *s =
        store_prep(st, "SELECT b.id, b.host, b.cpu_model, b.cpus, count(r.id), "
                       "min(r.started_utc), max(r.started_utc) FROM boxes b "
                       "LEFT JOIN runs r ON r.box = b.id GROUP BY b.id ORDER BY b.id");
    return s ? store_rows(st, s, sizeof **out, (void **)out, store_box_row, NULL,
                          "listing the boxes")
             : -1;
}

int pb_store_find_box(struct pb_store *st, const char *what, char out[16])
{
    struct pb_box *b;
    long n = pb_store_boxes(st, &b);
    if (n < 0)
        return -1;
    long found = -1, hits = 0;
    for (long i = 0; i < n; i++)
        if (!strncmp(b[i].id, what, strlen(what)) || !strcmp(b[i].host, what)) {
            found = i;
            hits++;
        }
    if (hits == 1)
        snprintf(out, 16, "%s", b[found].id);
    free(b);
    if (hits == 1)
        return 0;
    if (hits)
        return pb_errf("box %s: %ld boxes match (give more of the id; pinbench history boxes "
                       "lists them)",
                       pb_q(what), hits);
    return pb_errf("box %s: no box has that id or host (pinbench history boxes lists them)",
                   pb_q(what));
}

static bool store_srun_row(sqlite3_stmt *s, void *elem, const void *ctx)
{
    (void)ctx;
    struct pb_srun *r = elem;
    r->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, r->started, sizeof r->started);
    col_text(s, 2, r->commit, sizeof r->commit);
    col_text(s, 3, r->label, sizeof r->label);
    col_text(s, 4, r->profile, sizeof r->profile);
    col_text(s, 5, r->hash, sizeof r->hash);
    return true;
}

long pb_store_runs(struct pb_store *st, const char *box, struct pb_srun **out)
{
    *out = NULL;
    sqlite3_stmt *s = store_prep(st, "SELECT id, started_utc, git_commit, label, profile, "
                                     "record_sha256 FROM runs WHERE box = ? "
                                     "ORDER BY started_utc, id");
    if (!s)
        return -1;
    bind_text(s, 1, box);
    return store_rows(st, s, sizeof **out, (void **)out, store_srun_row, NULL, "listing the runs");
}

static bool store_matches(const char *name, const char *metric, const char *const *pat, size_t np)
{
    if (!np)
        return true;
    char key[420];
    snprintf(key, sizeof key, "%s %s", name, metric);
    for (size_t i = 0; i < np; i++)
        if (!fnmatch(pat[i], key, 0) || !fnmatch(pat[i], name, 0))
            return true;
    return false;
}

struct store_patterns {
    const char *const *p;
    size_t n;
};

static bool store_series_row(sqlite3_stmt *s, void *elem, const void *ctx)
{
    const struct store_patterns *pat = ctx;
    struct pb_sseries *x = elem;
    x->id = sqlite3_column_int64(s, 0);
    col_text(s, 1, x->box, sizeof x->box);
    x->is_pair = sqlite3_column_int(s, 2) != 0;
    col_text(s, 3, x->name, sizeof x->name);
    col_text(s, 4, x->metric, sizeof x->metric);
    return store_matches(x->name, x->metric, pat->p, pat->n);
}

long pb_store_series(struct pb_store *st, const char *box, const char *const *patterns,
                     size_t n_patterns, struct pb_sseries **out)
{
    *out = NULL;
    sqlite3_stmt *s = store_prep(st, box ? "SELECT id, box, is_pair, name, metric FROM series "
                                           "WHERE box = ? ORDER BY box, is_pair, name, metric"
                                         : "SELECT id, box, is_pair, name, metric FROM series "
                                           "ORDER BY box, is_pair, name, metric");
    if (!s)
        return -1;
    if (box)
        bind_text(s, 1, box);
    struct store_patterns pat = {patterns, n_patterns};
    return store_rows(st, s, sizeof **out, (void **)out, store_series_row, &pat,
                      "listing the series");
}

int64_t pb_store_series_id(struct pb_store *st, const char *box, bool is_pair, const char *name,
                           const char *metric)
{
    sqlite3_stmt *s = store_prep(st, "SELECT id FROM series WHERE box = ? AND is_pair = ? AND "
                                     "name = ? AND metric = ?");
    if (!s)
        return -1;
    bind_text(s, 1, box);
    sqlite3_bind_int(s, 2, is_pair);
    bind_text(s, 3, name);
    bind_text(s, 4, metric);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(s);
    return id < 0 ? store_err(st, "looking a series up") : id;
}

static double col_real(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static bool store_point_row(sqlite3_stmt *s, void *elem, const void *ctx)
{
    (void)ctx;
    struct pb_spoint *p = elem;
    p->run_id = sqlite3_column_int64(s, 0);
    p->value = sqlite3_column_double(s, 1);
    p->ci_low = col_real(s, 2);
    p->ci_high = col_real(s, 3);
    return true;
}

long pb_store_points(struct pb_store *st, int64_t series_id, struct pb_spoint **out)
{
    *out = NULL;
    sqlite3_stmt *s = store_prep(st, "SELECT p.run, p.value, p.ci_low, p.ci_high FROM points p "
                                     "JOIN runs r ON r.id = p.run WHERE p.series = ? "
                                     "ORDER BY r.started_utc, r.id");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, series_id);
    return store_rows(st, s, sizeof **out, (void **)out, store_point_row, NULL, "reading a series");
}

int pb_store_run_env(struct pb_store *st, int64_t run_id, const char *key, char *out, size_t len)
{
    out[0] = '\0';
    sqlite3_stmt *s = store_prep(st, "SELECT value FROM run_env WHERE run = ? AND key = ?");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, run_id);
    bind_text(s, 2, key);
    if (sqlite3_step(s) == SQLITE_ROW)
        col_text(s, 0, out, len);
    sqlite3_finalize(s);
    return 0;
}
