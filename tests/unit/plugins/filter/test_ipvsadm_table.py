# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ipvsadm_table filter (what the director role passes to lvs.cluster.ipvsadm) describes the
same table as ipvsadm_services: the module reads both into the same desired state."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.lvs.cluster.plugins.filter import lvs
from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import DesiredState

DIRECTORS = ['dir1', 'dir2']
HOSTVARS = {'dir1': {'ansible_host': '10.88.0.11'}, 'dir2': {'ansible_host': '10.88.0.12'},
            'web1': {'ansible_host': '10.88.0.21'}, 'web2': {'ansible_host': '10.88.0.22'}}
INSTANCES = [{'name': 'VI_1', 'virtual_router_id': 51, 'interface': 'eth0'}]

SERVICES = [
    {'name': 'web', 'vip': '10.88.0.100', 'port': 80, 'scheduler': 'wrr', 'managed_by': 'ipvsadm',
     'real_servers': [{'host': 'web1', 'weight': 3}, {'host': 'web2', 'weight': 0}]},
    {'name': 'dns', 'vip': '10.88.0.100', 'port': 53, 'protocol': 'UDP', 'managed_by': 'ipvsadm',
     'scheduler': 'sh', 'scheduler_flags': ['sh-port', 'ops'], 'persistence_timeout': 50,
     'persistence_granularity': '255.255.255.0',
     'real_servers': [{'host': 'web1', 'uthreshold': 100, 'lthreshold': 0}, {'host': 'web2'}]},
    {'name': 'nat', 'vip': '10.88.0.101', 'port': 8080, 'method': 'NAT', 'managed_by': 'ipvsadm',
     'real_servers': [{'address': '10.88.0.21', 'port': 80}]},
    {'name': 'tun', 'vip': '10.88.0.102', 'port': 443, 'method': 'TUN', 'managed_by': 'ipvsadm',
     'real_servers': [{'address': '10.88.0.22'}]},
    {'name': 'fw', 'fwmark': 7, 'vips': ['10.88.0.103'], 'persistence_timeout': 600, 'managed_by': 'ipvsadm',
     'real_servers': [{'host': 'web1'}, {'host': 'web2'}]},
    {'name': 'fw6', 'fwmark': 9, 'vips': ['2001:db8::1'], 'managed_by': 'ipvsadm',
     'real_servers': [{'address': '2001:db8::9'}]},
]


def _static(services):
    return model.director_view(copy.deepcopy(services), copy.deepcopy(INSTANCES), 'dir1', DIRECTORS,
                               copy.deepcopy(HOSTVARS))['static_services']


def _state(state):
    return (dict(state.table.services), dict((spec, dict(dests)) for spec, dests in state.table.dests.items()),
            dict(state.table.thresholds))


@pytest.mark.parametrize('index', range(len(SERVICES)), ids=[s['name'] for s in SERVICES])
def test_table_and_services_describe_the_same_table(index):
    static = _static([SERVICES[index]])
    text = lvs.ipvsadm_table(static)
    assert text.startswith('-A ') and '\n-a ' in text, text
    from_table = DesiredState.from_params(None, table=text)
    from_services = DesiredState.from_params(model.ipvsadm_services(static))
    assert _state(from_table) == _state(from_services)


def test_all_services_in_one_table():
    static = _static(SERVICES)
    text = lvs.ipvsadm_table(static)
    assert text.count('\n-A ') + 1 == len(SERVICES)
    assert _state(DesiredState.from_params(None, table=text)) == _state(
        DesiredState.from_params(model.ipvsadm_services(static)))


def test_no_static_services_is_an_empty_table():
    assert lvs.ipvsadm_table([]) == ''


def test_what_the_module_refuses_is_a_filter_error():
    static = _static([SERVICES[0]])
    static[0]['real_servers'][0]['weight'] = 70000   # past the model's own check
    with pytest.raises(AnsibleFilterError, match='weight'):
        lvs.ipvsadm_table(static)
