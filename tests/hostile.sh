#!/usr/bin/env bash
# Hostile input, as an attacker or an unlucky user meets pinbench: strings that try to become
# code (gnuplot injection through --out, host names, file names in index.html), links and FIFOs
# planted in results folders, folders whose integrity checks were tampered with, signals at
# awkward moments, lost standard output, runaway external programs, and malformed options.
# Every case states what must hold and fails if it does not. The cases of tests/hostile/ (one
# file each, growing with every bug) are run by tests/e2e.sh's corpus step through this script.
# Usage: tests/hostile.sh build/pinbench
set -u
PB=$(realpath "$1")
pass=0 fail=0
tmp=$(mktemp -d /tmp/pinbench-hostile-XXXXXX)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
export PINBENCH_SKIP_DEPS=1

# one_line DESCRIPTION RC_WANTED CMD...: the exit status, and stderr is one line under 300 bytes.
one_line() {
  local desc=$1 want=$2; shift 2
  local err rc lines bytes
  err=$("$@" 2>&1 >/dev/null); rc=$?
  lines=$(printf '%s\n' "$err" | grep -c .)
  bytes=$(printf '%s' "$err" | wc -c)
  if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && [ "$bytes" -lt 300 ]; then
    ok "$desc -> exit $rc, one line of $bytes bytes"
  else
    bad "$desc: exit $rc (want $want), $lines lines, $bytes bytes: $(printf '%s' "$err" | head -c 400)"
  fi
}

# no_temp ROOT: no hidden temporary folder anywhere below ROOT.
no_temp() {
  [ -z "$(find "$1" -name '.tmp-*' 2>/dev/null)" ]
}

# A base folder that every reader case starts from: a quick run of two small families.
base_root=$tmp/base
"$PB" run --profile=quick --benchmark_filter='^(churn/spawn|serialize/atomic)' --out="$base_root" \
  >"$tmp/base.log" 2>&1
base=$(tail -n 1 "$tmp/base.log" | sed -n 's/^results: //p')
if [ -z "$base" ] || [ ! -f "$base/summary.json" ]; then
  echo "FAIL: the base run did not produce a folder: $(tail -5 "$tmp/base.log")"
  exit 1
fi
fresh() { # fresh NAME: a copy of the base folder
  rm -rf "$tmp/$1"; cp -a "$base" "$tmp/$1"; echo "$tmp/$1"
}
# reseal DIR FILE: rewrite FILE's size and checksum in DIR's manifest (run.json), as a careful attacker
# would after altering it (so that the check under test is the one after the manifest's)
reseal() {
  local d=$1 f=$2 sum size
  sum=$(sha256sum "$d/$f" | cut -d' ' -f1); size=$(stat -c %s "$d/$f")
  awk -v f="$f" -v sum="$sum" -v size="$size" '
    $0 ~ "\"path\": \"" f "\"" { hit = 1 }
    hit && /"bytes":/ { sub(/[0-9]+/, size); }
    hit && /"sha256":/ { sub(/"[0-9a-f]+"/, "\"" sum "\""); hit = 0 }
    { print }' "$d/run.json" >"$d/run.json.new" && mv "$d/run.json.new" "$d/run.json"
}
readers() { # readers DIR: report, export and compare against the base; prints their statuses
  "$PB" report "$1" >/dev/null 2>"$tmp/r.err"; local a=$?
  "$PB" export --format=github "$1" >/dev/null 2>>"$tmp/r.err"; local b=$?
  "$PB" compare "$base" "$1" >/dev/null 2>>"$tmp/r.err"; local c=$?
  echo "$a $b $c"
}

