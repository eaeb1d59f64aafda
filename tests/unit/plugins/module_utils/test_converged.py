# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The converged checks, each against a temporary tree or replayed command output: every way a
host can differ from what the tasks would make it must be reported, and a matching host not."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import hashlib
import os
import pwd

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import converged
from ansible_collections.lvs.cluster.plugins.module_utils import kmod
from ansible_collections.lvs.cluster.plugins.module_utils import sysctl

# Recorded in the lab (Debian 12 container, dpkg 1.21): a name that is not installed goes to
# stderr and makes the exit status 1; the others are listed sorted by name.
DPKG_QUERY_OUT = 'iproute2\tinstalled\nipvsadm\tinstalled\nkeepalived\tinstalled\n'
DPKG_QUERY_ERR = 'dpkg-query: no packages found matching nosuchpkg\n'
# A package removed but not purged.
DPKG_QUERY_CONFIG_FILES = 'keepalived\tconfig-files\n'
# rpm -q --qf '%{NAME}\tinstalled\n' with one name missing (the message goes to stdout).
RPM_OUT = 'keepalived\tinstalled\npackage ipvsadm is not installed\n'
# systemctl is-enabled with a unit it cannot find stops listing at that unit (stderr) but prints
# the others' states; is-active prints a line for every unit. Recorded in the lab.
IS_ENABLED_ONE_MISSING = ('enabled\n', 'Failed to get unit file state for nosuch.service: No such file or directory\n')

ME = pwd.getpwuid(os.getuid()).pw_name
MY_GROUP = grp.getgrgid(os.getgid()).gr_name


def sha1(data):
    return hashlib.sha1(data).hexdigest()


class Runner(object):
    """run(argv) replaying one recorded answer per command name; keeps the calls."""

    def __init__(self, answers):
        self.answers = answers
        self.calls = []

    def __call__(self, argv):
        self.calls.append(argv)
        return self.answers[tuple(argv[:2])] if tuple(argv[:2]) in self.answers else self.answers[argv[0]]


@pytest.mark.parametrize('names, answer, differences', [
    (['keepalived', 'ipvsadm', 'iproute2'], (0, DPKG_QUERY_OUT, ''), []),
    (['keepalived', 'nosuchpkg'], (1, DPKG_QUERY_OUT, DPKG_QUERY_ERR), ['package nosuchpkg is not installed']),
    (['keepalived'], (0, DPKG_QUERY_CONFIG_FILES, ''), ['package keepalived is not installed']),
    ([], None, []),
])
def test_packages_dpkg(names, answer, differences):
    run = Runner({'dpkg-query': answer})
    assert converged.check_packages(names, run, dpkg_query='dpkg-query') == differences
    if names:
        assert run.calls == [['dpkg-query', '-W', '-f=${Package}\\t${db:Status-Status}\\n', '--'] + names]
    else:
        assert run.calls == []


def test_packages_rpm():
    run = Runner({'rpm': (1, RPM_OUT, '')})
    assert converged.check_packages(['keepalived', 'ipvsadm'], run, rpm='rpm') == ['package ipvsadm is not installed']


@pytest.mark.parametrize('name', ['keepalived=1:2.2.7-1', 'nginx>=1.22', 'ipvsadm*', 'libc6:amd64', '-r'])
def test_packages_with_a_version_or_pattern_are_undecidable(name):
    run = Runner({})
    assert converged.check_packages([name], run, dpkg_query='dpkg-query') != []
    assert run.calls == []


def test_packages_without_a_tool():
    assert converged.check_packages(['keepalived'], Runner({})) == [
        'neither dpkg-query nor rpm is installed to check packages']


def test_services():
    run = Runner({('systemctl', 'is-enabled'): (0, 'enabled\n', ''), ('systemctl', 'is-active'): (0, 'active\n', '')})
    assert converged.check_services(['keepalived.service'], run, systemctl='systemctl') == []
    run = Runner({('systemctl', 'is-enabled'): (1, 'disabled\n', ''), ('systemctl', 'is-active'): (3, 'failed\n', '')})
    assert converged.check_services(['keepalived.service'], run, systemctl='systemctl') == [
        'keepalived.service is disabled, not enabled', 'keepalived.service is failed, not active']


