#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mutation testing of lvs.cluster's unit tests: one-line bugs applied one at a time.

    eval "$(tests/bin/bootstrap)"
    tests/tools/mutate.py plugins/module_utils/vrrp.py          # every mutant of one file
    tests/tools/mutate.py --list roles/director/templates/keepalived/vrrp_instance.j2
    tests/tools/mutate.py --lines 60-80 plugins/module_utils/sysctl.py
    tests/tools/mutate.py --tests tests/unit/x.py FILE          # other tests than the default selection
    tests/tools/mutate.py --json out.json FILE...
    tests/tools/mutate.py --budget 600 FILE                     # stop after 10 minutes (the rest is counted)

For each mutant the file is changed in place (the collection path points at this checkout), the
selected unit tests run (``pytest -x -q``), and the file is put back. A mutant is killed when the
tests fail (or time out), survived when they pass. Survivors are printed with their line, for a
test to be added, or to be listed as equivalent (no behaviour change) in the report.

Python mutants (on tokens, never inside strings or comments): comparison flips (< <=, > >=, == !=,
in / not in, is / is not), and/or swaps, a removed ``not``, True/False, integer constants +-1,
+/-, min/max, a dropped element of a literal list/tuple/set/dict, a string of a literal replaced
by its neighbour, a dropped .strip()/.lower()/.upper() call, a simple statement replaced by
``pass``. Template mutants (Jinja): a deleted line, a keyword renamed, a condition negated or made
always true, ``is not none`` / truthiness swapped, comparison and and/or flips, integer constants
+-1, a dropped element of a literal list, a dropped filter, an attribute replaced by another of the
same object (one that shares a word of its name).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import glob
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tokenize

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

# Which unit tests judge a file's mutants: the mirrored test files and those that use it.
SELECTION = [
    ('plugins/module_utils/vrrp.py', ['tests/unit/plugins/module_utils/test_vrrp*.py',
                                      'tests/unit/plugins/filter/test_vrrp_report.py']),
    ('plugins/module_utils/sysctl.py', ['tests/unit/plugins/module_utils/test_sysctl*.py',
                                        'tests/unit/plugins/modules/test_sysctl*.py',
                                        'tests/unit/plugins/module_utils/test_converged*.py',
                                        'tests/unit/plugins/modules/test_converged*.py']),
    ('plugins/module_utils/kmod.py', ['tests/unit/plugins/module_utils/test_kmod*.py',
                                      'tests/unit/plugins/modules/test_kernel_module*.py',
                                      'tests/unit/plugins/module_utils/test_converged*.py',
                                      'tests/unit/plugins/modules/test_converged*.py']),
    ('plugins/module_utils/files.py', ['tests/unit/plugins/module_utils/test_files*.py',
                                       'tests/unit/plugins/modules/test_sysctl*.py',
                                       'tests/unit/plugins/modules/test_kernel_module*.py',
                                       'tests/unit/plugins/module_utils/test_converged*.py',
                                       'tests/unit/plugins/modules/test_converged*.py']),
    ('plugins/module_utils/converged.py', ['tests/unit/plugins/module_utils/test_converged*.py',
                                           'tests/unit/plugins/modules/test_converged*.py']),
    ('plugins/module_utils/model.py', ['tests/unit/plugins/module_utils/test_model*.py',
                                       'tests/unit/plugins/module_utils/test_preflight*.py',
                                       'tests/unit/plugins/filter/test_*.py',
                                       'tests/unit/roles/director/test_template_fields.py',
                                       'tests/unit/roles/real_server/test_templates.py']),
    ('plugins/module_utils/preflight.py', ['tests/unit/plugins/module_utils/test_preflight*.py',
                                           'tests/unit/plugins/filter/test_preflight_filter.py']),
    ('roles/director/templates/', ['tests/unit/roles/director/test_template_fields.py']),
    ('roles/real_server/templates/', ['tests/unit/roles/real_server/test_templates.py']),
]


def default_tests(path):
    for prefix, patterns in SELECTION:
        if path == prefix or (prefix.endswith('/') and path.startswith(prefix)):
            found = []
            for pattern in patterns:
                found.extend(sorted(glob.glob(os.path.join(REPO, pattern))))
            return [os.path.relpath(f, REPO) for f in found]
    mirror = os.path.join('tests', 'unit', os.path.dirname(path), 'test_' + os.path.basename(path))
    return [mirror] if os.path.exists(os.path.join(REPO, mirror)) else []


# --- Python mutants ---------------------------------------------------------------------------------

