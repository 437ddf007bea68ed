// pbgo: the go family's workloads, run by pinbench as a child process (bench/go.c).
//
// Go's own costs beside the OS-level analogs the C families measure: runtime.LockOSThread wires
// a goroutine to its M in user space (no system call), a goroutine that exits while locked takes
// its thread with it (the runtime clones a new M), a locked owner goroutine fed by a channel,
// and asynchronous preemption, which the runtime delivers as tgkill(SIGURG) to the thread
// running the goroutine it wants back.
//
// One process per variant, kept from one timed call of it to the next. It reads commands on
// stdin and answers each with one line:
//
//	(at start)     hello go_version=go1.19.8 gomaxprocs=2 ncpu=2 threads=5
//	setup WORKLOAD ok gomaxprocs=N (as the workload left it) | err MESSAGE   (the first call)
//	resume         ok | err MESSAGE                                         (every later call)
//	run N          ok ns=... threads=... sigurg=... counted=... [key=value ...] | err MESSAGE
//	end            ok sigurg=K | err MESSAGE                                (every call's last)
//
// `run N` performs N operations of the workload and answers with the time they took, measured
// here with Go's monotonic clock (the socket round trip to pinbench is outside it), and with what
// happened meanwhile: the threads alive after it (/proc/self/status; the runtime keeps idle
// threads, so this is also the peak, except after locked exits), SIGURG signals that reached
// signal.Notify (the runtime forwards its preemption signals; signals that arrive together are
// counted once, so this is a lower bound), threads that ran the workload's goroutines and did
// not exist before the run (new_threads), the fixed cost of releasing a gang (overhead_ns), and
// per-request latencies (lat_ns) where a workload has requests. The
// keys are parsed by pb_go_parse_reply (bench/gochild.c), which refuses a key it does not know:
// change both together.
//
// Between calls the process idles: `end` lets the workload stop what would run meanwhile (a
// spinner) and `resume` starts it again. A process per call cost 6-8 ms to start and 1 ms to
// end on a 2-vCPU VM, a third of a 10 ms block's wall time or more.
//
// SIGURG counts are reported as seen: each answer gives the signals counted since the previous
// one. Signals reach the count late (through the runtime's signal goroutine, which gets a P only
// once the run lets go of it), so some of a run's land in the next answer. `end` waits until a
// workload whose signals matter sees its count stay put, and answers with the rest. Waiting
// after every run instead cost 3 ms or more a run (sleeps of 200 us take a millisecond on a VM),
// most of a stop-the-world block's wall time, and left the CPUs idle before every batch, which
// doubled the signalled stop's time against the same loop run back to back.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	producers = 8   // as in the figures quoted for the single-owner pattern
	clients   = 8   // concurrent clients of the dispatch workloads
	chanCap   = 128 // the serialising channel's buffer
)

var sink uint64

// work is the trivial body every workload wraps: kept out of line so that the compiler cannot
// fold it into the loop around it.
//
//go:noinline
func work() { sink++ }

// result is what one `run` reports besides the time.
type result struct {
	ns         int64           // the timed part, where the workload times only part of a run
	lat        []time.Duration // per-request latencies, where the workload has requests
	overheadNS float64         // the same gang released with no work (fixed cost per run)
	counted    uint64          // increments or requests the workload checked it completed
	newThreads int             // threads that ran its goroutines and did not exist before (-1: not known)
}

type workload struct {
	setup    func() error // once per process, before the first run
	resume   func() error // before every later call's first run (nil: nothing to do)
	idle     func()       // after every call's last run, until the next call's resume
	run      func(n int, res *result) error
	teardown func()
	perRun   int  // operations must be a multiple of this (producers, clients)
	signals  bool // its SIGURG count matters: `settle` waits for the count to stay put
}

// sigurgs counts the SIGURGs that reached signal.Notify; reported, the part already answered.
var sigurgs, reported atomic.Uint64

