#!/usr/bin/env bash
# The layering is checked, and the check can fail: this tree passes scripts/check-layers.sh, and
# copies of it with one planted include each (report/ reaching into run/, core/ into results/,
# bench/ into report/, a header at an unknown place) fail it, naming the file and the line.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
check=$here/scripts/check-layers.sh
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

if out=$("$check" "$here" 2>&1); then ok "the tree respects the layering"
else bad "the tree breaks the layering: $out"; fi

# plant FILE INCLUDE WANT: a copy with INCLUDE appended to FILE must fail, saying WANT
plant() {
  rm -rf "$tmp/t"; mkdir "$tmp/t"; cp -a "$here/harness" "$here/bench" "$tmp/t/"
  printf '#include "%s"\n' "$2" >>"$tmp/t/$1"
  out=$("$check" "$tmp/t" 2>&1); rc=$?
  if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "^$1:[0-9]*: .*\"$2\"" &&
     [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; then ok "planted $2 in $1 is refused: $out"
  else bad "planted $2 in $1: exit $rc: $out"; fi
}
plant harness/report/report.c run/runner.h
plant harness/report/summary.c core/clock.h
plant harness/core/work.c results/json.h
plant harness/results/rset.c stats/pairs.h
plant bench/churn.c report/report.h
plant bench/churn.c run/runner.h
plant harness/stats/pairs.c core/hist.h
mkdir -p "$tmp/t2"; cp -a "$here/harness" "$here/bench" "$tmp/t2/"
mkdir "$tmp/t2/harness/misc"; echo 'int x;' >"$tmp/t2/harness/misc/x.c"
out=$("$check" "$tmp/t2" 2>&1); rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "harness/misc/x.c: not in a known layer"; then
  ok "a source outside the layers is refused"
else bad "a source outside the layers: exit $rc: $out"; fi

echo "layers: $pass passed, $fail failed"
[ $fail -eq 0 ]
