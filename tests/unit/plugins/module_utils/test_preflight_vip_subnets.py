# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's VIP-in-subnet rule at the edges: a VIP may not be the network or the broadcast
address of an IPv4 subnet of its interface (up to /30); /31 (RFC 3021) and /32 have neither, and
IPv6 has no broadcast. Checked through ``preflight.check`` on a small two-director cluster, on the
problem's host, variable and key words (not the whole wording)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import preflight

DIRECTORS = ['d1', 'd2']


def run(vip, subnets, extra_vip=None):
    """One DR service on ``vip`` (instance VI_1 on eth0); real servers and directors on eth1."""
    instance = {'name': 'VI_1', 'interface': 'eth0', 'virtual_router_id': 51, 'master': 'd1'}
    if extra_vip:
        instance['extra_vips'] = [extra_vip]
    services = [{'name': 'web', 'vip': vip, 'port': 80, 'method': 'DR', 'vrrp_instance': 'VI_1',
                 'real_servers': [{'address': '192.0.2.21'}]}]
    hostvars = {}
    for index, host in enumerate(DIRECTORS):
        hostvars[host] = {'lvs_address': '192.0.2.%d' % (11 + index),
                          'director_subnets': {'eth0': subnets, 'eth1': ['192.0.2.0/24']}}
    return preflight.check(services, [instance], hostvars, DIRECTORS, [])


def edge_problems(result):
    return [p for p in result['problems'] if 'network address' in p['message'] or 'broadcast address' in p['message']]


@pytest.mark.parametrize('vip, subnets, word', [
    ('10.0.0.0', ['10.0.0.0/30'], 'network'),
    ('10.0.0.3', ['10.0.0.0/30'], 'broadcast'),
    ('10.0.0.8', ['10.0.0.8/29'], 'network'),
    ('10.0.0.15', ['10.0.0.8/29'], 'broadcast'),
    ('10.0.255.255', ['10.0.0.0/16'], 'broadcast'),
    ('172.16.0.0', ['10.9.0.0/24', '172.16.0.0/12'], 'network'),    # any subnet of the list
    ('10.0.0.4', ['10.0.0.4/30', '10.0.0.0/24'], 'network'),         # an edge of one subnet is enough
])
def test_vip_on_a_network_or_broadcast_address_is_refused(vip, subnets, word):
    result = run(vip, subnets)
    assert not result['ok']
    problems = edge_problems(result)
    assert problems and len(problems) == len(result['problems']), result['report']
    assert sorted(p['host'] for p in problems) == DIRECTORS
    for problem in problems:
        assert problem['variable'].startswith('lvs_virtual_services[0]') and problem['variable'].endswith('.vip'), problem
        assert vip in problem['message'] and '%s address' % word in problem['message'], problem
        assert problem['fix']


@pytest.mark.parametrize('vip, subnets', [
    ('10.0.0.1', ['10.0.0.0/30']),        # the two host addresses of a /30
    ('10.0.0.2', ['10.0.0.0/30']),
    ('10.0.0.0', ['10.0.0.0/31']),        # RFC 3021: both addresses of a /31 are hosts
    ('10.0.0.1', ['10.0.0.0/31']),
    ('10.0.0.7', ['10.0.0.7/32']),        # a /32 is its one address
    ('10.0.0.9', ['10.0.0.8/29']),
    ('10.0.0.14', ['10.0.0.8/29']),
    ('10.0.1.0', ['10.0.0.0/23']),        # .0 and .255 inside a larger subnet are hosts
    ('10.0.0.255', ['10.0.0.0/23']),
])
def test_host_addresses_pass(vip, subnets):
    result = run(vip, subnets)
    assert result['ok'], result['report']
    assert result['problems'] == []


@pytest.mark.parametrize('address, subnets', [
    ('2001:db8::', ['2001:db8::/64']),      # IPv6 has no broadcast; the subnet-router anycast address is
    ('2001:db8::3', ['2001:db8::/126']),    # not refused by this rule
])
def test_ipv6_has_no_broadcast(address, subnets):
    result = run('10.0.0.1', ['10.0.0.0/30'] + subnets, extra_vip={'address': address, 'prefix': 64, 'dev': 'eth0'})
    assert result['ok'], result['report']


def test_extra_vip_on_a_broadcast_address_names_extra_vips():
    result = run('10.0.0.1', ['10.0.0.0/30'], extra_vip={'address': '10.0.0.3', 'prefix': 30, 'dev': 'eth0'})
    problems = edge_problems(result)
    assert problems and len(problems) == len(result['problems']), result['report']
    assert all(p['variable'].endswith('.extra_vips') and 'broadcast address' in p['message'] for p in problems)


def test_vip_outside_every_subnet_is_one_problem_not_an_edge():
    result = run('10.0.0.4', ['10.0.0.0/30'])
    assert not result['ok']
    assert edge_problems(result) == []
    assert all('outside every subnet' in p['message'] for p in result['problems'])
