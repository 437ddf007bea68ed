/* topo: placement planning on hwloc synthetic topologies, from 2 to 256 PUs. */
#include "../tests.h"

#include "core/cpuset.h"
#include "core/mem.h"
#include "util.h"
#include "core/pin.h"
#include "core/topo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void all_of(const struct pb_topo *t, cpu_set_t *s)
{
    CPU_ZERO(s);
    for (int i = 0; i < t->n_pu; i++)
        CPU_SET(t->pu[i].os, s);
}

static void expect_pair(const struct pb_topo *t, const cpu_set_t *allowed, enum pb_rel rel, int a,
                        int b)
{
    struct pb_pair p;
    pb_plan_pair(t, allowed, rel, &p);
    if (!p.exists || p.a != a || p.b != b)
        fail_msg("%s: got %s %d->%d (%s), expected %d->%d", pb_rel_name(rel),
                 p.exists ? "pair" : "none", p.a, p.b, p.reason, a, b);
    assert_int_equal(pb_topo_relation(t, a, b),
                     rel == PB_REL_OTHER_NUMA ? PB_REL_OTHER_PACKAGE : rel);
}

static void expect_none(const struct pb_topo *t, const cpu_set_t *allowed, enum pb_rel rel,
                        const char *why)
{
    struct pb_pair p;
    pb_plan_pair(t, allowed, rel, &p);
    if (p.exists)
        fail_msg("%s: expected none, got %d->%d", pb_rel_name(rel), p.a, p.b);
    if (!strstr(p.reason, why))
        fail_msg("%s: reason '%s' does not mention '%s'", pb_rel_name(rel), p.reason, why);
}

/* 2 packages x 4 L3 x 16 cores x 2 PUs = 256 PUs, one NUMA node per package. */
static void test_topo_256_smt_numa(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, "package:2 [numa] l3:4 core:16 pu:2"), 0);
    assert_int_equal(t.n_pu, 256);
    assert_int_equal(t.n_cores, 128);
    assert_int_equal(t.n_l3, 8);
    assert_int_equal(t.n_packages, 2);
    assert_int_equal(t.n_numa, 2);
    assert_int_equal(t.max_smt, 2);
    assert_non_null(strstr(t.source, "synthetic"));
    cpu_set_t all;
    all_of(&t, &all);
    expect_pair(&t, &all, PB_REL_SAME_CPU, 0, 0);
    expect_pair(&t, &all, PB_REL_SMT_SIBLING, 0, 1);
    expect_pair(&t, &all, PB_REL_SAME_L3, 0, 2);
    expect_pair(&t, &all, PB_REL_OTHER_L3, 0, 32);
    expect_pair(&t, &all, PB_REL_OTHER_PACKAGE, 0, 128);
    expect_pair(&t, &all, PB_REL_OTHER_NUMA, 0, 128);
    assert_int_equal(pb_plan_other_cpu(&t, &all, 0), 2);
    assert_int_equal(pb_plan_other_cpu(&t, &all, 255), 224); /* lowest other core of its L3 */
    pb_topo_free(&t);
}

/* A container allowed CPUs 3 and 7 only: two cores of one L3, nothing else. */
static void test_topo_restricted_allowed(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, "package:2 [numa] l3:4 core:16 pu:2"), 0);
    cpu_set_t a;
    pb_cpuset_parse("3,7", &a);
    expect_pair(&t, &a, PB_REL_SAME_CPU, 3, 3);
    expect_none(&t, &a, PB_REL_SMT_SIBLING, "no core has two allowed PUs");
    expect_pair(&t, &a, PB_REL_SAME_L3, 3, 7);
    expect_none(&t, &a, PB_REL_OTHER_L3, "two different L3");
    expect_none(&t, &a, PB_REL_OTHER_PACKAGE, "one package");
    expect_none(&t, &a, PB_REL_OTHER_NUMA, "one NUMA node");
    assert_int_equal(pb_plan_other_cpu(&t, &a, 3), 7);
    /* one allowed CPU: nothing but same_cpu, and no other CPU */
    pb_cpuset_parse("200", &a);
    expect_pair(&t, &a, PB_REL_SAME_CPU, 200, 200);
    assert_int_equal(pb_plan_other_cpu(&t, &a, 200), -1);
    /* only SMT siblings allowed: the other CPU falls back to the sibling */
    pb_cpuset_parse("4-5", &a);
    assert_int_equal(pb_plan_other_cpu(&t, &a, 4), 5);
    expect_none(&t, &a, PB_REL_SAME_L3, "share an L3");
    pb_topo_free(&t);
}

