/* numa: what a pinned worker pays when its memory lives on another NUMA node. Pinning a thread
 * without binding its memory leaves the pages wherever they were first touched; this family
 * says what that costs here.
 *
 * Memory is bound with hwloc (strict, every page touched, then read back: see harness/core/mem.h);
 * the worker is pinned and its CPU checked after every operation. Two walks over a 256 MiB
 * buffer, larger than the last-level cache a thread sees on today's parts:
 *   - chase: 2^18 dependent loads in a random single cycle over the buffer's lines. The op
 *     histogram holds nanoseconds per load: the memory latency, TLB misses included (huge
 *     pages are requested; the plan states the kernel's THP mode).
 *   - stream: one in-order read of the whole buffer; bytes_per_s is one thread's bandwidth,
 *     bounded by the lines it keeps in flight, not the node's peak (many threads reach that).
 * local and remote put the same CPU's memory on its own node and on another; the matrix
 * variants sweep every (CPU node, memory node) cell of the plan (harness/core/topo.h) and draw the
 * means as heatmaps. Everything but local needs a second node holding memory, and is skipped
 * with the planner's reason on one-node boxes; every variant needs hwloc to have loaded the
 * topology (memory binding), and is skipped with the reason when it came from sysfs. */
#include "experiment.h"
#include "core/mem.h"
#include "core/pin.h"
#include "core/topo.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_BYTES (256ull << 20)
#define CHASE_LOADS (1u << 18)
#define CHASE_SEED 0x6e756d61ull

enum numa_walk { WALK_CHASE, WALK_STREAM };
enum numa_where { WHERE_LOCAL, WHERE_REMOTE, WHERE_MATRIX };

struct numa_param {
    enum numa_walk walk;
    enum numa_where where;
};

enum { TALLY_BYTES, TALLY_LOADS };

/* One buffer per memory node in use: [0] only for local and remote, one per plan column for a
 * matrix. The chase position carries over from op to op, so each op continues the cycle. */
struct numa_state {
    const struct numa_param *p;
    size_t bytes;
    int n_buf;
    void *buf[PB_MAX_NODES];
    void *at[PB_MAX_NODES];
    int buf_node[PB_MAX_NODES];
    int cpu;     /* local and remote: where the worker runs */
    int rows;    /* matrix: plan rows swept */
    double huge; /* share of the buffer on transparent huge pages, -1 unknown */
    uint64_t sink;
};

/* The CPU and memory node for local or remote: the first plan row that has both a local and a
 * remote memory node, so the two variants compare the same CPU; failing that, the first row with
 * the one asked for. -1 when the plan has none. */
static int numa_pick(const struct pb_numa_plan *pl, enum numa_where w, int *cpu, int *node)
{
    for (int pass = 0; pass < 2; pass++)
        for (int r = 0; r < pl->n_rows; r++) {
            int local = -1, remote = -1;
            for (int c = 0; c < pl->n_cols; c++) {
                if (pl->col_node[c] == pl->row_node[r] && local < 0)
                    local = pl->col_node[c];
                else if (pl->col_node[c] != pl->row_node[r] && remote < 0)
                    remote = pl->col_node[c];
            }
            int want = w == WHERE_LOCAL ? local : remote;
            if (want >= 0 && (pass == 1 || (local >= 0 && remote >= 0))) {
                *cpu = pl->row_cpu[r];
                *node = want;
                return 0;
            }
        }
    return -1;
}

static int numa_add_buffer(struct pb_run *r, struct numa_state *s, int node)
{
    void *b = pb_mem_alloc_on_node(pb_run_topo(r), node, s->bytes);
    if (!b)
        return pb_run_fail(r, "%s", pb_err());
    int k = s->n_buf++;
    s->huge = pb_mem_huge_fraction(b, s->bytes); /* the last buffer's stands for all */
    s->buf[k] = b;
    s->buf_node[k] = node;
    if (s->p->walk == WALK_CHASE && !(s->at[k] = pb_mem_chase_build(b, s->bytes, CHASE_SEED)))
        return pb_run_fail(r, "%s", pb_err());
    return 0;
}

/* One walk over buffer k: 2^18 loads (chase) or the whole buffer (stream). */
static void numa_walk(struct numa_state *s, int k)
{
    if (s->p->walk == WALK_CHASE)
        s->at[k] = pb_mem_chase(s->at[k], CHASE_LOADS);
    else
        s->sink += pb_mem_stream(s->buf[k], s->bytes);
    /* the walks' results are used: the compiler may not drop them */
    __asm__ __volatile__("" : : "r"(s->at[k]), "r"(s->sink) : "memory");
}

/* "madvise, 100% of the buffer on huge pages": the page size changes what a chase measures. */
static void numa_thp_note(const struct numa_state *s, char *thp, size_t len)
{
    size_t used = strlen(thp);
    if (s->huge >= 0)
        snprintf(thp + used, len - used, ", %.0f%% of the buffer on huge pages", s->huge * 100);
}

