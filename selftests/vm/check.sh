#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole nnmem test run (make check): unit tests, make lint, nnmem.ko
# for the three kernels, the kselftest binaries and static nnmemctl, one VM
# boot per kernel, then one TAP summary ending in "N passed, N failed".
#
# Environment: NNMEM_CACHE, NNMEM_BUILD (see lib.sh), NNMEM_KERNELS
# (subset of "debian-6.1 debian-6.12 debug-6.12"), NNMEM_TESTS_DIR /
# NNMEM_MODSRC (use other test binaries / module sources; for the rig's
# own testing), NNMEM_SKIP_UNIT=1, NNMEM_SKIP_LINT=1, NNMEM_FUZZ_SECONDS
# (per libFuzzer harness, default 12; 0 skips them), NNMEM_TESTS (only
# these test binaries in the VMs, e.g. "job_test vectors_test"; for quick
# runs while developing). Each knob that leaves something out is named in
# a "# partial run:" line of the summary; make check and .ci/run set none.
#
# Every kernel must run the suites selftests/vm/manifest lists for it,
# each at least its minimum number of tests, on at least 2 CPUs
# (report.py). The run's figures go to $NNMEM_BUILD/figures.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernels=${NNMEM_KERNELS:-$KERNELS}
out=$NNMEM_BUILD/vm
mkdir -p "$out"
fails=$out/build-failures.tap
: >"$fails"
t0=$(date +%s)

# fail WHAT LOGFILE: record a build failure as a failed test line.
fail() {
	echo "not ok 1 $1" >>"$fails"
	if [ -n "${2:-}" ] && [ -f "$2" ]; then
		tail -n 40 "$2" | sed 's/^/#  /' >>"$fails"
	fi
	log "FAILED: $1${2:+ (see $2)}"
}

step() { log "== $* ($(( $(date +%s) - t0 ))s)"; }

# What this run leaves out, for the summary and the figures.
partial=()
[ -n "${NNMEM_TESTS:-}" ] &&
	partial+=("NNMEM_TESTS=\"$NNMEM_TESTS\": only these suites ran and were required")
[ "$kernels" != "$KERNELS" ] &&
	partial+=("NNMEM_KERNELS=\"$kernels\" (not all of $KERNELS)")
[ "${NNMEM_SKIP_UNIT:-0}" = 1 ] && partial+=("NNMEM_SKIP_UNIT=1: no unit tests")
[ "${NNMEM_SKIP_LINT:-0}" = 1 ] && partial+=("NNMEM_SKIP_LINT=1: no lint")
[ "${NNMEM_FUZZ_SECONDS:-12}" = 0 ] &&
	partial+=("NNMEM_FUZZ_SECONDS=0: no libFuzzer runs")
[ -n "${NNMEM_TESTS_DIR:-}" ] &&
	partial+=("NNMEM_TESTS_DIR=$NNMEM_TESTS_DIR: test binaries not built from this tree")
[ -n "${NNMEM_MODSRC:-}" ] &&
	partial+=("NNMEM_MODSRC=$NNMEM_MODSRC: module not built from this tree")

# The rig's own check: report.py against its fixtures.
step "report.py self-tests"
rig=$out/rig.tap
python3 "$VM_DIR/report-test.py" >"$rig" 2>&1
rig_rc=$?
if [ $rig_rc -ne 0 ] && ! grep -q '^not ok' "$rig"; then
	echo "not ok 1 rig: report-test.py exited with status $rig_rc" >>"$rig"
fi

step "kernel source"
ksrc=$("$VM_DIR/kernels.sh" ksrc 2>"$out/ksrc.log") ||
	fail "build: extract linux-source-6.12" "$out/ksrc.log"

# Unit tests (ASan/UBSan userspace build of the driver's allocator).
unit_arg=()
if [ "${NNMEM_SKIP_UNIT:-0}" != 1 ]; then
	step "unit tests"
	make -C "$REPO_ROOT/selftests/unit" KSRC="$ksrc" run \
		>"$out/unit.log" 2>&1
	unit_arg=(--unit "$out/unit.log:$?")
fi

# Static checks: checkpatch --strict, W=1 C=2 (sparse) on both Debian kernels.
lint=$out/lint.tap
: >"$lint"
if [ "${NNMEM_SKIP_LINT:-0}" != 1 ]; then
	step "lint"
	"$VM_DIR/lint.sh" >"$out/lint.log" 2>&1
	lint_rc=$?
	sed -n 's/^\(.*\): clean$/ok 1 lint: \1/p; s/^\(.*\): FAILED$/not ok 1 lint: \1/p' \
		"$out/lint.log" >"$lint"
	if [ $lint_rc -ne 0 ]; then
		grep -q '^not ok' "$lint" || echo "not ok 1 lint: make lint" >>"$lint"
		tail -n 40 "$out/lint.log" | sed 's/^/#  /' >>"$lint"
	fi
