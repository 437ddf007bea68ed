/* seal: a hand-made results folder made complete, for tests and fuzzers. */
#ifndef PB_SEAL_H
#define PB_SEAL_H

/* `summary` (a JSON object's text, without "manifest") with the manifest over the folder open
 * as dir_fd added: heap string, or NULL if summary does not end in '}' or the folder cannot be
 * read. The record (run.json, or a legacy folder's summary.json) is never listed, so it may
 * exist or not. */
char *pb_seal_summary(const char *summary, int dir_fd);

#endif