def test_services_a_missing_unit_makes_every_line_unknown():
    run = Runner({('systemctl', 'is-enabled'): (1,) + IS_ENABLED_ONE_MISSING,
                  ('systemctl', 'is-active'): (3, 'active\ninactive\n', '')})
    assert converged.check_services(['keepalived.service', 'nosuch.service'], run, systemctl='systemctl') == [
        'keepalived.service is unknown, not enabled', 'nosuch.service is unknown, not enabled',
        'nosuch.service is inactive, not active']


def test_services_without_systemctl():
    assert converged.check_services(['keepalived.service'], Runner({})) == ['systemctl is not installed']
    assert converged.check_services([], Runner({})) == []


def test_users():
    me = pwd.getpwuid(os.getuid())
    assert converged.check_users([{'name': me.pw_name, 'shell': me.pw_shell}]) == []
    assert converged.check_users([{'name': me.pw_name, 'shell': None}]) == []
    assert converged.check_users([{'name': me.pw_name, 'shell': '/no/such/shell'}]) == [
        'user %s has the shell %s, not /no/such/shell' % (me.pw_name, me.pw_shell)]
    assert converged.check_users([{'name': 'no-such-user-lvs', 'shell': None}]) == ['user no-such-user-lvs does not exist']


@pytest.fixture
def tree(tmp_path):
    script = tmp_path / 'script'
    script.write_bytes(b'#!/bin/sh\nexit 0\n')
    script.chmod(0o755)
    (tmp_path / 'dir').mkdir()
    (tmp_path / 'dir').chmod(0o755)
    return tmp_path


def entry(path, data=b'#!/bin/sh\nexit 0\n', mode='0755', owner=ME, group=MY_GROUP):
    return {'path': str(path), 'checksum': sha1(data), 'mode': mode, 'owner': owner, 'group': group}


def test_files_match(tree):
    assert converged.check_file(entry(tree / 'script')) == []


@pytest.mark.parametrize('change, difference', [
    (lambda p: p.write_bytes(b'#!/bin/sh\nexit 1\n'), '{p} has other content'),
    (lambda p: p.chmod(0o775), '{p} has mode 0775, not 0755'),
    (lambda p: p.unlink(), '{p} does not exist'),
    (lambda p: (p.unlink(), p.mkdir()), '{p} is not a regular file'),
    (lambda p: (p.rename(str(p) + '.real'), p.symlink_to(str(p) + '.real')), '{p} is not a regular file'),
])
def test_files_differ(tree, change, difference):
    path = tree / 'script'
    change(path)
    assert converged.check_file(entry(path)) == [difference.format(p=path)]


def test_files_owner_and_group(tree):
    path = tree / 'script'
    other = 'no-such-user-lvs'
    assert converged.check_file(entry(path, owner=other, group=other)) == [
        '%s is owned by %s, not %s' % (path, ME, other), '%s has group %s, not %s' % (path, MY_GROUP, other)]


@pytest.mark.parametrize('mode', ['755', 'u=rwx', '0o755', None, '08'])
def test_files_mode_must_be_octal(tree, mode):
    path = tree / 'script'
    if mode == '755':
        assert converged.check_file(entry(path, mode=mode)) == []
    else:
        assert converged.check_file(entry(path, mode=mode)) == ['%s: mode %r is not an octal string' % (path, mode)]


def test_directories(tree):
    path = tree / 'dir'
    ok = {'path': str(path), 'mode': '0755', 'owner': ME, 'group': MY_GROUP}
    assert converged.check_directories([ok]) == []
    path.chmod(0o700)
    assert converged.check_directories([ok]) == ['%s has mode 0700, not 0755' % path]
    assert converged.check_directories([dict(ok, path=str(tree / 'script'))]) == [
        '%s is not a directory' % (tree / 'script')]
    assert converged.check_directories([dict(ok, path=str(tree / 'none'))]) == ['%s does not exist' % (tree / 'none')]


def test_absent(tree):
    (tree / 'link').symlink_to(tree / 'gone')
    assert converged.check_absent([str(tree / 'gone')]) == []
    assert converged.check_absent([str(tree / 'script'), str(tree / 'link')]) == [
        '%s exists' % (tree / 'script'), '%s exists' % (tree / 'link')]


