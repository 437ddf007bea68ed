/* opts: a command's options as one table, from which both the parser (getopt_long, so
 * `--opt value`, `--opt=value` and `--` all work) and `--help` are generated, so the two can
 * never disagree. Part of the base every layer may use (with util.h).
 *
 * A value is checked as it is parsed: a number against its range, strictly (no hex, no inf, no
 * trailing text); a string for being empty. Every refusal is one line saying which option and
 * why, with the command's --help named. */
#ifndef PB_OPTS_H
#define PB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum pb_opt_kind {
    PB_OPT_FLAG,   /* bool *dst set true */
    PB_OPT_STRING, /* const char **dst: the argument, non-empty */
    PB_OPT_NUMBER, /* double *dst: a decimal within [lo, hi] */
};

struct pb_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0: none */
    enum pb_opt_kind kind;
    const char *arg;  /* the value's name in --help ("LIST", "SECONDS"); NULL for a flag */
    const char *help; /* one line or several ("\n" continues under the same column) */
    void *dst;
    double lo, hi; /* PB_OPT_NUMBER's range */
};

struct pb_opts_spec {
    const char *cmd;      /* "compare": named in errors ("see pinbench compare --help") */
    const char *usage;    /* "pinbench compare [options] A B [C ...]" */
    const char *about;    /* the paragraph after the usage line */
    const char *epilogue; /* after the options (exit statuses, notes); may be NULL */
    const struct pb_opt *opts;
    size_t n_opts;
    /* operands (positional arguments) accepted: at least min, at most max */
    size_t min_operands, max_operands;
    const char *operands; /* their name in errors ("result folders") */
    /* when set, arguments starting with this prefix are not options of this table: they are
     * passed through, in order, into *passed (run's --benchmark_* flags) */
    const char *pass_prefix;
};

struct pb_opts_result {
    bool help;         /* -h or --help: the caller prints pb_opts_help and exits 0 */
    char **operands;   /* heap array of pointers into argv */
    size_t n_operands;
    char **passed;     /* heap array: argv[0] then the passed-through arguments */
    int n_passed;
};

/* Parses argv[0..argc) (argv[0] is the command's name, skipped). 0, or -1 with pb_err() saying
 * what is wrong (the caller exits 2). Free the result with pb_opts_free, also after an error. */
int pb_opts_parse(const struct pb_opts_spec *s, int argc, char **argv, struct pb_opts_result *r);
void pb_opts_free(struct pb_opts_result *r);
/* pb_opts_parse for a command's entry point: 0 parsed (use r, then pb_opts_free); otherwise r
 * is freed and the command returns what this returns, less one: 1 after --help was printed (the
 * command exits 0), 3 after a usage error was said on stderr (exit 2). */
int pb_opts_get(const struct pb_opts_spec *s, int argc, char **argv, struct pb_opts_result *r);
/* The --help text: usage, about, every option with its argument and help, the epilogue. */
void pb_opts_help(const struct pb_opts_spec *s, FILE *f);

#endif
