#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM in demo mode: load the module, run `nnmemctl demo`.
echo "NNMEM-KERNEL $(uname -r)"
if ! insmod /lib/modules/nnmem.ko; then
	echo "NNMEM-INSMOD-FAILED insmod failed"
fi
# Output via a file so that kernel messages cannot tear its lines.
nnmemctl demo >/tmp/demo.out 2>&1
rc=$?
echo "NNMEM-DEMO-BEGIN"
cat /tmp/demo.out
echo "NNMEM-DEMO-END rc=$rc"
rmmod nnmem || echo "NNMEM-RMMOD-FAILED rmmod failed"
