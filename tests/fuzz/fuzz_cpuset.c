/* libFuzzer target: the CPU-list parser behind --cpus and the isolated/nohz_full files. A list
 * it accepts must format back to a list it parses to the same set. */
#include "core/cpuset.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[512];
    if (size >= sizeof s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    cpu_set_t a, b;
    if (pb_cpuset_parse(s, &a) < 0) {
        if (!pb_err()[0])
            abort();
        return 0;
    }
    char out[8192];
    pb_cpuset_format(&a, out, sizeof out);
    if (CPU_COUNT(&a) && (pb_cpuset_parse(out, &b) < 0 || !CPU_EQUAL(&a, &b)))
        abort(); /* format and parse disagree */
    return 0;
}
