/* seal: the manifest a run would write, added to a hand-made folder's summary (unit tests and
 * the rset fuzzer), so the checks after the manifest's are the ones exercised. */
#include "seal.h"

#include "results/json.h"
#include "results/results.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *pb_seal_summary(const char *summary, int dir_fd)
{
    size_t len = strlen(summary);
    while (len && (summary[len - 1] == '\n' || summary[len - 1] == ' '))
        len--;
    if (!len || summary[len - 1] != '}')
        return NULL;
    char *m = NULL;
    size_t ml = 0;
    FILE *mf = open_memstream(&m, &ml);
    if (!mf)
        return NULL;
    struct pb_jw w;
    pb_jw_init(&w, mf);
    pb_jw_obj_begin(&w, NULL);
    int rc = pb_results_manifest_json(&w, dir_fd);
    pb_jw_obj_end(&w);
    rc |= pb_jw_finish(&w);
    fclose(mf);
    /* m is {"manifest": {...}}: its member goes before the summary's closing brace */
    const char *ob = m ? strchr(m, '{') : NULL, *cb = m ? strrchr(m, '}') : NULL;
    char *out = NULL;
    if (rc == 0 && ob && cb > ob &&
        asprintf(&out, "%.*s, %.*s}\n", (int)(len - 1), summary, (int)(cb - ob - 1), ob + 1) < 0)
        out = NULL;
    free(m);
    return out;
}
