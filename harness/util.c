/* util: error context, number parsing and small file helpers. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    if (*s == '-' || *s == '+' || *s == ' ')
        return pb_errf("%s: '%s' is not an unsigned integer", what, s);
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE || end == s || *end != '\0')
        return pb_errf("%s: '%s' is not an integer in %llu..%llu", what, s, (unsigned long long)min,
                       (unsigned long long)max);
    if (v < min || v > max)
        return pb_errf("%s: %llu is out of range %llu..%llu", what, v, (unsigned long long)min,
                       (unsigned long long)max);
    *out = v;
    return 0;
}

int pb_parse_double(const char *s, double min, double max, const char *what, double *out)
{
    if (!s || !*s)
        return pb_errf("%s: empty value (expected a number in %g..%g)", what, min, max);
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno == ERANGE || end == s || *end != '\0' || !isfinite(v))
        return pb_errf("%s: '%s' is not a number in %g..%g", what, s, min, max);
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

char *pb_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "pinbench: out of memory formatting '%s'\n", fmt);
        exit(1);
    }
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

int pb_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pinbench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return 2;
}
