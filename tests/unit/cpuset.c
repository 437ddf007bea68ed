/* cpuset: the one CPU-list parser. */
#include "../tests.h"

#include "core/cpuset.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_cpuset_parse_valid(void **state)
{
    (void)state;
    cpu_set_t s;
    char buf[256];
    assert_int_equal(pb_cpuset_parse("0-3,8,10-11", &s), 0);
    assert_int_equal(pb_cpuset_count(&s), 7);
    assert_string_equal(pb_cpuset_format(&s, buf, sizeof buf), "0-3,8,10-11");
    assert_int_equal(pb_cpuset_parse("3,7", &s), 0);
    assert_int_equal(pb_cpuset_nth(&s, 0), 3);
    assert_int_equal(pb_cpuset_nth(&s, 1), 7);
    assert_int_equal(pb_cpuset_nth(&s, 2), -1);
    assert_int_equal(pb_cpuset_parse("1", &s), 0);
    assert_string_equal(pb_cpuset_format(&s, buf, sizeof buf), "1");
    assert_int_equal(pb_cpuset_parse("5,1-2,2", &s), 0); /* overlap and order are fine */
    assert_string_equal(pb_cpuset_format(&s, buf, sizeof buf), "1-2,5");
    assert_int_equal(pb_cpuset_parse("1023", &s), 0);
}

static void test_cpuset_parse_invalid(void **state)
{
    (void)state;
    cpu_set_t s;
    static const char *const bad[] = {"",    ",",   "1,",   ",1",  "a",    "1-",
                                      "-1",  "3-1", "1--2", "1 2", "1024", "99999999999999999999",
                                      "0x1", "1;2", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pb_cpuset_parse(bad[i], &s) != -1)
            fail_msg("'%s' was accepted", bad[i]);
        assert_true(strlen(pb_err()) > 0);
    }
    pb_cpuset_parse("3-1", &s);
    assert_non_null(strstr(pb_err(), "reversed"));
}

static void test_cpuset_subset(void **state)
{
    (void)state;
    cpu_set_t allowed, want;
    pb_cpuset_parse("3,7", &allowed);
    pb_cpuset_parse("7", &want);
    assert_int_equal(pb_cpuset_check_subset(&want, &allowed), 0);
    pb_cpuset_parse("3-4", &want);
    assert_int_equal(pb_cpuset_check_subset(&want, &allowed), -1);
    assert_non_null(strstr(pb_err(), "CPU 4"));
    assert_non_null(strstr(pb_err(), "3,7"));
}

static void test_parse_numbers(void **state)
{
    (void)state;
    uint64_t v;
    double d;
    assert_int_equal(pb_parse_u64("42", 1, 100, "n", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(pb_parse_u64("0", 1, 100, "n", &v), -1);
    assert_int_equal(pb_parse_u64("101", 1, 100, "n", &v), -1);
    assert_int_equal(pb_parse_u64("-1", 0, 100, "n", &v), -1);
    assert_int_equal(pb_parse_u64("12abc", 0, 100, "n", &v), -1);
    assert_int_equal(pb_parse_u64("", 0, 100, "n", &v), -1);
    assert_int_equal(pb_parse_double("0.25", 0, 1, "t", &d), 0);
    assert_near(d, 0.25, 0);
    assert_int_equal(pb_parse_double("nan", 0, 1, "t", &d), -1);
    assert_int_equal(pb_parse_double("0.2s", 0, 1, "t", &d), -1);
    assert_non_null(strstr(pb_err(), "t:"));
}

/* Isolated and nohz_full CPUs from a fake /sys/devices/system/cpu: lists, blanks, absent files,
 * and a malformed file named in the error. */
static void test_isolation_read(void **state)
{
    (void)state;
    char dir[] = "/tmp/pinbench-iso-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct pb_isolation iso;
    assert_int_equal(pb_isolation_read(dir, &iso), 0); /* no files: nothing isolated */
    assert_int_equal(CPU_COUNT(&iso.isolated) + CPU_COUNT(&iso.nohz_full), 0);
    pb_test_write_file(dir, "isolated", "2-3,6\n");
    pb_test_write_file(dir, "nohz_full", "\n"); /* the kernel writes a blank line for none */
    assert_int_equal(pb_isolation_read(dir, &iso), 0);
    char list[64];
    assert_string_equal(pb_cpuset_format(&iso.isolated, list, sizeof list), "2-3,6");
    assert_int_equal(CPU_COUNT(&iso.nohz_full), 0);
    /* CONFIG_NO_HZ_FULL without nohz_full=: the kernel prints its unallocated mask so */
    pb_test_write_file(dir, "nohz_full", "          (null)\n");
    assert_int_equal(pb_isolation_read(dir, &iso), 0);
    assert_int_equal(CPU_COUNT(&iso.nohz_full), 0);
    assert_true(pb_sysfs_cpulist_empty("  (null)") && pb_sysfs_cpulist_empty(" \n"));
    assert_false(pb_sysfs_cpulist_empty(" 0-3"));
    pb_test_write_file(dir, "nohz_full", "1-7\n");
    assert_int_equal(pb_isolation_read(dir, &iso), 0);
    assert_string_equal(pb_cpuset_format(&iso.nohz_full, list, sizeof list), "1-7");
    pb_test_write_file(dir, "isolated", "2-x\n");
    assert_int_equal(pb_isolation_read(dir, &iso), -1);
    assert_non_null(strstr(pb_err(), "/isolated"));
    char p[512];
    snprintf(p, sizeof p, "%s/isolated", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/nohz_full", dir);
    unlink(p);
    rmdir(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_isolation_read),       cmocka_unit_test(test_cpuset_parse_valid),
    cmocka_unit_test(test_cpuset_parse_invalid), cmocka_unit_test(test_cpuset_subset),
    cmocka_unit_test(test_parse_numbers),
};
const struct pb_test_group pb_group_cpuset = PB_GROUP("cpuset", tests);
