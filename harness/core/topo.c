/* topo: hwloc topology reduced to placement facts, and the pair planner. */
#include "core/topo.h"

#include "core/cpuset.h"
#include "util.h"

#include <errno.h>
#include <hwloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int topo_ancestor_index(hwloc_topology_t h, hwloc_obj_t pu, hwloc_obj_type_t type)
{
    hwloc_obj_t o = hwloc_get_ancestor_obj_by_type(h, type, pu);
    return o ? (int)o->logical_index : -1;
}

static uint64_t topo_first_cache(hwloc_topology_t h, hwloc_obj_type_t type)
{
    hwloc_obj_t o = hwloc_get_obj_by_type(h, type, 0);
    return o && o->attr ? o->attr->cache.size : 0;
}

static int cmp_pu(const void *a, const void *b)
{
    return ((const struct pb_pu *)a)->os - ((const struct pb_pu *)b)->os;
}

static int cmp_node(const void *a, const void *b)
{
    return ((const struct pb_node *)a)->os - ((const struct pb_node *)b)->os;
}

static int topo_load_hwloc(struct pb_topo *t, const char *synthetic);

int pb_topo_load(struct pb_topo *t, const char *synthetic)
{
    if (synthetic)
        return topo_load_hwloc(t, synthetic);
    const char *force = getenv("PINBENCH_TOPOLOGY");
    char why[200];
    if (force && !strcmp(force, "sysfs")) {
        snprintf(why, sizeof why, "PINBENCH_TOPOLOGY=sysfs");
    } else {
        if (topo_load_hwloc(t, NULL) == 0)
            return 0;
        snprintf(why, sizeof why, "%s", pb_err());
    }
    if (pb_topo_load_sysfs(t, "/sys") < 0)
        return pb_errf("hwloc failed (%s) and so did sysfs: %s", why, pb_err());
    snprintf(t->fallback, sizeof t->fallback, "%s", why);
    return 0;
}

/* The PUs a synthetic description makes: the product of the counts of its levels
 * ("package:2 [numa] l3:4 core:16 pu:2" -> 256), checked before hwloc builds it, since hwloc
 * would take a 100,000-PU shape and minutes to build it. 0, or -1 when it cannot tell (hwloc
 * then judges the text). */
static int topo_synthetic_pus(const char *s, uint64_t *out)
{
    uint64_t n = 1;
    bool any = false;
    for (const char *p = s; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (*p == '[') { /* memory children: no PUs */
            const char *e = strchr(p, ']');
            if (!e)
                return -1;
            p = e + 1;
            continue;
        }
        const char *colon = strchr(p, ':');
        const char *sp = strchr(p, ' ');
        if (!colon || (sp && sp < colon))
            return -1;
        char *end;
        errno = 0;
        unsigned long long k = strtoull(colon + 1, &end, 10);
        if (errno || end == colon + 1 || k == 0)
            return -1;
        n = n > UINT64_MAX / k ? UINT64_MAX : n * k;
        any = true;
        p = end;
        if (*p == '(') {
            const char *e = strchr(p, ')');
            if (!e)
                return -1;
            p = e + 1;
        }
    }
    if (!any)
        return -1;
    *out = n;
    return 0;
}

/* Every PU's place (core, caches, package, node), the counts, the nodes' memory, the cache
 * sizes and the widest SMT, from a loaded hwloc topology with n PUs. */
