#!/usr/bin/env bash
# Readers on large folders: how long report, compare, regress and export take, and how much
# memory they hold, on valid results folders of about 10, 100 and 200 MB (a real quick run's
# gbench.json with its repetition rows repeated, the manifest rewritten to match). A benchmark
# to run and read, not a test: nothing here asserts a time.
# Usage: scripts/reader-bench.sh [build/pinbench] [SIZES_MB...]
# Needs python3 (to write the large JSON) and GNU time (/usr/bin/time) for peak memory.
set -u
PB=$(realpath "${1:-build/pinbench}")
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 200)
command -v python3 >/dev/null || { echo "reader-bench: needs python3" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "reader-bench: needs GNU time (apt-get install time)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pinbench-readers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$PB" run --profile=quick --benchmark_filter='^(churn|serialize|handoff)/' --out="$tmp/base" >"$tmp/base.log" 2>&1
base=$(tail -n 1 "$tmp/base.log" | sed -n 's/^results: //p')
[ -f "$base/summary.json" ] || { echo "reader-bench: the base run failed" >&2; tail -3 "$tmp/base.log" >&2; exit 1; }
printf '%-8s %-8s %10s %12s %10s\n' "size" "reader" "seconds" "peak MiB" "MiB/MB"
for mb in "${sizes[@]}"; do
  d="$tmp/f$mb"; cp -a "$base" "$d"
  python3 - "$d" "$mb" <<'PY'
import hashlib, json, os, sys
d, mb = sys.argv[1], int(sys.argv[2])
g = json.load(open(os.path.join(d, "gbench.json")))
rows = [b for b in g["benchmarks"] if b.get("run_type") == "iteration" and not b.get("error_occurred")]
one = len(json.dumps(rows))
k = max(1, int(mb * 1e6 / one))
out = []
for i in range(k):
    for b in rows:
        c = dict(b); c["repetition_index"] = i * 1000 + b.get("repetition_index", 0)
        c["real_time"] = b["real_time"] * (1 + ((i * 7919) % 97) / 1000.0)
        out.append(c)
g["benchmarks"] = out
with open(os.path.join(d, "gbench.json"), "w") as f:
    json.dump(g, f, indent=1)
s = json.load(open(os.path.join(d, "summary.json")))
for e in s["manifest"]["files"]:
    p = os.path.join(d, e["path"])
    if os.path.exists(p):
        data = open(p, "rb").read()
        e["bytes"] = len(data); e["sha256"] = hashlib.sha256(data).hexdigest()
json.dump(s, open(os.path.join(d, "summary.json"), "w"), indent=1)
PY
  real=$(( $(stat -c %s "$d/gbench.json") / 1000000 ))
  for reader in report export compare regress; do
    case $reader in
      report) cmd=("$PB" report "$d") ;;
      export) cmd=("$PB" export --format=github "$d" --out="$tmp/x.json") ;;
      compare) cmd=("$PB" compare "$base" "$d") ;;
      regress) cmd=("$PB" regress --baseline="$base" --current="$d") ;;
    esac
    /usr/bin/time -f '%e %M' -o "$tmp/t" "${cmd[@]}" >/dev/null 2>"$tmp/err"
    read -r secs kib <"$tmp/t"
    printf '%-8s %-8s %10s %12.0f %10.1f\n' "${real}MB" "$reader" "$secs" "$((kib / 1024))" \
      "$(awk -v k="$kib" -v m="$real" 'BEGIN { printf "%.1f", k / 1024 / (m ? m : 1) }')"
  done
  rm -rf "$d"
done