/* Small and odd shapes: 2 PUs without SMT; 3 packages x 5 cores x 3 PUs. */
static void test_topo_small_and_odd(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, "package:1 l3:1 core:2 pu:1"), 0);
    assert_int_equal(t.n_pu, 2);
    assert_int_equal(t.max_smt, 1);
    cpu_set_t all;
    all_of(&t, &all);
    expect_none(&t, &all, PB_REL_SMT_SIBLING, "no core has two allowed PUs");
    expect_pair(&t, &all, PB_REL_SAME_L3, 0, 1);
    expect_none(&t, &all, PB_REL_OTHER_PACKAGE, "one package");
    pb_topo_free(&t);

    assert_int_equal(pb_topo_load(&t, "package:3 l3:1 core:5 pu:3"), 0);
    assert_int_equal(t.n_pu, 45);
    all_of(&t, &all);
    expect_pair(&t, &all, PB_REL_SMT_SIBLING, 0, 1);
    expect_pair(&t, &all, PB_REL_SAME_L3, 0, 3);
    expect_none(&t, &all, PB_REL_OTHER_L3, "two different L3");
    expect_pair(&t, &all, PB_REL_OTHER_PACKAGE, 0, 15);
    pb_topo_free(&t);

    /* 64 PUs, two L3s per package, no SMT */
    assert_int_equal(pb_topo_load(&t, "package:2 l3:2 core:16 pu:1"), 0);
    assert_int_equal(t.n_pu, 64);
    all_of(&t, &all);
    expect_pair(&t, &all, PB_REL_OTHER_L3, 0, 16);
    expect_pair(&t, &all, PB_REL_OTHER_PACKAGE, 0, 32);
    pb_topo_free(&t);
}

/* A heatmap's order: OS numbering that puts SMT siblings n/2 apart (as many Intel boxes do) is
 * put back into siblings, then L3, then package order; a CPU the topology does not know goes
 * last; a machine numbered in order keeps its order. */
static void test_topo_order_cpus(void **state)
{
    (void)state;
    struct pb_topo t;
    /* 2 packages x 2 cores x 2 PUs; core k's PUs are k and k + 4 */
    assert_int_equal(pb_topo_load(&t, "package:2 core:2 pu:2(indexes=0,4,1,5,2,6,3,7)"), 0);
    assert_int_equal(t.n_pu, 8);
    assert_int_equal(pb_topo_relation(&t, 0, 4), PB_REL_SMT_SIBLING);
    int cpus[] = {7, 3, 99, 0, 1, 2, 4, 5, 6};
    pb_topo_order_cpus(&t, cpus, PB_ARRAY_LEN(cpus));
    const int want[] = {0, 4, 1, 5, 2, 6, 3, 7, 99};
    for (size_t k = 0; k < PB_ARRAY_LEN(want); k++)
        if (cpus[k] != want[k])
            fail_msg("position %zu: CPU %d, expected %d", k, cpus[k], want[k]);
    pb_topo_free(&t);

    assert_int_equal(pb_topo_load(&t, "package:2 [numa] l3:4 core:16 pu:2"), 0);
    int all[256];
    for (int k = 0; k < 256; k++)
        all[k] = 255 - k;
    pb_topo_order_cpus(&t, all, 256);
    for (int k = 0; k < 256; k++)
        if (all[k] != k)
            fail_msg("position %d: CPU %d on a machine numbered in order", k, all[k]);
    pb_topo_free(&t);
}