static void topo_read_hwloc(struct pb_topo *t, hwloc_topology_t h, int n)
{
    t->n_pu = n;
    t->pu = pb_xcalloc((size_t)n, sizeof *t->pu, "topology PUs");
    for (int i = 0; i < n; i++) {
        hwloc_obj_t pu = hwloc_get_obj_by_type(h, HWLOC_OBJ_PU, (unsigned)i);
        struct pb_pu *p = &t->pu[i];
        p->os = (int)pu->os_index;
        p->core = topo_ancestor_index(h, pu, HWLOC_OBJ_CORE);
        if (p->core < 0)
            p->core = 100000 + i; /* no core level: every PU is its own core */
        p->l2 = topo_ancestor_index(h, pu, HWLOC_OBJ_L2CACHE);
        p->l3 = topo_ancestor_index(h, pu, HWLOC_OBJ_L3CACHE);
        p->package = topo_ancestor_index(h, pu, HWLOC_OBJ_PACKAGE);
        p->numa = pu->nodeset ? hwloc_bitmap_first(pu->nodeset) : -1;
    }
    qsort(t->pu, (size_t)n, sizeof *t->pu, cmp_pu);
    t->n_cores = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_CORE);
    t->n_l3 = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_L3CACHE);
    t->n_packages = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PACKAGE);
    t->n_numa = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_NUMANODE);
    if (t->n_numa < 0)
        t->n_numa = 0;
    t->node = pb_xcalloc((size_t)t->n_numa + 1, sizeof *t->node, "NUMA nodes");
    for (int i = 0; i < t->n_numa; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(h, HWLOC_OBJ_NUMANODE, (unsigned)i);
        t->node[i].os = (int)o->os_index;
        t->node[i].mem_bytes = o->attr ? o->attr->numanode.local_memory : 0;
        t->node[i].n_pu = o->cpuset ? hwloc_bitmap_weight(o->cpuset) : 0;
    }
    qsort(t->node, (size_t)t->n_numa, sizeof *t->node, cmp_node);
    t->l1d_bytes = topo_first_cache(h, HWLOC_OBJ_L1CACHE);
    t->l2_bytes = topo_first_cache(h, HWLOC_OBJ_L2CACHE);
    t->l3_bytes = topo_first_cache(h, HWLOC_OBJ_L3CACHE);
    for (int i = 0; i < n; i++) {
        int smt = 0;
        for (int j = 0; j < n; j++)
            smt += t->pu[j].core == t->pu[i].core;
        if (smt > t->max_smt)
            t->max_smt = smt;
    }
}

static int topo_load_hwloc(struct pb_topo *t, const char *synthetic)
{
    memset(t, 0, sizeof *t);
    hwloc_topology_t h;
    if (hwloc_topology_init(&h) != 0)
        return pb_errf("hwloc_topology_init failed");
    uint64_t pus;
    if (synthetic && topo_synthetic_pus(synthetic, &pus) == 0 && pus > CPU_SETSIZE) {
        hwloc_topology_destroy(h);
        return pb_errf("synthetic topology %s has %llu PUs; at most %d are supported (a CPU "
                       "set's size)",
                       pb_q(synthetic), (unsigned long long)pus, CPU_SETSIZE);
    }
    if (synthetic && strlen(synthetic) > 1024) {
        hwloc_topology_destroy(h);
        return pb_errf("synthetic topology %s is too long", pb_q(synthetic));
    }
    if (synthetic && hwloc_topology_set_synthetic(h, synthetic) != 0) {
        hwloc_topology_destroy(h);
        return pb_errf("hwloc cannot parse synthetic topology %s", pb_q(synthetic));
    }
    if (hwloc_topology_load(h) != 0) {
        hwloc_topology_destroy(h);
        return pb_errf("hwloc_topology_load failed%s%s", synthetic ? " for " : "",
                       synthetic ? pb_q(synthetic) : "");
    }
    int n = hwloc_get_nbobjs_by_type(h, HWLOC_OBJ_PU);
    if (n <= 0) {
        hwloc_topology_destroy(h);
        return pb_errf("hwloc reports no processing units");
    }
    topo_read_hwloc(t, h, n);
    unsigned v = hwloc_get_api_version();
    if (synthetic)
        snprintf(t->source, sizeof t->source, "hwloc (API %u.%u.%u) synthetic: %s", v >> 16,
                 (v >> 8) & 0xff, v & 0xff, synthetic);
    else
        snprintf(t->source, sizeof t->source, "hwloc (API %u.%u.%u), this machine", v >> 16,
                 (v >> 8) & 0xff, v & 0xff);
    t->synthetic = synthetic != NULL;
    t->hw = h;
    return 0;
}

