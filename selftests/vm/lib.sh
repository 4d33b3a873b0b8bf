# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034
# Shared helpers for the nnmem VM rig; sourced, not run.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$VM_DIR/../.." && pwd)
NNMEM_CACHE=${NNMEM_CACHE:-${HOME:-/root}/.cache/nnmem}
NNMEM_BUILD=${NNMEM_BUILD:-$REPO_ROOT/build}
JOBS=${JOBS:-$(nproc)}

# The three kernels the module is tested on.
KERNELS="debian-6.1 debian-6.12 debug-6.12"

die() { echo "$(basename "$0"): error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# pkg_dep META: the package a metapackage depends on (e.g. the versioned
# linux-image-6.1.0-NN-amd64 behind linux-image-amd64).
pkg_dep() {
	local dep
	dep=$(apt-cache depends "$1" 2>/dev/null |
	      awk '$1 == "Depends:" && $2 ~ /^linux-/ { print $2; exit }')
	[ -n "$dep" ] || die "cannot resolve the package behind $1 (apt-cache depends $1)"
	echo "$dep"
}

# kernel_meta NAME: image metapackage of a Debian kernel name.
kernel_meta() {
	case $1 in
	debian-6.1) echo linux-image-amd64 ;;
	debian-6.12) echo linux-image-6.12-amd64 ;;
	*) die "no Debian metapackage for kernel $1" ;;
	esac
}

# kernel_release NAME: uname -r of a Debian kernel (linux-image-<rel>).
kernel_release() {
	local pkg
	pkg=$(pkg_dep "$(kernel_meta "$1")")
	echo "${pkg#linux-image-}"
}

src_pkg_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null ||
		die "linux-source-6.12 is not installed (make deps)"
}

# ksrc_dir: where the pristine linux-source-6.12 is extracted in the cache.
ksrc_dir() {
	echo "$NNMEM_CACHE/src/$(src_pkg_version)/linux-source-6.12"
}

# debug_key: cache key of the debug kernel build.
debug_key() {
	{ src_pkg_version; cat "$VM_DIR/debug.config"; echo v1; } |
		sha256sum | cut -c1-16
}

debug_build_dir() {
	echo "$NNMEM_CACHE/debug/$(debug_key)/build"
}
