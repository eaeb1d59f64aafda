# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a unit's journal on a lab node: shared by the molecule tests and tests/bench/bench.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re


# The syslog identifiers a unit's processes log under. journald names the unit of a line by reading
# the sender's /proc/PID/cgroup when it gets to the line; a process that logged and exited before
# that (keepalived's checker child prints "Shutting down service ..." as its last words on a stop)
# leaves a line with no _SYSTEMD_UNIT, which `journalctl -u` misses (systemd 252, Debian 12). Its
# SYSLOG_IDENTIFIER is always there.
IDENTIFIERS = {
    'keepalived': ('Keepalived', 'Keepalived_vrrp', 'Keepalived_healthcheckers', 'lvs-handover', 'lvs-vrrp-notify'),
}


def command(unit, since):
    """The journalctl command line that prints ``unit``'s lines from ``since`` (epoch) on: those
    journald put in the unit, those systemd logged about it and those under its processes' syslog
    identifiers (IDENTIFIERS)."""
    matches = '_SYSTEMD_UNIT={0}.service + UNIT={0}.service'.format(unit)
    if unit in IDENTIFIERS:
        matches += ' + ' + ' '.join('SYSLOG_IDENTIFIER=%s' % name for name in IDENTIFIERS[unit])
    return 'journalctl -o short-unix --no-pager --since=@%d %s' % (int(since) - 1, matches)


def times(output, pattern, since, until=None):
    """Epoch times of the lines of ``command``'s output matching ``pattern`` in [since, until]."""
    found = []
    for line in output.splitlines():
        stamp, dummy, text = line.partition(' ')
        try:
            when = float(stamp)
        except ValueError:
            continue
        if when >= since and (until is None or when <= until) and re.search(pattern, text):
            found.append(when)
    return found
