# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/sysctl.py: the cases test_sysctl.py leaves open, found by tests/tools/mutate.py
(each test here fails on a one-line bug that the others let through)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import sysctl as S


@pytest.mark.parametrize('key, shown', [
    ('a=b', '(=)'),
    ('a b*', '( *)'),
    ('-net.ipv4.ip_forward', '(leading -)'),
])
def test_bad_key_message_names_the_characters(key, shown):
    with pytest.raises(S.SysctlError) as caught:
        S.key_parts(key)
    assert str(caught.value).endswith(shown), str(caught.value)


@pytest.mark.parametrize('value', ['a\nb', 'a\rb', 'a\0b'])
def test_value_must_be_one_line(value):
    with pytest.raises(S.SysctlError, match='one line'):
        S.normalize_value('k', value)


def _failing(error):
    def fail(*args, **kwargs):
        raise OSError(error, os.strerror(error))
    return fail


def test_read_error_other_than_missing_or_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(S, 'open', _failing(errno.EACCES), raising=False)
    with pytest.raises(S.SysctlError) as caught:
        S.read_value('net.ipv4.ip_forward', str(tmp_path))
    message = str(caught.value)
    assert message == 'cannot read net.ipv4.ip_forward (%s/net/ipv4/ip_forward): Permission denied' % tmp_path
    monkeypatch.setattr(S, 'open', _failing(errno.EISDIR), raising=False)
    with pytest.raises(S.SysctlError, match='^net.ipv4.ip_forward is a directory of keys, not a key$'):
        S.read_value('net.ipv4.ip_forward', str(tmp_path))


@pytest.mark.parametrize('error, hint', [
    (errno.EROFS, True), (errno.EACCES, True), (errno.EPERM, True), (errno.EINVAL, False),
])
def test_write_error_reason(monkeypatch, tmp_path, error, hint):
    """A read-only /proc/sys (container) says so; other errors give the kernel's reason alone."""
    monkeypatch.setattr(S.os, 'open', _failing(error))
    with pytest.raises(S.SysctlError) as caught:
        S.write_value('net.ipv4.ip_forward', '1', str(tmp_path))
    reason = os.strerror(error)
    expected = "setting net.ipv4.ip_forward to '1' failed: %s" % reason
    if hint:
        expected += ' (read-only /proc/sys, e.g. in an unprivileged container?)'
    assert str(caught.value) == expected


def test_write_value_closes_the_file(tmp_path):
    path = tmp_path / 'net' / 'ipv4'
    path.mkdir(parents=True)
    (path / 'ip_forward').write_text('0\n')
    before = len(os.listdir('/proc/self/fd'))
    for value in ('1', '0', '1'):
        S.write_value('net.ipv4.ip_forward', value, str(tmp_path))
    assert len(os.listdir('/proc/self/fd')) == before
    assert (path / 'ip_forward').read_text() == '1'


@pytest.mark.parametrize('text, expected', [
    ('   # net.ipv4.ip_forward = 1\n', []),             # an indented comment
    ('#net.ipv4.ip_forward=1\n;vm.swappiness=1\n', []),  # comments without a space
    ('  vm.swappiness = 10  \n', [('vm.swappiness', '10')]),
    ('kernel.core_pattern = |/bin/dump a=b\n', [('kernel.core_pattern', '|/bin/dump a=b')]),
    ('-  = 1\n', []),                                    # "-" and no key
    ('= 1\n', []),
    ('- vm.swappiness = 1\n', [('vm.swappiness', '1')]),
    ('- net.ipv4.conf.*.rp_filter = 1\n', [('net.ipv4.conf.*.rp_filter', '1')]),   # a glob after "- "
])
def test_parse_edges(text, expected):
    assert S.parse(text) == expected


def test_boot_files_skips_a_missing_directory(tmp_path):
    usr = tmp_path / 'usr'
    usr.mkdir()
    (usr / '50-a.conf').write_text('')
    (usr / 'README').write_text('')
    assert S.boot_files((str(tmp_path / 'missing'), str(usr))) == {'50-a.conf': str(usr / '50-a.conf')}


def test_find_overrides_ignores_the_file_itself_and_unreadable_ones(tmp_path):
    """Our own file (still holding old values before it is rewritten) is no override; a *.conf that
    cannot be read (here a directory) is skipped, and files after it are still compared."""
    etc = tmp_path / 'etc'
    etc.mkdir()
    ours = etc / '90-lvs.conf'
    ours.write_text('net.ipv4.ip_forward = 0\n')
    (etc / '95-broken.conf').mkdir()
    (etc / '99-late.conf').write_text('net.ipv4.ip_forward = 0\n')
    assert S.find_overrides(str(ours), {'net.ipv4.ip_forward': '1'}, (str(etc),)) == [
        {'key': 'net.ipv4.ip_forward', 'value': '0', 'file': str(etc / '99-late.conf')}]