# ---- security: nothing supplied is ever code ----
marker=$tmp/owned
evil="$tmp/out/x';system('touch $marker');'"
"$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$evil" >"$tmp/e1.log" 2>&1
if [ ! -e "$marker" ] && ls "$evil"/*/*/plots/*.svg >/dev/null 2>&1; then
  ok "run --out with a quote: no command ran, plots drawn inside the odd path"
else bad "run --out with a quote: marker $(ls "$marker" 2>&1), log: $(tail -3 "$tmp/e1.log")"; fi
"$PB" compare "$base" "$base" --out="$tmp/cmp';system('touch $marker');'" >/dev/null 2>&1
if [ ! -e "$marker" ]; then ok "compare --out with a quote: no command ran"
else bad "compare --out with a quote ran a command"; fi

if unshare -u true 2>/dev/null; then
  for h in "x';system('touch $marker');'" "." ".." "a/b"; do
    rm -rf "$tmp/hosts"
    unshare -u sh -c 'printf %s "$1" >/proc/sys/kernel/hostname && exec "$2" run --profile=quick --benchmark_filter=^serialize/atomic --out="$3"' \
      sh "$h" "$PB" "$tmp/hosts" >"$tmp/h.log" 2>&1
    top=$(ls -A "$tmp/hosts" 2>/dev/null)
    if [ ! -e "$marker" ] && [ "$(echo "$top" | wc -l)" -eq 1 ] && [ -d "$tmp/hosts/$top" ] &&
       [ "$top" != "." ] && [ "$top" != ".." ] && ls "$tmp/hosts/$top"/*/summary.json >/dev/null 2>&1; then
      ok "host name $(printf '%q' "$h"): folder inside --out as '$top', nothing ran"
    else bad "host name $(printf '%q' "$h"): $(ls -la "$tmp/hosts" 2>&1 | head -5) $(tail -2 "$tmp/h.log")"; fi
  done
else
  echo "note: no UTS namespace here (unshare -u): host-name cases not run"
fi

d=$(fresh symlinked)
echo "precious" >"$tmp/precious"
ln -s "$tmp/precious" "$d/report.md.tmp"
ln -s "$tmp/precious" "$d/index.html.tmp"
"$PB" report "$d" >/dev/null 2>&1
if [ "$(cat "$tmp/precious")" = "precious" ] && [ -f "$d/report.md" ] && [ ! -L "$d/report.md" ]; then
  ok "report: a planted report.md.tmp link is replaced, its target untouched"
else bad "report wrote through a planted link: $(head -c 100 "$tmp/precious")"; fi
d=$(fresh linkout)
ln -s "$tmp/precious" "$tmp/export.json"
"$PB" export --format=github "$d" --out="$tmp/export.json" >/dev/null 2>&1
if [ "$(cat "$tmp/precious")" = "precious" ] && [ -f "$tmp/export.json" ] && [ ! -L "$tmp/export.json" ]; then
  ok "export --out onto a link replaces the link, never writes through it"
else bad "export --out wrote through a link"; fi

d=$(fresh html)
printf '<svg xmlns="http://www.w3.org/2000/svg"></svg>\n' >"$d/plots/churn.<img src=x onerror=alert(1)>.svg"
"$PB" report "$d" >/dev/null 2>&1
if ! grep -q '<img src=x' "$d/index.html" && grep -q '&lt;img src=x' "$d/index.html" &&
   ! grep -q '<img src=x' "$d/report.md"; then
  ok "a file name with HTML reaches index.html and report.md escaped"
else bad "HTML injection through a file name: $(grep -o '.\{20\}img src=x.\{20\}' "$d/index.html" | head -2)"; fi

# ---- integrity that cannot be switched off ----
d=$(fresh nomanifest)
python3 - "$d/run.json" <<'EOF' 2>/dev/null || sed -i '/"manifest"/,$d' "$d/run.json"
import json, sys
p = sys.argv[1]; s = json.load(open(p)); del s["manifest"]; json.dump(s, open(p, "w"))
EOF
printf '{"benchmarks": []}' >"$d/gbench.json"
[ "$(readers "$d")" = "2 2 2" ] && ok "a folder whose manifest was deleted is refused by every reader" \
  || bad "manifest deleted: readers exit $(readers "$d"): $(cat "$tmp/r.err")"
