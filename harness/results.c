/* results: atomic run folders. */
#include "results.h"

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
    char buf[1536];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return pb_errf("cannot create %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return pb_errf("cannot create %s: %s", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return pb_errf("%s exists and is not a directory", buf);
    return 0;
}

static int results_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int pb_results_begin(struct pb_results *res, const char *root, const char *host, const char *label)
{
    memset(res, 0, sizeof *res);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(res->stamp, sizeof res->stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(res->root, sizeof res->root, "%s", root);
    snprintf(res->dir, sizeof res->dir, "%s/%s", root, host);
    if (label && *label)
        snprintf(res->name, sizeof res->name, "%s-%s", res->stamp, label);
    else
        snprintf(res->name, sizeof res->name, "%s", res->stamp);
    if (pb_mkdir_p(res->dir) < 0)
        return pb_errf("results folder: %s", pb_err());
    static unsigned seq; /* several folders begun by one process in one second stay apart */
    snprintf(res->tmp, sizeof res->tmp, "%s/.tmp-%s-%ld-%u", res->dir, res->name, (long)getpid(),
             seq++);
    if (mkdir(res->tmp, 0777) != 0)
        return pb_errf("results folder: cannot create %s: %s", res->tmp, strerror(errno));
    char sub[1700];
    snprintf(sub, sizeof sub, "%s/hist", res->tmp);
    if (mkdir(sub, 0777) != 0) {
        int e = errno;
        pb_results_abort(res);
        return pb_errf("results folder: cannot create %s: %s", sub, strerror(e));
    }
    snprintf(sub, sizeof sub, "%s/plots", res->tmp);
    if (mkdir(sub, 0777) != 0) {
        int e = errno;
        pb_results_abort(res);
        return pb_errf("results folder: cannot create %s: %s", sub, strerror(e));
    }
    return 0;
}

const char *pb_results_path(const struct pb_results *res, const char *relpath, char *buf,
                            size_t len)
{
    snprintf(buf, len, "%s/%s", res->tmp, relpath);
    return buf;
}

FILE *pb_results_open(struct pb_results *res, const char *relpath)
{
    char path[2048];
    pb_results_path(res, relpath, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f)
        pb_errf("cannot write %s: %s", path, strerror(errno));
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

int pb_results_finish(struct pb_results *res)
{
    char sub[1700];
    snprintf(sub, sizeof sub, "%s/hist", res->tmp);
    results_fsync_dir(sub);
    snprintf(sub, sizeof sub, "%s/plots", res->tmp);
    results_fsync_dir(sub);
    results_fsync_dir(res->tmp);
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(res->final, sizeof res->final, "%s/%s", res->dir, res->name);
        else
            snprintf(res->final, sizeof res->final, "%s/%s-%d", res->dir, res->name, k);
        if (renameat2(AT_FDCWD, res->tmp, AT_FDCWD, res->final, RENAME_NOREPLACE) == 0) {
            results_fsync_dir(res->dir);
            return 0;
        }
        if (errno != EEXIST && errno != ENOTEMPTY)
            return pb_errf("cannot rename %s to %s: %s", res->tmp, res->final, strerror(errno));
    }
    return pb_errf("cannot find a free name for %s/%s", res->dir, res->name);
}

static void results_rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char child[2048];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
                results_rm_rf(child);
            else
                unlink(child);
        }
        closedir(d);
    }
    rmdir(path);
}

void pb_results_abort(struct pb_results *res)
{
    if (res->tmp[0])
        results_rm_rf(res->tmp);
}

static int results_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool results_in_manifest(const char *rel)
{
    size_t l = strlen(rel);
    return strcmp(rel, "summary.json") && strcmp(rel, "report.md") && strcmp(rel, "index.html") &&
           !(l > 4 && !strcmp(rel + l - 4, ".tmp")) && rel[0] != '.';
}

char **pb_results_manifest_files(const char *dir, size_t *n)
{
    static const char *const subs[] = {"", "hist/", "plots/"};
    char **out = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t k = 0; k < PB_ARRAY_LEN(subs); k++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, subs[k]);
        DIR *d = opendir(p);
        if (!d) {
            if (k == 0) {
                pb_errf("cannot list %s: %s", dir, strerror(errno));
                free(out);
                return NULL;
            }
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            char rel[512], full[4700];
            snprintf(rel, sizeof rel, "%s%s", subs[k], e->d_name);
            snprintf(full, sizeof full, "%s/%s", dir, rel);
            struct stat st;
            if (e->d_name[0] == '.' || stat(full, &st) != 0 || !S_ISREG(st.st_mode) ||
                !results_in_manifest(rel))
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                out = pb_xrealloc(out, cap * sizeof *out, "manifest paths");
            }
            out[(*n)++] = pb_xstrdup(rel);
        }
        closedir(d);
    }
    if (*n)
        qsort(out, *n, sizeof *out, results_cmp_str);
    if (!out)
        out = pb_xcalloc(1, sizeof *out, "manifest paths");
    return out;
}
