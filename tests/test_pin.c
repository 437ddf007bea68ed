/* pin: pins are verified; failures carry context. */
#include "tests.h"

#include "cpuset.h"
#include "pin.h"
#include "util.h"

#include <string.h>

static void test_pin_every_allowed_cpu(void **state)
{
    (void)state;
    cpu_set_t allowed;
    assert_int_equal(pb_affinity_get(&allowed), 0);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &allowed))
            continue;
        if (pb_pin_self(c) != 0)
            fail_msg("pin to CPU %d: %s", c, pb_err());
        assert_int_equal(sched_getcpu(), c);
        assert_int_equal(pb_pin_verify(c), 0);
        assert_true(pb_pin_on(c));
    }
    assert_int_equal(pb_pin_self_mask(&allowed), 0);
}

static void test_pin_failures_have_context(void **state)
{
    (void)state;
    cpu_set_t allowed;
    assert_int_equal(pb_affinity_get(&allowed), 0);
    int outside = -1;
    for (int c = CPU_SETSIZE - 1; c >= 0; c--)
        if (!CPU_ISSET(c, &allowed)) {
            outside = c;
            break;
        }
    assert_true(outside >= 0);
    assert_int_equal(pb_pin_self(outside), -1);
    assert_non_null(strstr(pb_err(), "sched_setaffinity"));
    assert_int_equal(pb_pin_self(-1), -1);
    /* verify must refuse a mask of more than one CPU, and a CPU we are not pinned to */
    int first = pb_cpuset_nth(&allowed, 0);
    if (CPU_COUNT(&allowed) > 1) {
        assert_int_equal(pb_pin_self_mask(&allowed), 0);
        assert_int_equal(pb_pin_verify(first), -1);
        assert_non_null(strstr(pb_err(), "mask is"));
    }
    assert_int_equal(pb_pin_self(first), 0);
    assert_int_equal(pb_pin_verify(outside), -1);
    assert_int_equal(pb_pin_self_mask(&allowed), 0);
}

static void test_pin_attr(void **state)
{
    (void)state;
    pthread_attr_t a;
    pthread_attr_init(&a);
    cpu_set_t allowed;
    pb_affinity_get(&allowed);
    assert_int_equal(pb_pin_attr(&a, pb_cpuset_nth(&allowed, 0)), 0);
    cpu_set_t got;
    pthread_attr_getaffinity_np(&a, sizeof got, &got);
    assert_int_equal(CPU_COUNT(&got), 1);
    assert_true(CPU_ISSET(pb_cpuset_nth(&allowed, 0), &got));
    pthread_attr_destroy(&a);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_pin_every_allowed_cpu),
    cmocka_unit_test(test_pin_failures_have_context),
    cmocka_unit_test(test_pin_attr),
};
const struct pb_test_group pb_group_pin = PB_GROUP("pin", tests);
