/* json: the strict reader (jsonw.c: the writer). */
#include "results/json.h"

#include "results/safeio.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader ---- */

struct jr {
    const char *s, *end, *p;
    int depth;
};

static int jr_fail(struct jr *r, const char *what)
{
    int line = 1, col = 1;
    for (const char *q = r->s; q < r->p && q < r->end; q++) {
        if (*q == '\n')
            line++, col = 1;
        else
            col++;
    }
    return pb_errf("line %d, column %d: %s", line, col, what);
}

static void jr_ws(struct jr *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int jr_value(struct jr *r, struct pb_json *out);
static void json_free_children(struct pb_json *j);

static int jr_hex4(struct jr *r, unsigned *out)
{
    if (r->end - r->p < 4)
        return jr_fail(r, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = r->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return jr_fail(r, "bad hex digit in \\u escape");
    }
    r->p += 4;
    *out = v;
    return 0;
}

static size_t jr_utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* \uXXXX (after the "\u"), with a surrogate pair's second half: the code point, or -1. */
static int jr_unicode(struct jr *r, unsigned *cp)
{
    if (jr_hex4(r, cp) < 0)
        return -1;
    if (*cp >= 0xdc00 && *cp <= 0xdfff)
        return jr_fail(r, "unpaired low surrogate in \\u escape");
    if (*cp >= 0xd800 && *cp < 0xdc00) {
        unsigned lo;
        if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u')
            return jr_fail(r, "unpaired surrogate in \\u escape");
        r->p += 2;
        if (jr_hex4(r, &lo) < 0)
            return -1;
        if (lo < 0xdc00 || lo > 0xdfff)
            return jr_fail(r, "bad low surrogate in \\u escape");
        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    }
    if (*cp == 0)
        return jr_fail(r, "\\u0000 is not supported in strings");
    return 0;
}

/* One escape (r->p after the backslash) decoded into buf; the bytes written, or -1. */
static int jr_escape(struct jr *r, char *buf)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char e = *r->p++;
    const char *k = e ? strchr(from, e) : NULL;
    if (k) {
        buf[0] = to[k - from];
        return 1;
    }
    if (e != 'u') {
        r->p--;
        return jr_fail(r, "unknown escape in string");
    }
    unsigned cp;
    if (jr_unicode(r, &cp) < 0)
        return -1;
    return (int)jr_utf8(cp, buf);
}

static int jr_string(struct jr *r, char **out)
{
    r->p++; /* opening quote */
    /* The decoded string is never longer than its source. */
    const char *q = r->p;
    while (q < r->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= r->end)
        return jr_fail(r, "unterminated string");
    char *buf = pb_xcalloc((size_t)(q - r->p) + 1, 1, "a JSON string");
    size_t n = 0;
    while (*r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        size_t u = c >= 0x80 ? pb_utf8_len((const unsigned char *)r->p) : 1;
        int w = 0;
        if (c < 0x20) {
            w = jr_fail(r, "control character in string");
        } else if (!u) { /* the closing quote ends any sequence cut short: never read past it */
            w = jr_fail(r, "invalid UTF-8 in string");
        } else if (c == '\\') {
            r->p++;
            w = jr_escape(r, buf + n);
        } else {
            memcpy(buf + n, r->p, u);
            r->p += u;
            w = (int)u;
        }
        if (w < 0) {
            free(buf);
            return -1;
        }
        n += (size_t)w;
    }
    r->p++; /* closing quote */
    buf[n] = '\0';
    *out = buf;
    return 0;
}

static int jr_number(struct jr *r, struct pb_json *out)
{
    const char *start = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
        return jr_fail(r, "expected a digit");
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
            return jr_fail(r, "expected a digit after '.'");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9'))
            return jr_fail(r, "expected a digit in the exponent");
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    char buf[64];
    size_t len = (size_t)(r->p - start);
    if (len >= sizeof buf)
        return jr_fail(r, "number too long");
    memcpy(buf, start, len);
    buf[len] = '\0';
    out->type = PB_JSON_NUM;
    out->num = strtod(buf, NULL);
    if (!isfinite(out->num)) /* 1e999: no double holds it, and infinity is not JSON */
        return jr_fail(r, "number out of range");
    return 0;
}

static int jr_literal(struct jr *r, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0)
        return jr_fail(r, "unexpected character");
    r->p += n;
    return 0;
}

