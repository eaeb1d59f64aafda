# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The plan: the desired state (ipvs_desired) against the kernel's table (ipvs_parse) ->
the ordered ``ipvsadm -R`` batch lines; the no-op recognised on the ``ipvsadm -Sn`` text
itself; the table expected after applying; one read of the table with its plan, timed.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import time
from contextlib import contextmanager

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_cmd import (
    add_thresholds,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    IpvsError,
    threshold_suffix,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    canonical_line,
    IpvsTable,
    parse_save,
    same_dest,
    same_service,
)


def satisfied_by(desired, text):
    """Whether ``ipvsadm -Sn`` output ``text`` already is this state, decided on the text.

    True only if every wanted line is there verbatim and no line there is one to remove
    (a real server of a wanted service that is not wanted, a service that is absent or
    purged). Then plan() on the parsed text would be empty; this answer costs set
    operations on lines instead of parsing ten thousand of them. False means "parse and
    plan": something differs, is spelled differently, or thresholds are managed (-Sn does
    not show them).
    """
    if desired.manages_thresholds:
        return False
    have = set(text.splitlines())
    have.discard('')
    want = set()
    for spec, body in desired.table.services.items():
        want.add('-A ' + body)
        want.update(['-a ' + dbody for dbody in desired.table.dests[spec].values()])
    if not want <= have:
        return False
    wanted = desired.table.services
    absent = set(desired.absent)
    left_alone = set()      # services of other lines already found not to be ours
    for line in have - want:
        command = line[:3]
        pos = line.find(' -r ' if command == '-a ' else ' -s ', 3)
        if command not in ('-A ', '-a ') or pos < 0:
            return False
        spec = line[3:pos]
        if spec in left_alone:
            continue
        try:
            if '[' in spec:
                spec = canonical_line(spec)
            if spec in wanted or spec in absent or (desired.purge and spec not in desired.ignore):
                return False
        except IpvsError:
            return False
        left_alone.add(line[3:pos])
    return True


def make_plan(desired, current):
    """Diff ``current`` (an IpvsTable) against this desired state -> Plan."""
    plan = Plan()
    for spec in desired.removals(current):
        plan.add(spec, '-D ' + spec, 'removed_services')
    cur_services = current.services
    cur_dests = current.dests
    cur_thresholds = current.thresholds
    want_thresholds = desired.table.thresholds or {}
    no_thresholds = {}
    for spec, body in desired.table.services.items():
        want_dests = desired.table.dests[spec]
        want_thr = want_thresholds.get(spec) or no_thresholds
        have = cur_services.get(spec)
        if have is None:
            plan.add(spec, '-A ' + body, 'added_services')
            for dkey, dbody in want_dests.items():
                pair = want_thr.get(dkey)
                plan.add((spec, dkey), '-a ' + dbody + (threshold_suffix(*pair) if pair else ''),
                         'added_real_servers')
            continue
        if have != body and not same_service(have, body):
            plan.add(spec, '-E ' + body, 'edited_services')
        have_dests = cur_dests[spec]
        have_thr = None if cur_thresholds is None else (cur_thresholds.get(spec) or no_thresholds)
        for dkey in have_dests:
            if dkey not in want_dests:
                plan.add((spec, dkey), '-d %s -r %s' % (spec, dkey), 'removed_real_servers')
        for dkey, dbody in want_dests.items():
            hbody = have_dests.get(dkey)
            if hbody is None:
                pair = want_thr.get(dkey)
                plan.add((spec, dkey), '-a ' + dbody + (threshold_suffix(*pair) if pair else ''),
                         'added_real_servers')
                continue
            pair = want_thr.get(dkey)
            cur_pair = None if have_thr is None else have_thr.get(dkey)
            if hbody == dbody or same_dest(hbody, dbody):
                if pair is None:
                    continue
                if cur_pair is not None and pair[0] in (None, cur_pair[0]) \
                        and pair[1] in (None, cur_pair[1]):
                    continue
            # an edit sets every attribute: keep thresholds this module does not manage
            upper = pair[0] if pair and pair[0] is not None else (cur_pair and cur_pair[0])
            lower = pair[1] if pair and pair[1] is not None else (cur_pair and cur_pair[1])
            if upper is None or lower is None:
                plan.needs_thresholds = True
            plan.add((spec, dkey), '-e ' + dbody + threshold_suffix(upper, lower),
                     'edited_real_servers')
    return plan


