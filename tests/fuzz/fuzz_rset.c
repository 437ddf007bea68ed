/* libFuzzer target: a whole results folder read back, with one of its three JSON files (chosen
 * by the first byte) replaced by the input and the others valid. Whatever the folder holds,
 * pb_rset_load returns a set or one reason, and the derivations (pairs, data warnings), the
 * cost model, compare and regress steps run on what it returns. */
#include "report/compare.h"
#include "report/costmodel.h"
#include "report/report.h"
#include "results/rset.h"
#include "../seal.h"
#include "util.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* run.json without its closing brace: the manifest over the other two files is added */
static const char *const good[3] = {
    "{\"schema\": \"pinbench-run-1\", \"run\": {\"profile\": \"quick\", \"valid\": true, "
    "\"partial\": false, \"stopped_by\": null}, \"pairs\": "
    "[{\"experiment\": \"f\", \"baseline\": \"a\", \"variant\": \"b\", \"metric\": "
    "\"real_time_ns\"}], \"variants\": [{\"name\": \"f/a\", \"status\": \"ok\"}, {\"name\": "
    "\"f/b\", \"status\": \"ok\"}], \"skipped\": [], \"invalid\": [], \"warnings\": []",
    "{\"benchmarks\": [{\"name\": \"f/a/manual_time\", \"run_type\": \"iteration\", "
    "\"real_time\": 10, \"time_unit\": \"ns\", \"op_p50_ns\": 9}, {\"name\": "
    "\"f/b/manual_time\", \"run_type\": \"iteration\", \"real_time\": 20, \"time_unit\": "
    "\"us\"}]}",
    "{\"schema\": \"pinbench-env-1\", \"cpu_model\": \"x\"}",
};
static const char *const names[3] = {"run.json", "gbench.json", "env.json"};

static char dir[64];

static void unlink_record(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/run.json", dir);
    unlink(path);
}

static void put(const char *name, const void *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/pinbench-fuzz-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
    if (size < 1)
        return 0;
    /* the input replaces one file; gbench.json and env.json are then sealed into the record's
     * manifest as a run would, so their schema checks are reached, not just the checksum */
    unsigned which = data[0] % 3;
    for (unsigned k = 1; k < 3; k++)
        if (k == which)
            put(names[k], data + 1, size - 1);
        else
            put(names[k], good[k], strlen(good[k]));
    if (which == 0) {
        put(names[0], data + 1, size - 1);
    } else {
        char *g0 = malloc(strlen(good[0]) + 2);
        sprintf(g0, "%s}", good[0]);
        unlink_record();
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        char *sum = pb_seal_summary(g0, fd);
        close(fd);
        free(g0);
        if (!sum)
            abort();
        put(names[0], sum, strlen(sum));
        free(sum);
    }
    struct pb_rset s;
    if (pb_rset_load(&s, dir) < 0) {
        if (!pb_err()[0] || strchr(pb_err(), '\n'))
            abort(); /* one line, always */
        return 0;
    }
    size_t np;
    pb_report_pairs_free(pb_report_folder_pairs(&s, &np), np);
    char **w;
    size_t nw = pb_report_data_warnings(&s, &w);
    for (size_t i = 0; i < nw; i++)
        free(w[i]);
    free(w);
    struct pb_claim_result r;
    for (size_t i = 0; i < pb_n_claims; i++)
        pb_claim_eval(&pb_claims[i], &s, &r);
    struct pb_change *ch;
    size_t n = pb_compare_changes(&s, &s, 0.05, &ch);
    free(ch);
    struct pb_env_diff d[40];
    (void)pb_compare_env(&s, &s, d, 40);
    struct pb_thresholds t = {.default_pct = 10};
    struct pb_verdict *v;
    bool fp;
    char why[256];
    n = pb_regress_judge(&s, &s, &t, &v, &fp, why, sizeof why);
    (void)n;
    free(v);
    pb_rset_free(&s);
    return 0;
}
