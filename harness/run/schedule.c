/* schedule: paired blocks, the stopping rule's two looks, the budget (see schedule.h). */
#include "run/schedule.h"

#include "core/clock.h"
#include "run/gbench.h"
#include "run/runner.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double sched_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool vreg_runnable(const struct pb_vreg *vr)
{
    return vr->gb_index >= 0 && !vr->deselected && !vr->skip_reason[0] && !vr->invalid_reason[0];
}

void pb_sched_prepare(struct pb_sched *S, struct pb_runner *R)
{
    memset(S, 0, sizeof *S);
    size_t cap = 0;
    for (size_t i = 0; i < R->n; i++)
        if (!R->vr[i].twin_of)
            cap += R->vr[i].fam->n_pairs;
    S->pairs = pb_xcalloc(cap ? cap : 1, sizeof *S->pairs, "scheduled pairs");
    /* headline pairs first: they are planned first, and run first in every round */
    for (int pass = 0; pass < 2; pass++) {
        const struct pb_family *last = NULL;
        for (size_t i = 0; i < R->n; i++) {
            const struct pb_family *f = R->vr[i].fam;
            if (f == last || R->vr[i].twin_of)
                continue;
            last = f;
            for (size_t j = 0; j < f->n_pairs; j++) {
                const struct pb_pair_decl *d = &f->pairs[j];
                if ((d->headline || d->control) != (pass == 0))
                    continue;
                struct pb_vreg *a, *b;
                pb_runner_pair_vregs(R, f, d, &a, &b);
                if (!vreg_runnable(a) || !vreg_runnable(b))
                    continue; /* the report says why (skipped, filtered out) */
                struct pb_sched_pair *p = &S->pairs[S->n_pairs++];
                p->fam = f;
                p->decl = d;
                p->a = a;
                p->b = b;
                p->needed = NAN;
                p->quartet_s = NAN;
                p->progress_hw_pct = NAN;
            }
        }
    }
}

void pb_sched_free(struct pb_sched *S)
{
    for (size_t i = 0; i < S->n_pairs; i++)
        free(S->pairs[i].blocks);
    free(S->pairs);
    memset(S, 0, sizeof *S);
}

struct sched_ctx {
    struct pb_sched *S;
    struct pb_runner *R;
    const struct pb_sched_opts *o;
    double t0;
    const char *phase;
    int failed;     /* Google Benchmark itself failed */
    long attempted; /* variants calibrated (a failed call counts: the report says why) */
    const struct pb_sched_pair *last; /* the pair whose quartet ran last */
    double main_left_s;               /* main phase: the planned quartets not yet run */
    double later_s;                   /* the first look's stage: the second's share after it */
    size_t main_done, main_total;     /* main phase: quartets run, planned */
    /* the earlier phases: items to do, done, and the time they took (for the time left) */
    struct sched_eta {
        size_t total, done;
        double spent_s;
    } calib, unpaired, pilot;
    double report_s;  /* what writing the folder and its report should take, after the blocks */
    uint64_t stat_ns; /* when the progress line's precision was last computed */
};

/* Time the rest of a phase should take: its items left at the mean time of those done (or a
 * guess from the block time before any). */
static double sched_phase_left_s(const struct sched_eta *e, double guess_s)
{
    size_t left = e->total > e->done ? e->total - e->done : 0;
    return (double)left * (e->done ? e->spent_s / (double)e->done : guess_s);
}

/* Time left in the run: the earlier phases' rest, then the main phase, which spends what they
 * leave of the budget (once planned: its planned quartets' estimate), then the report. */
static double sched_left_s(const struct sched_ctx *c)
{
    if (c->main_total)
        return (c->main_left_s > 0 ? c->main_left_s : 0) + c->later_s + c->report_s;
    double b = c->o->block_s;
    double early = sched_phase_left_s(&c->calib, 3 * b) + sched_phase_left_s(&c->unpaired, 2 * b) +
                   sched_phase_left_s(&c->pilot, 6 * b);
    double main = c->o->budget_s - (sched_now_s() - c->t0) - early;
    return early + (main > 0 ? main : 0) + c->report_s;
}

