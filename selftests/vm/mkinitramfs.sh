#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs for one VM boot.
#
# Usage: mkinitramfs.sh MODE NAME KO TESTDIR NNMEMCTL OUT.cpio.gz
#   MODE      tests, demo or bench
#   NAME      kernel name (debian-6.1, debian-6.12, debug-6.12)
#   KO        nnmem.ko built for that kernel
#   TESTDIR   directory of *_test (and *_bench) binaries ("" for none)
#   NNMEMCTL  nnmemctl binary ("" for none)
# Dynamically linked binaries get their libraries copied along (ldd).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 6 ] || die "usage: mkinitramfs.sh MODE NAME KO TESTDIR NNMEMCTL OUT"
mode=$1 name=$2 ko=$3 testdir=$4 ctl=$5 out=$6
[ -f "$ko" ] || die "module $ko missing"

root=$(mktemp -d "${TMPDIR:-/tmp}/nnmem-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp -d makes it 0700; / must be searchable by the unprivileged tests.
chmod 755 "$root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,lib/modules,tests,nnmem}

busybox=$(command -v busybox || true)
[ -n "$busybox" ] || busybox=/bin/busybox
# ldd fails on a static executable.
! ldd "$busybox" >/dev/null 2>&1 ||
	die "$busybox is not static (apt-get install busybox-static)"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"

# manifest_excludes SUITE: true if selftests/vm/manifest has "-" for
# SUITE on this kernel.
manifest_excludes() {
	awk -v k="$name" -v s="$1" '
		{ sub(/#.*/, "") }
		NF == 0 { next }
		!hdr { for (i = 2; i <= NF; i++) if ($i == k) col = i; hdr = 1; next }
		col && $1 == s && $col == "-" { found = 1 }
		END { exit !found }' "$VM_DIR/manifest"
}

# copy_bin SRC DEST: copy a binary and the shared libraries it needs.
copy_bin() {
	local lib
	cp "$1" "$2"
	chmod +x "$2"
	if ldd "$1" >/dev/null 2>&1; then
		for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*'); do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
	fi
}

cp "$ko" "$root/lib/modules/nnmem.ko"
# vgem, a DRM driver that imports dma-bufs (dmabuf_test), with what it
# needs, in load order: modules of the Debian kernels (decompressed, for
# busybox insmod); the debug kernel has them built in.
case $name in
debian-*)
	rel=$("$VM_DIR/kernels.sh" release "$name")
	drm=$NNMEM_CACHE/debian/$rel/root/lib/modules/$rel/kernel/drivers/gpu/drm
	mkdir -p "$root/lib/modules/importer"
	for m in drm drm_kms_helper drm_shmem_helper vgem/vgem; do
		if [ -f "$drm/$m.ko.xz" ]; then
			xz -dc "$drm/$m.ko.xz" >"$root/lib/modules/importer/${m#*/}.ko"
		elif [ -f "$drm/$m.ko" ]; then
			cp "$drm/$m.ko" "$root/lib/modules/importer/${m#*/}.ko"
		else
			die "$drm/$m.ko missing"
		fi
		echo "${m#*/}" >>"$root/lib/modules/importer/order"
	done
	;;
esac
if [ -n "$testdir" ]; then
	for t in "$testdir"/*_test "$testdir"/*_bench; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then
			continue
		fi
		# Suites the manifest marks "-" for this kernel stay out (fault
		# injection is in the debug kernel only); report.py fails the
		# run on any the manifest wants but the VM did not run.
		if manifest_excludes "$(basename "$t")"; then
			continue
		fi
		# NNMEM_TESTS: only these binaries (a developer's quick run).
		if [ -n "${NNMEM_TESTS:-}" ] &&
		   [[ " $NNMEM_TESTS " != *" $(basename "$t") "* ]]; then
			continue
		fi
		copy_bin "$t" "$root/tests/$(basename "$t")"
	done
fi
if [ -n "$ctl" ]; then
	[ -x "$ctl" ] || die "$ctl missing"
	copy_bin "$ctl" "$root/bin/nnmemctl"
	# the example program beside it (userspace/examples/run_tflite.c)
	if [ -x "$(dirname "$ctl")/run_tflite" ]; then
		copy_bin "$(dirname "$ctl")/run_tflite" "$root/bin/run_tflite"
	fi
fi
# The TFLite test vectors (read-only, beside the repo) for vectors_test, and
# the example graph for `nnmemctl run`.
testdata=${NNMEM_TESTDATA:-$REPO_ROOT/../shared/testdata}
if [ -d "$testdata" ]; then
	cp -r "$testdata" "$root/testdata"
	chmod -R u+w "$root/testdata"
fi
# The reference models (MLPerf Tiny ResNet-8 and TFLM's tensors) for
# model_test.
models=${NNMEM_MODELS:-$REPO_ROOT/../shared/models}
if [ -d "$models" ]; then
	cp -r "$models" "$root/models"
	chmod -R u+w "$root/models"
fi
mkdir -p "$root/usr/share/nnmem/examples"
cp "$REPO_ROOT"/userspace/examples/*.json "$root/usr/share/nnmem/examples/"
install -m 0755 "$VM_DIR/init" "$root/init"
install -m 0755 "$VM_DIR/run-tests.sh" "$VM_DIR/run-demo.sh" \
	"$VM_DIR/run-bench.sh" "$root/nnmem/"
printf 'NNMEM_MODE=%s\nNNMEM_KERNEL=%s\nNNMEM_BENCH_ARGS="%s"\n' "$mode" "$name" \
	"${NNMEM_BENCH_ARGS:-}" >"$root/etc/nnmem.env"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