FLIPS = {'<': '<=', '<=': '<', '>': '>=', '>=': '>', '==': '!=', '!=': '==', '+': '-', '-': '+'}
NAME_SWAPS = {'and': 'or', 'or': 'and', 'True': 'False', 'False': 'True', 'min': 'max', 'max': 'min'}
DROPPED_CALLS = ('.strip()', '.lower()', '.upper()', '.rstrip()', '.lstrip()')
COMPOUND = re.compile(r'^\s*(def|class|if|elif|else|for|while|try|except|finally|with|return|raise|@|"""|\'\'\'|#)')


def _tokens(text):
    try:
        return list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError):
        return []


def _replace(line, start, end, new):
    return line[:start] + new + line[end:]


def _literal_groups(toks):
    """(open token index, close token index, [element (start col, end col, comma end col)]) of every
    bracketed literal (list, set/dict, tuple; not a call or a subscript) opened and closed on one line."""
    groups = []
    stack = []
    for i, tok in enumerate(toks):
        if tok.type != tokenize.OP:
            continue
        if tok.string in '([{':
            prev = toks[i - 1] if i else None
            call = prev is not None and prev.start[0] == tok.start[0] and (
                (prev.type == tokenize.NAME and prev.string not in ('in', 'and', 'or', 'not', 'return', 'if', 'else',
                                                                    'for', 'is', 'yield', 'lambda'))
                or (prev.type == tokenize.OP and prev.string in (')', ']'))
                or prev.type == tokenize.STRING)
            if prev is not None and prev.type == tokenize.OP and prev.string == '%':
                call = True   # the arguments of a format: dropping one is a TypeError, not a bug
            stack.append((i, call))
        elif tok.string in ')]}' and stack:
            start, call = stack.pop()
            if not call and toks[start].start[0] == tok.start[0]:
                groups.append((start, i))
    result = []
    for start, end in groups:
        depth = 0
        elements = []
        first = toks[start + 1].start[1]
        for j in range(start + 1, end):
            tok = toks[j]
            if tok.type == tokenize.OP and tok.string in '([{':
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ')]}':
                depth -= 1
            elif depth == 0 and tok.type == tokenize.OP and tok.string == ',':
                elements.append((first, tok.start[1], tok.end[1]))
                first = toks[j + 1].start[1]
        if toks[end - 1].string != ',' and first < toks[end].start[1]:
            elements.append((first, toks[end].start[1], toks[end].start[1]))
        if len(elements) >= 2:
            result.append((start, end, elements))
    return result


def _emitter(lines, number):
    """emit(new_line, what) for line ``number`` of ``lines``: the mutant as a one-item list, or an
    empty list when ``new_line`` is the line itself or a mutant of it already emitted."""
    line = lines[number - 1]
    seen = set()

    def emit(new_line, what):
        if new_line != line and new_line not in seen:
            seen.add(new_line)
            return [(number, what, ''.join(lines[:number - 1]) + new_line + ''.join(lines[number:]))]
        return []
    return emit