void pb_topo_free(struct pb_topo *t)
{
    if (t->hw)
        hwloc_topology_destroy((hwloc_topology_t)t->hw);
    free(t->node);
    free(t->pu);
    memset(t, 0, sizeof *t);
}

const struct pb_pu *pb_topo_pu(const struct pb_topo *t, int cpu)
{
    for (int i = 0; i < t->n_pu; i++)
        if (t->pu[i].os == cpu)
            return &t->pu[i];
    return NULL;
}

const char *pb_rel_name(enum pb_rel r)
{
    static const char *const names[PB_REL_COUNT] = {
        "same_cpu", "smt_sibling", "same_l3", "other_l3", "other_package", "other_numa",
    };
    return (unsigned)r < PB_REL_COUNT ? names[r] : "unknown";
}

static bool topo_rel_holds(const struct pb_pu *x, const struct pb_pu *y, enum pb_rel rel)
{
    switch (rel) {
    case PB_REL_SAME_CPU:
        return x->os == y->os;
    case PB_REL_SMT_SIBLING:
        return x->os != y->os && x->core == y->core;
    case PB_REL_SAME_L3:
        return x->core != y->core && x->l3 >= 0 && x->l3 == y->l3;
    case PB_REL_OTHER_L3:
        return x->package == y->package && x->l3 >= 0 && y->l3 >= 0 && x->l3 != y->l3;
    case PB_REL_OTHER_PACKAGE:
        return x->package != y->package;
    case PB_REL_OTHER_NUMA:
        return x->numa >= 0 && y->numa >= 0 && x->numa != y->numa;
    default:
        return false;
    }
}

static const char *topo_missing_reason(enum pb_rel rel)
{
    switch (rel) {
    case PB_REL_SAME_CPU:
        return "no allowed CPU";
    case PB_REL_SMT_SIBLING:
        return "no core has two allowed PUs (no SMT, or siblings not allowed)";
    case PB_REL_SAME_L3:
        return "no two allowed cores share an L3 cache (as hwloc reports caches)";
    case PB_REL_OTHER_L3:
        return "no package has allowed CPUs under two different L3 caches";
    case PB_REL_OTHER_PACKAGE:
        return "all allowed CPUs are in one package";
    case PB_REL_OTHER_NUMA:
        return "all allowed CPUs are on one NUMA node";
    default:
        return "unknown relation";
    }
}

void pb_plan_pair(const struct pb_topo *t, const cpu_set_t *allowed, enum pb_rel rel,
                  struct pb_pair *out)
{
    memset(out, 0, sizeof *out);
    out->rel = rel;
    out->a = out->b = -1;
    for (int i = 0; i < t->n_pu; i++) {
        const struct pb_pu *x = &t->pu[i];
        if (x->os >= CPU_SETSIZE || !CPU_ISSET(x->os, allowed))
            continue;
        for (int j = 0; j < t->n_pu; j++) {
            const struct pb_pu *y = &t->pu[j];
            if (y->os >= CPU_SETSIZE || !CPU_ISSET(y->os, allowed))
                continue;
            if (topo_rel_holds(x, y, rel)) {
                out->exists = true;
                out->a = x->os;
                out->b = y->os;
                return;
            }
        }
    }
    snprintf(out->reason, sizeof out->reason, "%s", topo_missing_reason(rel));
}

enum pb_rel pb_topo_relation(const struct pb_topo *t, int a, int b)
{
    const struct pb_pu *x = pb_topo_pu(t, a), *y = pb_topo_pu(t, b);
    if (!x || !y)
        return PB_REL_COUNT;
    for (int r = 0; r < PB_REL_COUNT; r++)
        if (topo_rel_holds(x, y, (enum pb_rel)r))
            return (enum pb_rel)r;
    /* Different packages always hold above; reaching here means the same package and no
     * shared L3 known to hwloc. */
    return PB_REL_OTHER_L3;
}

