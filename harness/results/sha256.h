/* sha256: SHA-256 (FIPS 180-4) of a file, for the checksums in a results folder's manifest. */
#ifndef PB_SHA256_H
#define PB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct pb_sha256 {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t used;
};

void pb_sha256_init(struct pb_sha256 *s);
void pb_sha256_update(struct pb_sha256 *s, const void *data, size_t len);
/* Writes the digest as 64 lowercase hex digits and a NUL. */
void pb_sha256_hex(struct pb_sha256 *s, char out[65]);
/* The digest of the regular file `rel` below dirfd (read as pb_open_data does: no link, at most
 * PB_READ_MAX_BYTES) and its size; 0, or -1 with pb_err(). */
int pb_sha256_file_at(int dirfd, const char *rel, char out[65], uint64_t *bytes);

#endif