/* The progress line's prefix: phase, time, the time left and the quartets of the selected
 * pairs. Until the main phase is planned, what is left is the budget; then it is the planned
 * quartets' own estimated time. */
static void sched_progress(struct sched_ctx *c)
{
    double el = sched_now_s() - c->t0;
    double left = sched_left_s(c);
    char q[48] = "";
    if (c->main_total)
        snprintf(q, sizeof q, ", quartet %zu/%zu", c->main_done, c->main_total);
    snprintf(c->R->progress_prefix, sizeof c->R->progress_prefix,
             "[%s %.0f s, about %d:%02d left%s]", c->phase, el, (int)left / 60, (int)left % 60, q);
}

/* One block of `vr`: its metric value in *value (NAN when it failed or has no such metric). */
static int sched_block(struct sched_ctx *c, struct pb_vreg *vr, const char *metric, double *value)
{
    *value = NAN;
    if (!vreg_runnable(vr) || pb_runner_stop_signal())
        return -1;
    sched_progress(c);
    bool error;
    double t = sched_now_s();
    int64_t it = pb_gb_run_block(vr->gb_index, vr->block_iters, true, &error);
    vr->block_wall_s = sched_now_s() - t;
    c->S->blocks_run++;
    if (it < 0) {
        c->failed = 1;
        return -1;
    }
    if (error || !metric)
        return error ? -1 : 0;
    const struct pb_series *s = pb_vreg_series(vr, metric);
    if (s && s->n)
        *value = s->v[s->n - 1];
    return 0;
}

static void sched_push(struct pb_sched_pair *p, const struct pb_block *b)
{
    if (p->n_blocks == p->cap_blocks) {
        p->cap_blocks = p->cap_blocks ? 2 * p->cap_blocks : 64;
        p->blocks = pb_xrealloc(p->blocks, p->cap_blocks * sizeof *p->blocks, "pair blocks");
    }
    p->blocks[p->n_blocks++] = *b;
}

/* An unreported call of `vr`: `iters` iterations, or Google Benchmark's own sizing with 0;
 * nothing is recorded or merged. Returns the iterations run, -1 when Google Benchmark failed. */
static int64_t sched_unreported(struct sched_ctx *c, struct pb_vreg *vr, uint64_t iters,
                                bool *error)
{
    sched_progress(c);
    vr->calibrating = true;
    int64_t it = pb_gb_run_block(vr->gb_index, iters, false, error);
    vr->calibrating = false;
    if (it < 0)
        c->failed = 1;
    return it;
}

/* A warm-up: an unreported block of `vr`, of its block's length. */
static int sched_warmup(struct sched_ctx *c, struct pb_vreg *vr)
{
    if (!vreg_runnable(vr) || pb_runner_stop_signal())
        return -1;
    bool error;
    int64_t it = sched_unreported(c, vr, vr->block_iters, &error);
    c->S->warmups_run++;
    return it < 0 || error ? -1 : 0;
}

/* A B B A or B A A B (pb_pairs_quartet_order). A pair whose variant failed stops (the report
 * says invalid, with the reason).
 * A quartet that follows another pair's starts with a warm-up block of its first variant, not
 * recorded. The first block after a change of workload inherits the previous one's state:
 * the scheduler's load averages (a 32 ms half-life), where the measuring thread last ran, the
 * caches. Seen here: an unpinned thread creation ran at the same-CPU cost (30 us instead of
 * 71 us) in the first block after a family that had loaded both CPUs, and only in that block.
 * The alternation cancels such a shift on average, but each one widens the spread of the
 * quartets, and with quartets interleaved over all pairs every quartet follows another pair. */
/* The progress line's pair: the one being refined, and the CI half-width it had when last
 * computed (on a terminal only, and at most once a progress period for the whole run: the
 * statistic is computed on the measuring thread, between blocks). */