// sigurgsSince: the signals counted since the last answer, now reported.
func sigurgsSince() uint64 {
	now := sigurgs.Load()
	return now - reported.Swap(now)
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println(runtime.Version())
		return
	}
	if len(os.Args) != 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: pbgo serve | pbgo version (pinbench runs it; see bench/go.c)")
		os.Exit(2)
	}
	// Preemption signals reach signal.Notify as well as the runtime's handler.
	urg := make(chan os.Signal, 4096)
	signal.Notify(urg, syscall.SIGURG)
	go func() {
		for range urg {
			sigurgs.Add(1)
		}
	}()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "hello go_version=%s gomaxprocs=%d ncpu=%d threads=%d\n", runtime.Version(),
		runtime.GOMAXPROCS(0), runtime.NumCPU(), threadsAlive())
	out.Flush()
	serve(bufio.NewScanner(os.Stdin), out)
}

func serve(in *bufio.Scanner, out *bufio.Writer) {
	var w *workload
	defer func() {
		if w != nil && w.teardown != nil {
			w.teardown()
		}
	}()
	for in.Scan() {
		f := strings.Fields(in.Text())
		var reply string
		switch {
		case len(f) == 2 && f[0] == "setup" && w == nil:
			var err error
			if w, err = newWorkload(f[1]); err == nil && w.setup != nil {
				err = w.setup()
			}
			sigurgsSince() // the setup's own signals are not the first run's
			if err != nil {
				w = nil
				reply = "err " + err.Error()
			} else {
				reply = fmt.Sprintf("ok gomaxprocs=%d", runtime.GOMAXPROCS(0))
			}
		case len(f) == 2 && f[0] == "run" && w != nil:
			reply = runOnce(w, f[1])
		case len(f) == 1 && f[0] == "resume" && w != nil:
			reply = "ok"
			if w.resume != nil {
				if err := w.resume(); err != nil {
					reply = "err " + err.Error()
				}
			}
			sigurgsSince() // the resume's own signals are not the first run's
		case len(f) == 1 && f[0] == "end" && w != nil:
			reply = end(w)
		default:
			reply = fmt.Sprintf("err bad command %q", in.Text())
		}
		fmt.Fprintln(out, reply)
		out.Flush()
	}
}

func runOnce(w *workload, arg string) string {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 || n%w.perRun != 0 {
		return fmt.Sprintf("err run %q: need a positive multiple of %d", arg, w.perRun)
	}
	res := result{newThreads: -1}
	t0 := time.Now()
	err = w.run(n, &res)
	ns := time.Since(t0).Nanoseconds()
	if res.ns > 0 {
		ns = res.ns
	}
	if err != nil {
		return "err " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "ok ns=%d threads=%d sigurg=%d counted=%d", ns, threadsAlive(),
		sigurgsSince(), res.counted)
	if res.newThreads >= 0 {
		fmt.Fprintf(&b, " new_threads=%d", res.newThreads)
	}
	if res.overheadNS > 0 {
		fmt.Fprintf(&b, " overhead_ns=%.0f", res.overheadNS)
	}
	if len(res.lat) > 0 {
		b.WriteString(" lat_ns=")
		for i, d := range res.lat {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(d.Nanoseconds(), 10))
		}
	}
	return b.String()
}

// end: where the workload's signals matter, waits until the count stays put for a while, then
// lets the workload idle; answers with the signals counted since the last answer.
func end(w *workload) string {
	if w.signals {
		for i, seen := 0, sigurgs.Load(); i < 20; i++ {
			time.Sleep(200 * time.Microsecond)
			now := sigurgs.Load()
			if now == seen && i >= 2 {
				break
			}
			seen = now
		}
	}
	late := sigurgsSince()
	if w.idle != nil {
		w.idle()
	}
	return fmt.Sprintf("ok sigurg=%d", late)
}

// threadsAlive reads Threads: from /proc/self/status (-1 if unreadable).
func threadsAlive() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			n, err := strconv.Atoi(strings.TrimSpace(line[len("Threads:"):]))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