/* The core-to-core sampling plan: all pairs up to the limit (2 and 64 PUs), and beyond it every
 * relation the shape has plus the random sample, bounded, deterministic, inside the mask. */
static void test_topo_sample_pairs(void **state)
{
    (void)state;
    struct pb_topo t;
    cpu_set_t all;
    struct pb_cpu_pair *p = calloc(4096, sizeof *p);
    assert_int_equal(pb_topo_load(&t, "package:1 l3:1 core:2 pu:1"), 0);
    all_of(&t, &all);
    assert_int_equal(pb_plan_sample_pairs(&t, &all, 64, 2048, 1, p, 4096), 1);
    assert_int_equal(p[0].a, 0);
    assert_int_equal(p[0].b, 1);
    pb_topo_free(&t);

    assert_int_equal(pb_topo_load(&t, "package:2 l3:2 core:16 pu:1"), 0);
    all_of(&t, &all);
    assert_int_equal(pb_plan_sample_pairs(&t, &all, 64, 2048, 1, p, 4096), 64 * 63 / 2);
    for (size_t k = 0; k < 64 * 63 / 2; k++)
        assert_true(p[k].a < p[k].b);
    pb_topo_free(&t);

    assert_int_equal(pb_topo_load(&t, "package:2 [numa] l3:4 core:16 pu:2"), 0);
    all_of(&t, &all);
    size_t n = pb_plan_sample_pairs(&t, &all, 64, 2048, 1, p, 4096);
    assert_int_equal(n, 5 + 2048); /* SMT, same L3, other L3, other package, other NUMA */
    static const enum pb_rel rels[] = {PB_REL_SMT_SIBLING, PB_REL_SAME_L3, PB_REL_OTHER_L3,
                                       PB_REL_OTHER_PACKAGE};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(pb_topo_relation(&t, p[k].a, p[k].b), rels[k]);
    for (size_t k = 0; k < n; k++)
        assert_true(p[k].a < p[k].b && CPU_ISSET(p[k].a, &all) && CPU_ISSET(p[k].b, &all));
    struct pb_cpu_pair *q = calloc(4096, sizeof *q);
    assert_int_equal(pb_plan_sample_pairs(&t, &all, 64, 2048, 1, q, 4096), n);
    assert_memory_equal(p, q, n * sizeof *p); /* the same plan every run */
    /* a 256-PU box restricted to 3,7 is small again: all pairs */
    cpu_set_t two;
    pb_cpuset_parse("3,7", &two);
    assert_int_equal(pb_plan_sample_pairs(&t, &two, 64, 2048, 1, p, 4096), 1);
    free(q);
    free(p);
    pb_topo_free(&t);
}

static void test_topo_bad_synthetic(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, "package:two"), -1);
}

/* This machine: every allowed CPU is in the topology, and the planner stays inside the mask. */
static void test_topo_this_machine(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, NULL), 0);
    cpu_set_t allowed;
    assert_int_equal(pb_affinity_get(&allowed), 0);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed))
            assert_non_null(pb_topo_pu(&t, c));
    for (int r = 0; r < PB_REL_COUNT; r++) {
        struct pb_pair p;
        pb_plan_pair(&t, &allowed, (enum pb_rel)r, &p);
        if (p.exists) {
            assert_true(CPU_ISSET(p.a, &allowed));
            assert_true(CPU_ISSET(p.b, &allowed));
        } else {
            assert_true(strlen(p.reason) > 0);
        }
    }
    pb_topo_free(&t);
}