static void sched_progress_pair(struct sched_ctx *c, struct pb_sched_pair *p)
{
    struct pb_runner *R = c->R;
    if (!R->progress)
        return;
    uint64_t now = pb_clock_mono_ns();
    if (!c->stat_ns || now - c->stat_ns >= PB_RUNNER_PROGRESS_PERIOD_NS) {
        c->stat_ns = now;
        struct pb_pair_stat st;
        if (pb_pairs_stat(p->blocks, p->n_blocks, &st) == 0)
            p->progress_hw_pct = st.half_width_pct;
    }
    char prec[48] = "";
    if (isfinite(p->progress_hw_pct))
        snprintf(prec, sizeof prec, ": +-%.1f %% so far (target %.0f %%)", p->progress_hw_pct,
                 c->o->precision_pct);
    size_t fl = strlen(p->fam->name) + 1;
    snprintf(R->progress_pair, sizeof R->progress_pair, "%.20s: %.40s -> %.40s%s", p->fam->name,
             strlen(p->a->name) > fl ? p->a->name + fl : p->a->name,
             strlen(p->b->name) > fl ? p->b->name + fl : p->b->name, prec);
}

static int sched_quartet(struct sched_ctx *c, struct pb_sched_pair *p, enum pb_phase ph)
{
    sched_progress_pair(c, p);
    enum pb_side order[4];
    pb_pairs_quartet_order(p->n_blocks / 4, order);
    if (c->last != p && sched_warmup(c, order[0] == PB_SIDE_BASELINE ? p->a : p->b) < 0)
        return -1;
    c->last = p;
    for (int k = 0; k < 4; k++) {
        struct pb_vreg *vr = order[k] == PB_SIDE_BASELINE ? p->a : p->b;
        struct pb_block b = {sched_now_s() - c->t0, NAN, order[k], ph};
        if (sched_block(c, vr, p->decl->metric, &b.value) < 0)
            return -1;
        sched_push(p, &b);
    }
    return 0;
}

/* A variant's block wall time as far as known: its last block's, or after calibration half
 * the calibrating call's (Google Benchmark sized the block by running shorter ones first); for
 * one not calibrated yet, the profile's block time scaled by how far the calibrated ones ran
 * over it (`scale`). */
static bool sched_in_pair(const struct pb_sched *S, const struct pb_vreg *vr);

static double sched_block_guess_s(const struct sched_ctx *c, const struct pb_vreg *vr, double scale)
{
    const struct pb_vreg *v = vr->twin_of ? vr->twin_of : vr;
    return v->block_wall_s > 0 ? v->block_wall_s : c->o->block_s * scale;
}

/* What the run spends on one family at the least, in seconds: the unpaired variants' blocks and
 * each pair's pilot and minimum main quartets (two blocks a side and half a warm-up). */
static double sched_family_min_s(const struct sched_ctx *c, const struct pb_family *f, double scale,
                                 size_t *variants, size_t *pairs, size_t *headline)
{
    *variants = *pairs = *headline = 0;
    double sum = 0;
    for (size_t i = 0; i < c->R->n; i++) {
        const struct pb_vreg *vr = &c->R->vr[i];
        if (vr->fam != f || !vreg_runnable(vr) || vr->twin_of)
            continue;
        (*variants)++;
        if (!sched_in_pair(c->S, vr))
            sum += c->o->min_blocks * sched_block_guess_s(c, vr, scale);
    }
    for (size_t k = 0; k < c->S->n_pairs; k++) {
        const struct pb_sched_pair *p = &c->S->pairs[k];
        if (p->fam != f)
            continue;
        (*pairs)++;
        bool head = p->decl->headline || p->decl->control;
        *headline += head;
        sum += (PB_PAIRS_PILOT_QUARTETS + (head ? PB_PAIRS_PLAN_MIN_QUARTETS : 0)) * 2.5 *
               (sched_block_guess_s(c, p->a, scale) + sched_block_guess_s(c, p->b, scale));
    }
    return sum;
}

/* One line as each family starts, once its variants are calibrated: its variants and pairs, and
 * about how long the rest of the run spends on it (its minimum, and its headline pairs' share
 * of what the budget leaves beyond every family's minimum). The estimate is made before any of
 * its blocks ran; the progress line's time left is the one kept up to date. */