d=$(fresh emptymanifest)
sed -i 's/"files": \[/"files": [], "x": [/' "$d/run.json"
[ "$(readers "$d")" = "2 2 2" ] && ok "an emptied manifest is refused" || bad "emptied manifest: $(readers "$d")"
d=$(fresh dupkey)
sed -i '0,/"partial": false/s//"partial": true, "partial": false/' "$d/run.json"
[ "$(readers "$d")" = "2 2 2" ] && grep -q "duplicate key" "$tmp/r.err" && ok "a duplicated key is refused" \
  || bad "duplicate key: $(readers "$d") $(cat "$tmp/r.err")"
for v in '"true"' '1' '"yes"'; do
  d=$(fresh partialtype)
  sed -i "0,/\"partial\": false/s//\"partial\": $v/" "$d/run.json"
  [ "$(readers "$d")" = "2 2 2" ] && ok "partial written as $v is refused, not read as complete" \
    || bad "partial as $v: $(readers "$d")"
done
d=$(fresh envtype)
sed -i '0,/"hostname": "[^"]*"/s//"hostname": 42/' "$d/env.json"
reseal "$d" env.json
[ "$(readers "$d")" = "2 2 2" ] && grep -q "env.json" "$tmp/r.err" && ok "a wrong-typed env.json value (manifest updated) is refused" \
  || bad "env type: $(readers "$d") $(head -c 300 "$tmp/r.err")"
d=$(fresh badutf8)
sed -i '0,/"hostname": "/s//"hostname": "\xff\xfe/' "$d/env.json"
reseal "$d" env.json
[ "$(readers "$d")" = "2 2 2" ] && grep -q "UTF-8" "$tmp/r.err" && ok "invalid UTF-8 (manifest updated) is refused" \
  || bad "invalid UTF-8: $(readers "$d") $(head -c 300 "$tmp/r.err")"
d=$(dirname "$base")/.tmp-killed-1-0
cp -a "$base" "$d"
[ "$(readers "$d")" = "2 2 2" ] && grep -q "temporary folder" "$tmp/r.err" && ok "a killed run's temporary folder is refused" \
  || bad "temporary folder accepted: $(readers "$d")"
rm -rf "$d"

# ---- readers open regular files only, inside the folder, bounded ----
d=$(fresh fifo); rm "$d/gbench.json"; mkfifo "$d/gbench.json"
st=$(timeout 20 bash -c "$(declare -f readers); PB=$PB base=$base tmp=$tmp readers $d"); rc=$?
[ $rc -ne 124 ] && [ "$st" = "2 2 2" ] && ok "a FIFO in a folder is refused at once" || bad "FIFO: rc $rc, $st"
d=$(fresh zero); rm "$d/gbench.json"; ln -s /dev/zero "$d/gbench.json"
st=$(timeout 20 bash -c "$(declare -f readers); PB=$PB base=$base tmp=$tmp readers $d"); rc=$?
[ $rc -ne 124 ] && [ "$st" = "2 2 2" ] && ok "a link to /dev/zero is refused at once" || bad "/dev/zero: rc $rc, $st"
d=$(fresh sparse); truncate -s 10G "$d/gbench.json"
st=$(timeout 20 bash -c "$(declare -f readers); PB=$PB base=$base tmp=$tmp readers $d"); rc=$?
[ $rc -ne 124 ] && [ "$st" = "2 2 2" ] && grep -q "larger than" "$tmp/r.err" && ok "a 10 GB sparse file is refused by its size" \
  || bad "sparse: rc $rc, $st"
