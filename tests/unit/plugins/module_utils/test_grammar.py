# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of module_utils/grammar.py: each place's validator, a value just inside and
just outside each rule."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import grammar

OK = [
    (grammar.token, 'router-1'),
    (grammar.token, '/index.html?x=1&y=%20'),
    (grammar.token, 'x' * 255),
    (grammar.token, "it's"),
    (grammar.quoted, '/usr/local/bin/notify master VI_1'),
    (grammar.quoted, 'a'),
    (grammar.name, 'VI_1'),
    (grammar.name, 'www.example-2'),
    (grammar.name, '9lives'),
    (grammar.name, 'n' * 64),
    (grammar.interface, 'eth0'),
    (grammar.interface, 'bond0.100'),
    (grammar.interface, 'enp0s31f6-ab_c'),
    (grammar.interface, 'x' * 15),
    (grammar.label, 'eth0:vip'),
    (grammar.label, 'l' * 15),
    (grammar.path, '/usr/local/libexec/lvs-cluster'),
    (grammar.path, '/run/lvs-cluster/handover'),
    (grammar.path, '/a/b+c/d_e.f/'),
    (grammar.email, 'ops@example.com'),
    (grammar.email, 'first.last+lvs@mail.example.org'),
    (grammar.hostname, 'smtp.example.com'),
    (grammar.hostname, 'localhost'),
    (grammar.hostname, 'www.example.com.'),
    (grammar.sysctl_key, 'net.ipv4.ip_forward'),
    (grammar.sysctl_key, 'net/ipv4/conf/eth0.100/rp_filter'),
    (grammar.sysctl_key, 'net.ipv4.conf.*.arp_ignore'),
]

BAD = [
    # (validator, value, a fragment of the message)
    (grammar.token, '', 'is empty'),
    (grammar.token, 'x' * 256, 'at most 255'),
    (grammar.token, 'two words', 'not allowed'),
    (grammar.token, 'tab\there', 'not allowed'),
    (grammar.token, 'line\nbreak', 'not allowed'),
    (grammar.token, 'quote"', 'not allowed'),
    (grammar.token, 'open{', 'not allowed'),
    (grammar.token, 'close}', 'not allowed'),
    (grammar.token, 'hash#', 'not allowed'),
    (grammar.token, 'bang!', 'not allowed'),
    (grammar.token, '$VAR', 'not allowed'),
    (grammar.token, 'back\\slash', 'not allowed'),
    (grammar.token, 'nul\x00', 'not allowed'),
    (grammar.token, 'del\x7f', 'not allowed'),
    (grammar.token, u'caf\xe9', 'not allowed'),
    (grammar.quoted, '', 'is empty'),
    (grammar.quoted, '/bin/x "y"', 'not allowed'),
    (grammar.quoted, '/bin/x\n}', 'not allowed'),
    (grammar.quoted, '/bin/x\r', 'not allowed'),
    (grammar.quoted, '/bin/x {', 'not allowed'),
    (grammar.quoted, '/bin/x }', 'not allowed'),
    (grammar.quoted, '/bin/x # c', 'not allowed'),
    (grammar.quoted, '/bin/x !', 'not allowed'),
    (grammar.quoted, '/bin/x $HOME', 'not allowed'),
    (grammar.quoted, '/bin/x \\', 'not allowed'),
    (grammar.quoted, ' /bin/x', 'inner spaces'),
    (grammar.quoted, '/bin/x ', 'inner spaces'),
    (grammar.quoted, 'tab\tx', 'not allowed'),
    (grammar.name, '', 'is empty'),
    (grammar.name, 'n' * 65, 'not allowed'),
    (grammar.name, '_leading', 'not allowed'),
    (grammar.name, '.hidden', 'not allowed'),
    (grammar.name, 'a/b', 'not allowed'),
    (grammar.name, 'a b', 'not allowed'),
    (grammar.name, 'a:b', 'not allowed'),
    (grammar.name, 'a}', 'not allowed'),
    (grammar.interface, 'x' * 16, 'not allowed'),
    (grammar.interface, 'eth 0', 'not allowed'),
    (grammar.interface, 'eth0:1', 'not allowed'),
    (grammar.interface, 'a/b', 'not allowed'),
    (grammar.interface, '.', 'Linux accepts'),
    (grammar.interface, '..', 'Linux accepts'),
    (grammar.interface, '', 'is empty'),
    (grammar.label, 'l' * 16, 'not allowed'),
    (grammar.label, 'eth0 vip', 'not allowed'),
    (grammar.label, 'eth0}', 'not allowed'),
    (grammar.path, 'relative/path', 'not allowed'),
    (grammar.path, '/', 'not allowed'),
    (grammar.path, '/a b', 'not allowed'),
    (grammar.path, '/a/%n', 'not allowed'),
    (grammar.path, '/a/$x', 'not allowed'),
    (grammar.path, '/a//b', 'not allowed'),
    (grammar.path, '/a/../b', '".."'),
    (grammar.path, '/a/./b', '".."'),
    (grammar.path, '/a/..', '".."'),
    (grammar.email, 'ops', 'not allowed'),
    (grammar.email, 'ops@', 'not allowed'),
    (grammar.email, 'ops @example.com', 'not allowed'),
    (grammar.email, 'ops@example.com}', 'not allowed'),
    (grammar.email, 'a@b@c', 'not allowed'),
    (grammar.hostname, 'a b', 'not allowed'),
    (grammar.hostname, '-lead', 'not allowed'),
    (grammar.hostname, 'a..b', 'not allowed'),
    (grammar.hostname, 'a_b', 'not allowed'),
    (grammar.hostname, 'h' * 64, 'not allowed'),
    (grammar.sysctl_key, 'net.ipv4.x=2', 'sysctl name'),
    (grammar.sysctl_key, 'net.ipv4 x', 'sysctl name'),
    (grammar.sysctl_key, 'net.ipv4.x\nkernel.y', 'sysctl name'),
    (grammar.sysctl_key, '-net.ipv4.x', 'sysctl name'),
]


