/* results: atomic run folders. */
#include "results/results.h"

#include "results/json.h"
#include "results/safeio.h"
#include "results/sha256.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int pb_results_check_label(const char *label)
{
    size_t n = strlen(label);
    if (n == 0 || n > 64)
        return pb_errf("--label: '%s' must be 1..64 characters", label);
    for (size_t i = 0; i < n; i++) {
        char c = label[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return pb_errf("--label: '%s' may only hold letters, digits, '.', '_' and '-'", label);
    }
    if (label[0] == '.')
        return pb_errf("--label: '%s' must not start with '.'", label);
    return 0;
}

int pb_mkdir_p(const char *path)
{
    char *buf = pb_xstrdup(path);
    int rc = 0;
    for (char *p = buf + 1; *p && rc == 0; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            rc = pb_errf("cannot create %s: %s", pb_q(buf), strerror(errno));
        *p = '/';
    }
    if (rc == 0 && mkdir(buf, 0777) != 0 && errno != EEXIST)
        rc = pb_errf("cannot create %s: %s", pb_q(buf), strerror(errno));
    struct stat st;
    if (rc == 0 && (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = pb_errf("%s exists and is not a directory", pb_q(buf));
    free(buf);
    return rc;
}

void pb_results_host_component(const char *host, char *out, size_t len)
{
    size_t n = 0;
    for (const char *c = host; *c && n + 1 < len && n < 64; c++) {
        bool safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        out[n++] = safe ? *c : '_';
    }
    out[n] = '\0';
    if (n && out[0] == '.')
        out[0] = '_';
    /* "(none)" is what an unset host name reads as; it would become "_none_" */
    if (!n || !strcmp(host, "(none)"))
        snprintf(out, len, "unknown-host");
}

bool pb_results_is_temporary(const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && dir[b - 1] != '/')
        b--;
    return n - b >= 5 && !strncmp(dir + b, ".tmp-", 5);
}

static int results_fsync_at(int dirfd, const char *sub)
{
    int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int pb_results_begin(struct pb_results *res, const char *root, const char *host, const char *label)
{
    memset(res, 0, sizeof *res);
    res->tmp_fd = res->dir_fd = -1;
    if (strlen(root) > PB_RESULTS_ROOT_MAX)
        return pb_errf("results folder: the path is %zu bytes, longer than the %d accepted",
                       strlen(root), PB_RESULTS_ROOT_MAX);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(res->stamp, sizeof res->stamp, "%Y%m%dT%H%M%SZ", &tm);
    char hc[80];
    pb_results_host_component(host, hc, sizeof hc);
    res->root = pb_xstrdup(root);
    res->dir = pb_xasprintf("%s/%s", root, hc);
    res->name = label && *label ? pb_xasprintf("%s-%s", res->stamp, label) : pb_xstrdup(res->stamp);
    static unsigned seq; /* several folders begun by one process in one second stay apart */
    char *leaf = pb_xasprintf(".tmp-%s-%ld-%u", res->name, (long)getpid(), seq++);
    res->tmp = pb_xasprintf("%s/%s", res->dir, leaf);
    int rc = 0;
    if (pb_mkdir_p(res->dir) < 0)
        rc = pb_errf("results folder: %s", pb_err());
    else if ((res->dir_fd = pb_open_dir(-1, res->dir)) < 0)
        rc = pb_errf("results folder: %s", pb_err());
    else if (mkdirat(res->dir_fd, leaf, 0777) != 0)
        rc = pb_errf("results folder: cannot create %s: %s", pb_q(res->tmp), strerror(errno));
    else if ((res->tmp_fd = pb_open_dir(res->dir_fd, leaf)) < 0)
        rc = pb_errf("results folder: %s", pb_err());
    else if (mkdirat(res->tmp_fd, "hist", 0777) != 0 || mkdirat(res->tmp_fd, "plots", 0777) != 0)
        rc = pb_errf("results folder: cannot create its subfolders in %s: %s", pb_q(res->tmp),
                     strerror(errno));
    free(leaf);
    if (rc < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", pb_err());
        pb_results_abort(res);
        return pb_errf("%s", why);
    }
    return 0;
}

char *pb_results_path(const struct pb_results *res, const char *relpath)
{
    return pb_xasprintf("%s/%s", res->tmp, relpath);
}

FILE *pb_results_open(struct pb_results *res, const char *relpath)
{
    const char *slash = strrchr(relpath, '/');
    int fd = res->tmp_fd;
    bool sub = slash != NULL;
    if (sub) {
        char d[256];
        snprintf(d, sizeof d, "%.*s", (int)(slash - relpath), relpath);
        if ((fd = pb_open_dir(res->tmp_fd, d)) < 0)
            return NULL;
    }
    FILE *f = pb_create_file(fd, sub ? slash + 1 : relpath, relpath);
    if (sub)
        close(fd);
    return f;
}

int pb_results_close(FILE *f, const char *relpath)
{
    int rc = 0, e = 0;
    if (fflush(f) != 0 || ferror(f))
        rc = -1, e = errno;
    else if (fsync(fileno(f)) != 0)
        rc = -1, e = errno;
    if (fclose(f) != 0 && rc == 0)
        rc = -1, e = errno;
    if (rc < 0)
        return pb_errf("writing %s failed: %s", relpath, strerror(e ? e : EIO));
    return 0;
}

/* Moves tmp to `final` without ever replacing an existing folder. 0, or -1 with errno (EEXIST
 * when the name is taken). */
static int results_rename_noreplace(int dir_fd, const char *tmp, const char *final)
{
    /* tests force the path a filesystem without the flag takes, and a rename that fails */
    if (getenv("PINBENCH_TEST_RENAME_EIO")) {
        errno = EIO;
        return -1;
    }
    if (!getenv("PINBENCH_TEST_NO_RENAME_NOREPLACE")) {
        if (renameat2(dir_fd, tmp, dir_fd, final, RENAME_NOREPLACE) == 0)
            return 0;
        if (errno != EINVAL && errno != ENOSYS)
            return -1;
    }
    /* No RENAME_NOREPLACE here. mkdir fails with EEXIST if the name exists, so an empty folder
     * under the final name is ours alone; a plain rename of a folder replaces only an empty
     * folder, and this one stays empty because nobody else created it. */
    if (mkdirat(dir_fd, final, 0777) != 0)
        return -1;
    if (renameat(dir_fd, tmp, dir_fd, final) != 0) {
        int e = errno;
        unlinkat(dir_fd, final, AT_REMOVEDIR);
        errno = e;
        return -1;
    }
    return 0;
}

int pb_results_finish(struct pb_results *res)
{
    results_fsync_at(res->tmp_fd, "hist");
    results_fsync_at(res->tmp_fd, "plots");
    fsync(res->tmp_fd);
    const char *leaf = strrchr(res->tmp, '/') + 1;
    for (int k = 1; k < 100; k++) {
        char *fin = k == 1 ? pb_xstrdup(res->name) : pb_xasprintf("%s-%d", res->name, k);
        if (results_rename_noreplace(res->dir_fd, leaf, fin) == 0) {
            fsync(res->dir_fd);
            res->final = pb_xasprintf("%s/%s", res->dir, fin);
            free(fin);
            return 0;
        }
        int e = errno;
        free(fin);
        if (e != EEXIST && e != ENOTEMPTY)
            return pb_errf("cannot rename %s to its final name: %s", pb_q(res->tmp), strerror(e));
    }
    return pb_errf("cannot find a free name for %s/%s", pb_q(res->dir), res->name);
}

/* Removes everything below dirfd's entry `name`, without following links. */
static void results_rm_rf_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                struct stat st;
                if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                    results_rm_rf_at(fd, e->d_name);
                else
                    unlinkat(fd, e->d_name, 0);
            }
            closedir(d); /* closes fd */
        } else {
            close(fd);
        }
    }
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