func newWorkload(name string) (*workload, error) {
	switch name {
	case "lock_unlocked":
		return loop(func() { work() }), nil
	case "lock_locked":
		return loop(func() { runtime.LockOSThread(); work(); runtime.UnlockOSThread() }), nil
	case "goroutine_plain":
		return goroutines(func() { work() }), nil
	case "goroutine_locked_unlock":
		return goroutines(func() { runtime.LockOSThread(); work(); runtime.UnlockOSThread() }), nil
	case "goroutine_locked_exit":
		// exits while locked: the runtime destroys the thread with the goroutine
		return goroutines(func() { runtime.LockOSThread(); work() }), nil
	case "dispatch_per_request":
		return dispatch(false), nil
	case "dispatch_pool":
		return dispatch(true), nil
	case "serialize_atomic", "serialize_mutex", "serialize_chan", "serialize_owner_locked":
		return serialize(strings.TrimPrefix(name, "serialize_")), nil
	case "stw_idle":
		return stw(spinNone), nil
	case "stw_spinning":
		return stw(spinAsync), nil
	case "stw_calling":
		return stw(spinCalling), nil
	case "wait_spinning":
		return waitBehindSpinner(false), nil
	case "wait_spinning_locked":
		return waitBehindSpinner(true), nil
	}
	return nil, fmt.Errorf("unknown workload %q", name)
}

// loop: n calls of body on this goroutine.
func loop(body func()) *workload {
	return &workload{perRun: 1, run: func(n int, res *result) error {
		for i := 0; i < n; i++ {
			body()
		}
		res.counted = uint64(n)
		return nil
	}}
}

// goroutines: n goroutines one after another, each running body and signalling before it exits.
// The goroutine's exit (and, locked, its thread's) overlaps the start of the next one, as in a
// program that spawns them in a loop.
//
// Each goroutine notes the thread it ran on (gettid: one system call, in every variant alike),
// so a run can tell how many of those threads did not exist when it started: the threads the
// runtime created for it, as the kernel numbers them.
func goroutines(body func()) *workload {
	done := make(chan int)
	return &workload{perRun: 1, run: func(n int, res *result) error {
		before := liveTIDs()
		tids := make([]int, n)
		for i := 0; i < n; i++ {
			go func() { body(); done <- syscall.Gettid() }()
			tids[i] = <-done
		}
		res.newThreads = newTIDs(before, tids)
		res.counted = uint64(n)
		return nil
	}}
}

// liveTIDs: the process's threads now (/proc/self/task), nil if unreadable.
func liveTIDs() map[int]bool {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil
	}
	m := make(map[int]bool, len(ents))
	for _, e := range ents {
		if id, err := strconv.Atoi(e.Name()); err == nil {
			m[id] = true
		}
	}
	return m
}

// newTIDs: how many distinct threads in tids were not alive in `before` (-1: unknown).
func newTIDs(before map[int]bool, tids []int) int {
	if before == nil {
		return -1
	}
	seen := map[int]bool{}
	for _, t := range tids {
		if !before[t] {
			seen[t] = true
		}
	}
	return len(seen)
}

// device is the shared resource a dispatch request waits for: one goroutine doing about a
// microsecond of work per request, so that a locked handler blocks (and its thread with it).
func device(reqs <-chan chan struct{}) {
	for done := range reqs {
		for i := 0; i < 500; i++ {
			work()
		}
		done <- struct{}{}
	}
}

// dispatch: `clients` goroutines issue n requests in all, each waiting for its answer. Per
// request, a new goroutine locked to its thread for the request (it unlocks before exiting, so
// the runtime keeps the thread: the count tracks how many were blocked at once); or a pool of
// GOMAXPROCS goroutines locked for good, fed by a channel.
func dispatch(pool bool) *workload {
	dev := make(chan chan struct{})
	queue := make(chan chan struct{})
	handle := func(reply chan struct{}) {
		done := make(chan struct{})
		dev <- done
		<-done
		reply <- struct{}{}
	}
	w := &workload{perRun: clients}
	w.setup = func() error {
		go device(dev)
		if pool {
			for i := 0; i < runtime.GOMAXPROCS(0); i++ {
				go func() {
					runtime.LockOSThread()
					for reply := range queue {
						handle(reply)
					}
				}()
			}
		}
		return nil
	}
	w.teardown = func() { close(queue); close(dev) }
	w.run = func(n int, res *result) error {
		lat := make([][]time.Duration, clients)
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				reply := make(chan struct{})
				for k := 0; k < n/clients; k++ {
					t0 := time.Now()
					if pool {
						queue <- reply
					} else {
						go func() {
							runtime.LockOSThread()
							defer runtime.UnlockOSThread()
							handle(reply)
						}()
					}
					<-reply
					lat[c] = append(lat[c], time.Since(t0))
				}
			}(c)
		}
		wg.Wait()
		for _, l := range lat {
			res.lat = append(res.lat, l...)
		}
		res.counted = uint64(len(res.lat))
		return nil
	}
	return w
}

