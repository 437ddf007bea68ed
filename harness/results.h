/* results: one folder per run, never overwritten, finalized atomically.
 *
 * Files are written under a hidden temporary folder beside the final one, each flushed and
 * fsync'ed, and the folder is renamed into place with RENAME_NOREPLACE once complete: a folder
 * with the final name is always whole, and an existing one is never replaced (a same-second
 * name gets a -2, -3... suffix). */
#ifndef PB_RESULTS_H
#define PB_RESULTS_H

#include <stdio.h>

struct pb_results {
    char root[1024];  /* results root, e.g. "results" */
    char dir[1280];   /* root/<host> */
    char tmp[1664];   /* dir/.tmp-<stamp>-<pid> */
    char name[256];   /* <stamp>[-label] */
    char final[1664]; /* set by pb_results_finish */
    char stamp[32];   /* UTC, ISO 8601 basic: 20261123T093012Z */
};

/* The files of a results folder that its manifest covers: every regular file under `dir`,
 * hist/ and plots/ except summary.json (which holds the manifest), report.md and index.html
 * (derived from the rest, rewritable with `pinbench report`) and temporary files; sorted paths
 * relative to dir. Returns a heap array of heap strings (free both), count in *n, or NULL with
 * pb_err(). */
char **pb_results_manifest_files(const char *dir, size_t *n);
/* mkdir -p: 0, or -1 with pb_err() naming the part that could not be made. */
int pb_mkdir_p(const char *path);
/* Checks label characters ([A-Za-z0-9._-], 1..64). 0 or -1 with pb_err(). */
int pb_results_check_label(const char *label);
/* Creates root/<host>/ and the temporary folder with hist/ and plots/. 0 or -1 with pb_err()
 * (e.g. an unwritable root). */
int pb_results_begin(struct pb_results *res, const char *root, const char *host, const char *label);
/* Opens a file inside the temporary folder for writing. NULL with pb_err(). */
FILE *pb_results_open(struct pb_results *res, const char *relpath);
/* Flushes, fsyncs and closes; 0 or -1 with pb_err() naming the file. */
int pb_results_close(FILE *f, const char *relpath);
/* Path of relpath inside the temporary folder, into buf. */
const char *pb_results_path(const struct pb_results *res, const char *relpath, char *buf,
                            size_t len);
/* Renames the temporary folder to its final name. 0 or -1. */
int pb_results_finish(struct pb_results *res);
/* Removes the temporary folder and everything in it. */
void pb_results_abort(struct pb_results *res);

#endif
