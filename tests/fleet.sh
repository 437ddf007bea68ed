#!/usr/bin/env bash
# fleet: scripts/fleet.yml on this machine alone, through Ansible's local connection: the
# checkout's HEAD copied and built in a scratch folder, a short run, the folder fetched back and
# ingested; twice, so the history holds two runs of one box. Run by `make test-fleet`.
#
#   usage: tests/fleet.sh BUILD
set -u
build=$1
PB=$build/pinbench
tmp=$(mktemp -d /tmp/pinbench-fleet-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python3)" >"$tmp/inventory"
for i in 1 2; do
  ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
  ansible-playbook -i "$tmp/inventory" scripts/fleet.yml \
    -e pinbench_profile=quick \
    -e '{"pinbench_args": ["--benchmark_filter=^harness/(rdtscp_pair|start_stop_pair)$", "--benchmark_min_time=0.002", "--budget=1"]}' \
    -e pinbench_remote_dir="$tmp/box" -e fetch_dir="$tmp/fleet" -e history_db="$tmp/fleet.sqlite" \
    -e pinbench_bin="$PWD/$PB" >"$tmp/play$i.log" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ] && grep -q "localhost: .*stored as run $i (box [0-9a-f]*" "$tmp/play$i.log"; then
    ok "playbook run $i: built from HEAD on the box, ran, fetched back, stored as run $i"
  else bad "playbook run $i: exit $rc: $(grep -E 'fatal|FAILED|ERROR' "$tmp/play$i.log" | head -5)"; fi
done
[ -x "$tmp/box/build/pinbench" ] && ok "the box built its own pinbench from the copied source" ||
  bad "no pinbench built on the box"
n=$(ls -d "$tmp"/fleet/localhost/*/ 2>/dev/null | wc -l)
[ "$n" -eq 2 ] && ok "two results folders back here, under fleet/localhost/" || bad "$n folders back"
out=$("$PB" history boxes --db="$tmp/fleet.sqlite" 2>&1)
if printf '%s\n' "$out" | grep -qE '^[0-9a-f]{12} +.* +2 +'; then
  ok "the history holds one box with two runs"
else bad "history boxes: $out"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
