/* safeio: bounded, link-free reads and exclusive writes. */
#include "results/safeio.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *safeio_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
           : S_ISLNK(m)  ? "a symbolic link"
                         : "not a regular file";
}

/* Walks `path` below dirfd one component at a time, each opened with O_NOFOLLOW; returns the
 * descriptor of the last component's folder in *parent (to close) and the last component. */
static int safeio_walk(int dirfd, const char *path, int *parent, const char **leaf)
{
    if (!*path || path[0] == '/')
        return pb_errf("%s: not a path inside the folder", pb_q(path));
    int fd = dup(dirfd);
    if (fd < 0)
        return pb_errf("%s: %s", pb_q(path), strerror(errno));
    const char *p = path;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
            n > 255) {
            close(fd);
            return pb_errf("%s: not a path inside the folder", pb_q(path));
        }
        if (!slash) {
            *parent = fd;
            *leaf = p;
            return 0;
        }
        char comp[256];
        memcpy(comp, p, n);
        comp[n] = '\0';
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        if (next < 0)
            return pb_errf("%s: %s", pb_q(path),
                           e == ELOOP || e == ENOTDIR ? "a component is not a directory (a link?)"
                                                      : strerror(e));
        fd = next;
        p = slash + 1;
    }
}

int pb_open_data(int dirfd, const char *path, uint64_t max_bytes, uint64_t *size)
{
    /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever */
    int flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    int fd;
    if (dirfd >= 0) {
        int parent;
        const char *leaf;
        if (safeio_walk(dirfd, path, &parent, &leaf) < 0)
            return -1;
        fd = openat(parent, leaf, flags | O_NOFOLLOW);
        int e = errno;
        close(parent);
        if (fd < 0)
            return pb_errf("%s: %s", pb_q(path),
                           e == ELOOP ? "a symbolic link (not read: files are read only inside "
                                        "their folder)"
                                      : strerror(e));
    } else if ((fd = open(path, flags)) < 0) {
        return pb_errf("%s: %s", pb_q(path), strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pb_errf("%s: %s", pb_q(path), strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pb_errf("%s: %s, not a regular file", pb_q(path), safeio_kind(st.st_mode));
    }
    if ((uint64_t)st.st_size > max_bytes) {
        close(fd);
        return pb_errf("%s: %llu bytes, larger than the %llu MiB a reader accepts", pb_q(path),
                       (unsigned long long)st.st_size, (unsigned long long)(max_bytes >> 20));
    }
    /* reads of a regular file never block; clear the flag so the reads are plain */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (size)
        *size = (uint64_t)st.st_size;
    return fd;
}

int pb_read_data(int dirfd, const char *path, uint64_t max_bytes, char **buf, size_t *len)
{
    uint64_t size;
    int fd = pb_open_data(dirfd, path, max_bytes, &size);
    if (fd < 0)
        return -1;
    /* the size is a hint (a file can grow while read): read up to the bound, not past it */
    size_t cap = (size_t)size + 1, n = 0;
    char *b = pb_xcalloc(cap + 1, 1, "a file's content");
    for (;;) {
        if (n == cap) {
            if (cap > max_bytes) {
                free(b);
                close(fd);
                return pb_errf("%s: grew past %llu MiB while being read", pb_q(path),
                               (unsigned long long)(max_bytes >> 20));
            }
            cap = cap * 2;
            b = pb_xrealloc(b, cap + 1, "a file's content");
        }
        ssize_t got = read(fd, b + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(b);
            close(fd);
            return pb_errf("%s: read error: %s", pb_q(path), strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int pb_open_dir(int dirfd, const char *path)
{
    int fd;
    if (dirfd < 0) {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return pb_errf("%s: %s", pb_q(path),
                           errno == ENOTDIR ? "not a directory" : strerror(errno));
        return fd;
    }
    int parent;
    const char *leaf;
    if (safeio_walk(dirfd, path, &parent, &leaf) < 0)
        return -1;
    fd = openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(parent);
    if (fd < 0)
        return pb_errf("%s: %s", pb_q(path),
                       e == ELOOP || e == ENOTDIR ? "not a directory (a link?)" : strerror(e));
    return fd;
}

FILE *pb_create_file(int dirfd, const char *name, const char *shown)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        pb_errf("cannot create %s: %s", shown, strerror(errno));
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        pb_errf("cannot create %s: %s", shown, strerror(errno));
        close(fd);
    }
    return f;
}

int pb_replace_open_at(struct pb_replace *r, int dirfd, const char *name, const char *shown)
{
    memset(r, 0, sizeof *r);
    r->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (r->dirfd < 0)
        return pb_errf("cannot write %s: %s", shown, strerror(errno));
    r->name = pb_xstrdup(name);
    r->tmp = pb_xasprintf("%s.tmp", name);
    r->shown = pb_xstrdup(shown);
    /* a stale temporary, or a link planted under its name: removed (unlinkat removes a link
     * itself, never its target), then created exclusively */
    unlinkat(r->dirfd, r->tmp, 0);
    if (!(r->f = pb_create_file(r->dirfd, r->tmp, shown))) {
        char why[512];
        snprintf(why, sizeof why, "%s", pb_err());
        pb_replace_abort(r);
        return pb_errf("%s", why);
    }
    return 0;
}

int pb_replace_open(struct pb_replace *r, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? pb_xasprintf("%.*s", (int)(slash - path + (slash == path)), path)
                      : pb_xstrdup(".");
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        free(dir);
        memset(r, 0, sizeof *r);
        r->dirfd = -1;
        return pb_errf("%s: not a file name", pb_q(path));
    }
    int fd = pb_open_dir(-1, dir);
    free(dir);
    if (fd < 0) {
        memset(r, 0, sizeof *r);
        r->dirfd = -1;
        return pb_errf("cannot write %s: its folder: %s", pb_q(path), pb_err());
    }
    struct stat st;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        memset(r, 0, sizeof *r);
        r->dirfd = -1;
        return pb_errf("cannot write %s: a directory", pb_q(path));
    }
    int rc = pb_replace_open_at(r, fd, name, path);
    close(fd);
    return rc;
}

int pb_replace_commit(struct pb_replace *r)
{
    int e = 0;
    if (fflush(r->f) != 0 || ferror(r->f))
        e = errno ? errno : EIO;
    else if (fsync(fileno(r->f)) != 0 && errno != EINVAL)
        e = errno;
    if (fclose(r->f) != 0 && !e)
        e = errno ? errno : EIO;
    r->f = NULL;
    if (!e && renameat(r->dirfd, r->tmp, r->dirfd, r->name) != 0)
        e = errno;
    if (e) {
        char shown[300];
        snprintf(shown, sizeof shown, "%s", pb_q(r->shown));
        pb_replace_abort(r);
        return pb_errf("writing %s failed: %s", shown, strerror(e));
    }
    fsync(r->dirfd);
    free(r->tmp);
    r->tmp = NULL; /* published: nothing for abort to remove */
    pb_replace_abort(r);
    return 0;
}

void pb_replace_abort(struct pb_replace *r)
{
    if (r->f)
        fclose(r->f);
    if (r->dirfd >= 0 && r->tmp)
        unlinkat(r->dirfd, r->tmp, 0);
    if (r->dirfd >= 0)
        close(r->dirfd);
    free(r->name);
    free(r->tmp);
    free(r->shown);
    memset(r, 0, sizeof *r);
    r->dirfd = -1;
}
