# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a unit's journal on a lab node: shared by the molecule tests and tests/bench/bench.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re


def command(unit, since):
    """The journalctl command line that prints ``unit``'s lines from ``since`` (epoch) on."""
    return 'journalctl -u %s -o short-unix --no-pager --since=@%d' % (unit, int(since) - 1)


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
