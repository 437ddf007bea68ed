/* registry: the table of experiment families. */
#ifndef PB_REGISTRY_H
#define PB_REGISTRY_H

#include <stddef.h>

#include "experiment.h"

extern const struct pb_family *const pb_families[];
extern const size_t pb_n_families;

#endif
