/* extprog: posix_spawn with a working directory, a process group and a deadline. */
#include "report/extprog.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double extprog_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double pb_extprog_timeout_s(double fallback)
{
    const char *e = getenv("PINBENCH_EXTERNAL_TIMEOUT_S");
    double v;
    if (e && pb_parse_double(e, 0.1, 86400, "PINBENCH_EXTERNAL_TIMEOUT_S", &v) == 0)
        return v;
    return fallback;
}

enum pb_extprog_end pb_extprog_run(const struct pb_extprog *sp, int *status, char *why, size_t len)
{
    *status = -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    if (sp->cwd_fd >= 0)
        posix_spawn_file_actions_addfchdir_np(&fa, sp->cwd_fd);
    if (sp->out_fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, sp->out_fd, STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, sp->out_fd, STDERR_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    /* its own process group: a terminal's Ctrl-C reaches pinbench, which decides; a timeout
     * kills the group. Default signal dispositions and an empty mask, whatever ours are. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    const char *prog = sp->argv[0];
    int rc = strchr(prog, '/') ? posix_spawn(&pid, prog, &fa, &at, (char *const *)sp->argv, environ)
                               : posix_spawnp(&pid, prog, &fa, &at, (char *const *)sp->argv,
                                              environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc != 0) {
        snprintf(why, len, "cannot run %s: %s", prog, strerror(rc));
        return PB_EXTPROG_FAILED_TO_START;
    }
    double deadline = sp->timeout_s > 0 ? extprog_now_s() + sp->timeout_s : 0;
    enum pb_extprog_end end = PB_EXTPROG_EXITED;
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(why, len, "waiting for %s: %s", prog, strerror(errno));
            return PB_EXTPROG_KILLED;
        }
        bool late = deadline > 0 && extprog_now_s() > deadline;
        bool stop = sp->stop && sp->stop();
        if (late || stop) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            end = late ? PB_EXTPROG_TIMED_OUT : PB_EXTPROG_STOPPED;
            break;
        }
        struct timespec tick = {0, 5 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    if (end == PB_EXTPROG_TIMED_OUT) {
        snprintf(why, len, "%s did not finish in %g s: killed", prog, sp->timeout_s);
        return end;
    }
    if (end == PB_EXTPROG_STOPPED) {
        snprintf(why, len, "%s was ended: the run is stopping", prog);
        return end;
    }
    if (WIFEXITED(st)) {
        *status = WEXITSTATUS(st);
        snprintf(why, len, "%s: exit status %d", prog, *status);
        return PB_EXTPROG_EXITED;
    }
    snprintf(why, len, "%s killed by signal %d", prog, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return PB_EXTPROG_KILLED;
}
