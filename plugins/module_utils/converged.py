# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a host already is what a role's tasks would make it, for the lvs.cluster.converged module.

A rerun of a role costs one module call per task and host, seconds each on a slow host. The roles
first ask this module, in one call, whether every task would find nothing to do, and skip them
when so. Each check below makes the same decision as the task it stands for (the sysctl and
kernel_module checks call the very functions those modules decide with); whatever it cannot
decide counts as a difference, so that a doubtful host always gets the full run.

Every ``check_*`` function returns a list of differences, one human-readable line each; an empty
list means the tasks it stands for would report no change.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import hashlib
import os
import pwd
import re
import stat

from ansible.module_utils.common.text.converters import to_bytes
from ansible_collections.lvs.cluster.plugins.module_utils import files
from ansible_collections.lvs.cluster.plugins.module_utils import kmod
from ansible_collections.lvs.cluster.plugins.module_utils import sysctl

# A package name the check can look up as it is (no version, release or architecture suffix).
_PLAIN_PACKAGE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9.+_-]*$')


def parse_mode(mode):
    """Mode given as an octal string ("0644") -> int; anything else -> None (undecidable)."""
    if isinstance(mode, str) and re.match(r'^0?[0-7]{3,4}$', mode):
        return int(mode, 8)
    return None


def _name(lookup, number):
    """The user or group name of ``number`` (pwd.getpwuid / grp.getgrgid), or the number itself."""
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def _owner_differences(path, st, owner, group):
    found = []
    name = _name(pwd.getpwuid, st.st_uid)
    if owner is not None and name != owner:
        found.append('%s is owned by %s, not %s' % (path, name, owner))
    gname = _name(grp.getgrgid, st.st_gid)
    if group is not None and gname != group:
        found.append('%s has group %s, not %s' % (path, gname, group))
    return found


def _attribute_differences(path, st, entry):
    mode = parse_mode(entry.get('mode'))
    found = []
    if mode is None:
        found.append('%s: mode %r is not an octal string' % (path, entry.get('mode')))
    elif stat.S_IMODE(st.st_mode) != mode:
        found.append('%s has mode %04o, not %04o' % (path, stat.S_IMODE(st.st_mode), mode))
    return found + _owner_differences(path, st, entry.get('owner'), entry.get('group'))


def file_checksum(path):
    """SHA-1 of a file's bytes (what the copy and template modules compare)."""
    digest = hashlib.sha1()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(65536), b''):
            digest.update(block)
    return digest.hexdigest()


def content_checksum(content):
    """SHA-1 of a text as written to a file (UTF-8), to compare with file_checksum."""
    return hashlib.sha1(to_bytes(content)).hexdigest()


def _existing(path, is_kind, noun, found):
    """lstat of ``path`` when it exists and ``is_kind(st_mode)``; else None, with the difference."""
    try:
        st = os.lstat(path)
    except OSError:
        found.append('%s does not exist' % path)
        return None
    if not is_kind(st.st_mode):
        found.append('%s is not a %s' % (path, noun))
        return None
    return st


def check_file(entry):
    """One regular file with the given SHA-1 checksum, mode, owner and group (copy, template)."""
    found = []
    path = entry['path']
    st = _existing(path, stat.S_ISREG, 'regular file', found)
    if st is None:
        return found
    try:
        checksum = file_checksum(path)
    except (IOError, OSError) as exc:
        return ['%s cannot be read: %s' % (path, exc)]
    if checksum != entry['checksum']:
        found.append('%s has other content' % path)
    return found + _attribute_differences(path, st, entry)


def check_directories(directories):
    """Directories with the given mode, owner and group (file state=directory)."""
    found = []
    for entry in directories:
        st = _existing(entry['path'], stat.S_ISDIR, 'directory', found)
        if st is not None:
            found.extend(_attribute_differences(entry['path'], st, entry))
    return found


def check_absent(paths):
    """Paths that must not exist (file state=absent)."""
    return ['%s exists' % path for path in paths if os.path.lexists(path)]


def check_users(users):
    """Users that exist with the given login shell (user state=present, shell=...)."""
    found = []
    for entry in users:
        try:
            account = pwd.getpwnam(entry['name'])
        except KeyError:
            found.append('user %s does not exist' % entry['name'])
            continue
        if entry.get('shell') is not None and account.pw_shell != entry['shell']:
            found.append('user %s has the shell %s, not %s' % (entry['name'], account.pw_shell, entry['shell']))
    return found


