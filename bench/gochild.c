/* gochild: starting, feeding and ending the go family's child, and parsing what it says. */
#include "gochild.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- parsing ---- */

/* The next "key=value" token of *s (spaces between tokens), NUL-terminated in place. */
static bool go_token(char **s, char **key, char **val)
{
    char *p = *s;
    while (*p == ' ')
        p++;
    if (!*p)
        return false;
    char *end = strchr(p, ' ');
    if (end)
        *end++ = '\0';
    *s = end ? end : p + strlen(p);
    char *eq = strchr(p, '=');
    *key = p;
    *val = eq ? eq + 1 : NULL;
    if (eq)
        *eq = '\0';
    return true;
}

static int go_long(const char *key, const char *val, long min, long *out)
{
    uint64_t v;
    if (pb_parse_u64(val, 0, LONG_MAX, key, &v) < 0)
        return -1;
    if ((long)v < min)
        return pb_errf("%s=%ld is below %ld", key, (long)v, min);
    *out = (long)v;
    return 0;
}

static int go_latencies(char *val, struct pb_go_reply *r)
{
    char *save = NULL;
    for (char *t = strtok_r(val, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (r->n_lat >= r->cap_lat)
            return pb_errf("more than %zu latencies in lat_ns", r->cap_lat);
        if (pb_parse_double(t, 0, 1e15, "a lat_ns value", &r->lat_ns[r->n_lat]) < 0)
            return -1;
        r->n_lat++;
    }
    return r->n_lat ? 0 : pb_errf("lat_ns is empty");
}

static int go_reply_key(char *key, char *val, struct pb_go_reply *r, unsigned *seen)
{
    static const char *const keys[] = {"ns",          "threads",     "sigurg", "counted",
                                       "new_threads", "overhead_ns", "lat_ns"};
    size_t k = 0;
    while (k < PB_ARRAY_LEN(keys) && strcmp(key, keys[k]))
        k++;
    if (k == PB_ARRAY_LEN(keys))
        return pb_errf("unknown key %s", pb_q(key));
    if (!val)
        return pb_errf("%s has no value", key);
    if (*seen & (1u << k))
        return pb_errf("%s given twice", key);
    *seen |= 1u << k;
    switch (k) {
    case 0:
        return pb_parse_double(val, 0, 1e18, "ns", &r->ns);
    case 1:
        return go_long(key, val, 1, &r->threads);
    case 2:
        return go_long(key, val, 0, &r->sigurg);
    case 3:
        return go_long(key, val, 0, &r->counted);
    case 4:
        return go_long(key, val, 0, &r->new_threads);
    case 5:
        return pb_parse_double(val, 0, 1e18, "overhead_ns", &r->overhead_ns);
    default:
        return go_latencies(val, r);
    }
}

/* The child's own refusal, "err MESSAGE": -1 with "the Go workload <failed>: MESSAGE", else 0
 * (the line is some other answer, for the caller to parse). */
static int go_refused(const char *line, const char *failed)
{
    if (strncmp(line, "err ", 4))
        return 0;
    return pb_errf("the Go workload %s: %s", failed, pb_q(line + 4));
}

int pb_go_parse_reply(const char *line, struct pb_go_reply *r)
{
    r->ns = r->overhead_ns = NAN;
    r->threads = r->sigurg = r->counted = r->new_threads = -1;
    r->n_lat = 0;
    if (go_refused(line, "failed") < 0)
        return -1;
    if (strncmp(line, "ok ", 3))
        return pb_errf("not an answer: %s", pb_q(line));
    char *copy = pb_xstrdup(line + 3), *s = copy, *key, *val;
    unsigned seen = 0;
    int rc = 0;
    while (rc == 0 && go_token(&s, &key, &val))
        rc = go_reply_key(key, val, r, &seen);
    free(copy);
    if (rc < 0)
        return pb_errf("answer %s: %s", pb_q(line), pb_err());
    if ((seen & 0xfu) != 0xfu)
        return pb_errf("answer %s lacks one of ns, threads, sigurg, counted", pb_q(line));
    return 0;
}

int pb_go_parse_end(const char *line, long *sigurg)
{
    if (go_refused(line, "failed to end the call") < 0)
        return -1;
    if (strncmp(line, "ok sigurg=", 10) || go_long("sigurg", line + 10, 0, sigurg) < 0)
        return pb_errf("not an answer to end: %s", pb_q(line));
    return 0;
}

int pb_go_parse_ok(const char *line)
{
    if (go_refused(line, "failed") < 0)
        return -1;
    if (strcmp(line, "ok"))
        return pb_errf("not a plain ok: %s", pb_q(line));
    return 0;
}

int pb_go_parse_setup(const char *line, int *gomaxprocs)
{
    long n = 0;
    if (go_refused(line, "setup failed") < 0)
        return -1;
    if (strncmp(line, "ok gomaxprocs=", 14) || go_long("gomaxprocs", line + 14, 1, &n) < 0 ||
        n > 1 << 20)
        return pb_errf("not an answer to setup: %s", pb_q(line));
    *gomaxprocs = (int)n;
    return 0;
}

int pb_go_parse_hello(const char *line, struct pb_go_hello *h)
{
    memset(h, 0, sizeof *h);
    if (strncmp(line, "hello ", 6))
        return pb_errf("the Go child did not greet: %s", pb_q(line));
    char *copy = pb_xstrdup(line + 6), *s = copy, *key, *val;
    unsigned seen = 0;
    int rc = 0;
    while (rc == 0 && go_token(&s, &key, &val)) {
        long n = 0;
        if (!val)
            rc = pb_errf("%s has no value", key);
        else if (!strcmp(key, "go_version") && strlen(val) < sizeof h->version && val[0])
            snprintf(h->version, sizeof h->version, "%s", val), seen |= 1;
        else if (!strcmp(key, "gomaxprocs") && (rc = go_long(key, val, 1, &n)) == 0)
            h->gomaxprocs = (int)n, seen |= 2;
        else if (!strcmp(key, "ncpu") && (rc = go_long(key, val, 1, &n)) == 0)
            h->ncpu = (int)n, seen |= 4;
        else if (!strcmp(key, "threads") && (rc = go_long(key, val, 1, &h->threads)) == 0)
            seen |= 8;
        else if (rc == 0)
            rc = pb_errf("unknown or bad key %s", pb_q(key));
    }
    free(copy);
    if (rc < 0)
        return pb_errf("hello %s: %s", pb_q(line), pb_err());
    if (seen != 0xf)
        return pb_errf("hello %s lacks one of go_version, gomaxprocs, ncpu, threads", pb_q(line));
    return 0;
}

/* ---- the binary ---- */

static bool go_executable(const char *p)
{
    return access(p, X_OK) == 0;
}

int pb_go_binary(char *path, size_t len)
{
    const char *env = getenv("PINBENCH_GO");
    if (env) {
        if (!env[0] || !go_executable(env))
            return pb_errf("PINBENCH_GO=%s is not an executable Go workload binary", pb_q(env));
        snprintf(path, len, "%s", env);
        return 0;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return pb_errf("cannot find pinbench's own path (/proc/self/exe): %s", strerror(errno));
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(path, len, "%s/go/pbgo", self);
    if (go_executable(path))
        return 0;
    slash = strrchr(self, '/');
    if (slash) {
        *slash = '\0';
        snprintf(path, len, "%s/go/pbgo", self);
        if (go_executable(path))
            return 0;
    }
    return pb_errf("no Go toolchain when pinbench was built (no go/pbgo beside it): install "
                   "golang-go with 'make deps-go' (or scripts/deps.sh go), then 'make'");
}

/* ---- the child ---- */

/* The environment for the child: ours, with GODEBUG replaced when `godebug` is set. Built
 * before fork: nothing after it may allocate. */
static char **go_environ(const char *godebug, char **own)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = pb_xcalloc(n + 2, sizeof *env, "the Go child's environment");
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!godebug || strncmp(environ[i], "GODEBUG=", 8))
            env[k++] = environ[i];
    *own = godebug ? pb_xasprintf("GODEBUG=%s", godebug) : NULL;
    if (*own)
        env[k++] = *own;
    return env;
}

