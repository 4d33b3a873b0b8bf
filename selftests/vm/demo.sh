#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot the Debian 6.12 kernel in QEMU with nnmem.ko loaded and
# run `nnmemctl demo` there; print its output. Fails if the demo fails or
# the kernel logged a warning, splat or leak, or its output lacks the
# planned activations (12288 bytes, the bound, not 16384) and the checks.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=${NNMEM_DEMO_KERNEL:-debian-6.12}
out=$NNMEM_BUILD/vm
mkdir -p "$out"
log "fetching kernel $k"
"$VM_DIR/kernels.sh" fetch "$k" >"$out/kernel-$k.log" 2>&1 ||
	{ cat "$out/kernel-$k.log" >&2; die "cannot fetch kernel $k"; }
log "building nnmem.ko for $k"
ko=$("$VM_DIR/build-module.sh" "$k" 2>"$out/kmod-$k.log") ||
	{ cat "$out/kmod-$k.log" >&2; die "module build failed"; }
log "building static nnmemctl"
make -C "$REPO_ROOT/userspace" STATIC=1 BUILD="$NNMEM_BUILD/userspace-static" \
	>"$out/userspace-build.log" 2>&1 ||
	{ cat "$out/userspace-build.log" >&2; die "nnmemctl build failed"; }
ctl=$NNMEM_BUILD/userspace-static/nnmemctl
"$VM_DIR/mkinitramfs.sh" demo "$k" "$ko" "" "$ctl" "$out/demo.cpio.gz" >/dev/null
log "booting $k (QEMU TCG); serial log: $out/demo.log"
"$VM_DIR/boot.sh" "$k" "$out/demo.cpio.gz" "$out/demo.log" || true

echo "---- nnmemctl demo on $(grep -m1 '^NNMEM-KERNEL' "$out/demo.log" | cut -d' ' -f2-) ----"
sed -n '/^NNMEM-DEMO-BEGIN/,/^NNMEM-DEMO-END/{/^NNMEM-DEMO-/d;p}' "$out/demo.log"
echo "----"
rc=$(sed -n 's/^NNMEM-DEMO-END rc=\([0-9]*\).*/\1/p' "$out/demo.log")
if [ -z "$rc" ]; then
	tail -n 30 "$out/demo.log" >&2
	die "the demo did not finish (see $out/demo.log)"
fi
if ! python3 "$VM_DIR/report.py" checklog "$k" "$out/demo.log" >"$out/demo-check.tap"; then
	grep -v '^ok' "$out/demo-check.tap" >&2
	die "kernel log of the demo VM is not clean (see $out/demo.log)"
fi
[ "$rc" = 0 ] || die "nnmemctl demo exited with status $rc"
# What the demo must show: the activations planned by lifetime (12288
# bytes, the liveness bound, instead of 16384 in the file's four regions),
# the plan chart, and the output checked two ways.
sum=$(cut -c1-64 "$REPO_ROOT/userspace/examples/residual_block.sha256")
for want in \
	"4 tensors in one region of 12288 bytes instead of 4 regions of 16384 bytes" \
	"the liveness lower bound is 12288 bytes" \
	"activations    activation    12288 bytes" \
	"residual block: 12288 activation bytes (lower bound 12288), 3 steps" \
	"device output == host reference (" \
	"add_out SHA-256 $sum == examples/residual_block.sha256" \
	"freed everything: "; do
	grep -qF -- "$want" "$out/demo.log" ||
		die "the demo's output lacks: $want (see $out/demo.log)"
done
log "demo passed"
