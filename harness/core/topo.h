/* topo: the machine's shape as hwloc reports it, reduced to what placement needs: for every PU,
 * its core, L2 and L3 group, package and NUMA node. A topology can also be loaded from an hwloc
 * synthetic description ("package:2 l3:4 core:16 pu:2"), so placement on 256-PU, multi-socket,
 * SMT boxes is tested without the hardware.
 *
 * The planner names CPU pairs by relation and only ever picks CPUs from an allowed set (the
 * process's affinity mask, narrowed by --cpus): a container may allow CPUs 3 and 7 only. When a
 * relation does not exist among the allowed CPUs it says so, with the reason, instead of
 * substituting another pair. */
#ifndef PB_TOPO_H
#define PB_TOPO_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_pu {
    int os;      /* OS CPU number, as sched_setaffinity uses */
    int core;    /* machine-wide core index */
    int l2, l3;  /* cache group index, -1 if hwloc reports none */
    int package; /* -1 if none */
    int numa;    /* NUMA node OS index, -1 if unknown */
};

/* A NUMA node: memory (possibly none, e.g. a node of CPUs only) and the PUs it is local to
 * (possibly none: a memory-only node such as CXL-attached or high-bandwidth memory). */
struct pb_node {
    int os;             /* OS node number, as mbind and /sys/devices/system/node use */
    uint64_t mem_bytes; /* memory local to the node */
    int n_pu;
};

struct pb_topo {
    int n_pu;
    struct pb_pu *pu;     /* sorted by os */
    struct pb_node *node; /* n_numa of them, sorted by os */
    int n_cores, n_l3, n_packages, n_numa;
    int max_smt;                            /* most PUs on one core */
    uint64_t l1d_bytes, l2_bytes, l3_bytes; /* first cache of each level, 0 if unknown */
    char source[160];   /* "hwloc 2.9.0 (this machine)" or "hwloc synthetic: ..." */
    bool synthetic;     /* no real memory or CPUs behind it: nothing can be bound */
    char fallback[200]; /* set when read from sysfs because hwloc could not load: why */
    void *hw;           /* the hwloc topology, kept for memory binding (harness/mem.h) */
};

/* Loads this machine's topology (synthetic == NULL) or a synthetic one. Returns 0 or -1.
 * When hwloc cannot load this machine's topology (or PINBENCH_TOPOLOGY=sysfs asks), it is read
 * from sysfs instead and `fallback` says why: packages, cores, SMT siblings, the L2/L3 groups
 * the kernel reports and the NUMA nodes, but no memory binding (t->hw is NULL). */
int pb_topo_load(struct pb_topo *t, const char *synthetic);
/* The sysfs reading itself, from `root` ("/sys", or a fake tree in tests). 0 or -1. */
int pb_topo_load_sysfs(struct pb_topo *t, const char *root);
void pb_topo_free(struct pb_topo *t);
/* The PU with OS number `cpu`, or NULL. */
const struct pb_pu *pb_topo_pu(const struct pb_topo *t, int cpu);

enum pb_rel {
    PB_REL_SAME_CPU,      /* one CPU, both ends */
    PB_REL_SMT_SIBLING,   /* two PUs of one core */
    PB_REL_SAME_L3,       /* two cores sharing an L3 */
    PB_REL_OTHER_L3,      /* two L3s in one package */
    PB_REL_OTHER_PACKAGE, /* two packages */
    PB_REL_OTHER_NUMA,    /* two NUMA nodes */
    PB_REL_COUNT
};
const char *pb_rel_name(enum pb_rel r);

struct pb_pair {
    enum pb_rel rel;
    bool exists;
    int a, b;         /* OS CPU numbers when exists */
    char reason[200]; /* why not, when !exists */
};

/* Picks the lowest-numbered allowed pair with relation `rel`. Always returns a filled pair;
 * exists says whether one was found. */
void pb_plan_pair(const struct pb_topo *t, const cpu_set_t *allowed, enum pb_rel rel,
                  struct pb_pair *out);
/* The relation between two CPUs (the closest one that holds), or PB_REL_COUNT if either is
 * unknown to the topology. */
enum pb_rel pb_topo_relation(const struct pb_topo *t, int a, int b);
/* The nearest other allowed CPU to `a` on another core (same L3, then same package, then any),
 * falling back to an SMT sibling only when no other core is allowed; -1 if `a` is alone. */
int pb_plan_other_cpu(const struct pb_topo *t, const cpu_set_t *allowed, int a);

/* The pairs an all-pairs experiment (the core-to-core matrix) measures: every unordered pair of
 * allowed CPUs when there are at most `full_up_to` of them; beyond, one pair of each relation
 * that exists among them plus `sample` pairs drawn at random with `seed`, so the run time is
 * bounded whatever the box. Writes at most `cap` pairs (a < b) to out; returns how many. */
struct pb_cpu_pair {
    int a, b;
};
size_t pb_plan_sample_pairs(const struct pb_topo *t, const cpu_set_t *allowed, int full_up_to,
                            size_t sample, uint64_t seed, struct pb_cpu_pair *out, size_t cap);

/* The node x node plan of a NUMA experiment: one CPU per node that has allowed CPUs (a row:
 * where the worker runs, the lowest allowed CPU of the node) and every node with memory (a
 * column: where its memory lives). Cells are rows x columns; a cell whose CPU node differs from
 * its memory node is remote. */
#define PB_MAX_NODES 64
struct pb_numa_plan {
    int n_rows, n_cols;
    int row_node[PB_MAX_NODES], row_cpu[PB_MAX_NODES];
    int col_node[PB_MAX_NODES];
    int n_remote;     /* cells whose CPU and memory are on different nodes */
    char reason[200]; /* when n_remote == 0: why nothing remote can be measured here */
};
void pb_plan_numa(const struct pb_topo *t, const cpu_set_t *allowed, struct pb_numa_plan *p);
/* Sorts OS CPU numbers so that near CPUs sit together: SMT siblings next to each other, then
 * the cores of one L3, then packages, then NUMA nodes (a heatmap's rows and columns in this
 * order show the machine's blocks; OS numbering often interleaves siblings far apart). */
void pb_topo_order_cpus(const struct pb_topo *t, int *cpus, size_t n);
/* The node of an OS CPU, or -1. */
int pb_topo_node_of(const struct pb_topo *t, int cpu);

#endif
