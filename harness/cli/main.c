/* pinbench: command-line entry. Subcommands: run, list, env; --help for each.
 * Exit status: 0 success, 1 a run finished with invalid results or a runtime failure,
 * 2 bad usage or input (one line on stderr saying what and why). */
#include "core/clock.h"
#include "history/history.h"
#include "report/compare.h"
#include "core/cpuset.h"
#include "core/env.h"
#include "cli/gbflags.h"
#include "run/gbench.h"
#include "results/json.h"
#include "core/pin.h"
#include "core/pmu.h"
#include "gochild.h"
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
#include "cli/cli.h"
#include "opts.h"

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

#define EXIT_USAGE 2

const struct profile pb_cli_profiles[] = {
    {"quick", 2, 0.005, 10, "blocks of 5 ms, 10 s budget: smoke runs and tests, not conclusions"},
    {"ci", 4, 0.01, 45, "blocks of 10 ms, 45 s budget: the regression gate (make ci-bench)"},
    {"default", 4, 0.01, 150, "blocks of 10 ms, 150 s budget: under three minutes on 2 CPUs"},
    {"full", 8, 0.05, 900, "blocks of 50 ms, 900 s budget: long calls and the full sweeps"},
};
const size_t pb_cli_n_profiles = PB_ARRAY_LEN(pb_cli_profiles);

void main_on_stop(int signo)
{
    pb_runner_request_stop(signo);
}

/* The run's folder while it is unpublished: removed by any exit that does not publish it. */
struct pb_results *main_results;
char *main_published;
static bool main_stdout_closed;

/* Removes the unpublished folder; every exit path that does not publish goes through it, the
 * process's own exit() included (atexit), so `main_results` never outlives its folder. */
void main_abort_results(void)
{
    if (main_results) {
        pb_results_abort(main_results);
        main_results = NULL;
    }
}

/* Forgets the unpublished folder without removing it: a whole run whose publishing failed. */
void main_keep_results(void)
{
    if (main_results) {
        pb_results_free(main_results);
        main_results = NULL;
    }
}

const char *main_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* The warning summary.json carries when a stop came before it was written. */
void main_warn_stop(struct pb_env *env, int stop)
{
    if (stop)
        pb_env_warn(env,
                    "the run was stopped by %s: results are partial (interrupted variants are "
                    "marked \"partial\", those not reached are skipped); compare and regress "
                    "refuse this folder",
                    main_signal_name(stop));
}

static void help_main(FILE *f)
{
    fprintf(f, "usage: pinbench <command> [options]\n"
               "\n"
               "Measures what pinning a thread to a CPU costs and what it buys, on this box.\n"
               "\n"
               "commands:\n"
               "  run    run experiments and write a results folder (pinbench run --help)\n"
               "  list   list experiment families and variants\n"
               "  env    show what pinbench sees: CPUs, topology, placements, clock, noise\n"
               "         (env --check: what will make results noisy, and how to fix it)\n"
               "  report rewrite a results folder's report.md and index.html\n"
               "  compare  result folders side by side, with the environment diff\n"
               "  regress  the CI gate: current results against a baseline or a history\n"
               "  export   a results folder for github-action-benchmark, Bencher or Conbench\n"
               "  history  results over time: a store of runs and boxes, change points, the\n"
               "           gate on a history (regress --history)\n"
               "Each command has --help. 'pinbench --version' says which build this is.\n"
               "\n"
               "exit status: 0 ok, 1 invalid results, runtime failure or (regress) a regression,\n"
               "2 bad usage or input\n");
}

/* The CPUs the run uses: the process's allowed set, narrowed by --cpus (which must fit in it).
 * With --cpus, the whole process is confined to that set, verified, so unpinned variants and
 * every thread they create stay inside it too. */
int setup_cpus(const char *list, cpu_set_t *cpus)
{
    cpu_set_t allowed;
    if (pb_affinity_get(&allowed) < 0)
        return pb_usage_error("%s", pb_err());
    if (!list) {
        *cpus = allowed;
        return 0;
    }
    if (pb_cpuset_parse(list, cpus) < 0)
        return pb_usage_error("--cpus: %s", pb_err());
    if (pb_cpuset_check_subset(cpus, &allowed) < 0)
        return pb_usage_error("--cpus=%s: %s", pb_q(list), pb_err());
    if (pb_pin_self_mask(cpus) < 0)
        return pb_fail(1, "--cpus=%s: %s", pb_q(list), pb_err());
    return 0;
}

/* A family's pairs, after its variants: what the run compares, and what gets time first. */
static void list_pairs(const struct pb_family *f)
{
    if (!f || !f->n_pairs)
        return;
    printf("  pairs (* headline, = A/A control):\n");
    for (size_t i = 0; i < f->n_pairs; i++) {
        const struct pb_pair_decl *p = &f->pairs[i];
        char both[128];
        snprintf(both, sizeof both, "%s -> %s", p->baseline, p->variant);
        printf("  %c %-60s %s\n", p->control ? '=' : p->headline ? '*' : ' ', both, p->metric);
    }
}