void pb_results_free(struct pb_results *res)
{
    if (res->tmp_fd >= 0)
        close(res->tmp_fd);
    if (res->dir_fd >= 0)
        close(res->dir_fd);
    free(res->root);
    free(res->dir);
    free(res->tmp);
    free(res->name);
    free(res->final);
    memset(res, 0, sizeof *res);
    res->tmp_fd = res->dir_fd = -1;
}

void pb_results_abort(struct pb_results *res)
{
    if (res->tmp && !res->final && res->dir_fd >= 0)
        results_rm_rf_at(res->dir_fd, strrchr(res->tmp, '/') + 1);
    pb_results_free(res);
}

static int results_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool results_in_manifest(const char *rel)
{
    size_t l = strlen(rel);
    return strcmp(rel, "run.json") && strcmp(rel, "summary.json") && strcmp(rel, "report.md") &&
           strcmp(rel, "index.html") && !(l > 4 && !strcmp(rel + l - 4, ".tmp")) && rel[0] != '.';
}

char **pb_results_manifest_files(int dir_fd, size_t *n)
{
    static const char *const subs[] = {"", "hist"};
    char **out = NULL;
    size_t cap = 0;
    *n = 0;
    int top = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (top < 0) {
        pb_errf("cannot list the results folder: %s", strerror(errno));
        return NULL;
    }
    for (size_t k = 0; k < PB_ARRAY_LEN(subs); k++) {
        /* links are never followed: a folder's hist/ that is a link is not part of it */
        int fd = k == 0 ? fcntl(top, F_DUPFD_CLOEXEC, 0) : pb_open_dir(top, subs[k]);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            struct stat st;
            if (e->d_name[0] == '.' || fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !S_ISREG(st.st_mode))
                continue;
            char *rel = k ? pb_xasprintf("%s/%s", subs[k], e->d_name) : pb_xstrdup(e->d_name);
            if (!results_in_manifest(rel)) {
                free(rel);
                continue;
            }
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                out = pb_xrealloc(out, cap * sizeof *out, "manifest paths");
            }
            out[(*n)++] = rel;
        }
        closedir(d);
    }
    close(top);
    if (*n)
        qsort(out, *n, sizeof *out, results_cmp_str);
    if (!out)
        out = pb_xcalloc(1, sizeof *out, "manifest paths");
    return out;
}

int pb_results_manifest_json(struct pb_jw *w, int dir_fd)
{
    size_t n;
    char **files = pb_results_manifest_files(dir_fd, &n);
    if (!files)
        return -1;
    int rc = 0;
    pb_jw_obj_begin(w, "manifest");
    pb_jw_str(w, "algorithm", "sha256");
    pb_jw_arr_begin(w, "files");
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        uint64_t bytes;
        if (rc == 0 && pb_sha256_file_at(dir_fd, files[i], hex, &bytes) < 0)
            rc = -1;
        if (rc == 0) {
            pb_jw_obj_begin(w, NULL);
            pb_jw_str(w, "path", files[i]);
            pb_jw_int(w, "bytes", (long long)bytes);
            pb_jw_str(w, "sha256", hex);
            pb_jw_obj_end(w);
        }
        free(files[i]);
    }
    free(files);
    pb_jw_arr_end(w);
    pb_jw_obj_end(w);
    return rc;
}
