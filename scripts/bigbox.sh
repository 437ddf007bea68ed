#!/usr/bin/env bash
# bigbox: pinbench on emulated big boxes. Boots Debian's kernel under QEMU (single-threaded TCG:
# no KVM needed) with a topology the development machine lacks, runs this checkout's pinbench
# inside against the host's own root (shared read-only over virtio-9p), and checks the results
# folders it brings back with scripts/bigbox-check.py. Figures under emulation mean nothing: what
# is checked is that every placement path ran, was verified and kept its invariants.
#
#   scripts/bigbox.sh BUILD_DIR [TOPOLOGY...]     topologies: smt8 numa16 (default: both)
#
# smt8:   8 CPUs, 2 packages x 2 cores x 2 SMT threads, 2 NUMA nodes with memory,
#         isolcpus= and nohz_full= on one CPU per package (3 and 7)
# numa16: 16 CPUs, 2 packages x 8 cores, no SMT, 4 NUMA nodes (two per package), node 3
#         without memory: the node planner's odd case
# Everything lives under BUILD_DIR/bigbox (the guest writes there through a second 9p share);
# QEMU runs under a timeout and is killed on every exit path. Exit 0 when every check passed.
set -u
build=${1:?usage: scripts/bigbox.sh BUILD_DIR [smt8|numa16 ...]}
shift
topos=("$@")
[ ${#topos[@]} -eq 0 ] && topos=(smt8 numa16)
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd) || exit 2
pb="$build/pinbench"
[ -x "$pb" ] || { echo "bigbox: no $pb: build it first (make)" >&2; exit 2; }
boot_timeout_s=${PINBENCH_BIGBOX_TIMEOUT_S:-420}

work="$build/bigbox"
pids=()
cleanup() {
  # the pids are timeout's: it passes a TERM on to QEMU; whatever is left is killed
  local p
  for p in "${pids[@]+"${pids[@]}"}"; do
    kill -0 "$p" 2>/dev/null || continue
    kill -TERM "$p" 2>/dev/null
    sleep 1
    pkill -KILL -P "$p" 2>/dev/null
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$work/initrd"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$here/deps.sh" bigbox || exit 1
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
kver=${kernel#/boot/vmlinuz-}
[ -d "/lib/modules/$kver" ] || { echo "bigbox: no modules for $kver" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/initrd/bin" "$work/initrd/lib/modules" || exit 1

# ---- the initramfs: busybox, the virtio and 9p modules, and /init ----
cp /bin/busybox "$work/initrd/bin/busybox"
mods=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache
      9pnet 9pnet_virtio 9p)
for m in "${mods[@]}"; do
  f=$(modinfo -k "$kver" -F filename "$m" 2>/dev/null) || f=
  [ -n "$f" ] && [ -f "$f" ] || continue # built in, or absent from this kernel
  case "$f" in
    *.xz) xz -dc "$f" >"$work/initrd/lib/modules/$m.ko" ;;
    *.zst) zstd -dqc "$f" >"$work/initrd/lib/modules/$m.ko" ;;
    *) cp "$f" "$work/initrd/lib/modules/$m.ko" ;;
  esac
done
cat >"$work/initrd/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc 2>/dev/null || { mkdir -p /proc && mount -t proc proc /proc; }
mkdir -p /sys /dev /root && mount -t sysfs sys /sys && mount -t devtmpfs dev /dev
for m in ${mods[*]}; do [ -f /lib/modules/\$m.ko ] && insmod /lib/modules/\$m.ko; done
o=trans=virtio,version=9p2000.L,msize=524288
mount -t 9p -o \$o,ro hostroot /root || { echo "bigbox-guest: no host root"; poweroff -f; }
mount -t 9p -o \$o,rw work /root$work || { echo "bigbox-guest: no work share"; poweroff -f; }
mount -t proc proc /root/proc && mount -t sysfs sys /root/sys && mount -t devtmpfs dev /root/dev
mount -t tmpfs run /root/run
mount -t debugfs none /root/sys/kernel/debug 2>/dev/null
hostname bigbox
box=\$(sed -n 's/.*pinbench_box=\\([a-z0-9]*\\).*/\\1/p' /proc/cmdline)
mkdir -p /root$work/\$box
chroot /root /bin/bash $work/guest.sh \$box </dev/null >/root$work/\$box/console.log 2>&1
echo "bigbox-guest: done \$?"
sync
poweroff -f
EOF
chmod +x "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz" || exit 1

