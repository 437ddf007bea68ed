#!/bin/sh
# make ci-bench: the short "ci" profile, then the regression gate against a stored baseline.
#   scripts/ci-bench.sh BINARY BASELINE_DIR
# Writes results/<host>/<stamp>-ci/ and, beside it, regress.md and junit.xml; exits with
# pinbench regress's status (0 clean, 1 regression, 2 usage or data error). Extra regress
# options come from PINBENCH_REGRESS_ARGS (make ci-bench CI_REGRESS_ARGS=--ratios-only).
#
# With PINBENCH_HISTORY=DB (make ci-bench CI_HISTORY=results/history.sqlite) the gate is
# `regress --history=DB` instead: each series against its current regime on this box, no stored
# baseline needed. The run is then ingested into DB whatever the verdict (the history records
# every run; a lone bad run does not make a regime), so the next run is judged against it; the
# first run only starts the history.
set -eu
bin=$1
baseline=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin" run --profile=ci --label=ci | tee "$log"
current=$(sed -n 's/^results: //p' "$log" | tail -n 1)
if [ -z "$current" ]; then
    echo "ci-bench: the run printed no results folder" >&2
    exit 2
fi
if [ -n "${PINBENCH_HISTORY:-}" ]; then
    status=0
    if [ -f "$PINBENCH_HISTORY" ]; then
        # shellcheck disable=SC2086 # PINBENCH_REGRESS_ARGS are words
        "$bin" regress --history="$PINBENCH_HISTORY" --current="$current" --confirm \
            ${PINBENCH_REGRESS_ARGS:-} --md="$current/regress.md" --junit="$current/junit.xml" ||
            status=$?
    else
        echo "ci-bench: no history at $PINBENCH_HISTORY yet: this run starts it (nothing judged)"
    fi
    "$bin" history ingest --db="$PINBENCH_HISTORY" "$current"
    exit "$status"
fi
for f in gbench.json summary.json env.json; do
    if [ ! -f "$baseline/$f" ]; then
        echo "ci-bench: no baseline at $baseline (missing $f)." >&2
        echo "ci-bench: to make this run the baseline on this box:" >&2
        echo "  mkdir -p $baseline && cp $current/gbench.json $current/summary.json $current/env.json $baseline/" >&2
        exit 2
    fi
done
cfg=""
[ -f "$baseline/thresholds.txt" ] && cfg="--config=$baseline/thresholds.txt"
# shellcheck disable=SC2086 # cfg is one word or none; PINBENCH_REGRESS_ARGS are words
"$bin" regress --baseline="$baseline" --current="$current" $cfg --confirm ${PINBENCH_REGRESS_ARGS:-} \
    --md="$current/regress.md" --junit="$current/junit.xml"