size_t pb_plan_sample_pairs(const struct pb_topo *t, const cpu_set_t *allowed, int full_up_to,
                            size_t sample, uint64_t seed, struct pb_cpu_pair *out, size_t cap)
{
    int n = CPU_COUNT(allowed);
    size_t k = 0;
    if (n <= full_up_to) {
        for (int i = 0; i < CPU_SETSIZE; i++)
            for (int j = i + 1; CPU_ISSET(i, allowed) && j < CPU_SETSIZE; j++)
                if (CPU_ISSET(j, allowed) && k < cap)
                    out[k++] = (struct pb_cpu_pair){i, j};
        return k;
    }
    for (int r = PB_REL_SMT_SIBLING; r < PB_REL_COUNT && k < cap; r++) {
        struct pb_pair p;
        pb_plan_pair(t, allowed, (enum pb_rel)r, &p);
        if (p.exists)
            out[k++] = (struct pb_cpu_pair){p.a < p.b ? p.a : p.b, p.a < p.b ? p.b : p.a};
    }
    size_t want = k + sample;
    uint64_t x = seed;
    while (k < want && k < cap) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int i = pb_cpuset_nth(allowed, (int)((x >> 33) % (uint64_t)n));
        int j = pb_cpuset_nth(allowed, (int)((x >> 13) % (uint64_t)n));
        if (i != j)
            out[k++] = (struct pb_cpu_pair){i < j ? i : j, i < j ? j : i};
    }
    return k;
}

int pb_plan_other_cpu(const struct pb_topo *t, const cpu_set_t *allowed, int a)
{
    static const enum pb_rel order[] = {PB_REL_SAME_L3, PB_REL_OTHER_L3, PB_REL_OTHER_PACKAGE,
                                        PB_REL_SMT_SIBLING};
    const struct pb_pu *x = pb_topo_pu(t, a);
    for (size_t k = 0; k < PB_ARRAY_LEN(order); k++) {
        for (int j = 0; j < t->n_pu; j++) {
            const struct pb_pu *y = &t->pu[j];
            if (y->os == a || y->os >= CPU_SETSIZE || !CPU_ISSET(y->os, allowed))
                continue;
            if (!x || topo_rel_holds(x, y, order[k]))
                return y->os;
        }
    }
    /* Same package, different core, no L3 information: any other allowed core will do. */
    for (int j = 0; j < t->n_pu; j++) {
        const struct pb_pu *y = &t->pu[j];
        if (y->os != a && y->os < CPU_SETSIZE && CPU_ISSET(y->os, allowed))
            return y->os;
    }
    return -1;
}

int pb_topo_node_of(const struct pb_topo *t, int cpu)
{
    const struct pb_pu *p = pb_topo_pu(t, cpu);
    return p ? p->numa : -1;
}

/* qsort has no context argument: the topology being sorted by, for one call at a time (the
 * order is computed on the measuring thread, after the run). */
static const struct pb_topo *topo_order_by;

static int topo_order_cmp(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    const struct pb_pu *x = pb_topo_pu(topo_order_by, a), *y = pb_topo_pu(topo_order_by, b);
    if (!x || !y) /* CPUs unknown to the topology go last, by number */
        return x ? -1 : y ? 1 : (a > b) - (a < b);
    const int kx[] = {x->numa, x->package, x->l3, x->core, a};
    const int ky[] = {y->numa, y->package, y->l3, y->core, b};
    for (size_t k = 0; k < sizeof kx / sizeof *kx; k++)
        if (kx[k] != ky[k])
            return (kx[k] > ky[k]) - (kx[k] < ky[k]);
    return 0;
}

void pb_topo_order_cpus(const struct pb_topo *t, int *cpus, size_t n)
{
    topo_order_by = t;
    qsort(cpus, n, sizeof *cpus, topo_order_cmp);
    topo_order_by = NULL;
}