fi

# libFuzzer harnesses of the portable driver code, briefly (make fuzz runs
# them for long): one TAP line each, "fuzz: NAME (R runs in S s)".
fuzz_secs=${NNMEM_FUZZ_SECONDS:-12}
fuzz=$out/fuzz.tap
: >"$fuzz"
if [ "$fuzz_secs" != 0 ]; then
	step "fuzz (${fuzz_secs}s per harness)"
	make -C "$REPO_ROOT/selftests/fuzz" OUT="$NNMEM_BUILD/fuzz" all \
		>"$out/fuzz-build.log" 2>&1 ||
		fail "build: selftests/fuzz" "$out/fuzz-build.log"
	if ! grep -q '^not ok 1 build: selftests/fuzz' "$fails"; then
		make -s -C "$REPO_ROOT/selftests/fuzz" OUT="$NNMEM_BUILD/fuzz" \
			FUZZ_SECONDS="$fuzz_secs" run >"$fuzz" 2>&1
		grep -q '^ok ' "$fuzz" || grep -q '^not ok ' "$fuzz" ||
			echo "not ok 1 fuzz: no results (see $fuzz)" >>"$fuzz"
	fi
fi

step "kernels"
for k in $kernels; do
	case $k in
	debug-6.12)
		"$VM_DIR/kernels.sh" debug >"$out/kernel-$k.log" 2>&1 ||
			fail "$k: build the debug kernel" "$out/kernel-$k.log"
		;;
	*)
		"$VM_DIR/kernels.sh" fetch "$k" >"$out/kernel-$k.log" 2>&1 ||
			fail "$k: fetch the kernel image" "$out/kernel-$k.log"
		;;
	esac
done

step "test binaries"
testdir=${NNMEM_TESTS_DIR:-$NNMEM_BUILD/selftests}
if [ -z "${NNMEM_TESTS_DIR:-}" ]; then
	make -C "$REPO_ROOT/selftests/nnmem" KSRC="$ksrc" OUT="$testdir" \
		>"$out/selftests-build.log" 2>&1 ||
		fail "build: selftests/nnmem" "$out/selftests-build.log"
fi
ctl=$NNMEM_BUILD/userspace-static/nnmemctl
make -C "$REPO_ROOT/userspace" STATIC=1 BUILD="$NNMEM_BUILD/userspace-static" \
	>"$out/userspace-build.log" 2>&1 ||
	fail "build: static nnmemctl" "$out/userspace-build.log"
[ -x "$ctl" ] || ctl=

logs=()
times=()
for k in $kernels; do
	step "$k: module, initramfs, boot"
	if ! grep -q "^not ok 1 $k: \(build\|fetch\)" "$fails" &&
	   ko=$("$VM_DIR/build-module.sh" "$k" W=1 2>"$out/kmod-$k.log"); then
		if "$VM_DIR/mkinitramfs.sh" tests "$k" "$ko" "$testdir" "$ctl" \
			"$out/$k.cpio.gz" >/dev/null 2>"$out/initramfs-$k.log"; then
			s=$(date +%s)
			"$VM_DIR/boot.sh" "$k" "$out/$k.cpio.gz" "$out/$k.log"
			s=$(( $(date +%s) - s ))
			log "$k: VM boot + tests took ${s}s (log: $out/$k.log)"
			logs+=("$k=$out/$k.log")
			times+=(--time "$k=$s")
		else
			fail "$k: build the initramfs" "$out/initramfs-$k.log"
		fi
	else
		[ -s "$out/kmod-$k.log" ] && fail "$k: build nnmem.ko" "$out/kmod-$k.log"
	fi
done

step "summary"
args=(--manifest "$VM_DIR/manifest" --kernels "$kernels"
      --figures "$NNMEM_BUILD/figures.md" "${times[@]}"
      --time "total=$(( $(date +%s) - t0 ))")
[ -n "${NNMEM_TESTS:-}" ] && args+=(--only "$NNMEM_TESTS")
for p in "${partial[@]}"; do
	args+=(--partial "$p")
done
python3 "$VM_DIR/report.py" summary "${args[@]}" "${unit_arg[@]}" \
	--extra "$rig" --extra "$lint" --extra "$fuzz" --extra "$fails" \
	"${logs[@]}" >"$out/summary.tap"
rc=$?
cat "$out/summary.tap"
log "total $(( $(date +%s) - t0 ))s; summary in $out/summary.tap, figures in $NNMEM_BUILD/figures.md"
exit $rc