d=$(fresh escape); mv "$d/hist" "$d/hist.real"; ln -s "$tmp/precious-dir" "$d/hist"; mkdir -p "$tmp/precious-dir"
cp "$d"/hist.real/* "$tmp/precious-dir/" 2>/dev/null
[ "$(readers "$d")" = "2 2 2" ] && ok "a folder whose hist/ is a link elsewhere is refused" \
  || bad "hist/ link followed: $(readers "$d")"
one_line "regress --config a directory" 2 "$PB" regress --baseline="$base" --current="$base" --config="$tmp"
one_line "regress --config a FIFO" 2 timeout 10 "$PB" regress --baseline="$base" --current="$base" --config="$tmp/fifo/gbench.json"

# ---- signals, outputs and external programs ----
# Ctrl-C inside the first repetition: a partial folder, exit 130, one "stopped" line
rm -rf "$tmp/sig1"
"$PB" run --benchmark_filter='^hotloop/x1/spread' --benchmark_repetitions=3 --benchmark_min_time=5 \
  --out="$tmp/sig1" >"$tmp/sig1.out" 2>"$tmp/sig1.err" &
pid=$!; sleep 3; kill -INT $pid; wait $pid; rc=$?
n=$(grep -c "stopped by SIGINT" "$tmp/sig1.err")
if [ $rc -eq 130 ] && [ "$n" -eq 1 ] && ls "$tmp"/sig1/*/*/summary.json >/dev/null 2>&1 &&
   ! grep -q "no variant matches" "$tmp/sig1.err" && no_temp "$tmp/sig1"; then
  ok "SIGINT inside the first repetition: exit 130, one line, a partial folder"
else bad "SIGINT in the first repetition: exit $rc, $n stop lines: $(cat "$tmp/sig1.err" | tail -3)"; fi

# a gnuplot that never returns: killed after the limit, the run completes without plots
mkdir -p "$tmp/fakebin"
printf '#!/bin/sh\nexec sleep 600\n' >"$tmp/fakebin/gnuplot"; chmod +x "$tmp/fakebin/gnuplot"
rm -rf "$tmp/hang"
t0=$(date +%s)
PATH="$tmp/fakebin:$PATH" PINBENCH_EXTERNAL_TIMEOUT_S=2 timeout 120 "$PB" run --profile=quick \
  --benchmark_filter='^serialize/atomic' --out="$tmp/hang" >"$tmp/hang.out" 2>&1; rc=$?
dt=$(( $(date +%s) - t0 ))
f=$(ls -d "$tmp"/hang/*/* 2>/dev/null | head -1)
if [ $rc -eq 0 ] && [ -n "$f" ] && grep -q "did not finish in 2 s" "$f/summary.json" &&
   [ -z "$(ls "$f"/plots/*.png 2>/dev/null)" ] && ! pgrep -f "sleep 600" >/dev/null; then
  ok "a gnuplot that never returns is killed after its limit (${dt}s), the run completes, no pictures"
else bad "hanging gnuplot: exit $rc after ${dt}s: $(tail -3 "$tmp/hang.out")"; fi
pkill -f "exec sleep 600" 2>/dev/null; pkill -f "sleep 600" 2>/dev/null

# SIGINT while the plots are drawn (gnuplot hangs there): the record was already sealed, so the
# run is complete (exit 0, said in one line), gnuplot is ended, and summary.json says the plots
# were not drawn (`pinbench report DIR` draws them later)
rm -rf "$tmp/sig2"
PATH="$tmp/fakebin:$PATH" "$PB" run --profile=quick --benchmark_filter='^serialize/atomic' \
  --out="$tmp/sig2" >"$tmp/sig2.out" 2>"$tmp/sig2.err" &
pid=$!
for _ in $(seq 1 300); do pgrep -f "sleep 600" >/dev/null && break; sleep 0.1; done
kill -INT $pid; wait $pid; rc=$?
f=$(ls -d "$tmp"/sig2/*/* 2>/dev/null | head -1)
if [ $rc -eq 0 ] && [ "$(grep -c 'SIGINT arrived after the results were complete' "$tmp/sig2.err")" -eq 1 ] &&
   [ -n "$f" ] && grep -q '"partial": false' "$f/run.json" && grep -q 'plots for serialize not drawn' "$f/summary.json" &&
   no_temp "$tmp/sig2" && ! pgrep -f "sleep 600" >/dev/null; then
  ok "SIGINT while plotting: a complete run (exit 0, one line), gnuplot ended, plots said missing"
