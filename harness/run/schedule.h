/* schedule: what runs when. Every declared pair runs as paired blocks (A B B A quartets, see
 * pairs.h) until its CI reaches the precision target or its share of the time budget is spent;
 * variants in no pair run their minimum number of blocks; Google Benchmark runs each block.
 *
 * Phases, each interleaved over the pairs so that slow changes of the box spread over all:
 *   1. calibration: one unreported call per variant, of Google Benchmark's own sizing to the
 *      block time; its iteration count is the variant's block from then on;
 *   1b. unpaired: variants in no pair run their minimum blocks, in rounds (some load the box on
 *      purpose, and must not do so between a pair's pilot and its main quartets);
 *   2. pilot: PB_PAIRS_PILOT_QUARTETS quartets per pair;
 *   3. plan: each pair's main quartets from its pilot's spread (pb_pairs_plan); a share of the
 *      budget left (PB_SCHED_FIRST_SHARE) goes to headline pairs first, cheapest first, then
 *      to the rest, each keeping its minimum;
 *   4. main: the planned quartets, each pair's spread evenly over the stage;
 *   5. re-plan: each pair short of the target asks for top-up quartets from its CI's width so
 *      far (pb_pairs_replan); the budget left goes as in 3;
 *   6. top-up: those quartets, spread the same way.
 * Nothing looks at where a pair's values lie, only at their spread; pairs.h says why the CI
 * keeps its coverage under the two looks, and the tests simulate it. */
#ifndef PB_SCHED_H
#define PB_SCHED_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/pairs.h"
#include "run/runner.h"

struct pb_sched_opts {
    double precision_pct; /* CI half-width target of every pair's ratio */
    double budget_s;      /* measuring time for the whole run (soft: minimums are kept) */
    double block_s;       /* time one block aims at (Google Benchmark's min time for sizing) */
    unsigned min_blocks;  /* blocks per side at least (--benchmark_repetitions), >= 1 */
};

struct pb_sched_pair {
    const struct pb_family *fam;
    const struct pb_pair_decl *decl;
    struct pb_vreg *a, *b; /* baseline, variant */
    struct pb_block *blocks;
    size_t n_blocks, cap_blocks;
    size_t planned;         /* main quartets the first look planned */
    size_t topup_asked;     /* top-up quartets the second look asked for */
    size_t topup;           /* and those the budget left gave */
    size_t ask;             /* what the current look asks for: the budget's sort key */
    double needed;          /* main quartets the pilot's spread asks for, NAN without a pilot */
    double quartet_s;       /* wall time of one quartet here (pilot), calls' overheads included */
    double progress_hw_pct; /* CI half-width when the progress line last computed it, or NAN */
    char stop[240];         /* why the pair stopped where it did */
};

/* The main rounds end at this multiple of the budget, whatever the plan said. */
#define PB_SCHED_OVERRUN 1.25
/* The first look's main quartets may spend this share of what the budget leaves after the
 * pilot and every pair's minimum; the rest is the second look's, planned from the pilot's and
 * the main quartets' together. */
#define PB_SCHED_FIRST_SHARE 0.7

struct pb_sched {
    struct pb_sched_pair *pairs;
    size_t n_pairs;
    double elapsed_s, calibration_s, unpaired_s, pilot_s, main_s;
    size_t blocks_run;
    size_t warmups_run; /* unrecorded blocks that open a quartet after another pair's */
    bool overrun;       /* the main rounds were cut at PB_SCHED_OVERRUN x the budget */
    bool late;          /* the main rounds started past the budget (the pilot took it all) */
};

/* Collects the runnable declared pairs whose two variants were selected (headline first). */
void pb_sched_prepare(struct pb_sched *S, struct pb_runner *R);
/* Runs everything selected. Returns the number of variants it tried (calibrated), or -1
 * with pb_err() when Google Benchmark failed. Stops early, cleanly, on a stop request. */
long pb_sched_run(struct pb_sched *S, struct pb_runner *R, const struct pb_sched_opts *o);
void pb_sched_free(struct pb_sched *S);

#endif
