#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM in bench mode: device_bench twice, each time with the
# module freshly loaded:
#   device_bench       as the scheduler places it (every vCPU);
#   device_bench-cpu0  with the bench and the unbound workqueues (the
#                      device's job worker among them) on vCPU 0 alone.
# Under QEMU TCG a wakeup from one vCPU to another takes from tens of
# microseconds up to a timer tick, varying from boot to boot, which swamps
# a round trip that sleeps; the second run shows the round trips without
# that emulation artefact.
# Each run's TAP goes to a file and is printed between the test markers
# once it is done (so kernel messages cannot tear its lines and report.py
# checks its results). NNMEM_BENCH_ARGS (from /etc/nnmem.env) is passed
# to device_bench; its ResNet-8 section reads the reference models the
# initramfs carries in /models (mkinitramfs.sh).
# shellcheck disable=SC1091
. /etc/nnmem.env
export NNMEM_MODELS=/models
echo "NNMEM-KERNEL $(uname -r)"

# run_bench NAME [COMMAND PREFIX...]
run_bench() {
	name=$1
	shift
	if ! insmod /lib/modules/nnmem.ko; then
		echo "NNMEM-INSMOD-FAILED insmod failed"
	fi
	echo "NNMEM-TEST-BEGIN $name"
	# shellcheck disable=SC2086
	"$@" /tests/device_bench $NNMEM_BENCH_ARGS >"/tmp/$name.tap" 2>&1
	rc=$?
	cat "/tmp/$name.tap"
	echo "NNMEM-TEST-END $name rc=$rc"
	rmmod nnmem || echo "NNMEM-RMMOD-FAILED rmmod failed"
}

run_bench device_bench

wqmask=/sys/devices/virtual/workqueue/cpumask
if [ "$(nproc)" -gt 1 ] && [ -w "$wqmask" ]; then
	old=$(cat "$wqmask")
	# Before insmod, so the device's workqueue is created on vCPU 0.
	if echo 1 >"$wqmask"; then
		run_bench device_bench-cpu0 taskset 1
		echo "$old" >"$wqmask"
	fi
fi
