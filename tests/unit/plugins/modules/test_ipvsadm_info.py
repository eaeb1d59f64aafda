# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs ipvsadm_info's main() against a fake ipvsadm replaying recorded real output."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.lvs.cluster.plugins.modules import ipvsadm as ipvsadm_module
from ansible_collections.lvs.cluster.plugins.modules import ipvsadm_info

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ipvsadm')
BIN = '/sbin/ipvsadm'


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


# ipvsadm arguments -> recorded output. The stats/rate listings were recorded without
# --exact; all their counters are 0, so --exact prints the same (see fixtures README).
RECORDED = {
    ('-S', '-n'): 'save_n.txt',
    ('-L', '-n', '--thresholds'): 'list_thresholds.txt',
    ('-L', '-n', '--persistent-conn'): 'list_persistent_conn.txt',
    ('-L', '-n', '--stats', '--exact'): 'list_stats.txt',
    ('-L', '-n', '--rate', '--exact'): 'list_rate.txt',
    ('-L', '-n', '--timeout'): 'list_timeout.txt',
    ('-L', '--daemon'): 'list_daemon.txt',
}


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


def run_info(monkeypatch, outputs=None, module=ipvsadm_info, **params):
    outputs = dict((k, fixture(v)) for k, v in RECORDED.items()) if outputs is None else outputs
    calls = []

    def run_command(self, args, **kwargs):
        assert args[0] == BIN
        assert kwargs['environ_update']['LC_ALL'] == 'C'
        assert 'data' not in kwargs
        calls.append(tuple(args[1:]))
        out = outputs[tuple(args[1:])]
        if isinstance(out, tuple):
            return out
        return 0, out, ''

    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    monkeypatch.setattr(basic, '_ANSIBLE_ARGS',
                        to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': params})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: BIN)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    with pytest.raises(ModuleExit) as caught:
        module.main()
    return caught.value, calls


def by_key(services, key):
    [svc] = [s for s in services if s['key'] == key]
    return svc


def test_default_gather(monkeypatch):
    out, calls = run_info(monkeypatch)
    assert not out.failed
    result = out.result
    assert result['changed'] is False
    assert calls == [('-S', '-n'), ('-L', '-n', '--thresholds'),
                     ('-L', '-n', '--stats', '--exact'), ('-L', '-n', '--timeout'),
                     ('-L', '--daemon')]
    assert result['gathered'] == ['daemon', 'stats', 'thresholds', 'timeouts']
    assert [s['key'] for s in result['services']] == [
        'tcp:192.0.2.100:80', 'tcp:192.0.2.101:80', 'tcp:192.0.2.102:443',
        'tcp:192.0.2.110:1053', 'tcp:192.0.2.110:1088', 'tcp:192.0.2.110:1090',
        'tcp:192.0.2.110:1092', 'tcp:192.0.2.110:1094', 'tcp:192.0.2.110:1102',
        'udp:192.0.2.103:53', 'tcp:[2001:db8::100]:80', 'fwmark:7', 'fwmark:9:ipv6']
    assert result['ipvs'] == {'version': '1.2.1', 'size': 4096}
    assert result['timeouts'] == {'tcp': 900, 'tcpfin': 120, 'udp': 300}
    assert result['daemons'] == [dict(state='master', mcast_interface='lo', syncid=5,
                                      maxlen=1472, group='224.0.0.81', port=8848, ttl=1)]


def test_thresholds_and_counters_land_on_the_right_real_server(monkeypatch):
    out, dummy = run_info(monkeypatch)
    svc = by_key(out.result['services'], 'tcp:192.0.2.102:443')
    assert svc['persistence_timeout'] == 600
    assert svc['persistence_netmask'] == '255.255.255.0'
    assert svc['stats'] == dict(conns=0, inpkts=0, outpkts=0, inbytes=0, outbytes=0)
    first, second = svc['real_servers']
    assert (first['address'], first['port'], first['method'], first['weight']) == \
        ('198.51.100.5', 8443, 'masq', 5)
    assert (first['upper_threshold'], first['lower_threshold']) == (100, 50)
    assert (second['upper_threshold'], second['lower_threshold']) == (0, 0)
    assert first['active_conns'] == 0 and first['inactive_conns'] == 0
    assert first['stats'] == dict(conns=0, inpkts=0, outpkts=0, inbytes=0, outbytes=0)
    fw6 = by_key(out.result['services'], 'fwmark:9:ipv6')
    assert fw6['family'] == 'ipv6' and fw6['fwmark'] == 9 and fw6['port'] is None
    assert fw6['real_servers'][0]['address'] == '2001:db8::31'
    assert fw6['real_servers'][0]['upper_threshold'] == 0


def test_everything(monkeypatch):
    gather = ['stats', 'rates', 'thresholds', 'persistent_conns', 'timeouts', 'daemon']
    out, calls = run_info(monkeypatch, gather=gather)
    assert sorted(calls) == sorted(RECORDED)
    rs = by_key(out.result['services'], 'udp:192.0.2.103:53')['real_servers'][0]
    assert rs['method'] == 'tunnel' and rs['tun_type'] == 'ipip'
    assert rs['persistent_conns'] == 0
    assert rs['rates'] == dict(cps=0, inpps=0, outpps=0, inbps=0, outbps=0)


def test_only_the_table(monkeypatch):
    out, calls = run_info(monkeypatch, gather=[])
    assert calls == [('-S', '-n')]
    assert 'timeouts' not in out.result and 'ipvs' not in out.result
    rs = by_key(out.result['services'], 'tcp:192.0.2.102:443')['real_servers'][0]
    assert rs['upper_threshold'] is None    # -Sn does not show thresholds
    assert 'stats' not in rs


def test_counters_are_parsed_not_copied(monkeypatch):
    """Counters as a busy director prints them (the recorded ones are all 0): the recorded
    --stats listing with one row's numbers replaced."""
    outputs = dict((k, fixture(v)) for k, v in RECORDED.items())
    outputs[('-L', '-n', '--stats', '--exact')] = outputs[
        ('-L', '-n', '--stats', '--exact')].replace(
        '  -> 192.0.2.10:80                       0        0        0        0        0',
        '  -> 192.0.2.10:80                      17      340      290    22100   418000')
    out, dummy = run_info(monkeypatch, outputs=outputs, gather=['stats'])
    rs = by_key(out.result['services'], 'tcp:192.0.2.100:80')['real_servers'][1]
    assert rs['address'] == '192.0.2.10'
    assert rs['stats'] == dict(conns=17, inpkts=340, outpkts=290, inbytes=22100, outbytes=418000)


def test_ipvsadm_failure_is_reported(monkeypatch):
    outputs = {('-S', '-n'): (2, '', "Can't initialize ipvs: Protocol not available\n")}
    out, dummy = run_info(monkeypatch, outputs=outputs, gather=[])
    assert out.failed
    assert out.result['rc'] == 2
    assert "Can't initialize ipvs" in out.result['msg']


def test_info_output_fed_to_ipvsadm_is_a_no_op(monkeypatch):
    """What the docs promise: drop key, counters and nulls, and ipvsadm declares the table
    as it is (in check mode against the same recorded table)."""
    out, dummy = run_info(monkeypatch, gather=['stats', 'thresholds', 'persistent_conns'])
    read_only = ('key', 'stats', 'rates', 'active_conns', 'inactive_conns', 'persistent_conns')
    services = []
    for svc in out.result['services']:
        svc = dict((k, v) for k, v in svc.items() if v is not None and k not in read_only)
        svc['real_servers'] = [dict((k, v) for k, v in rs.items()
                                    if v is not None and k not in read_only)
                               for rs in svc['real_servers']]
        services.append(svc)
    result, calls = run_info(monkeypatch, module=ipvsadm_module, services=services,
                             _ansible_check_mode=True)
    assert not result.failed, result.result
    assert result.result['changed'] is False
    assert result.result['commands'] == []
    # thresholds are declared (as read), so the module read them to compare
    assert calls == [('-S', '-n'), ('-L', '-n', '--thresholds')]
