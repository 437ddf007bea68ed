/* util: error context, number parsing and small file helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static _Thread_local char pb_err_buf[512];

int pb_errf(const char *fmt, ...)
{
    char tmp[sizeof pb_err_buf];
    va_list ap;
    va_start(ap, fmt);
    /* Format into a temporary: callers often wrap the previous message with "%s", pb_err(). */
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    memcpy(pb_err_buf, tmp, sizeof tmp);
    return -1;
}

const char *pb_err(void)
{
    return pb_err_buf;
}

int pb_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *out)
{
    if (!s || !*s)
        return pb_errf("%s: empty value (expected an integer in %llu..%llu)", what,
                       (unsigned long long)min, (unsigned long long)max);
    for (const char *c = s; *c; c++)
        if (*c < '0' || *c > '9')
            return pb_errf("%s: %s is not an unsigned decimal integer", what, pb_q(s));
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || end == s || *end != '\0')
        return pb_errf("%s: %s is not an integer in %llu..%llu", what, pb_q(s),
                       (unsigned long long)min, (unsigned long long)max);
    if (v < min || v > max)
        return pb_errf("%s: %llu is out of range %llu..%llu", what, v, (unsigned long long)min,
                       (unsigned long long)max);
    *out = v;
    return 0;
}

/* Plain decimal only: strtod alone would also take hexadecimal ("0x10"), "inf", "nan" and
 * leading blanks, none of which a person means by a threshold or a time. */
static bool util_is_decimal(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == '\0';
}

int pb_parse_double(const char *s, double min, double max, const char *what, double *out)
{
    if (!s || !*s)
        return pb_errf("%s: empty value (expected a number in %g..%g)", what, min, max);
    if (!util_is_decimal(s))
        return pb_errf("%s: %s is not a decimal number in %g..%g", what, pb_q(s), min, max);
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno == ERANGE || end == s || *end != '\0' || !isfinite(v))
        return pb_errf("%s: %s is not a number in %g..%g", what, pb_q(s), min, max);
    if (v < min || v > max)
        return pb_errf("%s: %g is out of range %g..%g", what, v, min, max);
    *out = v;
    return 0;
}

long pb_read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pb_errf("open %s: %s", path, strerror(errno));
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return pb_errf("read %s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    if (got > 0 && buf[got - 1] == '\n')
        buf[--got] = '\0';
    return (long)got;
}

int pb_read_keyed_u64(const char *path, const char *key, uint64_t *out)
{
    char buf[8192];
    if (pb_read_file(path, buf, sizeof buf) < 0)
        return -1;
    size_t klen = strlen(key);
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, key, klen) == 0) {
            char *p = line + klen;
            while (*p == ' ' || *p == '\t')
                p++;
            errno = 0;
            char *end = NULL;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p || errno)
                return pb_errf("%s: cannot parse the number after '%s'", path, key);
            *out = v;
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return pb_errf("%s: no line starting with '%s'", path, key);
}

void *pb_xrealloc(void *p, size_t size, const char *what)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fprintf(stderr, "pinbench: out of memory growing %s to %zu bytes\n", what, size);
        exit(1);
    }
    return q;
}

void *pb_xcalloc(size_t n, size_t size, const char *what)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "pinbench: out of memory allocating %zu x %zu bytes for %s\n", n, size,
                what);
        exit(1);
    }
    return p;
}

char *pb_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = pb_xcalloc(n, 1, "a string");
    memcpy(p, s, n);
    return p;
}

static char *util_vxasprintf(const char *fmt, va_list ap) PB_PRINTF(1, 0);
static char *util_vxasprintf(const char *fmt, va_list ap)
{
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) {
        fprintf(stderr, "pinbench: out of memory formatting '%s'\n", fmt);
        exit(1);
    }
    return p;
}

