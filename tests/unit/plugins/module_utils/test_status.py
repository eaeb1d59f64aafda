# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the status report (module_utils/status.py).

The IPVS tables are what ipvsadm_info returns for the molecule lab's cluster: ipvsadm text in
the columns ipvsadm 1.31 prints (tests/unit/fixtures/ipvsadm), read through ipvs_info.gather_info,
the module's own code. The inventory is the lab's (molecule/default/inventory), normalised by the
model as the filter does."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import re

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import single_director
from ansible_collections.lvs.cluster.plugins.module_utils import status
from ansible_collections.lvs.cluster.plugins.module_utils import vrrp
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_info import gather_info

from ansible_collections.lvs.cluster.tests.unit.plugins.module_utils.ipvs_samples import fixture

HOSTVARS = dict((name, {'lvs_address': address}) for name, address in (
    ('dir1', '10.88.0.11'), ('dir2', '10.88.0.12'), ('web1', '10.88.0.21'), ('web2', '10.88.0.22'),
    ('nat1', '10.89.0.31'), ('tun1', '10.90.0.41')))
TCP = {'type': 'TCP_CHECK'}
SERVICES = [
    {'name': 'www', 'vip': '10.88.0.100', 'port': 80, 'scheduler': 'rr', 'checker': TCP,
     'real_servers': [{'host': 'web1'}, {'host': 'web2'}]},
    {'name': 'sticky', 'fwmark': 1, 'vips': ['10.88.0.101'], 'fwmark_ports': [80, 443], 'persistence_timeout': 60,
     'scheduler': 'rr', 'checker': TCP, 'real_servers': [{'host': 'web1'}, {'host': 'web2'}]},
    {'name': 'nat', 'vip': '10.88.0.102', 'port': 80, 'method': 'NAT', 'scheduler': 'rr', 'checker': TCP,
     'real_servers': [{'host': 'nat1', 'port': 8080}]},
    {'name': 'tun', 'vip': '10.88.0.103', 'port': 80, 'method': 'TUN', 'scheduler': 'rr', 'checker': TCP,
     'real_servers': [{'host': 'tun1'}]},
]

# ipvsadm -Sn of a healthy director of the lab
SAVE = """-A -t 10.88.0.100:80 -s rr
-a -t 10.88.0.100:80 -r 10.88.0.21:80 -g -w 1
-a -t 10.88.0.100:80 -r 10.88.0.22:80 -g -w 1
-A -t 10.88.0.102:80 -s rr
-a -t 10.88.0.102:80 -r 10.89.0.31:8080 -m -w 1
-A -t 10.88.0.103:80 -s rr
-a -t 10.88.0.103:80 -r 10.90.0.41:80 -i -w 1 --tun-type ipip
-A -f 1 -s rr -p 60
-a -f 1 -r 10.88.0.21:0 -g -w 1
-a -f 1 -r 10.88.0.22:0 -g -w 1
"""
# Listings: every real server any variant may hold (gather_info merges only those in the table).
# Each counter is distinct, so a value put on the wrong real server or column shows.
THRESHOLDS = """IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn
  -> RemoteAddress:Port
TCP  10.88.0.100:80 rr
  -> 10.88.0.21:80                0          0          12         40
  -> 10.88.0.22:80                0          0          11         38
TCP  10.88.0.102:80 rr
  -> 10.89.0.31:8080              0          0          3          7
TCP  10.88.0.103:80 rr
  -> 10.88.0.50:80                0          0          1          0
  -> 10.90.0.41:80                0          0          2          5
TCP  10.88.0.104:80 rr
  -> 10.88.0.23:80                0          0          0          2
FWM  1 rr persistent 60
  -> 10.88.0.21:0                 0          0          4          9
  -> 10.88.0.22:0                 0          0          6          10
"""
RATES = """IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
  -> RemoteAddress:Port
TCP  10.88.0.100:80                     25      180        0    15200        0
  -> 10.88.0.21:80                      13       95        0     8100        0
  -> 10.88.0.22:80                      12       85        0     7100        0
TCP  10.88.0.102:80                      4       30       28     2400    41000
  -> 10.89.0.31:8080                     4       30       28     2400    41000
TCP  10.88.0.103:80                      2       14        0     1100        0
  -> 10.88.0.50:80                       1        7        0      500        0
  -> 10.90.0.41:80                       2       14        0     1100        0
TCP  10.88.0.104:80                      0        1        0       60        0
  -> 10.88.0.23:80                       0        1        0       60        0
FWM  1                                   8       60        0     5000        0
  -> 10.88.0.21:0                        3       20        0     1900        0
  -> 10.88.0.22:0                        5       40        0     3100        0
"""


