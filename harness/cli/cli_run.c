/* cli_run: `pinbench run`, as named phases from the options to the published folder. */
#include "core/clock.h"
#include "report/compare.h"
#include "core/cpuset.h"
#include "core/env.h"
#include "cli/gbflags.h"
#include "run/gbench.h"
#include "results/json.h"
#include "core/pin.h"
#include "core/pmu.h"
#include "registry.h"
#include "report/readable.h"
#include "run/record.h"
#include "report/report.h"
#include "results/rset.h"
#include "results/results.h"
#include "run/runner.h"
#include "run/schedule.h"
#include "run/selfbench.h"
#include "run/tables.h"
#include "core/topo.h"
#include "util.h"
#include "core/work.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"

static const struct profile *find_profile(const char *name)
{
    for (size_t i = 0; i < pb_cli_n_profiles; i++)
        if (!strcmp(pb_cli_profiles[i].name, name))
            return &pb_cli_profiles[i];
    return NULL;
}

/* Google Benchmark's own "no match" message is not ours to control and comes after the
 * results folder exists, so a filter is checked first, with the same POSIX extended regex
 * semantics and the same leading '-' for negation. Returns 0, or a usage error. */
static int check_filter(struct pb_runner *R, const char *filter, size_t *selected)
{
    *selected = 0;
    for (size_t i = 0; i < R->n; i++)
        *selected +=
            R->vr[i].skip_reason[0] == '\0' && (R->full_profile || !R->vr[i].v->full_profile_only);
    if (!filter || !*filter || !strcmp(filter, "all") || !strcmp(filter, "."))
        return 0;
    bool negate = filter[0] == '-';
    regex_t re;
    int rc = regcomp(&re, filter + negate, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[200];
        regerror(rc, &re, msg, sizeof msg);
        return pb_usage_error("--benchmark_filter=%s: bad regular expression: %s", pb_q(filter),
                              msg);
    }
    size_t runnable = 0, skipped = 0;
    for (size_t i = 0; i < R->n; i++) {
        /* Google Benchmark's name carries "/manual_time": a filter matches either, so that
         * one ending in '$' (locality/l2/pinned$) means the variant */
        char name[256];
        snprintf(name, sizeof name, "%s/manual_time", R->vr[i].name);
        bool hit =
            regexec(&re, R->vr[i].name, 0, NULL, 0) == 0 || regexec(&re, name, 0, NULL, 0) == 0;
        bool match = hit != negate;
        R->vr[i].deselected = !match;
        if (match && R->vr[i].skip_reason[0])
            skipped++;
        else if (match && (R->full_profile || !R->vr[i].v->full_profile_only))
            runnable++;
    }
    regfree(&re);
    *selected = runnable;
    if (runnable == 0 && skipped)
        return pb_usage_error("--benchmark_filter=%s matches only variants skipped here (see "
                              "'pinbench list')",
                              pb_q(filter));
    if (runnable == 0)
        return pb_usage_error("no variant matches --benchmark_filter=%s (see 'pinbench list')",
                              pb_q(filter));
    return 0;
}

static char *join_args(int argc, char **argv)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = pb_xcalloc(n, 1, "command line");
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* The last value a Google Benchmark flag was given, or NULL. */
static const char *gb_flag(const struct opts *o, const char *name)
{
    const char *v = NULL, *x;
    for (int i = 1; i < o->gb_argc; i++)
        if (pb_opt_value(o->gb_argv[i], name, &x))
            v = x;
    return v;
}

/* --benchmark_min_time as the linked Google Benchmark reads it: plain seconds, and with 1.8+
 * also "<seconds>s" or "<iterations>x". */
static int parse_min_time(const char *s, double *seconds, char *desc, size_t len)
{
    const char *what = pb_gb_min_time_has_units()
                           ? "--benchmark_min_time (seconds, or e.g. 0.5s or 100x)"
                           : "--benchmark_min_time (seconds)";
    size_t n = strlen(s);
    char num[64];
    if (pb_gb_min_time_has_units() && n > 1 && n < sizeof num &&
        (s[n - 1] == 's' || s[n - 1] == 'x')) {
        snprintf(num, sizeof num, "%.*s", (int)(n - 1), s);
        if (s[n - 1] == 'x') {
            uint64_t iters;
            if (pb_parse_u64(num, 1, 1000000000, what, &iters) < 0)
                return -1;
            *seconds = 0;
            snprintf(desc, len, "%llu iterations", (unsigned long long)iters);
            return 0;
        }
        s = num;
    }
    if (pb_parse_double(s, 1e-6, 3600, what, seconds) < 0)
        return -1;
    snprintf(desc, len, ">= %g s", *seconds);
    return 0;
}

