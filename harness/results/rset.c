/* rset: results folders read back from their JSON files. */
#include "results/rset.h"
#include "results/rset_internal.h"


#include "results/json.h"
#include "results/results.h"
#include "results/safeio.h"
#include "results/sha256.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- files ---- */

struct pb_json *pb_rseti_file(const struct pb_rset *s, const char *name)
{
    char *buf;
    size_t len;
    if (pb_read_data(s->dir_fd, name, PB_READ_MAX_BYTES, &buf, &len) < 0) {
        pb_errf("%s: %s", pb_q(s->dir), pb_err());
        return NULL;
    }
    struct pb_json *j = pb_json_parse(buf, len);
    free(buf);
    if (!j) {
        pb_errf("%s/%s: %s", pb_q(s->dir), name, pb_err());
        return NULL;
    }
    if (j->type != PB_JSON_OBJ) {
        pb_json_free(j);
        pb_errf("%s/%s: not a JSON object", pb_q(s->dir), name);
        return NULL;
    }
    return j;
}

/* ---- variants and their series, indexed: a folder of any shape reads in linear time ---- */

static uint64_t rset_hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)a; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const unsigned char *c = (const unsigned char *)(b ? b : ""); *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return h;
}

/* Slot of (variant, metric) in the table (metric NULL: the variant itself). */
struct rset_slot {
    uint64_t hash;
    size_t var;    /* index + 1; 0 is empty */
    size_t series; /* index + 1 for a series slot, 0 for a variant slot */
};

static void rset_index_grow(struct pb_rset *s);

static struct rset_slot *rset_find(const struct pb_rset *s, const char *name, const char *metric,
                                   uint64_t h)
{
    if (!s->index_cap)
        return NULL;
    for (size_t i = (size_t)h & (s->index_cap - 1);; i = (i + 1) & (s->index_cap - 1)) {
        struct rset_slot *sl = &((struct rset_slot *)s->index)[i];
        if (!sl->var)
            return sl;
        if (sl->hash != h || (sl->series != 0) != (metric != NULL))
            continue;
        const struct pb_rvariant *v = &s->var[sl->var - 1];
        if (strcmp(v->name, name))
            continue;
        if (!metric || !strcmp(v->series[sl->series - 1].metric, metric))
            return sl;
    }
}

static void rset_index_put(struct pb_rset *s, uint64_t h, size_t var, size_t series)
{
    if ((s->index_used + 1) * 2 > s->index_cap)
        rset_index_grow(s);
    const struct pb_rvariant *v = &s->var[var - 1];
    struct rset_slot *sl = rset_find(s, v->name, series ? v->series[series - 1].metric : NULL, h);
    sl->hash = h;
    sl->var = var;
    sl->series = series;
    s->index_used++;
}

static void rset_index_grow(struct pb_rset *s)
{
    struct rset_slot *old = s->index;
    size_t old_cap = s->index_cap;
    s->index_cap = old_cap ? old_cap * 2 : 256;
    s->index = pb_xcalloc(s->index_cap, sizeof(struct rset_slot), "a folder index");
    s->index_used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].var) {
            struct rset_slot *sl = rset_find(
                s, s->var[old[i].var - 1].name,
                old[i].series ? s->var[old[i].var - 1].series[old[i].series - 1].metric : NULL,
                old[i].hash);
            *sl = old[i];
            s->index_used++;
        }
    free(old);
}

static struct pb_rvariant *rset_add_variant(struct pb_rset *s, const char *name)
{
    uint64_t h = rset_hash(name, NULL);
    struct rset_slot *sl = rset_find(s, name, NULL, h);
    if (sl && sl->var)
        return &s->var[sl->var - 1];
    if (s->n_var == s->cap_var) {
        s->cap_var = s->cap_var ? s->cap_var * 2 : 64;
        s->var = pb_xrealloc(s->var, s->cap_var * sizeof *s->var, "result variants");
    }
    struct pb_rvariant *v = &s->var[s->n_var++];
    memset(v, 0, sizeof *v);
    v->name = pb_xstrdup(name);
    v->status = pb_xstrdup("ok");
    v->reason = pb_xstrdup("");
    v->placement = pb_xstrdup("");
    rset_index_put(s, h, s->n_var, 0);
    return v;
}