@pytest.mark.parametrize('rule,value', OK, ids=['%s-%d' % (o[0].__name__, i) for i, o in enumerate(OK)])
def test_accepted(rule, value):
    assert rule(value) == value


@pytest.mark.parametrize('rule,value,message', BAD, ids=['%s-%d' % (b[0].__name__, i) for i, b in enumerate(BAD)])
def test_refused_with_the_rule(rule, value, message):
    with pytest.raises(grammar.GrammarError) as err:
        rule(value)
    assert message in str(err.value)


@pytest.mark.parametrize('value,message', [
    (True, "quote it ('yes')"),
    (False, "quote it ('no')"),
    (493, 'the number 493'),
    (493, '0755 as the octal 493'),
    (1.5, 'the number 1.5'),
    (None, 'null'),
    (['eth0'], 'a list'),
    ({'a': 1}, 'a mapping'),
])
@pytest.mark.parametrize('rule', [grammar.token, grammar.quoted, grammar.name, grammar.interface, grammar.label,
                                  grammar.path, grammar.email, grammar.hostname, grammar.sysctl_key])
def test_only_text_is_text_and_yaml_surprises_say_to_quote(rule, value, message):
    with pytest.raises(grammar.GrammarError) as err:
        rule(value)
    assert message in str(err.value)
    assert 'not text' in str(err.value)


def test_describe_names_each_yaml_type():
    assert grammar.describe(True) == 'the boolean true'
    assert grammar.describe(False) == 'the boolean false'
    assert grammar.describe(7) == 'the number 7'
    assert grammar.describe(None) == 'null (empty)'
    assert grammar.describe('x') == "'x'"
    assert grammar.describe([1]) == 'a list'
    assert grammar.describe((1,)) == 'a list'
    assert grammar.describe({}) == 'a mapping'
    assert grammar.describe(object()).startswith('a ')