# ---- what the guest runs (through the host's root, so this checkout's build) ----
cat >"$work/guest.sh" <<EOF
#!/bin/bash
# runs inside the guest, as root, in the host's root (read-only) with $work writable
set -u
out=$work/\$1
# the host's root is read-only here, /tmp included (and it may hold this checkout, so no tmpfs
# hides it): scratch files go to a tmpfs on /run
mkdir -p /run/tmp && export TMPDIR=/run/tmp
all=\$(cat /sys/devices/system/cpu/online)
echo "guest: cpus \$all, isolated '\$(cat /sys/devices/system/cpu/isolated)'"
# isolcpus= takes the isolated CPUs out of the default mask: run on every online CPU
run() { taskset -c "\$all" "$pb" "\$@"; }
run env --json >\$out/env.json 2>\$out/env.err; echo "env \$?" >>\$out/status
run env --check >\$out/env-check.txt 2>&1; echo "env-check \$?" >>\$out/status
run list >\$out/list.txt 2>&1; echo "list \$?" >>\$out/status
# the placement families, one short run: every variant runs, figures are not the point
run run --profile=quick --cpus="\$all" --benchmark_repetitions=1 --benchmark_min_time=0.002 \\
  --unpaired --label=bigbox --out=\$out/results \\
  --benchmark_filter='^(numa/|isolation/|handoff/|locality/l2|c2c/|counters/|preempt/running/o)' \\
  >\$out/run.log 2>&1
echo "run \$?" >>\$out/status
# a SIGINT mid-run: exit 130, a folder marked partial, no temporary folder left (job control
# on: a background job of a script would otherwise start with SIGINT ignored)
set -m
taskset -c "\$all" "$pb" run --profile=quick --cpus="\$all" --benchmark_filter='^handoff/' \\
  --out=\$out/sigint >\$out/sigint.log 2>&1 &
p=\$!
sleep 8
kill -INT \$p
wait \$p
echo "sigint \$?" >>\$out/status
EOF
chmod +x "$work/guest.sh"

# ---- boot the topologies, all at once (single-threaded TCG keeps each on one host CPU) ----
pids=()
boot() {
  local name=$1 smp numa append mem
  case "$name" in
    smt8)
      smp="8,sockets=2,cores=2,threads=2"
      numa=(-object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G
            -numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1
            -numa dist,src=0,dst=1,val=21)
      append="isolcpus=3,7 nohz_full=3,7"
      mem=2G ;;
    numa16)
      smp="16,sockets=2,cores=8,threads=1"
      numa=(-object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=512M
            -object memory-backend-ram,id=m2,size=768M
            -numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1
            -numa node,nodeid=2,cpus=8-11,memdev=m2 -numa node,nodeid=3,cpus=12-15
            -numa dist,src=0,dst=1,val=12 -numa dist,src=0,dst=2,val=32
            -numa dist,src=0,dst=3,val=32 -numa dist,src=1,dst=2,val=32
            -numa dist,src=1,dst=3,val=32 -numa dist,src=2,dst=3,val=12)
      append=""
      mem=2304M ;;
    *) echo "bigbox: unknown topology '$name' (smt8, numa16)" >&2; return 2 ;;
  esac
  echo "bigbox: booting $name ($smp), at most ${boot_timeout_s} s" >&2
  timeout -s KILL "$boot_timeout_s" qemu-system-x86_64 -accel tcg,thread=single \
    -cpu max,vendor=GenuineIntel,-la57 -smp "$smp" -m "$mem" "${numa[@]}" \
    -kernel "$kernel" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 panic=-1 quiet pinbench_box=$name $append" -nographic -no-reboot \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$work,mount_tag=work,security_model=none,multidevs=remap" \
    >"$work/$name.serial" 2>&1 </dev/null &
  pids+=($!)
}

fail=0
t0=$SECONDS
for t in "${topos[@]}"; do boot "$t" || fail=1; done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  rc=$?
  echo "bigbox: ${topos[$i]} powered off after $((SECONDS - t0)) s (qemu exit $rc)" >&2
  if [ "$rc" != 0 ]; then
    fail=1
    echo "bigbox: ${topos[$i]}: qemu exit $rc (137: killed at the timeout); serial console:" >&2
    tail -20 "$work/${topos[$i]}.serial" >&2
  fi
done
pids=()
# the two boxes side by side: compare must name the topology differences
a=$(ls -d "$work"/smt8/results/*/* 2>/dev/null | head -1)
b=$(ls -d "$work"/numa16/results/*/* 2>/dev/null | head -1)
if [ -n "$a" ] && [ -n "$b" ]; then
  "$pb" compare --out="$work/compare" "$a" "$b" >"$work/compare.md" 2>"$work/compare.err" ||
    echo "bigbox: compare failed: $(cat "$work/compare.err")" >&2
fi
python3 "$here/bigbox-check.py" "$work" "${topos[@]}" || fail=1
exit $fail
