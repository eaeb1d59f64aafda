# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What may be written where: one validator for the grammar of each place a value lands in.

Inventory values end up in keepalived.conf, ``/etc/lvs-real-server.conf``, systemd unit files,
sysctl.d and modules-load.d. Nothing is escaped: a value that could be read as more than the one
word or string it stands for (a newline, a quote, a brace, a comment sign, a keepalived
``$NAME`` substitution, a systemd ``%`` specifier) is refused, so that no inventory value can add,
close or move a block, or start another line, whatever the reader makes of escapes.

Each validator takes the value and returns it as a ``str``, or raises :class:`GrammarError`
whose message states the rule. The model (:mod:`model`) calls them and adds where the value
came from. Types are strict: a string place takes only a string, so YAML 1.1's surprises (an
unquoted ``yes`` read as a boolean, ``0755`` as the number 493) are reported with the advice to
quote the value, instead of being written as ``True`` or ``493``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re


class GrammarError(ValueError):
    """A value that its place cannot hold; the message says the rule."""


# keepalived: a word ends at white space; '"' opens a string; '{' and '}' open and close blocks;
# '#' and '!' start a comment; '$' starts a parameter substitution; '\' is an escape in 2.3.
_SPECIAL = '"{}#!$\\'
_TOKEN = re.compile(r'^[\x21-\x7e]+$')
_QUOTED = re.compile(r'^[\x20-\x7e]+$')
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$')
_INTERFACE = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
_LABEL = re.compile(r'^[A-Za-z0-9_.:-]{1,15}$')
_PATH = re.compile(r'^(/[A-Za-z0-9_.+-]+)+/?$')
_EMAIL = re.compile(r'^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$')
_SYSCTL = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.:/*-]*$')
_HOSTNAME = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$')
MAX_LENGTH = 255


def describe(value):
    """How a value reads in a message: its YAML type named where it is not a string."""
    if isinstance(value, bool):
        return 'the boolean %s' % ('true' if value else 'false')
    if isinstance(value, (int, float)):
        return 'the number %r' % (value,)
    if value is None:
        return 'null (empty)'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, dict):
        return 'a mapping'
    if isinstance(value, str):
        return repr(value)
    return 'a %s' % type(value).__name__


def text(value):
    """``value`` if it is a string; otherwise why it is not, with the fix for YAML's surprises."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise GrammarError('is %s, not text: YAML reads an unquoted yes, no, on, off, true or false as a boolean; '
                           'quote it (\'%s\')' % (describe(value), 'yes' if value else 'no'))
    if isinstance(value, (int, float)):
        raise GrammarError('is %s, not text: YAML reads unquoted digits as a number (0755 as the octal 493, '
                           '1:30 as 90); quote the value as written' % describe(value))
    raise GrammarError('is %s, not text: write it as a quoted string' % describe(value))


def _check(value, pattern, rule):
    value = text(value)
    if not value:
        raise GrammarError('is empty: %s' % rule)
    if len(value) > MAX_LENGTH:
        raise GrammarError('is %d characters long: at most %d' % (len(value), MAX_LENGTH))
    if not pattern.match(value):
        raise GrammarError('%s is not allowed: %s' % (describe(value), rule))
    return value


def accepts(rule, value):
    """Whether ``rule`` (one of the validators below) takes ``value`` as it is."""
    try:
        rule(value)
    except GrammarError:
        return False
    return True


def token(value):
    """One keepalived word, written bare: printable ASCII without white space or ``"{}#!$\\``."""
    value = _check(value, _TOKEN, 'one word of printable ASCII, without spaces or any of %s' % _SPECIAL)
    if any(c in _SPECIAL for c in value):
        raise GrammarError('%s is not allowed: one word of printable ASCII, without spaces or any of %s'
                           % (describe(value), _SPECIAL))
    return value


def quoted(value):
    """A keepalived string written between double quotes (a script and its arguments): printable
    ASCII and spaces, without ``"{}#!$\\`` (keepalived's quoting has no escape both 2.2 and 2.3 read
    alike)."""
    value = _check(value, _QUOTED, 'printable ASCII and spaces, without any of %s' % _SPECIAL)
    if any(c in _SPECIAL for c in value) or value != value.strip():
        raise GrammarError('%s is not allowed: printable ASCII and inner spaces, without any of %s'
                           % (describe(value), _SPECIAL))
    return value


def name(value):
    """A name of ours (service, VRRP instance, sync group, vrrp_script): it is also a file name
    (``/run/lvs-cluster/vrrp/NAME``) and a comment in generated files."""
    return _check(value, _NAME, 'a name of letters, digits, "_", "." and "-" (starting with a letter or '
                                'digit, at most 64 characters)')


def interface(value):
    """A network interface name as Linux accepts it (at most 15 bytes, no "/", ":" or white
    space), kept to the characters lvs-real-server and sysctl keys read safely."""
    value = _check(value, _INTERFACE, 'an interface name of at most 15 letters, digits, "_", "." and "-" '
                                      '(Linux refuses longer names, spaces, "/" and ":")')
    if value in ('.', '..'):
        raise GrammarError('%r is not an interface name Linux accepts' % value)
    return value


def label(value):
    """An address label (``ip addr ... label``): at most 15 characters, like an interface name
    with an optional ``:suffix``."""
    return _check(value, _LABEL, 'an address label of at most 15 letters, digits, "_", ".", ":" and "-" '
                                 '(conventionally DEVICE:NAME)')


def path(value):
    """An absolute file path: it lands in keepalived.conf, unit files and tmpfiles.d, so only
    letters, digits and ``_.+-`` between slashes (no spaces, ``%`` or ``$``)."""
    value = _check(value, _PATH, 'an absolute path of letters, digits, "_", ".", "+" and "-" between "/"')
    if '/../' in value + '/' or '/./' in value + '/':
        raise GrammarError('%r is not allowed: an absolute path without "." or ".." parts' % value)
    return value


def email(value):
    """An e-mail address (keepalived notification_email, notification_email_from)."""
    return _check(value, _EMAIL, 'an e-mail address such as ops@example.com (no spaces or quotes)')


def hostname(value):
    """A host name (smtp_server, router_id)."""
    return _check(value, _HOSTNAME, 'a host name of letters, digits, "-" and "." (no spaces or quotes)')


def sysctl_key(value):
    """A sysctl name in sysctl.d(5) (``net.ipv4.ip_forward``, ``net/ipv4/conf/eth0/rp_filter``):
    no ``=`` (which would end the key and start the value), spaces or control characters."""
    return _check(value, _SYSCTL, 'a sysctl name of letters, digits, "_", ".", "/", ":", "*" and "-" (no "=" or spaces)')
