/* compare: result folders side by side (boxes, configurations), and the regression gate.
 *
 * Both work from what the folders hold (harness/rset.h). A change between two runs is the ratio
 * of the medians over repetitions, with a 95 % bootstrap CI and a two-sided Mann-Whitney U
 * p-value over the repetitions of each side; it is significant when p < alpha and the CI
 * excludes 1. A pair's ratio (pinned over unpinned, say) is taken per repetition — both
 * variants ran interleaved in the same repetition — so it normalises across machines. */
#ifndef PB_COMPARE_H
#define PB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pb_rset;

/* One quantity in two runs. */
struct pb_change {
    char name[320];  /* "churn/spawn/unpinned", or "churn: spawn/unpinned -> pool/unpinned" */
    char metric[80]; /* "real_time_ns", "op_p99_ns", or a pair's metric */
    bool is_pair;    /* name is a pair, values are per-repetition ratios */
    double a, b;     /* medians over repetitions (run A, run B) */
    size_t na, nb;
    double ratio, ci_lo, ci_hi, p; /* b over a */
    bool significant;              /* p < alpha and the CI excludes 1 */
    int worse;                     /* +1 b is worse, -1 better, 0 unknown direction or same */
    char note[320];                /* why there is no number */
};

/* An environment key whose value differs. */
struct pb_env_diff {
    char key[64];
    char a[160], b[160];
    bool questionable; /* makes absolute numbers hard to compare */
};

/* Which direction is worse for a metric: +1 higher is worse (times), -1 lower is worse
 * (rates), 0 not known (counts, ratios of tallies). */
int pb_metric_worse_dir(const char *metric);

/* Every variant medians (real_time_ns, op_p50_ns, op_p99_ns) and every declared pair of `a`
 * that `b` also has; heap array in *out, count returned. */
size_t pb_compare_changes(const struct pb_rset *a, const struct pb_rset *b, double alpha,
                          struct pb_change **out);
/* Environment keys that differ, with the fingerprint keys marked questionable. */
size_t pb_compare_env(const struct pb_rset *a, const struct pb_rset *b, struct pb_env_diff *out,
                      size_t cap);

/* `pinbench compare` and `pinbench regress`: argv after the command. Exit status 0, 1
 * (regress: a regression) or 2 (usage or data error). */
int pb_cmd_compare(int argc, char **argv);
int pb_cmd_regress(int argc, char **argv);
int pb_cmd_export(int argc, char **argv);
int pb_cmd_report(int argc, char **argv);

/* Regression thresholds: "<pattern> <percent|off>" lines (fnmatch patterns over the change
 * names), the first match wins, else the default. 0 or -1 with pb_err() naming the line. */
#define PB_MAX_THRESHOLDS 128
struct pb_thresholds {
    double default_pct;
    bool ratios_only; /* judge pair ratios only, whatever the fingerprints say */
    size_t n;
    char pattern[PB_MAX_THRESHOLDS][200];
    double pct[PB_MAX_THRESHOLDS]; /* NAN: not judged */
};
int pb_thresholds_load(struct pb_thresholds *t, const char *path);
double pb_thresholds_for(const struct pb_thresholds *t, const char *name);

/* Judges `cur` against `base`: pair ratios always, absolute medians (real_time_ns) only when
 * the fingerprints match. Regressions are worse by more than the threshold with p < 0.01 and
 * the CI beyond 1. Fills *out (heap) and returns the count; *fp_match says whether absolute
 * medians were judged, and `why` what differs when not. */
struct pb_verdict {
    struct pb_change c;
    double threshold_pct; /* NAN: not judged */
    bool regression, improvement;
};
/* A verdict from its change (ratio, significance, direction) and its threshold: a regression
 * is significant, worse, and worse by more than the threshold in the metric's bad direction; an
 * improvement is significant and better. Neither without a threshold, a direction or a ratio. */
void pb_verdict_decide(struct pb_verdict *v);
size_t pb_regress_judge(const struct pb_rset *base, const struct pb_rset *cur,
                        const struct pb_thresholds *t, struct pb_verdict **out, bool *fp_match,
                        char *why, size_t why_len);
/* regress --history=DB: the history layer's judge (history.h, pb_history_judge), which the
 * command line registers here: report/ reads folders, never the store. NULL: --history is
 * refused as not built in. */
extern int (*pb_regress_history_judge)(const char *db, const struct pb_rset *cur,
                                       const struct pb_thresholds *t, double alpha,
                                       struct pb_verdict **out, size_t *n, char *about,
                                       size_t about_len);

/* The run-wide shift: the median over variants of current/baseline time per op (NAN if none).
 * Far from 1, it says the machine changed (host load, frequency), not each variant. */
double pb_regress_drift(const struct pb_verdict *v, size_t n, size_t *used);

#endif
