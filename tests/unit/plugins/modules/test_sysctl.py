# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.sysctl end to end against a temporary /proc/sys-like tree and sysctl.d dir."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.lvs.cluster.plugins.module_utils import sysctl as S
from ansible_collections.lvs.cluster.plugins.modules import sysctl as module

ARP = {'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2,
       'net.ipv4.conf.lo.arp_ignore': 1, 'net.ipv4.conf.lo.arp_announce': 2,
       'net.ipv4.conf.eth0/100.arp_ignore': 1, 'net.ipv4.conf.eth0/100.arp_announce': 2}
KERNEL = {'net.ipv4.conf.all.arp_ignore': '0\n', 'net.ipv4.conf.all.arp_announce': '0\n',
          'net.ipv4.conf.lo.arp_ignore': '0\n', 'net.ipv4.conf.lo.arp_announce': '0\n',
          'net.ipv4.conf.eth0/100.arp_ignore': '0\n', 'net.ipv4.conf.eth0/100.arp_announce': '1\n',
          'net.ipv4.ip_local_port_range': '32768\t60999\n'}


@pytest.fixture
def target(tmp_path, monkeypatch):
    """Point the module at a fake /proc/sys and /etc/sysctl.d; returns helpers."""
    proc = tmp_path / 'proc_sys'
    etc = tmp_path / 'sysctl.d'
    etc.mkdir()
    for key, text in KERNEL.items():
        path = S.proc_path(key, str(proc))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(text)
    monkeypatch.setattr(module, 'PROC_SYS', str(proc))
    monkeypatch.setattr(module, 'SYSCTL_D', str(etc))
    monkeypatch.setattr(module, 'SEARCH_DIRS', (str(etc),))

    class Target(object):
        sysctl_d = etc

        @staticmethod
        def proc(key):
            return S.read_value(key, str(proc))

        @staticmethod
        def snapshot():
            files = {}
            for root in (proc, etc):
                for dirpath, dummy, names in os.walk(str(root)):
                    for name in names:
                        path = os.path.join(dirpath, name)
                        with open(path) as handle:
                            files[path] = (handle.read(), os.stat(path).st_mode)
            return files
    return Target


def run(capsys, args, check=False, diff=False):
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_first_run_writes_file_and_runtime_then_is_idempotent(target, capsys):
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    assert not res.get('failed'), res
    assert res['changed'] is True and res['file_changed'] is True
    assert res['path'] == str(target.sysctl_d / '90-lvs.conf')
    assert res['before']['net.ipv4.conf.all.arp_ignore'] == '0'
    assert res['before']['net.ipv4.conf.eth0/100.arp_announce'] == '1'
    assert res['after'] == dict((k, str(v)) for k, v in ARP.items())
    assert res['applied'] == list(ARP)
    assert res['missing'] == []
    assert target.proc('net.ipv4.conf.eth0/100.arp_announce') == '2'
    path = target.sysctl_d / '90-lvs.conf'
    assert path.read_text() == S.HEADER + ''.join('%s = %s\n' % kv for kv in ARP.items())
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644

    again = run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    assert again['changed'] is False
    assert again['applied'] == [] and again['file_changed'] is False
    assert again['before'] == again['after'] == res['after']


def test_only_differing_keys_are_written(target, capsys):
    settings = {'net.ipv4.conf.all.arp_ignore': 0, 'net.ipv4.conf.lo.arp_ignore': 1,
                'net.ipv4.ip_local_port_range': '32768 60999'}
    res = run(capsys, {'name': '90-lvs.conf', 'settings': settings})
    assert res['applied'] == ['net.ipv4.conf.lo.arp_ignore']
    # Untouched: the kernel's tab-separated form is still in place.
    assert target.proc('net.ipv4.ip_local_port_range') == '32768\t60999'


def test_check_mode_predicts_and_touches_nothing(target, capsys):
    before = target.snapshot()
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP}, check=True, diff=True)
    assert res['changed'] is True and res['file_changed'] is True
    assert res['after'] == dict((k, str(v)) for k, v in ARP.items())
    assert res['applied'] == list(ARP)
    assert target.snapshot() == before
    file_diff, runtime = res['diff']
    assert file_diff['before'] == '' and 'net.ipv4.conf.lo.arp_announce = 2\n' in file_diff['after']
    assert 'net.ipv4.conf.all.arp_ignore = 0\n' in runtime['before']
    assert 'net.ipv4.conf.all.arp_ignore = 1\n' in runtime['after']


def test_check_mode_when_nothing_to_do(target, capsys):
    run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP}, check=True, diff=True)
    assert res['changed'] is False
    assert res['diff'] == []


def test_file_rewritten_when_only_the_file_differs(target, capsys):
    run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    (target.sysctl_d / '90-lvs.conf').write_text('net.ipv4.conf.all.arp_ignore = 1\n# edited\n')
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP}, diff=True)
    assert res['changed'] is True and res['file_changed'] is True and res['applied'] == []
    assert res['diff'][0]['before'] == 'net.ipv4.conf.all.arp_ignore = 1\n# edited\n'
    assert (target.sysctl_d / '90-lvs.conf').read_text().startswith(S.HEADER)


