/* claims: the figures quoted for Go's pinning model (DESIGN.md, claims.tsv), each tied to the
 * variants and metric that measure it here: the OS-level measurement of the C families, and,
 * where the claim is about an operation of Go's runtime, the go family's measurement of that
 * operation itself. The report puts both beside every row, with a verdict from the like-for-like
 * one where it was measured (harness/report/costmodel.h says how a verdict is reached). */
#include "claims.h"
#include "util.h"

#include <math.h>

#define POINT(x) (x), (x)
#define VALUE(v, m, sc)                                                                            \
    {                                                                                              \
        PB_CLAIM_VALUE, (v), NULL, (m), (sc)                                                       \
    }
#define VS(how, v, b, m, sc)                                                                       \
    {                                                                                              \
        (how), (v), (b), (m), (sc)                                                                 \
    }

const struct pb_claim pb_claims[] = {
    {.id = "thread_create",
     .claim = "creating an OS thread (create -> join, unpinned)",
     .quoted = "10-50 us",
     .lo = 10,
     .hi = 50,
     .unit = "us",
     .os = VALUE("churn/spawn/unpinned", "op_p50_ns", 1e-3),
     .go = VS(PB_CLAIM_DIFF, "go/goroutine/locked_exit", "go/goroutine/locked_unlock",
              "real_time_ns", 1e-3),
     .go_relation = "Go: a goroutine that exits locked takes its thread with it and the runtime "
                    "clones a new M; the difference from one that unlocks first is that thread's "
                    "exit and creation, which the pthread create -> join figure should be close "
                    "to"},
    {.id = "pin_overhead_trivial",
     .claim = "extra cost of pinning a short-lived thread with trivial work",
     .quoted = "800 ns",
     .lo = POINT(800),
     .unit = "ns",
     .os =
         VS(PB_CLAIM_DIFF, "churn/spawn/self_pinned_same", "churn/spawn/unpinned", "op_p50_ns", 1),
     .analog = "an OS-level analog: Go pins a goroutine to its M in user space; pinbench adds "
               "sched_setaffinity in the new thread, a system call",
     .go = VS(PB_CLAIM_DIFF, "go/goroutine/locked_unlock", "go/goroutine/plain", "real_time_ns", 1),
     .go_relation = "Go: LockOSThread+UnlockOSThread inside a short-lived goroutine against the "
                    "same goroutine unlocked; the OS figure adds a system call Go never makes"},
    {.id = "pin_call",
     .claim = "the pin call itself (to the CPU already running on)",
     .quoted = "< 100 ns",
     .lo = -INFINITY,
     .hi = 100,
     .unit = "ns",
     .os = VALUE("churn/pin_call/same_cpu", "op_p50_ns", 1),
     .analog = "a different operation: LockOSThread only wires the goroutine to its thread in "
               "user space (no system call); pinbench measures sched_setaffinity to the CPU "
               "already running on, the OS-level pin",
     .go = VS(PB_CLAIM_DIFF, "go/lock/locked", "go/lock/unlocked", "real_time_ns", 1),
     .go_relation = "Go: LockOSThread+UnlockOSThread around trivial work, minus the same work "
                    "unlocked; the OS figure is a system call and does not explain it"},
    {.id = "preempt_signal",
     .claim = "async preemption by tgkill(SIGURG) of a running thread on another CPU",
     .quoted = "1-3 us",
     .lo = 1,
     .hi = 3,
     .unit = "us",
     .os = VALUE("preempt/running/other_cpu", "to_handler_p50_ns", 1e-3),
     .analog = "the signal alone: tgkill to handler entry in a C thread, without the Go "
               "runtime's handler and its return to the scheduler",
     .go = VS(PB_CLAIM_DIFF, "go/preempt/stw_signal", "go/preempt/stw_cooperative", "pause_p50_ns",
              1e-3),
     .go_relation =
         "Go: the median stop-the-world that preempts a spinning goroutine by SIGURG, "
         "minus one that stops it at a function call (GODEBUG=asyncpreemptoff=1): what the "
         "signal path adds; the OS figure is the delivery inside it, the rest the "
         "runtime's handler and sigreturn"},
    {.id = "cache_locality",
     .claim = "time saved when a hot loop stays on one CPU (L2-sized, moved every 1 ms)",
     .quoted = "5-15 %",
     .lo = 5,
     .hi = 15,
     .unit = "%",
     .os = VS(PB_CLAIM_GAIN_PCT, "locality/l2/move_1ms", "locality/l2/pinned", "real_time_ns", 1)},
    {.id = "owner_vs_atomic",
     .claim = "pinned owner fed by a queue vs atomic counter, 8 producers",
     .quoted = "20 x slower",
     .lo = POINT(20),
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "serialize/owner/unpinned_producers", "serialize/atomic/unpinned",
              "real_time_ns", 1),
     .analog = "an OS-level analog: a pinned owner thread fed by a lock-free queue stands for a "
               "goroutine owning state behind a channel",
     .go =
         VS(PB_CLAIM_RATIO, "go/serialize/owner_locked", "go/serialize/atomic", "real_time_ns", 1),
     .go_relation = "Go: 8 goroutines send to an owner goroutine locked to its thread over a "
                    "buffered channel, against atomic.AddInt64; the OS analog has no channel "
                    "locking and no goroutine parking, so it should be the faster of the two"},
    {.id = "atomic_vs_mutex",
     .claim = "mutex increment vs atomic increment",
     .quoted = "25 x slower",
     .lo = POINT(25),
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "serialize/mutex/unpinned", "serialize/atomic/unpinned",
              "real_time_ns", 1),
     .go = VS(PB_CLAIM_RATIO, "go/serialize/mutex", "go/serialize/atomic", "real_time_ns", 1),
     .go_relation = "Go: sync.Mutex against atomic.AddInt64, 8 goroutines; sync.Mutex spins and "
                    "parks goroutines, a pthread mutex parks threads in the kernel"},
    {.id = "atomic_vs_pinning",
     .claim = "per-call pin+restore to serialise vs atomic increment",
     .quoted = "250 x slower",
     .lo = POINT(250),
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "serialize/pin_per_call/atomic", "serialize/atomic/unpinned",
              "real_time_ns", 1),
     .analog = "an OS-level analog: sched_setaffinity pin+restore around each increment stands "
               "for LockOSThread/UnlockOSThread"},
    {.id = "channel_vs_atomic",
     .claim = "contended handoff through a queue vs contended atomic",
     .quoted = "50 vs 2 ns/op (25 x)",
     .lo = POINT(25),
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "serialize/owner/unpinned_producers", "serialize/atomic/unpinned",
              "real_time_ns", 1),
     .analog = "an OS-level analog: a lock-free queue handoff stands for a Go channel send",
     .go = VS(PB_CLAIM_RATIO, "go/serialize/chan", "go/serialize/atomic", "real_time_ns", 1),
     .go_relation = "Go: a contended send on a buffered channel (8 senders, one receiver) "
                    "against a contended atomic.AddInt64; the queue analog shows how much of it "
                    "is the handoff itself rather than the channel's lock and parking"},
    {.id = "vestigial_pin",
     .claim = "per-request pin+restore vs no pin, same work (request latency)",
     .quoted = "2 x",
     .lo = POINT(2),
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "dispatch/pin_per_request/same_cpu", "dispatch/inline/unpinned",
              "request_p50_ns", 1),
     .analog = "an OS-level analog: sched_setaffinity pin+restore per request stands for "
               "LockOSThread/UnlockOSThread",
     .go = VS(PB_CLAIM_RATIO, "go/lock/locked", "go/lock/unlocked", "real_time_ns", 1),
     .go_relation = "Go: LockOSThread+UnlockOSThread around the trivial work of a call, against "
                    "the call alone; the OS analog's two system calls per request are what Go "
                    "does not pay"},
    {.id = "thread_memory",
     .claim = "virtual memory per idle thread, default stack (VmSize growth)",
     .quoted = "8 MiB virtual stack",
     .lo = POINT(8),
     .unit = "MiB",
     .os = VALUE("churn/idle/default_stack", "vmsize_per_thread_kib", 1.0 / 1024)},
    {.id = "thread_memory_kernel",
     .claim = "kernel memory per idle thread (KernelStack growth, whole box)",
     .quoted = "8 KiB kernel",
     .lo = POINT(8),
     .unit = "KiB",
     .os = VALUE("churn/idle/default_stack", "kernel_stack_per_thread_kib", 1)},
    {.id = "pool_threads",
     .claim = "peak threads: thread per request (8 clients) vs pinned pool",
     .quoted = "tracks concurrency vs baseline+N",
     .lo = NAN,
     .hi = NAN,
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "dispatch/tpr/unpinned", "dispatch/pool/pinned_rr",
              "threads_peak_sampled", 1),
     .go = VS(PB_CLAIM_RATIO, "go/dispatch/per_request", "go/dispatch/pool", "go_threads_peak", 1),
     .go_relation = "Go: the process's threads with a locked goroutine per request (8 clients) "
                    "against a pool of GOMAXPROCS locked goroutines; each blocked locked "
                    "goroutine holds a thread, as each pthread per request does"},
    {.id = "numa_local",
     .claim = "streaming bandwidth gained with the worker's memory on its own node",
     .quoted = ">= 15 %",
     .lo = 15,
     .hi = INFINITY,
     .unit = "%",
     .os = VS(PB_CLAIM_GAIN_PCT, "numa/local_stream", "numa/remote_stream", "bytes_per_s", 1)},
    {.id = "isolated_tail",
     .claim = "p99.9 loop gap on an isolated CPU vs a housekeeping one, with noise",
     .quoted = "5 ms -> < 3 ms (< 0.6 x)",
     .lo = -INFINITY,
     .hi = 0.6,
     .unit = "x",
     .os = VS(PB_CLAIM_RATIO, "isolation/isolated_noisy", "isolation/housekeeping_noisy",
              "gap_p999_ns", 1)},
};
const size_t pb_n_claims = PB_ARRAY_LEN(pb_claims);
