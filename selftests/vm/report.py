#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Log checker, TAP summary and figures of the nnmem test run.

  report.py checklog NAME LOG
      Check one VM serial log; print TAP result lines for it (the tests'
      own results and the log check), exit 1 if any failed.
  report.py summary [OPTIONS] [NAME=LOG ...]
      One TAP stream of everything: the unit tests' output, the extra TAP
      files and every VM log, each result prefixed by its source, ending
      with the line "N passed, N failed" (", N skipped" and ", N todo"
      when there are any). Exit 1 if anything failed or nothing passed.
      Options:
        --unit FILE[:RC]     the unit tests' TAP (and their exit status)
        --extra FILE         a TAP file written by check.sh (lint, fuzz,
                             build failures); its "#" lines are the
                             diagnostics of the result above them
        --manifest FILE      the suites each kernel must run, with their
                             minimum test counts (selftests/vm/manifest)
        --kernels "K ..."    the kernels that must have a log
        --only "SUITE ..."   a partial run (NNMEM_TESTS): only these
                             suites of the manifest are required
        --partial TEXT       print "# partial run: TEXT" (repeatable)
        --time NAME=SECONDS  a duration for the figures (a kernel's VM
                             boot + tests, or "total")
        --figures FILE       write the run's figures (markdown) to FILE
        --date TEXT, --machine TEXT
                             override the figures' date and machine lines

