#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build nnmem.ko out of tree for one kernel, in build/kmod/<name>/.
#
# Usage: build-module.sh NAME [make args...]   NAME: a kernel of kernels.sh
#                                              or "host" (6.12 headers)
# The sources (Kbuild, driver/, uapi/) are copied from $NNMEM_MODSRC
# (default: the repository) with their timestamps so rebuilds are
# incremental. Prints the path of the built module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

name=${1:?usage: build-module.sh NAME [make args]}
shift
case $name in
host) kdir=/usr/src/linux-headers-$(kernel_release debian-6.12) ;;
*) kdir=$("$VM_DIR/kernels.sh" kdir "$name") ;;
esac
[ -d "$kdir" ] || die "no kernel build directory $kdir for $name"

src=${NNMEM_MODSRC:-$REPO_ROOT}
[ -f "$src/Kbuild" ] || die "$src/Kbuild missing: no module to build"
out=$NNMEM_BUILD/kmod/${NNMEM_BUILD_KMOD_NAME:-$name}
mkdir -p "$out"
cp -p "$src/Kbuild" "$out/"
for d in driver uapi; do
	if [ -d "$src/$d" ]; then
		mkdir -p "$out/$d"
		# Sources only: objects of this kernel stay put.
		(cd "$src" && find "$d" -type f \( -name '*.c' -o -name '*.h' \
			-o -name Makefile -o -name Kbuild \) -print0) |
			(cd "$src" && xargs -0r cp -p --parents -t "$out")
	fi
done

log "building nnmem.ko for $name against $kdir"
make -C "$kdir" M="$out" "$@" modules >&2
[ -f "$out/nnmem.ko" ] || die "$out/nnmem.ko was not built"
echo "$out/nnmem.ko"
