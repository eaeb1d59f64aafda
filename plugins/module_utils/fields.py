# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed readers of inventory fields, shared by the model and the role settings.

Every reader takes the raw value, where it comes from and the field's name, and returns the
value in the one form the templates render, or raises :class:`ModelError` naming the place,
the field and the rule. Types are strict, as the roles' argument specs declare them: a boolean
is ``true`` or ``false`` (never the string ``"false"``, which Python would read as true), a
number is a YAML number (never the string ``"80"``), and a text field is a string (YAML's
unquoted ``yes`` or ``0755`` get the advice to quote them).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import difflib
import ipaddress
import math

from ansible_collections.lvs.cluster.plugins.module_utils import grammar
from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges


class ModelError(ValueError):
    """Bad inventory data; the message names what to fix.

    It also carries the two parts of its message: ``where`` (the service, instance, host or
    variable) and ``reason`` (what is wrong), for the preflight's report.
    """
    where = None
    reason = None


def fail(where, msg):
    error = ModelError('%s: %s' % (where, msg))
    error.where = where
    error.reason = msg
    raise error


def number(value, where, field, low, high, whole=True):
    """A YAML number within low..high; ``whole`` refuses fractions (an integral float is fine).
    Fractions come back as floats, whole values as ints (so that 1.0 renders as 1)."""
    what = 'an integer' if whole else 'a number of seconds'
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        hint = ''
        if isinstance(value, str):
            hint = ': write the number without quotes or units'
        elif isinstance(value, bool):
            hint = ': YAML reads an unquoted yes/no/true/false as a boolean'
        fail(where, '%s must be %s from %s to %s, got %s%s' % (field, what, low, high, grammar.describe(value), hint))
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        fail(where, '%s must be %s from %s to %s, got %r' % (field, what, low, high, value))
    if whole and isinstance(value, float):
        fail(where, '%s must be %s from %s to %s, got %r: write it without a decimal point'
             % (field, what, low, high, value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not low <= value <= high:
        fail(where, '%s %s is out of range %s..%s' % (field, value, low, high))
    return value


def keepalived_number(value, where, field, keyword, low=None, high=None):
    """A number keepalived reads as ``keyword`` (keepalived_ranges: its range and decimal places),
    within the caller's tighter ``low``/``high`` where given; returned in keepalived's spelling."""
    klow, khigh, whole = keepalived_ranges.bounds(keyword)
    value = number(value, where, field, klow if low is None else low, khigh if high is None else high, whole)
    try:
        return keepalived_ranges.check(keyword, value)
    except ValueError:
        fail(where, '%s must be %s, got %r' % (field, keepalived_ranges.describe(keyword), value))


def integer(value, where, field, low, high):
    return number(value, where, field, low, high, whole=True)


def seconds(value, where, field, low, high):
    """A number of seconds, fractions allowed (keepalived's timers count microseconds)."""
    return number(value, where, field, low, high, whole=False)


def boolean(value, where, field):
    """``true`` or ``false``; anything else (the string "false" above all) is refused."""
    if isinstance(value, bool):
        return value
    hint = ''
    if isinstance(value, str) and value.lower() in ('true', 'false', 'yes', 'no', 'on', 'off'):
        hint = ' (in YAML write %s without quotes; with -e on the command line: -e \'{"%s": %s}\')' % (
            'true' if value.lower() in ('true', 'yes', 'on') else 'false', field.split(' ')[-1],
            'true' if value.lower() in ('true', 'yes', 'on') else 'false')
    fail(where, '%s must be true or false (a YAML boolean, without quotes), got %s%s'
         % (field, grammar.describe(value), hint))


def flag(raw, key, where, default=False):
    """A boolean option of a mapping (absent or null: ``default``)."""
    value = raw.get(key)
    return default if value is None else boolean(value, where, key)


def _listed(choices):
    return ', '.join(c if c else '""' for c in choices)


def choice(value, choices, where, field, upper=False):
    if not isinstance(value, str):
        fail(where, '%s must be one of %s, got %s' % (field, _listed(choices), grammar.describe(value)))
    text = value.upper() if upper else value.lower()
    if text not in choices:
        fail(where, '%s %r is not one of %s' % (field, value, _listed(choices)))
    return text


def text(value, where, field, rule):
    """A text field through the grammar of its place (``rule``: a :mod:`grammar` validator)."""
    try:
        return rule(value)
    except grammar.GrammarError as exc:
        fail(where, '%s %s' % (field, exc))


def ip(value, where, field):
    if not isinstance(value, str) or not value:
        fail(where, '%s must be an IP address (a string), got %s' % (field, grammar.describe(value)))
    try:
        return ipaddress.ip_address(value.strip('[]'))
    except ValueError:
        fail(where, '%s %r is not an IP address' % (field, value))


def mapping(value, where, field):
    if not isinstance(value, dict):
        fail(where, '%s must be a mapping, got %s' % (field, grammar.describe(value)))
    return value


def listing(value, where, field):
    """A list (absent or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        fail(where, '%s must be a list, got %s' % (field, grammar.describe(value)))
    return value


def known_keys(raw, known, where, what):
    """Refuse keys a mapping may not have (a typo would otherwise be ignored without a word)."""
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hints.append('%s (did you mean %s?)' % (key, close[0]) if close else key)
        fail(where, 'unknown %s option%s %s; known: %s' % (what, 's' if len(unknown) > 1 else '', ', '.join(hints),
                                                           ', '.join(sorted(known))))
