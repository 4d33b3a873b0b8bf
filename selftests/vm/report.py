#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Log checker and TAP summary of the nnmem test run.

  report.py checklog NAME LOG
      Check one VM serial log; print TAP result lines for it (the tests'
      own results and the log check), exit 1 if any failed.
  report.py summary [--unit FILE[:RC]] [--extra TAPFILE] [NAME=LOG ...]
      One TAP stream of everything: the unit tests' output and every VM
      log, each result prefixed by its source, ending with the line
      "N passed, N failed" (", N skipped" when any were skipped).
      Exit 1 if anything failed or nothing ran.
"""
import re
import sys

TAP_RE = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$')
PLAN_RE = re.compile(r'^1\.\.(\d+)')
STAMP_RE = re.compile(r'\[\s*\d+\.\d+\]\s?')
# Kernel reports that fail the run (matched on kernel console lines only).
BAD_PATTERNS = [
    ('kernel WARNING', re.compile(r'WARNING:')),
    ('kernel BUG', re.compile(r'\bBUG[: ]|kernel BUG at')),
    ('Oops', re.compile(r'\bOops\b')),
    ('general protection fault', re.compile(r'general protection fault')),
    ('KASAN report', re.compile(r'KASAN')),
    ('UBSAN report', re.compile(r'UBSAN')),
    ('lockdep report', re.compile(
        r'possible circular locking|inconsistent lock state|'
        r'INFO: possible|lockdep|possible recursive locking|'
        r'suspicious RCU usage|DEBUG_LOCKS_WARN_ON|'
        r'turning off the locking correctness validator')),
    ('kernel INFO report', re.compile(r'INFO: ')),
    ('kernel panic', re.compile(r'Kernel panic')),
    ('call trace', re.compile(r'Call Trace:')),
]
SECTION_END_RE = re.compile(r'---\[ end trace|^=+$|^NNMEM-')
SECTION_MAX = 80
DIAG_MAX = 15


class Results:
    """Collected TAP results: (ok, name, directive, diagnostics)."""

    def __init__(self):
        self.items = []

    def add(self, ok, name, directive='', diag=None):
        self.items.append((ok, name, directive, diag or []))

    def extend(self, other):
        self.items.extend(other.items)


def parse_tap(lines, prefix, res, rc=None, what='test', diag=False):
    """Add the top-level TAP results in lines; sanity-check them.

    lines may hold several TAP streams one after another (each starting
    with "TAP version" or its plan); each must deliver its plan's count.
    """
    plans = []      # [plan, results seen] per stream
    total = 0
    failed = 0
    comments = []   # output since the previous result
    for line in lines:
        if line.startswith('TAP version'):
            plans.append([None, 0])
            continue
        m = PLAN_RE.match(line)
        if m:
            if not plans or plans[-1][0] is not None or plans[-1][1]:
                plans.append([None, 0])
            plans[-1][0] = int(m.group(1))
            continue
        m = TAP_RE.match(line)
        if not m:
            if line.strip():
                comments.append(line)
            continue
        ok = m.group(1) == 'ok'
        desc = m.group(3)
        directive = ''
        if ' # ' in desc or desc.startswith('# '):
            desc, directive = (' ' + desc).split(' # ', 1)
            desc = desc.strip()
            directive = directive.strip()
        if desc.startswith('global.'):
            desc = desc[len('global.'):]
        if directive.upper().startswith('TODO'):
            # A TODO test is not expected to pass: report it as skipped.
            directive = 'SKIP ' + directive
            ok = True
        # kselftest_harness prints a failure's diagnostics before it.
        fdiag = ['  ' + c for c in comments[-DIAG_MAX:]] if not ok else []
        res.add(ok, '%s: %s' % (prefix, desc or '(unnamed)'), directive,
                fdiag)
        comments = []
        if not plans:
            plans.append([None, 0])
        plans[-1][1] += 1
        total += 1
        failed += not ok
    if total == 0:
        res.add(False, '%s: no TAP results from the %s' % (prefix, what),
                diag=['  ' + l for l in lines[-20:]] if diag else None)
    for plan, count in plans:
        if plan is not None and count != plan:
            res.add(False, '%s: %d results for a plan of %d' %
                    (prefix, count, plan),
                    diag=['  ' + l for l in lines[-20:]] if diag else None)
    if rc is not None and rc != 0 and failed == 0:
        res.add(False, '%s: exited with status %d' % (prefix, rc),
                diag=['  ' + l for l in lines[-20:]] if diag else None)


def kernel_text(line):
    """The kernel console part of a line, or None for user output."""
    m = STAMP_RE.search(line)
    return line[m.end():] if m else None


def check_log(name, path):
    res = Results()
    try:
        with open(path, errors='replace') as f:
            lines = [l.rstrip('\r\n') for l in f]
    except OSError as e:
        res.add(False, '%s: log: cannot read %s: %s' % (name, path, e))
        return res

    start = next((i for i, l in enumerate(lines)
                  if l.startswith('NNMEM-KERNEL ')), None)
    if start is None:
        tail = ['  ' + l for l in lines[-30:]]
        res.add(False, '%s: boot: /init never ran (no NNMEM-KERNEL line)' %
                name, diag=tail)
        return res
    body = lines[start:]

    # The tests' own results.
    cur = None
    buf = []
    for line in body:
        if line.startswith('NNMEM-TEST-BEGIN '):
            cur, buf = line.split()[1], []
        elif line.startswith('NNMEM-TEST-END ') and cur:
            m = re.search(r'rc=(-?\d+)', line)
            parse_tap(buf, '%s: %s' % (name, cur), res,
                      rc=int(m.group(1)) if m else 1)
            cur = None
        elif cur:
            buf.append(line)
    if cur:
        parse_tap(buf, '%s: %s' % (name, cur), res)
        res.add(False, '%s: %s: did not finish (VM died or hung)' %
                (name, cur))
    if not any(l.startswith('NNMEM-TEST-BEGIN ') for l in body) and \
       not any(l.startswith('NNMEM-DEMO-BEGIN') for l in body):
        res.add(False, '%s: no test binaries ran' % name)

    # The log check.
    bad = Results()
    for l in body:
        if l.startswith('NNMEM-INSMOD-FAILED'):
            bad.add(False, '%s: log: insmod nnmem.ko failed' % name)
        if l.startswith('NNMEM-RMMOD-FAILED'):
            bad.add(False, '%s: log: rmmod failed' % name)
        if l.startswith('NNMEM-VM-'):
            bad.add(False, '%s: log: %s' % (name, l))
    i = 0
    in_kmemleak = False
    while i < len(body):
        line = body[i]
        if line.startswith('NNMEM-KMEMLEAK-BEGIN'):
            in_kmemleak = True
        elif line.startswith('NNMEM-KMEMLEAK-END'):
            in_kmemleak = False
        if in_kmemleak and line.startswith('unreferenced object'):
            sect = [line]
            j = i + 1
            while j < len(body) and not body[j].startswith(
                    ('unreferenced object', 'NNMEM-')) and \
                    len(sect) < SECTION_MAX:
                sect.append(body[j])
                j += 1
            bad.add(False, '%s: log: kmemleak: %s' % (name, line.strip()),
                    diag=['  ' + s for s in sect])
            i = j
            continue
        text = kernel_text(line)
        hit = None
        if text is not None:
            hit = next((what for what, rx in BAD_PATTERNS
                        if rx.search(text)), None)
        if hit:
            first = max(0, i - 2)
            j = i + 1
            while j < len(body) and j - first < SECTION_MAX:
                t = kernel_text(body[j])
                if SECTION_END_RE.search(body[j]) or \
                   (t is not None and SECTION_END_RE.search(t)):
                    j += 1
                    break
                j += 1
            bad.add(False, '%s: log: %s: %s' % (name, hit, text.strip()),
                    diag=['  ' + s for s in body[first:j]])
            i = j
            continue
        i += 1
    if not any(l.startswith('NNMEM-END') for l in body):
        bad.add(False, '%s: log: no end-of-run marker (VM died or hung)' %
                name, diag=['  ' + l for l in lines[-30:]])
    if not bad.items:
        bad.add(True, '%s: log: no kernel warnings, splats, leaks or '
                'unload failures' % name)
    res.extend(bad)
    return res


def emit(res, out=sys.stdout):
    print('TAP version 13', file=out)
    print('1..%d' % len(res.items), file=out)
    passed = failed = skipped = 0
    for n, (ok, name, directive, diag) in enumerate(res.items, 1):
        line = '%s %d %s' % ('ok' if ok else 'not ok', n, name)
        if directive:
            line += ' # ' + directive
        print(line, file=out)
        for d in diag:
            print('#' + d, file=out)
        if not ok:
            failed += 1
        elif directive.upper().startswith('SKIP'):
            skipped += 1
        else:
            passed += 1
    tail = '%d passed, %d failed' % (passed, failed)
    if skipped:
        tail += ', %d skipped' % skipped
    print(tail, file=out)
    return failed == 0 and passed > 0


def main(argv):
    if len(argv) == 4 and argv[1] == 'checklog':
        return 0 if emit(check_log(argv[2], argv[3])) else 1
    if len(argv) >= 2 and argv[1] == 'summary':
        res = Results()
        args = argv[2:]
        while args:
            a = args.pop(0)
            if a == '--unit':
                spec = args.pop(0)
                path, rc = spec, None
                m = re.match(r'^(.*):(-?\d+)$', spec)
                if m:
                    path, rc = m.group(1), int(m.group(2))
                try:
                    with open(path, errors='replace') as f:
                        lines = [l.rstrip('\n') for l in f]
                except OSError as e:
                    res.add(False, 'unit: cannot read %s: %s' % (path, e))
                    continue
                parse_tap(lines, 'unit', res, rc=rc, what='unit tests',
                          diag=True)
            elif a == '--extra':
                # Results recorded by the driver script (build failures):
                # TAP lines, each with its "#" diagnostics below it.
                with open(args.pop(0), errors='replace') as f:
                    for line in f:
                        line = line.rstrip('\n')
                        m = TAP_RE.match(line)
                        if m:
                            res.add(m.group(1) == 'ok', m.group(3))
                        elif line.startswith('#') and res.items:
                            res.items[-1][3].append(line[1:])
            elif '=' in a:
                name, path = a.split('=', 1)
                res.extend(check_log(name, path))
            else:
                print(__doc__, file=sys.stderr)
                return 2
        return 0 if emit(res) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
