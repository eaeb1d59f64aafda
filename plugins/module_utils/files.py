# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locate, read and atomically replace a small *.conf file: shared by the sysctl and kernel_module modules."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_native

FILE_MODE = 0o644


def read_file(module, path):
    """The file's text, or None when it does not exist; fails the module on a read error."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except (IOError, OSError, UnicodeDecodeError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (path, to_native(exc)))


def write_file(module, path, text, prefix='.ansible_lvs_'):
    """Write ``text`` to a temporary file beside ``path`` and move it into place (mode 0644)."""
    directory = os.path.dirname(path)
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o755)
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix='.conf', dir=directory)
        with os.fdopen(fd, 'w') as handle:
            handle.write(text)
        os.chmod(tmp, FILE_MODE)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot write %s: %s' % (path, to_native(exc)))
    module.atomic_move(tmp, path)
    # atomic_move gives a new file the mode of the umask; the file is world-readable.
    os.chmod(path, FILE_MODE)


def mode_wrong(path, old_text, new_text):
    """Whether a managed file that already holds its text (``old_text == new_text``, not None)
    lacks FILE_MODE: the one attribute the sysctl and kernel_module modules enforce besides it."""
    return new_text is not None and old_text == new_text and (os.stat(path).st_mode & 0o7777) != FILE_MODE


def conf_path(name, directory, option, error):
    """Absolute path of a systemd-style drop-in: a bare ``NAME[.conf]`` goes into ``directory``.

    ``option`` names the module option in messages; ``error`` is the exception class raised.
    """
    if not name or not isinstance(name, str):
        raise error('%s must be a file name or an absolute path' % option)
    if os.path.isabs(name):
        if name.endswith('/'):
            raise error('%s %r is a directory, not a file' % (option, name))
        return os.path.normpath(name)
    if '/' in name or name in ('.', '..'):
        raise error('%s %r must be a bare file name (in %s) or an absolute path' % (option, name, directory))
    if not name.endswith('.conf'):
        # systemd only reads *.conf files
        name += '.conf'
    return os.path.join(directory, name)
