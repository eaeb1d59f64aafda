# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel modules for the lvs.cluster.kernel_module module.

A module counts as present when ``/proc/modules`` lists it (loaded), when
``/sys/module/NAME`` exists (loaded, or built in with parameters) or when the
kernel's ``modules.builtin`` names it. ``/proc/modules`` and ``/sys/module`` show
the running kernel, also inside a container that shares the host's kernel.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

from ansible_collections.lvs.cluster.plugins.module_utils.files import conf_path

PROC_MODULES = '/proc/modules'
SYS_MODULE = '/sys/module'
MODULES_LOAD_D = '/etc/modules-load.d'
HEADER = '# Managed by Ansible (lvs.cluster.kernel_module). Local changes will be overwritten.\n'

_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]*$')


class KmodError(ValueError):
    """A module name or file that cannot be handled; the message says which."""


def canonical_name(name):
    """Kernel module name with dashes as underscores, as /proc/modules prints it."""
    if not isinstance(name, str) or not _NAME.match(name.strip()):
        raise KmodError('%r is not a kernel module name (letters, digits, _ and -)' % (name,))
    return name.strip().replace('-', '_')


def canonical_names(names):
    """Canonical names in the given order, duplicates dropped."""
    result = []
    for name in names:
        name = canonical_name(name)
        if name not in result:
            result.append(name)
    return result


def parse_proc_modules(text):
    """Names in the text of /proc/modules (first field of each line)."""
    names = set()
    for line in text.splitlines():
        fields = line.split()
        if fields:
            names.add(fields[0].replace('-', '_'))
    return names


def parse_modules_builtin(text):
    """Names in modules.builtin (``kernel/net/ipv4/ipip.ko`` -> ``ipip``)."""
    names = set()
    for line in text.splitlines():
        line = line.strip()
        if line.endswith('.ko'):
            names.add(os.path.basename(line)[:-3].replace('-', '_'))
    return names


def _read(path):
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except (IOError, OSError):
        return ''


def builtin_path(release=None):
    """modules.builtin of the running kernel."""
    if release is None:
        release = os.uname()[2]
    return os.path.join('/lib/modules', release, 'modules.builtin')


def present_modules(names, proc_modules=PROC_MODULES, sys_module=SYS_MODULE, modules_builtin=None):
    """The subset of ``names`` (canonical) the running kernel has, loaded or built in."""
    loaded = parse_proc_modules(_read(proc_modules))
    builtin = None
    result = []
    for name in names:
        if name in loaded or os.path.isdir(os.path.join(sys_module, name)):
            result.append(name)
            continue
        if builtin is None:
            builtin = parse_modules_builtin(_read(modules_builtin or builtin_path()))
        if name in builtin:
            result.append(name)
    return result


def file_path(name, directory=MODULES_LOAD_D):
    """Absolute path of the modules-load.d file: a bare ``NAME[.conf]`` goes into ``directory``."""
    return conf_path(name, directory, 'persist', KmodError)


def render(names):
    """Text of the modules-load.d file listing ``names``; None when there is nothing to list."""
    if not names:
        return None
    return HEADER + ''.join('%s\n' % name for name in names)


def plan(names, present):
    """Modules of ``names`` to load: those not in ``present``, in the given order."""
    have = set(present)
    return [name for name in names if name not in have]
