/* rset: results folders read back from their JSON files. */
#include "rset.h"

#include "json.h"
#include "sha256.h"
#include "util.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct pb_json *rset_file(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    struct pb_json *j = pb_json_load(p);
    if (!j)
        return NULL; /* pb_json_load names the file */
    if (j->type != PB_JSON_OBJ) {
        pb_json_free(j);
        pb_errf("%s: not a JSON object", p);
        return NULL;
    }
    return j;
}

static struct pb_rvariant *rset_add_variant(struct pb_rset *s, const char *name)
{
    struct pb_rvariant *v = (struct pb_rvariant *)pb_rset_variant(s, name);
    if (v)
        return v;
    s->var = pb_xrealloc(s->var, (s->n_var + 1) * sizeof *s->var, "result variants");
    v = &s->var[s->n_var++];
    memset(v, 0, sizeof *v);
    v->name = pb_xstrdup(name);
    v->status = pb_xstrdup("ok");
    v->reason = pb_xstrdup("");
    v->placement = pb_xstrdup("");
    return v;
}

static void rset_add_value(struct pb_rvariant *v, const char *metric, double x)
{
    struct pb_rseries *sr = NULL;
    for (size_t i = 0; i < v->n_series && !sr; i++)
        if (!strcmp(v->series[i].metric, metric))
            sr = &v->series[i];
    if (!sr) {
        v->series = pb_xrealloc(v->series, (v->n_series + 1) * sizeof *v->series, "a series");
        sr = &v->series[v->n_series++];
        memset(sr, 0, sizeof *sr);
        sr->metric = pb_xstrdup(metric);
    }
    sr->v = pb_xrealloc(sr->v, (sr->n + 1) * sizeof *sr->v, "a series");
    sr->v[sr->n++] = x;
}

/* Google Benchmark's per-repetition rows: "<variant>/manual_time", run_type "iteration". Time
 * is converted to ns; every other number is a counter. */
static int rset_read_gbench(struct pb_rset *s)
{
    const struct pb_json *bms = pb_json_get(s->gbench, "benchmarks");
    if (!bms || bms->type != PB_JSON_ARR)
        return pb_errf("%s/gbench.json: no \"benchmarks\" array", s->dir);
    static const char *const skip[] = {"family_index", "per_family_instance_index",
                                       "repetitions",  "repetition_index",
                                       "threads",      "iterations",
                                       "real_time",    "cpu_time"};
    for (size_t i = 0; i < bms->n; i++) {
        const struct pb_json *b = &bms->items[i];
        if (strcmp(pb_json_str(b, "run_type", ""), "iteration") != 0)
            continue;
        if (pb_json_get(b, "error_occurred"))
            continue; /* an invalid repetition: summary.json says why */
        const char *name = pb_json_str(b, "name", "");
        const char *suffix = strstr(name, "/manual_time");
        if (!suffix || suffix[12] != '\0')
            return pb_errf("%s/gbench.json: benchmark '%s' is not a pinbench variant", s->dir,
                           name);
        const char *unit = pb_json_str(b, "time_unit", "ns");
        double scale = !strcmp(unit, "ns")   ? 1
                       : !strcmp(unit, "us") ? 1e3
                       : !strcmp(unit, "ms") ? 1e6
                       : !strcmp(unit, "s")  ? 1e9
                                             : NAN;
        double rt = pb_json_num(b, "real_time", NAN);
        if (!isfinite(scale) || !isfinite(rt))
            return pb_errf("%s/gbench.json: benchmark '%s' has no usable real_time", s->dir, name);
        char vname[256];
        snprintf(vname, sizeof vname, "%.*s", (int)(suffix - name), name);
        struct pb_rvariant *v = rset_add_variant(s, vname);
        rset_add_value(v, "real_time_ns", rt * scale);
        for (size_t k = 0; k < b->n; k++) {
            if (b->items[k].type != PB_JSON_NUM)
                continue;
            bool skipped = false;
            for (size_t q = 0; q < PB_ARRAY_LEN(skip) && !skipped; q++)
                skipped = !strcmp(b->keys[k], skip[q]);
            if (!skipped)
                rset_add_value(v, b->keys[k], b->items[k].num);
        }
    }
    return 0;
}

static int rset_read_summary(struct pb_rset *s)
{
    if (strcmp(pb_json_str(s->summary, "schema", ""), "pinbench-summary-1") != 0)
        return pb_errf("%s/summary.json: not a pinbench summary (schema '%s')", s->dir,
                       pb_json_str(s->summary, "schema", "(none)"));
    const struct pb_json *vs = pb_json_get(s->summary, "variants");
    if (!vs || vs->type != PB_JSON_ARR)
        return pb_errf("%s/summary.json: no \"variants\" array", s->dir);
    for (size_t i = 0; i < vs->n; i++) {
        const char *name = pb_json_str(&vs->items[i], "name", NULL);
        if (!name)
            return pb_errf("%s/summary.json: variant %zu has no name", s->dir, i);
        struct pb_rvariant *v = rset_add_variant(s, name);
        free(v->status);
        free(v->reason);
        free(v->placement);
        v->status = pb_xstrdup(pb_json_str(&vs->items[i], "status", "ok"));
        v->reason = pb_xstrdup(pb_json_str(&vs->items[i], "reason", ""));
        v->placement = pb_xstrdup(pb_json_str(&vs->items[i], "placement", ""));
    }
    return 0;
}

