# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.converged as a module: options in, converged and differences out, nothing changed."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import hashlib
import json
import os
import pwd

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args
from ansible_collections.lvs.cluster.plugins.modules import converged as module

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name
CONTENT = b'[Service]\nExecStart=/bin/true\n'


@pytest.fixture
def target(tmp_path, monkeypatch):
    """A unit file, a directory, and dpkg-query / systemctl replaying lab output (all installed,
    enabled and active); returns the list of commands the module ran."""
    unit = tmp_path / 'lvs.service'
    unit.write_bytes(CONTENT)
    unit.chmod(0o644)
    calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        return {'dpkg-query': '/usr/bin/dpkg-query', 'systemctl': '/usr/bin/systemctl'}.get(name)

    def run_command(self, argv, **kwargs):
        calls.append(argv)
        if argv[0].endswith('dpkg-query'):
            return 0, ''.join('%s\tinstalled\n' % name for name in argv[4:]), ''
        return 0, ('enabled\n' if argv[1] == 'is-enabled' else 'active\n') * (len(argv) - 3), ''

    monkeypatch.setattr(AnsibleModule, 'get_bin_path', get_bin_path)
    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    return calls


def run(capsys, args):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def args(tmp_path, **extra):
    result = dict(
        packages=['keepalived', 'ipvsadm'],
        files=[dict(path=str(tmp_path / 'lvs.service'), checksum=hashlib.sha1(CONTENT).hexdigest(), mode='0644',
                    owner=ME, group=MY_GROUP)],
        directories=[dict(path=str(tmp_path), mode='%04o' % (os.stat(str(tmp_path)).st_mode & 0o7777),
                          owner=ME, group=MY_GROUP)],
        absent=[str(tmp_path / 'gone.conf')],
        services=['keepalived.service'],
    )
    result.update(extra)
    return result


def test_converged(target, tmp_path, capsys):
    result = run(capsys, args(tmp_path))
    assert result['converged'] is True and result['changed'] is False
    assert result['differences'] == []
    assert [argv[:2] for argv in target] == [
        ['/usr/bin/dpkg-query', '-W'], ['/usr/bin/systemctl', 'is-enabled'], ['/usr/bin/systemctl', 'is-active']]


def test_each_difference_is_listed_and_nothing_changes(target, tmp_path, capsys):
    (tmp_path / 'gone.conf').write_text('x')
    (tmp_path / 'lvs.service').chmod(0o600)
    result = run(capsys, args(tmp_path, users=[dict(name='no-such-user-lvs')]))
    assert result['converged'] is False and result['changed'] is False
    assert result['differences'] == [
        'user no-such-user-lvs does not exist',
        '%s has mode 0600, not 0644' % (tmp_path / 'lvs.service'),
        '%s exists' % (tmp_path / 'gone.conf'),
    ]
    assert (tmp_path / 'gone.conf').exists() and os.stat(str(tmp_path / 'lvs.service')).st_mode & 0o777 == 0o600


def test_checksums_stay_out_of_the_result(target, tmp_path, capsys):
    result = run(capsys, args(tmp_path))
    assert hashlib.sha1(CONTENT).hexdigest() not in json.dumps(result)


def test_check_mode_reads_the_same(target, tmp_path, capsys):
    result = run(capsys, dict(args(tmp_path), _ansible_check_mode=True))
    assert result['converged'] is True


def test_a_changed_file_alone_is_named_and_files_only(target, tmp_path, capsys):
    """The roles run only the task that writes a file when it is all that differs
    (director_conf_only, real_server_conf_only)."""
    (tmp_path / 'lvs.service').write_bytes(b'[Service]\nExecStart=/bin/false\n')
    result = run(capsys, args(tmp_path))
    assert result['converged'] is False
    assert result['differing_files'] == [str(tmp_path / 'lvs.service')]
    assert result['files_only'] is True
    assert result['differences'] == ['%s has other content' % (tmp_path / 'lvs.service')]


@pytest.mark.parametrize('other', ['absent', 'user', 'directory'])
def test_a_changed_file_and_anything_else_is_not_files_only(target, tmp_path, capsys, other):
    (tmp_path / 'lvs.service').chmod(0o600)
    extra = {}
    if other == 'absent':
        (tmp_path / 'gone.conf').write_text('x')
    elif other == 'user':
        extra['users'] = [dict(name='no-such-user-lvs')]
    else:
        os.chmod(str(tmp_path), 0o700)
        extra['directories'] = [dict(path=str(tmp_path), mode='0755', owner=ME, group=MY_GROUP)]
    result = run(capsys, args(tmp_path, **extra))
    assert result['differing_files'] == [str(tmp_path / 'lvs.service')]
    assert result['files_only'] is False
    assert len(result['differences']) == 2


def test_converged_names_no_file(target, tmp_path, capsys):
    result = run(capsys, args(tmp_path))
    assert result['differing_files'] == [] and result['files_only'] is False