static int cmd_list(struct opts *o)
{
    cpu_set_t cpus;
    int rc = setup_cpus(o->cpus, &cpus);
    if (rc)
        return rc;
    struct pb_topo topo;
    if (pb_topo_load(&topo, NULL) < 0) {
        return pb_fail(1, "topology: %s", pb_err());
    }
    struct pb_runner R;
    if (pb_runner_prepare(&R, pb_families, pb_n_families, &cpus, &topo) < 0) {
        fprintf(stderr, "pinbench: %s\n", pb_err());
        pb_topo_free(&topo);
        return 1;
    }
    const struct pb_family *cur = NULL;
    for (size_t i = 0; i < R.n; i++) {
        struct pb_vreg *vr = &R.vr[i];
        if (vr->fam != cur) {
            list_pairs(cur);
            cur = vr->fam;
            printf("%s%s: %s\n", i ? "\n" : "", cur->name, cur->summary);
            if (cur->op_meaning)
                printf("  one operation: %s\n", cur->op_meaning);
        }
        printf("  %-40s %s%s\n", vr->name, vr->v->summary,
               vr->v->full_profile_only ? " (full profile only)" : "");
        if (vr->skip_reason[0])
            printf("  %-40s (skipped here: %s)\n", "", vr->skip_reason);
    }
    list_pairs(cur);
    pb_runner_free(&R);
    pb_topo_free(&topo);
    return 0;
}

/* Each counter's state goes into the environment (so comparisons see what was countable), and
 * one warning sums up what is missing. */

static void print_counters(FILE *f, const struct pb_pmu *p)
{
    fprintf(f, "counters (libpfm4 names; probed on this thread, perf_event_paranoid=%d):\n",
            p->paranoid);
    if (p->n == 0)
        fprintf(f, "  none requested\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct pb_pmu_event *e = &p->ev[i];
        if (e->available)
            fprintf(f, "  %-18s %-12s %s\n", e->key, pb_pmu_plm_name(e->plm), e->fstr);
        else
            fprintf(f, "  %-18s unavailable: %s\n", e->key, e->reason);
    }
}

static void print_placements(FILE *f, const struct pb_topo *topo, const cpu_set_t *cpus)
{
    fprintf(f, "placements (CPU pairs by relation, from the allowed CPUs):\n");
    for (int r = 0; r < PB_REL_COUNT; r++) {
        struct pb_pair p;
        pb_plan_pair(topo, cpus, (enum pb_rel)r, &p);
        if (p.exists)
            fprintf(f, "  %-14s CPU %d -> CPU %d\n", pb_rel_name(p.rel), p.a, p.b);
        else
            fprintf(f, "  %-14s none: %s\n", pb_rel_name(p.rel), p.reason);
    }
}

static int cmd_env(struct opts *o)
{
    cpu_set_t cpus;
    int rc = setup_cpus(o->cpus, &cpus);
    if (rc)
        return rc;
    if (pb_clock_init(PB_CLOCK_WANT_AUTO) < 0) {
        return pb_fail(1, "%s", pb_err());
    }
    struct pb_topo topo;
    if (pb_topo_load(&topo, o->topology) < 0) {
        if (o->topology)
            return pb_usage_error("--topology: %s", pb_err());
        return pb_fail(1, "topology: %s", pb_err());
    }
    if (o->topology) { /* plan on the synthetic shape: every PU is allowed there */
        CPU_ZERO(&cpus);
        for (int i = 0; i < topo.n_pu && topo.pu[i].os < CPU_SETSIZE; i++)
            CPU_SET(topo.pu[i].os, &cpus);
    }
    struct pb_pmu pmu;
    if (pb_pmu_init(&pmu, o->counters, &pb_perf_kernel) < 0) {
        pb_topo_free(&topo);
        return pb_usage_error("%s", pb_err());
    }
    struct pb_env env = {0};
    pb_env_capture(&env, &cpus, &topo);
    pb_env_add_counters(&env, &pmu);
    struct pb_overheads ov;
    pb_selfbench_quick(&ov);
    if (o->check) {
        struct pb_advice adv[24];
        size_t na = pb_env_advice(&env, adv, PB_ARRAY_LEN(adv));
        printf("pinbench env --check: %s\n",
               pb_env_value(&env, "cpu_model") ? pb_env_value(&env, "cpu_model") : "this box");
        if (!na)
            printf("nothing found that will make results noisy.\n");
        for (size_t i = 0; i < na; i++)
            printf("\n%zu. %s\n   why: %s\n   fix: %s\n", i + 1, adv[i].what, adv[i].why,
                   adv[i].fix);
        printf("\nAdvice only: pinbench changed nothing. The fixes need root and most last until "
               "reboot.\n");
    } else if (o->json) {
        rc = pb_record_env_json(&env, stdout) < 0 ? 1 : 0;
    } else {
        for (size_t i = 0; i < env.n; i++)
            printf("%-28s %s\n", env.kv[i].key, env.kv[i].value);
        printf("\n");
        print_placements(stdout, &topo, &cpus);
        printf("\n");
        print_counters(stdout, &pmu);
        printf("\nharness overheads (median of batches, this box):\n"
               "  rdtscp pair %.1f ns, timestamp read %.1f ns, start/stop pair %.1f ns,\n"
               "  histogram record %.1f ns, per-sample path %.1f ns (%.2fx an rdtscp pair),\n"
               "  pin check %.1f ns, clock resolution %.1f ns\n",
               ov.rdtscp_pair_ns, ov.timestamp_read_ns, ov.start_stop_ns, ov.hist_record_ns,
               ov.sample_path_ns, ov.sample_path_ratio, ov.pin_check_ns, pb_clock.resolution_ns);
        if (env.n_warnings) {
            printf("\nnoise warnings:\n");
            for (size_t i = 0; i < env.n_warnings; i++)
                printf("  - %s\n", env.warnings[i]);
        }
    }
    pb_env_free(&env);
    pb_topo_free(&topo);
    return rc;
}

