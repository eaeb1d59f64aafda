# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived_ranges against the real keepalived: for every keyword of the table, a minimal
keepalived.conf with a value just inside and just outside each bound goes through
``keepalived -t -f FILE`` (in a private netns with the interfaces the files name).

Inside the table's range keepalived must accept the file. Outside it keepalived must refuse it
(``keepalived -t`` exits non-zero: keepalived reports every clamped, rounded or ignored value as a
config error in test mode), except the cases listed in STRICTER, where the controller is stricter
than keepalived on purpose (each with its reason); there keepalived's acceptance is asserted too,
so that the list stays true.

keepalived 2.2.7 kills itself (exit 143) in test mode when a script is configured (see
roles/director/files/libexec/keepalived-validate): then the verdict is its messages, accepted when
it printed nothing but "Terminated".
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import decimal
import os
import shutil
import subprocess

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges as kr

pytestmark = pytest.mark.skipif(shutil.which('keepalived') is None or shutil.which('unshare') is None,
                                reason='needs the real keepalived and unshare (the test runner installs them)')

LONG_IF = 'k' * 15   # the longest interface name Linux allows, created in the netns
INTERFACES = ('ens32', LONG_IF)

# Defaults of the minimal file; a case replaces one of them or adds lines.
BASE = {
    'global': [],
    'script': False,
    'track': None,
    'instance': {'state': 'BACKUP', 'interface': 'ens32', 'virtual_router_id': '51', 'priority': '120',
                 'version': '3', 'advert_int': '1'},
    'instance_extra': [],
    'vips': ['172.16.246.140/32 dev ens32'],
    'vips_excluded': [],
    'vs_head': '10.0.0.1 80',
    'vs': ['protocol TCP', 'lvs_sched rr', 'lvs_method NAT'],
    'rs_head': '10.0.0.2 80',
    'rs': ['weight 1'],
    'checker': ['TCP_CHECK {', '    connect_timeout 1', '}'],
    'more_rs': [],
}


def _conf(parts):
    out = ['global_defs {', '    router_id t', '    script_user keepalived_script', '    enable_script_security']
    out += ['    ' + line for line in parts['global']] + ['}']
    if parts['script'] is not False:
        out += ['vrrp_script chk {', '    script "/bin/true"'] + ['    ' + line for line in parts['script']] + ['}']
    if parts['track'] is not None:
        out += ['track_file tf {', '    file "/run/lvs-bounds-track"', '    ' + parts['track'], '}']
    out += ['vrrp_instance A {']
    out += ['    %s %s' % item for item in sorted(parts['instance'].items())]
    out += ['    ' + line for line in parts['instance_extra']]
    out += ['    virtual_ipaddress {'] + ['        ' + v for v in parts['vips']] + ['    }']
    if parts['vips_excluded']:
        out += ['    virtual_ipaddress_excluded {'] + ['        ' + v for v in parts['vips_excluded']] + ['    }']
    if parts['script'] is not False:
        out += ['    track_script {', '        chk', '    }']
    if parts['track'] is not None:
        out += ['    track_file {', '        tf', '    }']
    out += ['}', 'virtual_server %s {' % parts['vs_head']] + ['    ' + line for line in parts['vs']]
    out += ['    real_server %s {' % parts['rs_head']] + ['        ' + line for line in parts['rs']]
    out += ['        ' + line for line in parts['checker']] + ['    }']
    for head, weight in parts['more_rs']:
        out += ['    real_server %s {' % head, '        weight %d' % weight, '    }']
    out += ['}']
    return '\n'.join(out) + '\n'


def _with(**changes):
    def build(value):
        parts = {key: (dict(val) if isinstance(val, dict) else list(val) if isinstance(val, list) else val)
                 for key, val in BASE.items()}
        for key, change in changes.items():
            change(parts, value)
        return _conf(parts)
    return build


def _glob(fmt):
    return _with(glob=lambda p, v: p['global'].append(fmt % v))


def _inst(key, **fixed):
    def change(parts, value):
        parts['instance'].update(fixed)
        parts['instance'][key] = value
    return _with(inst=change)


def _vs(fmt, head=None, extra=()):
    def change(parts, value):
        parts['vs'] += list(extra) + [fmt % value]
        if head:
            parts['vs_head'] = head
    return _with(vs=change)


