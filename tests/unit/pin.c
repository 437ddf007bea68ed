/* pin: pins are verified; failures carry context. */
#include "../tests.h"

#include "core/cpuset.h"
#include "core/pin.h"
#include "util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static atomic_bool idle_quit;

static void *idle_thread(void *p)
{
    while (!atomic_load(&idle_quit))
        usleep(1000);
    return p;
}

/* Confinement keeps every other thread off a CPU, is checked, and is undone; with one CPU it
 * refuses rather than leave a thread nowhere to run. */
static void test_confine_others(void **state)
{
    (void)state;
    cpu_set_t allowed;
    assert_int_equal(pb_affinity_get(&allowed), 0);
    int cpu = pb_cpuset_nth(&allowed, 0);
    atomic_store(&idle_quit, false);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, idle_thread, NULL), 0);
    struct pb_confine *c = calloc(1, sizeof *c);
    assert_non_null(c);
    if (CPU_COUNT(&allowed) < 2) {
        assert_int_equal(pb_confine_others(cpu, c), -1);
        assert_non_null(strstr(pb_err(), "cannot be kept off"));
    } else {
        assert_int_equal(pb_confine_check(cpu), -1); /* the new threads may run anywhere */
        assert_non_null(strstr(pb_err(), "may still run on CPU"));
        assert_true(pb_confine_others(cpu, c) >= 2); /* ours, and any the process had */
        assert_int_equal(pb_confine_check(cpu), 0);
        cpu_set_t m;
        assert_int_equal(pthread_getaffinity_np(t[0], sizeof m, &m), 0);
        assert_false(CPU_ISSET(cpu, &m));
        assert_int_equal(CPU_COUNT(&m), CPU_COUNT(&allowed) - 1);
        pb_unconfine(c);
        assert_int_equal(pthread_getaffinity_np(t[1], sizeof m, &m), 0);
        assert_true(CPU_EQUAL(&m, &allowed));
    }
    assert_int_equal(pb_confine_others(-1, c), -1);
    free(c);
    atomic_store(&idle_quit, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_confine_others),
    cmocka_unit_test(test_pin_every_allowed_cpu),
    cmocka_unit_test(test_pin_failures_have_context),
    cmocka_unit_test(test_pin_attr),
};
const struct pb_test_group pb_group_pin = PB_GROUP("pin", tests);
