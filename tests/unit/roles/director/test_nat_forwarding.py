# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The director role forwards (net.ipv4.ip_forward=1) exactly when a NAT service exists: NAT
replies come back through the director to be rewritten, DR and TUN replies never do."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import director_vars, inventory

INSTANCES = [{'name': 'VI_1', 'interface': 'eth0', 'virtual_router_id': 51, 'master': 'd1',
              'extra_vips': [{'address': '10.89.0.254', 'prefix': 24, 'dev': 'eth1'}]}]


def service(method, port=80):
    return {'name': 'www-%s' % method.lower(), 'vip': '192.168.20.100', 'port': 80, 'method': method,
            'real_servers': [{'address': '10.89.0.11', 'port': port}]}


@pytest.mark.parametrize('services, extra, forwarding', [
    ([service('NAT', 8080)], {}, 1),
    ([service('DR')], {}, None),
    ([service('TUN')], {}, None),
    ([service('NAT', 8080)], {'director_sysctl': {'net.ipv4.ip_forward': 0}}, 0),   # the operator's word wins
])
def test_ip_forward_only_for_nat(services, extra, forwarding):
    hostvars, groups = inventory(INSTANCES, services, all_vars=extra)
    settings = director_vars(hostvars, groups, 'd1')['director_sysctl_effective']
    assert settings.get('net.ipv4.ip_forward') == forwarding
