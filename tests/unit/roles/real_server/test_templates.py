# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the real_server role's templates write: the VIP list lvs-real-server reads and its unit.
Rendered in Python by tests/unit/lib/director_render.py from the role's defaults and vars and the
lvs.cluster.real_server_vips filter (checked once against ansible-playbook's template task)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import real_server_vars, render

SERVICES = [
    {'name': 'web', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'host': 'web1'}, {'address': '10.0.0.22'}]},
    {'name': 'api', 'vip': '10.0.0.100', 'port': 81, 'real_servers': [{'host': 'web1'}]},
    {'name': 'tun', 'vip': '10.0.0.101', 'port': 80, 'method': 'TUN', 'real_servers': [{'host': 'web1'}]},
    {'name': 'nat', 'vip': '10.0.0.102', 'port': 80, 'method': 'NAT', 'real_servers': [{'host': 'web1'}]},
    {'name': 'v6', 'fwmark': 3, 'vips': ['2001:db8::5'], 'real_servers': [{'host': 'web1'}]},
    {'name': 'other', 'vip': '10.0.0.103', 'port': 80, 'real_servers': [{'address': '10.0.0.22'}]},
]
HEADER = ('#\n# Ansible managed\n#\n#\n'
          '# VIPs held by lvs-real-server.service (ADDRESS/PREFIX DEVICE; the rest is a comment).\n'
          '# Change them in the inventory (lvs_virtual_services), not here.\n')


def variables(services=None, extra=None):
    hostvars = {'web1': {'lvs_address': '10.0.0.21', 'lvs_virtual_services': SERVICES if services is None else services}}
    return real_server_vars(hostvars, {'all': ['web1'], 'lvs_real_servers': ['web1']}, 'web1', extra)


def test_vip_list():
    """DR VIPs on lo, TUN on tunl0, IPv6 as /128, one line per VIP and device naming its services;
    none for NAT or for services of other real servers."""
    assert render('lvs-real-server.conf.j2', variables(), 'real_server') == HEADER + (
        '10.0.0.100/32 lo  # DR: api, web\n'
        '10.0.0.101/32 tunl0  # TUN: tun\n'
        '2001:db8::5/128 lo  # DR: v6\n')


def test_vip_list_empty():
    assert render('lvs-real-server.conf.j2', variables([SERVICES[3]]), 'real_server') == HEADER


@pytest.mark.parametrize('vip, line', [
    ({'address': '10.1.1.1'}, '10.1.1.1/32 lo  # DR: \n'),     # only the address: the defaults
    ({'address': '2001:db8::9', 'device': 'ip6tnl0', 'method': 'TUN', 'services': ['b', 'a']},
     '2001:db8::9/128 ip6tnl0  # TUN: b, a\n'),
])
def test_vip_list_from_real_server_vips(vip, line):
    """real_server_vips set by hand (a role default): missing fields take the template's defaults."""
    text = render('lvs-real-server.conf.j2', variables(extra={'real_server_vips': [vip]}), 'real_server')
    assert text == HEADER + line


UNIT = '''#
# Ansible managed
#
[Unit]
Description=LVS real server virtual IPs (lvs.cluster)
Documentation=file:%(conf)s
# ARP is hidden (sysctl.d) and tunnel modules are loaded before any VIP appears; basic
# networking is configured first. Ordered before network-online.target, which services such
# as web servers wait for, so the VIPs are in place before they answer health checks; not
# pulling network-online.target in avoids waiting up to minutes for wait-online services.
After=systemd-sysctl.service systemd-modules-load.service network.target
Before=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
Environment=LVS_REAL_SERVER_CONF=%(conf)s
ExecStart=%(script)s start
ExecReload=%(script)s sync
ExecStop=%(script)s stop
CapabilityBoundingSet=CAP_NET_ADMIN
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
'''


@pytest.mark.parametrize('extra, paths', [
    ({}, {'conf': '/etc/lvs-real-server.conf', 'script': '/usr/local/sbin/lvs-real-server'}),
    ({'real_server_config_path': '/x/c', 'real_server_script_path': '/x/s'}, {'conf': '/x/c', 'script': '/x/s'}),
])
def test_unit(extra, paths):
    assert render('lvs-real-server.service.j2', variables(extra=extra), 'real_server') == UNIT % paths


NAT_SERVICES = [
    {'name': 'www', 'vip': '192.168.20.100', 'port': 80, 'method': 'NAT',
     'real_servers': [{'host': 'web1', 'port': 8080}]},
    {'name': 'dr', 'vip': '192.168.20.101', 'port': 80, 'real_servers': [{'host': 'web2'}]},
]


def nat_variables(host, hostvars_extra=None, services=None):
    hostvars = {
        'web1': {'lvs_address': '10.89.0.11', 'lvs_gateway': '10.89.0.254'},
        'web2': {'lvs_address': '10.89.0.12', 'lvs_gateway': '10.89.0.254'},
    }
    for name, extra in (hostvars_extra or {}).items():
        hostvars[name].update(extra)
    for hvars in hostvars.values():
        hvars['lvs_virtual_services'] = NAT_SERVICES if services is None else services
    return real_server_vars(hostvars, {'all': ['web1', 'web2'], 'lvs_real_servers': ['web1', 'web2']}, host,
                            {'real_server_interface': 'eth0'})


NAT_LINES = '# NAT: the default route back through the directors (lvs_gateway).\ngateway 10.89.0.254\n'


@pytest.mark.parametrize('host, hostvars_extra, text', [
    ('web1', None, HEADER + NAT_LINES),                                  # NAT: the route back, no VIP
    ('web2', None, HEADER + '192.168.20.101/32 lo  # DR: dr\n'),         # DR: lvs_gateway not used
    ('web1', {'web1': {'lvs_gateway': None}}, HEADER),                   # NAT without lvs_gateway: no route
])
def test_nat_gateway_line(host, hostvars_extra, text):
    assert render('lvs-real-server.conf.j2', nat_variables(host, hostvars_extra), 'real_server') == text


ARP = ['net.ipv4.conf.%s.%s' % (dev, key) for dev in ('all', 'lo', 'eth0') for key in ('arp_ignore', 'arp_announce')]


@pytest.mark.parametrize('host, services, sysctl_keys, modules', [
    ('web1', None, [], []),                                              # NAT only: no ARP, no module
    ('web2', None, ARP, []),                                             # DR
    # DR and NAT on one host: it keeps what DR needs
    ('web1', NAT_SERVICES + [{'name': 'dr1', 'vip': '192.168.20.102', 'port': 80, 'real_servers': [{'host': 'web1'}]}],
     ARP, []),
    ('web1', NAT_SERVICES + [{'name': 'tun', 'vip': '192.168.20.103', 'port': 80, 'method': 'TUN',
                              'real_servers': [{'host': 'web1'}]}],
     ARP + ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.tunl0.rp_filter'], ['ipip']),
])
def test_role_sysctl_and_modules_by_method(host, services, sysctl_keys, modules):
    """The role's vars (real_server_sysctl_effective, real_server_kernel_modules) wired to the filters."""
    variables = nat_variables(host, services=services)
    assert list(variables['real_server_sysctl_effective']) == sysctl_keys
    assert variables['real_server_kernel_modules'] == modules
