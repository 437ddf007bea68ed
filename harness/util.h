/* util: error context, number parsing and small file helpers shared by the whole harness.
 *
 * Errors: harness functions return 0 on success and -1 (or a negative errno) on failure, and
 * leave a one-line message saying what was attempted, on what, and why in a thread-local buffer
 * read with pb_err(). The caller adds context by wrapping it, never by discarding it. */
#ifndef PB_UTIL_H
#define PB_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Sets the thread's error message; always returns -1 so callers can `return pb_errf(...)`. */
int pb_errf(const char *fmt, ...) PB_PRINTF(1, 2);
/* The thread's last error message ("" if none). */
const char *pb_err(void);

/* Parses a whole string as an unsigned decimal in [min, max]. Returns 0, or -1 with pb_err()
 * naming `what` and the bad text (empty, trailing junk, out of range). */
int pb_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what, uint64_t *out);
/* Same for a finite double in [min, max]; the C locale's '.' is the decimal point. */
int pb_parse_double(const char *s, double min, double max, const char *what, double *out);

/* Reads up to len-1 bytes of a small file (sysfs, procfs) into buf, NUL-terminated, with a
 * trailing newline removed. Returns the length, or -1 with pb_err() set. */
long pb_read_file(const char *path, char *buf, size_t len);
/* Reads the first line of `path` beginning with `key` (e.g. "Threads:") and parses the
 * unsigned number after it. Returns 0 or -1. */
int pb_read_keyed_u64(const char *path, const char *key, uint64_t *out);

/* Command-line helpers shared by the subcommands. `--name=value`: true with *val set (possibly
 * empty). pb_usage_error prints "pinbench: <message>" on one line and returns 2, the exit
 * status for bad usage or input. */
bool pb_opt_value(const char *arg, const char *name, const char **val);
int pb_usage_error(const char *fmt, ...) PB_PRINTF(1, 2);
/* "pinbench: <message>" on one line of at most PB_LINE_MAX bytes (control characters and
 * invalid UTF-8 escaped, cut with a marker), flushed; returns `status`. Every error line goes
 * through it or pb_usage_error. */
#define PB_LINE_MAX 299
int pb_fail(int status, const char *fmt, ...) PB_PRINTF(2, 3);
/* An input quoted for an error message: '...' with control characters, quotes, backslashes
 * and invalid UTF-8 escaped, cut after about PB_QUOTE_MAX bytes with its length stated
 * ("'aaaa...' (80000 bytes)"). The string lives in a small thread-local ring: valid until
 * four more calls. */
#define PB_QUOTE_MAX 60
const char *pb_q(const char *s);
/* Length of the valid UTF-8 sequence at s (1..4), 0 if it is not one. The caller guarantees a
 * NUL or the sequence's bytes follow. */
size_t pb_utf8_len(const unsigned char *s);
/* Whether len bytes are valid UTF-8 (no overlong forms, surrogates or code points above
 * U+10FFFF). */
bool pb_utf8_valid(const char *s, size_t len);

/* The width lines printed to `f` should fit: $COLUMNS when set (40 or more), else the terminal's
 * width when f is a terminal (160 if it cannot be read), else 0: no limit (a file or a pipe
 * keeps whole lines, for grep). */
size_t pb_out_width(FILE *f);
/* Prints `line` (no trailing newline) and a newline; when longer than `width` (> 0), wraps it
 * at spaces into lines of at most `width` columns, continued under a 4-space indent. A word
 * longer than a line is cut. */
void pb_fputs_fit(FILE *f, const char *line, size_t width);
/* printf into a line fitted with pb_fputs_fit to pb_out_width(f). */
void pb_printf_fit(FILE *f, const char *fmt, ...) PB_PRINTF(2, 3);

/* Allocation that cannot fail silently: on OOM, prints what was being allocated and exits(1). */
void *pb_xcalloc(size_t n, size_t size, const char *what);
void *pb_xrealloc(void *p, size_t size, const char *what);
char *pb_xstrdup(const char *s);
/* printf into a fresh heap string (exits on OOM). */
char *pb_xasprintf(const char *fmt, ...) PB_PRINTF(1, 2);

/* Always-on check: prints the expression and location and aborts. For internal invariants
 * only; never wraps an expression with side effects that release builds rely on. */
#define PB_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond))                                                                               \
            pb_check_failed(#cond, __FILE__, __LINE__);                                            \
    } while (0)
_Noreturn void pb_check_failed(const char *expr, const char *file, int line);

#endif
