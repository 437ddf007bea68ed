/* plot: gnuplot -c with arguments, in the data's folder, under a deadline. */
#include "report/plot.h"

#include "results/safeio.h"
#include "report/extprog.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *pb_plot_scripts_dir(void)
{
    const char *e = getenv("PINBENCH_SCRIPTS");
    if (e && *e)
        return pb_xstrdup(e);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return pb_xstrdup("scripts");
    exe[n] = '\0';
    char *d = dirname(exe);
    for (int up = 0; up < 3; up++) {
        char *probe = pb_xasprintf("%s/scripts/family.gp", d);
        bool ok = access(probe, R_OK) == 0;
        free(probe);
        if (ok)
            return pb_xasprintf("%s/scripts", d);
        d = dirname(d);
    }
    return pb_xstrdup("scripts");
}

static bool plot_has_suffix(const char *name, const char *suf)
{
    size_t n = strlen(name), s = strlen(suf);
    return n > s && !strcmp(name + n - s, suf);
}

bool pb_plot_file_complete(int dir_fd, const char *name)
{
    bool png = plot_has_suffix(name, ".png");
    uint64_t size;
    int fd = pb_open_data(dir_fd, name, (uint64_t)1 << 30, &size);
    if (fd < 0)
        return false;
    unsigned char head[8] = {0}, tail[64] = {0};
    size_t tn = size < sizeof tail ? (size_t)size : sizeof tail;
    bool ok = size >= 20 && pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
              pread(fd, tail, tn, (off_t)(size - tn)) == (ssize_t)tn;
    close(fd);
    if (!ok)
        return false;
    if (png) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        static const unsigned char iend[12] = {0,   0,   0,   0,    'I',  'E',
                                               'N', 'D', 0xae, 0x42, 0x60, 0x82};
        return !memcmp(head, sig, sizeof sig) && !memcmp(tail + tn - 12, iend, sizeof iend);
    }
    /* SVG: gnuplot closes the document with </svg> and a newline */
    char t[65];
    memcpy(t, tail, tn);
    t[tn] = '\0';
    return memchr(head, '<', sizeof head) && strstr(t, "</svg>") != NULL;
}

/* Checks (or, with drop_all, removes) the pictures named prefix.*.{svg,png} in dir_fd. */
static int plot_sweep(int dir_fd, const char *prefix, bool drop_all, size_t *dropped)
{
    int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    size_t pl = strlen(prefix);
    int kept = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, prefix, pl) || (nm[pl] != '.' && nm[pl] != '\0') ||
            !(plot_has_suffix(nm, ".svg") || plot_has_suffix(nm, ".png")))
            continue;
        if (!drop_all && pb_plot_file_complete(dir_fd, nm)) {
            kept++;
            continue;
        }
        unlinkat(dir_fd, nm, 0);
        (*dropped)++;
    }
    closedir(d);
    return kept;
}

int pb_plot_run(int dir_fd, const char *script, const char *const *args, size_t n_args,
                const char *prefix, const char *log_name, bool (*stop)(void))
{
    PB_CHECK(n_args <= PB_PLOT_MAX_ARGS);
    char *scripts = pb_plot_scripts_dir();
    char *path = pb_xasprintf("%s/%s", scripts, script);
    free(scripts);
    /* gnuplot resolves a relative script path against its working directory, which is the
     * data's folder: make it absolute */
    char *abs = path[0] == '/' ? pb_xstrdup(path) : NULL;
    if (!abs) {
        char cwd[4096];
        abs = getcwd(cwd, sizeof cwd) ? pb_xasprintf("%s/%s", cwd, path) : pb_xstrdup(path);
    }
    free(path);
    const char *argv[PB_PLOT_MAX_ARGS + 4];
    size_t k = 0;
    argv[k++] = "gnuplot";
    argv[k++] = "-c";
    argv[k++] = abs;
    for (size_t i = 0; i < n_args; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    unlinkat(dir_fd, log_name, 0); /* an earlier report's log would otherwise stay, stale */
    int log_fd = openat(dir_fd, log_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0644);
    struct pb_extprog sp = {argv, dir_fd, log_fd, pb_extprog_timeout_s(PB_PLOT_TIMEOUT_S), stop};
    int status;
    char why[300];
    enum pb_extprog_end end = pb_extprog_run(&sp, &status, why, sizeof why);
    free(abs);
    if (log_fd >= 0)
        close(log_fd);
    size_t dropped = 0;
    bool clean = end == PB_EXTPROG_EXITED && status == 0;
    int kept = plot_sweep(dir_fd, prefix, !clean, &dropped);
    if (!clean) {
        if (end == PB_EXTPROG_FAILED_TO_START)
            unlinkat(dir_fd, log_name, 0);
        return pb_errf("%s%s", why,
                       end == PB_EXTPROG_FAILED_TO_START ? "" : " (its log is kept beside the data)");
    }
    struct stat st;
    if (fstatat(dir_fd, log_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size == 0)
        unlinkat(dir_fd, log_name, 0); /* an empty log of a clean run is noise */
    if (dropped)
        return pb_errf("gnuplot exited cleanly but left %zu incomplete picture(s), removed",
                       dropped);
    return kept;
}