/* A run, from its options to its published folder: what each phase hands the next. */
struct run_job {
    struct opts *o;
    const struct profile *prof;
    uint64_t reps;
    double min_time;
    char min_time_desc[64];
    cpu_set_t cpus;
    struct pb_pmu pmu;
    struct pb_topo topo;
    struct pb_env env;
    struct pb_overheads ov;
    char **gb;
    FILE *out; /* the console: stderr when stdout carries Google Benchmark's JSON or CSV, and
                  nowhere (/dev/null) with -q */
    FILE *devnull;
    struct pb_runner R;
    size_t runnable;
    struct pb_results res;
    struct pb_sched S;
    struct pb_sched_opts so;
    char cpu_list[512];
    char started[32];
    time_t t0;
    int stop;          /* the signal that stopped the measurements, 0: none */
    int stop_recorded; /* the signal run.json records, 0: none */
    size_t n_warnings; /* the derived files' */
};

/* The profile and the numbers Google Benchmark itself would take wrongly (a bad number as 0). */
static int run_parse_numbers(struct run_job *j)
{
    struct opts *o = j->o;
    j->prof = find_profile(o->profile);
    if (!j->prof)
        return pb_usage_error("--profile=%s: expected quick, ci, default or full",
                              pb_q(o->profile));
    const char *reps_s = gb_flag(o, "--benchmark_repetitions");
    const char *mt_s = gb_flag(o, "--benchmark_min_time");
    j->reps = (uint64_t)j->prof->repetitions;
    j->min_time = j->prof->min_time_s;
    if (reps_s && pb_parse_u64(reps_s, 1, 1000, "--benchmark_repetitions", &j->reps) < 0)
        return pb_usage_error("%s", pb_err());
    snprintf(j->min_time_desc, sizeof j->min_time_desc, ">= %g s", j->min_time);
    if (mt_s && parse_min_time(mt_s, &j->min_time, j->min_time_desc, sizeof j->min_time_desc) < 0)
        return pb_usage_error("%s", pb_err());
    return 0;
}

/* The box: CPUs, clock, counters, work calibration, topology, environment, own overheads. */
static int run_read_box(struct run_job *j)
{
    int rc = setup_cpus(j->o->cpus, &j->cpus);
    if (rc)
        return rc;
    if (pb_clock_init(strcmp(j->o->clock, "monotonic") ? PB_CLOCK_WANT_AUTO
                                                       : PB_CLOCK_WANT_MONOTONIC) < 0)
        return pb_fail(1, "%s", pb_err());
    if (pb_pmu_init(&j->pmu, j->o->counters, &pb_perf_kernel) < 0)
        return pb_usage_error("%s", pb_err());
    pb_work_calibrate();
    if (pb_topo_load(&j->topo, NULL) < 0)
        return pb_fail(1, "topology: %s", pb_err());
    pb_env_capture(&j->env, &j->cpus, &j->topo);
    pb_env_add_counters(&j->env, &j->pmu);
    pb_selfbench_quick(&j->ov);
    if (j->ov.sample_path_ratio > 1.25)
        pb_env_warn(&j->env,
                    "the per-sample timing path costs %.2fx a bare rdtscp pair here "
                    "(budget 1.25x): %.1f ns per sample",
                    j->ov.sample_path_ratio, j->ov.sample_path_ns);
    return 0;
}

/* Google Benchmark's flags: the profile's first, the user's after them (the last value wins). */
static int run_start_gbench(struct run_job *j)
{
    static char f_min[64];
    snprintf(f_min, sizeof f_min, "--benchmark_min_time=%g%s", j->prof->min_time_s,
             pb_gb_min_time_has_units() ? "s" : "");
    j->gb = pb_xcalloc((size_t)j->o->gb_argc + 8, sizeof(char *), "arguments");
    int gbc = 0;
    j->gb[gbc++] = j->o->gb_argv[0];
    j->gb[gbc++] = f_min;
    for (int i = 1; i < j->o->gb_argc; i++)
        j->gb[gbc++] = j->o->gb_argv[i];
    j->gb[gbc] = NULL;
    if (pb_gb_init(&gbc, j->gb) < 0)
        return pb_usage_error("%s", pb_err());
    j->out = pb_gb_display_is_machine_readable() ? stderr : stdout;
    if (j->o->quiet && !(j->out = j->devnull = fopen("/dev/null", "w")))
        return pb_fail(1, "-q: cannot open /dev/null: %s", strerror(errno));
    /* Google Benchmark's table (a wall of counters) goes to the folder unless asked for */
    pb_gb_display_to_file(!j->o->verbose && !pb_gb_format_given());
    return 0;
}

