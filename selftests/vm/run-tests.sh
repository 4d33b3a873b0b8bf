#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM: load_test first (it loads and unloads the module
# itself), then every other /tests/*_test with the module loaded, then
# large_test (which loads and unloads it itself too).
# Each test's TAP goes to a file and is printed between markers once the
# test is done, so kernel messages cannot tear its lines.
export NNMEM_KO=/lib/modules/nnmem.ko
export NNMEM_TESTDATA=/testdata
export NNMEM_MODELS=/models
# QEMU runs with -cpu max (boot.sh): the AVX2 path must be there and run
export NNMEM_REQUIRE_PATH=2

echo "NNMEM-KERNEL $(uname -r)"
# What the initramfs holds, for report.py's manifest check.
suites=
for t in /tests/*_test; do
	[ -x "$t" ] && suites="$suites $(basename "$t")"
done
echo "NNMEM-SUITES$suites"

run_test() {
	name=$(basename "$1")
	echo "NNMEM-TEST-BEGIN $name"
	t0=$(cut -d. -f1 /proc/uptime)
	"$1" >"/tmp/$name.tap" 2>&1
	rc=$?
	cat "/tmp/$name.tap"
	echo "NNMEM-TEST-END $name rc=$rc seconds=$(( $(cut -d. -f1 /proc/uptime) - t0 ))"
}

# The suites that load the module themselves, with their own parameters:
# load_test first; large_test last, after the rmmod, so that its 1 GiB
# arena and 100,000 regions do not change the memory the others start in.
selfload="/tests/load_test /tests/large_test"
if [ -x /tests/load_test ]; then
	run_test /tests/load_test
fi

if ! insmod "$NNMEM_KO" devices=2; then
	echo "NNMEM-INSMOD-FAILED insmod failed"
fi

for t in /tests/*_test; do
	case " $selfload " in *" $t "*) continue ;; esac
	[ -x "$t" ] || continue
	run_test "$t"
done

if ! rmmod nnmem; then
	echo "NNMEM-RMMOD-FAILED rmmod failed"
fi

if [ -x /tests/large_test ]; then
	run_test /tests/large_test
fi

if [ -e /sys/kernel/debug/kmemleak ]; then
	echo "NNMEM-KMEMLEAK-BEGIN"
	if ! { echo scan >/sys/kernel/debug/kmemleak && sleep 6 &&
	       echo scan >/sys/kernel/debug/kmemleak &&
	       cat /sys/kernel/debug/kmemleak; }; then
		echo "NNMEM-KMEMLEAK-FAILED"
	fi
	echo "NNMEM-KMEMLEAK-END"
fi
