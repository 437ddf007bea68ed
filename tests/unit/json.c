/* json: writer/reader round trips and strict rejection of malformed input. */
#include "../tests.h"

#include "results/json.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_json_round_trip(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct pb_jw w;
    pb_jw_init(&w, f);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_str(&w, "plain", "abc");
    pb_jw_str(&w, "escapes", "q\"b\\n\nt\tc\x01 \xc3\xa9");
    pb_jw_str(&w, "null_str", NULL);
    pb_jw_num(&w, "pi", 3.141592653589793);
    pb_jw_num(&w, "big", 1.5e300);
    pb_jw_num(&w, "nan", NAN);
    pb_jw_num(&w, "inf", INFINITY);
    pb_jw_int(&w, "neg", -42);
    pb_jw_bool(&w, "yes", true);
    pb_jw_arr_begin(&w, "list");
    pb_jw_int(&w, NULL, 1);
    pb_jw_obj_begin(&w, NULL);
    pb_jw_obj_end(&w);
    pb_jw_arr_begin(&w, NULL);
    pb_jw_arr_end(&w);
    pb_jw_arr_end(&w);
    pb_jw_obj_end(&w);
    assert_int_equal(pb_jw_finish(&w), 0);
    fclose(f);

    struct pb_json *j = pb_json_parse(buf, len);
    if (!j)
        fail_msg("parse of writer output failed: %s\n%s", pb_err(), buf);
    assert_string_equal(pb_json_str(j, "plain", ""), "abc");
    assert_string_equal(pb_json_str(j, "escapes", ""), "q\"b\\n\nt\tc\x01 \xc3\xa9");
    assert_int_equal(pb_json_get(j, "null_str")->type, PB_JSON_NULL);
    assert_near(pb_json_num(j, "pi", 0), 3.141592653589793, 1e-14);
    assert_near(pb_json_num(j, "big", 0) / 1.5e300, 1, 1e-14);
    assert_int_equal(pb_json_get(j, "nan")->type, PB_JSON_NULL);
    assert_int_equal(pb_json_get(j, "inf")->type, PB_JSON_NULL);
    assert_near(pb_json_num(j, "neg", 0), -42, 0);
    assert_true(pb_json_get(j, "yes")->b);
    const struct pb_json *l = pb_json_get(j, "list");
    assert_int_equal(l->type, PB_JSON_ARR);
    assert_int_equal(l->n, 3);
    assert_int_equal(l->items[1].type, PB_JSON_OBJ);
    assert_int_equal(l->items[2].n, 0);
    pb_json_free(j);
    free(buf);
}

static void test_json_unicode_escapes(void **state)
{
    (void)state;
    const char *t = "[\"\\u00e9\\u20ac\\ud83d\\ude00\\/\"]";
    struct pb_json *j = pb_json_parse(t, strlen(t));
    assert_non_null(j);
    assert_string_equal(j->items[0].str, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/");
    pb_json_free(j);
}

static void test_json_rejects_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "{",
        "}",
        "[1,]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "[01]",
        "[1.]",
        "[.5]",
        "[1e]",
        "[-]",
        "NaN",
        "[Infinity]",
        "\"abc",
        "\"a\\qb\"",
        "[\"\\u12\"]",
        "[\"\\ud800\"]",
        "[\"\\udc00\"]",
        "[\"a\nb\"]",
        "[true false]",
        "[nul]",
        "{} {}",
        "[\"\\u0000\"]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pb_json *j = pb_json_parse(bad[i], strlen(bad[i]));
        if (j) {
            pb_json_free(j);
            fail_msg("malformed input accepted: %s", bad[i]);
        }
        assert_non_null(strstr(pb_err(), "line "));
    }
    const char *two = "{\n  \"a\": 1\n  \"b\": 2}";
    assert_null(pb_json_parse(two, strlen(two)));
    assert_non_null(strstr(pb_err(), "line 3"));
}

static void test_json_depth_limit(void **state)
{
    (void)state;
    char deep[PB_JSON_MAX_DEPTH * 2 + 10];
    size_t n = 0;
    for (int i = 0; i < PB_JSON_MAX_DEPTH + 1; i++)
        deep[n++] = '[';
    for (int i = 0; i < PB_JSON_MAX_DEPTH + 1; i++)
        deep[n++] = ']';
    assert_null(pb_json_parse(deep, n));
    assert_non_null(strstr(pb_err(), "too deep"));
    struct pb_json *ok = pb_json_parse(deep + 1, n - 2); /* exactly the limit */
    assert_non_null(ok);
    pb_json_free(ok);
}

