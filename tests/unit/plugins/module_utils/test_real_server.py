# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/real_server.py: which methods a host serves, the NAT route back it gets, and the
ARP sysctls and tunnel modules it gets (none of them on a NAT-only host)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import real_server
from ansible_collections.lvs.cluster.plugins.module_utils.fields import ModelError

HOSTVARS = {'web1': {'lvs_address': '10.89.0.11'}, 'web2': {'ansible_host': '10.89.0.12'}, 'other': {}}


def svc(method, *real_servers, **extra):
    vip = {'DR': '192.168.20.100', 'NAT': '192.168.20.102', 'TUN': '192.168.20.101'}[method]
    return dict({'name': 'svc-%s-%d' % (method.lower(), len(real_servers)), 'vip': vip, 'port': 80,
                 'method': method, 'real_servers': list(real_servers)}, **extra)


@pytest.mark.parametrize('services, host, expected', [
    ([], 'web1', []),
    ([svc('NAT', {'host': 'web1', 'port': 8080})], 'web1', ['NAT']),
    ([svc('NAT', {'host': 'web1', 'port': 8080})], 'web2', []),                    # another host's service
    ([svc('NAT', {'address': '10.89.0.12', 'port': 8080})], 'web2', ['NAT']),      # by address (ansible_host)
    ([svc('DR', {'host': 'web1'}), svc('NAT', {'host': 'web1', 'port': 8080})], 'web1', ['DR', 'NAT']),
    ([svc('TUN', {'host': 'web1'})], 'web1', ['TUN']),
    # a sorry server serves its own method, else the service's
    ([svc('DR', {'host': 'web2'}, sorry_server={'address': '10.89.0.11', 'port': 8080, 'method': 'NAT'})],
     'web1', ['NAT']),
    ([svc('NAT', {'host': 'web2', 'port': 8080}, sorry_server={'host': 'web1', 'port': 8080})], 'web1', ['NAT']),
])
def test_methods(services, host, expected):
    assert real_server.methods(services, host, HOSTVARS) == expected


@pytest.mark.parametrize('served, lvs_gateway, expected', [
    (['NAT'], '10.89.0.254', '10.89.0.254'),
    (['DR', 'NAT'], '10.89.0.254', '10.89.0.254'),
    (['NAT'], '2001:db8:0::fe', '2001:db8::fe'),       # normalised as ip prints it
    (['NAT'], None, ''),                                 # no gateway: no route managed
    (['NAT'], '', ''),
    (['DR'], '10.89.0.254', ''),                         # DR replies go to the client directly
    (['TUN'], '10.89.0.254', ''),
    ([], '10.89.0.254', ''),
])
def test_gateway(served, lvs_gateway, expected):
    assert real_server.gateway(served, lvs_gateway) == expected


@pytest.mark.parametrize('lvs_gateway', ['10.89.0.254/24', 'gw.example', 167772414, '10.89.0.999'])
def test_gateway_refuses_what_is_not_an_address(lvs_gateway):
    with pytest.raises(ModelError) as error:
        real_server.gateway(['NAT'], lvs_gateway)
    assert error.value.where == 'lvs_gateway'


ARP_ETH0 = {'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2,
            'net.ipv4.conf.lo.arp_ignore': 1, 'net.ipv4.conf.lo.arp_announce': 2,
            'net.ipv4.conf.eth0.arp_ignore': 1, 'net.ipv4.conf.eth0.arp_announce': 2}
RP = {'net.ipv4.conf.all.rp_filter': 2, 'net.ipv4.conf.tunl0.rp_filter': 2}
DR_VIP = [{'address': '192.168.20.100', 'device': 'lo'}]
TUN_VIP = [{'address': '192.168.20.101', 'device': 'tunl0'}]


@pytest.mark.parametrize('vips, served, sysctl, modules', [
    (DR_VIP, ['DR'], ARP_ETH0, []),
    (TUN_VIP, ['TUN'], dict(ARP_ETH0, **RP), ['ipip']),
    ([], ['NAT'], {}, []),                                  # NAT only: nothing to hide, no tunnel
    (DR_VIP, ['DR', 'NAT'], ARP_ETH0, []),                  # DR and NAT: what DR needs
    (TUN_VIP, ['NAT', 'TUN'], dict(ARP_ETH0, **RP), ['ipip']),
    ([], [], ARP_ETH0, []),                                 # no service yet: a DR real server to be
    # VIPs set by hand on a NAT host (real_server_vips): they are held, so ARP is hidden
    (DR_VIP, ['NAT'], ARP_ETH0, []),
    ([{'address': '2001:db8::9', 'device': 'ip6tnl0'}], ['TUN'], ARP_ETH0, ['ip6_tunnel']),
])
def test_kernel(vips, served, sysctl, modules):
    result = real_server.kernel(vips, served, 'eth0')
    assert result == {'sysctl': sysctl, 'modules': modules}
    assert list(result['sysctl']) == list(sysctl)   # the file's order


def test_kernel_interface_and_extra():
    """A dotted interface is written with a slash; real_server_sysctl comes last and wins, on a
    NAT-only host too."""
    result = real_server.kernel(DR_VIP, ['DR'], 'eth0.100', 1, {'net.ipv4.conf.all.arp_ignore': 2})
    assert result['sysctl']['net.ipv4.conf.eth0/100.arp_announce'] == 2
    assert result['sysctl']['net.ipv4.conf.all.arp_ignore'] == 2
    assert real_server.kernel([], ['NAT'], 'eth0', 2, {'net.core.somaxconn': 4096})['sysctl'] == {
        'net.core.somaxconn': 4096}
    # the serving interface being lo or all adds no second entry
    assert list(real_server.kernel(DR_VIP, ['DR'], 'lo')['sysctl']) == list(ARP_ETH0)[:4]