class FakeIpvsadm(object):
    def __init__(self, save):
        self.outputs = {'save': save, 'thresholds': THRESHOLDS, 'rates': RATES}

    def read(self, command):
        return self.outputs[command]


def ipvs(save=SAVE):
    """What lvs.cluster.ipvsadm_info (gather: [thresholds, rates]) registers for this table."""
    return dict(gather_info(FakeIpvsadm(save), ['thresholds', 'rates']), changed=False, failed=False)


def edit(save=SAVE, drop=(), weights=None, add=()):
    """The table with the lines that contain one of ``drop`` removed, real server weights changed
    (``'-r 10.88.0.21:80': 0``) and lines added."""
    lines = [line for line in save.splitlines() if not any(d in line for d in drop)]
    for needle, weight in (weights or {}).items():
        lines = [line.replace(' -w 1', ' -w %d' % weight) if needle in line else line for line in lines]
    return '\n'.join(lines + list(add)) + '\n'


def drain(*addresses):
    return {'changed': False, 'failed': False, 'drained': sorted(addresses)}


def services(raw=None):
    return model.normalize_services(SERVICES if raw is None else raw, HOSTVARS)


def run(dir1=None, dir2=None, raw=None, vrrp_report=None, single=False):
    """The report of the lab: ``dirN`` is {'ipvs': ..., 'drain': ...} (default: healthy, nothing drained)."""
    results = {}
    for host, given in (('dir1', dir1), ('dir2', dir2)):
        if given is not False:
            results[host] = dict({'ipvs': ipvs(), 'drain': drain()}, **(given or {}))
    return status.report(services(raw), results, vrrp_report, single)


def svc(report, host, name):
    [found] = [s for s in report['directors'][host]['services'] if s['name'] == name]
    return found


def rs(report, host, name, address):
    [found] = [r for r in svc(report, host, name)['real_servers'] if r['address'] == address]
    return found


def brief(row):
    """The judged fields of a real server: (in_ipvs, weight, inventory weight, checker, drained, healthy, note)."""
    return (row['in_ipvs'], row['weight'], row['inventory_weight'], row['checker'], row['drained'], row['healthy'],
            row['note'])


def test_healthy_lab():
    report = run()
    assert report['problems'] == []
    assert report['vrrp'] is None
    assert sorted(report['directors']) == ['dir1', 'dir2']
    entry = report['directors']['dir1']
    assert (entry['reachable'], entry['drained'], entry['error']) == (True, [], None)
    assert [(s['name'], s['key'], s['in_ipvs'], s['healthy']) for s in entry['services']] == [
        ('www', 'tcp:10.88.0.100:80', True, 2), ('nat', 'tcp:10.88.0.102:80', True, 1),
        ('tun', 'tcp:10.88.0.103:80', True, 1), ('sticky', 'fwmark:1', True, 2)]
    assert rs(report, 'dir1', 'www', '10.88.0.21') == {
        'address': '10.88.0.21', 'port': 80, 'host': 'web1', 'in_ipvs': True, 'weight': 1, 'inventory_weight': 1,
        'checker': 'up', 'drained': False, 'healthy': True, 'active_conns': 12, 'inactive_conns': 40,
        'rates': {'cps': 13, 'inpps': 95, 'outpps': 0, 'inbps': 8100, 'outbps': 0}, 'note': None}


