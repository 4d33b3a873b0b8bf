#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run each libFuzzer harness for a while from its seed corpus; print one
# TAP result per harness ("ok N fuzz: NAME (R runs in S s)", after the
# figures "# figure: NAME.runs=R" and "# figure: NAME.seconds=S" that
# report.py collects) and the line "N passed, N failed". The committed
# corpus is only read: new inputs go to OUT/NAME-work/corpus, a crash to
# OUT/NAME-work/crash-*.
#
# Usage: run-fuzz.sh OUT SECONDS HARNESS...
set -uo pipefail

out=${1:?usage: run-fuzz.sh OUT SECONDS HARNESS...}
secs=${2:?usage: run-fuzz.sh OUT SECONDS HARNESS...}
shift 2
src=$(cd "$(dirname "$0")" && pwd)
n=0 passed=0 failed=0
echo "TAP version 13"
echo "1..$#"
for h in "$@"; do
	n=$((n + 1))
	work=$out/$h-work
	rm -rf "$work"
	mkdir -p "$work/corpus"
	log=$work/fuzz.log
	s=$(date +%s)
	# -rss_limit_mb: a harness that hoards memory fails, not the machine.
	(cd "$work" && "$out/$h" -max_total_time="$secs" -print_final_stats=1 \
		-rss_limit_mb=1024 -timeout=10 "$work/corpus" \
		"$src/corpus/$h") >"$log" 2>&1
	rc=$?
	t=$(( $(date +%s) - s ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	echo "# figure: $h.runs=${runs:-0}"
	echo "# figure: $h.seconds=$t"
	if [ $rc -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		echo "ok $n fuzz: $h ($runs runs in ${t}s)"
		passed=$((passed + 1))
	else
		echo "not ok $n fuzz: $h (rc=$rc, ${runs:-no} runs in ${t}s; log $log)"
		grep -v '^#\|^INFO' "$log" | tail -n 25 | sed 's/^/#  /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
