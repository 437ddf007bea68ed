/* Helpers shared by the unit-test groups. */
#include "tests.h"

#include "json.h"
#include "results.h"
#include "safeio.h"

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
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    assert_true(len && text[len - 1] == '}');
    text[len - 1] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    char *m;
    size_t mlen;
    FILE *mf = open_memstream(&m, &mlen);
    struct pb_jw w;
    pb_jw_init(&w, mf);
    pb_jw_obj_begin(&w, NULL);
    assert_int_equal(pb_results_manifest_json(&w, fd, dir), 0);
    pb_jw_obj_end(&w);
    assert_int_equal(pb_jw_finish(&w), 0);
    fclose(mf);
    close(fd);
    /* m is {"manifest": {...}}: splice its member into the summary */
    char *open_brace = strchr(m, '{'), *close_brace = strrchr(m, '}');
    assert_true(open_brace && close_brace && close_brace > open_brace);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "%s, %.*s}\n", text, (int)(close_brace - open_brace - 1), open_brace + 1);
    fclose(f);
    free(m);
    free(text);
}
