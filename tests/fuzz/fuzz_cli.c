/* libFuzzer target: the command-line checks that run before any work. The input is split at
 * NUL bytes into arguments; Google Benchmark's flag table, the strict number parsers and the
 * error-line quoting must accept or refuse each with one reason, and the quoted form of any
 * input must be short, one line and free of control characters. */
#include "cli/gbflags.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(int rc)
{
    if (rc < 0 && (!pb_err()[0] || strchr(pb_err(), '\n')))
        abort(); /* a refusal always has one reason on one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[64] = {"pinbench"};
    int argc = 1;
    for (char *p = buf; p < buf + size && argc < 63; p += strlen(p) + 1)
        argv[argc++] = p;
    check_reason(pb_gb_flags_check(argc, argv));
    for (int i = 1; i < argc; i++) {
        uint64_t u;
        double d;
        check_reason(pb_parse_u64(argv[i], 0, 1000, "x", &u));
        check_reason(pb_parse_double(argv[i], 0, 1000, "x", &d));
        const char *q = pb_q(argv[i]);
        if (strlen(q) > PB_QUOTE_MAX + 32)
            abort();
        for (const unsigned char *c = (const unsigned char *)q; *c; c++)
            if (*c < 0x20 || *c == 0x7f)
                abort(); /* a control character got through */
        if (!pb_utf8_valid(q, strlen(q)))
            abort();
    }
    free(buf);
    return 0;
}