// serialize: `producers` goroutines make n increments of one counter in all, released
// together: by atomic.AddInt64, under a sync.Mutex, or by sending to an owner goroutine over a
// buffered channel (locked to its thread, or not). The same gang released with no increments
// is timed first in every run: the fixed cost inside the time, reported beside it.
func serialize(kind string) *workload {
	var counter int64
	var mu sync.Mutex
	ch := make(chan int64, chanCap)
	flushed := make(chan int64)
	gang := func(k int, inc func()) {
		var wg sync.WaitGroup
		wg.Add(producers)
		for p := 0; p < producers; p++ {
			go func() {
				defer wg.Done()
				for i := 0; i < k; i++ {
					inc()
				}
			}()
		}
		wg.Wait()
	}
	var inc func()
	switch kind {
	case "atomic":
		inc = func() { atomic.AddInt64(&counter, 1) }
	case "mutex":
		inc = func() { mu.Lock(); counter++; mu.Unlock() }
	default: // chan, owner_locked
		inc = func() { ch <- 1 }
	}
	w := &workload{perRun: producers}
	w.setup = func() error {
		if kind != "chan" && kind != "owner_locked" {
			return nil
		}
		go func() {
			if kind == "owner_locked" {
				runtime.LockOSThread()
			}
			var owned int64
			for v := range ch {
				if v < 0 { // a flush: every earlier send has been received
					flushed <- owned
					continue
				}
				owned += v
			}
		}()
		return nil
	}
	w.teardown = func() { close(ch) }
	// the count so far: the counter, or the owner's total once every earlier send is received
	total := func() int64 {
		if kind == "chan" || kind == "owner_locked" {
			ch <- -1
			return <-flushed
		}
		return atomic.LoadInt64(&counter)
	}
	// A call's first batch after the child idled (other variants ran meanwhile) is not the
	// steady contention the workload is about: driving the child directly, between calls of
	// another child, a mutex call's first batch took 48 ns an increment against 56 ns for the
	// next ones, and varied twice as much. Each later call resumes with one batch of the size
	// last run, untimed and not counted.
	lastN, before := 0, uint64(0)
	w.resume = func() error {
		if lastN > 0 {
			gang(lastN/producers, inc)
			before = uint64(total())
		}
		return nil
	}
	w.run = func(n int, res *result) error {
		lastN = n
		t0 := time.Now()
		gang(0, inc)
		res.overheadNS = float64(time.Since(t0).Nanoseconds())
		t1 := time.Now()
		gang(n/producers, inc)
		now := uint64(total())
		res.ns = time.Since(t1).Nanoseconds()
		// the count is cumulative over runs: report the increase
		res.counted, before = now-before, now
		return nil
	}
	return w
}

type spinMode int

const (
	spinNone    spinMode = iota
	spinAsync            // a loop with no call in it: only a signal can preempt it
	spinCalling          // a call per turn: preempted at the call's stack check, no signal
)

var calleeSink int

// callee has a frame, so its prologue checks the stack: the cooperative preemption point.
//
//go:noinline
func callee(i int) int {
	var b [128]byte
	b[i&127] = byte(i)
	return int(b[(i*7)&127])
}