static void rset_add_value(struct pb_rset *s, struct pb_rvariant *v, const char *metric, double x)
{
    uint64_t h = rset_hash(v->name, metric);
    struct rset_slot *sl = rset_find(s, v->name, metric, h);
    struct pb_rseries *sr;
    if (sl && sl->var) {
        sr = &v->series[sl->series - 1];
    } else {
        if (v->n_series == v->cap_series) {
            v->cap_series = v->cap_series ? v->cap_series * 2 : 8;
            v->series = pb_xrealloc(v->series, v->cap_series * sizeof *v->series, "a series");
        }
        sr = &v->series[v->n_series++];
        memset(sr, 0, sizeof *sr);
        sr->metric = pb_xstrdup(metric);
        rset_index_put(s, h, (size_t)(v - s->var) + 1, v->n_series);
    }
    if (sr->n == sr->cap) {
        sr->cap = sr->cap ? sr->cap * 2 : 8;
        sr->v = pb_xrealloc(sr->v, sr->cap * sizeof *sr->v, "a series");
    }
    sr->v[sr->n++] = x;
}

/* Google Benchmark's per-repetition rows: "<variant>/manual_time", run_type "iteration". Time
 * is converted to ns; every other number is a counter. */
static int rset_read_gbench(struct pb_rset *s)
{
    const struct pb_json *bms = pb_json_get(s->gbench, "benchmarks");
    if (!bms || bms->type != PB_JSON_ARR)
        return pb_errf("%s/gbench.json: no \"benchmarks\" array", pb_q(s->dir));
    static const char *const skip[] = {"family_index", "per_family_instance_index",
                                       "repetitions",  "repetition_index",
                                       "threads",      "iterations",
                                       "real_time",    "cpu_time"};
    static const struct pb_rseti_field row[] = {{"name", T_STR, true},
                                                {"run_type", T_STR, true},
                                                {"time_unit", T_STR, false},
                                                {"real_time", T_NUM, false},
                                                {"error_occurred", T_BOOL, false}};
    for (size_t i = 0; i < bms->n; i++) {
        const struct pb_json *b = &bms->items[i];
        char where[64];
        snprintf(where, sizeof where, "benchmarks[%zu]", i);
        if (pb_rseti_check_fields(s, "gbench.json", where, b, row, PB_ARRAY_LEN(row)) < 0)
            return -1;
        if (strcmp(pb_json_str(b, "run_type", ""), "iteration") != 0)
            continue;
        const struct pb_json *err = pb_json_get(b, "error_occurred");
        if (err && err->b)
            continue; /* an invalid repetition: the record says why */
        const char *name = pb_json_str(b, "name", "");
        const char *suffix = strstr(name, "/manual_time");
        if (!suffix || suffix[12] != '\0' || suffix == name || !pb_rseti_name_ok(name))
            return pb_errf("%s/gbench.json: benchmark %s is not a pinbench variant", pb_q(s->dir),
                           pb_q(name));
        const char *unit = pb_json_str(b, "time_unit", "ns");
        double scale = !strcmp(unit, "ns")   ? 1
                       : !strcmp(unit, "us") ? 1e3
                       : !strcmp(unit, "ms") ? 1e6
                       : !strcmp(unit, "s")  ? 1e9
                                             : NAN;
        double rt = pb_json_num(b, "real_time", NAN);
        if (!isfinite(scale) || !isfinite(rt) || rt < 0)
            return pb_errf("%s/gbench.json: benchmark %s has no usable real_time", pb_q(s->dir),
                           pb_q(name));
        char *vname = pb_xasprintf("%.*s", (int)(suffix - name), name);
        struct pb_rvariant *v = rset_add_variant(s, vname);
        free(vname);
        rset_add_value(s, v, "real_time_ns", rt * scale);
        for (size_t k = 0; k < b->n; k++) {
            if (b->items[k].type != PB_JSON_NUM)
                continue;
            bool skipped = false;
            for (size_t q = 0; q < PB_ARRAY_LEN(skip) && !skipped; q++)
                skipped = !strcmp(b->keys[k], skip[q]);
            if (skipped)
                continue;
            if (!pb_rseti_name_ok(b->keys[k]))
                return pb_errf("%s/gbench.json: benchmark %s: counter %s is not a usable name",
                               pb_q(s->dir), pb_q(name), pb_q(b->keys[k]));
            rset_add_value(s, v, b->keys[k], b->items[k].num);
        }
    }
    return 0;
}

