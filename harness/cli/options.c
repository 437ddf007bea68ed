/* options: the option tables of run, list and env, from which their parsing and their --help
 * are generated (opts.h), and the checks across options that no single one can make. */
#include "cli/gbflags.h"
#include "opts.h"
#include "results/results.h"
#include "stats/pairs.h"
#include "util.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* --profile's help lists the profiles from their table */
static char options_profile_help[1024];

static const char *options_profiles(void)
{
    size_t n = (size_t)snprintf(options_profile_help, sizeof options_profile_help,
                                "quick | ci | default | full (block time, budget):");
    for (size_t i = 0; i < pb_cli_n_profiles && n < sizeof options_profile_help; i++)
        n += (size_t)snprintf(options_profile_help + n, sizeof options_profile_help - n,
                              "\n  %-8s %s", pb_cli_profiles[i].name, pb_cli_profiles[i].what);
    return options_profile_help;
}

#define OPT_CPUS(o)                                                                                \
    {"cpus", 0, PB_OPT_STRING, "LIST",                                                             \
     "CPUs to use, e.g. 0-3,8 (must be allowed to this process);\nthe first is the home CPU, "     \
     "pinned variants run there",                                                                  \
     &(o)->cpus, 0, 0}
#define OPT_COUNTERS(o)                                                                            \
    {"counters", 0, PB_OPT_STRING, "LIST",                                                         \
     "perf counters instead of the default set: libpfm4 names\n(cycles, context-switches, or "     \
     "PMU-specific events such as a\nZen or Intel core event), comma-separated; 'none' for none",  \
     &(o)->counters, 0, 0}

static int options_run(struct opts *o, struct pb_opts_spec *s, struct pb_opt *t)
{
    struct pb_opt run[] = {
        OPT_CPUS(o),
        {"profile", 0, PB_OPT_STRING, "NAME", options_profiles(), &o->profile, 0, 0},
        {"precision", 0, PB_OPT_NUMBER, "PCT", "CI half-width target of each pair's ratio "
         "(default 5)", &o->precision_pct, 0.1, 100},
        {"budget", 0, PB_OPT_NUMBER, "SECONDS", "measuring time of the run (default: the "
         "profile's); pairs\nthat need more stop there, saying how long they would need",
         &o->budget_s, 1, 86400},
        {"out", 0, PB_OPT_STRING, "DIR", "results root (default: results)", &o->out, 0, 0},
        {"label", 0, PB_OPT_STRING, "NAME", "appended to the folder name ([A-Za-z0-9._-], up "
         "to 64)", &o->label, 0, 0},
        {"clock", 0, PB_OPT_STRING, "auto|monotonic", "timestamp source; monotonic forces "
         "clock_gettime", &o->clock, 0, 0},
        {"watchdog", 0, PB_OPT_NUMBER, "SECONDS", "end a call running longer (variant invalid, "
         "the run goes on;\nan operation that never returns stops the run after twice as\nlong, "
         "exit 3); default 60, 0 for none", &o->watchdog_s, 0, 86400},
        OPT_COUNTERS(o),
        {"quiet", 'q', PB_OPT_FLAG, NULL, "print only errors and the 'results:' line",
         &o->quiet, 0, 0},
        {"verbose", 'v', PB_OPT_FLAG, NULL, "also print Google Benchmark's table (always in "
         "the folder's\nconsole.txt), every skipped variant and each pair's counters",
         &o->verbose, 0, 0},
        {"unpaired", 0, PB_OPT_FLAG, NULL, "run every selected variant alone for its blocks "
         "(--benchmark_repetitions),\nwith no paired blocks and no pair statistics: a smoke "
         "run of\nthe paths (emulators, sanitizers), not a measurement", &o->unpaired, 0, 0},
    };
    memcpy(t, run, sizeof run);
    *s = (struct pb_opts_spec){
        "run",
        "pinbench run [options] [--benchmark_* flags]",
        "Runs the selected variants in blocks: every declared pair as paired blocks\n"
        "(baseline, variant, variant, baseline) until its CI reaches --precision or its\n"
        "share of --budget is spent (headline pairs first); others their minimum. Writes\n"
        "<out>/<host>/<UTC stamp>[-label]/: the record (run.json, gbench.json, env.json,\n"
        "hist/) and what is derived from it (summary.json, plots/, report.md, index.html).\n"
        "The last line printed is 'results: <folder>'.",
        "Google Benchmark's flags pass through and override the profile, e.g.\n"
        "  --benchmark_filter=REGEX  --benchmark_min_time=SECONDS (one block's time)\n"
        "  --benchmark_repetitions=N (the fewest blocks per side; a pair runs at least 8\n"
        "  quartets)  --benchmark_format=console|json|csv  --benchmark_out=FILE\n"
        "  --benchmark_enable_random_interleaving is accepted and has no effect: the\n"
        "  blocks are interleaved by design.\n"
        "With json or csv format, stdout carries only Google Benchmark's output and\n"
        "pinbench's own lines go to stderr.\n",
        t,
        PB_ARRAY_LEN(run),
        0,
        0,
        NULL,
        "--benchmark_",
    };
    return 0;
}