def _tcp(fmt):
    return _with(chk=lambda p, v: p.__setitem__('checker', ['TCP_CHECK {', '    ' + fmt % v, '}']))


def _http(line):
    def change(parts, value):
        url = ['    url {', '        path /', '        ' + line % value, '    }']
        parts['checker'] = ['HTTP_GET {'] + url + ['}']
    return _with(chk=change)


def _script(key):
    return _with(s=lambda p, v: p.__setitem__('script', ['%s %s' % (key, v)]))


def _heavy(parts, _value):
    # keepalived (check_data.c validate_check_config) refuses a quorum above the sum of the real
    # servers' weights and a hysteresis not below the quorum: 1 + 2 * INT32_MAX = UINT_MAX.
    parts['more_rs'] = [('10.0.0.3 80', 2147483647), ('10.0.0.4 80', 2147483647)]


def _set(key, fn):
    return _with(x=lambda p, v: p.__setitem__(key, fn(v)))


def _vsh(fmt, extra=()):
    def change(parts, value):
        parts['vs_head'] = fmt % value
        parts['vs'] = ['lvs_sched rr', 'lvs_method NAT'] + list(extra)
    return _with(h=change)


BUILD = {
    'smtp_connect_timeout': _glob('smtp_connect_timeout %s'),
    'vrrp_version': _glob('vrrp_version %s'),
    'vrrp_garp_master_delay': _glob('vrrp_garp_master_delay %s'),
    'vrrp_garp_master_repeat': _glob('vrrp_garp_master_repeat %s'),
    'vrrp_garp_master_refresh': _glob('vrrp_garp_master_refresh %s'),
    'vrrp_garp_lower_prio_repeat': _glob('vrrp_garp_lower_prio_repeat %s'),
    'vrrp_garp_lower_prio_delay': _glob('vrrp_garp_lower_prio_delay %s'),
    'vrrp_mcast_group4': _glob('vrrp_mcast_group4 %s'),
    'lvs_sync_daemon interface': _glob('lvs_sync_daemon %s inst A'),
    'lvs_sync_daemon id': _glob('lvs_sync_daemon ens32 inst A id %s'),
    'lvs_timeouts tcp': _glob('lvs_timeouts tcp %s'),
    'lvs_timeouts tcpfin': _glob('lvs_timeouts tcpfin %s'),
    'lvs_timeouts udp': _glob('lvs_timeouts udp %s'),
    'vrrp_script interval': _script('interval'),
    'vrrp_script timeout': _script('timeout'),
    'vrrp_script weight': _script('weight'),
    'vrrp_script rise': _script('rise'),
    'vrrp_script fall': _script('fall'),
    'track_file weight': _set('track', lambda v: 'weight %s' % v),
    'state': _inst('state'),
    'interface': _inst('interface'),
    'virtual_router_id': _inst('virtual_router_id'),
    'priority': _inst('priority'),
    'advert_int': _inst('advert_int', version='3'),
    'advert_int v2': _inst('advert_int', version='2'),
    'version': _inst('version', advert_int='1'),
    'preempt_delay': _inst('preempt_delay'),
    'garp_master_delay': _inst('garp_master_delay'),
    'garp_master_refresh': _inst('garp_master_refresh'),
    'auth_type': _with(a=lambda p, v: (p['instance'].update(version='2'), p['instance_extra'].extend(
        ['authentication {', '    auth_type %s' % v, '    auth_pass 1111', '}']))),
    'auth_pass': _with(a=lambda p, v: (p['instance'].update(version='2'), p['instance_extra'].extend(
        ['authentication {', '    auth_type PASS', '    auth_pass %s' % v, '}']))),
    'virtual_ipaddress prefix4': _set('vips', lambda v: ['172.16.246.140/%s dev ens32' % v]),
    'virtual_ipaddress prefix6': _set('vips_excluded', lambda v: ['2001:db8::140/%s dev ens32' % v]),
    'label': _set('vips', lambda v: ['172.16.246.140/32 dev ens32 label %s' % v]),
    'virtual_server fwmark': _vsh('fwmark %s'),
    'virtual_server port': _vsh('10.0.0.1 %s', ['protocol TCP', 'persistence_timeout 50']),
    'real_server port': _set('rs_head', lambda v: '10.0.0.2 %s' % v),
    'sorry_server port': _vs('sorry_server 10.0.0.9 %s'),
    'virtual_server delay_loop': _vs('delay_loop %s'),
    'persistence_timeout': _vs('persistence_timeout %s'),
    'persistence_granularity': _vs('persistence_granularity %s', extra=['persistence_timeout 50']),
    'quorum': _with(v=lambda p, v: p['vs'].append('quorum %s' % v), r=_heavy),
    'hysteresis': _with(v=lambda p, v: p['vs'].extend(['quorum 4294967295', 'hysteresis %s' % v]), r=_heavy),
    'protocol': _with(v=lambda p, v: p.__setitem__('vs', ['protocol %s' % v, 'lvs_sched rr', 'lvs_method NAT'])),
    'lvs_sched': _with(v=lambda p, v: p.__setitem__('vs', ['protocol TCP', 'lvs_sched %s' % v, 'lvs_method NAT'])),
    'lvs_method': _with(v=lambda p, v: p.__setitem__('vs', ['protocol TCP', 'lvs_sched rr', 'lvs_method %s' % v])),
    'sorry_server_lvs_method': _vs('sorry_server_lvs_method %s', extra=['sorry_server 10.0.0.9 80']),
    'ip_family': _with(h=lambda p, v: (p.__setitem__('vs_head', 'fwmark 1'),
                                       p.__setitem__('vs', ['ip_family %s' % v, 'lvs_sched rr', 'lvs_method NAT']),
                                       p.__setitem__('rs_head', '2001:db8::2 80' if v == 'inet6' else '10.0.0.2 80'))),
    'real_server weight': _with(r=lambda p, v: (p.__setitem__('rs', ['weight %s' % v]),
                                                p.__setitem__('more_rs', [('10.0.0.3 80', 1)]))),
    'connect_port': _tcp('connect_port %s'),
    'bind_port': _tcp('bind_port %s'),
    'connect_timeout': _tcp('connect_timeout %s'),
    'retry': _tcp('retry %s'),
    'delay_before_retry': _tcp('delay_before_retry %s'),
    'warmup': _tcp('warmup %s'),
    'checker delay_loop': _tcp('delay_loop %s'),
    'alpha': _tcp('alpha %s'),
    'log_all_failures': _tcp('log_all_failures %s'),
    'misc_timeout': _set('checker', lambda v: ['MISC_CHECK {', '    misc_path "/bin/true"', '    misc_timeout %s' % v, '}']),
    'status_code': _http('status_code %s'),
    'digest': _http('digest %s'),
    'http_protocol': _set('checker', lambda v: ['HTTP_GET {', '    http_protocol %s' % v, '    url {',
                                                '        path /', '    }', '}']),
    'dns type': _set('checker', lambda v: ['DNS_CHECK {', '    type %s' % v, '    name example.org', '}']),
    'payload': _set('checker', lambda v: ['UDP_CHECK {', '    payload %s' % v, '}']),
    'require_reply': _set('checker', lambda v: ['UDP_CHECK {', '    payload 0a', '    require_reply %s' % v, '}']),
}

