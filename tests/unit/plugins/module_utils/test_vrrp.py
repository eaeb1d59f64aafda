# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the VRRP state logic (module_utils/vrrp.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import vrrp

# What roles/director/files/libexec/lvs-vrrp-notify writes.
MASTER_FILE = 'state=MASTER\npriority=150\nsince=1700000000.250000000\nkind=INSTANCE\n'


@pytest.mark.parametrize('text, expected', [
    (MASTER_FILE, {'state': 'MASTER', 'priority': 150, 'since': 1700000000.25, 'kind': 'INSTANCE'}),
    ('state=backup\npriority=\n', {'state': 'BACKUP', 'priority': None, 'since': None, 'kind': None}),
    ('garbage\n', {'state': None, 'priority': None, 'since': None, 'kind': None}),
    ('state=FAULT\npriority=x\nsince=y\nkind=GROUP', {'state': 'FAULT', 'priority': None, 'since': None,
                                                      'kind': 'GROUP'}),
])
def test_parse_state(text, expected):
    assert vrrp.parse_state(text) == expected


def test_read_states_skips_temporary_files(tmp_path):
    (tmp_path / 'VI_1').write_text(MASTER_FILE)
    (tmp_path / '.VI_2.123').write_text('state=BACKUP\n')
    assert list(vrrp.read_states(str(tmp_path))) == ['VI_1']
    assert vrrp.read_states(str(tmp_path / 'missing')) == {}


@pytest.mark.parametrize('comm, pid_text, expected', [
    ('keepalived\n', '4242\n', 4242),
    ('nginx\n', '4242\n', None),
    ('keepalived\n', 'not a pid\n', None),
    (None, '4242\n', None),
])
def test_keepalived_pid(tmp_path, comm, pid_text, expected):
    proc = tmp_path / 'proc'
    (proc / '4242').mkdir(parents=True)
    if comm is not None:
        (proc / '4242' / 'comm').write_text(comm)
    pid_file = tmp_path / 'keepalived.pid'
    pid_file.write_text(pid_text)
    assert vrrp.keepalived_pid(str(pid_file), proc=str(proc)) == expected
    assert vrrp.keepalived_pid(str(tmp_path / 'none.pid'), proc=str(proc)) is None


def st(state):
    return {'state': state, 'priority': 100, 'since': 1.0, 'kind': 'INSTANCE'}


@pytest.mark.parametrize('running, states, expect, problems', [
    (True, {'VI_1': st('MASTER')}, {'VI_1': 'MASTER'}, []),
    (True, {'VI_1': st('BACKUP')}, {'VI_1': None}, []),
    (True, {'VI_1': st('BACKUP'), 'OTHER': st('FAULT')}, {'VI_1': 'BACKUP'}, []),
    (True, {'VI_1': st('BACKUP')}, {'VI_1': 'MASTER'}, ['VI_1 is BACKUP, expected MASTER']),
    (True, {'VI_1': st('FAULT')}, {'VI_1': None}, ['VI_1 is FAULT']),
    (True, {}, {'VI_1': 'BACKUP'}, ['VI_1: no VRRP state recorded yet']),
    (False, {'VI_1': st('MASTER')}, {'VI_1': 'MASTER'}, ['keepalived is not running']),
])
def test_assess(running, states, expect, problems):
    assert vrrp.assess(running, states, expect) == problems


def up(**instances):
    return {'reachable': True, 'running': True, 'instances': {k: st(v) for k, v in instances.items()}}


@pytest.mark.parametrize('directors, split, problems', [
    ({'dir1': up(VI_1='MASTER'), 'dir2': up(VI_1='BACKUP')}, [], []),
    ({'dir1': up(VI_1='MASTER'), 'dir2': up(VI_1='MASTER')}, ['VI_1'],
     ['SPLIT BRAIN: VI_1 is MASTER on dir1 and dir2 at once']),
    ({'dir1': up(VI_1='BACKUP'), 'dir2': up(VI_1='BACKUP')}, [], ['VI_1 has no MASTER']),
    ({'dir1': {'reachable': False}, 'dir2': up(VI_1='MASTER')}, [], ['dir1 could not be reached']),
    ({'dir1': {'reachable': True, 'running': False}, 'dir2': up(VI_1='MASTER')}, [],
     ['dir1: keepalived is not running']),
    ({'dir1': up(VI_1='MASTER', VI_2='BACKUP'), 'dir2': up(VI_1='FAULT', VI_2='MASTER')}, [],
     ['dir2: VI_1 is FAULT']),
])
def test_cluster_report(directors, split, problems):
    report = vrrp.cluster_report(directors)
    assert report['split_brain'] == split
    assert len(report['problems']) == len(problems)
    for have, want in zip(report['problems'], problems):
        assert have.startswith(want), have


def test_notify_hook_writes_what_parse_state_reads(tmp_path):
    hook = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'director', 'files',
                        'libexec', 'lvs-vrrp-notify')
    import subprocess
    rc = subprocess.call([hook, str(tmp_path), 'INSTANCE', 'VI_1', 'MASTER', '150'])
    assert rc == 0
    states = vrrp.read_states(str(tmp_path))
    assert states['VI_1']['state'] == 'MASTER' and states['VI_1']['priority'] == 150
    assert states['VI_1']['kind'] == 'INSTANCE' and states['VI_1']['since'] > 1.6e9
    assert sorted(os.listdir(str(tmp_path))) == ['VI_1']
    assert subprocess.call([hook, str(tmp_path), 'INSTANCE', '../evil', 'MASTER', '1'],
                           stderr=subprocess.DEVNULL) == 2
    assert sorted(os.listdir(str(tmp_path))) == ['VI_1']
