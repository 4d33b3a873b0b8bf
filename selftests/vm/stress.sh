#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make stress: stress_test alone in the debug kernel's VM (KASAN, lockdep,
# kmemleak) for NNMEM_STRESS_SECONDS (default 120), then the log check of
# report.py. make check runs the same test for 20 s there (5 s on the
# Debian kernels).
#
# The VM's run-tests.sh runs /tests/*_test with the environment of /init
# only, so /tests/stress_test here is a two-line wrapper that sets
# NNMEM_STRESS_SECONDS and runs the real binary (/tests/stress_bench, a
# name run-tests.sh does not run by itself).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

k=${NNMEM_STRESS_KERNEL:-debug-6.12}
secs=${NNMEM_STRESS_SECONDS:-120}
out=$NNMEM_BUILD/vm
mkdir -p "$out"
ksrc=$("$VM_DIR/kernels.sh" ksrc)
case $k in
debug-6.12) "$VM_DIR/kernels.sh" debug >"$out/kernel-$k.log" 2>&1 ;;
*) "$VM_DIR/kernels.sh" fetch "$k" >"$out/kernel-$k.log" 2>&1 ;;
esac || { cat "$out/kernel-$k.log" >&2; die "cannot provide kernel $k"; }
ko=$("$VM_DIR/build-module.sh" "$k" 2>"$out/kmod-$k.log") ||
	{ cat "$out/kmod-$k.log" >&2; die "module build failed"; }
tdir=$(mktemp -d "${TMPDIR:-/tmp}/nnmem-stress.XXXXXX")
trap 'rm -rf "$tdir"' EXIT
make -C "$REPO_ROOT/selftests/nnmem" KSRC="$ksrc" OUT="$tdir/build" \
	"$tdir/build/stress_test" >"$out/stress-build.log" 2>&1 ||
	{ cat "$out/stress-build.log" >&2; die "stress_test build failed"; }
mkdir "$tdir/tests"
cp "$tdir/build/stress_test" "$tdir/tests/stress_bench"
printf '#!/bin/sh\nNNMEM_STRESS_SECONDS=%d exec /tests/stress_bench "$@"\n' \
	"$secs" >"$tdir/tests/stress_test"
chmod +x "$tdir/tests/stress_test"
"$VM_DIR/mkinitramfs.sh" tests "$k" "$ko" "$tdir/tests" "" \
	"$out/stress.cpio.gz" >/dev/null
log "booting $k for ${secs}s of stress; serial log: $out/stress.log"
NNMEM_VM_TIMEOUT=$((secs * 3 + 600)) \
	"$VM_DIR/boot.sh" "$k" "$out/stress.cpio.gz" "$out/stress.log" || true
python3 "$VM_DIR/report.py" checklog "$k" "$out/stress.log" |
	tee "$out/stress.tap"
grep -q '^not ok' "$out/stress.tap" && die "stress failed (see $out/stress.log)"
log "stress passed"