def test_wrong_mode_is_fixed(target, capsys):
    run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    path = str(target.sysctl_d / '90-lvs.conf')
    os.chmod(path, 0o600)
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    assert res['changed'] is True and res['file_changed'] is False
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_missing_key_fails_before_changing_anything(target, capsys):
    before = target.snapshot()
    settings = dict(ARP, **{'net.ipv4.conf.tunl0.rp_filter': 0})
    res = run(capsys, {'name': '90-lvs.conf', 'settings': settings})
    assert res['failed'] is True
    assert 'net.ipv4.conf.tunl0.rp_filter' in res['msg'] and 'ignore_missing' in res['msg']
    assert res['missing'] == ['net.ipv4.conf.tunl0.rp_filter']
    assert res['changed'] is False and res['file_changed'] is False and res['applied'] == []
    assert target.snapshot() == before


def test_ignore_missing_writes_the_file_and_applies_the_rest(target, capsys):
    settings = {'net.ipv4.conf.tunl0.rp_filter': 0, 'net.ipv4.conf.all.arp_ignore': 1}
    res = run(capsys, {'name': '90-lvs.conf', 'settings': settings, 'ignore_missing': True})
    assert not res.get('failed'), res
    assert res['missing'] == ['net.ipv4.conf.tunl0.rp_filter']
    assert res['applied'] == ['net.ipv4.conf.all.arp_ignore']
    assert res['after'] == {'net.ipv4.conf.tunl0.rp_filter': None, 'net.ipv4.conf.all.arp_ignore': '1'}
    assert 'net.ipv4.conf.tunl0.rp_filter = 0\n' in (target.sysctl_d / '90-lvs.conf').read_text()
    assert not os.path.exists(os.path.join(module.PROC_SYS, 'net/ipv4/conf/tunl0'))


def test_apply_false_writes_only_the_file(target, capsys):
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP, 'apply': False})
    assert res['changed'] is True and res['applied'] == []
    assert res['after'] == res['before']
    assert target.proc('net.ipv4.conf.all.arp_ignore') == '0'
    assert (target.sysctl_d / '90-lvs.conf').exists()


def test_kernel_refusal_fails_and_leaves_the_file_alone(target, capsys, monkeypatch):
    def refuse(key, value, proc_root):
        if key == 'net.ipv4.conf.lo.arp_ignore':
            raise S.SysctlError('setting %s to %r failed: Invalid argument' % (key, value))
        S.write_value(key, value, proc_root)
    monkeypatch.setattr(module, 'write_value', refuse)
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    assert res['failed'] is True and 'Invalid argument' in res['msg']
    assert not (target.sysctl_d / '90-lvs.conf').exists()
    # Keys the kernel took are reported as they are now, and as a change.
    assert res['after']['net.ipv4.conf.all.arp_ignore'] == '1'
    assert res['after']['net.ipv4.conf.lo.arp_ignore'] == '0'
    assert res['changed'] is True and res['file_changed'] is False
    assert 'net.ipv4.conf.lo.arp_ignore' not in res['applied']
    assert res['applied'][0] == 'net.ipv4.conf.all.arp_ignore'


def test_absent_removes_the_file_and_keeps_runtime(target, capsys):
    run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    res = run(capsys, {'name': '90-lvs.conf', 'state': 'absent'}, check=True)
    assert res['changed'] is True and (target.sysctl_d / '90-lvs.conf').exists()
    res = run(capsys, {'name': '90-lvs.conf', 'state': 'absent'})
    assert res['changed'] is True and not (target.sysctl_d / '90-lvs.conf').exists()
    assert target.proc('net.ipv4.conf.all.arp_ignore') == '1'
    res = run(capsys, {'name': '90-lvs.conf', 'state': 'absent'})
    assert res['changed'] is False


def test_override_by_a_later_file_is_reported(target, capsys):
    (target.sysctl_d / '99-local.conf').write_text('net.ipv4.conf.all.arp_ignore = 0\n')
    res = run(capsys, {'name': '90-lvs.conf', 'settings': ARP})
    assert res['overridden'] == [{'key': 'net.ipv4.conf.all.arp_ignore', 'value': '0',
                                  'file': str(target.sysctl_d / '99-local.conf')}]
    # ansible-core 2.19 returns warnings as structured events: search their text.
    assert 'which systemd-sysctl applies after' in json.dumps(res['warnings'])


@pytest.mark.parametrize('args, message', [
    ({'name': '90-lvs.conf'}, 'settings'),
    ({'name': 'sub/90-lvs.conf', 'settings': ARP}, 'bare file name'),
    ({'name': '90-lvs.conf', 'settings': {'net.ipv4.conf.*.rp_filter': 1}}, 'not allowed'),
    ({'name': '90-lvs.conf', 'settings': {'net.ipv4.ip_forward': [1]}}, 'must be a string'),
])
def test_bad_arguments(target, capsys, args, message):
    res = run(capsys, args)
    assert res['failed'] is True and message in res['msg']
    assert list(target.sysctl_d.iterdir()) == []
