#!/usr/bin/env bash
# history: the results store and what reads it, end to end on real result folders. Ingest is
# idempotent, refuses bad folders whole and survives being killed in the middle of a
# transaction (tests/killstep.c kills it at a chosen SQLite step); changes, show, boxes and
# compare read the store; regress --history judges a run against each series' current regime
# and confirms by rerun. Run by `make test`.
#
#   usage: tests/history.sh BUILD/pinbench
set -u
PB=$1
tmp=$(mktemp -d /tmp/pinbench-history-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
q() { python3 - "$@"; } # a query on a database, in Python's own sqlite3

# Six small runs of one box: the harness's own pair, short blocks, a one-second budget.
for i in 1 2 3 4 5 6; do
  "$PB" run --profile=quick --benchmark_filter='^harness/(rdtscp_pair|start_stop_pair)$' \
    --benchmark_min_time=0.002 --budget=1 --label="h$i" --out="$tmp/runs" -q >"$tmp/run$i.log" 2>&1 ||
    { bad "run $i: $(tail -2 "$tmp/run$i.log")"; exit 1; }
  eval "f$i=\$(sed -n 's/^results: //p' \"\$tmp/run$i.log\")"
done
db=$tmp/h.sqlite

# ---- ingest ----
out=$("$PB" history ingest --db="$db" "$f1" "$f2" "$f3" "$f4" "$f5" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c ': stored as run [0-9]* (box [0-9a-f]\{12\}, [0-9]* points)$')" -eq 5 ]; then
  ok "ingest: five folders, five runs"
else bad "ingest: exit $rc: $out"; fi
points() { q "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("select count(*) from runs").fetchone()[0], c.execute("select count(*) from points").fetchone()[0])
PY
}
before=$(points "$db")
out=$("$PB" history ingest --db="$db" "$f1" "$f3" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c 'already stored as run')" -eq 2 ] &&
   [ "$(points "$db")" = "$before" ]; then
  ok "ingest is idempotent: the same folders again store nothing ($before runs and points)"
else bad "ingest twice: exit $rc, $before -> $(points "$db"): $out"; fi
# a corrupted folder (a CSV altered after the run) is refused with one line, nothing stored
cp -a "$f6" "$tmp/corrupt"
csv=$(ls "$tmp/corrupt"/hist/*.csv | head -n 1)
printf '9' >>"$csv"
out=$("$PB" history ingest --db="$db" "$tmp/corrupt" 2>&1); rc=$?
if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
   printf '%s' "$out" | grep -q "corrupted folder" && [ "$(points "$db")" = "$before" ]; then
  ok "a corrupted folder is refused in one line, nothing of it stored"
else bad "corrupted folder: exit $rc: $out"; fi
out=$("$PB" history ingest --db="$db" "$tmp/nonexistent" 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "a missing folder: exit 2 ($out)" || bad "missing folder: exit $rc: $out"
printf 'not a database' >"$tmp/notdb.sqlite"
out=$("$PB" history boxes --db="$tmp/notdb.sqlite" 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "a file that is not a history database is refused ($out)" ||
  bad "not a database: exit $rc: $out"
ln -s "$db" "$tmp/link.sqlite"
out=$("$PB" history boxes --db="$tmp/link.sqlite" 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "a database path that is a symbolic link is refused ($out)" ||
  bad "a linked database: exit $rc: $out"
out=$("$PB" history changes --db="$tmp/none.sqlite" 2>&1); rc=$?
[ "$rc" -eq 2 ] && [ ! -e "$tmp/none.sqlite" ] && ok "reading a database that does not exist: exit 2, none made" ||
  bad "missing database: exit $rc: $out"

# ---- killed midway ----
# A reference store, and for each run its points; then ingests killed at several SQLite steps:
# the database stays sound, every run in it is whole, and a second ingest completes it.
if gcc -shared -fPIC -O1 -o "$tmp/killstep.so" tests/killstep.c -ldl 2>"$tmp/cc.log"; then
  "$PB" history ingest --db="$tmp/ref.sqlite" "$f1" "$f2" "$f3" "$f4" "$f5" >/dev/null 2>&1
  killed=0 partial=0 whole=1
  for at in 30 90 160 240 400; do
    rm -f "$tmp/k.sqlite" "$tmp/k.sqlite-journal"
    # (the shell's own "Killed" line is not this test's output)
    { (PB_KILL_AT_STEP=$at LD_PRELOAD="$tmp/killstep.so" \
      exec "$PB" history ingest --db="$tmp/k.sqlite" "$f1" "$f2" "$f3" "$f4" "$f5") >/dev/null 2>&1; } 2>/dev/null
    [ $? -eq 137 ] && killed=$((killed + 1))
    res=$(q "$tmp/ref.sqlite" "$tmp/k.sqlite" <<'PY'
import sqlite3, sys
def runs(path):
    c = sqlite3.connect(path)
    assert c.execute("pragma integrity_check").fetchone()[0] == "ok", "integrity"
    if not c.execute("select count(*) from sqlite_master where name = 'runs'").fetchone()[0]:
        return {}  # killed while making the schema: rolled back, made again by the next ingest
    return dict(c.execute("select r.record_sha256, count(p.run) from runs r left join points p on p.run = r.id group by r.id"))
ref, got = runs(sys.argv[1]), runs(sys.argv[2])
broken = [h for h in got if got[h] != ref.get(h)]
print(len(got), "broken" if broken else "whole")
PY
)
    case $res in
      *whole) [ "${res%% *}" -lt 5 ] && partial=$((partial + 1)) ;;
      *) whole=0 ;;
    esac
    "$PB" history ingest --db="$tmp/k.sqlite" "$f1" "$f2" "$f3" "$f4" "$f5" >/dev/null 2>&1
    [ "$(points "$tmp/k.sqlite")" = "$(points "$tmp/ref.sqlite")" ] || whole=0
  done
  if [ "$killed" -eq 5 ] && [ "$partial" -ge 3 ] && [ "$whole" -eq 1 ]; then
    ok "ingest killed at 5 points of its transactions: the store stays sound, no run half-stored, a second ingest completes it"
  else bad "killed ingests: $killed killed, $partial left runs out, whole=$whole"; fi
else
  bad "cannot build tests/killstep.c: $(head -3 "$tmp/cc.log")"
fi

# ---- changes, show, boxes, compare ----
out=$("$PB" history boxes --db="$db" 2>&1); rc=$?
host=$(hostname)
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE "^[0-9a-f]{12} +${host:0:20} +[0-9]+ +5 "; then
  ok "boxes: one box, five runs"
else bad "boxes: exit $rc: $out"; fi
box=$(printf '%s\n' "$out" | awk 'NR == 2 {print $1}')
out=$("$PB" history changes --db="$db" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q "^| box | series | metric | new regime from | 90 % range |" &&
   printf '%s' "$out" | grep -qE "^[0-9]+ change point\(s\) in [0-9]+ series\.$"; then
  ok "changes: a table of change points over every series"
else bad "changes: exit $rc: $out"; fi
# a planted regime change: the first three runs of one series (DB, is_pair, name) halved, so the
# fourth starts a regime twice as slow
plant_step() {
  q "$@" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
s = c.execute("select id from series where is_pair = ? and name = ? and metric = 'real_time_ns'",
              (int(sys.argv[2]), sys.argv[3])).fetchone()[0]
first = [r[0] for r in c.execute("select id from runs order by started_utc, id limit 3")]
c.executemany("update points set value = value / 2, ci_low = ci_low / 2, ci_high = ci_high / 2 where series = ? and run = ?", [(s, r) for r in first])
c.commit()
PY
}
cp "$db" "$tmp/step.sqlite"
"$PB" history ingest --db="$tmp/step.sqlite" "$f6" >/dev/null 2>&1
plant_step "$tmp/step.sqlite" 0 'harness/rdtscp_pair'
out=$("$PB" history changes --db="$tmp/step.sqlite" --p=0.05 'harness/rdtscp_pair real_time_ns' 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE '^\| [0-9a-f]{12} \| harness/rdtscp\\?_pair \| real\\?_time\\?_ns \| run 4 of 6 [^|]*\| (run 4|runs [1-4]-[4-6]) \|.*\| \+[0-9.]+ % \|' &&
   printf '%s\n' "$out" | grep -q "^1 change point(s) in 1 series.$"; then
  ok "changes: a planted regime change is found at its run, its range holding it, with its size"
else bad "changes on a planted step: exit $rc: $out"; fi
# the same for the pair: its values are ratios, written "1.23 x", never in the metric's ns
plant_step "$tmp/step.sqlite" 1 'harness: rdtscp_pair -> start_stop_pair'
out=$("$PB" history changes --db="$tmp/step.sqlite" --p=0.05 'harness: rdtscp_pair -> start_stop_pair real_time_ns' 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qE '^\| [0-9a-f]{12} \| harness: rdtscp\\?_pair -&gt; start\\?_stop\\?_pair \| real\\?_time\\?_ns \| run 4 of 6 [^|]*\|[^|]*\| [0-9.]+ x \| [0-9.]+ x \| \+[0-9.]+ % \|'; then
  ok "changes: a pair's regimes are ratios (x), not the metric's unit"
else bad "changes on a pair's step: exit $rc: $out"; fi
if gnuplot -e 'set terminal pngcairo; set terminal svg' >/dev/null 2>&1; then
  out=$("$PB" history show --db="$tmp/step.sqlite" --p=0.05 --out="$tmp/plots" 'harness/rdtscp_pair real_time_ns' 2>&1); rc=$?
  svg=$(ls "$tmp/plots"/*.svg 2>/dev/null | head -n 1)
  if [ "$rc" -eq 0 ] && [ -n "$svg" ] && [ -s "${svg%.svg}.png" ] &&
     grep -q "1 change point" "$svg" && ! grep -qE '> *[-0-9.]+e[+-]?[0-9]+ *<' "$svg" &&
     grep -q "90 % range" "$svg" &&
     # the change point's line: its place (between runs 3 and 4), its change, its range's ends
     # around it
     awk '/^# change points/ {c = 1; next} c && NF == 4 && $1 == 3.5 && $3 <= 3.5 && $4 >= 3.5 {ok = 1}
          END {exit !ok}' "${svg%.svg}.dat"; then
    ok "show: the series drawn with its change point and its range ($(basename "$svg"))"
  else bad "show: exit $rc: $out"; fi
fi
out=$("$PB" history show --db="$db" --out="$tmp/plots" 'no/such/series' 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "show: no matching series is exit 2 ($out)" || bad "show without a match: exit $rc: $out"
out=$("$PB" history compare --db="$db" "$box" "$host" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q "^## Environment"; then
  ok "compare: two boxes by id and host, with the environment diff"
else bad "compare: exit $rc: $out"; fi
out=$("$PB" history compare --db="$db" "$box" nosuchbox 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "compare: an unknown box is exit 2 ($out)" || bad "compare unknown box: exit $rc: $out"

# ---- regress --history ----
# The gate on a history whose regime is exactly the current run's values (clean), then on one
# where a series' regime is 40 % faster than the current run (a regression), with --confirm.
cp "$db" "$tmp/gate.sqlite"
flatten() { q "$tmp/gate.sqlite" "$1" "$2" <<'PY'
import json, sqlite3, sys, statistics
c = sqlite3.connect(sys.argv[1])
gb = json.load(open(sys.argv[2] + "/gbench.json"))
cur = {}
for b in gb["benchmarks"]:
    if b.get("run_type") == "iteration":
        cur.setdefault(b["name"].replace("/manual_time", ""), []).append(b["real_time"])
scale = float(sys.argv[3])
for name, v in cur.items():
    m = statistics.median(v)
    for i, (pid, run) in enumerate(c.execute("select p.series, p.run from points p join series s on s.id = p.series where s.name = ? and s.metric = 'real_time_ns'", (name,)).fetchall()):
        c.execute("update points set value = ? where series = ? and run = ?", (m * scale * (1 + 0.002 * (i % 3 - 1)), pid, run))
c.commit()
PY
}
flatten "$f6" 1
out=$("$PB" regress --history="$tmp/gate.sqlite" --current="$f6" 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q "^# pinbench regress: clean" &&
   printf '%s' "$out" | grep -q "current regime"; then
  ok "regress --history: a run like its regime is clean"
else bad "regress --history (clean): exit $rc: $out"; fi
flatten "$f6" 0.6
out=$("$PB" regress --history="$tmp/gate.sqlite" --current="$f6" --junit="$tmp/j.xml" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "^# pinbench regress: REGRESSION" &&
   printf '%s' "$out" | grep -q "| harness/rdtscp\\\\_pair | real\\\\_time\\\\_ns | \*\*REGRESSION\*\*" &&
   grep -q '<failure message="regression' "$tmp/j.xml"; then
  ok "regress --history: a run 67 % slower than its regime is a regression (Markdown and JUnit)"
else bad "regress --history (slower): exit $rc: $out"; fi
out=$("$PB" regress --history="$tmp/gate.sqlite" --current="$f6" --confirm 2>&1); rc=$?
if [ "$rc" -eq 1 ] && printf '%s' "$out" | grep -q "regressed again"; then
  ok "regress --history --confirm: the suspects rerun, and judged against the history again"
else bad "regress --history --confirm: exit $rc: $(printf '%s' "$out" | tail -5)"; fi
out=$("$PB" regress --history="$db" --baseline="$f1" --current="$f6" 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "regress: --history with --baseline is exit 2 ($out)" || bad "regress both: exit $rc: $out"
out=$("$PB" history frobnicate 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "history: an unknown command is exit 2" || bad "history frobnicate: exit $rc"
out=$("$PB" history quality --series=20 2>&1); rc=$?
if [ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^| [0-9]* % |')" -eq 12 ]; then
  ok "quality: the detector's table over the grid (12 rows)"
else bad "quality: exit $rc: $out"; fi
out=$("$PB" history quality --series=20 --exact-weight=0.5 2>&1); rc=$?
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q 'placed with exact weight 0.5;'; then
  ok "quality: --exact-weight reaches the detector's placement"
else bad "quality --exact-weight=0.5: exit $rc: $out"; fi
out=$("$PB" history changes --db="$db" --exact-weight=-1 2>&1); rc=$?
[ "$rc" -eq 2 ] && ok "changes: a negative --exact-weight is exit 2 ($out)" ||
  bad "changes --exact-weight=-1: exit $rc: $out"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
