/* libFuzzer target: the JSON reader behind compare, regress, export and report, and the
 * non-finite rewriting applied to Google Benchmark's output. No input may crash, hang or leak;
 * a rejected input must say why. */
#include "results/json.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pb_json *j = pb_json_parse((const char *)data, size);
    if (j) {
        /* walk what a reader would: typed lookups must be safe on any shape */
        (void)pb_json_str(j, "schema", "");
        (void)pb_json_num(j, "real_time", 0);
        const struct pb_json *b = pb_json_get(j, "benchmarks");
        for (size_t i = 0; b && i < b->n; i++)
            (void)pb_json_str(&b->items[i], "name", "");
        pb_json_free(j);
    } else if (!pb_err()[0]) {
        abort(); /* a rejection without a reason */
    }
    size_t replaced;
    char *fixed = pb_json_null_nonfinite((const char *)data, size, &replaced);
    free(fixed);
    return 0;
}
