/* jsonw: the JSON writer (json.c: the strict reader). */
#include "results/json.h"

#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void pb_jw_init(struct pb_jw *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void jw_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        case '\b':
            fputs("\\b", f);
            break;
        case '\f':
            fputs("\\f", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void jw_prefix(struct pb_jw *w, const char *key)
{
    if (w->need_comma[w->depth])
        fputc(',', w->f);
    w->need_comma[w->depth] = true;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputs("  ", w->f);
    if (key) {
        jw_string(w->f, key);
        fputs(": ", w->f);
    }
}

static void jw_open(struct pb_jw *w, const char *key, char c)
{
    jw_prefix(w, key);
    fputc(c, w->f);
    if (w->depth >= PB_JSON_MAX_DEPTH) {
        w->overflow = true;
        return;
    }
    w->depth++;
    w->need_comma[w->depth] = false;
}

static void jw_close(struct pb_jw *w, char c)
{
    if (w->depth == 0) {
        w->overflow = true;
        return;
    }
    bool had = w->need_comma[w->depth];
    w->depth--;
    if (had) {
        fputc('\n', w->f);
        for (int i = 0; i < w->depth; i++)
            fputs("  ", w->f);
    }
    fputc(c, w->f);
}

void pb_jw_obj_begin(struct pb_jw *w, const char *key)
{
    jw_open(w, key, '{');
}
void pb_jw_obj_end(struct pb_jw *w)
{
    jw_close(w, '}');
}
void pb_jw_arr_begin(struct pb_jw *w, const char *key)
{
    jw_open(w, key, '[');
}
void pb_jw_arr_end(struct pb_jw *w)
{
    jw_close(w, ']');
}

void pb_jw_str(struct pb_jw *w, const char *key, const char *val)
{
    jw_prefix(w, key);
    if (val)
        jw_string(w->f, val);
    else
        fputs("null", w->f);
}

void pb_jw_num(struct pb_jw *w, const char *key, double val)
{
    jw_prefix(w, key);
    if (!isfinite(val)) {
        fputs("null", w->f);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", val);
    /* A locale with a decimal comma must not leak into JSON. */
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.';
    fputs(buf, w->f);
}

void pb_jw_int(struct pb_jw *w, const char *key, long long val)
{
    jw_prefix(w, key);
    fprintf(w->f, "%lld", val);
}

void pb_jw_bool(struct pb_jw *w, const char *key, bool val)
{
    jw_prefix(w, key);
    fputs(val ? "true" : "false", w->f);
}

void pb_jw_null(struct pb_jw *w, const char *key)
{
    jw_prefix(w, key);
    fputs("null", w->f);
}

void pb_jw_value(struct pb_jw *w, const char *key, const struct pb_json *v)
{
    if (!v) {
        pb_jw_null(w, key);
        return;
    }
    switch (v->type) {
    case PB_JSON_OBJ:
        pb_jw_obj_begin(w, key);
        for (size_t i = 0; i < v->n; i++)
            pb_jw_value(w, v->keys[i], &v->items[i]);
        pb_jw_obj_end(w);
        break;
    case PB_JSON_ARR:
        pb_jw_arr_begin(w, key);
        for (size_t i = 0; i < v->n; i++)
            pb_jw_value(w, NULL, &v->items[i]);
        pb_jw_arr_end(w);
        break;
    case PB_JSON_STR:
        pb_jw_str(w, key, v->str);
        break;
    case PB_JSON_NUM:
        pb_jw_num(w, key, v->num);
        break;
    case PB_JSON_BOOL:
        pb_jw_bool(w, key, v->b);
        break;
    default:
        pb_jw_null(w, key);
    }
}

int pb_jw_finish(struct pb_jw *w)
{
    fputc('\n', w->f);
    if (w->overflow || w->depth != 0)
        return pb_errf("JSON writer: unbalanced or too deeply nested output");
    if (ferror(w->f))
        return pb_errf("JSON writer: write error: %s", strerror(errno));
    return 0;
}
