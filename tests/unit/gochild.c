/* gochild: the go family's protocol, parsed from answers captured from bench/go/main.go's child
 * (go1.19.8, this project's 2-CPU VM), and the child's life cycle driven with a fake child (a
 * shell script speaking the protocol), so no Go toolchain is needed. */
#include "../tests.h"

#include "gochild.h"
#include "util.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_hello(void **state)
{
    (void)state;
    struct pb_go_hello h;
    assert_int_equal(
        pb_go_parse_hello("hello go_version=go1.19.8 gomaxprocs=2 ncpu=2 threads=6", &h), 0);
    assert_string_equal(h.version, "go1.19.8");
    assert_int_equal(h.gomaxprocs, 2);
    assert_int_equal(h.ncpu, 2);
    assert_int_equal(h.threads, 6);
    assert_int_equal(pb_go_parse_hello("ok", &h), -1);
    assert_non_null(strstr(pb_err(), "did not greet"));
    assert_int_equal(pb_go_parse_hello("hello go_version=go1.19.8 gomaxprocs=2 ncpu=2", &h), -1);
    assert_non_null(strstr(pb_err(), "lacks one of"));
    assert_int_equal(pb_go_parse_hello("hello go_version=go1 gomaxprocs=0 ncpu=2 threads=1", &h),
                     -1);
    assert_int_equal(
        pb_go_parse_hello("hello go_version=go1 gomaxprocs=2 ncpu=2 threads=1 x=1", &h), -1);
    assert_non_null(strstr(pb_err(), "unknown or bad key"));
}

/* the answers of each kind of workload, as the child wrote them */
static void test_replies(void **state)
{
    (void)state;
    double lat[16];
    struct pb_go_reply r = {.lat_ns = lat, .cap_lat = 16};
    assert_int_equal(pb_go_parse_reply("ok ns=1131 threads=6 sigurg=0 counted=5", &r), 0);
    assert_near(r.ns, 1131, 0);
    assert_int_equal(r.threads, 6);
    assert_int_equal(r.sigurg, 0);
    assert_int_equal(r.counted, 5);
    assert_int_equal(r.new_threads, -1);
    assert_true(isnan(r.overhead_ns));
    assert_int_equal(r.n_lat, 0);

    assert_int_equal(
        pb_go_parse_reply("ok ns=538412 threads=7 sigurg=0 counted=4 new_threads=2", &r), 0);
    assert_int_equal(r.new_threads, 2);

    assert_int_equal(pb_go_parse_reply("ok ns=1001583 threads=9 sigurg=0 counted=8 lat_ns=17574,"
                                       "17163,416120,53752,203607,71276,28054,425478",
                                       &r),
                     0);
    assert_int_equal(r.n_lat, 8);
    assert_near(lat[0], 17574, 0);
    assert_near(lat[7], 425478, 0);

    assert_int_equal(
        pb_go_parse_reply("ok ns=13677 threads=6 sigurg=0 counted=16 overhead_ns=260986", &r), 0);
    assert_near(r.overhead_ns, 260986, 0);

    assert_int_equal(pb_go_parse_reply("ok ns=14957022 threads=5 sigurg=1 counted=1", &r), 0);
    assert_int_equal(r.sigurg, 1);
    assert_int_equal(r.n_lat, 0);
}

static void test_setup_answer(void **state)
{
    (void)state;
    int procs = 0;
    assert_int_equal(pb_go_parse_setup("ok gomaxprocs=1", &procs), 0);
    assert_int_equal(procs, 1);
    assert_int_equal(pb_go_parse_setup("ok", &procs), -1);
    assert_non_null(strstr(pb_err(), "not an answer to setup"));
    assert_int_equal(pb_go_parse_setup("ok gomaxprocs=0", &procs), -1);
    assert_int_equal(pb_go_parse_setup("err unknown workload \"x\"", &procs), -1);
    assert_non_null(strstr(pb_err(), "setup failed"));
}

/* end's answer: the late signals, and nothing else; resume's: a bare ok */
static void test_end_answer(void **state)
{
    (void)state;
    long late = -1;
    assert_int_equal(pb_go_parse_end("ok sigurg=0", &late), 0);
    assert_int_equal(late, 0);
    assert_int_equal(pb_go_parse_end("ok sigurg=17", &late), 0);
    assert_int_equal(late, 17);
    assert_int_equal(pb_go_parse_end("ok sigurg=-1", &late), -1);
    assert_int_equal(pb_go_parse_end("ok sigurg=3x", &late), -1);
    assert_int_equal(pb_go_parse_end("ok ns=5", &late), -1);
    assert_non_null(strstr(pb_err(), "not an answer to end"));
    assert_int_equal(pb_go_parse_end("err bad command \"end\"", &late), -1);
    assert_non_null(strstr(pb_err(), "failed to end the call"));
    assert_int_equal(pb_go_parse_ok("ok"), 0);
    assert_int_equal(pb_go_parse_ok("ok sigurg=1"), -1);
    assert_non_null(strstr(pb_err(), "not a plain ok"));
    assert_int_equal(pb_go_parse_ok("err needs GOMAXPROCS >= 2"), -1);
    assert_non_null(strstr(pb_err(), "GOMAXPROCS"));
}