static void sched_family_line(const struct sched_ctx *c, const struct pb_family *f)
{
    if (!c->R->console)
        return;
    double cal = 0;
    size_t ncal = 0;
    for (size_t i = 0; i < c->R->n; i++)
        if (c->R->vr[i].block_wall_s > 0) {
            cal += c->R->vr[i].block_wall_s;
            ncal++;
        }
    double scale = ncal ? cal / (double)ncal / c->o->block_s : 1;
    double all_min = 0;
    size_t all_head = 0, nv, np, nh;
    const struct pb_family *last = NULL;
    for (size_t i = 0; i < c->R->n; i++)
        if (c->R->vr[i].fam != last) {
            last = c->R->vr[i].fam;
            all_min += sched_family_min_s(c, last, scale, &nv, &np, &nh);
            all_head += nh;
        }
    double mine = sched_family_min_s(c, f, scale, &nv, &np, &nh);
    double extra = c->o->budget_s - all_min;
    double est_s = mine + (extra > 0 && all_head ? extra * (double)nh / (double)all_head : 0);
    if (c->R->progress)
        fprintf(stderr, "\r\033[K");
    char pairs[64] = "";
    if (np)
        snprintf(pairs, sizeof pairs, ", %zu pair%s (%zu headline or control)", np,
                 np == 1 ? "" : "s", nh);
    pb_printf_fit(c->R->console, "%-10s %zu variant%s%s, about %.0f s\n", f->name, nv,
                  nv == 1 ? "" : "s", pairs, est_s < 1 ? 1 : est_s);
    fflush(c->R->console);
}

static int sched_calibrate(struct sched_ctx *c)
{
    c->phase = "calibrating";
    const struct pb_family *started = NULL;
    for (size_t i = 0; i < c->R->n; i++)
        c->calib.total += vreg_runnable(&c->R->vr[i]) && !c->R->vr[i].twin_of;
    /* the folder, its plots and its report: about 50 ms a variant on the development VM */
    c->report_s = 0.05 * (double)c->calib.total;
    for (size_t i = 0; i < c->R->n && !pb_runner_stop_signal(); i++) {
        struct pb_vreg *vr = &c->R->vr[i];
        if (!vreg_runnable(vr))
            continue;
        /* an A/A twin runs the original's blocks exactly: with its own calibration the two
         * sides' blocks differ in length, and whatever a block's start costs (a partner
         * thread's first wake-ups) is spread over different counts, a difference the control
         * would then report as the method's */
        if (vr->twin_of && vr->twin_of->block_iters) {
            vr->block_iters = vr->twin_of->block_iters;
            continue;
        }
        if (vr->fam != started) {
            if (started)
                sched_family_line(c, started);
            started = vr->fam;
        }
        bool error;
        double t = sched_now_s();
        int64_t it = sched_unreported(c, vr, 0, &error);
        c->calib.spent_s += sched_now_s() - t;
        c->calib.done++;
        if (it < 0)
            return -1;
        c->attempted++;
        vr->block_iters = it > 0 ? (uint64_t)it : 1;
        vr->block_wall_s = (sched_now_s() - t) / 2;
    }
    if (started && !pb_runner_stop_signal())
        sched_family_line(c, started);
    return 0;
}

/* Budget, at either look: headline pairs and controls first, cheapest ask first, then the
 * others (`ask`: the quartets the look asks for). */
static int cmp_cost(const void *x, const void *y)
{
    const struct pb_sched_pair *const *a = x, *const *b = y;
    bool ha = (*a)->decl->headline || (*a)->decl->control;
    bool hb = (*b)->decl->headline || (*b)->decl->control;
    if (ha != hb)
        return ha ? -1 : 1;
    double ca = (double)(*a)->ask * (*a)->quartet_s;
    double cb = (double)(*b)->ask * (*b)->quartet_s;
    return (ca > cb) - (ca < cb);
}

/* The fewest main quartets a pair runs: a headline pair or control at least min_q (with the
 * pilot's, enough for the Benjamini-Hochberg step over a run's pairs, see pairs.h); any other
 * only what its pilot lacks of --benchmark_repetitions. The pilot alone gives those pairs a
 * fixed-size interval (smallest p 2/256), and the time their main quartets would take goes to
 * the headline pairs first. */
static size_t sched_min_quartets(const struct pb_sched_pair *p, size_t min_q, size_t min_rep)
{
    return p->decl->headline || p->decl->control ? min_q : min_rep;
}

/* What a look grants a pair asking for `want` quartets of `quartet_s` seconds from *left_s:
 * all of it when it fits, else what is left, even (as many B A A B as A B B A). */