def test_counters_land_on_their_real_server():
    report = run()
    nat = rs(report, 'dir2', 'nat', '10.89.0.31')
    assert (nat['port'], nat['active_conns'], nat['inactive_conns']) == (8080, 3, 7)
    assert nat['rates'] == {'cps': 4, 'inpps': 30, 'outpps': 28, 'inbps': 2400, 'outbps': 41000}
    web2 = rs(report, 'dir1', 'sticky', '10.88.0.22')
    assert (web2['port'], web2['active_conns'], web2['inactive_conns']) == (0, 6, 10)
    assert web2['rates'] == {'cps': 5, 'inpps': 40, 'outpps': 0, 'inbps': 3100, 'outbps': 0}


W1, W2 = '10.88.0.21', '10.88.0.22'
UP = (True, 1, 1, 'up', False, True, None)
ABSENT = (False, None, 1, 'down', False, False, 'not in IPVS')
INHIBIT = 'weight 0 in IPVS, not drained (checker failed, inhibit_on_failure)'
INHIBITED = (True, 0, 1, 'down', False, False, INHIBIT)
DRAINED = (True, 0, 1, 'up', True, False, None)
WWW = 'dir1: service www (tcp:10.88.0.100:80) has no healthy real server: '


@pytest.mark.parametrize('save, drained, web1, web2, problems', [
    pytest.param(SAVE, (), UP, UP, [], id='both up'),
    # keepalived removed web1 (its check failed): web2 alone carries www
    pytest.param(edit(drop=['-r 10.88.0.21:80']), (), ABSENT, UP, [], id='web1 failed its check'),
    # inhibit_on_failure keeps a failed real server at weight 0
    pytest.param(edit(weights={'-r 10.88.0.21:80': 0}), (), INHIBITED, UP, [], id='web1 inhibited'),
    # a drain sets the weight to 0 (keepalived applies it): up, but no longer healthy
    pytest.param(edit(weights={'-r 10.88.0.21:': 0}), (W1,), DRAINED, UP, [], id='web1 drained'),
    pytest.param(edit(weights={'-r 10.88.0.21:': 0, '-r 10.88.0.22:': 0}), (W1, W2), DRAINED, DRAINED,
                 [WWW + '10.88.0.21:80 drained, 10.88.0.22:80 drained',
                  'dir1: service sticky (fwmark:1) has no healthy real server: 10.88.0.21:0 drained, 10.88.0.22:0 drained'],
                 id='both drained'),
    pytest.param(edit(drop=['-r 10.88.0.21:80'], weights={'-r 10.88.0.22:80': 0}), (), ABSENT, INHIBITED,
                 [WWW + '10.88.0.21:80 not in IPVS, 10.88.0.22:80: ' + INHIBIT],
                 id='one failed, one inhibited'),
    pytest.param(edit(drop=['-r 10.88.0.21:80'], weights={'-r 10.88.0.22:80': 0}), (W2,), ABSENT, DRAINED,
                 [WWW + '10.88.0.21:80 not in IPVS, 10.88.0.22:80 drained'], id='one failed, the other drained'),
    pytest.param(edit(drop=['-t 10.88.0.100:80']), (), ABSENT, ABSENT, [WWW + 'the service is not in IPVS'],
                 id='service not in IPVS'),
])
def test_checker_and_health_of_web1_and_web2(save, drained, web1, web2, problems):
    """dir1 as given, dir2 healthy: www's real servers, and what is wrong."""
    report = run(dir1={'ipvs': ipvs(save), 'drain': drain(*drained)})
    assert brief(rs(report, 'dir1', 'www', W1)) == web1
    assert brief(rs(report, 'dir1', 'www', W2)) == web2
    assert svc(report, 'dir1', 'www')['healthy'] == [web1, web2].count(UP)
    assert report['directors']['dir1']['drained'] == list(drained)
    assert report['problems'] == problems
    assert svc(report, 'dir2', 'www')['healthy'] == 2


