# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a small config file and replace it atomically: shared by the sysctl and kernel_module modules."""

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
