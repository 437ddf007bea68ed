/* safeio: files read as data and written without trusting what is already there.
 *
 * A results folder may come from another box, a CI artifact or a shared directory: anything in
 * it may be a symbolic link, a FIFO, a device or a sparse file of any size. Readers therefore
 * open files only as regular files of bounded size, below their folder's descriptor, without
 * following a link in any component and without blocking on a FIFO. Writers create files with
 * O_EXCL | O_NOFOLLOW, and replace an existing file by writing a fresh temporary beside it and
 * renaming it over the old name (a rename replaces a link; it never writes through one). */
#ifndef PB_SAFEIO_H
#define PB_SAFEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The largest file a reader loads: a results file (gbench.json of a full profile is a few MB)
 * or a thresholds file. Larger ones are refused with one line before anything is read. */
#define PB_READ_MAX_BYTES ((uint64_t)256 << 20)

/* Opens `path` for reading as data and returns its descriptor (O_CLOEXEC), or -1 with pb_err()
 * naming `path` and the reason. With dirfd >= 0, `path` must be relative and is resolved below
 * dirfd: no empty, "." or ".." component and no symbolic link in any component. With dirfd < 0
 * it is a path the user named (a link there is the user's own choice and is followed). Either
 * way the file must be a regular file of at most max_bytes (*size set when size is not NULL). */
int pb_open_data(int dirfd, const char *path, uint64_t max_bytes, uint64_t *size);
/* pb_open_data and the whole content into a heap buffer with a NUL after it (*len bytes). */
int pb_read_data(int dirfd, const char *path, uint64_t max_bytes, char **buf, size_t *len);
/* Opens the directory `path` (dirfd < 0: as the user named it) or the subdirectory `path`
 * below dirfd, without following a link in it. Descriptor or -1 with pb_err(). */
int pb_open_dir(int dirfd, const char *path);

/* Creates `name` in dirfd for writing: it must not exist (O_EXCL), and a link there is never
 * followed. `shown` names the file in errors. NULL with pb_err(). */
FILE *pb_create_file(int dirfd, const char *name, const char *shown);

/* Replacing a file in place: pb_replace_open writes to a fresh "<name>.tmp" (a stale one, or a
 * link planted under that name, is removed first, never followed), pb_replace_commit flushes,
 * fsyncs and renames it over `name`; on any failure the temporary is removed. */
struct pb_replace {
    int dirfd; /* owned: closed by commit or abort */
    char *name, *tmp, *shown;
    FILE *f;
};
/* `path`: the file to replace, as the user named it (its folder is opened, following the
 * user's own links; the file itself never is). 0 or -1 with pb_err(). */
int pb_replace_open(struct pb_replace *r, const char *path);
/* The same for `name` directly inside the open folder `dirfd` (duplicated, not taken). */
int pb_replace_open_at(struct pb_replace *r, int dirfd, const char *name, const char *shown);
int pb_replace_commit(struct pb_replace *r);
void pb_replace_abort(struct pb_replace *r);

#endif