def test_drained_elsewhere_is_per_director():
    """A drain is per director: web1 drained on dir1 is still healthy on dir2."""
    report = run(dir1={'ipvs': ipvs(edit(weights={'-r 10.88.0.21:': 0})), 'drain': drain(W1)})
    assert brief(rs(report, 'dir1', 'sticky', W1)) == (True, 0, 1, 'up', True, False, None)
    assert brief(rs(report, 'dir2', 'sticky', W1)) == UP


def test_drained_before_keepalived_applied_it_is_not_healthy():
    report = run(dir1={'drain': drain(W1)})
    assert brief(rs(report, 'dir1', 'www', W1)) == (True, 1, 1, 'up', True, False, 'drained, but IPVS weight still 1')
    assert svc(report, 'dir1', 'www')['healthy'] == 1


def test_drained_addresses_are_compared_as_addresses():
    raw = copy.deepcopy(SERVICES)
    raw[0]['real_servers'] = [{'address': '2001:db8::21'}]
    v6 = edit(add=['-A -t [2001:db8::100]:80 -s rr', '-a -t [2001:db8::100]:80 -r [2001:db8::21]:80 -g -w 0'])
    raw.append(dict(raw[0], vip='2001:db8::100', name='www6'))
    report = run(raw=raw, dir1={'ipvs': ipvs(v6), 'drain': drain('2001:DB8:0::21')}, dir2=False)
    assert report['directors']['dir1']['drained'] == ['2001:db8::21']
    assert brief(rs(report, 'dir1', 'www6', '2001:db8::21')) == (True, 0, 1, 'up', True, False, None)
    assert report['problems'][-1] == ('dir1: service www6 (tcp:[2001:db8::100]:80) has no healthy real server: '
                                      '[2001:db8::21]:80 drained')


def test_inventory_weight_0_is_up_but_no_service_of_weight_0_alone_is_healthy():
    raw = copy.deepcopy(SERVICES)
    raw[2]['real_servers'][0]['weight'] = 0
    raw[2]['managed_by'] = 'ipvsadm'  # keepalived refuses a service whose weights add up to 0 (quorum 1)
    report = run(raw=raw, dir1={'ipvs': ipvs(edit(weights={'-r 10.89.0.31:8080': 0}))}, dir2=False)
    assert brief(rs(report, 'dir1', 'nat', '10.89.0.31')) == (True, 0, 0, 'up', False, False, None)
    assert report['problems'] == ['dir1: service nat (tcp:10.88.0.102:80) has no healthy real server: '
                                  '10.89.0.31:8080 has weight 0 in the inventory']


def test_what_the_inventory_does_not_list_is_shown_and_never_counted():
    """keepalived's sorry server (every real server down) and a leftover service: checker "-"."""
    added = ['-a -t 10.88.0.103:80 -r 10.88.0.50:80 -g -w 1',
             '-A -t 10.88.0.104:80 -s rr', '-a -t 10.88.0.104:80 -r 10.88.0.23:80 -g -w 1']
    save = edit(drop=['-r 10.90.0.41:80'], add=added)
    report = run(dir1={'ipvs': ipvs(save)})
    tun = svc(report, 'dir1', 'tun')
    assert [(r['address'], r['checker'], r['healthy'], r['note']) for r in tun['real_servers']] == [
        ('10.90.0.41', 'down', False, 'not in IPVS'), ('10.88.0.50', '-', False, 'not in inventory')]
    assert tun['healthy'] == 0
    sorry = tun['real_servers'][1]
    assert (sorry['host'], sorry['weight'], sorry['inventory_weight'], sorry['active_conns']) == (None, 1, None, 1)
    leftover = report['directors']['dir1']['services'][-1]
    assert (leftover['name'], leftover['key'], leftover['in_ipvs'], leftover['healthy']) == (
        None, 'tcp:10.88.0.104:80', True, 0)
    assert [brief(r) for r in leftover['real_servers']] == [(True, 1, None, '-', False, False, 'not in inventory')]
    assert [line.split()[:4] for line in report['table'] if '10.88.0.104' in line] == [
        ['dir1', '-', 'tcp:10.88.0.104:80', '10.88.0.23:80']]
    assert report['problems'] == ['dir1: service tun (tcp:10.88.0.103:80) has no healthy real server: '
                                  '10.90.0.41:80 not in IPVS']