/* The NUMA plan: a row (worker CPU) per node with allowed CPUs, a column per node with memory. */
static void test_topo_numa_plan(void **state)
{
    (void)state;
    struct pb_topo t;
    cpu_set_t all;
    struct pb_numa_plan p;

    /* 256 PUs, SMT, two nodes (one per package): 2 x 2 cells, 2 remote */
    assert_int_equal(pb_topo_load(&t, "package:2 [numa] l3:4 core:16 pu:2"), 0);
    all_of(&t, &all);
    pb_plan_numa(&t, &all, &p);
    assert_int_equal(p.n_rows, 2);
    assert_int_equal(p.n_cols, 2);
    assert_int_equal(p.n_remote, 2);
    assert_int_equal(p.row_node[0], 0);
    assert_int_equal(p.row_cpu[0], 0);
    assert_int_equal(p.row_node[1], 1);
    assert_int_equal(p.row_cpu[1], 128);
    assert_int_equal(pb_topo_node_of(&t, 200), 1);
    /* a container on node 1 only: its CPUs all local to node 1, node 0's memory still remote */
    CPU_ZERO(&all);
    CPU_SET(130, &all);
    CPU_SET(131, &all);
    pb_plan_numa(&t, &all, &p);
    assert_int_equal(p.n_rows, 1);
    assert_int_equal(p.row_cpu[0], 130);
    assert_int_equal(p.n_cols, 2);
    assert_int_equal(p.n_remote, 1);
    pb_topo_free(&t);

    /* 64 PUs, four nodes of 8 cores x 2 PUs, two per package: 16 cells, 12 remote */
    assert_int_equal(pb_topo_load(&t, "package:2 numa:2(memory=1GB) core:8 pu:2"), 0);
    assert_int_equal(t.n_numa, 4);
    all_of(&t, &all);
    pb_plan_numa(&t, &all, &p);
    assert_int_equal(p.n_rows, 4);
    assert_int_equal(p.n_cols, 4);
    assert_int_equal(p.n_remote, 12);
    for (int r = 0; r < 4; r++) {
        assert_int_equal(p.row_cpu[r], 16 * r);
        assert_int_equal(pb_topo_node_of(&t, p.row_cpu[r]), p.row_node[r]);
        assert_int_equal(t.node[r].mem_bytes, 1000000000);
        assert_int_equal(t.node[r].n_pu, 16);
    }
    pb_topo_free(&t);

    /* 2 PUs, one node: nothing remote, and the reason says so */
    assert_int_equal(pb_topo_load(&t, "package:1 core:2 pu:1"), 0);
    all_of(&t, &all);
    pb_plan_numa(&t, &all, &p);
    assert_int_equal(p.n_rows, 1);
    assert_int_equal(p.n_remote, 0);
    assert_non_null(strstr(p.reason, "one NUMA node"));
    pb_topo_free(&t);

    /* 64 PUs without SMT on two nodes, none of the allowed CPUs present: no rows */
    assert_int_equal(pb_topo_load(&t, "package:2 [numa] core:32 pu:1"), 0);
    CPU_ZERO(&all);
    CPU_SET(500, &all);
    pb_plan_numa(&t, &all, &p);
    assert_int_equal(p.n_rows, 0);
    assert_int_equal(p.n_remote, 0);
    assert_non_null(strstr(p.reason, "no allowed CPU"));
    pb_topo_free(&t);
}

