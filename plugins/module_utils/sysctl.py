# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel parameters (sysctl) for the lvs.cluster.sysctl module.

Everything here is plain functions over strings and paths so that unit tests can
run them against a temporary directory laid out like ``/proc/sys``.

Key names
    A key is written either with dots (``net.ipv4.conf.all.arp_ignore``) or with
    slashes (``net/ipv4/conf/all/arp_ignore``). The first separator decides, as in
    sysctl(8) and sysctl.d(5): in the dotted form a slash stands for a literal dot
    inside one component, so the VLAN interface ``eth0.100`` is written
    ``net.ipv4.conf.eth0/100.arp_ignore`` (or ``net/ipv4/conf/eth0.100/arp_ignore``).
    The canonical form used in files and results is the dotted one.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fnmatch
import os

from ansible_collections.lvs.cluster.plugins.module_utils.files import conf_path

PROC_SYS = '/proc/sys'
SYSCTL_D = '/etc/sysctl.d'
# Directories systemd-sysctl reads, in the order that decides which of two files
# with the same name wins (the first one). Files are then applied sorted by name.
SEARCH_DIRS = ('/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d',
               '/lib/sysctl.d')
HEADER = '# Managed by Ansible (lvs.cluster.sysctl). Local changes will be overwritten.\n'

_BAD_KEY_CHARS = frozenset(' \t\r\n=*?[]\\\0')


class SysctlError(ValueError):
    """A key, value or file that cannot be handled; the message says which."""


def key_parts(key):
    """Split a key into the components of its path below ``/proc/sys``."""
    if not isinstance(key, str):
        raise SysctlError('sysctl key %r is not a string' % (key,))
    text = key.strip()
    if not text:
        raise SysctlError('empty sysctl key')
    bad = sorted(set(text) & _BAD_KEY_CHARS)
    if bad or text.startswith('-'):
        raise SysctlError('sysctl key %r contains characters not allowed in a key (%s)'
                          % (key, ''.join(bad) or 'leading -'))
    slash = text.find('/')
    dot = text.find('.')
    if slash != -1 and (dot == -1 or slash < dot):
        parts = text.split('/')
    else:
        parts = [part.replace('/', '.') for part in text.split('.')]
    for part in parts:
        if part in ('', '.', '..'):
            raise SysctlError('sysctl key %r has an empty or relative component' % (key,))
    return parts


def canonical_key(key):
    """The dotted form of ``key`` (dots inside a component written as slashes)."""
    return '.'.join(part.replace('.', '/') for part in key_parts(key))


def proc_path(key, proc_root=PROC_SYS):
    """The file under ``proc_root`` that holds ``key``."""
    return os.path.join(proc_root, *key_parts(key))


