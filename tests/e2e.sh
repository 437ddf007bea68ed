#!/usr/bin/env bash
# End-to-end checks, as a user meets pinbench: the CLI's answers to bad input, a quick run of
# every experiment (release and ASan+UBSan builds), Google Benchmark's flags and formats, a run
# confined to one CPU, and the results folders checked by the unit binary's "resultdir" group.
# Usage: tests/e2e.sh build/pinbench build/asan/pinbench build/rel/unit
set -u
PB=$1 PB_ASAN=$2 UNIT=$3
pass=0 fail=0
tmp=$(mktemp -d /tmp/pinbench-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# expect_usage DESCRIPTION ARGS...: exit status 2 and exactly one line on stderr.
expect_usage() {
  local desc=$1; shift
  local err rc lines
  err=$("$PB" "$@" 2>&1 >/dev/null); rc=$?
  lines=$(printf '%s\n' "$err" | grep -c .)
  if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then ok "$desc -> exit 2: $err"
  else bad "$desc: exit $rc, stderr: $err"; fi
}

expect_usage "unknown option" run --bogus --out="$tmp/r"
expect_usage "unknown command" frobnicate
expect_usage "CPU list outside the allowed set" run --cpus=1000 --out="$tmp/r"
expect_usage "malformed CPU list" run --cpus=1-x --out="$tmp/r"
expect_usage "option without its value" run --cpus
expect_usage "unwritable --out" run --profile=quick --out=/proc/pinbench-results
expect_usage "unknown profile" run --profile=turbo --out="$tmp/r"
expect_usage "bad label" run --label=a/b --out="$tmp/r"
expect_usage "bad --benchmark_repetitions" run --benchmark_repetitions=abc --out="$tmp/r"
expect_usage "bad --benchmark_min_time" run --benchmark_min_time=fast --out="$tmp/r"
expect_usage "bad --benchmark_format" run --benchmark_format=xml --out="$tmp/r"
expect_usage "filter matching nothing" run --profile=quick --benchmark_filter=nomatch --out="$tmp/r"
expect_usage "bad filter regex" run --profile=quick --benchmark_filter='(' --out="$tmp/r"
expect_usage "unknown counter" run --profile=quick --counters=cycles,no-such-event --out="$tmp/r"
expect_usage "empty counter list item" run --profile=quick --counters=cycles, --out="$tmp/r"
[ -z "$(ls -A "$tmp/r" 2>/dev/null | grep -v '^vm$')" ] && ok "refused runs leave no results folder" \
  || bad "refused runs left files in $tmp/r: $(ls -R "$tmp/r")"

# The deps step names what is missing and the exact apt-get line (here: a gnuplot that exists
# but cannot run, the case a presence check would miss).
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\nexit 127\n' >"$tmp/fakebin/gnuplot"
chmod +x "$tmp/fakebin/gnuplot"
deps_out=$(env -u PINBENCH_SKIP_DEPS PATH="$tmp/fakebin:$PATH" PINBENCH_DEPS_DRY_RUN=1 scripts/deps.sh bench 2>&1); rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$deps_out" | grep -q "missing gnuplot-nox" &&
   printf '%s' "$deps_out" | grep -q "apt-get install -y --no-install-recommends gnuplot-nox"; then
  ok "deps: a gnuplot that cannot run is reported with the apt-get line"
else bad "deps: exit $rc: $deps_out"; fi

# Go is optional: without it the deps step says how to have it and succeeds; asked for it, it
# gives the apt-get line.
deps_out=$(env -u PINBENCH_SKIP_DEPS GO=/nonexistent/go PINBENCH_DEPS_DRY_RUN=1 scripts/deps.sh bench 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$deps_out" | grep -q "optional: golang-go is not installed" &&
   printf '%s' "$deps_out" | grep -q "make deps-go"; then ok "deps: Go offered as optional"
else bad "deps without Go: exit $rc: $deps_out"; fi
deps_out=$(env -u PINBENCH_SKIP_DEPS GO=/nonexistent/go PINBENCH_DEPS_DRY_RUN=1 scripts/deps.sh go 2>&1); rc=$?
if [ "$rc" -ne 0 ] && printf '%s' "$deps_out" | grep -q "apt-get install -y --no-install-recommends golang-go"; then
  ok "deps go: names golang-go and the apt-get line"
else bad "deps go: exit $rc: $deps_out"; fi

for sub in "" run list env; do
  if "$PB" $sub --help >/dev/null 2>&1; then ok "pinbench $sub --help"; else bad "pinbench $sub --help"; fi
done
"$PB" list >"$tmp/list.txt" 2>&1 && grep -q "churn/spawn/unpinned" "$tmp/list.txt" \
  && ok "list shows variants" || bad "list: $(cat "$tmp/list.txt")"
grep -qE '^  \* spawn/unpinned -> spawn/attr_pinned_same +op_p50_ns$' "$tmp/list.txt" &&
  grep -qE '^  = spawn/unpinned -> spawn/unpinned +op_p50_ns$' "$tmp/list.txt" &&
  ok "list shows pairs, headline and controls marked" || bad "list shows no pairs"
"$PB" env >"$tmp/env.txt" 2>&1 && grep -q "placements" "$tmp/env.txt" && ok "env" || bad "env: $(cat "$tmp/env.txt")"
"$PB" env --topology='package:2 [numa] l3:4 core:16 pu:2' >"$tmp/env2.txt" 2>&1 &&
  grep -q "other_numa     CPU 0 -> CPU 128" "$tmp/env2.txt" && ok "env plans on a synthetic 256-PU topology" \
  || bad "env --topology: $(grep -A7 placements "$tmp/env2.txt")"

# Plots need a gnuplot that runs with its cairo and svg terminals; where it cannot (a machine
# whose dependencies were skipped), a run must say so in its warnings instead.
if gnuplot -e 'set terminal pngcairo; set terminal svg' >/dev/null 2>&1; then plots=1; else
  plots=0; echo "note: gnuplot does not run here: expecting 'plots not drawn' warnings instead"; fi

# check_run NAME LOG [ENV...]: the run's last line names its folder, which passes resultdir.
check_run() {
  local name=$1 log=$2; shift 2
  local last dir
  last=$(tail -n 1 "$log")
  case "$last" in
    "results: "*) dir=${last#results: } ;;
    *) bad "$name: last line is not 'results: <folder>': $last"; return ;;
  esac
  if env "$@" PB_EXPECT_PLOTS=$plots PB_TEST_GROUPS=resultdir PB_RESULTS_DIR="$dir" "$UNIT" >"$tmp/check.txt" 2>&1; then
    ok "$name: results folder passes its checks ($dir)"
  else
    bad "$name: $(grep -E 'ERROR|FAIL|LINE' "$tmp/check.txt" | head -5)"
  fi
}

# The console: --version; -q prints only the folder; the default keeps Google Benchmark's table
# in the folder's console.txt and -v prints it; every line fits a 160-column terminal; NO_COLOR
# and --benchmark_time_unit are honoured.
expect_usage "-q with -v" run -q -v --out="$tmp/r"
expect_usage "bad --benchmark_time_unit" run --benchmark_time_unit=fortnight --out="$tmp/r"
ver=$("$PB" --version 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$ver" | grep -qE '^pinbench [0-9a-f]{12}(-dirty)? \(release build, compiler .*, Google Benchmark [0-9.]+, Go workloads '; then
  ok "--version: $ver"
else bad "--version: exit $rc: $ver"; fi
f='^churn/pin_call/same_cpu$'
"$PB" run -q --profile=quick --benchmark_filter="$f" --out="$tmp/con" >"$tmp/q.out" 2>"$tmp/q.err"; rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/q.out")" -eq 1 ] && grep -q '^results: ' "$tmp/q.out" && [ ! -s "$tmp/q.err" ]; then
  ok "-q: only the results line"
else bad "-q: exit $rc, stdout: $(head -3 "$tmp/q.out"), stderr: $(head -3 "$tmp/q.err")"; fi
qd=$(sed -n 's/^results: //p' "$tmp/q.out")
COLUMNS=160 "$PB" run --profile=quick --benchmark_filter='^(churn|handoff)/' --out="$tmp/con" >"$tmp/d.log" 2>&1; rc=$?
dd=$(sed -n 's/^results: //p' "$tmp/d.log")
if [ "$rc" -eq 0 ] && [ -n "$dd" ] && grep -q "manual_time_median" "$dd/console.txt" && [ -s "$qd/console.txt" ] &&
   ! grep -q "manual_time" "$tmp/d.log" && [ "$(awk 'length($0) > 160' "$tmp/d.log" | wc -l)" -eq 0 ] &&
   grep -q "^pairs: " "$tmp/d.log" && grep -q "^cost model: " "$tmp/d.log" &&
   [ "$(grep -cE '^(churn|handoff) +[0-9]+ variants, [0-9]+ pairs \([0-9]+ headline or control\), about [0-9]+ s$' "$tmp/d.log")" -eq 2 ] &&
   [ "$(grep -cE '^[a-z0-9]+ +[0-9]+ variants?[,.]' "$tmp/d.log")" -eq 2 ]; then
  ok "default console: a line per family as it starts, pairs and cost model, every line within 160 columns, Google Benchmark's table in console.txt"
else bad "default console: exit $rc, $(awk 'length($0) > 160' "$tmp/d.log" | head -2 | cut -c1-200)"; fi
"$PB" run -v --profile=quick --benchmark_filter="$f" --benchmark_time_unit=us \
  --benchmark_out="$tmp/tu.json" --out="$tmp/con" >"$tmp/v.log" 2>&1; rc=$?
vd=$(sed -n 's/^results: //p' "$tmp/v.log")
if [ "$rc" -eq 0 ] && grep -qE "^churn/pin_call/same_cpu/manual_time_median +[0-9.]+ us" "$tmp/v.log" &&
   grep -q '"time_unit": "us"' "$tmp/tu.json" && ! grep -q '"time_unit": "us"' "$vd/gbench.json"; then
  ok "-v prints Google Benchmark's table; --benchmark_time_unit=us there and in --benchmark_out, gbench.json stays in ns"
else bad "-v / time unit: exit $rc: $(grep -m2 manual_time_median "$tmp/v.log")"; fi
if command -v script >/dev/null 2>&1; then
  script -qec "NO_COLOR=1 $PB run -v --profile=quick --benchmark_filter='$f' --out=$tmp/con" /dev/null >"$tmp/nc.log" 2>&1
  script -qec "$PB run -v --profile=quick --benchmark_filter='$f' --out=$tmp/con" /dev/null >"$tmp/c.log" 2>&1
  esc=$(printf '\033')
  if ! grep -q "${esc}\[[0-9;]*m" "$tmp/nc.log" && grep -q "${esc}\[[0-9;]*m" "$tmp/c.log"; then
    ok "colour on a terminal, none with NO_COLOR"
  else bad "NO_COLOR: escapes with it: $(grep -c "${esc}\[[0-9;]*m" "$tmp/nc.log"), without: $(grep -c "${esc}\[[0-9;]*m" "$tmp/c.log")"; fi
fi

# Every experiment, quick, release build.
if "$PB" run --profile=quick --out="$tmp/res" >"$tmp/quick.log" 2>&1; then ok "quick run of every experiment"
else bad "quick run: exit $?: $(tail -5 "$tmp/quick.log")"; fi
# task-clock is a software event every Linux counts, for this process, at paranoid <= 2
if "$PB" env | grep -q "^  task_clock_ns *user"; then tc=PB_EXPECT_TASK_CLOCK=1; else tc=PB_NO_TASK_CLOCK=1; fi
# as many skips as `pinbench list` announces for this box (relations it lacks)
check_run "quick run" "$tmp/quick.log" "$tc" PB_EXPECT_SKIPPED="$("$PB" list | grep -c "skipped here")"

# The readable report and the cost-model table; compare, regress, export and report over it.
qdir=$(sed -n 's/^results: //p' "$tmp/quick.log" | tail -n 1)
if [ -s "$qdir/report.md" ] && [ -s "$qdir/index.html" ] && grep -q "^## Cost model" "$qdir/report.md" &&
   grep -q "^cost model: " "$tmp/quick.log" && grep -q "^thread_create " "$tmp/quick.log"; then
  ok "report.md, index.html and the cost-model table"
else bad "readable report: $(ls "$qdir")"; fi
# The go family: where its workloads were built, the quick run measured Go's own operations,
# and the cost model's verdicts for the Go claims read them (like for like); without them, the
# same command runs and each Go row says why it was skipped.
if [ -x "$(dirname "$PB")/go/pbgo" ]; then
  if grep -q "^go/lock/locked/manual_time" "$qdir/console.txt" &&
     grep -qE '^~pin_call .*\(Go\)' "$tmp/quick.log" && grep -qE '^~preempt_signal .*\(Go\)' "$tmp/quick.log" &&
     grep -q "^Go measurements: go1.*GOMAXPROCS" "$qdir/report.md"; then
    ok "go family: Go rows, pairs and the cost model's Go column"
  else bad "go family in the quick run: $(grep -E '^~?(pin_call|preempt_signal) ' "$tmp/quick.log")"; fi
  # each variant's child is kept between its calls and must end with pinbench; the
  # stop-the-world pairs compare the blocks' median pauses
  go_children() {
    for f in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$f" 2>/dev/null; echo; done | grep -c '^pbgo serve'
  }
  if [ "$(go_children)" -eq 0 ] &&
     grep -q '"go/preempt/stw_signal/manual_time"' "$qdir/gbench.json" &&
     grep -q '"pause_p50_ns"' "$qdir/gbench.json" &&
     grep -qF 'preempt/stw\_signal | pause\_p50\_ns |' "$qdir/report.md"; then
    ok "go family: no child outlives the run; stw pairs on each block's median pause"
  else bad "go family: $(go_children) child(ren) left behind, or no pause_p50_ns pair"; fi
else
  echo "note: no Go workloads were built (no Go toolchain): the go family's checks use the skip path only"
fi
if PINBENCH_GO=/nonexistent/pbgo "$PB" run --profile=quick --out="$tmp/nogo" \
     --benchmark_filter='^(go/lock|churn/pin_call/same_cpu)' >"$tmp/nogo.log" 2>&1; then
  ngdir=$(sed -n 's/^results: //p' "$tmp/nogo.log" | tail -n 1)
  # report.md escapes Markdown: PINBENCH\_GO
  if grep -qE '^The go family did not run: PINBENCH\\?_GO=' "$ngdir/report.md" &&
     [ "$(grep -cE "^\| go/lock/[a-z]* \| PINBENCH\\\\?_GO='/nonexistent/pbgo' is not" "$ngdir/report.md")" -eq 2 ] &&
     grep -qE '^~pin_call .*\(OS\)' "$tmp/nogo.log"; then
    ok "without Go: the run goes on, each Go row says why it was skipped"
  else bad "without Go: $(grep -n 'go' "$ngdir/report.md" | head -5)"; fi
else bad "a run without Go failed: $(tail -3 "$tmp/nogo.log")"; fi
# Plots label time axes in ns, us, ms or s and other axes with SI prefixes: no tick reads 1e+06.
if [ "$plots" = 1 ]; then
  expo=$(grep -lE '> *[-0-9.]+e[+-]?[0-9]+ *<' "$qdir"/plots/*.svg | xargs -r -n1 basename | tr '\n' ' ')
  [ -z "$expo" ] && ok "no exponent-style tick labels in the run's SVGs" \
    || bad "exponent-style tick labels in: $expo"
fi
# Every plot is titled with the host and the question its family answers; a heatmap's axes hold
# exactly the CPUs of its matrix (positions 0..m-1 labelled with their numbers), never -1 or m.
if [ "$plots" = 1 ] && command -v python3 >/dev/null 2>&1; then
  if python3 - "$qdir" >"$tmp/titles.log" 2>&1 <<'PY'
import glob, html, json, os, re, sys
d = sys.argv[1]
run = json.load(open(os.path.join(d, "run.json")))
host = run["run"]["host"]
qs = {f["name"]: f["question"] for f in run["families"]}
bad = []
for svg in glob.glob(os.path.join(d, "plots", "*.svg")):
    fam = os.path.basename(svg).split(".")[0]
    text = html.unescape(open(svg).read())
    if fam in qs and f"{fam} on {host}: {qs[fam]}" not in text:
        bad.append(f"{os.path.basename(svg)}: no title naming {host} and the question")
mats = 0
for v in run["variants"]:
    m = v.get("matrix")
    if not m or v["status"] != "ok":
        continue
    mats += 1
    labels = m["labels"]
    stem = v["name"].replace("/", ".")
    rows = [l.split() for l in open(os.path.join(d, "plots", stem + ".dat")) if l[0].isdigit()]
    if len(rows) != len(labels) ** 2:
        bad.append(f"{stem}: {len(rows)} cells for {len(labels)} labels")
    for r in rows:
        i, j = int(r[0]), int(r[1])
        if not (0 <= i < len(labels) and 0 <= j < len(labels)) or \
           int(r[3]) != labels[i] or int(r[4]) != labels[j]:
            bad.append(f"{stem}: cell {r} outside the matrix or mislabelled")
            break
if not mats:
    bad.append("no matrix variant ran")
# a grid's line never spans a missing category: positions jump only across a blank line
for g in glob.glob(os.path.join(d, "plots", "*.grid.dat")):
    prev = None
    for line in open(g):
        f = line.split()
        if not f or not f[0].isdigit():
            prev = None
            continue
        if prev is not None and int(f[0]) != prev + 1:
            bad.append(f"{os.path.basename(g)}: a line from category {prev} to {f[0]}")
        prev = int(f[0])
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
  then ok "every plot titled with the host and its question; heatmaps span exactly their CPUs; no line across a missing category"
  else bad "plot titles or heatmap axes: $(head -3 "$tmp/titles.log")"; fi
fi
# index.html: a viewport, tables that scroll on their own, a table of contents whose every link
# names a heading of the page.
missing=$(grep -o 'href="#[^"]*"' "$qdir/index.html" | sed 's/href="#\(.*\)"/\1/' |
  while read -r id; do grep -q "id=\"$id\"" "$qdir/index.html" || echo "$id"; done)
if grep -q '<meta name="viewport"' "$qdir/index.html" && grep -q 'class="scroll"' "$qdir/index.html" &&
   [ "$(grep -c 'href="#' "$qdir/index.html")" -ge 10 ] && [ -z "$missing" ]; then
  ok "index.html: viewport, scrolling tables, a table of contents whose links all resolve"
else bad "index.html: links without a heading: $missing"; fi
# The trackers' own parse rules over this folder's exports and a --benchmark_out file.
if command -v python3 >/dev/null 2>&1; then
  if python3 tests/trackers.py "$PB" "$qdir" "$tmp/tu.json" >"$tmp/trackers.log" 2>&1; then
    ok "exports pass github-action-benchmark's, Bencher's and Conbench's parse rules, with the real time"
  else bad "trackers: $(grep FAIL "$tmp/trackers.log" | head -3)"; fi
else echo "note: no python3: the trackers' parse rules were not checked"; fi
# One interface: every derived file comes from the folder alone. Delete them, regenerate them
# with `pinbench report`, and they are the same bytes the run wrote (pictures included).
rm -rf "$tmp/regen"; cp -a "$qdir" "$tmp/regen"
rm -rf "$tmp/regen/summary.json" "$tmp/regen/report.md" "$tmp/regen/index.html" "$tmp/regen/plots"
if "$PB" report "$tmp/regen" >"$tmp/regen.log" 2>&1 && diff -r "$qdir" "$tmp/regen" >"$tmp/regen.diff" &&
   [ "$(ls "$tmp/regen/plots" | grep -c '\.svg$')" -gt 0 ] &&
   grep -q '"schema": "pinbench-summary-2"' "$tmp/regen/summary.json"; then
  ok "report DIR regenerates summary.json, plots, report.md and index.html byte for byte"
else bad "regenerated files differ: $(head -5 "$tmp/regen.diff") $(tail -2 "$tmp/regen.log")"; fi
# The stored baseline, and a legacy folder (its summary.json is its record) read as before.
rm -rf "$tmp/base"; cp -a results/baselines/vm "$tmp/base"
if "$PB" report "$tmp/base" >/dev/null 2>"$tmp/base.err" && [ -s "$tmp/base/report.md" ] &&
   "$PB" compare "$tmp/base" "$qdir" >/dev/null 2>>"$tmp/base.err"; then
  ok "the stored baseline: report regenerates it, compare reads it"
else bad "stored baseline: $(head -3 "$tmp/base.err")"; fi
if "$PB" regress --baseline="$qdir" --current="$qdir" >"$tmp/self.md" 2>&1 &&
   grep -q "0 regression(s)" "$tmp/self.md"; then ok "regress: a run against itself is clean"
else bad "regress against itself: $(head -3 "$tmp/self.md")"; fi
for bin in "$PB" "$PB_ASAN"; do
  if ASAN_OPTIONS=detect_leaks=1 PB_BIN="$bin" PB_TEST_GROUPS=compare_cli "$UNIT" >"$tmp/cli.log" 2>&1
  then ok "compare, regress, export, report: exit statuses and outputs ($(basename "$(dirname "$bin")"))"
  else bad "compare_cli ($bin): $(grep -m3 -E 'ERROR|error|Sanitizer' "$tmp/cli.log")"; fi
done
if "$PB" env --check >"$tmp/check.txt" 2>&1 && grep -q "^Advice only" "$tmp/check.txt"; then
  ok "env --check advises and changes nothing"
else bad "env --check: $(tail -3 "$tmp/check.txt")"; fi
# Nothing lost: a folder whose files no longer match the manifest in run.json is refused.
cp -r "$qdir" "$tmp/corrupt"
f=$(ls "$tmp/corrupt/hist/"*.csv | head -n 1)
echo "1,1,1" >>"$f"
err=$("$PB" regress --baseline="$qdir" --current="$tmp/corrupt" 2>&1 >/dev/null); rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -q "corrupted folder"; then ok "a corrupted folder is refused: $err"
else bad "corrupted folder: exit $rc: $err"; fi
rm "$f"
err=$("$PB" compare "$qdir" "$tmp/corrupt" 2>&1 >/dev/null); rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -q "incomplete folder"; then ok "an incomplete folder is refused"
else bad "incomplete folder: exit $rc: $err"; fi

# The disk filling up while the folder is written (a 16 KiB file-size limit: gbench.json cannot
# be completed): the run fails saying which file, and no results folder is left behind.
mkdir -p "$tmp/full"
bash -c "trap '' XFSZ; ulimit -f 16; '$PB' run --profile=quick --benchmark_filter=churn/pool \
  --out='$tmp/full'" >"$tmp/full.log" 2>&1; rc=$?
if [ "$rc" -ne 0 ] && grep -q "^pinbench: .*write error on .*gbench.json" "$tmp/full.log" &&
   [ -z "$(find "$tmp/full" -mindepth 2 -maxdepth 2)" ]; then
  ok "a full disk while writing: exit $rc, the file named, no folder left"
else bad "full disk: exit $rc, left: $(find "$tmp/full" -mindepth 2 -maxdepth 2), $(tail -2 "$tmp/full.log")"; fi

# hwloc unable to load (forced): the topology comes from sysfs with a warning, memory binding
# is skipped with the reason, the rest runs.
PINBENCH_TOPOLOGY=sysfs "$PB" run --profile=quick --benchmark_filter='numa/local|churn/pool/unpinned' \
  --out="$tmp/sysfs" >"$tmp/sysfs.log" 2>&1; rc=$?
if [ "$rc" -eq 0 ] && grep -q "^warning: hwloc could not load the topology" "$tmp/sysfs.log" &&
   grep -qE "^skip: (numa/local_chase|[0-9]+ variants \(numa/local_chase, \.\.\.\)): needs memory binding" "$tmp/sysfs.log"; then
  ok "hwloc fallback to sysfs: warned, binding skipped with the reason"
else bad "sysfs fallback: exit $rc: $(grep -m2 -E 'warning: hwloc|skip: numa' "$tmp/sysfs.log")"; fi

# stop_run SIGNAL STATUS FILTER: a default-profile run stopped 3 s in stops after the current
# operation, writes a folder marked partial (stopped_by SIGNAL), exits STATUS; sets $stopped_dir.
stop_run() {
  local sig=$1 want=$2 filter=$3 log="$tmp/stop-$1.log" pid rc
  "$PB" run --out="$tmp/stop-$sig" --benchmark_filter="$filter" >"$log" 2>&1 &
  pid=$!
  sleep 3
  kill -"$sig" "$pid"
  wait "$pid"; rc=$?
  stopped_dir=$(sed -n 's/^results: //p' "$log" | tail -n 1)
  if [ "$rc" -eq "$want" ] && [ -n "$stopped_dir" ] &&
     grep -q "\"stopped_by\": \"SIG$sig\"" "$stopped_dir/summary.json" &&
     grep -q '"partial": true' "$stopped_dir/summary.json" &&
     grep -q "stopped by SIG$sig" "$log"; then ok "SIG$sig: exit $rc, a partial folder, said so"
  else bad "SIG$sig: exit $rc, folder '$stopped_dir': $(tail -3 "$log")"; fi
}
stop_run INT 130 churn
idir=$stopped_dir
err=$("$PB" compare "$idir" "$qdir" 2>&1 >/dev/null); rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$err" | grep -q "partial run"; then ok "a partial folder is refused by compare"
else bad "partial folder: exit $rc: $err"; fi

# SIGTERM (a job scheduler, systemd stopping a unit): the same, exit 143.
stop_run TERM 143 serialize

expect_usage "compare with one folder" compare "$qdir"
expect_usage "regress without --current" regress --baseline="$qdir"
expect_usage "export without a format" export "$qdir"

# Every experiment under ASan+UBSan (tiny budget: this checks memory safety, not numbers).
if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
   "$PB_ASAN" run --profile=quick --benchmark_min_time=0.002 --benchmark_repetitions=2 \
   --out="$tmp/asan" >"$tmp/asan.log" 2>&1; then ok "every experiment under address,undefined sanitizers"
else bad "sanitized run: $(grep -m3 -E 'ERROR|runtime error|SUMMARY' "$tmp/asan.log")"; fi

# Google Benchmark's flags pass through: repetitions give aggregates; JSON to stdout parses.
"$PB" run --profile=quick --benchmark_filter=churn --benchmark_repetitions=5 --out="$tmp/res" \
  >"$tmp/reps.log" 2>&1
rdir=$(sed -n 's/^results: //p' "$tmp/reps.log" | tail -n 1)
if grep -q "churn/spawn/unpinned/manual_time_median" "$rdir/console.txt" &&
   grep -q "churn/spawn/unpinned/manual_time_stddev" "$rdir/console.txt"; then ok "--benchmark_repetitions=5 gives aggregates (in console.txt)"
else bad "--benchmark_repetitions=5: $(tail -3 "$tmp/reps.log")"; fi
iters() { # the distinct iteration counts of one benchmark's blocks in a gbench.json
  awk -F': ' -v want="\"$2/manual_time\"," '/"run_name"/{rn=$2} /"run_type"/{rt=$2}
    /"iterations"/{ if (rn == want && rt ~ /iteration/) print $2 }' "$1" | sort -u | tr -d ',\n'
}
g=$(ls -d "$tmp"/res/*/*/gbench.json | tail -1)
a=$(iters "$g" churn/spawn/unpinned); aa=$(iters "$g" churn/spawn/unpinned/aa)
if [ -n "$a" ] && [ "$a" = "$aa" ]; then ok "an A/A twin runs blocks of its original's length ($a)"
else bad "A/A twin blocks: original '$a' iterations, twin '$aa'"; fi
# A run whose folder cannot be published (a rename that fails) keeps it, whole, under its
# temporary name, and says where: nothing measured is deleted.
rm -rf "$tmp/eio"
PINBENCH_TEST_RENAME_EIO=1 "$PB" run --profile=quick --benchmark_filter='locality/l2/pinned$' \
  --out="$tmp/eio" >"$tmp/eio.log" 2>&1
rc=$?
kept=$(find "$tmp/eio" -name run.json 2>/dev/null | head -1)
if [ "$rc" = 1 ] && grep -q "kept, unpublished" "$tmp/eio.log" && [ -n "$kept" ] &&
   grep -qF "$(basename "$(dirname "$kept")")" "$tmp/eio.log" &&
   [ -f "$(dirname "$kept")/summary.json" ]; then
  ok "a folder that cannot be published is kept under its temporary name ($(basename "$(dirname "$kept")"))"
else bad "publish failure: exit $rc, kept '$kept': $(tail -2 "$tmp/eio.log")"; fi

# A quartet that follows another pair's opens with one unrecorded warm-up block: a run of one
# pair has exactly one (its first quartet), a run of several has one per change of pair.
warmups() { grep -o '"warmup_blocks_run": *[0-9]*' "$1/run.json" | grep -o '[0-9]*$'; }
w=$(warmups "$(dirname "$g")")
"$PB" run --profile=quick --benchmark_filter='locality/l2/(pinned|unpinned)$' --out="$tmp/onepair" \
  >"$tmp/onepair.log" 2>&1
w1=$(warmups "$(ls -d "$tmp"/onepair/*/* | tail -1)")
if [ "$w1" = 1 ] && [ -n "$w" ] && [ "$w" -gt 8 ]; then
  ok "warm-up blocks: 1 for a run of one pair, $w for the churn pairs"
else bad "warm-up blocks: '$w1' for one pair (want 1), '$w' for the churn pairs (want > 8)"; fi
# The stopping rule's two looks, as run.json records them: every pair's main quartets are the
# first look's plan plus the top-up the budget gave, never more than the second look asked;
# at --precision=0.2 the churn spawn pairs are short after the first look and ask for a top-up
# (8 s: the pilot fits on a slow box, and the plan does not).
"$PB" run --profile=quick --precision=0.2 --budget=8 --benchmark_filter='^churn/spawn/(unpinned|attr_pinned_other|self_pinned_other)$' \
  --out="$tmp/looks" >"$tmp/looks.log" 2>&1
ldir=$(sed -n 's/^results: //p' "$tmp/looks.log" | tail -n 1)
if command -v python3 >/dev/null 2>&1; then
  if python3 - "$ldir" "$qdir" >"$tmp/looks.check" 2>&1 <<'PY'
import json, sys
asked = 0
for d in sys.argv[1:]:
    run = json.load(open(d + "/run.json"))
    for p in run["pairs"]:
        b = p.get("blocks")
        if not b:
            continue
        main = b["phase"].count("M") // 4
        want = p["quartets_planned"] + p["quartets_topup"]
        assert p["quartets_topup"] <= p["quartets_topup_asked"], p
        # fewer only when the run was cut at 1.25x its budget (a slow box), stopped, or failed
        assert main == want or (main < want and (run["run"]["overrun"] or p["stop"].startswith(
            ("overrun", "stopped", "a variant")))), (main, want, p["stop"])
        if d == sys.argv[1]:
            asked += p["quartets_topup_asked"] > 0
assert asked > 0, "no pair asked for a top-up at --precision=0.2"
PY
  then ok "two looks: main quartets = first look's plan + top-up given, never above the ask; a top-up asked at 0.2 %"
  else bad "two looks: $(tail -3 "$tmp/looks.check")"; fi
fi
# --unpaired (smoke runs: emulators, sanitizers): every selected variant runs alone for its
# blocks, and no pair gets paired blocks or a warm-up.
"$PB" run --profile=quick --unpaired --benchmark_repetitions=2 --benchmark_filter='^churn/(spawn|pool)/unpinned$' \
  --out="$tmp/unp" >"$tmp/unp.log" 2>&1
rc=$?
ud=$(ls -d "$tmp"/unp/*/* 2>/dev/null | tail -1)
if [ "$rc" = 0 ] && [ -n "$ud" ] && [ "$(warmups "$ud")" = 0 ] &&
   [ "$(iters "$ud/gbench.json" churn/pool/unpinned)" != "" ] &&
   grep -q "the pair's blocks did not run" "$tmp/unp.log"; then
  ok "--unpaired runs every variant alone: no paired blocks, no warm-ups"
else bad "--unpaired: exit $rc, folder '$ud': $(tail -2 "$tmp/unp.log")"; fi

if grep -q "harness/" "$tmp/reps.log"; then bad "--benchmark_filter=churn ran harness variants"
else ok "--benchmark_filter selects"; fi
listed=$("$PB" run --benchmark_list_tests=true --benchmark_filter='locality/l2/pinned$' 2>&1)
if [ "$listed" = "locality/l2/pinned/manual_time" ]; then ok "a filter ending in \$ names one variant"
else bad "--benchmark_filter='locality/l2/pinned\$' listed: $listed"; fi
"$PB" run --profile=quick --benchmark_filter=churn/pool --benchmark_format=json --out="$tmp/res" \
  >"$tmp/stdout.json" 2>"$tmp/stderr.txt"
if PB_TEST_GROUPS=jsonfile PB_JSON_FILE="$tmp/stdout.json" "$UNIT" >/dev/null 2>&1 &&
   tail -n 1 "$tmp/stderr.txt" | grep -q '^results: '; then ok "--benchmark_format=json: stdout parses, results line on stderr"
else bad "--benchmark_format=json: $(head -c 300 "$tmp/stdout.json")"; fi

# Confined to one CPU: every cross-CPU variant is skipped with a reason, the rest pass.
one=$("$PB" env 2>/dev/null | awk '$1 == "allowed_cpus" { print $2 }' | tr ',' '\n' | tail -n 1)
one=${one##*-}
if taskset -c "$one" "$PB" run --profile=quick --out="$tmp/one" >"$tmp/one.log" 2>&1; then
  ok "taskset -c $one run"
else bad "taskset -c $one run: $(tail -3 "$tmp/one.log")"; fi
n_skip=$("$PB" list --cpus="$one" | grep -c "skipped here")
check_run "one CPU ($one)" "$tmp/one.log" PB_EXPECT_ONE_CPU=1 PB_EXPECT_SKIPPED="$n_skip"
grep -qE "^skip: [0-9]+ variants \([a-z0-9_/]+, \.\.\.\): needs a second CPU" "$tmp/one.log" \
  && ok "one CPU: skips are printed with their reason, one line per reason" \
  || bad "one CPU: no skip line printed"

# Counters as an unprivileged user: with perf_event_paranoid >= 2 only user-mode counting is
# allowed, so context switches and migrations must be reported unavailable (not 0) and their
# checks not made, while the run still succeeds.
paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && [ "$paranoid" -ge 2 ]; then
  chmod 755 "$tmp"; mkdir -p "$tmp/nobody"; chmod 1777 "$tmp/nobody"
  if setpriv --reuid=65534 --regid=65534 --clear-groups "$PB" run --profile=quick \
     --benchmark_filter=counters --out="$tmp/nobody" >"$tmp/nobody.log" 2>&1; then
    ok "counters family as an unprivileged user"
  else bad "counters as nobody: exit $?: $(tail -3 "$tmp/nobody.log")"; fi
  check_run "counters as nobody (user-only)" "$tmp/nobody.log" PB_EXPECT_USER_ONLY=1
  # A results directory this user cannot write: exit 2, one line, before anything runs.
  mkdir -p "$tmp/ro"; chmod 555 "$tmp/ro"
  err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PB" run --profile=quick \
    --out="$tmp/ro" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ]; then
    ok "a read-only results directory -> exit 2: $err"
  else bad "read-only results directory: exit $rc: $err"; fi
  # RLIMIT_NPROC too low for a variant's threads: that variant is invalid with the reason, the
  # others run, the exit status says so.
  setpriv --reuid=65534 --regid=65534 --clear-groups bash -c "ulimit -u 3; '$PB' run \
    --profile=quick --benchmark_filter='dispatch/tpr/unpinned/|churn/pool/unpinned/' \
    --out='$tmp/nobody'" >"$tmp/nproc.log" 2>&1; rc=$?
  ndir=$(sed -n 's/^results: //p' "$tmp/nproc.log" | tail -n 1)
  if [ "$rc" -eq 1 ] && grep -q "^INVALID: dispatch/tpr/unpinned: .*Resource temporarily unavailable" "$tmp/nproc.log" &&
     grep -q '"name": "churn/pool/unpinned",' "$ndir/summary.json" &&
     ! grep -q '"status": "skipped"' "$ndir/summary.json"; then
    ok "RLIMIT_NPROC: the starved variant is invalid with its reason, the other ran"
  else bad "RLIMIT_NPROC: exit $rc: $(grep -m2 -E 'INVALID|rror' "$tmp/nproc.log")"; fi
else
  echo "note: not root, no setpriv, or perf_event_paranoid < 2: the unprivileged counter run is not made"
fi

echo
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