/* The variants, registered with Google Benchmark and filtered. Returns -1 after
 * --benchmark_list_tests has listed them (nothing more to do). */
static int run_prepare_variants(struct run_job *j)
{
    struct pb_runner *R = &j->R;
    if (pb_runner_prepare(R, pb_families, pb_n_families, &j->cpus, &j->topo) < 0)
        return pb_fail(1, "%s", pb_err());
    R->full_profile = !strcmp(j->prof->name, "full");
    R->reps = (unsigned)j->reps;
    R->min_time_s = j->min_time;
    R->watchdog_s = j->o->watchdog_s;
    if (pb_runner_register(R) < 0)
        return pb_fail(1, "%s", pb_err());
    R->progress = isatty(STDERR_FILENO) && !j->o->quiet;
    R->verbose = j->o->verbose;
    R->console = j->o->quiet ? NULL : j->out;
    R->pmu = &j->pmu;
    int rc = check_filter(R, gb_flag(j->o, "--benchmark_filter"), &j->runnable);
    if (rc)
        return rc;
    if (pb_gb_list_tests()) { /* Google Benchmark's names, as a run would register them */
        for (size_t i = 0; i < R->n; i++)
            if (R->vr[i].gb_index >= 0 && !R->vr[i].deselected)
                printf("%s/manual_time\n", R->vr[i].name);
        pb_runner_free(R);
        return -1;
    }
    return 0;
}

/* The temporary results folder, and the environment as Google Benchmark's context. */
static int run_open_folder(struct run_job *j)
{
    if (pb_results_begin(&j->res, j->o->out, pb_env_value(&j->env, "hostname"), j->o->label) < 0)
        return pb_usage_error("--out=%s: %s", pb_q(j->o->out), pb_err());
    /* any exit from here that does not publish (Google Benchmark's own exit() included)
     * removes the temporary folder */
    main_results = &j->res;
    for (size_t i = 0; i < j->env.n; i++)
        pb_gb_add_context(j->env.kv[i].key, j->env.kv[i].value);
    const struct {
        const char *key;
        double v;
    } ov[] = {
        {"harness_rdtscp_pair_ns", j->ov.rdtscp_pair_ns},
        {"harness_timestamp_read_ns", j->ov.timestamp_read_ns},
        {"harness_start_stop_pair_ns", j->ov.start_stop_ns},
        {"harness_hist_record_ns", j->ov.hist_record_ns},
        {"harness_sample_path_ns", j->ov.sample_path_ns},
        {"harness_sample_path_vs_rdtscp_pair_ratio", j->ov.sample_path_ratio},
        {"harness_pin_check_ns", j->ov.pin_check_ns},
    };
    char buf[64];
    for (size_t i = 0; i < PB_ARRAY_LEN(ov); i++) {
        snprintf(buf, sizeof buf, "%.2f", ov[i].v);
        pb_gb_add_context(ov[i].key, buf);
    }
    pb_gb_add_context("pinbench_profile", j->prof->name);
    return 0;
}

/* Skipped variants: each with its reason (-v), or one line per distinct reason. */
static void run_announce_skips(struct run_job *j)
{
    struct pb_runner *R = &j->R;
    bool *told = pb_xcalloc(R->n ? R->n : 1, sizeof *told, "skip list");
    for (size_t i = 0; i < R->n; i++) {
        struct pb_vreg *vi = &R->vr[i];
        if (!vi->skip_reason[0] || vi->deselected || told[i])
            continue;
        if (j->o->verbose) {
            pb_printf_fit(j->out, "skip: %s: %s", vi->name, vi->skip_reason);
            continue;
        }
        size_t n = 0;
        for (size_t k = i; k < R->n; k++)
            if (!R->vr[k].deselected && !strcmp(R->vr[k].skip_reason, vi->skip_reason))
                told[k] = true, n++;
        if (n == 1)
            pb_printf_fit(j->out, "skip: %s: %s", vi->name, vi->skip_reason);
        else
            pb_printf_fit(j->out, "skip: %zu variants (%s, ...): %s", n, vi->name, vi->skip_reason);
    }
    free(told);
}