char *pb_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = util_vxasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void pb_check_failed(const char *expr, const char *file, int line)
{
    fprintf(stderr, "pinbench: internal check failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

bool pb_opt_value(const char *arg, const char *name, const char **val)
{
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0 || arg[n] != '=')
        return false;
    *val = arg + n + 1;
    return true;
}

/* One line, whatever it holds: control characters and bytes that are not UTF-8 are escaped
 * (a newline in a label must not forge a second message), and the line is cut at
 * PB_LINE_MAX bytes with a marker, so no input can hide the reason behind kilobytes of itself.
 * Inputs are cut earlier, where they are quoted (pb_q), so the reason survives. */
static void util_put_line(FILE *f, const char *prefix, const char *msg)
{
    char out[PB_LINE_MAX + 1];
    size_t n = (size_t)snprintf(out, sizeof out, "%s", prefix);
    const unsigned char *s = (const unsigned char *)msg;
    const size_t room = PB_LINE_MAX - 12; /* " [line cut]" */
    bool cut = false;
    while (*s) {
        size_t ulen = pb_utf8_len(s);
        char esc[8];
        size_t add;
        if (ulen > 1) {
            add = ulen;
            memcpy(esc, s, ulen);
        } else if (*s < 0x20 || *s == 0x7f || *s >= 0x80) {
            add = (size_t)snprintf(esc, sizeof esc, *s == '\n' ? "\\n" : "\\x%02x", *s);
            ulen = 1;
        } else {
            add = 1;
            esc[0] = (char)*s;
            ulen = 1;
        }
        if (n + add > room) {
            cut = true;
            break;
        }
        memcpy(out + n, esc, add);
        n += add;
        s += ulen;
    }
    out[n] = '\0';
    fprintf(f, "%s%s\n", out, cut ? " [line cut]" : "");
    fflush(f);
}

PB_PRINTF(1, 0) static void util_vfail(const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    util_put_line(stderr, "pinbench: ", msg);
}

int pb_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    util_vfail(fmt, ap);
    va_end(ap);
    return status;
}

int pb_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    util_vfail(fmt, ap);
    va_end(ap);
    return 2;
}

size_t pb_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf   ? 2
               : c >= 0xe0 && c <= 0xef ? 3
               : c >= 0xf0 && c <= 0xf4 ? 4
                                        : 0;
    if (!n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, and beyond U+10FFFF */
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] >= 0x90))
        return 0;
    return n;
}

bool pb_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        /* a sequence cut by the end of the buffer reads the NUL or bytes past it as
         * continuation bytes only if they are there: check the room first */
        size_t need = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
        if ((size_t)(end - p) < need)
            return false;
        size_t n = pb_utf8_len(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

const char *pb_q(const char *s)
{
    /* a ring, so that one message can quote several inputs */
    static _Thread_local char ring[4][PB_QUOTE_MAX + 32];
    static _Thread_local unsigned next;
    char *out = ring[next++ % 4];
    if (!s)
        return "(none)";
    size_t len = strlen(s), n = 0;
    out[n++] = '\'';
    const unsigned char *p = (const unsigned char *)s;
    while (*p && n < PB_QUOTE_MAX) {
        size_t u = pb_utf8_len(p);
        if (u > 1 && n + u < PB_QUOTE_MAX) {
            memcpy(out + n, p, u);
            n += u, p += u;
        } else if (*p < 0x20 || *p == 0x7f || *p >= 0x80 || *p == '\'' || *p == '\\') {
            if (*p == '\'' || *p == '\\')
                n += (size_t)snprintf(out + n, 4, "\\%c", *p);
            else
                n += (size_t)snprintf(out + n, 6, "\\x%02x", *p);
            p++;
        } else {
            out[n++] = (char)*p++;
        }
    }
    if (*p)
        snprintf(out + n, PB_QUOTE_MAX + 32 - n, "...' (%zu bytes)", len);
    else
        snprintf(out + n, PB_QUOTE_MAX + 32 - n, "'");
    return out;
}

size_t pb_out_width(FILE *f)
{
    const char *cols = getenv("COLUMNS");
    uint64_t n;
    if (cols && cols[0] && pb_parse_u64(cols, 40, 100000, "COLUMNS", &n) == 0)
        return (size_t)n;
    int fd = fileno(f);
    if (fd < 0 || !isatty(fd))
        return 0;
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 160;
}

void pb_fputs_fit(FILE *f, const char *line, size_t width)
{
    const size_t indent = 4;
    size_t len = strlen(line);
    if (!width || len <= width || width <= indent + 8) {
        fputs(line, f);
        fputc('\n', f);
        return;
    }
    const char *p = line;
    size_t room = width;
    while (strlen(p) > room) {
        size_t cut = room;
        while (cut > room / 2 && p[cut] != ' ')
            cut--;
        if (p[cut] != ' ') /* no space in the second half: cut the word */
            cut = room;
        fwrite(p, 1, cut, f);
        fputc('\n', f);
        p += cut;
        while (*p == ' ')
            p++;
        fprintf(f, "%*s", (int)indent, "");
        room = width - indent;
    }
    fputs(p, f);
    fputc('\n', f);
}

void pb_printf_fit(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = util_vxasprintf(fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\n')
        line[n - 1] = '\0';
    pb_fputs_fit(f, line, pb_out_width(f));
    free(line);
}
