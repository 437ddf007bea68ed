/* rset_schema: every field a reader of a results folder uses, checked for its type before use. */
#include "results/rset.h"
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
#include "results/rset_internal.h"

/* ---- schema: every field a reader uses, checked for type before use ---- */

static const char *rset_type_name(enum pb_json_type t)
{
    static const char *const n[] = {"null",     "a boolean", "a number",
                                    "a string", "an array",  "an object"};
    return n[t];
}

/* A name pinbench itself writes (variant, metric, family, file path): printable ASCII and
 * UTF-8, no control characters, at most 256 bytes. */
bool pb_rseti_name_ok(const char *v)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)v; *c; c++, n++)
        if (*c < 0x20 || *c == 0x7f)
            return false;
    return n > 0 && n <= 256;
}

static unsigned rset_bit(enum pb_json_type t)
{
    return t == PB_JSON_STR    ? T_STR
           : t == PB_JSON_NUM  ? T_NUM
           : t == PB_JSON_BOOL ? T_BOOL
           : t == PB_JSON_NULL ? T_NULL
           : t == PB_JSON_ARR  ? T_ARR
                               : T_OBJ;
}

int pb_rseti_check_fields(const struct pb_rset *s, const char *file, const char *where,
                          const struct pb_json *o, const struct pb_rseti_field *f, size_t n)
{
    if (!o || o->type != PB_JSON_OBJ)
        return pb_errf("%s/%s: %s is not an object", pb_q(s->dir), file, where);
    for (size_t i = 0; i < n; i++) {
        const struct pb_json *v = pb_json_get(o, f[i].key);
        if (!v && f[i].required)
            return pb_errf("%s/%s: %s has no \"%s\"", pb_q(s->dir), file, where, f[i].key);
        if (v && !(f[i].types & rset_bit(v->type)))
            return pb_errf("%s/%s: %s: \"%s\" is %s, not of its type", pb_q(s->dir), file, where,
                           f[i].key, rset_type_name(v->type));
    }
    return 0;
}

/* Each element of the array `key` of o is an object with fields f. */
static int rset_check_each(const struct pb_rset *s, const char *file, const struct pb_json *o,
                           const char *key, const struct pb_rseti_field *f, size_t n)
{
    const struct pb_json *a = pb_json_get(o, key);
    if (!a || a->type != PB_JSON_ARR)
        return pb_errf("%s/%s: no \"%s\" array", pb_q(s->dir), file, key);
    for (size_t i = 0; i < a->n; i++) {
        char where[96];
        snprintf(where, sizeof where, "%s[%zu]", key, i);
        if (pb_rseti_check_fields(s, file, where, &a->items[i], f, n) < 0)
            return -1;
    }
    return 0;
}

