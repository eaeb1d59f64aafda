# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.config_files as a module: it decides first, validates every new content, then
writes only what differs; check mode and a failing validation leave every file as it was."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import json
import os
import pwd
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args
from ansible_collections.lvs.cluster.plugins.modules import config_files as module
from ansible_collections.lvs.cluster.plugins.modules import converged

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name
OLD = u'[Service]\nExecStart=/bin/true\n'
NEW = u'[Service]\nExecStart=/bin/false\n# \u00e9\n'


def run(capsys, args, module_main=module.main):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module_main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def validations(monkeypatch):
    """Replays validation commands: a content holding BAD fails; returns what ran (argv and content)."""
    calls = []

    def run_command(self, argv, **kwargs):
        with open(argv[-1]) as handle:
            text = handle.read()
        calls.append((argv, text))
        return (1, '', 'bad line 1\n') if 'BAD' in text else (0, '', '')

    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    return calls


def entry(path, content, mode='0644', **extra):
    return dict(dict(path=str(path), content=content, mode=mode, owner=ME, group=MY_GROUP), **extra)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_writes_only_what_differs(tmp_path, capsys, validations):
    same = tmp_path / 'same.conf'
    same.write_text(OLD)
    same.chmod(0o644)
    other = tmp_path / 'other.conf'
    other.write_text(OLD)
    other.chmod(0o644)
    before = os.stat(str(same)).st_mtime_ns
    result = run(capsys, dict(files=[entry(same, OLD), entry(other, NEW, validate='check -f %s'),
                                     entry(tmp_path / 'new' / 'script', NEW, mode='0755')]))
    assert result['changed'] is True
    assert result['changed_files'] == [str(other), str(tmp_path / 'new' / 'script')]
    assert other.read_text() == NEW and mode_of(other) == 0o644
    assert (tmp_path / 'new' / 'script').read_text() == NEW and mode_of(tmp_path / 'new' / 'script') == 0o755
    assert os.stat(str(same)).st_mtime_ns == before
    assert [(argv[:2], text) for argv, text in validations] == [(['check', '-f'], NEW)]


def test_a_second_run_changes_nothing(tmp_path, capsys, validations):
    files = [entry(tmp_path / 'a.conf', NEW, validate='check %s'), entry(tmp_path / 'b', OLD, mode='0700')]
    directories = [dict(path=str(tmp_path / 'd'), mode='0750', owner=ME, group=MY_GROUP)]
    assert run(capsys, dict(files=files, directories=directories))['changed'] is True
    del validations[:]
    result = run(capsys, dict(files=files, directories=directories))
    assert result['changed'] is False and result['changed_files'] == [] and result['changed_directories'] == []
    assert validations == []


def test_a_mode_alone_is_a_change_and_keeps_the_content(tmp_path, capsys, validations):
    path = tmp_path / 'script'
    path.write_text(OLD)
    path.chmod(0o700)
    result = run(capsys, dict(files=[entry(path, OLD, mode='0755')]))
    assert result['changed_files'] == [str(path)]
    assert result['differences'] == ['%s has mode 0700, not 0755' % path]
    assert mode_of(path) == 0o755 and path.read_text() == OLD


def test_directories_are_created_and_fixed(tmp_path, capsys, validations):
    fixed = tmp_path / 'fixed'
    fixed.mkdir()
    fixed.chmod(0o700)
    made = tmp_path / 'a' / 'b'
    result = run(capsys, dict(directories=[dict(path=str(fixed), mode='0755', owner=ME, group=MY_GROUP),
                                           dict(path=str(made), mode='0750', owner=ME, group=MY_GROUP)]))
    assert result['changed_directories'] == [str(fixed), str(made)]
    assert mode_of(fixed) == 0o755 and mode_of(made) == 0o750


def test_a_failed_validation_leaves_every_file_as_it_was(tmp_path, capsys, validations):
    first = tmp_path / 'first.conf'
    first.write_text(OLD)
    second = tmp_path / 'second.conf'
    second.write_text(OLD)
    result = run(capsys, dict(directories=[dict(path=str(tmp_path / 'dir'), mode='0755', owner=ME, group=MY_GROUP)],
                              files=[entry(first, NEW, validate='check %s'), entry(second, 'BAD\n', validate='check %s')]))
    assert result['failed'] is True
    assert 'second.conf: check %s failed (rc 1): bad line 1' in result['msg']
    assert first.read_text() == OLD and second.read_text() == OLD
    assert not (tmp_path / 'dir').exists()


def test_validate_needs_the_placeholder(tmp_path, capsys, validations):
    result = run(capsys, dict(files=[entry(tmp_path / 'x.conf', NEW, validate='check')]))
    assert result['failed'] is True and 'validate must contain %s' in result['msg']
    assert not (tmp_path / 'x.conf').exists() and validations == []


def test_check_mode_decides_and_validates_but_writes_nothing(tmp_path, capsys, validations):
    path = tmp_path / 'a.conf'
    path.write_text(OLD)
    result = run(capsys, dict(files=[entry(path, NEW, validate='check %s'), entry(tmp_path / 'new.conf', NEW)],
                              directories=[dict(path=str(tmp_path / 'd'), mode='0755', owner=ME, group=MY_GROUP)],
                              _ansible_check_mode=True, _ansible_diff=True))
    assert result['changed'] is True
    assert result['changed_files'] == [str(path), str(tmp_path / 'new.conf')]
    assert path.read_text() == OLD and not (tmp_path / 'new.conf').exists() and not (tmp_path / 'd').exists()
    assert len(validations) == 1
    assert result['diff'][0] == dict(before_header=str(path), after_header=str(path), before=OLD, after=NEW)
    assert result['diff'][1]['before'] == ''


@pytest.mark.parametrize('bad, message', [
    (dict(mode='644x'), "mode '644x' is not an octal string"),
    (dict(owner='no-such-user-lvs'), 'no user no-such-user-lvs'),
    (dict(group='no-such-group-lvs'), 'no group no-such-group-lvs'),
])
def test_bad_input_fails_before_anything_is_written(tmp_path, capsys, validations, bad, message):
    good = tmp_path / 'good.conf'
    result = run(capsys, dict(files=[entry(good, NEW), dict(entry(tmp_path / 'bad.conf', NEW), **bad)]))
    assert result['failed'] is True and message in result['msg']
    assert not good.exists() and not (tmp_path / 'bad.conf').exists()


def test_converged_compares_the_same_list(tmp_path, capsys, validations, monkeypatch):
    """lvs.cluster.converged accepts the list config_files writes (content and validate) and
    finds it converged after a write: the roles pass one list to both."""
    files = [entry(tmp_path / 'a.conf', NEW, validate='check %s')]
    run(capsys, dict(files=files))
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: None)
    result = run(capsys, dict(files=files), converged.main)
    assert result['converged'] is True, result
    (tmp_path / 'a.conf').write_text(OLD)
    result = run(capsys, dict(files=files), converged.main)
    assert result['differing_files'] == [str(tmp_path / 'a.conf')]
    assert NEW not in json.dumps(result)


def test_check_mode_accepts_an_owner_an_earlier_task_would_create(tmp_path, capsys, validations):
    """In check mode the user task before it only pretends: a fresh host's run must not fail."""
    result = run(capsys, dict(directories=[dict(path=str(tmp_path / 'state'), mode='0755', owner='no-such-user-lvs',
                                                group='no-such-group-lvs')], _ansible_check_mode=True))
    assert result.get('failed') is not True and result['changed_directories'] == [str(tmp_path / 'state')]
    assert not (tmp_path / 'state').exists()