static void jr_push(struct pb_json *c, size_t *cap, struct pb_json *item, char *key)
{
    if (c->n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        c->items = realloc(c->items, *cap * sizeof *c->items);
        if (c->type == PB_JSON_OBJ)
            c->keys = realloc(c->keys, *cap * sizeof *c->keys);
        if (!c->items || (c->type == PB_JSON_OBJ && !c->keys)) {
            fprintf(stderr, "pinbench: out of memory parsing JSON\n");
            exit(1);
        }
    }
    c->items[c->n] = *item;
    if (c->type == PB_JSON_OBJ)
        c->keys[c->n] = key;
    c->n++;
}

/* Whether the object already has `key`. Objects pinbench writes have tens of keys: a scan;
 * a large one gets a hash set, so a hostile object of a million keys stays linear. */
struct jr_keyset {
    const struct pb_json *obj;
    size_t cap, used;
    size_t *slot; /* index + 1 */
};
static _Thread_local struct jr_keyset *jr_sets;
static _Thread_local int jr_sets_n;

static uint64_t jr_hash(const char *k)
{
    uint64_t h = 1469598103934665603ull;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 1099511628211ull;
    return h;
}

static bool jr_duplicate(struct pb_json *o, const char *key)
{
    if (o->n < 32) {
        for (size_t i = 0; i < o->n; i++)
            if (!strcmp(o->keys[i], key))
                return true;
        return false;
    }
    /* one set per open object, found by the object's address (objects nest: a small stack) */
    struct jr_keyset *ks = NULL;
    for (int i = 0; i < jr_sets_n; i++)
        if (jr_sets[i].obj == o)
            ks = &jr_sets[i];
    if (!ks) {
        jr_sets = pb_xrealloc(jr_sets, (size_t)(jr_sets_n + 1) * sizeof *jr_sets, "JSON keys");
        ks = &jr_sets[jr_sets_n++];
        memset(ks, 0, sizeof *ks);
        ks->obj = o;
    }
    if (!ks->slot || (o->n + 1) * 2 > ks->cap) {
        /* (re)build over every key so far */
        size_t cap = 64;
        while (cap < (o->n + 1) * 4)
            cap *= 2;
        free(ks->slot);
        ks->slot = pb_xcalloc(cap, sizeof *ks->slot, "JSON keys");
        ks->cap = cap;
        ks->used = 0;
        for (size_t i = 0; i < o->n; i++) {
            size_t h = (size_t)jr_hash(o->keys[i]) & (cap - 1);
            while (ks->slot[h])
                h = (h + 1) & (cap - 1);
            ks->slot[h] = i + 1;
            ks->used++;
        }
    }
    size_t h = (size_t)jr_hash(key) & (ks->cap - 1);
    while (ks->slot[h]) {
        if (!strcmp(o->keys[ks->slot[h] - 1], key))
            return true;
        h = (h + 1) & (ks->cap - 1);
    }
    ks->slot[h] = o->n + 1; /* the key about to be pushed */
    ks->used++;
    return false;
}

/* Drops the key set of an object that is complete. */
static void jr_keyset_done(const struct pb_json *o)
{
    for (int i = 0; i < jr_sets_n; i++)
        if (jr_sets[i].obj == o) {
            free(jr_sets[i].slot);
            jr_sets[i] = jr_sets[--jr_sets_n];
            break;
        }
    if (!jr_sets_n) {
        free(jr_sets);
        jr_sets = NULL;
    }
}

static int jr_container_body(struct jr *r, struct pb_json *out, int is_obj);

static int jr_container(struct jr *r, struct pb_json *out, int is_obj)
{
    int rc = jr_container_body(r, out, is_obj);
    if (is_obj)
        jr_keyset_done(out);
    return rc;
}