static size_t sched_grant(double *left_s, size_t want, double quartet_s)
{
    size_t n = want;
    if ((double)want * quartet_s > *left_s) {
        n = *left_s > 0 ? (size_t)(*left_s / quartet_s) : 0;
        n -= n % 2;
    }
    *left_s -= (double)n * quartet_s;
    return n;
}

static void sched_plan(struct sched_ctx *c, size_t min_q, size_t min_rep, double left_s)
{
    struct pb_sched *S = c->S;
    struct pb_sched_pair **order =
        pb_xcalloc(S->n_pairs ? S->n_pairs : 1, sizeof *order, "pair order");
    double lr[PB_PAIRS_PILOT_QUARTETS + 1];
    for (size_t i = 0; i < S->n_pairs; i++) {
        struct pb_sched_pair *p = &S->pairs[i];
        order[i] = p;
        size_t np = pb_pairs_quartets(p->blocks, p->n_blocks, PB_PHASE_PILOT, lr, NULL);
        size_t pmin = sched_min_quartets(p, min_q, min_rep);
        p->planned = p->ask = pb_pairs_plan(lr, np, c->o->precision_pct, pmin, 100000);
        p->needed = np >= 2 ? (double)p->planned : NAN;
        if (!isfinite(p->quartet_s) || p->quartet_s <= 0)
            p->quartet_s = 4 * c->o->block_s;
        left_s -= (double)pmin * p->quartet_s; /* every pair's minimum is spent anyway */
    }
    /* the first look keeps a share of the budget for the second, which plans from many more
     * quartets than the pilot's 8 */
    left_s *= PB_SCHED_FIRST_SHARE;
    qsort(order, S->n_pairs, sizeof *order, cmp_cost);
    for (size_t i = 0; i < S->n_pairs; i++) {
        struct pb_sched_pair *p = order[i];
        size_t pmin = sched_min_quartets(p, min_q, min_rep);
        p->planned = pmin + sched_grant(&left_s, p->planned - pmin, p->quartet_s);
    }
    free(order);
}

/* The second look: each pair short of the target asks for its top-up (pb_pairs_replan), and
 * what the budget has left goes as at the first look (cmp_cost); a pair that does not fit gets
 * what is left. */
static void sched_replan(struct sched_ctx *c, double left_s)
{
    struct pb_sched *S = c->S;
    struct pb_sched_pair **order =
        pb_xcalloc(S->n_pairs ? S->n_pairs : 1, sizeof *order, "pair order");
    size_t n = 0;
    for (size_t i = 0; i < S->n_pairs; i++) {
        struct pb_sched_pair *p = &S->pairs[i];
        p->topup = p->topup_asked = 0;
        if (p->a->invalid_reason[0] || p->b->invalid_reason[0])
            continue;
        struct pb_pair_stat st;
        pb_pairs_stat(p->blocks, p->n_blocks, &st);
        p->topup_asked = p->ask = pb_pairs_replan(&st, c->o->precision_pct);
        if (p->topup_asked)
            order[n++] = p;
    }
    qsort(order, n, sizeof *order, cmp_cost);
    for (size_t i = 0; i < n; i++)
        order[i]->topup = sched_grant(&left_s, order[i]->topup_asked, order[i]->quartet_s);
    free(order);
}