/* Binding: memory lands on the node asked for, and a wrong claim about placement is caught. */
static void test_mem_bind(void **state)
{
    (void)state;
    struct pb_topo t;
    assert_int_equal(pb_topo_load(&t, NULL), 0);
    assert_true(t.n_numa >= 1);
    int node = t.node[0].os;
    size_t len = 4u << 20;
    unsigned char *p = pb_mem_alloc_on_node(&t, node, len);
    if (!p)
        fail_msg("alloc on node %d: %s", node, pb_err());
    assert_int_equal(p[0] | p[len - 1], 0);
    assert_int_equal(pb_mem_check_node(&t, p, len, node), 0);
    /* the pages are on `node`: claiming they are on any other node must fail, naming it */
    assert_int_equal(pb_mem_check_node(&t, p, len, node + 1), -1);
    char want[32];
    snprintf(want, sizeof want, "on node(s) %d", node);
    if (!strstr(pb_err(), want))
        fail_msg("'%s' does not say '%s'", pb_err(), want);
    pb_mem_free(&t, p, len);
    assert_null(pb_mem_alloc_on_node(&t, 999, len));
    assert_non_null(strstr(pb_err(), "no NUMA node 999"));
    char thp[32];
    assert_true(strlen(pb_mem_thp_mode(thp, sizeof thp)) > 0);
    pb_topo_free(&t);

    /* hwloc silently falls back to malloc on a synthetic topology: pinbench refuses instead */
    assert_int_equal(pb_topo_load(&t, "package:2 [numa] core:2 pu:1"), 0);
    assert_null(pb_mem_alloc_on_node(&t, 1, len));
    assert_non_null(strstr(pb_err(), "synthetic"));
    pb_topo_free(&t);
}

