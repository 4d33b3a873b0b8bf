#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch --strict on the driver and uapi, then the module
# built with W=1 C=2 (sparse) against both Debian kernels' headers. Any
# checkpatch complaint or compiler/sparse warning fails.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

ksrc=$("$VM_DIR/kernels.sh" ksrc) || die "cannot extract linux-source-6.12"
out=$NNMEM_BUILD/lint
mkdir -p "$out"
rc=0

cd "$REPO_ROOT" || exit 1
# checkpatch exempts uapi headers from BIT_MACRO (BIT() is not exported to
# userspace) only when their path starts with include/uapi/; ours is uapi/.
checkpatch() {
	"$ksrc/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		"$@" 2>&1
}
log "checkpatch --strict"
drv=$(ls driver/*.c driver/*.h 2>/dev/null)
[ -n "$drv" ] || die "no driver sources"
# shellcheck disable=SC2086
{
	checkpatch -f $drv
	checkpatch --ignore BIT_MACRO -f uapi/linux/*.h
} >"$out/checkpatch.log"
if grep -qE ': (ERROR|WARNING|CHECK):' "$out/checkpatch.log"; then
	grep -E ': (ERROR|WARNING|CHECK):' "$out/checkpatch.log"
	echo "checkpatch: FAILED"
	rc=1
else
	echo "checkpatch: clean"
fi

for k in debian-6.1 debian-6.12; do
	log "W=1 C=2 build against $k headers"
	# Force a full rebuild so every file is compiled and checked.
	rm -rf "$NNMEM_BUILD/kmod/lint-$k"
	NNMEM_BUILD_KMOD_NAME=lint-$k "$VM_DIR/build-module.sh" "$k" \
		W=1 C=2 CHECK="sparse" >/dev/null 2>"$out/build-$k.log"
	brc=$?
	if [ $brc -ne 0 ] || grep -qiE 'warning:|error:' "$out/build-$k.log"; then
		grep -iE -A3 'warning:|error:' "$out/build-$k.log"
		echo "$k W=1 C=2: FAILED"
		rc=1
	else
		echo "$k W=1 C=2: clean"
	fi
done
exit $rc
