# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight with lvs_single_director (module_utils/preflight_single.py): a good single-director
inventory passes with the warning of what it lacks; each mistake is one problem naming its
variable; the VRRP rules stay for inventories without the switch."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import preflight

WWW = {'name': 'www', 'vip': '192.168.20.100', 'port': 80, 'scheduler': 'rr',
       'real_servers': [{'host': 'web1'}, {'host': 'web2'}]}
NAT = {'name': 'app', 'vip': '192.168.20.101', 'port': 80, 'method': 'NAT',
       'real_servers': [{'host': 'app1', 'port': 8080}]}
HOSTVARS = {
    'dir1': {'ansible_host': '192.168.20.2', 'lvs_single_director': True, 'director_interface': 'eth0',
             'director_subnets': {'eth0': ['192.168.20.0/24']}},
    'web1': {'ansible_host': '192.168.20.9'},
    'web2': {'ansible_host': '192.168.20.10'},
    'app1': {'ansible_host': '10.1.0.5', 'lvs_gateway': '192.168.20.2'},
}


def run(services=None, instances=None, hostvars=None, directors=('dir1',), real_servers=('web1', 'web2', 'app1')):
    hvars = copy.deepcopy(HOSTVARS)
    for host, changes in (hostvars or {}).items():
        hvars.setdefault(host, {}).update(changes)
        for key in [k for k, v in changes.items() if v is None]:
            del hvars[host][key]
    return preflight.check(copy.deepcopy([WWW, NAT] if services is None else services), instances, hvars,
                           list(directors), list(real_servers))


def test_good_inventory_passes_with_the_warning_of_what_it_lacks():
    result = run()
    assert result['problems'] == []
    assert result['rollout_order'] == ['dir1']
    lacks = [w for w in result['warnings'] if w['variable'] == 'lvs_single_director']
    assert len(lacks) == 1 and 'no failover' in lacks[0]['message'] and 'no health checks' in lacks[0]['message']


def test_without_the_switch_one_director_is_refused_and_told_about_it():
    result = run(hostvars={'dir1': {'lvs_single_director': None}})
    texts = [p['text'] for p in result['problems']]
    assert any('no VRRP instance carries VIP 192.168.20.100' in t and 'lvs_single_director: true' in t for t in texts)


# (id, run() arguments, the variable of the one problem expected, a word of it)
BAD = [
    ('checker', {'services': [dict(WWW, checker={'type': 'HTTP_GET'})]}, 'lvs_virtual_services[0] (www).checker',
     'nothing would check'),
    ('bad-checker-once', {'services': [dict(WWW, checker={'type': 'BOGUS'})]}, 'lvs_virtual_services[0] (www).checker',
     'nothing would check'),
    ('sorry_server', {'services': [dict(WWW, sorry_server={'address': '192.168.20.50'})]},
     'lvs_virtual_services[0] (www).sorry_server', 'nothing would ever put it in'),
    ('managed_by', {'services': [dict(WWW, managed_by='keepalived')]}, 'lvs_virtual_services[0] (www).managed_by',
     'ipvsadm'),
    ('real-server-checker', {'services': [dict(WWW, real_servers=[{'host': 'web1', 'checker': 'TCP_CHECK'}])]},
     'lvs_virtual_services[0] (www).real_servers[0].checker', 'nothing would check'),
    ('instances', {'instances': [{'name': 'VI_1', 'virtual_router_id': 51}]}, 'lvs_vrrp_instances', 'VRRP'),
    ('two-directors', {'directors': ('dir1', 'dir2'), 'hostvars': {'dir2': {'ansible_host': '192.168.20.3'}}},
     'lvs_directors', 'exactly one'),
    ('quoted', {'hostvars': {'dir1': {'lvs_single_director': 'true'}}}, 'lvs_single_director', 'true or false'),
    ('differs', {'hostvars': {'web1': {'lvs_single_director': False}}}, 'lvs_single_director', 'differs'),
    ('sync-daemon', {'hostvars': {'dir1': {'director_lvs_sync_daemon': {'interface': 'eth0', 'instance': 'VI_1'}}}},
     'director_lvs_sync_daemon', 'backup director'),
    ('vip-outside-subnet', {'services': [dict(WWW, vip='192.168.30.1')]}, 'lvs_virtual_services[0] (www).vip',
     'outside every subnet'),
    ('vip-broadcast', {'services': [dict(WWW, vip='192.168.20.255')]}, 'lvs_virtual_services[0] (www).vip',
     'broadcast'),
    ('nat-no-gateway', {'hostvars': {'app1': {'lvs_gateway': None}}}, 'lvs_virtual_services[1] (app).real_servers (app1)',
     'no route back'),
    ('nat-foreign-gateway', {'hostvars': {'app1': {'lvs_gateway': '10.1.0.1'}}}, 'lvs_gateway', 'bypass'),
]


@pytest.mark.parametrize('kwargs, variable, word', [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_each_mistake_is_one_problem(kwargs, variable, word):
    problems = run(**kwargs)['problems']
    assert [p['variable'] for p in problems] == [variable], [p['text'] for p in problems]
    assert word in problems[0]['message']


@pytest.mark.parametrize('gateway', ['192.168.20.2', '192.168.20.101'], ids=['director-address', 'held-vip'])
def test_nat_gateway_may_be_the_director_itself(gateway):
    """No failover: the director's own address is as good as a VIP for the way back."""
    assert run(hostvars={'app1': {'lvs_gateway': gateway}})['problems'] == []


def test_vip_interface_unknown_is_a_warning():
    result = run(hostvars={'dir1': {'director_interface': None}})
    assert result['problems'] == []
    assert any(w['variable'] == 'director_interface' and 'default route' in w['message'] for w in result['warnings'])