int pb_go_start(struct pb_go_child *c, const char *path, const cpu_set_t *cpus, const char *godebug,
                struct pb_go_hello *hello)
{
    memset(c, 0, sizeof *c);
    c->pid = -1;
    c->fd = -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return pb_errf("socketpair for the Go child: %s", strerror(errno));
    char *own;
    char **env = go_environ(godebug, &own);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        free(env);
        free(own);
        return pb_errf("fork for the Go child: %s", strerror(e));
    }
    if (pid == 0) { /* only async-signal-safe calls until exec */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the runtime needs SIGURG, among others */
        setpgid(0, 0);
        if (dup2(sv[1], 0) < 0 || dup2(sv[1], 1) < 0 || sched_setaffinity(0, sizeof *cpus, cpus))
            _exit(126);
        char *const argv[] = {(char *)"pbgo", (char *)"serve", NULL};
        execve(path, argv, env);
        _exit(127);
    }
    free(env);
    free(own);
    close(sv[1]);
    c->pid = pid;
    c->fd = sv[0];
    char line[512];
    if (pb_go_ask(c, NULL, line, sizeof line, 30) < 0 || pb_go_parse_hello(line, hello) < 0) {
        char why[300];
        snprintf(why, sizeof why, "%s", pb_err());
        pb_go_stop(c);
        return pb_errf("starting %s: %s", path, why);
    }
    return 0;
}

