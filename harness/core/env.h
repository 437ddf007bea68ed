/* env: what the box is, captured once per run into env.json and Google Benchmark's context, and
 * the noise warnings that follow from it (governor, turbo, load, SMT, clocksource, build type).
 * Every value is a string as read, or "unavailable: <why>"; keys carry units where they have one.
 */
#ifndef PB_ENV_H
#define PB_ENV_H

#include <sched.h>
#include <stddef.h>
#include <stdio.h>

#include "util.h"

struct pb_kv {
    char *key;
    char *value;
};

struct pb_env {
    struct pb_kv *kv;
    size_t n, cap;
    char **warnings;
    size_t n_warnings, cap_warnings;
};

struct pb_topo;

/* Captures the environment. `allowed` is the CPU set the run uses; `topo` may be NULL. */
void pb_env_capture(struct pb_env *e, const cpu_set_t *allowed, const struct pb_topo *topo);
struct pb_pmu;
/* The counters' keys (pmu_counters, pmu_event_<key>: the encoding used or why none), and a
 * warning naming those not available here. */
void pb_env_add_counters(struct pb_env *env, const struct pb_pmu *p);
void pb_env_free(struct pb_env *e);
void pb_env_set(struct pb_env *e, const char *key, const char *fmt, ...) PB_PRINTF(3, 4);
const char *pb_env_value(const struct pb_env *e, const char *key);
void pb_env_warn(struct pb_env *e, const char *fmt, ...) PB_PRINTF(2, 3);
/* `pinbench env --check`: what will make results noisy here, each with why and the commands
 * that would fix it. Advice only: nothing is changed. Pure over the captured keys (tests pass
 * a made-up environment). Returns how many were written to out (at most cap). */
struct pb_advice {
    char what[160];
    char why[300];
    char fix[400];
};
size_t pb_env_advice(const struct pb_env *e, struct pb_advice *out, size_t cap);
/* The rules marked as noise warnings (core/envrules.c: the same table as the advice), each
 * added with pb_env_warn as "<what was seen>: <why it matters>". pb_env_capture calls it. */
void pb_env_noise_warnings(struct pb_env *e);

/* The build this binary came from: "release", "asan", "tsan". */
const char *pb_env_build_type(void);

#endif
