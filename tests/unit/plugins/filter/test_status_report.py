# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.status_report: what it takes from hostvars before module_utils/status.py judges it
(tests/unit/plugins/module_utils/test_status.py has the judging)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.lvs.cluster.plugins.filter.status import status_report

SERVICES = [{'name': 'www', 'vip': '10.88.0.100', 'port': 80,
             'real_servers': [{'host': 'web1'}, {'address': '10.88.0.22', 'weight': 2}]}]


def table(*weights):
    """An ipvsadm_info result: www with web1 and web2 at these weights."""
    return {'changed': False, 'gathered': ['rates', 'thresholds'], 'services': [{
        'key': 'tcp:10.88.0.100:80', 'protocol': 'tcp', 'address': '10.88.0.100', 'port': 80, 'fwmark': None,
        'real_servers': [{'address': address, 'port': 80, 'weight': weight, 'method': 'route', 'active_conns': 1,
                          'inactive_conns': 2, 'rates': {'cps': 3, 'inpps': 4, 'outpps': 0, 'inbps': 5, 'outbps': 0}}
                         for address, weight in zip(('10.88.0.21', '10.88.0.22'), weights)]}]}


def director(address, state, ipvs, drained=(), **more):
    # keepalived_status with drain_dir, as status.yml registers it: VRRP states and the drains
    return dict({'lvs_address': address, 'lvs_vrrp_status': {
        'running': True, 'instances': {'VI_WEB': {'state': state}}, 'drained': list(drained)},
        'lvs_status_ipvs': ipvs}, **more)


def hostvars(dir1, dir2):
    found = {'web1': {'lvs_address': '10.88.0.21'}, 'web2': {'ansible_host': '10.88.0.22'}}
    found.update((name, value) for name, value in (('dir1', dir1), ('dir2', dir2)) if value is not None)
    return found


def test_results_are_taken_from_each_directors_registered_variables():
    dir2 = director('10.88.0.12', 'BACKUP', table(0, 2), ['10.88.0.21'])
    report = status_report(hostvars(director('10.88.0.11', 'MASTER', table(1, 2)), dir2), ['dir1', 'dir2'], SERVICES)
    assert report['problems'] == []
    assert report['vrrp']['instances'] == {'VI_WEB': {'MASTER': ['dir1'], 'BACKUP': ['dir2'], 'other': {}}}
    rows = dict((host, [(r['host'], r['weight'], r['inventory_weight'], r['drained'], r['healthy'])
                        for r in entry['services'][0]['real_servers']])
                for host, entry in report['directors'].items())
    assert rows == {'dir1': [('web1', 1, 1, False, True), ('web2', 2, 2, False, True)],
                    'dir2': [('web1', 0, 1, True, False), ('web2', 2, 2, False, True)]}


def test_split_brain_and_a_director_missing_from_hostvars():
    report = status_report(hostvars(director('10.88.0.11', 'MASTER', table(0, 0)), None), ['dir1', 'dir2'], SERVICES)
    assert report['problems'] == [
        'dir2 could not be reached: its VRRP state is unknown',
        'dir1: service www (tcp:10.88.0.100:80) has no healthy real server: 10.88.0.21:80: weight 0 in IPVS, not '
        'drained (checker failed, inhibit_on_failure), 10.88.0.22:80: weight 0 in IPVS, not drained (checker failed, '
        'inhibit_on_failure)',
        'dir2 was not asked (not in this run, or a task failed on it): its IPVS table is unknown']
    both = hostvars(director('10.88.0.11', 'MASTER', table(1, 1)), director('10.88.0.12', 'MASTER', table(1, 1)))
    split = status_report(both, ['dir1', 'dir2'], SERVICES)
    assert split['vrrp']['split_brain'] == ['VI_WEB']
    assert split['problems'] == split['vrrp']['problems']


@pytest.mark.parametrize('single', [True, 'true'])
def test_single_director_reads_no_vrrp_and_no_drain(single):
    """No keepalived: services are static (a checker-less service, weights adding up to 0, is valid),
    and what a drain variable holds is not read."""
    services = [dict(SERVICES[0], real_servers=[{'host': 'web1', 'weight': 0}])]
    one = director('10.88.0.11', 'MASTER', table(0), ['10.88.0.21'], lvs_single_director=True)
    one['lvs_vrrp_status'] = {'skipped': True}
    report = status_report(hostvars(one, None), ['dir1'], services, single=single)
    assert report['vrrp'] is None
    assert report['directors']['dir1']['drained'] == []
    assert report['problems'] == ['dir1: service www (tcp:10.88.0.100:80) has no healthy real server: '
                                  '10.88.0.21:80 has weight 0 in the inventory']


@pytest.mark.parametrize('directors, services, message', [
    ('dir1', SERVICES, 'directors must be a list'),
    (['dir1'], [{'name': 'www', 'vip': '10.88.0.100', 'port': 80, 'real_servers': [{'host': 'web9'}]}],
     "host 'web9' is not in the inventory"),
])
def test_bad_input_is_a_filter_error(directors, services, message):
    with pytest.raises(AnsibleFilterError, match=message):
        status_report(hostvars(director('10.88.0.11', 'MASTER', table(1, 1)), None), directors, services)