# Values of the non-numeric keywords: (value, inside the table's rule).
FORMAT_VALUES = {
    'vrrp_mcast_group4': [('224.0.0.18', True), ('239.255.255.255', True), ('223.255.255.255', False),
                          ('240.0.0.0', False)],
    'lvs_sync_daemon interface': [(LONG_IF, True), ('k' * 16, False)],
    'interface': [(LONG_IF, True), ('k' * 16, False)],
    'label': [('ens32:abcdefghi', True), ('ens32:abcdefghij', False)],
    'auth_pass': [('12345678', True), ('123456789', False)],
    'persistence_granularity': [('255.255.255.0', True), ('255.255.255.256', False)],
    'status_code': [('100', True), ('599', True), ('200-299', True), ('99', False), ('600', False),
                    ('299-200', False)],
    'digest': [('640205b7b0fc66c1ea91c463fac6334d', True), ('640205b7b0fc66c1ea91c463fac6334', False),
               ('640205b7b0fc66c1ea91c463fac6334g', False)],
    'payload': [('0a0b fe', True), ('0a', True), ('0g', False), ('0a ff', False)],
    'require_reply': [('0a XX', True), ('0a ff', False)],
}

# Outside the table, accepted by keepalived -t 2.2.7: the controller is stricter on purpose.
_PLACES = 'keepalived reads 6 decimal places, the table 4: Python writes a float below 0.0001 as 1e-05'
_LONG = 'keepalived takes up to 18446744073709.551614 s; the table stops at UINT_MAX s, where a float still holds 4 places'
STRICTER = {
    ('connect_timeout', '0.00021'): _PLACES,
    ('virtual_server delay_loop', '0.00021'): _PLACES,
    ('checker delay_loop', '0.00021'): _PLACES,
    ('preempt_delay', '0.00011'): _PLACES,
    ('delay_before_retry', '0.00011'): _PLACES,
    ('warmup', '0.00011'): _PLACES,
    ('virtual_server delay_loop', '4294967295.0001'): _LONG,
    ('checker delay_loop', '4294967295.0001'): _LONG,
    ('delay_before_retry', '4294967295.0001'): _LONG,
    ('warmup', '4294967295.0001'): _LONG,
}