@pytest.mark.parametrize('dir2, reachable, problem, error', [
    ({'ipvs': {'unreachable': True, 'msg': 'ssh: connect to host 10.88.0.12 port 22: No route to host'},
      'drain': {'unreachable': True}},
     False, 'dir2 could not be reached: its IPVS table is unknown', 'could not be reached'),
    ({'ipvs': None, 'drain': None}, False, 'dir2 was not asked (not in this run, or a task failed on it): its IPVS table is unknown',
     'was not asked (not in this run, or a task failed on it)'),
    ({'ipvs': {'skipped': True}}, False, 'dir2 was not asked (not in this run, or a task failed on it): its IPVS table is unknown',
     'was not asked (not in this run, or a task failed on it)'),
    # failed_when: false keeps the module's message
    ({'ipvs': {'changed': False, 'failed': False, 'failed_when_result': False,
               'msg': 'Failed to find required executable "ipvsadm"'}},
     True, 'dir2: the IPVS table could not be read: Failed to find required executable "ipvsadm"',
     'the IPVS table could not be read: Failed to find required executable "ipvsadm"'),
])
def test_a_director_whose_table_is_unknown_is_a_problem(dir2, reachable, problem, error):
    report = run(dir2=dir2)
    assert report['problems'] == [problem]
    entry = report['directors']['dir2']
    assert entry == {'reachable': reachable, 'drained': [], 'services': [], 'error': error}
    assert [line for line in report['table'] if line.startswith('dir2')] == [report['table'][-1]]
    assert report['table'][-1].split() == ['dir2'] + ['-'] * (len(status.COLUMNS) - 2) + error.split()
    assert len(report['directors']['dir1']['services']) == 4


@pytest.mark.parametrize('drain_result, why', [
    ({'changed': False, 'failed': False, 'msg': 'state_dir /var/lib/lvs-cluster/drain is not a directory'},
     'state_dir /var/lib/lvs-cluster/drain is not a directory'),
    ({'unreachable': True}, 'could not be reached'),
    (None, 'was not asked (not in this run, or a task failed on it)'),
])
def test_unknown_drain_state_is_a_problem_and_weight_0_shows_down(drain_result, why):
    report = run(dir1={'ipvs': ipvs(edit(weights={'-r 10.88.0.21:': 0})), 'drain': drain_result})
    assert report['problems'] == ['dir1: the drain state is unknown (%s): a real server with weight 0 shows as down'
                                  % why]
    assert brief(rs(report, 'dir1', 'www', W1)) == INHIBITED
    assert report['directors']['dir1']['reachable'] is True


def test_single_director_has_no_drain_and_no_vrrp():
    raw = [dict((k, v) for k, v in s.items() if k != 'checker') for s in SERVICES if s['name'] != 'sticky']
    svcs = model.normalize_services(single_director.prepare(raw), HOSTVARS)
    save = edit(weights={'-r 10.88.0.21:80': 0})
    report = status.report(svcs, {'dir1': {'ipvs': ipvs(save), 'drain': None}}, None, single=True)
    assert report['vrrp'] is None
    assert report['directors']['dir1']['drained'] == []
    # no checker here: a weight 0 the inventory does not give is a table not yet converged
    assert brief(rs(report, 'dir1', 'www', W1)) == (True, 0, 1, 'down', False, False,
                                                    'weight 0 in IPVS, 1 in the inventory (run site.yml)')
    assert [s['name'] for s in report['directors']['dir1']['services']] == ['www', 'nat', 'tun', None]
    assert report['problems'] == []
    alone = status.report(svcs, {'dir1': {'ipvs': ipvs(edit(weights={'-r 10.88.0.2': 0}))}}, None, single=True)
    assert alone['problems'] == [WWW + '10.88.0.21:80: weight 0 in IPVS, 1 in the inventory (run site.yml), '
                                 '10.88.0.22:80: weight 0 in IPVS, 1 in the inventory (run site.yml)']


