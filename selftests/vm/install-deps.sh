#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what building and testing nnmem needs (run as root). Quick and
# without network access when everything is present already.
set -euo pipefail

PKGS="build-essential qemu-system-x86 busybox-static cpio kmod bc bison flex
libelf-dev libssl-dev dwarves python3 linux-source-6.12 sparse libnl-3-dev
libnl-genl-3-dev libjson-c-dev pkg-config xz-utils gzip
cppcheck clang clang-tidy libclang-rt-14-dev libxnnpack-dev libpthreadpool-dev"
# Header packages are resolved from the metapackages, never hard-coded.
METAS="linux-headers-amd64 linux-headers-6.12-amd64"

resolve() {
	apt-cache depends "$1" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-headers-/ { print $2; exit }'
}

want() {
	local p dep
	for p in $PKGS $METAS; do
		echo "$p"
	done
	for p in $METAS; do
		dep=$(resolve "$p")
		[ -n "$dep" ] && echo "$dep"
	done
}

missing() {
	local all ok
	all=$(want | sort -u)
	# shellcheck disable=SC2086
	ok=$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $all 2>/dev/null |
	     awk '$1 == "installed" { print $2 }' | sort -u)
	comm -23 <(echo "$all") <(echo "$ok")
}

todo=$(missing | tr '\n' ' ')
if [ -z "${todo// /}" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "install-deps: need root to install: $todo" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing $todo"
apt-get update
# Resolve again: the package lists may only now know the metapackages.
todo=$(missing | tr '\n' ' ')
# shellcheck disable=SC2086
apt-get install -y --no-install-recommends $todo
todo=$(missing | tr '\n' ' ')
if [ -n "${todo// /}" ]; then
	echo "install-deps: still missing: $todo" >&2
	exit 1
fi
echo "install-deps: done"
