#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make lint: checkpatch --strict on the driver and uapi, kernel-doc -Wall
# over them (scripts/kernel-doc of the extracted linux-source-6.12), the
# generated netlink files checked against uapi/nnmem.yaml
# (uapi/ynl-regen.sh --check), the module built with W=1 C=2 (sparse)
# against both Debian kernels' headers, and cppcheck over userspace/,
# selftests/ and the driver's portable files (arena, graph
# validator, kernels) compiled as userspace. Any checkpatch complaint,
# kernel-doc warning, stale generated file, compiler/sparse warning or
# cppcheck finding not in cppcheck.supp (each entry there says why)
# fails. Prints one "<name>: clean" or "<name>: FAILED" line per check
# (check.sh makes TAP of them).
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

# kernel-doc: every /** comment of the driver and the uapi, -Wall (missing
# parameters, members and return values, short descriptions, sections).
log "kernel-doc -Wall"
# shellcheck disable=SC2086
"$ksrc/scripts/kernel-doc" -Wall -Werror -none $drv uapi/linux/*.h \
	>"$out/kernel-doc.log" 2>&1
kd_rc=$?
if [ $kd_rc -ne 0 ] || grep -qE '^[^ ]+:[0-9]+: (warning|error):' "$out/kernel-doc.log"; then
	grep -E '^[^ ]+:[0-9]+: (warning|error):' "$out/kernel-doc.log" ||
		cat "$out/kernel-doc.log"
	echo "kernel-doc: FAILED"
	rc=1
else
	echo "kernel-doc: clean"
fi

# The netlink files generated from uapi/nnmem.yaml are up to date.
log "ynl-regen.sh --check"
if KSRC=$ksrc uapi/ynl-regen.sh --check >"$out/ynl-regen.log" 2>&1; then
	echo "ynl-regen: clean"
else
	cat "$out/ynl-regen.log"
	echo "ynl-regen: FAILED"
	rc=1
fi

# The kselftest config fragment: every option is in the debug kernel's
# fragment (which kernels.sh verifies in the built .config).
log "kselftest config"
missing=
# shellcheck disable=SC2013
for opt in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' selftests/nnmem/config); do
	case $opt in
	CONFIG_MMU) continue ;;		# x86-64: def_bool y
	# Not in the debug kernel (yet): kmem_test skips its cgroup test
	# there and runs it on the Debian kernels.
	CONFIG_CGROUPS | CONFIG_MEMCG) continue ;;
	esac
	grep -qx "$opt=y" "$VM_DIR/debug.config" || missing="$missing $opt"
done
if [ -n "$missing" ]; then
	echo "selftests/nnmem/config: not in selftests/vm/debug.config:$missing"
	echo "kselftest config: FAILED"
	rc=1
else
	echo "kselftest config: clean"
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
# cppcheck: warnings, portability and performance (style is left out: it
# argues with the kernel coding style). Userspace builds with -D_GNU_SOURCE.
# cppcheck's own parser of the list chokes on some comment lines: feed it
# the entries only.
grep -v '^[[:space:]]*\(#\|$\)' "$VM_DIR/cppcheck.supp" >"$out/cppcheck.supp"
cppcheck_run() {
	local name=$1 crc
	shift
	log "cppcheck $name"
	if ! command -v cppcheck >/dev/null; then
		echo "cppcheck not installed (make deps)"
		echo "cppcheck $name: FAILED"
		rc=1
		return
	fi
	cppcheck --std=c11 --enable=warning,portability,performance \
		--error-exitcode=3 --inline-suppr --quiet \
		--template='{file}:{line}: {severity}: {message} [{id}]' \
		--suppress=missingIncludeSystem \
		--suppressions-list="$out/cppcheck.supp" -D__x86_64__ \
		-Iuapi "$@" >"$out/cppcheck-${name// /-}.log" 2>&1
	crc=$?
	if [ $crc -ne 0 ] || [ -s "$out/cppcheck-${name// /-}.log" ]; then
		cat "$out/cppcheck-${name// /-}.log"
		echo "cppcheck $name: FAILED"
		rc=1
	else
		echo "cppcheck $name: clean"
	fi
}
cppcheck_run userspace -D_GNU_SOURCE -Iuserspace/include \
	-Iuserspace/nnmemctl -Idriver userspace
cppcheck_run selftests -D_GNU_SOURCE -Idriver -Iuserspace/include \
	-Iselftests/nnmem -Iselftests/unit -I"$ksrc/tools/testing/selftests" \
	selftests
# The arena's userspace build takes <linux/rbtree_augmented.h> from the
# kernel tree's tools/include (selftests/rbtree.mk).
cppcheck_run "portable driver" -U__KERNEL__ -Idriver \
	-I"$ksrc/tools/include" driver/nnmem_arena.c driver/nnmem_graphval.c \
	driver/nnmem_kernels.c driver/nnmem_exec.c
exit $rc