def test_keepalived_directors_are_the_default_their_drain_state_is_read():
    report = status.report(services(), {'dir1': {'ipvs': ipvs(), 'drain': None}})
    assert report['problems'] == ['dir1: the drain state is unknown (was not asked (not in this run, or a task failed '
                                  'on it)): a real server with weight 0 shows as down']


def test_real_servers_are_told_apart_by_port():
    """One host, two ports (NAT): the one IPVS lacks is down, the other keeps its counters."""
    raw = copy.deepcopy(SERVICES)
    raw[2]['real_servers'].append({'host': 'nat1', 'port': 8081})
    save = edit(add=['-a -t 10.88.0.102:80 -r 10.89.0.31:8081 -m -w 1'], drop=['-r 10.89.0.31:8080'])
    report = run(raw=raw, dir1={'ipvs': ipvs(save)}, dir2=False)
    rows = svc(report, 'dir1', 'nat')['real_servers']
    assert [(r['port'], r['checker'], r['in_ipvs'], r['active_conns']) for r in rows] == [
        (8080, 'down', False, None), (8081, 'up', True, None)]
    assert svc(report, 'dir1', 'nat')['healthy'] == 1


def test_single_director_health_rule_still_applies():
    raw = [dict((k, v) for k, v in s.items() if k != 'checker') for s in SERVICES]
    report = status.report(model.normalize_services(raw, HOSTVARS),
                           {'dir1': {'ipvs': ipvs(edit(drop=['-r 10.89.0.31']))}}, None, single=True)
    assert report['problems'] == ['dir1: service nat (tcp:10.88.0.102:80) has no healthy real server: '
                                  '10.89.0.31:8080 not in IPVS']


def test_vrrp_problems_come_first_and_the_report_carries_vrrp():
    split = vrrp.cluster_report({'dir1': {'running': True, 'instances': {'VI_WEB': {'state': 'MASTER'}}},
                                 'dir2': {'running': True, 'instances': {'VI_WEB': {'state': 'MASTER'}}}})
    report = run(dir2={'ipvs': ipvs(edit(drop=['-r 10.89.0.31']))}, vrrp_report=split)
    assert report['vrrp'] is split
    assert len(report['problems']) == 2
    assert report['problems'][0].startswith('SPLIT BRAIN: VI_WEB is MASTER on dir1 and dir2 at once')
    assert report['problems'][1].startswith('dir2: service nat (tcp:10.88.0.102:80) has no healthy real server')


def test_recorded_ipv6_and_fwmark_ipv6_tables_match_the_inventory():
    """The recorded table (real ipvsadm output): keys and addresses as ipvsadm_info spells them."""
    outputs = {'save': fixture('save_n.txt'), 'thresholds': fixture('list_thresholds.txt'),
               'rates': fixture('list_rate.txt')}
    recorded = dict(gather_info(type('Recorded', (), {'read': lambda self, c: outputs[c]})(), ['thresholds', 'rates']))
    raw = [{'name': 'v6', 'vip': '2001:db8::100', 'port': 80, 'real_servers': [{'address': '2001:db8:0::9'}]},
           {'name': 'mark6', 'fwmark': 9, 'vips': ['2001:db8::200'], 'real_servers': [{'address': '2001:db8::31'}]},
           {'name': 'mark7', 'fwmark': 7, 'real_servers': [{'address': '192.0.2.31', 'weight': 2}]}]
    report = status.report(model.normalize_services(raw, {}), {'d': {'ipvs': recorded, 'drain': drain()}})
    named = [s for s in report['directors']['d']['services'] if s['name']]
    assert [(s['name'], s['key'], s['healthy']) for s in named] == [
        ('v6', 'tcp:[2001:db8::100]:80', 1), ('mark7', 'fwmark:7', 1), ('mark6', 'fwmark:9:ipv6', 1)]
    assert [brief(s['real_servers'][0]) for s in named] == [
        (True, 1, 1, 'up', False, True, None), (True, 2, 2, 'up', False, True, None), (True, 1, 1, 'up', False, True, None)]
    assert all(len(s['real_servers']) == 1 for s in named)
    assert len(report['directors']['d']['services']) == 13
    assert report['problems'] == []


