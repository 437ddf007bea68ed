/* topo: placement planning on hwloc synthetic topologies, from 2 to 256 PUs. */
#include "tests.h"

#include "cpuset.h"
#include "pin.h"
#include "topo.h"

#include <stdlib.h>
#include <string.h>

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

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_topo_256_smt_numa),  cmocka_unit_test(test_topo_restricted_allowed),
    cmocka_unit_test(test_topo_small_and_odd), cmocka_unit_test(test_topo_bad_synthetic),
    cmocka_unit_test(test_topo_sample_pairs),  cmocka_unit_test(test_topo_this_machine),
};
const struct pb_test_group pb_group_topo = PB_GROUP("topo", tests);