void pb_plan_numa(const struct pb_topo *t, const cpu_set_t *allowed, struct pb_numa_plan *p)
{
    memset(p, 0, sizeof *p);
    /* Sizes of 0 everywhere mean unknown (hwloc synthetic "[numa]", or meminfo unreadable):
     * every node is taken to hold memory. Otherwise a node reporting none has no column. */
    bool sizes_known = false;
    for (int i = 0; i < t->n_numa; i++)
        sizes_known |= t->node[i].mem_bytes > 0;
    for (int i = 0; i < t->n_numa && i < PB_MAX_NODES; i++) {
        const struct pb_node *nd = &t->node[i];
        int cpu = -1;
        for (int k = 0; k < t->n_pu && cpu < 0; k++) /* PUs are sorted: the lowest allowed */
            if (t->pu[k].numa == nd->os && t->pu[k].os < CPU_SETSIZE &&
                CPU_ISSET(t->pu[k].os, allowed))
                cpu = t->pu[k].os;
        if (cpu >= 0) {
            p->row_node[p->n_rows] = nd->os;
            p->row_cpu[p->n_rows++] = cpu;
        }
        if (nd->mem_bytes > 0 || !sizes_known)
            p->col_node[p->n_cols++] = nd->os;
    }
    for (int r = 0; r < p->n_rows; r++)
        for (int c = 0; c < p->n_cols; c++)
            p->n_remote += p->row_node[r] != p->col_node[c];
    if (p->n_remote)
        return;
    if (t->n_numa <= 1)
        snprintf(p->reason, sizeof p->reason, "one NUMA node: all memory is local");
    else if (p->n_rows == 0)
        snprintf(p->reason, sizeof p->reason, "no allowed CPU on any NUMA node");
    else if (p->n_cols == 0)
        snprintf(p->reason, sizeof p->reason, "no NUMA node reports memory");
    else
        snprintf(p->reason, sizeof p->reason,
                 "%d NUMA nodes, but the allowed CPUs and the memory are all on node %d", t->n_numa,
                 p->row_node[0]);
}

/* ---- the sysfs fallback ---- */

static int topo_parse_int(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end != s ? (int)v : -1;
}

static int topo_read_int(const char *root, int cpu, const char *rel, int fallback)
{
    char p[512], buf[64];
    snprintf(p, sizeof p, "%s/devices/system/cpu/cpu%d/%s", root, cpu, rel);
    if (pb_read_file(p, buf, sizeof buf) < 0)
        return fallback;
    char *end;
    long v = strtol(buf, &end, 10);
    return end != buf ? (int)v : fallback;
}

/* The lowest CPU of a cache's shared_cpu_list (its group id), and its size, for `level`. */
static int topo_cache(const char *root, int cpu, int level, uint64_t *bytes)
{
    for (int idx = 0; idx < 8; idx++) {
        char p[512], buf[4096];
        snprintf(p, sizeof p, "%s/devices/system/cpu/cpu%d/cache/index%d/level", root, cpu, idx);
        if (pb_read_file(p, buf, sizeof buf) < 0)
            break;
        if (topo_parse_int(buf) != level)
            continue;
        snprintf(p, sizeof p, "%s/devices/system/cpu/cpu%d/cache/index%d/type", root, cpu, idx);
        if (pb_read_file(p, buf, sizeof buf) >= 0 && !strcmp(buf, "Instruction"))
            continue;
        snprintf(p, sizeof p, "%s/devices/system/cpu/cpu%d/cache/index%d/size", root, cpu, idx);
        if (bytes && pb_read_file(p, buf, sizeof buf) >= 0) {
            char *end;
            unsigned long long v = strtoull(buf, &end, 10);
            *bytes = v * (*end == 'K' ? 1024ull : *end == 'M' ? 1024ull * 1024 : 1);
        }
        snprintf(p, sizeof p, "%s/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", root,
                 cpu, idx);
        cpu_set_t set;
        if (pb_read_file(p, buf, sizeof buf) >= 0 && pb_cpuset_parse(buf, &set) == 0)
            return pb_cpuset_nth(&set, 0);
        return cpu;
    }
    return -1;
}

