/* registry: the table of experiment families, from the one list in families.def. */
#include "registry.h"

#define PB_FAMILY(name) extern const struct pb_family pb_family_##name;
#include "families.def"
#undef PB_FAMILY

#define PB_FAMILY(name) &pb_family_##name,
const struct pb_family *const pb_families[] = {
#include "families.def"
};
#undef PB_FAMILY
const size_t pb_n_families = PB_ARRAY_LEN(pb_families);
