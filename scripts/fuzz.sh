#!/bin/sh
# make fuzz: runs each libFuzzer target for SECONDS from the kept corpus (tests/corpus/<t>) plus
# what earlier runs found (build/fuzz/corpus-<t>). Fails, naming the input, on a crash, a leak,
# a 5 s hang or a target's own abort.
#   scripts/fuzz.sh BUILD_DIR SECONDS TARGET...
set -u
build=$1 seconds=$2
shift 2
status=0
for t in "$@"; do
  mkdir -p "$build/fuzz/corpus-$t" "$build/fuzz/crash-$t"
  log="$build/fuzz/$t.log"
  echo "== fuzz $t for $seconds s (log: $log)"
  "$build/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz/crash-$t/" \
    "$build/fuzz/corpus-$t" "tests/corpus/$t" >"$log" 2>&1
  rc=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$log" | tail -3
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$build/fuzz/crash-$t")" ]; then
    echo "fuzz $t: FAILED (exit $rc); input(s) in $build/fuzz/crash-$t:"
    ls "$build/fuzz/crash-$t"
    grep -m3 -E 'ERROR|SUMMARY' "$log"
    status=1
  fi
done
exit $status