static int jr_container_body(struct jr *r, struct pb_json *out, int is_obj)
{
    if (++r->depth > PB_JSON_MAX_DEPTH)
        return jr_fail(r, "nesting too deep");
    out->type = is_obj ? PB_JSON_OBJ : PB_JSON_ARR;
    size_t cap = 0;
    r->p++;
    jr_ws(r);
    if (r->p < r->end && *r->p == (is_obj ? '}' : ']')) {
        r->p++;
        r->depth--;
        return 0;
    }
    for (;;) {
        char *key = NULL;
        jr_ws(r);
        if (is_obj) {
            if (r->p >= r->end || *r->p != '"')
                return jr_fail(r, "expected a string key");
            if (jr_string(r, &key) < 0)
                return -1;
            jr_ws(r);
            if (r->p >= r->end || *r->p != ':') {
                free(key);
                return jr_fail(r, "expected ':' after an object key");
            }
            r->p++;
        }
        struct pb_json item = {0};
        if (jr_value(r, &item) < 0) {
            free(key);
            json_free_children(&item);
            return -1;
        }
        if (is_obj && jr_duplicate(out, key)) {
            free(key);
            json_free_children(&item);
            return jr_fail(r, "duplicate key in object (readers disagree on which one counts)");
        }
        jr_push(out, &cap, &item, key);
        jr_ws(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == (is_obj ? '}' : ']')) {
            r->p++;
            r->depth--;
            return 0;
        }
        return jr_fail(r, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int jr_value(struct jr *r, struct pb_json *out)
{
    jr_ws(r);
    if (r->p >= r->end)
        return jr_fail(r, "unexpected end of input");
    switch (*r->p) {
    case '{':
        return jr_container(r, out, 1);
    case '[':
        return jr_container(r, out, 0);
    case '"':
        out->type = PB_JSON_STR;
        return jr_string(r, &out->str);
    case 't':
        out->type = PB_JSON_BOOL;
        out->b = true;
        return jr_literal(r, "true");
    case 'f':
        out->type = PB_JSON_BOOL;
        return jr_literal(r, "false");
    case 'n':
        out->type = PB_JSON_NULL;
        return jr_literal(r, "null");
    default:
        return jr_number(r, out);
    }
}

/* Frees what `j` owns, not `j` itself (array elements live inside their parent's block). */
static void json_free_children(struct pb_json *j)
{
    for (size_t i = 0; i < j->n; i++) {
        json_free_children(&j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    j->items = NULL;
    j->keys = NULL;
    j->str = NULL;
    j->n = 0;
}

struct pb_json *pb_json_parse(const char *text, size_t len)
{
    struct jr r = {text, text + len, text, 0};
    struct pb_json *root = pb_xcalloc(1, sizeof *root, "a JSON tree");
    if (jr_value(&r, root) < 0) {
        json_free_children(root);
        free(root);
        return NULL;
    }
    jr_ws(&r);
    if (r.p != r.end) {
        jr_fail(&r, "trailing characters after the JSON value");
        json_free_children(root);
        free(root);
        return NULL;
    }
    return root;
}

void pb_json_free(struct pb_json *j)
{
    if (!j)
        return;
    json_free_children(j);
    free(j);
}

struct pb_json *pb_json_load(const char *path)
{
    char *buf;
    size_t n;
    if (pb_read_data(-1, path, PB_READ_MAX_BYTES, &buf, &n) < 0)
        return NULL;
    struct pb_json *j = pb_json_parse(buf, n);
    free(buf);
    if (!j)
        pb_errf("%s: %s", pb_q(path), pb_err());
    return j;
}

const struct pb_json *pb_json_get(const struct pb_json *obj, const char *key)
{
    if (!obj || obj->type != PB_JSON_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

double pb_json_num(const struct pb_json *obj, const char *key, double fallback)
{
    const struct pb_json *v = pb_json_get(obj, key);
    return (v && v->type == PB_JSON_NUM) ? v->num : fallback;
}

const char *pb_json_str(const struct pb_json *obj, const char *key, const char *fallback)
{
    const struct pb_json *v = pb_json_get(obj, key);
    return (v && v->type == PB_JSON_STR) ? v->str : fallback;
}

char *pb_json_null_nonfinite(const char *text, size_t len, size_t *replaced)
{
    static const char *const words[] = {"-Infinity", "Infinity", "-NaN", "NaN",
                                        "-nan",      "nan",      "-inf", "inf"};
    /* "null" replaces words of 3 or more characters: at most 4/3 of the input */
    char *out = pb_xcalloc(len / 3 * 4 + 8, 1, "sanitized JSON");
    size_t o = 0, n = 0;
    bool in_str = false;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        if (in_str) {
            out[o++] = c;
            i++;
            if (c == '\\' && i < len)
                out[o++] = text[i++];
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
            out[o++] = c;
            i++;
            continue;
        }
        size_t k;
        for (k = 0; k < PB_ARRAY_LEN(words); k++) {
            size_t wl = strlen(words[k]);
            if (len - i >= wl && memcmp(text + i, words[k], wl) == 0) {
                memcpy(out + o, "null", 4);
                o += 4;
                i += wl;
                n++;
                break;
            }
        }
        if (k == PB_ARRAY_LEN(words))
            out[o++] = text[i++];
    }
    out[o] = '\0';
    if (replaced)
        *replaced = n;
    return out;
}
