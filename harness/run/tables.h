/* tables: the experiment families' and the claims' tables checked before anything runs.
 *
 * A table mistake (a pair naming a variant that does not exist, a claim reading a metric no
 * variant publishes, a series without its unit) would otherwise surface at the end of a run, as
 * an abort in the report step or a claim that silently reads "not measured". `pinbench` checks
 * its tables when it starts, and `make test` checks them too (tests/tables.c). */
#ifndef PB_TABLES_H
#define PB_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "claims.h"
#include "experiment.h"
#include "util.h"

/* Whether variants of `fam` publish a counter named `metric`: Google Benchmark's time
 * (real_time_ns), a percentile of one of its latency series (op or a declared metric:
 * <series>_p50_ns ... _max_ns), one of its tallies (and the rate of its rate tally), a counter
 * the harness publishes for every variant (thread counts, memory, rates), or a well-known perf
 * event per op. */
bool pb_tables_metric_known(const struct pb_family *fam, const char *metric);

/* The family named by the part of "family/variant" before its first '/', and the variant. */
const struct pb_family *pb_tables_family(const struct pb_family *const *fams, size_t nf,
                                         const char *full, const struct pb_variant **v);

/* Checks every family and claim; calls `problem` once per mistake with a line that names the
 * table, the row and what is wrong. Returns the number of mistakes. */
size_t pb_tables_check(const struct pb_family *const *fams, size_t nf,
                       const struct pb_claim *claims, size_t nc,
                       void (*problem)(void *ctx, const char *line), void *ctx);

#endif
