/* Unit-test runner: every group, or those named in PB_TEST_GROUPS (comma-separated). */
#include "../tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct pb_test_group *const groups[] = {
    &pb_group_hist,        &pb_group_stats,       &pb_group_cpuset,  &pb_group_topo,
    &pb_group_json,        &pb_group_clock,       &pb_group_pin,     &pb_group_threads,
    &pb_group_report,      &pb_group_results,     &pb_group_gbench,  &pb_group_pmu,
    &pb_group_resultdir,   &pb_group_jsonfile,    &pb_group_machine, &pb_group_compare,
    &pb_group_compare_cli, &pb_group_corpus,      &pb_group_pairs,   &pb_group_simulation,
    &pb_group_tables,      &pb_group_opts,        &pb_group_env,     &pb_group_sha256,
    &pb_group_gochild,     &pb_group_changepoint,
};

static int selected(const char *name)
{
    const char *sel = getenv("PB_TEST_GROUPS");
    if (!sel || !*sel)
        /* these check files or a binary given to them by tests/e2e.sh */
        return strcmp(name, "resultdir") != 0 && strcmp(name, "jsonfile") != 0 &&
               strcmp(name, "compare_cli") != 0;
    size_t n = strlen(name);
    for (const char *p = sel; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

int main(void)
{
    int failed = 0, ran = 0;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (!selected(groups[i]->name))
            continue;
        ran++;
        failed +=
            _cmocka_run_group_tests(groups[i]->name, groups[i]->tests, groups[i]->n, NULL, NULL);
    }
    if (!ran) {
        fprintf(stderr, "no test group matches PB_TEST_GROUPS=%s\n", getenv("PB_TEST_GROUPS"));
        return 1;
    }
    return failed ? 1 : 0;
}