/* Descriptors 0-2 that are closed at start are opened on /dev/null, so that no file pinbench
 * opens (gbench.json) takes the number of standard output and receives the console table; a
 * closed standard output is remembered and reported at the end. */
static void main_guard_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        if (fd == STDOUT_FILENO)
            main_stdout_closed = true;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

/* A standard output that could not be written (closed, a closed pipe, a full disk) is an
 * error the user must see: on stderr, with the folder that was published, and in the exit
 * status (1, unless the command had already failed). */
static int main_check_stdout(int rc)
{
    bool failed = main_stdout_closed;
    int e = 0;
    if (fflush(stdout) != 0 || ferror(stdout) || !pb_gb_stdout_ok()) {
        failed = true;
        e = errno;
    }
    if (!failed)
        return rc;
    pb_fail(0, "standard output %s%s%s%s",
            main_stdout_closed ? "was closed" : "could not be written", e ? ": " : "",
            e ? strerror(e) : "", main_published ? "; the results are complete" : "");
    if (main_published)
        pb_fail(0, "results: %s", main_published);
    return rc ? rc : 1;
}

extern const char pb_version_commit[], pb_version_gbench[];

/* What this binary is: enough to tell two builds apart in a bug report. */
static int main_version(void)
{
    char go[4200];
    printf("pinbench %s (%s build, compiler %s, Google Benchmark %s, Go workloads %s)\n",
           pb_version_commit, PB_BUILD_TYPE, __VERSION__, pb_version_gbench,
           pb_go_binary(go, sizeof go) == 0 ? go : "not built");
    return 0;
}

static int main_dispatch(int argc, char **argv)
{
    if (argc < 2) {
        help_main(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        help_main(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version"))
        return main_version();
    if (!strcmp(cmd, "compare"))
        return pb_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "regress")) {
        pb_regress_history_judge = pb_history_judge;
        return pb_cmd_regress(argc - 1, argv + 1);
    }
    if (!strcmp(cmd, "history"))
        return pb_cmd_history(argc - 1, argv + 1);
    if (!strcmp(cmd, "export"))
        return pb_cmd_export(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return pb_cmd_report(argc - 1, argv + 1);
    if (strcmp(cmd, "run") && strcmp(cmd, "list") && strcmp(cmd, "env"))
        return pb_usage_error("unknown command '%s' (expected run, list, env, report, compare, "
                              "regress, export or history; see --help)",
                              cmd);
    struct opts o;
    int rc = pb_cli_options(argc, argv, cmd, &o);
    if (rc) {
        free(o.gb_argv);
        return rc < 0 ? 0 : rc; /* -1: --help was printed */
    }
    if (!strcmp(cmd, "list"))
        rc = cmd_list(&o);
    else if (!strcmp(cmd, "env"))
        rc = cmd_env(&o);
    else
        rc = cmd_run(argc, argv, &o);
    free(o.gb_argv);
    return rc;
}

#define PB_EXIT_TABLES 70 /* EX_SOFTWARE: the program's own tables are wrong */

static void main_table_problem(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "pinbench: table mistake: %s\n", line);
}

int main(int argc, char **argv)
{
    main_guard_std_fds();
    /* a mistake in the built-in tables is a bug of pinbench's: said before any work, never
     * found at the end of a run */
    if (pb_tables_check(pb_families, pb_n_families, pb_claims, pb_n_claims, main_table_problem,
                        NULL) > 0)
        return PB_EXIT_TABLES;
    /* a closed pipe on stdout is an error to report (EPIPE), not a reason to die silently and
     * leave the temporary folder behind */
    signal(SIGPIPE, SIG_IGN);
    atexit(main_abort_results);
    return main_check_stdout(main_dispatch(argc, argv));
}
