#!/usr/bin/env bash
# check-layers: every #include "..." in bench/ and harness/ must respect the layering, so that
# measuring and reporting meet only in the results folder. Run by `make test`.
#
#   usage: scripts/check-layers.sh [ROOT]     (ROOT: the tree to check, default .)
#
# A layer is a folder of harness/ (or bench/); the top-level headers are contracts. Who may
# include whom:
#
#   bench/    experiment.h claims.h util.h core/ (and bench/'s own headers)
#   core/     core/ util.h                       measurement primitives
#   stats/    stats/ util.h                      pure statistics, shared by run/ and report/
#   results/  results/ util.h                    the folder: write, seal, read
#   run/      run/ core/ stats/ results/ experiment.h claims.h util.h
#   report/   report/ results/ stats/ claims.h util.h opts.h   (never run/ nor core/)
#   history/  history/ report/ results/ stats/ util.h opts.h   (folders over time)
#   cli/      anything
#   experiment.h: util.h; claims.h, util.h, opts.h: nothing (util.c and opts.c, the base,
#   only their own headers)
#
# Exit 0 when every include is allowed; 1 with one line per violation (file:line, what it
# includes, what its layer may include); 2 on bad usage.
set -u
root=${1:-.}
[ -d "$root/harness" ] && [ -d "$root/bench" ] || { echo "check-layers: $root has no harness/ and bench/" >&2; exit 2; }

declare -A may=(
  [bench]="bench core experiment.h claims.h util.h"
  [core]="core util.h"
  [stats]="stats util.h"
  [results]="results util.h"
  [run]="run core stats results experiment.h claims.h util.h"
  [report]="report results stats claims.h util.h opts.h"
  [history]="history report results stats util.h opts.h"
  [cli]="*"
  [experiment.h]="util.h"
  [claims.h]=""
  [util.h]=""
  [util.c]="util.h"
  [opts.h]=""
  [opts.c]="opts.h util.h"
)

bad=0
layer_of() { # path relative to root -> its layer
  case $1 in
    bench/*) echo bench ;;
    harness/*/*) local r=${1#harness/}; echo "${r%%/*}" ;;
    harness/*) echo "${1#harness/}" ;;
  esac
}
while IFS= read -r -d '' f; do
  rel=${f#"$root"/}
  layer=$(layer_of "$rel")
  allowed=${may[$layer]-}
  if [ -z "${may[$layer]+set}" ]; then
    echo "$rel: not in a known layer (harness/{core,stats,results,run,report,history,cli}/ or bench/)"
    bad=1; continue
  fi
  [ "$allowed" = "*" ] && continue
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    inc=${BASH_REMATCH[1]}
    case $inc in
      */*) target=${inc%%/*} ;;                           # "core/pin.h" -> core
      *) if [ -e "$(dirname "$f")/$inc" ] && [ "$(dirname "$rel")" != harness ]; then
           target=$layer                                  # a header beside the file
         else target=$inc; fi ;;
    esac
    ok=0
    for a in $allowed; do [ "$a" = "$target" ] && ok=1; done
    if [ $ok -eq 0 ]; then
      echo "$rel:$n: $layer may not include \"$inc\" (it may include: ${allowed:-nothing})"
      bad=1
    fi
  done <"$f"
done < <(find "$root/bench" "$root/harness" -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print0 | sort -z)
exit $bad