TAP directives are honoured everywhere: "ok # SKIP" is a skip, never a
pass; "not ok # TODO" (and kselftest's "ok # XFAIL") is counted and
listed as todo, not as a failure and not as a pass; "ok # TODO" is
listed as a todo that passes; "# XPASS" and "not ok # SKIP" are failures.
"Bail out!" fails. Suites report figures as "# figure: key=value" lines;
they go to the figures file.
"""
import datetime
import os
import platform
import re
import sys

TAP_RE = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$')
PLAN_RE = re.compile(r'^1\.\.(\d+)\s*(?:#\s*(.*))?$')
BAIL_RE = re.compile(r'^Bail out!\s*(.*)$', re.I)
DIRECTIVE_RE = re.compile(r'^\s*(skip\S*|todo\b|xfail\b|xpass\b)\s*(.*)$',
                          re.I)
FIGURE_RE = re.compile(r'^#\s*figure:\s*([A-Za-z0-9_.-]+)=(\S+)\s*$')
STAMP_RE = re.compile(r'\[\s*\d+\.\d+\]\s?')
CPUS_RE = re.compile(r'^NNMEM-CPUS (\d+)')
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
    # A kmemleak that turned itself off finds no leaks.
    ('kmemleak disabled', re.compile(
        r'kmemleak: (Cannot allocate a kmemleak_object|Memory pool empty|'
        r'Kernel memory leak detector disabled)')),
    ('call trace', re.compile(r'Call Trace:')),
]
SECTION_END_RE = re.compile(r'---\[ end trace|^=+$|^NNMEM-')

SECTION_MAX = 80
DIAG_MAX = 15
# Every kernel runs in a 2-vCPU VM (boot.sh: -smp 2); fewer leaves every
# SMP race untested.
MIN_CPUS = 2
KSFT_SKIP = 4
LIST_MAX = 50

PASS, FAIL, SKIP, TODO = 'pass', 'fail', 'skip', 'todo'


class Results:
    """Collected results: [status, name, directive, diagnostics]."""

    def __init__(self):
        self.items = []
        # figures[source][suite][key] = [value, ...]
        self.figures = {}
        self.cpus = {}

    def add(self, status, name, directive='', diag=None, ok=None):
        """ok: the TAP line's own verdict (a TODO's may be either)."""
        if status is True:
            status = PASS
        elif status is False:
            status = FAIL
        if ok is None or status != TODO:
            ok = status in (PASS, SKIP)
        self.items.append([status, name, directive, list(diag or []), ok])

    def figure(self, source, suite, key, value):
        self.figures.setdefault(source, {}).setdefault(suite, {}) \
            .setdefault(key, []).append(value)

    def extend(self, other):
        self.items.extend(other.items)
        for source, suites in other.figures.items():
            for suite, keys in suites.items():
                for key, values in keys.items():
                    for v in values:
                        self.figure(source, suite, key, v)
        self.cpus.update(other.cpus)


def split_desc(text):
    """Split a result's text into (description, directive kind, reason).

    The directive follows the first "#" not escaped as "\\#"; text after
    a "#" that is no directive (kselftest's "#  reason") stays in the
    description, in parentheses.
    """
    m = re.search(r'(?<!\\)#', text)
    if not m:
        return text.strip(), '', ''
    desc, rest = text[:m.start()].strip(), text[m.end():]
    d = DIRECTIVE_RE.match(rest)
    if d:
        kind = d.group(1).upper()
        if kind.startswith('SKIP'):
            kind = 'SKIP'
        return desc, kind, d.group(2).strip()
    rest = rest.strip()
    return ('%s (%s)' % (desc, rest) if rest else desc), '', ''


def classify(ok, kind, reason):
    """(status, directive text) of a result line."""
    text = kind + (' ' + reason if reason else '')
    if kind == 'SKIP':
        return (SKIP, text) if ok else (FAIL, '')
    if kind == 'TODO':
        return TODO, text
    if kind == 'XFAIL':
        return (TODO, 'TODO XFAIL' + (' ' + reason if reason else '')) \
            if ok else (FAIL, '')
    if kind == 'XPASS':
        return FAIL, ''
    return (PASS if ok else FAIL), ''


def result_name(desc, kind, reason, status):
    """A failure keeps the directive it had in its name, not as one."""
    if status == FAIL and kind:
        return '%s (%s%s)' % (desc, kind, ' ' + reason if reason else '')
    return desc


def parse_tap(lines, prefix, res, rc=None, what='test', diag=False,
              figures=None):
    """Add the top-level TAP results in lines; sanity-check them.

    lines may hold several TAP streams one after another (each starting
    with "TAP version" or its plan); each must deliver its plan's count.
    figures: (source, suite) to file "# figure:" lines under.
    Returns {status: count} of the results (not of the sanity checks).
    """
    plans = []      # [plan, results seen] per stream
    counts = {PASS: 0, FAIL: 0, SKIP: 0, TODO: 0}
    total = 0
    bailed = False
    comments = []   # output since the previous result
    tail = ['  ' + l for l in lines[-20:]] if diag else None
    for line in lines:
        if line.startswith('TAP version'):
            plans.append([None, 0])
            continue
        m = FIGURE_RE.match(line)
        if m and figures:
            res.figure(figures[0], figures[1], m.group(1), m.group(2))
        m = PLAN_RE.match(line)
        if m:
            if not plans or plans[-1][0] is not None or plans[-1][1]:
                plans.append([None, 0])
            plans[-1][0] = int(m.group(1))
            _, kind, reason = split_desc('#' + (m.group(2) or ''))
            if int(m.group(1)) == 0 and kind == 'SKIP':
                # "1..0 # SKIP reason": the whole stream skipped.
                res.add(SKIP, '%s: all skipped' % prefix,
                        'SKIP' + (' ' + reason if reason else ''))
                counts[SKIP] += 1
                total += 1
            continue
        m = BAIL_RE.match(line)
        if m:
            res.add(FAIL, '%s: Bail out! %s' % (prefix, m.group(1)),
                    diag=['  ' + c for c in comments[-DIAG_MAX:]])
            counts[FAIL] += 1
            total += 1
            bailed = True
            comments = []
            continue
        m = TAP_RE.match(line)
        if not m:
            if line.strip():
                comments.append(line)
            continue
        ok = m.group(1) == 'ok'
        desc, kind, reason = split_desc(m.group(3))
        if desc.startswith('global.'):
            desc = desc[len('global.'):]
        status, directive = classify(ok, kind, reason)
        # kselftest_harness prints a failure's diagnostics before it.
        fdiag = ['  ' + c for c in comments[-DIAG_MAX:]] \
            if status in (FAIL, TODO) else []
        res.add(status, '%s: %s' % (prefix, result_name(
            desc or '(unnamed)', kind, reason, status)), directive, fdiag,
            ok=ok and kind != 'XFAIL')
        comments = []
        if not plans:
            plans.append([None, 0])
        plans[-1][1] += 1
        total += 1
        counts[status] += 1
    if total == 0:
        res.add(FAIL, '%s: no TAP results from the %s' % (prefix, what),
                diag=tail)
    for plan, count in plans:
        if plan is not None and count != plan and not bailed and \
           not (plan == 0 and counts[SKIP]):
            res.add(FAIL, '%s: %d results for a plan of %d' %
                    (prefix, count, plan), diag=tail)
    # kselftest exits with KSFT_SKIP (4) when it skipped everything.
    all_skipped = counts[SKIP] and not counts[PASS] and not counts[TODO]
    if rc is not None and rc != 0 and counts[FAIL] == 0 and \
       not (rc == KSFT_SKIP and all_skipped):
        res.add(FAIL, '%s: exited with status %d' % (prefix, rc), diag=tail)
    return counts


class Manifest:
    """selftests/vm/manifest: a header "suite K1 K2 ..." naming the
    kernels, then one line per suite: its minimum count of tests that ran
    (not skipped) on each kernel, or "-" where it does not run."""

    def __init__(self, path):
        self.path = path
        self.kernels = None
        self.suites = {}        # suite -> {kernel: min}
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.split('#', 1)[0].split()
                if not line:
                    continue
                if self.kernels is None:
                    if line[0] != 'suite':
                        raise ValueError('%s:%d: expected the header '
                                         '"suite KERNEL..."' % (path, n))
                    self.kernels = line[1:]
                    continue
                if len(line) != len(self.kernels) + 1:
                    raise ValueError('%s:%d: %d columns, the header has %d' %
                                     (path, n, len(line),
                                      len(self.kernels) + 1))
                if line[0] in self.suites:
                    raise ValueError('%s:%d: %s listed twice' %
                                     (path, n, line[0]))
                mins = {}
                for k, v in zip(self.kernels, line[1:]):
                    if v == '-':
                        continue
                    if not v.isdigit() or int(v) < 1:
                        raise ValueError('%s:%d: %s: "%s" is neither a '
                                         'test count nor "-"' %
                                         (path, n, k, v))
                    mins[k] = int(v)
                self.suites[line[0]] = mins
        if self.kernels is None:
            raise ValueError('%s: no header' % path)

    def required(self, kernel):
        return {s: m[kernel] for s, m in self.suites.items() if kernel in m}


def check_manifest(name, ran, present, manifest, only, res):
    """ran: {suite: counts}; present: suites in the initramfs or None."""
    if name not in manifest.kernels:
        res.add(FAIL, '%s: manifest: no column for this kernel in %s' %
                (name, manifest.path))
        return
    required = manifest.required(name)
    if only is not None:
        required = {s: m for s, m in required.items() if s in only}
    bad = 0
    tests = 0
    for suite in sorted(required):
        want = required[suite]
        if suite not in ran:
            why = 'missing from the initramfs' \
                if present is not None and suite not in present \
                else 'did not run'
            res.add(FAIL, '%s: %s: %s (the manifest requires it)' %
                    (name, suite, why))
            bad += 1
            continue
        c = ran[suite]
        got = c[PASS] + c[FAIL] + c[TODO]
        tests += got
        if got < want:
            res.add(FAIL, '%s: %s: ran %d tests (%d skipped), the manifest '
                    'requires at least %d' % (name, suite, got, c[SKIP],
                                              want))
            bad += 1
    for suite in sorted(ran):
        if suite in required:
            continue
        if only is not None and suite not in only:
            why = 'ran but was not asked for (NNMEM_TESTS)'
        elif suite in manifest.suites:
            why = 'ran, but the manifest does not list it for %s' % name
        else:
            why = 'not in the manifest: add it with its minimum test ' \
                  'count'
        res.add(FAIL, '%s: %s: %s' % (name, suite, why))
        bad += 1
    if not bad:
        res.add(PASS, '%s: manifest: every required suite ran at least its '
                'minimum number of tests (%d suites, %d tests)' %
                (name, len(required), tests))


def kernel_text(line):
    """The kernel console part of a line, or None for user output."""
    m = STAMP_RE.search(line)
    return line[m.end():] if m else None


def check_log(name, path, manifest=None, only=None):
    res = Results()
    try:
        with open(path, errors='replace') as f:
            lines = [l.rstrip('\r\n') for l in f]
    except OSError as e:
        res.add(FAIL, '%s: log: cannot read %s: %s' % (name, path, e))
        return res

    start = next((i for i, l in enumerate(lines)
                  if l.startswith('NNMEM-KERNEL ')), None)
    if start is None:
        tail = ['  ' + l for l in lines[-30:]]
        res.add(FAIL, '%s: boot: /init never ran (no NNMEM-KERNEL line)' %
                name, diag=tail)
        return res
    body = lines[start:]

    # The tests' own results.
    cur = None
    buf = []
    ran = {}
    present = None
    for line in body:
        if line.startswith('NNMEM-SUITES'):
            present = set(line.split()[1:])
        elif line.startswith('NNMEM-TEST-BEGIN '):
            cur, buf = line.split()[1], []
        elif line.startswith('NNMEM-TEST-END ') and cur:
            m = re.search(r'rc=(-?\d+)', line)
            ran[cur] = parse_tap(buf, '%s: %s' % (name, cur), res,
                                 rc=int(m.group(1)) if m else 1,
                                 figures=(name, cur))
            cur = None
        elif cur:
            buf.append(line)
    if cur:
        ran[cur] = parse_tap(buf, '%s: %s' % (name, cur), res,
                             figures=(name, cur))
        res.add(FAIL, '%s: %s: did not finish (VM died or hung)' %
                (name, cur))
    if not any(l.startswith('NNMEM-TEST-BEGIN ') for l in body) and \
       not any(l.startswith('NNMEM-DEMO-BEGIN') for l in body):
        res.add(FAIL, '%s: no test binaries ran' % name)
    if ran and not any(c[PASS] for c in ran.values()):
        res.add(FAIL, '%s: not one test passed (%d skipped)' %
                (name, sum(c[SKIP] for c in ran.values())))
    if manifest is not None:
        check_manifest(name, ran, present, manifest, only, res)

    # The log check.
    bad = Results()
    cpus = next((int(m.group(1)) for m in map(CPUS_RE.match, lines) if m),
                None)
    if cpus is None:
        bad.add(FAIL, '%s: log: no CPU count (no NNMEM-CPUS line)' % name)
    elif cpus < MIN_CPUS:
        bad.add(FAIL, '%s: log: the kernel runs on %d CPU%s, at least %d '
                'needed (SMP races go untested)' %
                (name, cpus, '' if cpus == 1 else 's', MIN_CPUS),
                diag=['  ' + l for l in lines
                      if re.search(r'smp: |Processors?:|NNMEM-CPUS', l)])
    else:
        res.cpus[name] = cpus
    for l in body:
        if l.startswith('NNMEM-INSMOD-FAILED'):
            bad.add(FAIL, '%s: log: insmod nnmem.ko failed' % name)
        if l.startswith('NNMEM-RMMOD-FAILED'):
            bad.add(FAIL, '%s: log: rmmod failed' % name)
        if l.startswith('NNMEM-KMEMLEAK-FAILED'):
            bad.add(FAIL, '%s: log: the kmemleak scan failed' % name)
        if l.startswith('NNMEM-VM-'):
            bad.add(FAIL, '%s: log: %s' % (name, l))
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
            bad.add(FAIL, '%s: log: kmemleak: %s' % (name, line.strip()),
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
            bad.add(FAIL, '%s: log: %s: %s' % (name, hit, text.strip()),
                    diag=['  ' + s for s in body[first:j]])
            i = j
            continue
        i += 1
    if not any(l.startswith('NNMEM-END') for l in body):
        bad.add(FAIL, '%s: log: no end-of-run marker (VM died or hung)' %
                name, diag=['  ' + l for l in lines[-30:]])
    # boot.sh boots again when the kernel died before /init (not ours)
    retried = [l for l in lines if l.startswith('NNMEM-BOOT-RETRIED')]
    if not bad.items:
        bad.add(PASS, '%s: log: %d CPUs; no kernel warnings, splats, leaks '
                'or unload failures%s' %
                (name, cpus, '; booted twice: the kernel died before /init '
                 'the first time' if retried else ''),
                diag=['  ' + l for l in retried])
    res.extend(bad)
    return res


def read_extra(path, res):
    """A TAP file of check.sh's: results with "#" diagnostics below them."""
    try:
        with open(path, errors='replace') as f:
            lines = [l.rstrip('\n') for l in f]
    except OSError as e:
        res.add(FAIL, 'cannot read %s: %s' % (path, e))
        return
    for line in lines:
        m = FIGURE_RE.match(line)
        if m:
            res.figure('host', 'libFuzzer', m.group(1), m.group(2))
            continue
        m = BAIL_RE.match(line)
        if m:
            res.add(FAIL, '%s: Bail out! %s' % (os.path.basename(path),
                                                m.group(1)))
            continue
        m = TAP_RE.match(line)
        if m:
            desc, kind, reason = split_desc(m.group(3))
            status, directive = classify(m.group(1) == 'ok', kind, reason)
            res.add(status, result_name(desc, kind, reason, status),
                    directive, ok=m.group(1) == 'ok' and kind != 'XFAIL')
        elif line.startswith('#') and res.items:
            res.items[-1][3].append(line[1:])


def tally(res):
    counts = {PASS: 0, FAIL: 0, SKIP: 0, TODO: 0}
    for item in res.items:
        counts[item[0]] += 1
    return counts


def final_line(counts):
    tail = '%d passed, %d failed' % (counts[PASS], counts[FAIL])
    if counts[SKIP]:
        tail += ', %d skipped' % counts[SKIP]
    if counts[TODO]:
        tail += ', %d todo' % counts[TODO]
    return tail


def emit(res, out=sys.stdout, partial=()):
    """Print the TAP stream and the final line; True if the run passed."""
    print('TAP version 13', file=out)
    for p in partial:
        print('# partial run: %s' % p, file=out)
    print('1..%d' % len(res.items), file=out)
    for n, (status, name, directive, diag, ok) in enumerate(res.items, 1):
        line = '%s %d %s' % ('ok' if ok else 'not ok', n, name)
        if directive:
            line += ' # ' + directive
        print(line, file=out)
        for d in diag:
            print('#' + d, file=out)
    counts = tally(res)
    for status in (FAIL, TODO):
        items = [i for i in res.items if i[0] == status]
        for i in items[:LIST_MAX]:
            if status == FAIL:
                print('# FAILED: %s' % i[1], file=out)
                continue
            reason = i[2][len('TODO'):].strip()
            print('# TODO, %s: %s%s' % (
                'passes now' if i[4] else 'not passing', i[1],
                ' (%s)' % reason if reason else ''), file=out)
        if len(items) > LIST_MAX:
            print('# %s: ... and %d more' % (
                'FAILED' if status == FAIL else 'TODO',
                len(items) - LIST_MAX), file=out)
    for p in partial:
        print('# partial run: %s' % p, file=out)
    print(final_line(counts), file=out)
    return counts[FAIL] == 0 and counts[PASS] > 0


# ---- figures ----

# (suite, key, label): the figures README quotes, in this order; any
# other "# figure:" key is listed after them as "suite: key".
FIGURE_LABELS = [
    ('rig', 'vm_seconds', 'VM boot + tests'),
    ('rig', 'cpus', 'CPUs the kernel runs on'),
    ('rig', 'results', 'results: passed / failed / skipped'),
    ('stress_test', 'layout', 'stress: processes x threads'),
    ('stress_test', 'seconds', 'stress: duration'),
    ('stress_test', 'operations_checked', 'stress: operations checked'),
    ('stress_test', 'bytes_verified', 'stress: bytes verified'),
    ('stress_test', 'add_jobs', 'stress: add jobs checked'),
    ('fuzz_test', 'calls', 'in-VM fuzzer: calls'),
    ('fuzz_test', 'undocumented', 'in-VM fuzzer: undocumented results'),
    ('fault_test', 'paths', 'fault injection: paths'),
    ('fault_test', 'fault_points', 'fault injection: failures injected'),
    ('fault_test', 'failed_enomem', 'fault injection: calls failed cleanly'),
    ('fault_test', 'tolerated', 'fault injection: tolerated'),
]


def fmt_value(key, values):
    """Numeric values are summed; others joined."""
    try:
        nums = [float(v) for v in values]
    except ValueError:
        return ' / '.join(values)
    total = sum(nums)
    if total == int(total):
        text = '{:,}'.format(int(total))
    else:
        text = '{:,.1f}'.format(total)
    if key.endswith('bytes') or key.endswith('bytes_verified'):
        for unit, scale in (('GB', 1e9), ('MB', 1e6), ('kB', 1e3)):
            if total >= scale:
                text += ' (%.3g %s)' % (total / scale, unit)
                break
    elif key.endswith('seconds'):
        text += ' s'
    return text


def host_machine():
    cpu = ''
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next((l.split(':', 1)[1].strip() for l in f
                        if l.startswith('model name')), '')
    except OSError:
        pass
    u = platform.uname()
    return '%s %s %s; %s; %d CPUs; %s' % (
        u.system, u.release, u.machine, cpu or 'unknown CPU',
        os.cpu_count() or 0,
        'KVM present (unused: the VMs run under QEMU TCG)'
        if os.path.exists('/dev/kvm') else 'QEMU TCG, no KVM')


def fmt_duration(secs):
    secs = int(secs)
    return '%d min %02d s' % (secs // 60, secs % 60) if secs >= 60 \
        else '%d s' % secs


def write_figures(path, res, kernels, times, partial, date, machine):
    counts = tally(res)
    for k in kernels:
        kc = {PASS: 0, FAIL: 0, SKIP: 0, TODO: 0}
        for item in res.items:
            if item[1].startswith(k + ': '):
                kc[item[0]] += 1
        res.figure(k, 'rig', 'results', '%d / %d / %d' %
                   (kc[PASS], kc[FAIL], kc[SKIP]))
        if k in times:
            res.figure(k, 'rig', 'vm_seconds', times[k])
        if k in res.cpus:
            res.figure(k, 'rig', 'cpus', str(res.cpus[k]))
    out = []
    out.append('# nnmem: figures of one test run')
    out.append('')
    out.append('Written by `selftests/vm/report.py` from the run\'s own '
               'output (the suites\' `# figure: key=value` lines, the '
               'results, the VM times); not edited by hand.')
    out.append('')
    out.append('- date: %s' % date)
    out.append('- machine: %s' % machine)
    out.append('- result: %s' % final_line(counts))
    if 'total' in times:
        out.append('- total time: %s' % fmt_duration(float(times['total'])))
    for p in partial:
        out.append('- partial run: %s' % p)
    out.append('')
    if kernels:
        rows = []
        seen = set()
        for suite, key, label in FIGURE_LABELS:
            seen.add((suite, key))
            rows.append((suite, key, label))
        extra = set()
        for k in kernels:
            for suite, keys in res.figures.get(k, {}).items():
                for key in keys:
                    if (suite, key) not in seen:
                        extra.add((suite, key))
        rows += [(s, key, '%s: %s' % (s, key)) for s, key in sorted(extra)]
        out.append('| figure | %s |' % ' | '.join(kernels))
        out.append('| --- |%s' % (' --- |' * len(kernels)))
        for suite, key, label in rows:
            cells = []
            for k in kernels:
                v = res.figures.get(k, {}).get(suite, {}).get(key)
                cells.append(fmt_value(key, v) if v else '-')
            if any(c != '-' for c in cells):
                out.append('| %s | %s |' % (label, ' | '.join(cells)))
        out.append('')
    host = res.figures.get('host', {})
    if host:
        out.append('| on the host | figure |')
        out.append('| --- | --- |')
        for suite in sorted(host):
            for key in sorted(host[suite]):
                out.append('| %s: %s | %s |' % (
                    suite, key.replace('.', ' '),
                    fmt_value(key, host[suite][key])))
        out.append('')
    with open(path + '.tmp', 'w') as f:
        f.write('\n'.join(out))
    os.replace(path + '.tmp', path)


def main(argv):
    if len(argv) == 4 and argv[1] == 'checklog':
        return 0 if emit(check_log(argv[2], argv[3])) else 1
    if len(argv) < 2 or argv[1] != 'summary':
        print(__doc__, file=sys.stderr)
        return 2
    res = Results()
    args = argv[2:]
    logs = []
    manifest = None
    kernels = None
    only = None
    partial = []
    times = {}
    figures = None
    date = datetime.datetime.now(datetime.timezone.utc) \
        .strftime('%Y-%m-%d %H:%M UTC')
    machine = None
    try:
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
                    res.add(FAIL, 'unit: cannot read %s: %s' % (path, e))
                    continue
                c = parse_tap(lines, 'unit', res, rc=rc, what='unit tests',
                              diag=True, figures=('host', 'unit'))
                res.figure('host', 'unit tests',
                           'passed / failed / skipped', '%d / %d / %d' %
                           (c[PASS], c[FAIL], c[SKIP]))
            elif a == '--extra':
                read_extra(args.pop(0), res)
            elif a == '--manifest':
                manifest = Manifest(args.pop(0))
            elif a == '--kernels':
                kernels = args.pop(0).split()
            elif a == '--only':
                only = set(args.pop(0).split())
            elif a == '--partial':
                partial.append(args.pop(0))
            elif a == '--time':
                k, v = args.pop(0).split('=', 1)
                times[k] = v
            elif a == '--figures':
                figures = args.pop(0)
            elif a == '--date':
                date = args.pop(0)
            elif a == '--machine':
                machine = args.pop(0)
            elif '=' in a and not a.startswith('-'):
                logs.append(a.split('=', 1))
            else:
                raise ValueError('unknown argument %s' % a)
    except (IndexError, ValueError, OSError) as e:
        print('report.py: %s (usage: see the top of report.py)' % e,
              file=sys.stderr)
        return 2
    names = [n for n, _ in logs]
    for name, path in logs:
        res.extend(check_log(name, path, manifest, only))
    for k in kernels or []:
        if k not in names:
            res.add(FAIL, '%s: no VM log (the kernel was not booted)' % k)
    ok = emit(res, partial=partial)
    if figures:
        write_figures(figures, res, kernels or names, times, partial, date,
                      machine or host_machine())
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
