/* Shared declarations of the unit-test groups (cmocka). */
#ifndef PB_TESTS_H
#define PB_TESTS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

struct pb_test_group {
    const char *name;
    const struct CMUnitTest *tests;
    size_t n;
};

#define PB_GROUP(name, arr)                                                                        \
    {                                                                                              \
        name, arr, sizeof(arr) / sizeof((arr)[0])                                                  \
    }

extern const struct pb_test_group pb_group_hist, pb_group_stats, pb_group_cpuset, pb_group_topo,
    pb_group_json, pb_group_clock, pb_group_pin, pb_group_threads, pb_group_report,
    pb_group_results, pb_group_resultdir, pb_group_jsonfile, pb_group_gbench, pb_group_pmu,
    pb_group_machine, pb_group_compare, pb_group_compare_cli, pb_group_corpus, pb_group_pairs,
    pb_group_simulation, pb_group_tables, pb_group_opts, pb_group_env, pb_group_sha256,
    pb_group_gochild, pb_group_changepoint;

/* Writes `text` to root/rel, making the folders in between (fake sysfs trees, result folders). */
void pb_test_write_file(const char *root, const char *rel, const char *text);

/* Adds to dir/summary.json the manifest pinbench would write over the folder's other files, so a
 * hand-made folder reads as a complete one. */
void pb_test_seal_folder(const char *dir);

/* Asserts |got - want| <= tol with a message naming both. */
#define assert_near(got, want, tol)                                                                \
    do {                                                                                           \
        double g_ = (got), w_ = (want), t_ = (tol);                                                \
        if (!(g_ >= w_ - t_ && g_ <= w_ + t_))                                                     \
            fail_msg("%s = %.12g, expected %.12g +- %.3g", #got, g_, w_, t_);                      \
    } while (0)

#endif