/* every way an answer can be wrong is an error that says which */
static void test_bad_replies(void **state)
{
    (void)state;
    double lat[2];
    struct pb_go_reply r = {.lat_ns = lat, .cap_lat = 2};
    static const struct {
        const char *line, *why;
    } bad[] = {
        {"err unknown workload \"x\"", "the Go workload failed"},
        {"OK ns=1 threads=1 sigurg=0 counted=1", "not an answer"},
        {"ok threads=1 sigurg=0 counted=1", "lacks one of"},
        {"ok ns=1 threads=1 sigurg=0 counted=1 colour=red", "unknown key"},
        {"ok ns=1 ns=2 threads=1 sigurg=0 counted=1", "given twice"},
        {"ok ns=1x threads=1 sigurg=0 counted=1", "ns"},
        {"ok ns=-1 threads=1 sigurg=0 counted=1", "ns"},
        {"ok ns=1 threads=0 sigurg=0 counted=1", "below 1"},
        {"ok ns=1 threads=1 sigurg=0 counted", "has no value"},
        {"ok ns=1 threads=1 sigurg=0 counted=1 lat_ns=1,2,3", "more than 2 latencies"},
        {"ok ns=1 threads=1 sigurg=0 counted=1 lat_ns=", "lat_ns is empty"},
        {"ok ns=1 threads=1 sigurg=0 counted=1 lat_ns=1,,x", "lat_ns value"},
    };
    for (size_t i = 0; i < PB_ARRAY_LEN(bad); i++) {
        if (pb_go_parse_reply(bad[i].line, &r) != -1)
            fail_msg("accepted: %s", bad[i].line);
        if (!strstr(pb_err(), bad[i].why))
            fail_msg("%s: error '%s' does not say '%s'", bad[i].line, pb_err(), bad[i].why);
    }
}

/* A fake child: greets, answers `run N` with N operations, or misbehaves as told. */
static const char *fake_child(const char *dir, const char *name, const char *body)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

static void test_child_life(void **state)
{
    (void)state;
    char dir[] = "/tmp/pb-gochild-XXXXXX";
    assert_non_null(mkdtemp(dir));
    cpu_set_t cpus;
    assert_int_equal(sched_getaffinity(0, sizeof cpus, &cpus), 0);
    struct pb_go_child c;
    struct pb_go_hello h;
    char line[256];

    /* a good child: hello, one answer per command, exits 0 when its input closes; GODEBUG
     * reaches it */
    const char *good =
        fake_child(dir, "good",
                   "echo \"hello go_version=$GODEBUG gomaxprocs=2 ncpu=2 threads=3\"\n"
                   "while read cmd n; do echo \"ok ns=5 threads=3 sigurg=0 counted=$n\"; done");
    assert_int_equal(pb_go_start(&c, good, &cpus, "asyncpreemptoff=1", &h), 0);
    assert_string_equal(h.version, "asyncpreemptoff=1");
    assert_int_equal(pb_go_ask(&c, "run 7", line, sizeof line, 5), 0);
    assert_string_equal(line, "ok ns=5 threads=3 sigurg=0 counted=7");
    assert_int_equal(pb_go_stop(&c), 0);
    assert_int_equal(pb_go_stop(&c), 0); /* twice is harmless */

    /* dies before greeting: the error gives its exit status */
    const char *dies = fake_child(dir, "dies", "exit 3");
    assert_int_equal(pb_go_start(&c, dies, &cpus, NULL, &h), -1);
    assert_non_null(strstr(pb_err(), "exit status 3"));

    /* not executable at all */
    char missing[320];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(pb_go_start(&c, missing, &cpus, NULL, &h), -1);
    assert_non_null(strstr(pb_err(), "could not run the binary"));

    /* greets, then never answers: the ask times out; it ignores EOF, so stop kills it */
    const char *hangs = fake_child(
        dir, "hangs",
        "trap '' TERM; echo 'hello go_version=x gomaxprocs=1 ncpu=1 threads=1'; exec sleep 30");
    assert_int_equal(pb_go_start(&c, hangs, &cpus, NULL, &h), 0);
    assert_int_equal(pb_go_ask(&c, "run 1", line, sizeof line, 0.2), -1);
    assert_non_null(strstr(pb_err(), "did not answer 'run 1'"));
    assert_int_equal(pb_go_stop(&c), -1);
    assert_non_null(strstr(pb_err(), "killed"));

    /* the binary is looked up where PINBENCH_GO says, and refused when it is not there */
    char path[512];
    setenv("PINBENCH_GO", good, 1);
    assert_int_equal(pb_go_binary(path, sizeof path), 0);
    assert_string_equal(path, good);
    setenv("PINBENCH_GO", missing, 1);
    assert_int_equal(pb_go_binary(path, sizeof path), -1);
    assert_non_null(strstr(pb_err(), "PINBENCH_GO"));
    unsetenv("PINBENCH_GO");

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hello),        cmocka_unit_test(test_replies),
    cmocka_unit_test(test_setup_answer), cmocka_unit_test(test_end_answer),
    cmocka_unit_test(test_bad_replies),  cmocka_unit_test(test_child_life),
};
const struct pb_test_group pb_group_gochild = PB_GROUP("gochild", tests);