int pb_topo_load_sysfs(struct pb_topo *t, const char *root)
{
    memset(t, 0, sizeof *t);
    char p[512], buf[4096];
    cpu_set_t online;
    snprintf(p, sizeof p, "%s/devices/system/cpu/online", root);
    if (pb_read_file(p, buf, sizeof buf) < 0 || pb_cpuset_parse(buf, &online) < 0)
        return pb_errf("cannot read the online CPUs from %s", p);
    int n = CPU_COUNT(&online);
    t->pu = pb_xcalloc((size_t)n, sizeof *t->pu, "topology PUs");
    t->node = pb_xcalloc(PB_MAX_NODES + 1, sizeof *t->node, "NUMA nodes");
    for (int node = 0; node < 1024 && t->n_numa < PB_MAX_NODES; node++) {
        snprintf(p, sizeof p, "%s/devices/system/node/node%d/cpulist", root, node);
        if (pb_read_file(p, buf, sizeof buf) < 0)
            continue;
        struct pb_node *nd = &t->node[t->n_numa++];
        nd->os = node;
        cpu_set_t cpus;
        nd->n_pu = buf[0] && pb_cpuset_parse(buf, &cpus) == 0 ? CPU_COUNT(&cpus) : 0;
        snprintf(p, sizeof p, "%s/devices/system/node/node%d/meminfo", root, node);
        FILE *f = fopen(p, "r");
        char line[256];
        unsigned long long kb;
        while (f && fgets(line, sizeof line, f))
            if (sscanf(line, "Node %*d MemTotal: %llu kB", &kb) == 1)
                nd->mem_bytes = kb * 1024;
        if (f)
            fclose(f);
    }
    for (int k = 0; k < n; k++) {
        int cpu = pb_cpuset_nth(&online, k);
        struct pb_pu *pu = &t->pu[t->n_pu++];
        pu->os = cpu;
        int pkg = topo_read_int(root, cpu, "topology/physical_package_id", 0);
        int core = topo_read_int(root, cpu, "topology/core_id", cpu);
        pu->package = pkg;
        /* core ids repeat across packages: make them machine-wide */
        pu->core = pkg * 100000 + core;
        pu->l2 = topo_cache(root, cpu, 2, k == 0 ? &t->l2_bytes : NULL);
        pu->l3 = topo_cache(root, cpu, 3, k == 0 ? &t->l3_bytes : NULL);
        if (k == 0)
            topo_cache(root, cpu, 1, &t->l1d_bytes);
        pu->numa = -1;
        for (int i = 0; i < t->n_numa; i++) {
            snprintf(p, sizeof p, "%s/devices/system/node/node%d/cpulist", root, t->node[i].os);
            cpu_set_t cpus;
            if (pb_read_file(p, buf, sizeof buf) >= 0 && buf[0] &&
                pb_cpuset_parse(buf, &cpus) == 0 && CPU_ISSET(cpu, &cpus))
                pu->numa = t->node[i].os;
        }
    }
    /* counts of distinct groups */
    for (int i = 0; i < t->n_pu; i++) {
        bool new_core = true, new_pkg = true, new_l3 = t->pu[i].l3 >= 0;
        int smt = 0;
        for (int j = 0; j < t->n_pu; j++) {
            if (j < i && t->pu[j].core == t->pu[i].core)
                new_core = false;
            if (j < i && t->pu[j].package == t->pu[i].package)
                new_pkg = false;
            if (j < i && t->pu[j].l3 == t->pu[i].l3)
                new_l3 = false;
            smt += t->pu[j].core == t->pu[i].core;
        }
        t->n_cores += new_core;
        t->n_packages += new_pkg;
        t->n_l3 += new_l3;
        if (smt > t->max_smt)
            t->max_smt = smt;
    }
    snprintf(t->source, sizeof t->source, "sysfs (%s)", root);
    t->hw = NULL;
    return 0;
}