static int numa_setup(struct pb_run *r)
{
    struct numa_state *s = pb_run_state(r);
    s->p = pb_run_param(r);
    s->bytes = BUF_BYTES;
    const struct pb_numa_plan *pl = pb_run_numa_plan(r);
    char thp[96], l3[96] = "";
    pb_mem_thp_mode(thp, sizeof thp);
    uint64_t l3_bytes = pb_run_cache_bytes(r, 3);
    if (l3_bytes * 4 > s->bytes) /* said, not hidden: part of the walk may then hit in cache */
        snprintf(l3, sizeof l3, "; the topology reports a %llu MiB L3, over a quarter of it",
                 (unsigned long long)(l3_bytes >> 20));
    const char *what = s->p->walk == WALK_CHASE ? "2^18 dependent loads" : "one read pass";
    if (s->p->where != WHERE_MATRIX) {
        int node;
        if (numa_pick(pl, s->p->where, &s->cpu, &node) < 0)
            return pb_run_fail(r, "no %s memory node for any allowed CPU: %s",
                               s->p->where == WHERE_LOCAL ? "local" : "remote", pl->reason);
        if (pb_pin_self(s->cpu) < 0)
            return pb_run_fail(r, "%s", pb_err());
        pb_run_set_placement(r, "cpu %d (node %d), memory on node %d", s->cpu,
                             pb_topo_node_of(pb_run_topo(r), s->cpu), node);
        if (numa_add_buffer(r, s, node) < 0)
            return -1;
        numa_thp_note(s, thp, sizeof thp);
        pb_stamp_t t0 = pb_stamp();
        numa_walk(s, 0);
        pb_run_announce(r, pb_stamp_ns(t0, pb_stamp()) * 1e-9,
                        "%s over %zu MiB on node %d from cpu %d; transparent huge pages: %s%s",
                        what, s->bytes >> 20, node, s->cpu, thp, l3);
        return 0;
    }
    for (int c = 0; c < pl->n_cols; c++)
        if (numa_add_buffer(r, s, pl->col_node[c]) < 0)
            return -1;
    numa_thp_note(s, thp, sizeof thp);
    pb_run_set_placement(r, "%d CPU node%s x %d memory node%s", pl->n_rows,
                         pl->n_rows == 1 ? "" : "s", pl->n_cols, pl->n_cols == 1 ? "" : "s");
    if (pb_pin_self(pl->row_cpu[0]) < 0)
        return pb_run_fail(r, "%s", pb_err());
    pb_stamp_t t0 = pb_stamp();
    numa_walk(s, 0);
    double cell_s = pb_stamp_ns(t0, pb_stamp()) * 1e-9;
    pb_run_announce(r, cell_s * pl->n_rows * pl->n_cols,
                    "%d x %d cells, %s over %zu MiB per cell (%d MiB in all); transparent huge "
                    "pages: %s%s",
                    pl->n_rows, pl->n_cols, what, s->bytes >> 20,
                    (int)((s->bytes >> 20) * (size_t)pl->n_cols), thp, l3);
    return 0;
}

static int numa_op(struct pb_run *r)
{
    struct numa_state *s = pb_run_state(r);
    const struct pb_numa_plan *pl = pb_run_numa_plan(r);
    double per = s->p->walk == WALK_CHASE ? CHASE_LOADS : (double)s->bytes;
    if (s->p->where != WHERE_MATRIX) {
        numa_walk(s, 0);
        pb_run_tally(r, s->p->walk == WALK_CHASE ? TALLY_LOADS : TALLY_BYTES, per);
        return 0;
    }
    for (int row = 0; row < pl->n_rows; row++) {
        if (pb_pin_self(pl->row_cpu[row]) < 0)
            return pb_run_fail(r, "%s", pb_err());
        for (int k = 0; k < s->n_buf; k++) {
            pb_stamp_t t0 = pb_stamp();
            numa_walk(s, k);
            double ns = pb_stamp_ns(t0, pb_stamp());
            /* latency per load, or bytes per ns, which is GB/s */
            pb_run_matrix_value(r, pl->row_node[row], s->buf_node[k],
                                s->p->walk == WALK_CHASE ? ns / per : per / ns);
            pb_run_tally(r, s->p->walk == WALK_CHASE ? TALLY_LOADS : TALLY_BYTES, per);
        }
        if (!pb_pin_on(pl->row_cpu[row]))
            return pb_run_fail(r, "worker pinned to CPU %d ran on CPU %d", pl->row_cpu[row],
                               sched_getcpu());
    }
    return 0;
}

/* Untimed: the pin held, and no page left its node (NUMA balancing or a policy gone wrong
 * would move them; a strict bind should not let it). */
