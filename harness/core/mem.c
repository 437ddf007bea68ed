/* mem: strict NUMA binding through hwloc, with the placement read back. */
#include "core/mem.h"

#include "core/topo.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <hwloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int mem_supported(const struct pb_topo *t, const char *what)
{
    if (t->synthetic)
        return pb_errf("cannot %s on a synthetic topology", what);
    if (!t->hw)
        return pb_errf("cannot %s: the topology came from sysfs (%s), not hwloc", what,
                       t->fallback[0] ? t->fallback : "hwloc unavailable");
    const struct hwloc_topology_support *s = hwloc_topology_get_support((hwloc_topology_t)t->hw);
    if (!s->membind->alloc_membind || !s->membind->get_area_memlocation)
        return pb_errf("cannot %s: hwloc reports no memory binding support on this system", what);
    return 0;
}

int pb_mem_check_node(const struct pb_topo *t, const void *p, size_t bytes, int node)
{
    if (mem_supported(t, "read memory placement") < 0)
        return -1;
    hwloc_bitmap_t where = hwloc_bitmap_alloc();
    if (!where)
        return pb_errf("out of memory");
    int rc = 0;
    if (hwloc_get_area_memlocation((hwloc_topology_t)t->hw, p, bytes, where,
                                   HWLOC_MEMBIND_BYNODESET) != 0) {
        rc = pb_errf("cannot read where %zu bytes at %p live: %s", bytes, p, strerror(errno));
    } else if (hwloc_bitmap_weight(where) != 1 || hwloc_bitmap_first(where) != node) {
        char list[128];
        hwloc_bitmap_list_snprintf(list, sizeof list, where);
        rc = pb_errf("memory bound to NUMA node %d has pages on node(s) %s", node,
                     list[0] ? list : "(none reported)");
    }
    hwloc_bitmap_free(where);
    return rc;
}

void *pb_mem_alloc_on_node(const struct pb_topo *t, int node, size_t bytes)
{
    if (mem_supported(t, "bind memory") < 0)
        return NULL;
    bool known = false;
    for (int i = 0; i < t->n_numa; i++)
        known |= t->node[i].os == node;
    if (!known) {
        pb_errf("no NUMA node %d on this machine", node);
        return NULL;
    }
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) {
        pb_errf("out of memory");
        return NULL;
    }
    hwloc_bitmap_only(set, (unsigned)node);
    void *p = hwloc_alloc_membind((hwloc_topology_t)t->hw, bytes, set, HWLOC_MEMBIND_BIND,
                                  HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
    int err = errno;
    hwloc_bitmap_free(set);
    if (!p) {
        pb_errf("cannot allocate %zu bytes bound to NUMA node %d: %s", bytes, node, strerror(err));
        return NULL;
    }
    /* Huge pages keep a random walk over the buffer from measuring page walks as much as
     * memory; where THP is off this is a no-op, and the experiment states the mode. */
    (void)madvise(p, bytes, MADV_HUGEPAGE);
    memset(p, 0, bytes);
    if (pb_mem_check_node(t, p, bytes, node) < 0) {
        pb_mem_free(t, p, bytes);
        return NULL;
    }
    return p;
}

void pb_mem_free(const struct pb_topo *t, void *p, size_t bytes)
{
    if (p)
        hwloc_free((hwloc_topology_t)t->hw, p, bytes);
}

#define MEM_LINE 64u

void *pb_mem_chase_build(void *buf, size_t bytes, uint64_t seed)
{
    size_t n = bytes / MEM_LINE;
    if (n == 0 || n > UINT32_MAX) {
        pb_errf("a chase needs 1 to 2^32 lines of %u bytes, not %zu bytes", MEM_LINE, bytes);
        return NULL;
    }
    /* 4 bytes per line, shuffled in a buffer a sixteenth of the walk's size: the random
     * accesses of the shuffle stay in cache far more often than they would in buf itself */
    uint32_t *next = malloc(n * sizeof *next);
    if (!next) {
        pb_errf("out of memory for a %zu-line chase", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        next[i] = (uint32_t)i;
    uint64_t x = seed | 1;
    for (size_t i = n - 1; i > 0; i--) {
        x ^= x << 13; /* xorshift64: no libc state, the same cycle for the same seed */
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % i); /* j < i, never i itself: Sattolo, one single cycle */
        uint32_t t = next[i];
        next[i] = next[j];
        next[j] = t;
    }
    char *b = buf;
    for (size_t i = 0; i < n; i++)
        *(void **)(b + i * MEM_LINE) = b + (size_t)next[i] * MEM_LINE;
    free(next);
    return buf;
}

void *pb_mem_chase(void *from, size_t loads)
{
    void *p = from;
    for (size_t i = 0; i < loads; i++)
        p = *(void *volatile *)p;
    return p;
}

uint64_t pb_mem_stream(const void *buf, size_t bytes)
{
    const uint64_t *w = buf;
    size_t n = bytes / sizeof *w;
    /* four independent sums, so the adds are not one dependency chain slower than memory */
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += w[i];
        s1 += w[i + 1];
        s2 += w[i + 2];
        s3 += w[i + 3];
    }
    for (; i < n; i++)
        s0 += w[i];
    return s0 + s1 + s2 + s3;
}

double pb_mem_huge_fraction(const void *p, size_t bytes)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
    char line[256];
    bool inside = false;
    double huge_kib = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b, kib;
        /* a mapping's header "a-b perms ...", then its "Key: value kB" lines */
        if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' '))
            inside = a < hi && b > lo;
        else if (inside && sscanf(line, "AnonHugePages: %lu kB", &kib) == 1)
            huge_kib += (double)kib;
    }
    fclose(f);
    double frac = huge_kib * 1024.0 / (double)bytes;
    return frac > 1 ? 1 : frac;
}

const char *pb_mem_thp_mode(char *buf, size_t len)
{
    char line[128] = "";
    if (pb_read_file("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof line) < 0)
        line[0] = '\0';
    /* the mode in effect is the bracketed word: "always [madvise] never" */
    char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
    if (!a || !b) {
        snprintf(buf, len, "unknown");
        return buf;
    }
    snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
    return buf;
}
