# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import sysctl as S


def make_tree(root, values):
    """A directory laid out like /proc/sys holding ``{dotted key: text}``."""
    for key, text in values.items():
        path = S.proc_path(key, str(root))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(text)
    return str(root)


@pytest.mark.parametrize('key, parts, canonical', [
    ('net.ipv4.conf.all.arp_ignore', ['net', 'ipv4', 'conf', 'all', 'arp_ignore'],
     'net.ipv4.conf.all.arp_ignore'),
    ('net/ipv4/conf/all/arp_ignore', ['net', 'ipv4', 'conf', 'all', 'arp_ignore'],
     'net.ipv4.conf.all.arp_ignore'),
    # A VLAN interface: a slash in the dotted form is a dot inside one component ...
    ('net.ipv4.conf.eth0/100.arp_ignore', ['net', 'ipv4', 'conf', 'eth0.100', 'arp_ignore'],
     'net.ipv4.conf.eth0/100.arp_ignore'),
    # ... and in the slash form a dot is literal.
    ('net/ipv4/conf/eth0.100/arp_ignore', ['net', 'ipv4', 'conf', 'eth0.100', 'arp_ignore'],
     'net.ipv4.conf.eth0/100.arp_ignore'),
    ('  vm.swappiness ', ['vm', 'swappiness'], 'vm.swappiness'),
    ('kernel', ['kernel'], 'kernel'),
    ('net.ipv4.conf.br-lan.rp_filter', ['net', 'ipv4', 'conf', 'br-lan', 'rp_filter'],
     'net.ipv4.conf.br-lan.rp_filter'),
])
def test_key_forms(key, parts, canonical):
    assert S.key_parts(key) == parts
    assert S.canonical_key(key) == canonical
    assert S.proc_path(key, '/P') == '/P/' + '/'.join(parts)


@pytest.mark.parametrize('key', [
    '', '   ', 'net..ipv4', 'net.ipv4.', '.net.ipv4', 'net/ipv4/', '/net/ipv4',
    'net/../etc/passwd', 'net.ipv4.conf./.x', 'net.ipv4.conf.*.rp_filter', 'a b', 'a=b',
    '-net.ipv4.ip_forward', 'net.ipv4.conf.eth0\n.x', 7, None,
])
def test_bad_keys(key):
    with pytest.raises(S.SysctlError):
        S.key_parts(key)


@pytest.mark.parametrize('value, text', [
    (1, '1'), (0, '0'), (True, '1'), (False, '0'), ('2', '2'), (' 2 \n', '2'),
    ('32768 60999', '32768 60999'), ('', ''), ('|/bin/core %p', '|/bin/core %p'),
])
def test_normalize_value(value, text):
    assert S.normalize_value('k', value) == text


@pytest.mark.parametrize('value', [1.5, [1], {'a': 1}, None, 'a\nb'])
def test_normalize_value_rejects(value):
    with pytest.raises(S.SysctlError):
        S.normalize_value('k', value)


@pytest.mark.parametrize('current, wanted, equal', [
    ('1', '1', True),
    ('32768\t60999', '32768 60999', True),  # /proc separates fields with tabs
    ('4096\t131072\t6291456', '4096 131072 6291456', True),
    ('1', '2', False),
    ('1', '01', False),
    (None, '1', False),
    ('0', None, False),
    ('', '', True),
])
def test_values_equal(current, wanted, equal):
    assert S.values_equal(current, wanted) is equal


def test_normalize_settings_keeps_order_and_canonicalises():
    got = S.normalize_settings({'net/ipv4/conf/eth0.100/arp_ignore': 1,
                                'net.ipv4.conf.all.arp_announce': True,
                                'vm.swappiness': '10'})
    assert list(got.items()) == [('net.ipv4.conf.eth0/100.arp_ignore', '1'),
                                 ('net.ipv4.conf.all.arp_announce', '1'),
                                 ('vm.swappiness', '10')]


def test_normalize_settings_rejects_same_key_twice():
    with pytest.raises(S.SysctlError, match='given twice'):
        S.normalize_settings({'net.ipv4.ip_forward': 1, 'net/ipv4/ip_forward': 1})


@pytest.mark.parametrize('name, path', [
    ('90-lvs.conf', '/etc/sysctl.d/90-lvs.conf'),
    ('/etc/sysctl.d/90-lvs.conf', '/etc/sysctl.d/90-lvs.conf'),
    ('/tmp//x/../y.conf', '/tmp/y.conf'),
    ('/etc/sysctl.conf', '/etc/sysctl.conf'),
    ('90-lvs', '/etc/sysctl.d/90-lvs.conf'),
])
def test_file_path(name, path):
    assert S.file_path(name) == path


@pytest.mark.parametrize('name', ['', 'sub/90-lvs.conf', '..', '/etc/sysctl.d/', None])
def test_file_path_rejects(name):
    with pytest.raises(S.SysctlError):
        S.file_path(name)


def test_render_and_parse_round_trip():
    settings = {'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.eth0/100.arp_announce': '2',
                'net.ipv4.ip_local_port_range': '32768 60999', 'kernel.domainname': ''}
    text = S.render(settings)
    assert text == (S.HEADER
                    + 'net.ipv4.conf.all.arp_ignore = 1\n'
                    + 'net.ipv4.conf.eth0/100.arp_announce = 2\n'
                    + 'net.ipv4.ip_local_port_range = 32768 60999\n'
                    + 'kernel.domainname =\n')
    assert S.parse(text) == list(settings.items())


