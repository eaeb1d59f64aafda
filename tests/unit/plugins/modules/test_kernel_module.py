# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.kernel_module: parsing, decisions, and the module against a fake kernel."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args
from ansible_collections.lvs.cluster.plugins.module_utils import kmod
from ansible_collections.lvs.cluster.plugins.modules import kernel_module as module

# /proc/modules in the kernel's format (name size refcount users state address); the
# address is 0 for readers without CAP_SYSLOG, as in a container.
PROC_MODULES = """\
ip_vs_wlc 12288 1 - Live 0x0000000000000000
ip_vs_rr 12288 0 - Live 0x0000000000000000
ip_vs 200704 5 ip_vs_wlc,ip_vs_rr, Live 0x0000000000000000
nf_conntrack 188416 3 ip_vs,nf_nat,nf_conntrack_netlink, Live 0x0000000000000000
nf_defrag_ipv6 24576 2 ip_vs,nf_conntrack, Live 0x0000000000000000
libcrc32c 12288 3 ip_vs,nf_nat,nf_conntrack, Live 0x0000000000000000
virtio_net 73728 0 - Live 0x0000000000000000
"""

MODULES_BUILTIN = """\
kernel/fs/ext4/ext4.ko
kernel/net/ipv4/tunnel4.ko
kernel/drivers/net/dummy-hcd.ko
"""


@pytest.mark.parametrize('text, names', [
    (PROC_MODULES, {'ip_vs_wlc', 'ip_vs_rr', 'ip_vs', 'nf_conntrack', 'nf_defrag_ipv6', 'libcrc32c',
                    'virtio_net'}),
    ('', set()),
    ('\n\n', set()),
    ('ipip 32768 0 - Loading 0xffffffffc0a00000\n', {'ipip'}),
])
def test_parse_proc_modules(text, names):
    assert kmod.parse_proc_modules(text) == names


def test_parse_modules_builtin():
    assert kmod.parse_modules_builtin(MODULES_BUILTIN) == {'ext4', 'tunnel4', 'dummy_hcd'}


@pytest.mark.parametrize('name, canonical', [
    ('ip_vs', 'ip_vs'), ('ip-vs-wlc', 'ip_vs_wlc'), (' ipip ', 'ipip'), ('nf_conntrack', 'nf_conntrack'),
])
def test_canonical_name(name, canonical):
    assert kmod.canonical_name(name) == canonical


@pytest.mark.parametrize('name', ['', 'ip vs', '../ipip', '-r', 'ip_vs;reboot', None, 3])
def test_bad_names(name):
    with pytest.raises(kmod.KmodError):
        kmod.canonical_name(name)


def test_canonical_names_drop_duplicates_keep_order():
    assert kmod.canonical_names(['ip_vs_wlc', 'ip_vs', 'ip-vs-wlc', 'ip_vs']) == ['ip_vs_wlc', 'ip_vs']


@pytest.mark.parametrize('names, present, to_load', [
    (['ip_vs', 'ip_vs_wlc'], ['ip_vs', 'ip_vs_wlc'], []),
    (['ip_vs', 'ip_vs_sh', 'ip_vs_wlc'], ['ip_vs'], ['ip_vs_sh', 'ip_vs_wlc']),
    (['ipip'], [], ['ipip']),
    ([], [], []),
])
def test_plan(names, present, to_load):
    assert kmod.plan(names, present) == to_load


@pytest.fixture
def kernel(tmp_path):
    """A fake kernel: /proc/modules, /sys/module and modules.builtin in a temp dir."""
    proc = tmp_path / 'modules'
    proc.write_text(PROC_MODULES)
    sysmod = tmp_path / 'sys_module'
    sysmod.mkdir()
    for name in ('ip_vs', 'ip_vs_wlc', 'ip_vs_rr', 'nf_conntrack', 'ipv6'):  # ipv6 built in, has params
        (sysmod / name).mkdir()
    builtin = tmp_path / 'modules.builtin'
    builtin.write_text(MODULES_BUILTIN)
    return str(proc), str(sysmod), str(builtin)