# The table of dir1 with web1 drained and nat1 failed, dir2 unreachable (docs/operations.md shows it).
TABLE = [
    'DIRECTOR  SERVICE  KEY                 REAL SERVER      HOST  WEIGHT  INV  CHECKER  DRAINED  ACTIVE  INACTIVE'
    '  CPS  INPPS  OUTPPS  INBPS  OUTBPS  NOTE',
    'dir1      www      tcp:10.88.0.100:80  10.88.0.21:80    web1       0    1  up       yes          12        40'
    '   13     95       0   8100       0',
    'dir1      www      tcp:10.88.0.100:80  10.88.0.22:80    web2       1    1  up       no           11        38'
    '   12     85       0   7100       0',
    'dir1      nat      tcp:10.88.0.102:80  10.89.0.31:8080  nat1       -    1  down     no            -         -'
    '    -      -       -      -       -  not in IPVS',
    'dir1      tun      tcp:10.88.0.103:80  10.90.0.41:80    tun1       1    1  up       no            2         5'
    '    2     14       0   1100       0',
    'dir1      sticky   fwmark:1            10.88.0.21:0     web1       0    1  up       yes           4         9'
    '    3     20       0   1900       0',
    'dir1      sticky   fwmark:1            10.88.0.22:0     web2       1    1  up       no            6        10'
    '    5     40       0   3100       0',
    'dir2      -        -                   -                -          -    -  -        -             -         -'
    '    -      -       -      -       -  could not be reached',
]


def test_a_service_only_ipvs_has_and_without_real_servers_still_has_its_line():
    report = run(dir1={'ipvs': ipvs(edit(add=['-A -t 10.88.0.104:80 -s rr']))}, dir2=False)
    assert report['directors']['dir1']['services'][-1] == {'name': None, 'key': 'tcp:10.88.0.104:80', 'in_ipvs': True,
                                                           'healthy': 0, 'real_servers': []}
    assert report['table'][-1].split() == ['dir1', '-', 'tcp:10.88.0.104:80'] + ['-'] * 13 + [
        'not', 'in', 'inventory,', 'no', 'real', 'server']
    assert report['problems'] == []


def test_table_for_people():
    save = edit(drop=['-r 10.89.0.31'], weights={'-r 10.88.0.21:': 0})
    report = run(dir1={'ipvs': ipvs(save), 'drain': drain(W1)}, dir2={'ipvs': {'unreachable': True}})
    assert report['table'] == TABLE
    assert report['problems'] == [
        'dir1: service nat (tcp:10.88.0.102:80) has no healthy real server: 10.89.0.31:8080 not in IPVS',
        'dir2 could not be reached: its IPVS table is unknown']


def column(header, title):
    """Where ``title`` starts in the header line (a whole word: ACTIVE is not INACTIVE's end)."""
    return re.search(r'(?<!\S)%s(?!\S)' % re.escape(title), header).start()


@pytest.mark.parametrize('case', ['healthy', 'drained', 'unknown'])
def test_every_line_has_every_column_under_its_header(case):
    """Each field starts under its header (text) or ends under it (numbers): no column dropped or shifted."""
    dir1 = {'healthy': None, 'drained': {'ipvs': ipvs(edit(weights={'-r 10.88.0.21:': 0})), 'drain': drain(W1)},
            'unknown': {'ipvs': {'unreachable': True}}}[case]
    lines = run(dir1=dir1)['table']
    header = lines[0]
    assert len(lines) == 1 + (1 if case == 'unknown' else 6) + 6
    for line in lines[1:]:
        assert len(line[:column(header, 'NOTE')].split()) == len(status.COLUMNS) - 1, line
        for title, dummy, right in status.COLUMNS[:-1]:
            at = column(header, title)
            if right:
                end = at + len(title)
                assert line[end - 1] != ' ' and line[end:end + 2] in ('  ', ''), (title, line)
            else:
                assert line[at] != ' ' and (at == 0 or line[at - 1] == ' '), (title, line)
