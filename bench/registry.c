/* registry: every experiment family, in the order `pinbench list` shows and runs them.
 * Adding a family is one row here and one file in bench/. */
#include "registry.h"

/* pb_family_harness lives with the harness's self-measurement (harness/run/selfbench.c) */
extern const struct pb_family pb_family_harness, pb_family_churn, pb_family_counters, pb_family_dispatch,
    pb_family_serialize, pb_family_hotloop, pb_family_locality, pb_family_handoff,
    pb_family_preempt, pb_family_c2c, pb_family_numa, pb_family_isolation;

/* clang-format off */
const struct pb_family *const pb_families[] = {
    &pb_family_harness,
    &pb_family_counters,
    &pb_family_churn,
    &pb_family_dispatch,
    &pb_family_serialize,
    &pb_family_hotloop,
    &pb_family_locality,
    &pb_family_handoff,
    &pb_family_preempt,
    &pb_family_c2c,
    &pb_family_numa,
    &pb_family_isolation,
};
/* clang-format on */
const size_t pb_n_families = PB_ARRAY_LEN(pb_families);