static void test_json_truncated_everywhere(void **state)
{
    (void)state;
    const char *doc = "{\"a\": [1, 2.5e-3, \"x\\u00e9\"], \"b\": {\"c\": null, \"d\": true}}";
    size_t n = strlen(doc);
    struct pb_json *j = pb_json_parse(doc, n);
    assert_non_null(j);
    pb_json_free(j);
    for (size_t k = 0; k < n; k++) {
        j = pb_json_parse(doc, k);
        if (j) {
            pb_json_free(j);
            fail_msg("prefix of %zu bytes accepted", k);
        }
    }
}

static void test_json_null_nonfinite(void **state)
{
    (void)state;
    const char *in = "{\"cv\": NaN, \"a\": -nan, \"b\": [Infinity, -inf, 1.5], \"s\": \"NaN inf\"}";
    size_t n = 0;
    char *out = pb_json_null_nonfinite(in, strlen(in), &n);
    assert_int_equal(n, 4);
    assert_string_equal(
        out, "{\"cv\": null, \"a\": null, \"b\": [null, null, 1.5], \"s\": \"NaN inf\"}");
    struct pb_json *j = pb_json_parse(out, strlen(out));
    assert_non_null(j);
    pb_json_free(j);
    free(out);
    /* the worst case grows the text: every token 3 characters long */
    const char *grow = "[NaN,nan,inf,NaN]";
    out = pb_json_null_nonfinite(grow, strlen(grow), &n);
    assert_int_equal(n, 4);
    assert_string_equal(out, "[null,null,null,null]");
    free(out);
}

/* Duplicate keys are refused in small objects (a scan) and large ones (a hash set), at any
 * position, nested objects keeping their own keys; invalid UTF-8 is refused in keys and values. */
static void test_json_duplicates_and_utf8(void **state)
{
    (void)state;
    for (int n = 2; n <= 3000; n = n * 3 + 1) {
        for (int dup = 0; dup < 2; dup++) {
            size_t cap = (size_t)n * 40 + 64, used = 0;
            char *t = malloc(cap);
            used += (size_t)snprintf(t + used, cap - used, "{");
            for (int i = 0; i < n; i++)
                used += (size_t)snprintf(t + used, cap - used, "%s\"k%d\": {\"k%d\": 1}",
                                         i ? ", " : "", i, i);
            if (dup) /* the same key as the middle one, at the end */
                used += (size_t)snprintf(t + used, cap - used, ", \"k%d\": 2", n / 2);
            snprintf(t + used, cap - used, "}");
            struct pb_json *j = pb_json_parse(t, strlen(t));
            if (dup) {
                assert_null(j);
                assert_non_null(strstr(pb_err(), "duplicate key"));
            } else {
                assert_non_null(j);
                assert_int_equal(j->n, (size_t)n);
                pb_json_free(j);
            }
            free(t);
        }
    }
    static const char *const bad[] = {"{\"a\": \"\xff\"}", "{\"\xc3\": 1}",
                                      "[\"\xe2\x82\"]", "[\"\xf5\x80\x80\x80\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_null(pb_json_parse(bad[i], strlen(bad[i])));
        assert_non_null(strstr(pb_err(), "UTF-8"));
    }
    const char *good = "{\"caf\xc3\xa9\": \"\xe2\x82\xac \xf0\x9f\x98\x80\"}";
    struct pb_json *j = pb_json_parse(good, strlen(good));
    assert_non_null(j);
    pb_json_free(j);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_json_duplicates_and_utf8),
    cmocka_unit_test(test_json_null_nonfinite),  cmocka_unit_test(test_json_round_trip),
    cmocka_unit_test(test_json_unicode_escapes), cmocka_unit_test(test_json_rejects_malformed),
    cmocka_unit_test(test_json_depth_limit),     cmocka_unit_test(test_json_truncated_everywhere),
};
const struct pb_test_group pb_group_json = PB_GROUP("json", tests);
