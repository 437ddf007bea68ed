/* gbflags: Google Benchmark's command-line flags, checked before pinbench does any work.
 *
 * Google Benchmark reads a malformed boolean as true, a bad number as 0, and exits on its own
 * (after pinbench has created its temporary folder) when --benchmark_out cannot be opened or a
 * format is unknown. pinbench therefore checks every --benchmark_* flag it passes through
 * against this table first: a known flag with a bad value, or an unknown one, is a usage error
 * (exit 2, one line) before anything runs. */
#ifndef PB_GBFLAGS_H
#define PB_GBFLAGS_H

/* 0 when every --benchmark_* argument in argv[1..argc) is known and well-formed, else -1 with
 * pb_err() naming the flag and what it accepts. */
int pb_gb_flags_check(int argc, char **argv);

/* Whether `v` is one of Google Benchmark's boolean spellings, and which. 0 or -1. */
int pb_gb_parse_bool(const char *v, int *out);

#endif
