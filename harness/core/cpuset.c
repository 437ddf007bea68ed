/* cpuset: the one parser for CPU lists. */
#include "core/cpuset.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cpuset_parse_num(const char **p, const char *whole, long *out)
{
    if (!isdigit((unsigned char)**p))
        return pb_errf("CPU list %s: expected a CPU number at %s", pb_q(whole), pb_q(*p));
    errno = 0;
    char *end = NULL;
    long v = strtol(*p, &end, 10);
    if (errno || v < 0 || v >= CPU_SETSIZE)
        return pb_errf("CPU list %s: CPU number out of range 0..%d", pb_q(whole), CPU_SETSIZE - 1);
    *p = end;
    *out = v;
    return 0;
}

int pb_cpuset_parse(const char *s, cpu_set_t *out)
{
    CPU_ZERO(out);
    if (!s || !*s)
        return pb_errf("CPU list is empty (expected e.g. '0-3,8')");
    const char *p = s;
    for (;;) {
        long a, b;
        if (cpuset_parse_num(&p, s, &a) < 0)
            return -1;
        b = a;
        if (*p == '-') {
            p++;
            if (cpuset_parse_num(&p, s, &b) < 0)
                return -1;
            if (b < a)
                return pb_errf("CPU list %s: range %ld-%ld is reversed", pb_q(s), a, b);
        }
        for (long c = a; c <= b; c++)
            CPU_SET((int)c, out);
        if (*p == '\0')
            return 0;
        if (*p != ',')
            return pb_errf("CPU list %s: unexpected %s (expected ',' or '-')", pb_q(s),
                           pb_q((char[]){*p, 0}));
        p++;
    }
}

char *pb_cpuset_format(const cpu_set_t *set, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
            e++;
        int n = (e > c) ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c, e)
                        : snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
        if (n < 0 || (size_t)n >= len - used) {
            /* Truncated: say so rather than print a list that looks complete. */
            if (len >= 4)
                strcpy(buf + len - 4, "...");
            return buf;
        }
        used += (size_t)n;
        c = e;
    }
    return buf;
}

int pb_cpuset_count(const cpu_set_t *set)
{
    return CPU_COUNT(set);
}

int pb_cpuset_nth(const cpu_set_t *set, int k)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set) && k-- == 0)
            return c;
    return -1;
}

int pb_cpuset_check_subset(const cpu_set_t *want, const cpu_set_t *allowed)
{
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, want) && !CPU_ISSET(c, allowed)) {
            char list[256];
            return pb_errf("CPU %d is not in this process's allowed CPUs (%s)", c,
                           pb_cpuset_format(allowed, list, sizeof list));
        }
    }
    return 0;
}

bool pb_sysfs_cpulist_empty(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    /* a kernel built with CONFIG_NO_HZ_FULL but booted without nohz_full= prints its unallocated
     * mask as "(null)", padded with spaces (Debian's 6.1) */
    return !*s || !strncmp(s, "(null)", 6);
}

/* One sysfs CPU list file into `out`: absent or blank is the empty set, not an error. */
static int cpuset_read_list(const char *dir, const char *name, cpu_set_t *out)
{
    CPU_ZERO(out);
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (pb_read_file(path, line, sizeof line) < 0 || pb_sysfs_cpulist_empty(line))
        return 0;
    if (pb_cpuset_parse(line, out) < 0)
        return pb_errf("%s: %s", path, pb_err());
    return 0;
}

int pb_isolation_read(const char *cpu_dir, struct pb_isolation *iso)
{
    if (cpuset_read_list(cpu_dir, "isolated", &iso->isolated) < 0 ||
        cpuset_read_list(cpu_dir, "nohz_full", &iso->nohz_full) < 0)
        return -1;
    return 0;
}