static int rset_read_record(struct pb_rset *s)
{
    static const char *const statuses[] = {"ok", "skipped", "invalid", "partial", "not selected"};
    const struct pb_json *vs = pb_json_get(s->record, "variants");
    for (size_t i = 0; i < vs->n; i++) {
        const char *name = pb_json_str(&vs->items[i], "name", "");
        const char *status = pb_json_str(&vs->items[i], "status", "");
        if (!pb_rseti_name_ok(name))
            return pb_errf("%s/%s: variants[%zu] has no usable name", pb_q(s->dir), s->record_file,
                           i);
        bool known = false;
        for (size_t k = 0; k < PB_ARRAY_LEN(statuses) && !known; k++)
            known = !strcmp(status, statuses[k]);
        if (!known)
            return pb_errf("%s/%s: variant %s: status %s is not one pinbench writes", pb_q(s->dir),
                           s->record_file, pb_q(name), pb_q(status));
        struct pb_rvariant *v = rset_add_variant(s, name);
        free(v->status);
        free(v->reason);
        free(v->placement);
        v->status = pb_xstrdup(status);
        v->reason = pb_xstrdup(pb_json_str(&vs->items[i], "reason", ""));
        v->placement = pb_xstrdup(pb_json_str(&vs->items[i], "placement", ""));
    }
    return 0;
}

static bool rset_is_hex64(const char *h)
{
    size_t n = 0;
    for (; h[n]; n++)
        if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
            return false;
    return n == 64;
}

/* Every file the manifest lists is there, with its size and checksum; the manifest itself is
 * required (a folder without one is refused: deleting it must not switch the check off), and
 * it must cover the three files every reader uses. A run cut short says so and is refused:
 * its variants are not all there, and a comparison would silently miss them. */