else bad "SIGINT while plotting: exit $rc: $(cat "$tmp/sig2.err")"; fi

# standard output closed, a closed pipe, a full device
rm -rf "$tmp/so"
"$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$tmp/so" >&- 2>"$tmp/so.err"; rc=$?
f=$(ls -d "$tmp"/so/*/* 2>/dev/null | head -1)
if [ $rc -eq 1 ] && grep -q "standard output was closed" "$tmp/so.err" && grep -q "^pinbench: results: " "$tmp/so.err" &&
   [ -n "$f" ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f/gbench.json" 2>/dev/null; then
  ok "stdout closed: exit 1, said on stderr with the folder; gbench.json is intact JSON"
else bad "stdout closed: exit $rc: $(cat "$tmp/so.err" | tail -3)"; fi
rm -rf "$tmp/sp"
set -o pipefail
"$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$tmp/sp" 2>"$tmp/sp.err" | head -c 1 >/dev/null; rc=$?
set +o pipefail
if [ $rc -eq 1 ] && no_temp "$tmp/sp" && ls "$tmp"/sp/*/*/summary.json >/dev/null 2>&1 && grep -q "standard output" "$tmp/sp.err"; then
  ok "stdout a closed pipe: no SIGPIPE death, exit 1, folder published, nothing left"
else bad "closed pipe: exit $rc: $(tail -2 "$tmp/sp.err")"; fi
rm -rf "$tmp/sf"
"$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$tmp/sf" >/dev/full 2>"$tmp/sf.err"; rc=$?
if [ $rc -eq 1 ] && grep -q "^pinbench: results: " "$tmp/sf.err"; then
  ok "stdout /dev/full: exit 1 and the results line on stderr"
else bad "/dev/full: exit $rc: $(tail -2 "$tmp/sf.err")"; fi
rm -rf "$tmp/nf"
(ulimit -n 5; "$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$tmp/nf" >/dev/null 2>"$tmp/nf.err"); rc=$?
if [ $rc -ne 0 ] && no_temp "$tmp/nf" && [ "$(grep -c . "$tmp/nf.err")" -ge 1 ]; then
  ok "RLIMIT_NOFILE=5: fails (exit $rc) saying why, no temporary folder left"
else bad "RLIMIT_NOFILE=5: exit $rc, left: $(find "$tmp/nf" -name '.tmp-*')"; fi

# the watchdog ending some repetitions: the variant is invalid, the run goes on, no crash
rm -rf "$tmp/wd"
"$PB" run --profile=quick --benchmark_filter='^churn/spawn/unpinned' --benchmark_min_time=0.3 \
  --watchdog=0.15 --out="$tmp/wd" >"$tmp/wd.out" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "watchdog: the call ran past 0.15 s" "$tmp/wd.out" && ls "$tmp"/wd/*/*/summary.json >/dev/null 2>&1; then
  ok "watchdog ends repetitions: invalid variant, exit 1, folder published"
else bad "watchdog: exit $rc: $(tail -3 "$tmp/wd.out")"; fi
# SIGSTOP longer than the watchdog's limit is not the call's time
rm -rf "$tmp/stop"
"$PB" run --benchmark_filter='^hotloop/x1/spread' --benchmark_repetitions=2 --benchmark_min_time=1 \
  --watchdog=4 --out="$tmp/stop" >"$tmp/stop.out" 2>&1 &
pid=$!; sleep 2; kill -STOP $pid; sleep 7; kill -CONT $pid; wait $pid; rc=$?
if [ $rc -eq 0 ] && ! grep -q "watchdog" "$tmp/stop.out"; then
  ok "a 7 s SIGSTOP under --watchdog=4 does not end the call"
else bad "SIGSTOP counted by the watchdog: exit $rc: $(grep watchdog "$tmp/stop.out" | head -2)"; fi

# ---- bad input: every option checked before any work, one bounded line ----
long80k=$(head -c 80000 /dev/zero | tr '\0' '7')
one_line "an 80 KB --cpus list" 2 "$PB" run --cpus="$long80k" --out="$tmp/r"
one_line "a 4 KiB label" 2 "$PB" run --label="$(head -c 4096 /dev/zero | tr '\0' 'L')!" --out="$tmp/r"
one_line "a newline in a label" 2 "$PB" run --label=$'a\nforged: line' --out="$tmp/r"
one_line "a 5,000-character unknown option" 2 "$PB" run "--$(head -c 5000 /dev/zero | tr '\0' 'o')" --out="$tmp/r"
one_line "--benchmark_enable_random_interleaving=garbage" 2 "$PB" run --benchmark_enable_random_interleaving=garbage --out="$tmp/r"
one_line "--benchmark_counters_tabular=garbage" 2 "$PB" run --benchmark_counters_tabular=garbage --out="$tmp/r"
one_line "--benchmark_out into a missing folder" 2 "$PB" run --profile=quick --benchmark_out="$tmp/missing/x.json" --out="$tmp/r"
one_line "--benchmark_out_format=xml" 2 "$PB" run --benchmark_out_format=xml --out="$tmp/r"
one_line "--benchmark_time_unit=weeks" 2 "$PB" run --benchmark_time_unit=weeks --out="$tmp/r"
one_line "an unknown --benchmark_ flag" 2 "$PB" run --benchmark_frobnicate=1 --out="$tmp/r"
one_line "env --json --check" 2 "$PB" env --json --check
one_line "env --topology with 100,000 PUs" 2 timeout 20 "$PB" env --topology='package:10 core:100 pu:100'
one_line "regress --threshold= (empty)" 2 "$PB" regress --baseline="$base" --current="$base" --threshold=
one_line "regress --threshold=0x10" 2 "$PB" regress --baseline="$base" --current="$base" --threshold=0x10
one_line "regress --threshold=inf" 2 "$PB" regress --baseline="$base" --current="$base" --threshold=inf
one_line "--out of 5,000 characters" 2 "$PB" run --out="$tmp/$(head -c 5000 /dev/zero | tr '\0' 'd')"
[ -z "$(find "$tmp/r" -mindepth 1 2>/dev/null)" ] && ok "refused runs leave nothing in --out" \
  || bad "refused runs left $(find "$tmp/r" | head -3)"
for len in 1500 3000; do
  seg=$(head -c 200 /dev/zero | tr '\0' 's'); p="$tmp/long"
  while [ ${#p} -lt $len ]; do p="$p/$seg"; done
  p=${p:0:$len}
  "$PB" run --profile=quick --benchmark_filter='^serialize/atomic' --out="$p" >"$tmp/long.out" 2>&1; rc=$?
  last=$(tail -n 1 "$tmp/long.out")
  if [ $rc -eq 0 ] && [ "${last#results: $p/}" != "$last" ] && [ -f "${last#results: }/summary.json" ]; then
    ok "--out of $len characters: the folder is written exactly there"
  else bad "--out of $len characters: exit $rc, $last"; fi
  rm -rf "$tmp/long"
done

# ---- the corpus of hostile cases: one file per bug, each a command and what it must do ----
for c in tests/hostile/*.case; do
  [ -f "$c" ] || continue
  want=$(sed -n 's/^# exit: //p' "$c")
  args=()
  while IFS= read -r line; do args+=("$line"); done < <(grep -av '^#' "$c")
  one_line "corpus $(basename "$c")" "$want" "$PB" "${args[@]}"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
