# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/files.py (the sysctl and kernel_module modules' file writing) with a real
AnsibleModule: the cases their module tests leave open, found by tests/tools/mutate.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest
from ansible.module_utils import _internal
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.lvs.cluster.plugins.module_utils import files


@pytest.fixture
def module(monkeypatch):
    monkeypatch.setattr(_internal, 'is_controller', False)
    with patch_module_args({}):
        yield AnsibleModule(argument_spec={})


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_write_replaces_a_0600_file_with_a_0644_one(module, tmp_path, umask):
    """atomic_move keeps the mode of the file it replaces: the new text must still end up 0644."""
    path = tmp_path / 'lvs.conf'
    path.write_text('old\n')
    path.chmod(0o600)
    files.write_file(module, str(path), 'new\n')
    assert path.read_text() == 'new\n' and mode(path) == 0o644
    assert os.listdir(str(tmp_path)) == ['lvs.conf']


def test_write_creates_the_directory_0755(module, tmp_path, umask):
    path = tmp_path / 'modules-load.d' / 'lvs.conf'
    files.write_file(module, str(path), 'ip_vs\n')
    assert mode(path.parent) == 0o755 and mode(path) == 0o644


def test_write_failure_fails_the_module(module, tmp_path, capsys):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    with pytest.raises(SystemExit):
        files.write_file(module, str(blocker / 'sub' / 'lvs.conf'), 'x\n')
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] and result['msg'].startswith('cannot write %s/sub/lvs.conf: ' % blocker)


def test_read_failure_fails_the_module(module, tmp_path, capsys):
    assert files.read_file(module, str(tmp_path / 'missing.conf')) is None
    with pytest.raises(SystemExit):
        files.read_file(module, str(tmp_path))   # a directory: exists, cannot be read
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] and result['msg'].startswith('cannot read %s: ' % tmp_path)


@pytest.mark.parametrize('file_mode, wrong', [(0o644, False), (0o600, True), (0o645, True), (0o4644, True)])
def test_mode_wrong(tmp_path, file_mode, wrong):
    path = tmp_path / 'x.conf'
    path.write_text('a\n')
    os.chmod(str(path), file_mode)
    assert files.mode_wrong(str(path), 'a\n', 'a\n') is wrong
    assert files.mode_wrong(str(path), 'b\n', 'a\n') is False     # rewritten anyway
    assert files.mode_wrong(str(path), None, None) is False        # to be removed


@pytest.mark.parametrize('name', ['.', '..', 'a/b', ''])
def test_conf_path_rejects(name):
    with pytest.raises(ValueError):
        files.conf_path(name, '/etc/x.d', 'name', ValueError)
