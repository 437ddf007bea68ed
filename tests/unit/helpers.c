/* Helpers shared by the unit-test groups. */
#include "../tests.h"

#include "results/safeio.h"
#include "../seal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void pb_test_write_file(const char *root, const char *rel, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    for (char *q = p + strlen(root) + 1; *q; q++) /* mkdir -p the parents */
        if (*q == '/') {
            *q = '\0';
            mkdir(p, 0755);
            *q = '/';
        }
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

void pb_test_seal_folder(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    char *text;
    size_t len;
    assert_int_equal(pb_read_data(-1, p, PB_READ_MAX_BYTES, &text, &len), 0);
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    char *sealed = pb_seal_summary(text, fd);
    close(fd);
    assert_non_null(sealed);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(sealed, f);
    fclose(f);
    free(sealed);
    free(text);
}