@pytest.mark.parametrize('names, present', [
    (['ip_vs', 'ip_vs_rr'], ['ip_vs', 'ip_vs_rr']),       # loaded
    (['ipv6'], ['ipv6']),                                 # built in, seen in /sys/module
    (['tunnel4', 'ext4'], ['tunnel4', 'ext4']),           # built in, only in modules.builtin
    (['ipip', 'ip_vs_sh', 'ip_vs'], ['ip_vs']),
])
def test_present_modules(kernel, names, present):
    assert kmod.present_modules(names, *kernel) == present


def test_present_modules_without_proc_modules(tmp_path):
    # A kernel without module support has no /proc/modules at all.
    sysmod = tmp_path / 'sys_module'
    (sysmod / 'ipv6').mkdir(parents=True)
    assert kmod.present_modules(['ipv6', 'ip_vs'], str(tmp_path / 'none'), str(sysmod),
                                str(tmp_path / 'none.builtin')) == ['ipv6']


@pytest.mark.parametrize('names, text', [
    (['ip_vs', 'ip_vs_wlc'], kmod.HEADER + 'ip_vs\nip_vs_wlc\n'),
    ([], None),
])
def test_render(names, text):
    assert kmod.render(names) == text


@pytest.mark.parametrize('name, path', [
    ('lvs-director.conf', '/etc/modules-load.d/lvs-director.conf'),
    ('/srv/x.conf', '/srv/x.conf'),
    ('lvs-cluster-director', '/etc/modules-load.d/lvs-cluster-director.conf'),
])
def test_file_path(name, path):
    assert kmod.file_path(name) == path


@pytest.mark.parametrize('name', ['a/b.conf', '', '..', '/etc/modules-load.d/', None])
def test_file_path_rejects(name):
    with pytest.raises(kmod.KmodError):
        kmod.file_path(name)


class FakeModprobe(object):
    """Stands in for modprobe: records calls and 'loads' modules into the fake /proc/modules."""

    def __init__(self, proc, available=True, rc=0, stderr='', loads=True):
        self.proc, self.available, self.rc, self.stderr, self.loads = proc, available, rc, stderr, loads
        self.calls = []

    def get_bin_path(self, name, required=False, opt_dirs=None):
        assert name == 'modprobe'
        return '/sbin/modprobe' if self.available else None

    def run_command(self, args, environ_update=None, **kwargs):
        self.calls.append((list(args), dict(environ_update or {})))
        if self.rc == 0 and self.loads:
            with open(self.proc, 'a') as handle:
                for name in args[2:]:
                    handle.write('%s 16384 0 - Live 0x0000000000000000\n' % name)
        return self.rc, '', self.stderr


@pytest.fixture
def target(tmp_path, kernel, monkeypatch):
    proc, sysmod, builtin = kernel
    load_d = tmp_path / 'modules-load.d'
    monkeypatch.setattr(module, 'PROC_MODULES', proc)
    monkeypatch.setattr(module, 'SYS_MODULE', sysmod)
    monkeypatch.setattr(module, 'MODULES_BUILTIN', builtin)
    monkeypatch.setattr(module, 'MODULES_LOAD_D', str(load_d))

    def install(**kwargs):
        fake = FakeModprobe(proc, **kwargs)
        monkeypatch.setattr(AnsibleModule, 'get_bin_path', fake.get_bin_path)
        monkeypatch.setattr(AnsibleModule, 'run_command', fake.run_command)
        return fake
    install.load_d = load_d
    return install


def run(capsys, args, check=False, diff=False):
    args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


def test_all_present_no_modprobe_and_file_written(target, capsys):
    # Also what a container sharing the host's kernel sees: no modprobe needed.
    fake = target(available=False)
    res = run(capsys, {'name': ['ip_vs', 'ip-vs-wlc'], 'persist': 'lvs-director'})
    assert not res.get('failed'), res
    assert fake.calls == []
    assert res['present'] == ['ip_vs', 'ip_vs_wlc'] and res['loaded'] == []
    assert res['changed'] is True and res['file_changed'] is True
    path = target.load_d / 'lvs-director.conf'
    assert path.read_text() == kmod.HEADER + 'ip_vs\nip_vs_wlc\n'
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o644
    again = run(capsys, {'name': ['ip_vs', 'ip_vs_wlc'], 'persist': 'lvs-director'})
    assert again['changed'] is False and fake.calls == []


