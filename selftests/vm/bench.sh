#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench (the VM part): boot the Debian 6.12 kernel in QEMU (TCG,
# -smp 2) with nnmem.ko loaded and run device_bench there: the device's
# conv2d, round trips, allocations and ResNet-8 end to end (the MLPerf Tiny
# model from $NNMEM_MODELS, default ../shared/models, which mkinitramfs.sh
# puts in /models) against the same C in userspace, side by side in the
# one VM; once scheduled freely, once with the bench
# and the device's worker on vCPU 0 (see run-bench.sh). Prints its
# figures. Never fails on time: fails only if something did not build or
# boot, a correctness check of the bench failed, or the kernel logged a
# warning, splat or leak (report.py checklog).
#
# Environment: NNMEM_BENCH_KERNEL (default debian-6.12), NNMEM_BENCH_ARGS
# (device_bench options, e.g. "-s 2 -r 9 -n 31"), NNMEM_VM_TIMEOUT
# (seconds, default 900), NNMEM_MODELS (the reference models).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=${NNMEM_BENCH_KERNEL:-debian-6.12}
out=$NNMEM_BUILD/vm
bin=$NNMEM_BUILD/bench
mkdir -p "$out" "$bin"
log "fetching kernel $k"
"$VM_DIR/kernels.sh" fetch "$k" >"$out/kernel-$k.log" 2>&1 ||
	{ cat "$out/kernel-$k.log" >&2; die "cannot fetch kernel $k"; }
log "building nnmem.ko for $k"
ko=$("$VM_DIR/build-module.sh" "$k" 2>"$out/kmod-$k.log") ||
	{ cat "$out/kmod-$k.log" >&2; die "module build failed"; }
log "building static device_bench"
make -C "$REPO_ROOT/selftests/bench" OUT="$bin" device_bench \
	>"$out/bench-build.log" 2>&1 ||
	{ cat "$out/bench-build.log" >&2; die "device_bench build failed"; }
# Only the bench binary goes into the initramfs.
tdir=$(mktemp -d "${TMPDIR:-/tmp}/nnmem-bench.XXXXXX")
trap 'rm -rf "$tdir"' EXIT
cp "$bin/device_bench" "$tdir/"
models=${NNMEM_MODELS:-$REPO_ROOT/../shared/models}
[ -f "$models/resnet8/resnet8.tflite" ] ||
	log "warning: no $models/resnet8/resnet8.tflite: the ResNet-8 figures will be skipped"
NNMEM_BENCH_ARGS=${NNMEM_BENCH_ARGS:-} \
	"$VM_DIR/mkinitramfs.sh" bench "$k" "$ko" "$tdir" "" \
	"$out/bench.cpio.gz" >/dev/null
log "booting $k (QEMU TCG, -smp 2); serial log: $out/bench.log"
NNMEM_VM_TIMEOUT=${NNMEM_VM_TIMEOUT:-900} \
	"$VM_DIR/boot.sh" "$k" "$out/bench.cpio.gz" "$out/bench.log" || true

kver=$(grep -m1 '^NNMEM-KERNEL' "$out/bench.log" | cut -d' ' -f2- | tr -d '\r')
echo "==== device_bench on $kver, QEMU TCG, -smp 2 ===="
echo "QEMU TCG emulates the CPU: absolute times and rates below are not those of"
echo "real hardware. Each ratio compares two things measured side by side in the"
echo "same VM, so the ratios are the figures that mean something."
failed=
for name in device_bench device_bench-cpu0; do
	case $name in
	device_bench) what="scheduled freely over both vCPUs" ;;
	*) what="bench and unbound workqueues (the device's worker) on vCPU 0" ;;
	esac
	echo "---- $name: $what ----"
	# The serial log has CRLF line ends; kernel messages are left out.
	sed -n "/^NNMEM-TEST-BEGIN ${name}[[:space:]]*\$/,/^NNMEM-TEST-END ${name} /{
		/^NNMEM-TEST-/d; /^\[ *[0-9]*\.[0-9]*\]/d; s/\r\$//; p; }" "$out/bench.log"
	rc=$(sed -n "s/^NNMEM-TEST-END $name rc=\([0-9]*\).*/\1/p" "$out/bench.log")
	if [ -z "$rc" ]; then
		echo "($name did not run or did not finish)"
		failed="$failed $name"
	elif [ "$rc" != 0 ]; then
		failed="$failed $name"
	fi
done
echo "----"
echo "Under TCG a wakeup from one vCPU to the other takes anywhere from tens of"
echo "microseconds to a timer tick (4 ms at HZ=250), varying from boot to boot, so"
echo "the round trips that sleep (sync RUN, WAIT) swing widely when scheduled"
echo "freely; device_bench-cpu0 (bench and worker on one vCPU) avoids that."
if ! python3 "$VM_DIR/report.py" checklog "$k" "$out/bench.log" >"$out/bench-check.tap"; then
	grep -v '^ok' "$out/bench-check.tap" >&2
	die "bench failed a correctness check or the kernel log is not clean (see $out/bench.log)"
fi
[ -z "$failed" ] || die "did not finish or failed:$failed (see $out/bench.log)"
log "bench done; correctness checks passed; kernel log clean"
