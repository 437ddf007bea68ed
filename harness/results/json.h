/* json: the one JSON writer and reader in pinbench.
 *
 * The writer escapes every string, writes numbers independent of the locale (NaN and infinities
 * become null, since JSON has no spelling for them) and tracks commas itself, so no key is ever
 * hand-typed into a format string. The reader builds a small tree, is strict (RFC 8259: no
 * trailing commas, no comments, no NaN, no duplicate keys, strings valid UTF-8) and limits
 * nesting depth so a hostile file cannot exhaust the stack; it is linear in its input (a large
 * object's keys are checked for duplicates through a hash set); its errors carry line and
 * column. */
#ifndef PB_JSON_H
#define PB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_JSON_MAX_DEPTH 64

struct pb_jw {
    FILE *f;
    int depth;
    bool need_comma[PB_JSON_MAX_DEPTH + 1];
    bool overflow; /* nesting deeper than PB_JSON_MAX_DEPTH was attempted */
};

void pb_jw_init(struct pb_jw *w, FILE *f);
/* `key` is the member name inside an object, NULL inside an array or at top level. */
void pb_jw_obj_begin(struct pb_jw *w, const char *key);
void pb_jw_obj_end(struct pb_jw *w);
void pb_jw_arr_begin(struct pb_jw *w, const char *key);
void pb_jw_arr_end(struct pb_jw *w);
void pb_jw_str(struct pb_jw *w, const char *key, const char *val); /* NULL val -> null */
void pb_jw_num(struct pb_jw *w, const char *key, double val);      /* non-finite -> null */
void pb_jw_int(struct pb_jw *w, const char *key, long long val);
void pb_jw_bool(struct pb_jw *w, const char *key, bool val);
void pb_jw_null(struct pb_jw *w, const char *key);
struct pb_json;
/* Writes a parsed value as it is (a record's member copied into a derived file). */
void pb_jw_value(struct pb_jw *w, const char *key, const struct pb_json *v);
/* 0 if everything was written and balanced, -1 otherwise (write error, bad nesting). */
int pb_jw_finish(struct pb_jw *w);

enum pb_json_type {
    PB_JSON_NULL,
    PB_JSON_BOOL,
    PB_JSON_NUM,
    PB_JSON_STR,
    PB_JSON_ARR,
    PB_JSON_OBJ
};

struct pb_json {
    enum pb_json_type type;
    bool b;
    double num;
    char *str;             /* PB_JSON_STR, NUL-terminated (embedded NULs are rejected) */
    size_t n;              /* members of an array or object */
    struct pb_json *items; /* array elements or object values */
    char **keys;           /* object member names, parallel to items */
};

/* Parses `len` bytes. Returns a tree to free with pb_json_free(), or NULL with pb_err() saying
 * what is wrong and where ("line 3, column 7: expected ':' after an object key"). */
struct pb_json *pb_json_parse(const char *text, size_t len);
/* Reads and parses a regular file (at most PB_READ_MAX_BYTES; a FIFO, device or directory is
 * refused). NULL with pb_err() naming the file on error. */
struct pb_json *pb_json_load(const char *path);
void pb_json_free(struct pb_json *j);

/* Returns a copy of `text` (heap, NUL-terminated) in which the non-finite number spellings some
 * writers emit (NaN, nan, Infinity, inf, with or without '-') outside strings are replaced by
 * null, so that strict JSON parsers read it. Google Benchmark writes NaN for the coefficient of
 * variation of a counter whose mean is 0. *replaced counts the replacements. */
char *pb_json_null_nonfinite(const char *text, size_t len, size_t *replaced);

/* Member lookup; NULL if `obj` is not an object or has no such key. */
const struct pb_json *pb_json_get(const struct pb_json *obj, const char *key);
/* Typed member access with a fallback when missing or of another type. */
double pb_json_num(const struct pb_json *obj, const char *key, double fallback);
const char *pb_json_str(const struct pb_json *obj, const char *key, const char *fallback);

#endif