static int go_send(struct pb_go_child *c, const char *cmd)
{
    size_t len = strlen(cmd), off = 0;
    char nl = '\n';
    while (off <= len) {
        const char *p = off < len ? cmd + off : &nl;
        size_t n = off < len ? len - off : 1;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return pb_errf("writing to the Go child: %s", w < 0 ? strerror(errno) : "closed");
        off += (size_t)w;
    }
    return 0;
}

static double go_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Exit status of a child that closed its end, for the error message. */
static const char *go_died(struct pb_go_child *c, char *buf, size_t len)
{
    int st;
    pid_t w = waitpid(c->pid, &st, 0);
    if (w == c->pid) {
        c->pid = -1;
        if (WIFSIGNALED(st))
            snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
        else
            snprintf(buf, len, "exit status %d%s", WEXITSTATUS(st),
                     WEXITSTATUS(st) == 127 ? " (could not run the binary)" : "");
    } else {
        snprintf(buf, len, "closed its output");
    }
    return buf;
}

int pb_go_ask(struct pb_go_child *c, const char *cmd, char *line, size_t len, double timeout_s)
{
    if (cmd && go_send(c, cmd) < 0)
        return -1;
    double deadline = go_now_s() + timeout_s;
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->have);
        if (nl) {
            size_t n = (size_t)(nl - c->buf);
            if (n >= len)
                return pb_errf("the Go child's answer is longer than %zu bytes", len - 1);
            memcpy(line, c->buf, n);
            line[n] = '\0';
            c->have -= n + 1;
            memmove(c->buf, nl + 1, c->have);
            return 0;
        }
        if (c->have == sizeof c->buf)
            return pb_errf("the Go child sent %zu bytes without a newline", c->have);
        double left = deadline - go_now_s();
        if (left <= 0)
            return pb_errf("the Go child did not answer %s within %.0f s",
                           cmd ? pb_q(cmd) : "at start", timeout_s);
        struct pollfd p = {c->fd, POLLIN, 0};
        int pr = poll(&p, 1, (int)ceil(left * 1000));
        if (pr < 0 && errno != EINTR)
            return pb_errf("waiting for the Go child: %s", strerror(errno));
        if (pr <= 0)
            continue;
        ssize_t r = read(c->fd, c->buf + c->have, sizeof c->buf - c->have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            char why[64];
            return pb_errf("the Go child ended before answering %s: %s",
                           cmd ? pb_q(cmd) : "at start", go_died(c, why, sizeof why));
        }
        c->have += (size_t)r;
    }
}

int pb_go_stop(struct pb_go_child *c)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c->pid <= 0)
        return 0;
    int st = 0;
    double deadline = go_now_s() + 2;
    pid_t w;
    while ((w = waitpid(c->pid, &st, WNOHANG)) == 0 && go_now_s() < deadline) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    pid_t pid = c->pid;
    c->pid = -1;
    if (w == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return pb_errf("the Go child did not exit within 2 s of its input closing: killed");
    }
    if (w < 0)
        return pb_errf("waiting for the Go child: %s", strerror(errno));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return pb_errf("the Go child ended with %s %d", WIFEXITED(st) ? "status" : "signal",
                       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    return 0;
}
