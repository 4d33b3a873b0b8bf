#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Provide the three test kernels in the cache ($NNMEM_CACHE):
#   debian-6.1   vmlinuz of linux-image-amd64's kernel, headers from
#                /usr/src/linux-headers-<rel>
#   debian-6.12  the same for linux-image-6.12-amd64
#   debug-6.12   tinyconfig + debug.config built from linux-source-6.12
#                (KASAN, lockdep, kmemleak, UBSAN, CMA, fault injection)
# Nothing is installed to /boot: Debian images are apt-get download'ed and
# unpacked with dpkg-deb -x.
#
# Usage: kernels.sh ksrc            extract the source, print its path
#        kernels.sh fetch NAME      provide a Debian kernel
#        kernels.sh debug           build the debug kernel
#        kernels.sh all             all of the above
#        kernels.sh vmlinuz NAME    print the kernel image path
#        kernels.sh kdir NAME       print the module build directory
#        kernels.sh release NAME    print uname -r of NAME
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cmd_ksrc() {
	local dir tar stamp
	dir=$(ksrc_dir)
	stamp=$dir/.nnmem-extracted
	if [ ! -e "$stamp" ]; then
		tar=/usr/src/linux-source-6.12.tar.xz
		[ -r "$tar" ] || die "$tar missing (make deps)"
		log "extracting $tar into $(dirname "$dir")"
		rm -rf "$dir"
		mkdir -p "$(dirname "$dir")"
		tar -C "$(dirname "$dir")" -xf "$tar"
		[ -d "$dir" ] || die "$tar did not contain linux-source-6.12/"
		touch "$stamp"
	fi
	echo "$dir"
}

cmd_fetch() {
	local name=$1 rel pkg dir deb
	rel=$(kernel_release "$name")
	pkg=linux-image-$rel
	dir=$NNMEM_CACHE/debian/$rel
	if [ ! -e "$dir/.nnmem-extracted" ]; then
		rm -rf "$dir"
		mkdir -p "$dir/deb"
		log "downloading $pkg"
		(cd "$dir/deb" && apt-get download "$pkg" >&2) ||
			die "apt-get download $pkg failed"
		deb=$(find "$dir/deb" -name "${pkg}_*.deb" | head -n1)
		dpkg-deb -x "$deb" "$dir/root"
		[ -e "$dir/root/boot/vmlinuz-$rel" ] || die "no vmlinuz in $deb"
		touch "$dir/.nnmem-extracted"
	fi
	[ -d "/usr/src/linux-headers-$rel" ] ||
		die "/usr/src/linux-headers-$rel missing (make deps)"
}

cmd_debug() {
	local src out stamp missing opt val got line
	src=$(cmd_ksrc)
	out=$(debug_build_dir)
	stamp=$out/.nnmem-built
	[ -e "$stamp" ] && return 0
	log "building debug kernel in $out (tinyconfig + debug.config)"
	rm -rf "$out"
	mkdir -p "$out"
	make -C "$src" O="$out" -s tinyconfig >&2
	# merge_config.sh -m: merge only; olddefconfig resolves the rest.
	(cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "$VM_DIR/debug.config" >"$out/merge_config.log" 2>&1) ||
		{ cat "$out/merge_config.log" >&2; die "merge_config.sh failed"; }
	make -C "$src" O="$out" -s olddefconfig >&2

	# tinyconfig drops unmet dependencies silently: insist on every option.
	missing=
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			opt=${line%%=*}; val=${line#*=}
			got=$(grep -E "^$opt=" "$out/.config" | cut -d= -f2- || true)
			[ "$got" = "$val" ] || missing="$missing $opt=$val(got:${got:-unset})"
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }; opt=${opt%% *}
			if grep -qE "^$opt=[ym]" "$out/.config"; then
				missing="$missing $opt=n(got:y)"
			fi
			;;
		esac
	done < "$VM_DIR/debug.config"
	if [ -n "$missing" ]; then
		echo "debug.config options not in the final .config:" >&2
		for opt in $missing; do echo "  $opt" >&2; done
		exit 1
	fi

	make -C "$src" O="$out" -j"$JOBS" -s bzImage modules >&2
	[ -e "$out/arch/x86/boot/bzImage" ] || die "no bzImage built"
	[ -e "$out/Module.symvers" ] || die "no Module.symvers built"
	touch "$stamp"
	log "debug kernel ready: $out/arch/x86/boot/bzImage"
}

cmd_vmlinuz() {
	case $1 in
	debug-6.12) echo "$(debug_build_dir)/arch/x86/boot/bzImage" ;;
	*) echo "$NNMEM_CACHE/debian/$(kernel_release "$1")/root/boot/vmlinuz-$(kernel_release "$1")" ;;
	esac
}

cmd_kdir() {
	case $1 in
	debug-6.12) debug_build_dir ;;
	*) echo "/usr/src/linux-headers-$(kernel_release "$1")" ;;
	esac
}

cmd_release() {
	case $1 in
	debug-6.12) cat "$(debug_build_dir)/include/config/kernel.release" ;;
	*) kernel_release "$1" ;;
	esac
}

case ${1:-} in
ksrc) cmd_ksrc ;;
fetch) cmd_fetch "$2" ;;
debug) cmd_debug ;;
all) cmd_ksrc >/dev/null; cmd_fetch debian-6.1; cmd_fetch debian-6.12; cmd_debug ;;
vmlinuz) cmd_vmlinuz "$2" ;;
kdir) cmd_kdir "$2" ;;
release) cmd_release "$2" ;;
*) sed -n 's/^# \{0,1\}//; /^Usage/,/^set /p' "$0" | sed '$d' >&2; exit 2 ;;
esac