def result_table(desired, current):
    """The table expected once the plan is applied (the diff's "after")."""
    drop = set(desired.removals(current))
    want = desired.table
    thresholds = None
    if current.thresholds is not None or want.thresholds:
        thresholds = {}
    result = IpvsTable(thresholds=thresholds)
    for spec, body in current.services.items():
        if spec not in drop and spec not in want.services:
            result.services[spec] = body
            result.dests[spec] = current.dests[spec]
            if thresholds is not None and current.thresholds and spec in current.thresholds:
                thresholds[spec] = current.thresholds[spec]
    for spec, body in want.services.items():
        result.services[spec] = body
        result.dests[spec] = want.dests[spec]
        if thresholds is None:
            continue
        cur = (current.thresholds or {}).get(spec) or {}
        mine = (want.thresholds or {}).get(spec) or {}
        merged = {}
        for dkey in want.dests[spec]:
            pair, cur_pair = mine.get(dkey), cur.get(dkey)
            if pair is None:
                if cur_pair is not None and spec in current.dests \
                        and dkey in current.dests[spec]:
                    merged[dkey] = cur_pair
                continue
            if cur_pair is None or dkey not in current.dests.get(spec, ()):
                cur_pair = (0, 0)
            merged[dkey] = (cur_pair[0] if pair[0] is None else pair[0],
                            cur_pair[1] if pair[1] is None else pair[1])
        thresholds[spec] = merged
    return result


class Plan(object):
    """Ordered ``ipvsadm -R`` batch lines and what each one targets."""

    SUMMARY_KEYS = ('added_services', 'edited_services', 'removed_services',
                    'added_real_servers', 'edited_real_servers', 'removed_real_servers')

    def __init__(self):
        self.targets = []
        self.lines = []
        self.summary = dict((k, 0) for k in self.SUMMARY_KEYS)
        self.needs_thresholds = False

    def add(self, target, line, kind):
        self.targets.append(target)
        self.lines.append(line)
        self.summary[kind] += 1

    def __len__(self):
        return len(self.lines)

    def __bool__(self):
        return bool(self.lines)

    __nonzero__ = __bool__

    def failed_lines(self, residual):
        """Lines of this plan whose target still differs in the ``residual`` plan (the diff
        of the table read back after applying)."""
        left = set(residual.targets)
        return [line for target, line in zip(self.targets, self.lines)
                if target in left or (isinstance(target, tuple) and target[0] in left)]


class TableState(object):
    """One read of the kernel table: the ``ipvsadm -Sn`` text, the table parsed from it
    (None when the text alone showed that it is the desired state) and the plan from it to
    the desired state."""

    def __init__(self, text, table, plan):
        self.text = text
        self.table = table
        self.plan = plan

    def same_as(self, other):
        """Same table (as far as both reads saw: thresholds only if both read them)."""
        if self.text != other.text:
            return False
        mine = self.table.thresholds_text if self.table is not None else None
        theirs = other.table.thresholds_text if other.table is not None else None
        return mine is None or theirs is None or mine == theirs


def read_state(ipvsadm, desired, clock, phase='read', parse=False):
    """Read the table and plan the way from it to ``desired`` (a DesiredState) -> TableState.

    One ``ipvsadm -Sn``. When its text already is the desired state (DesiredState.satisfied_by,
    set operations on lines) nothing is parsed: the no-op rerun and the check after applying
    cost little more than ipvsadm itself. Otherwise the text is parsed, ``-Ln --thresholds``
    read as well if the desired state manages thresholds, and diffed. ``parse`` forces the
    parsed table (diff mode shows it). Time goes to ``clock`` under ``phase`` ('read'; its
    comparisons under 'diff') or all of it under ``phase`` ('verify').
    """
    compare = 'diff' if phase == 'read' else phase
    with clock.measure(phase):
        text = ipvsadm.read('save')
    if not parse:
        with clock.measure(compare):
            if satisfied_by(desired, text):
                return TableState(text, None, Plan())
    with clock.measure(phase):
        table = parse_save(text)
        if desired.manages_thresholds:
            add_thresholds(ipvsadm, table)
    with clock.measure(compare):
        plan = make_plan(desired, table)
    return TableState(text, table, plan)


def cpu_seconds():
    """User + system CPU seconds of this process and of its children it has waited for
    (the ipvsadm runs: run_command reaps them)."""
    times = os.times()
    return times[0] + times[1] + times[2] + times[3]


class Stopwatch(object):
    """Named durations, measured inside the module: wall-clock seconds (``times``) and CPU
    seconds of the module and the ipvsadm processes it ran (``cpu``). On a busy machine the
    wall clock counts the waits for a CPU as well; the CPU seconds do not."""

    def __init__(self, names=('read', 'diff', 'apply', 'verify')):
        self.start = time.time()
        self.cpu_start = cpu_seconds()
        self.times = dict((name, 0.0) for name in names)
        self.cpu = dict((name, 0.0) for name in names)

    @contextmanager
    def measure(self, name):
        t0, c0 = time.time(), cpu_seconds()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.time() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + cpu_seconds() - c0

    def as_dict(self, since=None):
        out = dict((k, round(v, 6)) for k, v in self.times.items())
        out['total'] = round(time.time() - (self.start if since is None else since), 6)
        return out

    def cpu_dict(self):
        out = dict((k, round(v, 6)) for k, v in self.cpu.items())
        out['total'] = round(cpu_seconds() - self.cpu_start, 6)
        return out