def normalize_value(key, value):
    """The text written for ``value``: booleans become 1/0, numbers their decimal form."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if '\n' in text or '\r' in text or '\0' in text:
            raise SysctlError('value of %s must be one line' % key)
        return text
    raise SysctlError('value of %s must be a string, an integer or a boolean, got %s %r'
                      % (key, type(value).__name__, value))


def values_equal(current, wanted):
    """Compare as the kernel prints them: fields split on any whitespace."""
    if current is None or wanted is None:
        return False
    return current.split() == wanted.split()


def normalize_settings(settings):
    """``{key: value}`` from the user -> ``{canonical key: text}`` in the given order."""
    if not isinstance(settings, dict):
        raise SysctlError('settings must be a dictionary of key: value')
    result = {}
    origin = {}
    for key, value in settings.items():
        name = canonical_key(key)
        if name in result:
            raise SysctlError('sysctl key %s is given twice (as %r and %r)' % (name, origin[name], key))
        origin[name] = key
        result[name] = normalize_value(name, value)
    return result


def read_value(key, proc_root=PROC_SYS):
    """Current runtime value of ``key``, or None when the kernel has no such key."""
    path = proc_path(key, proc_root)
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        if exc.errno == errno.EISDIR:
            raise SysctlError('%s is a directory of keys, not a key' % canonical_key(key))
        raise SysctlError('cannot read %s (%s): %s' % (canonical_key(key), path, exc.strerror or exc))
    return data.decode('utf-8', 'replace').rstrip('\n')


def read_values(keys, proc_root=PROC_SYS):
    """``{key: runtime value or None}`` for every key."""
    return dict((key, read_value(key, proc_root)) for key in keys)


def write_value(key, value, proc_root=PROC_SYS):
    """Set ``key`` at runtime by writing its file under ``proc_root``."""
    path = proc_path(key, proc_root)
    try:
        # No O_CREAT: a key the kernel does not have is an error, never a new file.
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, value.encode('utf-8'))
        finally:
            os.close(fd)
    except (IOError, OSError) as exc:
        reason = exc.strerror or str(exc)
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            reason += ' (read-only /proc/sys, e.g. in an unprivileged container?)'
        raise SysctlError('setting %s to %r failed: %s' % (canonical_key(key), value, reason))


def file_path(name, directory=SYSCTL_D):
    """Absolute path of the sysctl.d file: a bare ``NAME[.conf]`` goes into ``directory``."""
    return conf_path(name, directory, 'name', SysctlError)


def render(settings):
    """Text of the managed file for ``{canonical key: text}``."""
    lines = [HEADER]
    for key, value in settings.items():
        lines.append('%s = %s\n' % (key, value) if value else '%s =\n' % key)
    return ''.join(lines)


def parse(text):
    """Assignments in sysctl.d syntax -> list of ``(key, value)``; keys may be globs.

    Comments (``#``, ``;``), blank lines and lines without ``=`` are skipped, and a
    leading ``-`` (ignore failure) is dropped. Keys are returned in dotted form.
    """
    result = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#;' or '=' not in line:
            continue
        key, value = line.split('=', 1)
        key = key.strip()
        if key.startswith('-'):
            key = key[1:].strip()
        if not key:
            continue
        try:
            key = canonical_key(key)
        except SysctlError:
            # Globs and other patterns stay as written, with the same separator rule.
            if '/' in key and ('.' not in key or key.find('/') < key.find('.')):
                key = '.'.join(part.replace('.', '/') for part in key.split('/'))
        result.append((key, value.strip()))
    return result


def boot_files(search_dirs=SEARCH_DIRS):
    """``{file name: path}`` of the sysctl.d files applied at boot (earlier dirs mask later)."""
    found = {}
    for directory in search_dirs:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.endswith('.conf') and name not in found:
                found[name] = os.path.join(directory, name)
    return found


def find_overrides(path, settings, search_dirs=SEARCH_DIRS):
    """Assignments applied after ``path`` at boot that set one of ``settings`` differently.

    Returns a list of ``{key, value, file}``. A file outside the boot directories is
    not compared (it is not applied at boot by systemd-sysctl).
    """
    if os.path.dirname(path) not in search_dirs:
        return []
    own = os.path.basename(path)
    files = boot_files(search_dirs)
    result = []
    for name in sorted(files):
        if name <= own:
            continue
        try:
            with open(files[name], 'r') as handle:
                text = handle.read()
        except (IOError, OSError, UnicodeDecodeError):
            continue
        for pattern, value in parse(text):
            for key, wanted in settings.items():
                if fnmatch.fnmatchcase(key, pattern) and not values_equal(value, wanted):
                    result.append({'key': key, 'value': value, 'file': files[name]})
    return result


def plan(settings, current, apply=True):
    """Decide what to do at runtime.

    ``settings`` is ``{key: wanted}``, ``current`` is ``{key: runtime value or None}``.
    Returns ``(to_apply, missing)``: keys whose runtime value differs (only when
    ``apply``) and keys the kernel does not have, each in the order of ``settings``.
    """
    missing = [key for key in settings if current.get(key) is None]
    to_apply = []
    if apply:
        to_apply = [key for key in settings
                    if current.get(key) is not None and not values_equal(current[key], settings[key])]
    return to_apply, missing


def runtime_diff(keys, before, after):
    """A diff entry (``before``/``after`` text) for the runtime values of ``keys``."""
    def text(values):
        return ''.join('%s = %s\n' % (key, values.get(key)) for key in keys)
    return {'before_header': 'runtime (%s)' % PROC_SYS, 'after_header': 'runtime (%s)' % PROC_SYS,
            'before': text(before), 'after': text(after)}