static void sched_stop_reason(struct pb_sched_pair *p, const struct pb_sched_opts *o, bool late)
{
    struct pb_pair_stat st;
    pb_pairs_stat(p->blocks, p->n_blocks, &st);
    size_t want = p->planned + p->topup;
    if (pb_runner_stop_signal() && st.n_quartets < want) {
        snprintf(p->stop, sizeof p->stop, "stopped by a signal after %zu of %zu main quartets",
                 st.n_quartets, want);
        return;
    }
    if (st.n_quartets < want && !(st.half_width_pct <= o->precision_pct)) {
        snprintf(p->stop, sizeof p->stop,
                 "overrun: the run reached %.2fx its %.0f s budget after %zu of %zu main "
                 "quartets (%s)",
                 PB_SCHED_OVERRUN, o->budget_s, st.n_quartets, want,
                 late ? "the calibration, the unpaired blocks and the pilot took the whole budget"
                      : "the box ran slower than in the pilot");
        return;
    }
    if (p->a->invalid_reason[0] || p->b->invalid_reason[0]) {
        snprintf(p->stop, sizeof p->stop, "a variant failed: no more blocks");
        return;
    }
    if (isfinite(st.half_width_pct) && st.half_width_pct <= o->precision_pct) {
        snprintf(p->stop, sizeof p->stop, "target reached");
        return;
    }
    /* how long it would take here: the quartets the interval's width says, at this spread */
    double need = ceil(pb_pairs_quartets_at(&st, o->precision_pct));
    double secs = need * p->quartet_s;
    if (p->topup < p->topup_asked)
        snprintf(p->stop, sizeof p->stop,
                 "budget: after %zu main quartets (the pilot asked for %.0f) the second look "
                 "asked for %zu more, the budget left gave %zu; about %.0f quartets in all "
                 "(%.0f s here) would reach +-%.1f %%",
                 p->planned, p->needed, p->topup_asked, p->topup, need, secs, o->precision_pct);
    else
        snprintf(p->stop, sizeof p->stop,
                 "missed: the %zu top-up quartets the second look asked for fell short (the "
                 "spread grew); about %.0f quartets in all (%.0f s here) would reach +-%.1f %%",
                 p->topup, need, secs, o->precision_pct);
}

/* Variants in no runnable pair: their blocks, `per_round` at a time per main round. */
static bool sched_in_pair(const struct pb_sched *S, const struct pb_vreg *vr)
{
    for (size_t i = 0; i < S->n_pairs; i++)
        if (S->pairs[i].a == vr || S->pairs[i].b == vr)
            return true;
    return false;
}

struct sched_slot {
    double at; /* the quartet's place in the main phase, 0..1 */
    size_t pair;
};

static int cmp_slot(const void *x, const void *y)
{
    const struct sched_slot *a = x, *b = y;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return (a->pair > b->pair) - (a->pair < b->pair);
}

/* One stage of main quartets (the first look's planned ones, or the second's top-up), each
 * pair's spread evenly over it: quartet k of a pair's n runs at (k + 1/2) / n of the stage.
 * Round after round of the pairs still left would end with a few pairs running back to back,
 * in a box unlike the one their pilot saw. */
static void sched_stage(struct sched_ctx *c, bool topup)
{
    struct pb_sched *S = c->S;
    size_t total = 0;
    for (size_t i = 0; i < S->n_pairs; i++)
        total += topup ? S->pairs[i].topup : S->pairs[i].planned;
    struct sched_slot *slots = pb_xcalloc(total ? total : 1, sizeof *slots, "main quartets");
    size_t ns = 0;
    for (size_t i = 0; i < S->n_pairs; i++) {
        size_t n = topup ? S->pairs[i].topup : S->pairs[i].planned;
        for (size_t k = 0; k < n; k++)
            slots[ns++] = (struct sched_slot){((double)k + 0.5) / (double)n, i};
    }
    qsort(slots, ns, sizeof *slots, cmp_slot);
    /* the plan is made from the pilot's block times; a box that slows down later could run
     * far past the budget, so the main quartets end at PB_SCHED_OVERRUN times it. The cut
     * depends on the clock, not on the values, and falls on every pair at once. */
    double cap_s = PB_SCHED_OVERRUN * c->o->budget_s;
    c->main_done = 0;
    c->main_total = ns;
    c->main_left_s = 0;
    for (size_t k = 0; k < ns; k++)
        c->main_left_s += S->pairs[slots[k].pair].quartet_s;
    for (size_t k = 0; k < ns && !pb_runner_stop_signal() && !c->failed; k++) {
        if (sched_now_s() - c->t0 > cap_s) {
            S->overrun = true;
            break;
        }
        sched_quartet(c, &S->pairs[slots[k].pair], PB_PHASE_MAIN);
        c->main_done++;
        c->main_left_s -= S->pairs[slots[k].pair].quartet_s;
    }
    free(slots);
}