def python_mutants(text):
    """Yield (line number, description, mutated text) for each one-line mutant of a Python source."""
    lines = text.splitlines(True)
    toks = _tokens(text)
    by_line = {}
    for tok in toks:
        by_line.setdefault(tok.start[0], []).append(tok)
    simple = _simple_statements(toks)
    docstring_lines = set()
    for tok in toks:
        if tok.type == tokenize.STRING and tok.start[0] != tok.end[0]:
            docstring_lines.update(range(tok.start[0], tok.end[0] + 1))
    for number in sorted(by_line):
        if number > len(lines):
            break
        line = lines[number - 1]
        if number in docstring_lines or line.lstrip().startswith(('#', 'from ', 'import ', '__metaclass__')):
            continue
        ltoks = [t for t in by_line[number] if t.start[0] == t.end[0] == number]
        emit = _emitter(lines, number)

        found = []
        for k, tok in enumerate(ltoks):
            s, e = tok.start[1], tok.end[1]
            if tok.type == tokenize.OP and tok.string in FLIPS:
                if tok.string in '+-' and (k == 0 or ltoks[k - 1].type == tokenize.OP and ltoks[k - 1].string not in ')]'):
                    continue   # a sign, not an operator
                found += emit(_replace(line, s, e, FLIPS[tok.string]), '%s -> %s' % (tok.string, FLIPS[tok.string]))
            elif tok.type == tokenize.NAME and tok.string in NAME_SWAPS:
                found += emit(_replace(line, s, e, NAME_SWAPS[tok.string]), '%s -> %s' % (tok.string, NAME_SWAPS[tok.string]))
            elif tok.type == tokenize.NAME and tok.string == 'not':
                nxt = ltoks[k + 1] if k + 1 < len(ltoks) else None
                prev = ltoks[k - 1] if k else None
                if prev is not None and prev.string == 'is':
                    found += emit(_replace(line, prev.end[1], e, ''), 'is not -> is')
                elif nxt is not None and nxt.string == 'in':
                    found += emit(_replace(line, s, nxt.start[1], ''), 'not in -> in')
                else:
                    found += emit(_replace(line, s, nxt.start[1] if nxt else e, ''), 'removed not')
            elif tok.type == tokenize.NAME and tok.string == 'is' and k + 1 < len(ltoks) and ltoks[k + 1].string != 'not':
                found += emit(_replace(line, e, e, ' not'), 'is -> is not')
            elif tok.type == tokenize.NAME and tok.string == 'in' and (k == 0 or ltoks[k - 1].string != 'not') \
                    and not any(t.string == 'for' for t in ltoks[:k]):
                found += emit(_replace(line, s, s, 'not '), 'in -> not in')
            elif tok.type == tokenize.NUMBER and re.match(r'^(0o[0-7]+|\d+)$', tok.string):
                value = int(tok.string, 8) if tok.string.startswith('0o') else int(tok.string)
                for new in (value + 1, value - 1):
                    if new < 0:
                        continue
                    text_new = ('0o%o' % new) if tok.string.startswith('0o') else str(new)
                    found += emit(_replace(line, s, e, text_new), '%s -> %s' % (tok.string, text_new))
        for start, end, elements in _literal_groups(ltoks):
            for idx, (a, b, c) in enumerate(elements):
                if idx + 1 < len(elements):
                    new_line = line[:a] + line[elements[idx + 1][0]:]
                else:
                    new_line = line[:elements[idx - 1][1]] + line[b:]
                found += emit(new_line, 'dropped %s' % line[a:b].strip())
            strings = [(a, b) for a, b, c in elements if re.match(r'^[\'"][\w.\-/ ]*[\'"]$', line[a:b].strip())]
            for idx, (a, b) in enumerate(strings[:-1]):
                na, nb = strings[idx + 1]
                found += emit(line[:a] + line[na:nb] + line[b:], '%s -> %s' % (line[a:b], line[na:nb]))
        for call in DROPPED_CALLS:
            pos = line.find(call)
            while pos != -1:
                found += emit(line[:pos] + line[pos + len(call):], 'dropped %s' % call)
                pos = line.find(call, pos + 1)
        if number in simple and not COMPOUND.match(line):
            last = simple[number]
            indent = line[:len(line) - len(line.lstrip())]
            if last == number:
                found += emit(indent + 'pass\n', 'statement -> pass')
            else:
                text_new = ''.join(lines[:number - 1]) + indent + 'pass\n' + ''.join(lines[last:])
                found.append((number, 'statement (lines %d-%d) -> pass' % (number, last), text_new))
        yield from found


def _simple_statements(toks):
    """{first line: last line} of every logical line that is a simple statement (not pass, not a
    docstring): replacing it by ``pass`` is the "forgotten line" bug."""
    result = {}
    first = None
    for tok in toks:
        if tok.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        if tok.type == tokenize.NEWLINE:
            if first:
                result[first.start[0]] = tok.start[0]
            first = None
            continue
        if first is None:
            first = tok
            if tok.type == tokenize.STRING or tok.string in ('pass', 'def', 'class', 'if', 'elif', 'else', 'for',
                                                             'while', 'try', 'except', 'finally', 'with', '@',
                                                             'return', 'raise', 'import', 'from', 'global'):
                first = False
        elif first is False:
            continue
    return dict((k, v) for k, v in result.items())


# --- template mutants --------------------------------------------------------------------------------

JINJA_TAG = re.compile(r'({%-?|{{-?)(.*?)(-?%}|-?}})')
IF_TAG = re.compile(r'{%-?\s*(if|elif)\s+(.*?)\s*-?%}')
FOR_IF = re.compile(r'({%-?\s*for\s+.*?\s+in\s+.*?\s+if\s+)(.*?)(\s*-?%})')
LIST_LITERAL = re.compile(r"\[('[^']*'(?:\s*,\s*'[^']*')+)\]")
FILTER = re.compile(r'\s*\|\s*(sort|bool|join|unique|list|default|indent|comment|string|upper|lower)(\([^()]*\))?')
ATTR = re.compile(r'\b([a-z_]+)\.([a-z_]+)\b')
KEYWORD = re.compile(r'^(\s*)([A-Za-z_][A-Za-z0-9_-]*)(?=[ {\n]|$)')