/* The plan, said before anything is measured: what is skipped and why, the pairs, the budget. */
static void run_announce(struct run_job *j)
{
    struct pb_runner *R = &j->R;
    char other[64];
    pb_cpuset_format(&j->cpus, j->cpu_list, sizeof j->cpu_list);
    if (R->other_cpu >= 0)
        snprintf(other, sizeof other, "%d, %s", R->other_cpu, R->other_rel);
    else
        snprintf(other, sizeof other, "none");
    run_announce_skips(j);
    if (j->o->unpaired)
        memset(&j->S, 0, sizeof j->S); /* no pairs: every variant runs as an unpaired one */
    else
        pb_sched_prepare(&j->S, R);
    j->so = (struct pb_sched_opts){
        j->o->precision_pct, j->o->budget_s > 0 ? j->o->budget_s : j->prof->budget_s,
        j->min_time > 0 ? j->min_time : j->prof->min_time_s, (unsigned)j->reps};
    size_t n_headline = 0;
    for (size_t i = 0; i < j->S.n_pairs; i++)
        n_headline += j->S.pairs[i].decl->headline;
    pb_printf_fit(j->out,
                  "pinbench: %zu variants, %zu pairs (%zu headline) in paired blocks of %s until "
                  "+-%g %% or a %g s budget, at least %llu blocks a side, on CPUs %s (home %d, "
                  "other %s); profile %s%s",
                  j->runnable, j->S.n_pairs, n_headline, j->min_time_desc, j->so.precision_pct,
                  j->so.budget_s, (unsigned long long)j->reps, j->cpu_list, R->home_cpu, other,
                  j->prof->name,
                  j->o->verbose || pb_gb_format_given()
                      ? ""
                      : "; Google Benchmark's table goes to console.txt in the folder (-v: here)");
    for (size_t i = 0; i < j->env.n_warnings; i++)
        pb_printf_fit(j->out, "warning: %s", j->env.warnings[i]);
    fflush(j->out);
}

/* The measurements: every block the scheduler plans, until done, the budget, or a signal. */
static int run_measure(struct run_job *j)
{
    j->t0 = time(NULL);
    strftime(j->started, sizeof j->started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&j->t0));
    /* SIGINT/SIGTERM: finish the operation in progress, tear down, write what was measured;
     * a second signal takes the default action (the hidden temporary folder is then left, and
     * never looks complete: readers refuse it) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = main_on_stop;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char *json_path = pb_results_path(&j->res, "gbench.json");
    char *console_path = pb_results_path(&j->res, "console.txt");
    pb_gb_run_begin(pb_runner_on_report, &j->R);
    long n_run = pb_sched_run(&j->S, &j->R, &j->so);
    if (pb_gb_run_end(json_path, console_path) < 0 && n_run >= 0)
        n_run = -1;
    free(json_path);
    free(console_path);
    j->stop = pb_runner_stop_signal();
    if (j->stop) {
        size_t unrun = pb_runner_mark_unrun(&j->R);
        if (j->R.progress)
            fprintf(stderr, "\r\033[K");
        pb_fail(0, "stopped by %s: writing a partial results folder (%zu variant(s) not run)",
                main_signal_name(j->stop), unrun);
    }
    if (n_run < 0) {
        main_abort_results();
        return pb_fail(1, "%s", pb_err());
    }
    if (n_run == 0 && !j->stop) {
        main_abort_results();
        const char *filt = gb_flag(j->o, "--benchmark_filter");
        return pb_usage_error("no variant matches --benchmark_filter=%s (see 'pinbench list')",
                              pb_q(filt ? filt : ""));
    }
    return 0;
}

static bool run_stopping(void)
{
    return pb_runner_stop_signal() != 0;
}

/* The record (hist/, env.json, run.json), then every derived file from the folder's own files,
 * then the folder published. */