def check_kernel_modules(names, persist, proc_modules=kmod.PROC_MODULES, sys_module=kmod.SYS_MODULE,
                         modules_load_d=kmod.MODULES_LOAD_D, modules_builtin=None):
    """What lvs.cluster.kernel_module would do with ``name`` and ``persist``: load or write."""
    try:
        wanted = kmod.canonical_names(names)
        path = kmod.file_path(persist, modules_load_d)
    except kmod.KmodError as exc:
        return [str(exc)]
    found = ['kernel module %s is not loaded' % name
             for name in kmod.plan(wanted, kmod.present_modules(wanted, proc_modules, sys_module, modules_builtin))]
    found.extend(_conf_file_differences(path, kmod.render(wanted)))
    return found


def check_sysctl(settings, name, proc_sys=sysctl.PROC_SYS, sysctl_d=sysctl.SYSCTL_D,
                 search_dirs=sysctl.SEARCH_DIRS):
    """What lvs.cluster.sysctl would do with ``settings`` and ``name``: set, write or warn."""
    try:
        path = sysctl.file_path(name, sysctl_d)
        wanted = sysctl.normalize_settings(settings)
        current = sysctl.read_values(wanted, proc_sys)
    except sysctl.SysctlError as exc:
        return [str(exc)]
    to_apply, missing = sysctl.plan(wanted, current)
    found = ['%s is %s, not %s' % (key, current[key], wanted[key]) for key in to_apply]
    found.extend('the kernel has no %s' % key for key in missing)
    found.extend(_conf_file_differences(path, sysctl.render(wanted)))
    # The sysctl module warns about these on every run: let it.
    found.extend('%s sets %s = %s after %s' % (item['file'], item['key'], item['value'], path)
                 for item in sysctl.find_overrides(path, wanted, search_dirs))
    return found


def _conf_file_differences(path, text):
    """A *.conf file the sysctl and kernel_module modules write (FILE_MODE); None: must not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return [] if text is None else ['%s does not exist' % path]
    if text is None:
        return ['%s exists' % path]
    try:
        with open(path, 'r') as handle:
            old = handle.read()
    except (IOError, OSError, UnicodeDecodeError) as exc:
        return ['%s cannot be read: %s' % (path, exc)]
    if old != text:
        return ['%s has other content' % path]
    if files.mode_wrong(path, old, text):
        return ['%s has mode %04o, not %04o' % (path, stat.S_IMODE(st.st_mode), files.FILE_MODE)]
    return []


def package_command(names, dpkg_query=None, rpm=None):
    """The argv that lists which of ``names`` are installed, or None when no tool can tell."""
    if dpkg_query:
        return [dpkg_query, '-W', '-f=${Package}\\t${db:Status-Status}\\n', '--'] + list(names)
    if rpm:
        return [rpm, '-q', '--qf', '%{NAME}\\tinstalled\\n', '--'] + list(names)
    return None


def parse_installed(output):
    """Names that ``package_command``'s output reports installed (dpkg-query or rpm)."""
    installed = set()
    for line in output.splitlines():
        parts = line.split('\t')
        if len(parts) == 2 and parts[1].strip() == 'installed':
            installed.add(parts[0].strip())
    return installed


def check_packages(names, run, dpkg_query=None, rpm=None):
    """Packages that are installed (package state=present). ``run(argv)`` -> (rc, stdout, stderr)."""
    if not names:
        return []
    odd = [name for name in names if not _PLAIN_PACKAGE.match(name)]
    if odd:
        return ['package %s is not a plain name this check can look up' % name for name in odd]
    argv = package_command(names, dpkg_query, rpm)
    if argv is None:
        return ['neither dpkg-query nor rpm is installed to check packages']
    # Both tools exit non-zero when a name is not installed; the output still lists the others.
    rc, out, err = run(argv)
    installed = parse_installed(out)
    return ['package %s is not installed' % name for name in names if name not in installed]


def check_services(names, run, systemctl=None):
    """Units that are enabled and active (systemd_service enabled=true state=started)."""
    if not names:
        return []
    if not systemctl:
        return ['systemctl is not installed']
    found = []
    for verb, wanted in (('is-enabled', 'enabled'), ('is-active', 'active')):
        rc, out, err = run([systemctl, verb, '--'] + list(names))
        states = [line.strip() for line in out.splitlines()]
        if len(states) != len(names):
            # systemctl stops at a unit it cannot look up: no line can be matched to a unit then.
            states = ['unknown'] * len(names)
        for name, state in zip(names, states):
            if state != wanted:
                found.append('%s is %s, not %s' % (name, state, wanted))
    return found
