# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a role's small generated files and their directories in one module call: decide what
differs (the same checks as lvs.cluster.converged), validate every new content, then change."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import os
import pwd
import shlex
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.lvs.cluster.plugins.module_utils import converged as checks


def ids(entry):
    """(uid, gid) of the entry's owner and group names; KeyError names the unknown one."""
    try:
        uid = pwd.getpwnam(entry['owner']).pw_uid
    except KeyError:
        raise KeyError('%s: no user %s' % (entry['path'], entry['owner']))
    try:
        gid = grp.getgrnam(entry['group']).gr_gid
    except KeyError:
        raise KeyError('%s: no group %s' % (entry['path'], entry['group']))
    return uid, gid


def plan(directories, files):
    """(directories, files) that differ, each a list of (entry, differences), in the order given."""
    dirs = [(entry, checks.check_directories([entry])) for entry in directories]
    found = []
    for entry in files:
        wanted = dict(entry, checksum=checks.content_checksum(entry['content']))
        found.append((entry, checks.check_file(wanted)))
    return [item for item in dirs if item[1]], [item for item in found if item[1]]


def problems(directories, files, check_mode=False):
    """Input errors found before anything is touched: a mode that is not octal, an unknown owner
    or group (not in check mode, where an earlier task may only have pretended to create it)."""
    found = []
    for entry in list(directories) + list(files):
        if checks.parse_mode(entry['mode']) is None:
            found.append('%s: mode %r is not an octal string such as "0644"' % (entry['path'], entry['mode']))
        try:
            ids(entry)
        except KeyError as exc:
            if not check_mode:
                found.append(exc.args[0])
    return found


def validate(run, entry):
    """Run the entry's validate command (%s: a temporary file with the new content); an error or None."""
    command = entry.get('validate')
    if not command:
        return None
    if '%s' not in command:
        return '%s: validate must contain %%s (the file to check): %s' % (entry['path'], command)
    fd, tmp = tempfile.mkstemp(prefix='.lvs_validate_', suffix=os.path.basename(entry['path']))
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(entry['content']))
        argv = [tmp if word == '%s' else word.replace('%s', tmp) for word in shlex.split(command)]
        rc, out, err = run(argv)
    finally:
        os.unlink(tmp)
    if rc != 0:
        return '%s: %s failed (rc %s): %s' % (entry['path'], command, rc, (err or out).strip())
    return None


def _make_parents(path):
    """os.makedirs that leaves a directory made meanwhile by another process alone."""
    try:
        os.makedirs(path, 0o755)
    except OSError:
        if not os.path.isdir(path):
            raise


def make_directory(entry):
    """Create (with parents) or fix one directory's mode, owner and group."""
    path = entry['path']
    if not os.path.isdir(path):
        _make_parents(path)
    uid, gid = ids(entry)
    os.chown(path, uid, gid)
    os.chmod(path, checks.parse_mode(entry['mode']))


def write(atomic_move, entry):
    """Write the content beside the file, give it its mode, owner and group, move it into place."""
    path = entry['path']
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        _make_parents(directory)
    uid, gid = ids(entry)
    fd, tmp = tempfile.mkstemp(prefix='.ansible_lvs_', dir=directory)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(entry['content']))
        os.chown(tmp, uid, gid)
        os.chmod(tmp, checks.parse_mode(entry['mode']))
    except (IOError, OSError):
        os.unlink(tmp)
        raise
    atomic_move(tmp, path)
    # atomic_move copies an existing file's attributes onto the new one: set ours again
    os.chown(path, uid, gid)
    os.chmod(path, checks.parse_mode(entry['mode']))


def before_text(path):
    """The file's text for a diff ('' when missing or unreadable)."""
    try:
        with open(path, 'rb') as handle:
            return to_native(handle.read(), errors='surrogate_or_replace')
    except (IOError, OSError):
        return ''