static int options_list(struct opts *o, struct pb_opts_spec *s, struct pb_opt *t)
{
    struct pb_opt list[] = {OPT_CPUS(o)};
    memcpy(t, list, sizeof list);
    *s = (struct pb_opts_spec){
        "list", "pinbench list [--cpus=LIST]",
        "Lists experiment families and their variants with one-line summaries, marks\n"
        "the variants that would be skipped on this box (or with --cpus), with the reason,\n"
        "and lists each family's pairs (* headline, = A/A control) with their metric.",
        NULL, t, PB_ARRAY_LEN(list), 0, 0, NULL, NULL};
    return 0;
}

static int options_env(struct opts *o, struct pb_opts_spec *s, struct pb_opt *t)
{
    struct pb_opt env[] = {
        OPT_CPUS(o),
        OPT_COUNTERS(o),
        {"json", 0, PB_OPT_FLAG, NULL, "print env.json's content", &o->json, 0, 0},
        {"check", 0, PB_OPT_FLAG, NULL, "what will make results noisy here, why, and the\n"
         "commands that would fix each", &o->check, 0, 0},
        {"topology", 0, PB_OPT_STRING, "SYNTHETIC", "plan placements on an hwloc synthetic "
         "topology instead,\ne.g. 'package:2 l3:4 core:16 pu:2'", &o->topology, 0, 0},
    };
    memcpy(t, env, sizeof env);
    *s = (struct pb_opts_spec){
        "env", "pinbench env [--cpus=LIST] [--counters=LIST] [--json | --check]\n"
               "                    [--topology=SYNTHETIC]",
        "Shows what pinbench sees: allowed CPUs, topology and the CPU pairs it would use for\n"
        "each placement relation (or why one does not exist), the perf counters usable here\n"
        "with libpfm4's full event strings (and why each unusable one is not), the clock and\n"
        "its measured overheads, and the environment with noise warnings. --check lists what\n"
        "will make results noisy here (governor, turbo, SMT, no isolated CPUs, irqbalance,\n"
        "load, perf_event_paranoid, no PMU, NUMA balancing, clocksource, build). Changes\n"
        "nothing on the box.",
        NULL, t, PB_ARRAY_LEN(env), 0, 0, NULL, NULL};
    return 0;
}

/* The checks across options, after each was parsed on its own. */
static int options_check(const char *cmd, struct opts *o)
{
    if (o->cpus && !*o->cpus)
        return pb_usage_error("--cpus: empty CPU list (expected e.g. 0-3,8)");
    if (o->out && !*o->out)
        return pb_usage_error("--out: empty path");
    if (o->out && strlen(o->out) > PB_RESULTS_ROOT_MAX)
        return pb_usage_error("--out: the path is %zu bytes, longer than the %d accepted",
                              strlen(o->out), PB_RESULTS_ROOT_MAX);
    if (o->quiet && o->verbose)
        return pb_usage_error("run: -q (quiet) and -v (verbose) contradict each other: choose one");
    if (o->json && o->check)
        return pb_usage_error("env: --json and --check are two different reports: choose one");
    if (strcmp(o->clock, "auto") && strcmp(o->clock, "monotonic"))
        return pb_usage_error("--clock=%s: expected auto or monotonic", pb_q(o->clock));
    if (!strcmp(cmd, "run") && pb_gb_flags_check(o->gb_argc, o->gb_argv) < 0)
        return pb_usage_error("%s", pb_err());
    if (o->label && pb_results_check_label(o->label) < 0)
        return pb_usage_error("%s", pb_err());
    return 0;
}

int pb_cli_options(int argc, char **argv, const char *cmd, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->profile = "default";
    o->watchdog_s = 60;
    o->precision_pct = PB_PAIRS_PRECISION_PCT;
    o->out = "results";
    o->clock = "auto";
    struct pb_opt table[16];
    struct pb_opts_spec spec;
    if (!strcmp(cmd, "run"))
        options_run(o, &spec, table);
    else if (!strcmp(cmd, "list"))
        options_list(o, &spec, table);
    else
        options_env(o, &spec, table);
    struct pb_opts_result r;
    int rc = pb_opts_parse(&spec, argc - 1, argv + 1, &r);
    if (rc == 0 && r.help) {
        pb_opts_help(&spec, stdout);
        pb_opts_free(&r);
        return -1;
    }
    o->gb_argv = pb_xcalloc((size_t)r.n_passed + 8, sizeof(char *), "arguments");
    for (int i = 0; i < r.n_passed; i++)
        o->gb_argv[o->gb_argc++] = i ? r.passed[i] : argv[0];
    pb_opts_free(&r);
    if (rc < 0)
        return pb_usage_error("%s", pb_err());
    return options_check(cmd, o);
}