/* The chase is one cycle through every line (Sattolo), and the stream reads every word. */
static void test_mem_walks(void **state)
{
    (void)state;
    for (size_t lines = 1; lines <= 4096; lines = lines * 3 + 1) {
        size_t bytes = lines * 64;
        char *buf = aligned_alloc(64, bytes);
        assert_non_null(buf);
        void *start = pb_mem_chase_build(buf, bytes, 42);
        assert_ptr_equal(start, buf);
        unsigned char *seen = calloc(lines, 1);
        void *p = start;
        size_t steps = 0;
        do {
            size_t k = (size_t)((char *)p - buf) / 64;
            assert_true(k < lines && ((char *)p - buf) % 64 == 0);
            assert_int_equal(seen[k], 0);
            seen[k] = 1;
            p = pb_mem_chase(p, 1);
            steps++;
        } while (p != start && steps <= lines);
        assert_int_equal(steps, lines); /* back at the start exactly after visiting all */
        assert_ptr_equal(pb_mem_chase(start, lines * 3), start);
        free(seen);
        free(buf);
    }
    assert_null(pb_mem_chase_build(NULL, 10, 1));
    uint64_t w[7] = {1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(pb_mem_stream(w, sizeof w), 28);
    assert_int_equal(pb_mem_stream(w, 3 * sizeof *w), 6);
}

/* The sysfs fallback on a fake tree: 2 packages x 2 cores x 2 SMT threads, an L3 per package,
 * an L2 per core, a NUMA node per package; the planner finds every relation in it. */
static void test_topo_sysfs_fallback(void **state)
{
    (void)state;
    char root[] = "/tmp/pinbench-sysfs-XXXXXX";
    assert_non_null(mkdtemp(root));
    pb_test_write_file(root, "devices/system/cpu/online", "0-7\n");
    for (int cpu = 0; cpu < 8; cpu++) {
        int pkg = cpu / 4, core = (cpu / 2) % 2;
        char rel[200], txt[64];
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
        snprintf(txt, sizeof txt, "%d\n", pkg);
        pb_test_write_file(root, rel, txt);
        snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/topology/core_id", cpu);
        snprintf(txt, sizeof txt, "%d\n", core); /* repeats across packages, as on real boxes */
        pb_test_write_file(root, rel, txt);
        static const struct {
            int level;
            const char *type, *size;
        } c[] = {{1, "Data", "48K"},
                 {1, "Instruction", "32K"},
                 {2, "Unified", "2048K"},
                 {3, "Unified", "105M"}};
        for (int i = 0; i < 4; i++) {
            snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/cache/index%d/level", cpu, i);
            snprintf(txt, sizeof txt, "%d\n", c[i].level);
            pb_test_write_file(root, rel, txt);
            snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/cache/index%d/type", cpu, i);
            pb_test_write_file(root, rel, c[i].type);
            snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/cache/index%d/size", cpu, i);
            pb_test_write_file(root, rel, c[i].size);
            snprintf(rel, sizeof rel, "devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu,
                     i);
            int lo = c[i].level == 3 ? pkg * 4 : (cpu / 2) * 2;
            snprintf(txt, sizeof txt, "%d-%d\n", lo, c[i].level == 3 ? lo + 3 : lo + 1);
            pb_test_write_file(root, rel, txt);
        }
    }
    pb_test_write_file(root, "devices/system/node/node0/cpulist", "0-3\n");
    pb_test_write_file(root, "devices/system/node/node1/cpulist", "4-7\n");
    pb_test_write_file(root, "devices/system/node/node0/meminfo", "Node 0 MemTotal:  1000 kB\n");
    pb_test_write_file(root, "devices/system/node/node1/meminfo", "Node 1 MemTotal:  2000 kB\n");
    struct pb_topo t;
    if (pb_topo_load_sysfs(&t, root) < 0)
        fail_msg("%s", pb_err());
    assert_int_equal(t.n_pu, 8);
    assert_int_equal(t.n_cores, 4);
    assert_int_equal(t.n_packages, 2);
    assert_int_equal(t.n_l3, 2);
    assert_int_equal(t.n_numa, 2);
    assert_int_equal(t.max_smt, 2);
    assert_int_equal(t.l1d_bytes, 48 * 1024);
    assert_int_equal(t.l2_bytes, 2048 * 1024);
    assert_int_equal(t.l3_bytes, 105ull << 20);
    assert_int_equal(t.node[1].mem_bytes, 2000 * 1024);
    assert_null(t.hw);
    cpu_set_t all;
    all_of(&t, &all);
    expect_pair(&t, &all, PB_REL_SMT_SIBLING, 0, 1);
    expect_pair(&t, &all, PB_REL_SAME_L3, 0, 2);
    expect_pair(&t, &all, PB_REL_OTHER_NUMA, 0, 4);
    struct pb_numa_plan pl;
    pb_plan_numa(&t, &all, &pl);
    assert_int_equal(pl.n_remote, 2);
    /* no binding without hwloc, and it says why */
    assert_null(pb_mem_alloc_on_node(&t, 0, 4096));
    assert_non_null(strstr(pb_err(), "sysfs"));
    pb_topo_free(&t);
    /* CPU 4 taken offline: it is not in the topology, and nothing plans with it */
    pb_test_write_file(root, "devices/system/cpu/online", "0-3,5-7\n");
    assert_int_equal(pb_topo_load_sysfs(&t, root), 0);
    assert_int_equal(t.n_pu, 7);
    assert_null(pb_topo_pu(&t, 4));
    all_of(&t, &all);
    expect_pair(&t, &all, PB_REL_OTHER_NUMA, 0, 5);
    expect_pair(&t, &all, PB_REL_SAME_L3, 0, 2);
    pb_topo_free(&t);
    assert_int_equal(pb_topo_load_sysfs(&t, "/nonexistent"), -1);
    assert_non_null(strstr(pb_err(), "online"));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_topo_sysfs_fallback),
    cmocka_unit_test(test_mem_walks),
    cmocka_unit_test(test_mem_bind),
    cmocka_unit_test(test_topo_numa_plan),
    cmocka_unit_test(test_topo_256_smt_numa),
    cmocka_unit_test(test_topo_restricted_allowed),
    cmocka_unit_test(test_topo_small_and_odd),
    cmocka_unit_test(test_topo_bad_synthetic),
    cmocka_unit_test(test_topo_order_cpus),
    cmocka_unit_test(test_topo_sample_pairs),
    cmocka_unit_test(test_topo_this_machine),
};
const struct pb_test_group pb_group_topo = PB_GROUP("topo", tests);
