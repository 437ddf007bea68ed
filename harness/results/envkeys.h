/* envkeys: env.json's keys that tell two boxes (or two runs on one box) apart, in one table:
 * `compare` diffs them all and flags the questionable ones, `regress` judges absolute medians
 * only when every fingerprint key matches. env.json itself is written by the environment
 * capture (core/env.c), which sets every key listed here on every box (tests check it). */
#ifndef PB_ENVKEYS_H
#define PB_ENVKEYS_H

#include <stdbool.h>
#include <stddef.h>

struct pb_envkey {
    const char *key;
    bool questionable; /* a difference makes absolute numbers questionable between the runs */
    bool fingerprint;  /* part of the box's fingerprint: regress compares absolute medians only
                          when all of these match */
};

extern const struct pb_envkey pb_envkeys[];
extern const size_t pb_n_envkeys;

#endif