/* Every file the manifest lists is there, with its size and checksum; a folder written before
 * manifests existed has none and is read as it is. A run cut short says so and is refused:
 * its variants are not all there, and a comparison would silently miss them. */
static int rset_verify(const struct pb_rset *s, bool allow_partial)
{
    const struct pb_json *run = pb_json_get(s->summary, "run");
    const struct pb_json *partial = pb_json_get(run, "partial");
    if (!allow_partial && partial && partial->type == PB_JSON_BOOL && partial->b)
        return pb_errf("%s: a partial run (%s): refusing to compare it", s->dir,
                       pb_json_str(run, "stopped_by", "interrupted"));
    const struct pb_json *m = pb_json_get(s->summary, "manifest");
    if (!m)
        return 0;
    const struct pb_json *files = pb_json_get(m, "files");
    if (strcmp(pb_json_str(m, "algorithm", ""), "sha256") != 0 || !files ||
        files->type != PB_JSON_ARR)
        return pb_errf("%s/summary.json: the manifest is malformed", s->dir);
    for (size_t i = 0; i < files->n; i++) {
        const char *rel = pb_json_str(&files->items[i], "path", NULL);
        const char *want = pb_json_str(&files->items[i], "sha256", "");
        double bytes = pb_json_num(&files->items[i], "bytes", -1);
        if (!rel || strstr(rel, "..") || rel[0] == '/')
            return pb_errf("%s/summary.json: manifest entry %zu has no usable path", s->dir, i);
        char full[4400], hex[65];
        uint64_t got;
        snprintf(full, sizeof full, "%s/%s", s->dir, rel);
        /* a stored baseline keeps only the JSON: hist/ and plots/ may be absent as a whole,
         * never in part */
        const char *slash = strchr(rel, '/');
        if (slash) {
            char sub[4400];
            snprintf(sub, sizeof sub, "%s/%.*s", s->dir, (int)(slash - rel), rel);
            if (access(sub, F_OK) != 0)
                continue;
        }
        if (access(full, F_OK) != 0)
            return pb_errf("%s: incomplete folder: %s, listed in the manifest, is missing", s->dir,
                           rel);
        if (pb_sha256_file(full, hex, &got) < 0)
            return -1;
        if ((double)got != bytes || strcmp(hex, want) != 0)
            return pb_errf("%s: corrupted folder: %s does not match its checksum (%llu bytes, "
                           "manifest says %.0f)",
                           s->dir, rel, (unsigned long long)got, bytes);
    }
    return 0;
}

static int rset_load(struct pb_rset *s, const char *dir, bool allow_partial);

int pb_rset_load(struct pb_rset *s, const char *dir)
{
    return rset_load(s, dir, false);
}

int pb_rset_load_partial(struct pb_rset *s, const char *dir)
{
    return rset_load(s, dir, true);
}

static int rset_load(struct pb_rset *s, const char *dir, bool allow_partial)
{
    memset(s, 0, sizeof *s);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return pb_errf("%s: not a results folder (no such directory)", dir);
    s->dir = pb_xstrdup(dir);
    if (!(s->summary = rset_file(dir, "summary.json")) || !(s->env = rset_file(dir, "env.json")) ||
        !(s->gbench = rset_file(dir, "gbench.json")) || rset_read_summary(s) < 0 ||
        rset_verify(s, allow_partial) < 0 || rset_read_gbench(s) < 0) {
        pb_rset_free(s);
        return -1;
    }
    size_t ok = 0;
    for (size_t i = 0; i < s->n_var; i++)
        ok += s->var[i].n_series > 0;
    if (!ok) {
        char why[4200];
        snprintf(why, sizeof why,
                 "%s: no repetition of any variant in gbench.json (an interrupted "
                 "or empty run)",
                 dir);
        pb_rset_free(s);
        return pb_errf("%s", why);
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
    pb_json_free(s->summary);
    pb_json_free(s->env);
    pb_json_free(s->gbench);
    free(s->dir);
    memset(s, 0, sizeof *s);
}

const struct pb_rvariant *pb_rset_variant(const struct pb_rset *s, const char *name)
{
    for (size_t i = 0; i < s->n_var; i++)
        if (!strcmp(s->var[i].name, name))
            return &s->var[i];
    return NULL;
}

const struct pb_rseries *pb_rset_series(const struct pb_rset *s, const char *name,
                                        const char *metric)
{
    const struct pb_rvariant *v = pb_rset_variant(s, name);
    for (size_t k = 0; v && k < v->n_series; k++)
        if (!strcmp(v->series[k].metric, metric))
            return &v->series[k];
    return NULL;
}

const char *pb_rset_env(const struct pb_rset *s, const char *key)
{
    return pb_json_str(s->env, key, "");
}