def test_parse_sysctl_d_syntax():
    text = ('# comment\n; other comment\n\nnot an assignment\n'
            '-net.ipv4.conf.all.rp_filter=1\n'
            'net/ipv4/conf/eth0.100/arp_ignore = 0\n'
            'net.ipv4.conf.*.rp_filter = 2\n'
            'net/ipv4/conf/*/accept_local=1\n')
    assert S.parse(text) == [('net.ipv4.conf.all.rp_filter', '1'),
                             ('net.ipv4.conf.eth0/100.arp_ignore', '0'),
                             ('net.ipv4.conf.*.rp_filter', '2'),
                             ('net.ipv4.conf.*.accept_local', '1')]


@pytest.mark.parametrize('current, apply, to_apply, missing', [
    ({'a.b': '0', 'c.d': '2'}, True, ['a.b'], []),
    ({'a.b': '1', 'c.d': '2'}, True, [], []),
    ({'a.b': '0', 'c.d': '2'}, False, [], []),
    ({'a.b': None, 'c.d': '0'}, True, ['c.d'], ['a.b']),
    ({'a.b': None, 'c.d': None}, False, [], ['a.b', 'c.d']),
    ({}, True, [], ['a.b', 'c.d']),
])
def test_plan(current, apply, to_apply, missing):
    assert S.plan({'a.b': '1', 'c.d': '2'}, current, apply) == (to_apply, missing)


def test_read_and_write_values(tmp_path):
    root = make_tree(tmp_path, {'net.ipv4.conf.eth0/100.arp_ignore': '0\n',
                                'net.ipv4.ip_local_port_range': '32768\t60999\n'})
    keys = ['net.ipv4.conf.eth0/100.arp_ignore', 'net.ipv4.ip_local_port_range',
            'net.ipv4.conf.eth9.arp_ignore']
    assert S.read_values(keys, root) == {
        'net.ipv4.conf.eth0/100.arp_ignore': '0',
        'net.ipv4.ip_local_port_range': '32768\t60999',
        'net.ipv4.conf.eth9.arp_ignore': None}
    assert os.path.isfile(os.path.join(root, 'net/ipv4/conf/eth0.100/arp_ignore'))
    S.write_value('net.ipv4.ip_local_port_range', '1024 65000', root)
    S.write_value('net/ipv4/conf/eth0.100/arp_ignore', '1', root)
    assert S.read_value('net.ipv4.ip_local_port_range', root) == '1024 65000'
    assert S.read_value('net.ipv4.conf.eth0/100.arp_ignore', root) == '1'


def test_write_never_creates_a_key(tmp_path):
    root = make_tree(tmp_path, {'net.ipv4.conf.all.arp_ignore': '0\n'})
    with pytest.raises(S.SysctlError, match='net.ipv4.conf.eth9.arp_ignore'):
        S.write_value('net.ipv4.conf.eth9.arp_ignore', '1', root)
    assert not os.path.exists(os.path.join(root, 'net/ipv4/conf/eth9'))


def test_reading_a_directory_is_an_error(tmp_path):
    root = make_tree(tmp_path, {'net.ipv4.conf.all.arp_ignore': '0\n'})
    with pytest.raises(S.SysctlError, match='directory'):
        S.read_value('net.ipv4.conf', root)


def test_find_overrides(tmp_path):
    etc, usr = tmp_path / 'etc', tmp_path / 'usr'
    etc.mkdir()
    usr.mkdir()
    dirs = (str(etc), str(usr))
    (etc / '10-early.conf').write_text('net.ipv4.conf.all.arp_ignore = 0\n')  # applied before ours
    (etc / '99-sysctl.conf').write_text('net.ipv4.conf.all.arp_announce = 2\n'  # same value: fine
                                        'net.ipv4.conf.all.rp_filter = 1\n')
    (usr / '50-default.conf').write_text('net.ipv4.conf.*.rp_filter = 2\n')  # before ours
    (usr / '95-vendor.conf').write_text('net/ipv4/conf/eth0.100/arp_ignore = 0\n'
                                        '-net.ipv4.conf.*.rp_filter = 1\n')
    (usr / '99-sysctl.conf').write_text('net.ipv4.conf.lo.arp_ignore = 0\n')  # masked by /etc
    (etc / 'README').write_text('net.ipv4.conf.lo.arp_ignore = 0\n')  # not a .conf file
    ours = os.path.join(str(etc), '90-lvs.conf')
    settings = {'net.ipv4.conf.all.arp_ignore': '1', 'net.ipv4.conf.all.arp_announce': '2',
                'net.ipv4.conf.lo.arp_ignore': '1', 'net.ipv4.conf.eth0/100.arp_ignore': '1',
                'net.ipv4.conf.tunl0.rp_filter': '0', 'net.ipv4.conf.all.rp_filter': '2'}
    vendor, etc99 = str(usr / '95-vendor.conf'), str(etc / '99-sysctl.conf')
    assert S.find_overrides(ours, settings, dirs) == [
        {'key': 'net.ipv4.conf.eth0/100.arp_ignore', 'value': '0', 'file': vendor},
        {'key': 'net.ipv4.conf.tunl0.rp_filter', 'value': '1', 'file': vendor},
        {'key': 'net.ipv4.conf.all.rp_filter', 'value': '1', 'file': vendor},
        {'key': 'net.ipv4.conf.all.rp_filter', 'value': '1', 'file': etc99},
    ]
    # A file outside the boot directories is never applied at boot: nothing to compare.
    assert S.find_overrides(str(tmp_path / 'x.conf'), settings, dirs) == []


def test_runtime_diff():
    diff = S.runtime_diff(['a.b'], {'a.b': '0', 'c.d': '1'}, {'a.b': '1', 'c.d': '1'})
    assert diff['before'] == 'a.b = 0\n'
    assert diff['after'] == 'a.b = 1\n'