static int rset_verify(const struct pb_rset *s, bool allow_partial)
{
    const struct pb_json *run = pb_json_get(s->record, "run");
    if (!allow_partial && pb_json_get(run, "partial")->b)
        return pb_errf("%s: a partial run (%s): refusing to compare it", pb_q(s->dir),
                       pb_json_str(run, "stopped_by", "interrupted"));
    const struct pb_json *m = pb_json_get(s->record, "manifest");
    const struct pb_json *files = pb_json_get(m, "files");
    if (strcmp(pb_json_str(m, "algorithm", ""), "sha256") != 0 || !files ||
        files->type != PB_JSON_ARR)
        return pb_errf("%s/%s: the manifest is malformed", pb_q(s->dir), s->record_file);
    static const struct pb_rseti_field entry[] = {
        {"path", T_STR, true}, {"bytes", T_NUM, true}, {"sha256", T_STR, true}};
    bool has_env = false, has_gbench = false;
    for (size_t i = 0; i < files->n; i++) {
        char where[64];
        snprintf(where, sizeof where, "manifest entry %zu", i);
        if (pb_rseti_check_fields(s, s->record_file, where, &files->items[i], entry,
                                  PB_ARRAY_LEN(entry)) < 0)
            return -1;
        const char *rel = pb_json_str(&files->items[i], "path", "");
        const char *want = pb_json_str(&files->items[i], "sha256", "");
        double bytes = pb_json_num(&files->items[i], "bytes", -1);
        if (!pb_rseti_name_ok(rel) || strstr(rel, "..") || rel[0] == '/' || !rset_is_hex64(want) ||
            !(bytes >= 0))
            return pb_errf("%s/%s: manifest entry %zu is malformed", pb_q(s->dir), s->record_file,
                           i);
        has_env |= !strcmp(rel, "env.json");
        has_gbench |= !strcmp(rel, "gbench.json");
        /* a stored baseline keeps only the JSON: hist/ and plots/ may be absent as a whole,
         * never in part */
        const char *slash = strchr(rel, '/');
        if (slash) {
            char sub[300];
            snprintf(sub, sizeof sub, "%.*s", (int)(slash - rel), rel);
            struct stat st;
            if (fstatat(s->dir_fd, sub, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
                continue;
        }
        struct stat st;
        if (fstatat(s->dir_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            return pb_errf("%s: incomplete folder: %s, listed in the manifest, is missing",
                           pb_q(s->dir), pb_q(rel));
        char hex[65];
        uint64_t got;
        if (pb_sha256_file_at(s->dir_fd, rel, hex, &got) < 0)
            return pb_errf("%s: %s", pb_q(s->dir), pb_err());
        if ((double)got != bytes || strcmp(hex, want) != 0)
            return pb_errf("%s: corrupted folder: %s does not match its checksum (%llu bytes, "
                           "manifest says %.0f)",
                           pb_q(s->dir), pb_q(rel), (unsigned long long)got, bytes);
    }
    if (!has_env || !has_gbench)
        return pb_errf("%s/%s: the manifest does not cover %s", pb_q(s->dir), s->record_file,
                       has_env ? "gbench.json" : "env.json");
    return 0;
}

static int rset_load(struct pb_rset *s, const char *dir, bool allow_partial, bool own);

/* run.json; a folder without one is read through the legacy path when its summary.json is the
 * record pinbench wrote before run.json existed (pb_rseti_check_record checks the schema). */
static int rset_pick_record(struct pb_rset *s)
{
    struct stat st;
    s->record_file = "run.json";
    s->legacy = false;
    if (fstatat(s->dir_fd, "run.json", &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        return 0;
    if (fstatat(s->dir_fd, "summary.json", &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
        return pb_errf("%s: not a results folder: no run.json (nor a legacy summary.json)",
                       pb_q(s->dir));
    s->record_file = "summary.json";
    s->legacy = true;
    return 0;
}

int pb_rset_load(struct pb_rset *s, const char *dir)
{
    return rset_load(s, dir, false, false);
}

int pb_rset_load_partial(struct pb_rset *s, const char *dir)
{
    return rset_load(s, dir, true, false);
}

int pb_rset_load_own(struct pb_rset *s, const char *tmp_dir)
{
    return rset_load(s, tmp_dir, true, true);
}

static int rset_load(struct pb_rset *s, const char *dir, bool allow_partial, bool own)
{
    memset(s, 0, sizeof *s);
    s->dir_fd = -1;
    if (pb_results_is_temporary(dir) && !own)
        return pb_errf("%s: a run's temporary folder (the run has not finished, or was killed "
                       "before it could publish): not a results folder",
                       pb_q(dir));
    s->dir = pb_xstrdup(dir);
    if ((s->dir_fd = pb_open_dir(-1, dir)) < 0) {
        char why[400];
        snprintf(why, sizeof why, "%s", pb_err());
        pb_rset_free(s);
        return pb_errf("not a results folder: %s", why);
    }
    /* the record first: its manifest checks the others before they are parsed */
    if (rset_pick_record(s) < 0 || !(s->record = pb_rseti_file(s, s->record_file)) ||
        pb_rseti_check_record(s) < 0 || rset_verify(s, allow_partial) < 0 ||
        !(s->env = pb_rseti_file(s, "env.json")) || pb_rseti_check_env(s) < 0 ||
        !(s->gbench = pb_rseti_file(s, "gbench.json")) || rset_read_record(s) < 0 ||
        rset_read_gbench(s) < 0) {
        pb_rset_free(s);
        return -1;
    }
    size_t ok = 0;
    for (size_t i = 0; i < s->n_var; i++)
        ok += s->var[i].n_series > 0;
    if (!ok && !allow_partial) {
        char *why = pb_xasprintf("%s: no repetition of any variant in gbench.json (an "
                                 "interrupted or empty run)",
                                 pb_q(dir));
        pb_rset_free(s);
        pb_errf("%s", why);
        free(why);
        return -1;
    }
    return 0;
}

void pb_rset_free(struct pb_rset *s)
{
    for (size_t i = 0; i < s->n_var; i++) {
        struct pb_rvariant *v = &s->var[i];
        for (size_t k = 0; k < v->n_series; k++) {
            free(v->series[k].metric);
            free(v->series[k].v);
        }
        free(v->series);
        free(v->name);
        free(v->status);
        free(v->reason);
        free(v->placement);
    }
    free(s->var);
    free(s->index);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    pb_json_free(s->record);
    pb_json_free(s->env);
    pb_json_free(s->gbench);
    free(s->dir);
    memset(s, 0, sizeof *s);
    s->dir_fd = -1;
}

const struct pb_rvariant *pb_rset_variant(const struct pb_rset *s, const char *name)
{
    struct rset_slot *sl = rset_find(s, name, NULL, rset_hash(name, NULL));
    return sl && sl->var ? &s->var[sl->var - 1] : NULL;
}

const struct pb_rseries *pb_rset_series(const struct pb_rset *s, const char *name,
                                        const char *metric)
{
    struct rset_slot *sl = rset_find(s, name, metric, rset_hash(name, metric));
    return sl && sl->var ? &s->var[sl->var - 1].series[sl->series - 1] : NULL;
}

const char *pb_rset_env(const struct pb_rset *s, const char *key)
{
    return pb_json_str(s->env, key, "");
}
