#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel + initramfs under QEMU (TCG), serial console to a log.
#
# Usage: boot.sh NAME INITRD LOG
# Environment: NNMEM_VM_TIMEOUT (seconds; default 400, 1500 for debug-6.12,
# whose 2 vCPUs under TCG take 4-13 minutes on a loaded 2-core host)
# The VM ends itself with reboot -f (QEMU -no-reboot exits); a VM that
# hangs is killed at the timeout, which the log checker then reports as a
# missing end marker.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: boot.sh NAME INITRD LOG"
name=$1 initrd=$2 logf=$3
kernel=$("$VM_DIR/kernels.sh" vmlinuz "$name")
[ -f "$kernel" ] || die "kernel $kernel missing (kernels.sh all)"
[ -f "$initrd" ] || die "initramfs $initrd missing"

append="console=ttyS0,115200 loglevel=7 panic=-1 printk.devkmsg=on"
case $name in
debug-6.12)
	# CMA for large_test's 1 GiB arena (and load_test's 64 MiB); the
	# guest gets 3 GiB so that 1.8 GiB stays outside CMA.
	append="$append cma=1200M"
	mem=3G
	tmo=${NNMEM_VM_TIMEOUT:-1500}
	;;
*)
	# Debian kernels: skip what TCG makes slow and the test never needs.
	append="$append mitigations=off"
	mem=2G
	tmo=${NNMEM_VM_TIMEOUT:-400}
	;;
esac

mkdir -p "$(dirname "$logf")"
boot() {
	: >"$logf"
	rc=0
	# -cpu max: TCG's AVX2 (QEMU 7.2 has no AVX-512), for the fast paths
	timeout -k 10 "$tmo" qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp 2 \
		-nographic -no-reboot -monitor none -serial "file:$logf" \
		-kernel "$kernel" -initrd "$initrd" -append "$append" \
		</dev/null >"$logf.qemu" 2>&1 || rc=$?
}
boot
# The guest kernel dying before /init ran (seen: an "Oops: int3" in
# sched_clock_cpu while the 6.12 kernel patches its text under TCG, once
# in a few dozen boots) happens before nnmem.ko or any test is in the
# VM: boot once more and say so. A second such boot fails the run (the
# log checker finds no NNMEM-KERNEL line).
if ! grep -q '^NNMEM-KERNEL' "$logf" &&
   grep -qE 'Kernel panic|Oops|BUG:' "$logf"; then
	mv "$logf" "$logf.first-boot"
	log "$name: the kernel died before /init ran (log: $logf.first-boot); booting again"
	boot
	echo "NNMEM-BOOT-RETRIED the kernel died before /init on the first boot: $logf.first-boot" >>"$logf"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "NNMEM-VM-TIMEOUT after ${tmo}s" >>"$logf"
elif [ $rc -ne 0 ]; then
	echo "NNMEM-VM-QEMU-FAILED rc=$rc: $(tr '\n' ' ' <"$logf.qemu")" >>"$logf"
fi
exit $rc