// spinner: a goroutine spinning on a P (it counts its turns in spins). Returns once it is
// spinning, and a function that stops it.
func spinner(mode spinMode, spins *atomic.Uint64) (stop func()) {
	var halt atomic.Int32
	done := make(chan struct{})
	go func() {
		x := 0
		for halt.Load() == 0 {
			if mode == spinCalling {
				x += callee(x)
			}
			spins.Add(1)
		}
		calleeSink = x
		done <- struct{}{}
	}()
	for spins.Load() == 0 {
		runtime.Gosched()
	}
	return func() { halt.Store(1); <-done }
}

// stw: n stop-the-world pauses (runtime.ReadMemStats stops the world), with the other P idle or
// running a spinner. A spinner with no call in its loop stops only for a SIGURG to its thread
// (asynchronous preemption); one that calls a function stops at the call (cooperative, no
// signal). Against the idle P: what stopping a running goroutine costs the stopper; against each
// other: what the signal adds.
func stw(spin spinMode) *workload {
	var spins atomic.Uint64
	stop := func() {}
	var ms runtime.MemStats
	// one pause, then, with a spinner, until it runs again: the preempted spinner needs a
	// moment to get a thread and its P back, and a pause that found it still parked would
	// need no signal. A wait of 16 M turns (tens of ms, far longer than that) yields, untimed:
	// a loop with no call in it cannot be preempted under asyncpreemptoff=1, and a spinner
	// queued behind it on this P never ran again (a default run once waited out the parent's
	// 60 s timeout here). Yielding at every turn instead moved the goroutines about and raised
	// both pauses' times.
	pause := func() time.Duration {
		t0 := time.Now()
		runtime.ReadMemStats(&ms)
		d := time.Since(t0)
		for seen, turns := spins.Load(), 0; spin != spinNone && spins.Load() == seen; turns++ {
			if turns >= 1<<24 {
				runtime.Gosched()
			}
		}
		return d
	}
	w := &workload{perRun: 1, signals: true}
	// The spinner runs during a call only (between calls it would take a CPU from the other
	// variants), and a few pauses are made before the call's first run: a spinner started just
	// before the pauses shares a CPU with the stopper until the kernel moves one of their
	// threads, and the pauses would time that.
	w.resume = func() error {
		if spin != spinNone {
			stop = spinner(spin, &spins)
		}
		for i := 0; i < 50; i++ {
			pause()
		}
		return nil
	}
	w.setup = func() error {
		if runtime.GOMAXPROCS(0) < 2 {
			return errors.New("needs GOMAXPROCS >= 2 (a second CPU for the spinner)")
		}
		return w.resume()
	}
	w.idle = func() { stop(); stop = func() {} }
	w.teardown = func() { stop() }
	// every pause is reported too: its median per block is the pairs' metric. The mean of a
	// block's pauses follows its few slowest (a signalled stop took 60 us to 1 ms here).
	w.run = func(n int, res *result) error {
		for i := 0; i < n; i++ {
			d := pause()
			res.ns += d.Nanoseconds()
			res.lat = append(res.lat, d)
		}
		res.counted = uint64(n)
		return nil
	}
	return w
}

// waitBehindSpinner: with GOMAXPROCS=1, a goroutine made runnable while a spinner holds the only
// P; timed from the spinner readying it to it running. Only sysmon's preemption of a goroutine
// that ran too long (about 10 ms, by signal) lets it in. With the spinner locked to its thread,
// the P must also move to another thread.
func waitBehindSpinner(locked bool) *workload {
	w := &workload{perRun: 1, signals: true}
	w.setup = func() error { runtime.GOMAXPROCS(1); return nil }
	w.run = func(n int, res *result) error {
		for i := 0; i < n; i++ {
			var halt atomic.Int32
			ready := make(chan time.Time)
			done := make(chan struct{})
			go func() {
				if locked {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
				}
				ready <- time.Now() // readies the waiter, which needs this P
				for halt.Load() == 0 {
				}
				done <- struct{}{}
			}()
			t0 := <-ready
			d := time.Since(t0)
			halt.Store(1)
			<-done
			res.ns += d.Nanoseconds()
		}
		res.counted = uint64(n)
		return nil
	}
	return w
}