long pb_sched_run(struct pb_sched *S, struct pb_runner *R, const struct pb_sched_opts *o)
{
    struct sched_ctx c = {.S = S, .R = R, .o = o, .t0 = sched_now_s(), .phase = ""};
    if (sched_calibrate(&c) < 0)
        return -1;
    S->calibration_s = sched_now_s() - c.t0;
    /* a quartet holds two blocks a side; the pilot's count toward --benchmark_repetitions */
    size_t rep_q = (o->min_blocks + 1) / 2;
    size_t min_rep = rep_q > PB_PAIRS_PILOT_QUARTETS ? rep_q - PB_PAIRS_PILOT_QUARTETS : 0;
    min_rep += min_rep % 2;
    size_t min_q = min_rep > PB_PAIRS_PLAN_MIN_QUARTETS ? min_rep : PB_PAIRS_PLAN_MIN_QUARTETS;

    /* the unpaired variants first, in rounds: some of them load the box on purpose (noisy
     * neighbours, all-pairs sweeps), and run here they cannot make the main quartets noisier
     * than the pilot that planned them */
    c.phase = "unpaired";
    for (size_t i = 0; i < R->n; i++)
        c.unpaired.total += vreg_runnable(&R->vr[i]) && !sched_in_pair(S, &R->vr[i]);
    c.unpaired.total *= o->min_blocks;
    c.pilot.total = (size_t)PB_PAIRS_PILOT_QUARTETS * S->n_pairs;
    for (unsigned k = 0; k < o->min_blocks && !pb_runner_stop_signal() && !c.failed; k++)
        for (size_t i = 0; i < R->n && !c.failed; i++) {
            struct pb_vreg *vr = &R->vr[i];
            double v;
            if (vreg_runnable(vr) && !sched_in_pair(S, vr)) {
                double tb = sched_now_s();
                sched_block(&c, vr, NULL, &v);
                c.unpaired.spent_s += sched_now_s() - tb;
                c.unpaired.done++;
            }
        }
    S->unpaired_s = sched_now_s() - c.t0 - S->calibration_s;
    if (c.failed)
        return -1;

    c.phase = "pilot";
    double t = sched_now_s();
    for (unsigned k = 0; k < PB_PAIRS_PILOT_QUARTETS && !pb_runner_stop_signal(); k++)
        for (size_t i = 0; i < S->n_pairs && !c.failed; i++) {
            double tq = sched_now_s();
            sched_quartet(&c, &S->pairs[i], PB_PHASE_PILOT);
            c.pilot.spent_s += sched_now_s() - tq;
            c.pilot.done++;
        }
    for (size_t i = 0; i < S->n_pairs; i++) {
        struct pb_sched_pair *p = &S->pairs[i];
        /* the span between a pair's blocks holds the other pairs' blocks: its own cost is its
         * blocks' wall time, calls' overheads included, and its warm-up block (either side's,
         * in turn) */
        p->quartet_s = 2.5 * (p->a->block_wall_s + p->b->block_wall_s);
    }
    S->pilot_s = sched_now_s() - t;
    if (c.failed)
        return -1;

    sched_plan(&c, min_q, min_rep, o->budget_s - (sched_now_s() - c.t0));

    c.phase = "main";
    t = sched_now_s();
    /* the second look's share, for the time left until it is planned */
    double reserve_s = (o->budget_s - (sched_now_s() - c.t0));
    for (size_t i = 0; i < S->n_pairs; i++)
        reserve_s -= (double)S->pairs[i].planned * S->pairs[i].quartet_s;
    c.later_s = reserve_s > 0 ? reserve_s : 0;
    S->late = sched_now_s() - c.t0 > o->budget_s;
    sched_stage(&c, false);
    if (!c.failed && !S->overrun && !pb_runner_stop_signal()) {
        c.phase = "top-up";
        c.later_s = 0;
        sched_replan(&c, o->budget_s - (sched_now_s() - c.t0));
        sched_stage(&c, true);
    }
    R->progress_pair[0] = '\0';
    S->main_s = sched_now_s() - t;
    S->elapsed_s = sched_now_s() - c.t0;
    if (R->progress)
        fprintf(stderr, "\r\033[K");
    if (c.failed)
        return -1;
    for (size_t i = 0; i < S->n_pairs; i++)
        sched_stop_reason(&S->pairs[i], o, S->late);
    return c.attempted;
}