int pb_rseti_check_record(const struct pb_rset *s)
{
    const struct pb_json *j = s->record;
    static const struct pb_rseti_field top[] = {
        {"schema", T_STR, true},   {"run", T_OBJ, true},     {"pairs", T_ARR, true},
        {"variants", T_ARR, true}, {"skipped", T_ARR, true}, {"invalid", T_ARR, true},
        {"warnings", T_ARR, true}, {"manifest", T_OBJ, true}};
    static const struct pb_rseti_field run[] = {{"host", T_STR | T_NULL, false},
                                                {"started_utc", T_STR | T_NULL, false},
                                                {"profile", T_STR | T_NULL, false},
                                                {"label", T_STR | T_NULL, false},
                                                {"cpus", T_STR | T_NULL, false},
                                                {"command_line", T_STR | T_NULL, false},
                                                {"repetitions", T_NUM, false},
                                                {"min_time_s", T_NUM | T_NULL, false},
                                                {"build_type", T_STR | T_NULL, false},
                                                {"git_commit", T_STR | T_NULL, false},
                                                {"valid", T_BOOL, true},
                                                {"partial", T_BOOL, true},
                                                {"stopped_by", T_STR | T_NULL, true}};
    static const struct pb_rseti_field pair[] = {{"experiment", T_STR, true},
                                                 {"baseline", T_STR, true},
                                                 {"variant", T_STR, true},
                                                 {"metric", T_STR, true},
                                                 {"unit", T_STR | T_NULL, false},
                                                 {"baseline_median", T_NUM | T_NULL, false},
                                                 {"variant_median", T_NUM | T_NULL, false},
                                                 {"ratio", T_NUM | T_NULL, false},
                                                 {"ci_low", T_NUM | T_NULL, false},
                                                 {"ci_high", T_NUM | T_NULL, false},
                                                 {"p_value", T_NUM | T_NULL, false},
                                                 {"test", T_STR | T_NULL, false},
                                                 {"n_baseline", T_NUM, false},
                                                 {"n_variant", T_NUM, false},
                                                 {"verdict", T_STR | T_NULL, false},
                                                 {"note", T_STR | T_NULL, false}};
    static const struct pb_rseti_field var[] = {{"name", T_STR, true},
                                                {"family", T_STR | T_NULL, false},
                                                {"status", T_STR, true},
                                                {"reason", T_STR | T_NULL, false},
                                                {"placement", T_STR | T_NULL, false}};
    static const struct pb_rseti_field reason[] = {{"variant", T_STR, true},
                                                   {"reason", T_STR, true}};
    /* a derived summary.json (pinbench-summary-2) is never a record: it is rewritten by
     * `pinbench report`, and no manifest seals it */
    const char *want = s->legacy ? "pinbench-summary-1" : "pinbench-run-1";
    if (strcmp(pb_json_str(j, "schema", ""), want) != 0)
        return pb_errf("%s/%s: not a pinbench run record (schema %s, expected %s)", pb_q(s->dir),
                       s->record_file, pb_q(pb_json_str(j, "schema", "")), want);
    if (pb_rseti_check_fields(s, s->record_file, "the top level", j, top, PB_ARRAY_LEN(top)) < 0)
        return -1;
    if (pb_rseti_check_fields(s, s->record_file, "run", pb_json_get(j, "run"), run,
                              PB_ARRAY_LEN(run)) < 0 ||
        rset_check_each(s, s->record_file, j, "pairs", pair, PB_ARRAY_LEN(pair)) < 0 ||
        rset_check_each(s, s->record_file, j, "variants", var, PB_ARRAY_LEN(var)) < 0 ||
        rset_check_each(s, s->record_file, j, "skipped", reason, PB_ARRAY_LEN(reason)) < 0 ||
        rset_check_each(s, s->record_file, j, "invalid", reason, PB_ARRAY_LEN(reason)) < 0)
        return -1;
    const struct pb_json *w = pb_json_get(j, "warnings");
    for (size_t i = 0; i < w->n; i++)
        if (w->items[i].type != PB_JSON_STR)
            return pb_errf("%s/%s: warnings[%zu] is not a string", pb_q(s->dir), s->record_file, i);
    const struct pb_json *ps = pb_json_get(j, "pairs");
    for (size_t i = 0; i < ps->n; i++) {
        const struct pb_json *p = &ps->items[i];
        static const char *const names[] = {"experiment", "baseline", "variant", "metric"};
        for (size_t k = 0; k < PB_ARRAY_LEN(names); k++)
            if (!pb_rseti_name_ok(pb_json_str(p, names[k], "")))
                return pb_errf("%s/%s: pairs[%zu]: \"%s\" is not a usable name", pb_q(s->dir),
                               s->record_file, i, names[k]);
    }
    return 0;
}

int pb_rseti_check_env(const struct pb_rset *s)
{
    const struct pb_json *e = s->env;
    if (strcmp(pb_json_str(e, "schema", ""), "pinbench-env-1") != 0)
        return pb_errf("%s/env.json: not a pinbench environment (schema %s)", pb_q(s->dir),
                       pb_q(pb_json_str(e, "schema", "")));
    for (size_t i = 0; i < e->n; i++) {
        const struct pb_json *v = &e->items[i];
        bool ok = !strcmp(e->keys[i], "warnings") ? v->type == PB_JSON_ARR : v->type == PB_JSON_STR;
        for (size_t k = 0; ok && v->type == PB_JSON_ARR && k < v->n; k++)
            ok = v->items[k].type == PB_JSON_STR;
        if (!ok || !pb_rseti_name_ok(e->keys[i]))
            return pb_errf("%s/env.json: %s is %s, not a string", pb_q(s->dir), pb_q(e->keys[i]),
                           rset_type_name(v->type));
    }
    return 0;
}
