/* claims: the figures quoted for Go's pinning model (DESIGN.md, claims.tsv), each tied to the
 * variant and metric that measure it here. The report puts the measured value, its CI and a
 * verdict beside every row (harness/report/costmodel.h says how a verdict is reached). */
#include "claims.h"
#include "util.h"

#include <math.h>

#define POINT(x) (x), (x)

const struct pb_claim pb_claims[] = {
    {"thread_create", "creating an OS thread (create -> join, unpinned)", "10-50 us", 10, 50, "us",
     PB_CLAIM_VALUE, "churn/spawn/unpinned", NULL, "op_p50_ns", 1e-3, NULL},
    {"pin_overhead_trivial", "extra cost of pinning a short-lived thread with trivial work",
     "800 ns", POINT(800), "ns", PB_CLAIM_DIFF, "churn/spawn/self_pinned_same",
     "churn/spawn/unpinned", "op_p50_ns", 1,
     "an OS-level analog: Go pins a goroutine to its M in user space; pinbench adds "
     "sched_setaffinity in the new thread, a system call"},
    {"pin_call", "the pin call itself (to the CPU already running on)", "< 100 ns", -INFINITY, 100,
     "ns", PB_CLAIM_VALUE, "churn/pin_call/same_cpu", NULL, "op_p50_ns", 1,
     "a different operation: LockOSThread only wires the goroutine to its thread in user space (no "
     "system call); pinbench measures sched_setaffinity to the CPU already running on, the "
     "OS-level pin"},
    {"preempt_signal", "tgkill(SIGURG) to handler entry, running victim on another CPU", "1-3 us",
     1, 3, "us", PB_CLAIM_VALUE, "preempt/running/other_cpu", NULL, "to_handler_p50_ns", 1e-3,
     NULL},
    {"cache_locality", "time saved when a hot loop stays on one CPU (L2-sized, moved every 1 ms)",
     "5-15 %", 5, 15, "%", PB_CLAIM_GAIN_PCT, "locality/l2/move_1ms", "locality/l2/pinned",
     "real_time_ns", 1, NULL},
    {"owner_vs_atomic", "pinned owner fed by a queue vs atomic counter, 8 producers", "20 x slower",
     POINT(20), "x", PB_CLAIM_RATIO, "serialize/owner/unpinned_producers",
     "serialize/atomic/unpinned", "real_time_ns", 1,
     "an OS-level analog: a pinned owner thread fed by a lock-free queue stands for a goroutine "
     "owning state behind a channel"},
    {"atomic_vs_mutex", "mutex increment vs atomic increment", "25 x slower", POINT(25), "x",
     PB_CLAIM_RATIO, "serialize/mutex/unpinned", "serialize/atomic/unpinned", "real_time_ns", 1,
     NULL},
    {"atomic_vs_pinning", "per-call pin+restore to serialise vs atomic increment", "250 x slower",
     POINT(250), "x", PB_CLAIM_RATIO, "serialize/pin_per_call/atomic", "serialize/atomic/unpinned",
     "real_time_ns", 1,
     "an OS-level analog: sched_setaffinity pin+restore around each increment stands for "
     "LockOSThread/UnlockOSThread"},
    {"channel_vs_atomic", "contended handoff through a queue vs contended atomic",
     "50 vs 2 ns/op (25 x)", POINT(25), "x", PB_CLAIM_RATIO, "serialize/owner/unpinned_producers",
     "serialize/atomic/unpinned", "real_time_ns", 1,
     "an OS-level analog: a lock-free queue handoff stands for a Go channel send"},
    {"vestigial_pin", "per-request pin+restore vs no pin, same work (request latency)", "2 x",
     POINT(2), "x", PB_CLAIM_RATIO, "dispatch/pin_per_request/same_cpu", "dispatch/inline/unpinned",
     "request_p50_ns", 1,
     "an OS-level analog: sched_setaffinity pin+restore per request stands for "
     "LockOSThread/UnlockOSThread"},
    {"thread_memory", "virtual memory per idle thread, default stack (VmSize growth)",
     "8 MiB virtual stack", POINT(8), "MiB", PB_CLAIM_VALUE, "churn/idle/default_stack", NULL,
     "vmsize_per_thread_kib", 1.0 / 1024, NULL},
    {"thread_memory_kernel", "kernel memory per idle thread (KernelStack growth, whole box)",
     "8 KiB kernel", POINT(8), "KiB", PB_CLAIM_VALUE, "churn/idle/default_stack", NULL,
     "kernel_stack_per_thread_kib", 1, NULL},
    {"pool_threads", "peak threads: thread per request (8 clients) vs pinned pool",
     "tracks concurrency vs baseline+N", NAN, NAN, "x", PB_CLAIM_RATIO, "dispatch/tpr/unpinned",
     "dispatch/pool/pinned_rr", "threads_peak_sampled", 1, NULL},
    {"numa_local", "streaming bandwidth gained with the worker's memory on its own node", ">= 15 %",
     15, INFINITY, "%", PB_CLAIM_GAIN_PCT, "numa/local_stream", "numa/remote_stream", "bytes_per_s",
     1, NULL},
    {"isolated_tail", "p99.9 loop gap on an isolated CPU vs a housekeeping one, with noise",
     "5 ms -> < 3 ms (< 0.6 x)", -INFINITY, 0.6, "x", PB_CLAIM_RATIO, "isolation/isolated_noisy",
     "isolation/housekeeping_noisy", "gap_p999_ns", 1, NULL},
};
const size_t pb_n_claims = PB_ARRAY_LEN(pb_claims);