static int numa_verify(struct pb_run *r)
{
    struct numa_state *s = pb_run_state(r);
    if (s->p->where != WHERE_MATRIX && !pb_pin_on(s->cpu))
        return pb_run_fail(r, "worker pinned to CPU %d ran on CPU %d", s->cpu, sched_getcpu());
    for (int k = 0; k < s->n_buf; k++)
        if (pb_mem_check_node(pb_run_topo(r), s->buf[k], s->bytes, s->buf_node[k]) < 0)
            return pb_run_fail(r, "%s", pb_err());
    return 0;
}

static void numa_teardown(struct pb_run *r)
{
    struct numa_state *s = pb_run_state(r);
    for (int k = 0; k < s->n_buf; k++)
        pb_mem_free(pb_run_topo(r), s->buf[k], s->bytes);
}

static const struct pb_matrix_decl numa_latency_matrix = {
    .by_node = true,
    .value = "ns_per_load",
    .label = "latency per dependent load (ns)",
    .title = "pointer-chase latency, CPU node x memory node (mean)",
};
static const struct pb_matrix_decl numa_bandwidth_matrix = {
    .by_node = true,
    .value = "gb_per_s",
    .label = "one thread's read bandwidth (GB/s)",
    .title = "streaming read bandwidth, CPU node x memory node (mean)",
};

#define NUMA_VARIANT(nm, sum, walk, where, need, bat)                                              \
    {                                                                                              \
        nm, sum, .place.needs = need, .place.at = PB_HOME_SELF,                                    \
                 .state_bytes = sizeof(struct numa_state), .setup = numa_setup, .op = numa_op,     \
                 .verify = numa_verify, .teardown = numa_teardown,                                 \
                 .param = PB_PARAM(struct numa_param, walk, where), .batch = bat                   \
    }

static const struct pb_variant numa_variants[] = {
    NUMA_VARIANT("local_chase", "pointer-chase latency to the worker's own node (ns per load)",
                 WALK_CHASE, WHERE_LOCAL, PB_NEED_MEMBIND, CHASE_LOADS),
    NUMA_VARIANT("remote_chase", "pointer-chase latency to another node (ns per load)", WALK_CHASE,
                 WHERE_REMOTE, PB_NEED_REMOTE_NODE | PB_NEED_MEMBIND, CHASE_LOADS),
    NUMA_VARIANT("local_stream", "one thread's read bandwidth from its own node", WALK_STREAM,
                 WHERE_LOCAL, PB_NEED_MEMBIND, 0),
    NUMA_VARIANT("remote_stream", "one thread's read bandwidth from another node", WALK_STREAM,
                 WHERE_REMOTE, PB_NEED_REMOTE_NODE | PB_NEED_MEMBIND, 0),
    {"matrix_chase", "pointer-chase latency for every CPU node x memory node",
     .place.needs = PB_NEED_REMOTE_NODE | PB_NEED_MEMBIND, .place.at = PB_HOME_SELF,
     .state_bytes = sizeof(struct numa_state), .setup = numa_setup, .op = numa_op,
     .verify = numa_verify, .teardown = numa_teardown,
     .param = PB_PARAM(struct numa_param, WALK_CHASE, WHERE_MATRIX),
     .matrix = &numa_latency_matrix},
    {"matrix_stream", "one thread's read bandwidth for every CPU node x memory node",
     .place.needs = PB_NEED_REMOTE_NODE | PB_NEED_MEMBIND, .place.at = PB_HOME_SELF,
     .state_bytes = sizeof(struct numa_state), .setup = numa_setup, .op = numa_op,
     .verify = numa_verify, .teardown = numa_teardown,
     .param = PB_PARAM(struct numa_param, WALK_STREAM, WHERE_MATRIX),
     .matrix = &numa_bandwidth_matrix},
};

static const struct pb_pair_decl numa_pairs[] = {
    PB_HEADLINE("local_chase", "remote_chase", "op_p50_ns"),
    PB_HEADLINE("local_stream", "remote_stream", "bytes_per_s"),
};

static const char *const numa_tallies[] = {
    [TALLY_BYTES] = "bytes_per_op", [TALLY_LOADS] = "loads_per_op"};

const struct pb_family pb_family_numa = {
    .name = "numa",
    .question = "what does memory on another NUMA node cost, in latency and bandwidth?",
    .summary = "memory on the worker's own NUMA node vs another: latency, bandwidth, node matrix",
    PB_TABLE(variants, numa_variants),
    PB_TABLE(pairs, numa_pairs),
    PB_TABLE(tallies, numa_tallies),
    .rate_tally = 1,
    .op_meaning = "chase: one dependent load (batches of 2^18); stream: one pass over 256 MiB; "
                  "matrix: one sweep of the cells",
};