def test_only_missing_modules_are_loaded_in_one_call(target, capsys):
    fake = target()
    res = run(capsys, {'name': ['ip_vs', 'ip_vs_sh', 'ip_vs_wlc', 'ip_vs_mh'], 'persist': 'lvs-director'})
    assert not res.get('failed'), res
    assert res['loaded'] == ['ip_vs_sh', 'ip_vs_mh'] and res['changed'] is True
    assert len(fake.calls) == 1
    args, env = fake.calls[0]
    assert args == ['/sbin/modprobe', '-a', 'ip_vs_sh', 'ip_vs_mh']
    assert env['LC_ALL'] == 'C'
    again = run(capsys, {'name': ['ip_vs', 'ip_vs_sh', 'ip_vs_wlc', 'ip_vs_mh'], 'persist': 'lvs-director'})
    assert again['changed'] is False and again['loaded'] == [] and len(fake.calls) == 1


def test_check_mode_reports_without_loading_or_writing(target, capsys):
    fake = target()
    res = run(capsys, {'name': ['ipip'], 'persist': 'lvs-real-server.conf'}, check=True, diff=True)
    assert res['changed'] is True and res['loaded'] == ['ipip'] and res['file_changed'] is True
    assert fake.calls == []
    assert not target.load_d.exists()
    assert res['diff']['before'] == '' and res['diff']['after'] == kmod.HEADER + 'ipip\n'


def test_missing_without_modprobe_fails_clearly(target, capsys):
    fake = target(available=False)
    res = run(capsys, {'name': ['ipip'], 'persist': 'lvs-real-server.conf'})
    assert res['failed'] is True
    assert 'ipip' in res['msg'] and 'modprobe is not installed' in res['msg'] and 'host' in res['msg']
    assert res['changed'] is False and res['loaded'] == [] and res['file_changed'] is False
    assert fake.calls == [] and not target.load_d.exists()


def test_modprobe_failure_fails_clearly(target, capsys):
    err = 'modprobe: FATAL: Module ipip not found in directory /lib/modules/6.1.0-28-amd64\n'
    target(rc=1, stderr=err)
    res = run(capsys, {'name': ['ipip'], 'persist': 'lvs-real-server.conf'})
    assert res['failed'] is True
    assert 'Module ipip not found' in res['msg'] and 'on the host' in res['msg']
    assert res['changed'] is False and res['loaded'] == [] and res['rc'] == 1
    assert not target.load_d.exists()


def test_modprobe_success_but_module_absent_fails(target, capsys):
    target(loads=False)  # e.g. "install ipip /bin/true" in modprobe.d
    res = run(capsys, {'name': ['ipip'], 'persist': 'lvs-real-server.conf'})
    assert res['failed'] is True and 'still lacks ipip' in res['msg']
    assert res['changed'] is False and res['loaded'] == []


def test_empty_names_remove_the_file(target, capsys):
    target()
    run(capsys, {'name': ['ip_vs'], 'persist': 'lvs-real-server.conf'})
    assert (target.load_d / 'lvs-real-server.conf').exists()
    res = run(capsys, {'name': [], 'persist': 'lvs-real-server.conf'}, diff=True)
    assert res['changed'] is True and res['file_changed'] is True
    assert res['diff']['after'] == ''
    assert not (target.load_d / 'lvs-real-server.conf').exists()
    res = run(capsys, {'name': [], 'persist': 'lvs-real-server.conf'})
    assert res['changed'] is False


def test_default_persist_file(target, capsys):
    fake = target()
    res = run(capsys, {'name': ['ipip']})
    assert res['changed'] is True and res['loaded'] == ['ipip'] and res['file_changed'] is True
    assert len(fake.calls) == 1
    assert res['path'] == str(target.load_d / 'lvs-cluster.conf')
    assert (target.load_d / 'lvs-cluster.conf').read_text() == kmod.HEADER + 'ipip\n'


def test_bad_name_fails_before_anything(target, capsys):
    fake = target()
    res = run(capsys, {'name': ['ip_vs', '-r']})
    assert res['failed'] is True and "'-r'" in res['msg']
    assert fake.calls == []