def template_mutants(text):
    """Yield (line number, description, mutated text) for each one-line mutant of a Jinja template."""
    lines = text.splitlines(True)
    attrs = {}
    for line in lines:
        for tag in JINJA_TAG.finditer(line):
            for obj, attr in ATTR.findall(tag.group(2)):
                attrs.setdefault(obj, set()).add(attr)
    for number, line in enumerate(lines, 1):
        emit = _emitter(lines, number)

        found = []
        stripped = line.strip()
        is_tag_line = stripped.startswith('{%') and stripped.endswith('%}')
        if not is_tag_line:
            found += emit('', 'deleted line')
            outside = JINJA_TAG.sub('', line)
            match = KEYWORD.match(line)
            if match and match.group(2) in outside:
                found += emit(line[:match.end(1)] + match.group(2) + 'x' + line[match.end(2):],
                              'keyword %s -> %sx' % (match.group(2), match.group(2)))
        cond = IF_TAG.search(line) or FOR_IF.search(line)
        if cond:
            expr = cond.group(2)
            a, b = cond.span(2)
            found += emit(line[:a] + 'not (%s)' % expr + line[b:], 'condition negated')
            found += emit(line[:a] + 'true' + line[b:], 'condition always true')
            if ' is not none' in expr:
                found += emit(line[:a] + expr.replace(' is not none', '') + line[b:], 'is not none -> truthiness')
            elif ' is none' not in expr and ' is ' not in expr and '==' not in expr and ' in ' not in expr:
                found += emit(line[:a] + '(%s) is not none' % expr + line[b:], 'truthiness -> is not none')
            if ' is defined' in expr:
                found += emit(line[:a] + expr.replace(' is defined', ' is undefined') + line[b:], 'is defined -> undefined')
        for tag in JINJA_TAG.finditer(line):
            a, b = tag.span(2)
            expr = tag.group(2)
            for old, new in ((' and ', ' or '), (' or ', ' and '), ('==', '!='), ('!=', '=='), (' not ', ' ')):
                pos = expr.find(old)
                while pos != -1:
                    found += emit(line[:a] + expr[:pos] + new + expr[pos + len(old):] + line[b:], '%s -> %s' % (old.strip(), new.strip() or 'removed'))
                    pos = expr.find(old, pos + 1)
            for num in re.finditer(r'(?<![\w.])-?\d+(?![\w.])', expr):
                value = int(num.group(0))
                for new in (value + 1, value - 1):
                    found += emit(line[:a] + expr[:num.start()] + str(new) + expr[num.end():] + line[b:],
                                  '%d -> %d' % (value, new))
            for lit in LIST_LITERAL.finditer(expr):
                items = [i.strip() for i in lit.group(1).split(',')]
                for idx in range(len(items)):
                    rest = items[:idx] + items[idx + 1:]
                    found += emit(line[:a] + expr[:lit.start(1)] + ', '.join(rest) + expr[lit.end(1):] + line[b:],
                                  'dropped %s' % items[idx])
                for idx in range(len(items) - 1):
                    swapped = list(items)
                    swapped[idx] = items[idx + 1]
                    found += emit(line[:a] + expr[:lit.start(1)] + ', '.join(swapped) + expr[lit.end(1):] + line[b:],
                                  '%s -> %s' % (items[idx], items[idx + 1]))
            for flt in FILTER.finditer(expr):
                found += emit(line[:a] + expr[:flt.start()] + expr[flt.end():] + line[b:], 'dropped filter %s' % flt.group(1))
            for attr in ATTR.finditer(expr):
                for other in sorted(attrs.get(attr.group(1), ())):
                    if other != attr.group(2) and _related(other, attr.group(2)):
                        found += emit(line[:a] + expr[:attr.start(2)] + other + expr[attr.end(2):] + line[b:],
                                      '%s.%s -> %s.%s' % (attr.group(1), attr.group(2), attr.group(1), other))
        yield from found


def _related(one, other):
    """Attributes a slip of the pen confuses: one is a prefix of the other or they share a word."""
    return one.startswith(other) or other.startswith(one) or bool(set(one.split('_')) & set(other.split('_')))


def mutants(path, text):
    if path.endswith('.py'):
        return list(python_mutants(text))
    return list(template_mutants(text))


# --- running --------------------------------------------------------------------------------------------

