/* gbflags: the flags of Google Benchmark 1.7/1.8 that pinbench passes through. */
#include "cli/gbflags.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { BOOL, UINT, SECONDS, ENUM, TEXT, OUTFILE, CONTEXT };

static const struct gb_flag {
    const char *name;
    enum kind kind;
    const char *values; /* ENUM: "|"-separated */
} gb_flags[] = {
    {"benchmark_filter", TEXT, NULL},
    {"benchmark_list_tests", BOOL, NULL},
    {"benchmark_repetitions", UINT, NULL},
    {"benchmark_min_time", TEXT, NULL}, /* checked with the profile's rules in cmd_run */
    {"benchmark_min_warmup_time", SECONDS, NULL},
    {"benchmark_enable_random_interleaving", BOOL, NULL},
    {"benchmark_report_aggregates_only", BOOL, NULL},
    {"benchmark_display_aggregates_only", BOOL, NULL},
    {"benchmark_format", ENUM, "console|json|csv"},
    {"benchmark_out_format", ENUM, "console|json|csv"},
    {"benchmark_out", OUTFILE, NULL},
    {"benchmark_color", ENUM, "auto|true|false|yes|no|on|off|1|0"},
    {"benchmark_counters_tabular", BOOL, NULL},
    {"benchmark_time_unit", ENUM, "ns|us|ms|s"},
    {"benchmark_context", CONTEXT, NULL},
    {"benchmark_perf_counters", TEXT, NULL},
    {"benchmark_dry_run", BOOL, NULL},
};

int pb_gb_parse_bool(const char *v, int *out)
{
    static const char *const t[] = {"true", "yes", "on", "1", "t", "y"};
    static const char *const f[] = {"false", "no", "off", "0", "f", "n"};
    for (size_t i = 0; i < PB_ARRAY_LEN(t); i++) {
        if (!strcasecmp(v, t[i])) {
            *out = 1;
            return 0;
        }
        if (!strcasecmp(v, f[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static bool gb_enum_has(const char *list, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = list; *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == n && !strncmp(p, v, n))
            return true;
        p += l + (bar != NULL);
    }
    return false;
}

/* The folder of --benchmark_out must exist and be writable, and the file must not be a
 * directory: Google Benchmark finds out only after the run, and exits. */
static int gb_check_outfile(const char *flag, const char *v)
{
    if (!*v)
        return pb_errf("--%s: empty file name", flag);
    if (strlen(v) > 4000)
        return pb_errf("--%s: the path is %zu bytes, too long", flag, strlen(v));
    const char *slash = strrchr(v, '/');
    char *dir = slash ? (slash == v ? pb_xstrdup("/") : pb_xasprintf("%.*s", (int)(slash - v), v))
                      : pb_xstrdup(".");
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = pb_errf("--%s=%s: its folder does not exist (%s)", flag, pb_q(v), strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = pb_errf("--%s=%s: %s is not a folder", flag, pb_q(v), pb_q(dir));
    else if (access(dir, W_OK | X_OK) != 0)
        rc = pb_errf("--%s=%s: cannot write in its folder: %s", flag, pb_q(v), strerror(errno));
    else if (stat(v, &st) == 0 && S_ISDIR(st.st_mode))
        rc = pb_errf("--%s=%s: a directory, not a file", flag, pb_q(v));
    free(dir);
    return rc;
}

static int gb_check_one(const struct gb_flag *f, const char *v)
{
    int b;
    uint64_t u;
    double d;
    switch (f->kind) {
    case BOOL:
        if (pb_gb_parse_bool(v, &b) < 0)
            return pb_errf("--%s=%s: expected true or false", f->name, pb_q(v));
        return 0;
    case UINT:
        return pb_parse_u64(v, 1, 1000000, f->name, &u) < 0 ? pb_errf("--%s", pb_err()) : 0;
    case SECONDS:
        return pb_parse_double(v, 0, 3600, f->name, &d) < 0 ? pb_errf("--%s", pb_err()) : 0;
    case ENUM:
        if (!gb_enum_has(f->values, v))
            return pb_errf("--%s=%s: expected one of %s", f->name, pb_q(v), f->values);
        return 0;
    case OUTFILE:
        return gb_check_outfile(f->name, v);
    case CONTEXT:
        /* key=value[,key=value...] */
        for (const char *p = v; *p;) {
            const char *comma = strchr(p, ',');
            size_t l = comma ? (size_t)(comma - p) : strlen(p);
            const char *eq = memchr(p, '=', l);
            if (!eq || eq == p)
                return pb_errf("--%s=%s: expected key=value[,key=value...]", f->name, pb_q(v));
            p += l + (comma != NULL);
        }
        return 0;
    case TEXT:
        return 0;
    }
    return 0;
}

int pb_gb_flags_check(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--benchmark_", 12) != 0)
            continue;
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a) - 2;
        const struct gb_flag *f = NULL;
        for (size_t k = 0; k < PB_ARRAY_LEN(gb_flags) && !f; k++)
            if (strlen(gb_flags[k].name) == nl && !strncmp(a + 2, gb_flags[k].name, nl))
                f = &gb_flags[k];
        if (!f)
            return pb_errf("unknown Google Benchmark flag %s (see 'pinbench run --help')", pb_q(a));
        if (!eq) {
            /* Google Benchmark reads a bare boolean flag as true */
            if (f->kind == BOOL)
                continue;
            return pb_errf("--%s needs a value: --%s=VALUE", f->name, f->name);
        }
        if (gb_check_one(f, eq + 1) < 0)
            return -1;
    }
    return 0;
}
