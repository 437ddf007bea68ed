#!/usr/bin/env bash
# Checks what pinbench needs to build (mode "bench"), to test (mode "test"), to fuzz
# (mode "fuzz"), to test on emulated big boxes (mode "bigbox"), or for the optional go family
# (mode "go": Debian's golang-go, so that Go's own LockOSThread, channel and preemption costs are
# measured beside the OS-level analogs; without it those variants are skipped, saying why), or
# for the browser test of index.html (mode "browser": Chromium, tests only), or to run the suite on
# a fleet of boxes (mode "fleet": Ansible, for scripts/fleet.yml).
# As root with apt-get, installs what is missing; otherwise prints the exact apt-get line and
# fails, so a missing library is one clear message rather than a compiler error.
# PINBENCH_SKIP_DEPS=1 skips the check (other distributions: install the equivalents yourself).
# GO names the Go toolchain to look for (default: go on PATH), as in the Makefile.
set -u
mode=${1:-bench}
if [ -n "${PINBENCH_SKIP_DEPS:-}" ]; then
  echo "pinbench deps: PINBENCH_SKIP_DEPS is set: not checking dependencies" >&2
  exit 0
fi
missing=()
why=()

need() { # need PACKAGE REASON: record a missing Debian package once
  local p
  for p in "${missing[@]+"${missing[@]}"}"; do [ "$p" = "$1" ] && return; done
  missing+=("$1"); why+=("$2")
}

have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }

check_all() {
  missing=(); why=()
  command -v gcc >/dev/null 2>&1 || need gcc "C compiler (gcc)"
  command -v g++ >/dev/null 2>&1 || need g++ "C++ compiler for the Google Benchmark shim"
  command -v make >/dev/null 2>&1 || need make "make"
  command -v pkg-config >/dev/null 2>&1 || need pkg-config "pkg-config, to locate libraries"
  have_pc benchmark || need libbenchmark-dev "Google Benchmark (pkg-config benchmark)"
  have_pc hwloc || need libhwloc-dev "hwloc topology library (pkg-config hwloc)"
  have_pc sqlite3 || need libsqlite3-dev "SQLite, for the history store (pkg-config sqlite3)"
  # libpfm4 ships no .pc file: a compile-and-link probe is the only honest check.
  local probe
  probe=$(mktemp -d) || exit 1
  printf '#include <perfmon/pfmlib_perf_event.h>\nint main(void){return pfm_initialize()==PFM_SUCCESS?0:0;}\n' >"$probe/p.c"
  if ! command -v gcc >/dev/null 2>&1 || ! gcc "$probe/p.c" -o "$probe/p" -lpfm >/dev/null 2>&1; then
    need libpfm4-dev "libpfm4 headers and library (compile probe with -lpfm failed)"
  fi
  rm -rf "$probe"
  # Present is not enough: a gnuplot whose libraries are missing, or one built without the
  # cairo terminal, draws nothing.
  gnuplot -e 'set terminal pngcairo; set terminal svg' >/dev/null 2>&1 ||
    need gnuplot-nox "gnuplot on PATH with the pngcairo and svg terminals, for plots"
  if [ "$mode" = test ]; then
    have_pc cmocka || need libcmocka-dev "cmocka unit-test framework (pkg-config cmocka)"
    command -v valgrind >/dev/null 2>&1 || need valgrind "valgrind memcheck over the unit tests"
    command -v python3 >/dev/null 2>&1 || need python3 "python3, to check the exports against the trackers' parse rules"
  fi
  if [ "$mode" = fuzz ]; then
    command -v clang >/dev/null 2>&1 || need clang "clang, for libFuzzer (make fuzz)"
  fi
  if [ "$mode" = browser ]; then
    command -v chromium >/dev/null 2>&1 || need chromium "headless Chromium, to test index.html in a browser (make test-browser)"
  fi
  if [ "$mode" = fleet ]; then
    command -v ansible-playbook >/dev/null 2>&1 ||
      need ansible-core "Ansible, to run pinbench on a fleet of boxes (make test-fleet, scripts/fleet.yml)"
  fi
  if [ "$mode" = go ]; then
    command -v "${GO:-go}" >/dev/null 2>&1 || need golang-go "the Go toolchain, for the go family (optional)"
  fi
  if [ "$mode" = bigbox ]; then
    command -v qemu-system-x86_64 >/dev/null 2>&1 ||
      need qemu-system-x86 "QEMU, to boot the emulated big boxes (make test-bigbox)"
    ls /boot/vmlinuz-* >/dev/null 2>&1 ||
      need linux-image-amd64 "a Debian kernel (and its 9p and virtio modules) for the guests"
    [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx switch_root ||
      need busybox-static "a static busybox for the guests' initramfs"
    command -v cpio >/dev/null 2>&1 || need cpio "cpio, to pack the initramfs"
    command -v python3 >/dev/null 2>&1 || need python3 "python3, to check the guests' results folders"
  fi
}

# The go family is optional: bench and test say how to have it, and go on without it.
offer_go() {
  if [ "$mode" != go ] && [ "$mode" != fuzz ] && [ "$mode" != bigbox ] && [ "$mode" != browser ] &&
     [ "$mode" != fleet ] &&
     ! command -v "${GO:-go}" >/dev/null 2>&1; then
    echo "pinbench deps: optional: golang-go is not installed, so the go family (Go's own" \
      "LockOSThread, locked-exit, channel and preemption costs) will be skipped; 'make deps-go'" \
      "installs it (then 'make')" >&2
  fi
}

check_all
if [ ${#missing[@]} -eq 0 ]; then offer_go; exit 0; fi

for i in "${!missing[@]}"; do echo "pinbench deps: missing ${missing[$i]}: ${why[$i]}" >&2; done
line="apt-get install -y --no-install-recommends ${missing[*]}"
# PINBENCH_DEPS_DRY_RUN=1 reports as a user without root would, and installs nothing (tests).
if [ "$(id -u)" = 0 ] && [ -z "${PINBENCH_DEPS_DRY_RUN:-}" ] && command -v apt-get >/dev/null 2>&1; then
  echo "pinbench deps: installing: $line" >&2
  export DEBIAN_FRONTEND=noninteractive
  # An install can fail on a stale package list; refresh it once and retry.
  apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; } || {
      echo "pinbench deps: '$line' failed; see the apt-get output above" >&2; exit 1; }
  check_all
  if [ ${#missing[@]} -ne 0 ]; then
    echo "pinbench deps: still missing after install: ${missing[*]}" >&2; exit 1
  fi
  offer_go
  exit 0
fi
echo "pinbench deps: run as root, or install them yourself:" >&2
echo "  sudo $line" >&2
exit 1
