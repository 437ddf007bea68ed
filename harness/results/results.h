/* results: one folder per run, never overwritten, finalized atomically.
 *
 * Files are written under a hidden temporary folder beside the final one, each flushed and
 * fsync'ed, and the folder is renamed into place with RENAME_NOREPLACE once complete: a folder
 * with the final name is always whole, and an existing one is never replaced (a same-second
 * name gets a -2, -3... suffix). */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stdbool.h>
#include <stdio.h>

struct pb_results {
    char *root;  /* results root, e.g. "results" */
    char *dir;   /* root/<host> */
    char *tmp;   /* dir/.tmp-<stamp>-<pid>-<seq> */
    char *name;  /* <stamp>[-label] */
    char *final; /* set by pb_results_finish */
    char stamp[32]; /* UTC, ISO 8601 basic: 20261123T093012Z */
    int tmp_fd;     /* the temporary folder, every file of the run is created below it */
    int dir_fd;     /* root/<host> */
};

/* The longest --out accepted: the folder's own names must still fit in PATH_MAX after it. */
#define PB_RESULTS_ROOT_MAX 3500

/* A host name as one safe path component: characters outside [A-Za-z0-9._-] become '_', a
 * leading '.' becomes '_' (so "." and ".." cannot climb out of the root), at most 64
 * characters; empty or "(none)" becomes "unknown-host". */
void pb_results_host_component(const char *host, char *out, size_t len);
/* Whether `name` (a folder's last component) is a run's temporary folder, which readers
 * refuse: its run has not finished, or was killed before it could publish. */
bool pb_results_is_temporary(const char *dir);

/* The files of a results folder that its manifest covers: what the run measured, every
 * regular file under `dir` and hist/, except run.json (which holds the manifest), what is
 * derived from the rest and rewritten by `pinbench report` (summary.json, report.md,
 * index.html and plots/) and temporary files; sorted paths
 * relative to dir. Returns a heap array of heap strings (free both), count in *n, or NULL with
 * pb_err(). */
char **pb_results_manifest_files(int dir_fd, size_t *n);
struct pb_jw;
/* Writes "manifest": {algorithm, files: [{path, bytes, sha256}]} over the files
 * pb_results_manifest_files lists in the folder open as dir_fd, so a reader can tell a complete
 * folder from a truncated or altered one. 0 or -1 with pb_err(). */
int pb_results_manifest_json(struct pb_jw *w, int dir_fd);
/* mkdir -p: 0, or -1 with pb_err() naming the part that could not be made. */
int pb_mkdir_p(const char *path);
/* Checks label characters ([A-Za-z0-9._-], 1..64). 0 or -1 with pb_err(). */
int pb_results_check_label(const char *label);
/* Creates root/<host>/ and the temporary folder with hist/ and plots/. 0 or -1 with pb_err()
 * (e.g. an unwritable root). */
int pb_results_begin(struct pb_results *res, const char *root, const char *host, const char *label);
/* Creates a file inside the temporary folder for writing (exclusively, never through a link).
 * NULL with pb_err(). */
FILE *pb_results_open(struct pb_results *res, const char *relpath);
/* Flushes, fsyncs and closes; 0 or -1 with pb_err() naming the file. */
int pb_results_close(FILE *f, const char *relpath);
/* Path of relpath inside the temporary folder (heap). */
char *pb_results_path(const struct pb_results *res, const char *relpath);
/* Renames the temporary folder to its final name, never replacing an existing folder: with
 * renameat2(RENAME_NOREPLACE), or where the filesystem does not support the flag (9p, some
 * network filesystems: EINVAL) by reserving the final name with mkdir, which fails if it
 * exists, and renaming over that empty folder. 0 or -1 with pb_err(); on failure the temporary
 * folder is still there (the caller aborts it). */
int pb_results_finish(struct pb_results *res);
/* Removes the temporary folder and everything in it (if not published), frees the paths. */
void pb_results_abort(struct pb_results *res);
/* Frees the paths and descriptors of a published folder. */
void pb_results_free(struct pb_results *res);

#endif
