/* Helpers shared by the unit-test groups. */
#include "tests.h"

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