@pytest.fixture
def kernel(tmp_path):
    proc = tmp_path / 'modules'
    proc.write_text('ip_vs_rr 12288 0 - Live 0x0000000000000000\nip_vs 200704 1 ip_vs_rr, Live 0x0\n')
    sysmod = tmp_path / 'sys'
    sysmod.mkdir()
    builtin = tmp_path / 'modules.builtin'
    builtin.write_text('')
    load_d = tmp_path / 'modules-load.d'
    load_d.mkdir()
    return dict(proc_modules=str(proc), sys_module=str(sysmod), modules_load_d=str(load_d),
                modules_builtin=str(builtin))


def test_kernel_modules(kernel):
    conf = os.path.join(kernel['modules_load_d'], 'lvs.conf')
    assert converged.check_kernel_modules(['ip_vs', 'ip_vs_rr'], 'lvs', **kernel) == ['%s does not exist' % conf]
    with open(conf, 'w') as handle:
        handle.write(kmod.render(['ip_vs', 'ip_vs_rr']))
    os.chmod(conf, 0o644)
    assert converged.check_kernel_modules(['ip_vs', 'ip-vs-rr'], 'lvs', **kernel) == []
    assert converged.check_kernel_modules(['ip_vs', 'ip_vs_rr', 'ip_vs_wlc'], 'lvs', **kernel) == [
        'kernel module ip_vs_wlc is not loaded', '%s has other content' % conf]
    os.chmod(conf, 0o600)
    assert converged.check_kernel_modules(['ip_vs', 'ip_vs_rr'], 'lvs', **kernel) == ['%s has mode 0600, not 0644' % conf]
    # an empty list: the module removes the file
    assert converged.check_kernel_modules([], 'lvs', **kernel) == ['%s exists' % conf]
    os.unlink(conf)
    assert converged.check_kernel_modules([], 'lvs', **kernel) == []
    assert converged.check_kernel_modules(['ip vs'], 'lvs', **kernel) != []


@pytest.fixture
def proc_sys(tmp_path):
    root = tmp_path / 'proc'
    conf = root / 'net' / 'ipv4' / 'conf' / 'all'
    conf.mkdir(parents=True)
    (conf / 'arp_ignore').write_text('1\n')
    (conf / 'arp_announce').write_text('0\n')
    sysctl_d = tmp_path / 'sysctl.d'
    sysctl_d.mkdir()
    return dict(proc_sys=str(root), sysctl_d=str(sysctl_d), search_dirs=(str(sysctl_d),))


def test_sysctl(proc_sys):
    wanted = {'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2}
    conf = os.path.join(proc_sys['sysctl_d'], '90-lvs.conf')
    assert converged.check_sysctl(wanted, '90-lvs', **proc_sys) == [
        'net.ipv4.conf.all.arp_announce is 0, not 2', '%s does not exist' % conf]
    with open(os.path.join(proc_sys['proc_sys'], 'net/ipv4/conf/all/arp_announce'), 'w') as handle:
        handle.write('2\n')
    with open(conf, 'w') as handle:
        handle.write(sysctl.render(sysctl.normalize_settings(wanted)))
    os.chmod(conf, 0o644)
    assert converged.check_sysctl(wanted, '90-lvs', **proc_sys) == []
    # a file applied later at boot that sets another value: the sysctl module warns, so no shortcut
    later = os.path.join(proc_sys['sysctl_d'], '99-local.conf')
    with open(later, 'w') as handle:
        handle.write('net.ipv4.conf.all.arp_ignore = 0\n')
    assert converged.check_sysctl(wanted, '90-lvs', **proc_sys) == [
        '%s sets net.ipv4.conf.all.arp_ignore = 0 after %s' % (later, conf)]
    os.unlink(later)
    # a key the kernel lacks: the sysctl module fails, so no shortcut
    assert converged.check_sysctl(dict(wanted, **{'net.ipv4.conf.eth9.arp_ignore': 1}), '90-lvs', **proc_sys)[0] == (
        'the kernel has no net.ipv4.conf.eth9.arp_ignore')
    assert converged.check_sysctl({'bad key': 1}, '90-lvs', **proc_sys) != []