def _unit(rule):
    return decimal.Decimal(1).scaleb(-rule.places)


def cases():
    """[(keyword, value, inside the table)] for every keyword."""
    result = []
    for keyword in sorted(kr.KEYWORDS):
        rule = kr.KEYWORDS[keyword]
        if isinstance(rule, kr.Number):
            unit = _unit(rule)
            result += [(keyword, str(rule.low), True), (keyword, str(rule.high), True),
                       (keyword, str(rule.low - unit), False), (keyword, str(rule.high + unit), False)]
            if rule.places:
                result.append((keyword, str(rule.low + unit + unit.scaleb(-1)), False))
        elif isinstance(rule, kr.Choice):
            result += [(keyword, value, True) for value in rule.values]
            other = rule.values[0].swapcase()
            if rule.nocase or other in rule.values:
                other = 'nonsense'
            result.append((keyword, other, False))
        else:
            result += [(keyword, value, inside) for value, inside in FORMAT_VALUES[keyword]]
    return result


CASES = cases()


def test_every_keyword_has_a_file_and_table_agrees_with_cases():
    assert set(BUILD) == set(kr.KEYWORDS)
    for keyword, value, inside in CASES:
        try:
            kr.check(keyword, value)
            assert inside, (keyword, value)
        except ValueError:
            assert not inside, (keyword, value)


@pytest.fixture(scope='module')
def verdicts(tmp_path_factory, keepalived_script_user):
    """{(keyword, value): (accepted, rc, output)} from one keepalived -t per case, all in one netns."""
    base = tmp_path_factory.mktemp('bounds')
    files = []
    for index, (keyword, value, _inside) in enumerate(CASES):
        path = os.path.join(str(base), '%03d.conf' % index)
        with open(path, 'w') as handle:
            handle.write(BUILD[keyword](value))
        files.append(path)
    links = ' && '.join('ip link add %s type veth peer name p%d && ip link set %s up' % (name, i, name)
                        for i, name in enumerate(INTERFACES))
    script = ('%s && for f in "$@"; do LC_ALL=C keepalived -t -f "$f" > "$f.out" 2>&1; echo $? > "$f.rc"; done'
              % links)
    subprocess.run(['unshare', '-n', 'sh', '-c', script, 'sh'] + files, check=True)
    result = {}
    for path, (keyword, value, _inside) in zip(files, CASES):
        with open(path + '.rc') as handle:
            rc = int(handle.read())
        with open(path + '.out', errors='replace') as handle:
            output = handle.read()
        messages = [line for line in output.splitlines() if line.strip() and line.strip() != 'Terminated']
        accepted = rc == 0 or (rc == 143 and not messages)
        result[(keyword, value)] = (accepted, rc, output, BUILD[keyword](value))
    return result


@pytest.mark.parametrize('keyword,value,inside', CASES, ids=['%s=%s' % (c[0], c[1][:20]) for c in CASES])
def test_keepalived_agrees(verdicts, keyword, value, inside):
    accepted, rc, output, text = verdicts[(keyword, value)]
    if inside:
        assert accepted, 'keepalived -t refused %s %s (rc %d):\n%s\n%s' % (keyword, value, rc, output, text)
    elif (keyword, value) in STRICTER:
        assert accepted, 'listed as accepted by keepalived, but refused (rc %d):\n%s' % (rc, output)
    else:
        assert not accepted, 'keepalived -t accepted %s %s outside the table:\n%s' % (keyword, value, text)