def run_tests(tests, timeout):
    cmd = [sys.executable, '-m', 'pytest', '-x', '-q', '-p', 'no:cacheprovider', '--import-mode=importlib',
           '-o', 'addopts=', '--no-header'] + tests
    try:
        proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                              universal_newlines=True, check=False)
    except subprocess.TimeoutExpired:
        return 'timeout', ''
    if proc.returncode == 0:
        return 'survived', proc.stdout
    # 1: a test failed; 2: collection failed (the mutant does not import); other codes as well
    return ('killed' if proc.returncode in (1, 2) else 'killed (pytest exit %d)' % proc.returncode), proc.stdout


def parse_lines(spec):
    if not spec:
        return None
    wanted = set()
    for part in spec.split(','):
        low, dummy, high = part.partition('-')
        wanted.update(range(int(low), int(high or low) + 1))
    return wanted


def _interrupt(signum, frame):
    raise KeyboardInterrupt('signal %d' % signum)


def main():
    # the mutated file is put back in a finally: let a SIGTERM unwind to it as Ctrl-C does
    signal.signal(signal.SIGTERM, _interrupt)
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('files', nargs='+', help='files to mutate, relative to the repository')
    parser.add_argument('--tests', action='append', help='test files to run (default: the selection for the file)')
    parser.add_argument('--list', action='store_true', help='list the mutants, run nothing')
    parser.add_argument('--lines', help='only mutants of these lines (e.g. 10-20,33)')
    parser.add_argument('--timeout', type=float, default=120, help='seconds per test run (a timeout counts as killed)')
    parser.add_argument('--json', help='write the results to this file')
    parser.add_argument('--budget', type=float, help='stop trying new mutants after this many seconds in all')
    args = parser.parse_args()
    wanted = parse_lines(args.lines)
    results = []
    totals = {}
    deadline = time.time() + args.budget if args.budget else None
    for rel in args.files:
        rel = os.path.relpath(os.path.abspath(rel), REPO)
        path = os.path.join(REPO, rel)
        with open(path) as handle:
            original = handle.read()
        tests = args.tests or default_tests(rel)
        found = [m for m in mutants(rel, original) if wanted is None or m[0] in wanted]
        print('== %s: %d mutants, tests: %s' % (rel, len(found), ' '.join(tests) or 'NONE'), flush=True)
        if args.list:
            for number, what, dummy in found:
                print('%s:%d: %s' % (rel, number, what))
            continue
        if not tests:
            print('   no tests selected: give --tests', file=sys.stderr)
            return 2
        status, output = run_tests(tests, args.timeout)
        if status != 'survived':
            print('   the tests fail on the unchanged file: fix that first\n' + output[-3000:], file=sys.stderr)
            return 2
        backup = tempfile.NamedTemporaryFile('w', delete=False, prefix='mutate-', suffix='-' + os.path.basename(rel))
        backup.write(original)
        backup.close()
        counts = totals.setdefault(rel, {'tried': 0, 'killed': 0, 'survived': 0})
        try:
            for number, what, text in found:
                if deadline is not None and time.time() > deadline:
                    counts['untried'] = len(found) - counts['tried']
                    print('   budget spent: %d mutants not tried' % counts['untried'], flush=True)
                    break
                with open(path, 'w') as handle:
                    handle.write(text)
                started = time.time()
                status, output = run_tests(tests, args.timeout)
                counts['tried'] += 1
                counts['survived' if status == 'survived' else 'killed'] += 1
                new_line = text.splitlines()[number - 1] if what != 'deleted line' and number <= len(text.splitlines()) else ''
                results.append({'file': rel, 'line': number, 'mutant': what, 'status': status,
                                'original': original.splitlines()[number - 1], 'mutated': new_line,
                                'seconds': round(time.time() - started, 2)})
                if status == 'survived':
                    shown = (rel, number, what, original.splitlines()[number - 1].strip(), new_line.strip())
                    print('   SURVIVED %s:%d: %s\n      - %s\n      + %s' % shown, flush=True)
        finally:
            shutil.copyfile(backup.name, path)
            os.unlink(backup.name)
        rest = ', not tried %d' % counts['untried'] if counts.get('untried') else ''
        print('   %s: tried %d, killed %d, survived %d%s' % (rel, counts['tried'], counts['killed'], counts['survived'], rest),
              flush=True)
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump({'totals': totals, 'mutants': results}, handle, indent=1)
    if totals:
        print('\n%-60s %6s %6s %8s' % ('file', 'tried', 'killed', 'survived'))
        for rel, counts in totals.items():
            print('%-60s %6d %6d %8d' % (rel, counts['tried'], counts['killed'], counts['survived']))
    return 1 if any(c['survived'] for c in totals.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
