#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-tests of report.py: fixtures of TAP and VM logs -> the verdict.

Each directory under selftests/vm/report-tests/ is one case:
  args          report.py's arguments, one per line; "@/" stands for
                the case's directory, "@tmp/" for a temporary one
  expected.tap  report.py's exact standard output
  expected.rc   its exit status
  expected.md   (optional) the exact figures file, which args name
                "@tmp/figures.md"
The expectations are written by hand from the fixture, not produced by
report.py. Prints TAP, one result per case, and "N passed, N failed".

Usage: report-test.py [CASE...]
"""
import difflib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, 'report-tests')


def run_case(name):
    """Return a list of problems (empty if the case passed)."""
    case = os.path.join(CASES, name)
    with open(os.path.join(case, 'args')) as f:
        args = [l.rstrip('\n') for l in f if l.strip()]
    with open(os.path.join(case, 'expected.tap')) as f:
        want_out = f.read()
    with open(os.path.join(case, 'expected.rc')) as f:
        want_rc = int(f.read())
    want_md = None
    if os.path.exists(os.path.join(case, 'expected.md')):
        with open(os.path.join(case, 'expected.md')) as f:
            want_md = f.read()
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, os.path.join(HERE, 'report.py')]
        argv += [a.replace('@tmp/', tmp + '/').replace('@/', case + '/')
                 for a in args]
        p = subprocess.run(argv, capture_output=True, text=True,
                           check=False)
        if p.returncode != want_rc:
            problems.append('exit status %d, expected %d' %
                            (p.returncode, want_rc))
        problems += ['stderr: ' + l for l in p.stderr.splitlines()]
        if p.stdout != want_out:
            problems.append('output differs from expected.tap:')
            problems += difflib.unified_diff(
                want_out.splitlines(), p.stdout.splitlines(),
                'expected.tap', 'report.py', lineterm='')
        if want_md is not None:
            try:
                with open(os.path.join(tmp, 'figures.md')) as f:
                    got_md = f.read()
            except OSError as e:
                got_md = None
                problems.append('no figures file: %s' % e)
            if got_md is not None and got_md != want_md:
                problems.append('figures differ from expected.md:')
                problems += difflib.unified_diff(
                    want_md.splitlines(), got_md.splitlines(),
                    'expected.md', 'figures.md', lineterm='')
    return problems


def main(argv):
    names = argv[1:] or sorted(d for d in os.listdir(CASES)
                               if os.path.isdir(os.path.join(CASES, d)))
    print('TAP version 13')
    print('1..%d' % len(names))
    failed = 0
    for n, name in enumerate(names, 1):
        try:
            problems = run_case(name)
        except OSError as e:
            problems = ['cannot run the case: %s' % e]
        if problems:
            failed += 1
            print('not ok %d report.py: %s' % (n, name))
            for p in problems:
                print('#  ' + p)
        else:
            print('ok %d report.py: %s' % (n, name))
    print('%d passed, %d failed' % (len(names) - failed, failed))
    return 1 if failed or not names else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