static int run_write_folder(struct run_job *j, int argc, char **argv, struct pb_rset *rs)
{
    char *cmdline = join_args(argc, argv);
    struct pb_run_meta meta = {
        j->prof->name,  j->o->label,     j->cpu_list,       cmdline,        j->started,
        (int)j->reps,   j->min_time,     &j->stop_recorded, j->so.budget_s, j->so.precision_pct,
        j->S.elapsed_s, j->S.blocks_run, j->S.warmups_run, j->S.overrun};
    /* a stop between the measurements and run.json marks the folder partial too */
    main_warn_stop(&j->env, j->stop);
    bool have_rs = false;
    int rc = 0;
    if (pb_record_write(&j->res, &j->R, &j->S, &j->env, &j->ov, &meta) < 0 ||
        pb_rset_load_own(rs, j->res.tmp) < 0 || !(have_rs = true) ||
        pb_report_derive(rs, run_stopping, &j->n_warnings) < 0) {
        rc = pb_fail(1, "results: %s", pb_err());
        if (have_rs)
            pb_rset_free(rs);
        main_abort_results();
    } else if (pb_results_finish(&j->res) < 0) {
        /* the folder is whole and sealed, only its publishing failed: the measurements stay
         * under their temporary name (which no reader takes for a finished run), not deleted */
        const char *leaf = strrchr(j->res.tmp, '/');
        rc = pb_fail(1, "results: %s; the folder is whole and kept, unpublished, as %s in %s",
                     pb_err(), pb_q(leaf ? leaf + 1 : j->res.tmp), pb_q(j->res.dir));
        pb_rset_free(rs);
        main_keep_results();
    }
    free(cmdline);
    return rc;
}

/* What the console shows at the end: late signals, pairs, claims, invalid variants, the folder.
 * Returns whether every variant was valid. */
static bool run_tell(struct run_job *j, struct pb_rset *rs)
{
    FILE *out = j->out;
    if (j->stop_recorded && !j->stop)
        pb_fail(0,
                "stopped by %s while the results were recorded: every variant was measured, but "
                "the folder is marked partial",
                main_signal_name(j->stop_recorded));
    else if (!j->stop_recorded && pb_runner_stop_signal())
        pb_fail(0,
                "%s arrived after the results were complete: the run is complete (plots it cut "
                "short are missing: 'pinbench report DIR' draws them)",
                main_signal_name(pb_runner_stop_signal()));
    size_t n_pairs;
    struct pb_pair_result *pairs = pb_report_folder_pairs(rs, &n_pairs);
    pb_report_print_pairs(out, pairs, n_pairs, j->o->verbose);
    pb_report_pairs_free(pairs, n_pairs);
    fputc('\n', out);
    pb_readable_print_costmodel(out, rs);
    bool valid = true;
    for (size_t i = 0; i < j->R.n; i++) {
        if (j->R.vr[i].invalid_reason[0]) {
            pb_printf_fit(out, "INVALID: %s: %s", j->R.vr[i].name, j->R.vr[i].invalid_reason);
            valid = false;
        }
    }
    if (j->n_warnings)
        fprintf(out, "\n%zu warning(s) in summary.json; elapsed %ld s\n", j->n_warnings,
                (long)(time(NULL) - j->t0));
    /* the one line -q keeps: on stdout, unless that carries Google Benchmark's JSON or CSV */
    fprintf(pb_gb_display_is_machine_readable() ? stderr : stdout, "results: %s\n", j->res.final);
    main_published = pb_xstrdup(j->res.final);
    main_results = NULL;
    return valid;
}

static void run_free(struct run_job *j)
{
    if (j->devnull)
        fclose(j->devnull);
    pb_sched_free(&j->S);
    free(j->gb);
    pb_results_free(&j->res);
    pb_runner_free(&j->R);
    pb_env_free(&j->env);
    pb_topo_free(&j->topo);
    pb_gb_shutdown();
}

int cmd_run(int argc, char **argv, struct opts *o)
{
    static struct run_job j; /* large (the runner, the environment): not on the stack */
    memset(&j, 0, sizeof j);
    j.o = o;
    int rc;
    if ((rc = run_parse_numbers(&j)) || (rc = run_read_box(&j)) || (rc = run_start_gbench(&j)))
        return rc;
    if ((rc = run_prepare_variants(&j)))
        return rc < 0 ? 0 : rc; /* -1: listed, not run */
    if ((rc = run_open_folder(&j)))
        return rc;
    run_announce(&j);
    if ((rc = run_measure(&j)))
        return rc;
    struct pb_rset rs;
    if ((rc = run_write_folder(&j, argc, argv, &rs)))
        return rc;
    bool valid = run_tell(&j, &rs);
    pb_rset_free(&rs);
    run_free(&j);
    if (j.stop_recorded)
        return 128 + j.stop_recorded;
    return valid ? 0 : 1;
}
