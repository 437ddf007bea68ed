/* opts: one option table gives the parser and the help; every spelling getopt_long accepts
 * works, every refusal says why in one line. */
#include "../tests.h"

#include "opts.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *t_out, *t_name;
static double t_pct;
static bool t_flag;
static const struct pb_opt t_opts[] = {
    {"out", 'o', PB_OPT_STRING, "DIR", "where to write\nsecond line", &t_out, 0, 0},
    {"name", 0, PB_OPT_STRING, "NAME", "a name", &t_name, 0, 0},
    {"precision", 0, PB_OPT_NUMBER, "PCT", "a percentage", &t_pct, 0.1, 100},
    {"quiet", 'q', PB_OPT_FLAG, NULL, "a flag", &t_flag, 0, 0},
};
static const struct pb_opts_spec t_spec = {"thing", "pinbench thing [options] A [B]", "About.",
                                           "Epilogue.\n", t_opts, 4, 1, 2, "folders",
                                           "--benchmark_"};

static int parse(struct pb_opts_result *r, int argc, const char **argv)
{
    t_out = t_name = NULL;
    t_pct = 0;
    t_flag = false;
    return pb_opts_parse(&t_spec, argc, (char **)argv, r);
}

static void test_opts_spellings(void **state)
{
    (void)state;
    struct pb_opts_result r;
    const char *a[] = {"thing", "--out=x", "--name", "n", "-q", "--precision=2.5", "A"};
    assert_int_equal(parse(&r, 7, a), 0);
    assert_string_equal(t_out, "x");
    assert_string_equal(t_name, "n");
    assert_true(t_flag);
    assert_true(t_pct == 2.5);
    assert_int_equal(r.n_operands, 1);
    assert_string_equal(r.operands[0], "A");
    pb_opts_free(&r);
    /* short with a separate value, operands before options, "--" ends the options */
    const char *b[] = {"thing", "A", "-o", "y", "--", "--name"};
    assert_int_equal(parse(&r, 6, b), 0);
    assert_string_equal(t_out, "y");
    assert_null(t_name);
    assert_int_equal(r.n_operands, 2);
    assert_string_equal(r.operands[1], "--name");
    pb_opts_free(&r);
    /* the pass-through prefix keeps its arguments in order, argv[0] first */
    const char *c[] = {"thing", "--benchmark_filter=x", "A", "--benchmark_format=json"};
    assert_int_equal(parse(&r, 4, c), 0);
    assert_int_equal(r.n_passed, 3);
    assert_string_equal(r.passed[1], "--benchmark_filter=x");
    assert_string_equal(r.passed[2], "--benchmark_format=json");
    pb_opts_free(&r);
    const char *h[] = {"thing", "--help"};
    assert_int_equal(parse(&r, 2, h), 0);
    assert_true(r.help);
    pb_opts_free(&r);
}

static void expect_refused(int argc, const char **argv, const char *what)
{
    struct pb_opts_result r;
    assert_int_equal(parse(&r, argc, argv), -1);
    if (!strstr(pb_err(), what))
        fail_msg("'%s' lacks '%s'", pb_err(), what);
    assert_null(strchr(pb_err(), '\n'));
    pb_opts_free(&r);
}

static void test_opts_refusals(void **state)
{
    (void)state;
    expect_refused(3, (const char *[]){"thing", "--bogus", "A"}, "unknown option '--bogus'");
    expect_refused(3, (const char *[]){"thing", "A", "-z"}, "unknown option '-z'");
    expect_refused(3, (const char *[]){"thing", "A", "--out"}, "needs a value");
    expect_refused(3, (const char *[]){"thing", "A", "--precision=200"}, "--precision");
    expect_refused(3, (const char *[]){"thing", "A", "--precision=0x10"}, "--precision");
    expect_refused(3, (const char *[]){"thing", "A", "--quiet=yes"}, "--quiet");
    expect_refused(1, (const char *[]){"thing"}, "needs at least 1 folders");
    expect_refused(4, (const char *[]){"thing", "A", "B", "C"}, "at most 2 folders, not 3");
}

/* --help is generated from the table: every option, its value's name and every help line */
static void test_opts_help(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    pb_opts_help(&t_spec, f);
    fclose(f);
    static const char *const want[] = {"usage: pinbench thing [options] A [B]",
                                       "About.",
                                       "  -o, --out=DIR      where to write\n",
                                       "                     second line\n",
                                       "  --name=NAME",
                                       "  --precision=PCT",
                                       "  -q, --quiet        a flag",
                                       "  -h, --help         this text",
                                       "Epilogue."};
    for (size_t i = 0; i < PB_ARRAY_LEN(want); i++)
        if (!strstr(buf, want[i]))
            fail_msg("help lacks '%s':\n%s", want[i], buf);
    free(buf);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_opts_spellings),
    cmocka_unit_test(test_opts_refusals),
    cmocka_unit_test(test_opts_help),
};
const struct pb_test_group pb_group_opts = PB_GROUP("opts", tests);
