# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a real server needs on its host, by the forwarding methods it serves.

- DR and TUN: the VIPs (:func:`model.real_server_vips`), ARP hidden (``arp_ignore=1``,
  ``arp_announce=2``), for TUN the tunnel module and a loose ``rp_filter``.
- NAT: no VIP and no ARP setting (the director rewrites the destination to the real server's own
  address), but the replies must go back through the director that holds the service: the default
  route via the host's ``lvs_gateway``, a gateway VIP of the directors.

A host serving NAT only gets no ARP sysctl and no tunnel module; a host serving DR (or TUN) and
NAT gets what DR (TUN) needs and the NAT route.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress

from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import fields

# Tunnel device -> the kernel module that creates it.
TUNNEL_MODULES = {'tunl0': 'ipip', 'ip6tnl0': 'ip6_tunnel'}
# arp_ignore=1: answer ARP only for addresses on the interface asked; arp_announce=2: never use a
# VIP as the ARP source. The kernel uses the larger of "all" and the interface's value.
ARP = (('arp_ignore', 1), ('arp_announce', 2))


def methods(services, host, hostvars):
    """The forwarding methods (sorted, of DR, NAT, TUN) of the services ``host`` is a real server or
    sorry server of, matched by inventory name or by one of its addresses as
    :func:`model.real_server_vips` matches them."""
    svcs = model.normalize_services(services, hostvars)
    mine = set(model._own_addresses(hostvars.get(host, {})))
    found = set()
    for svc in svcs:
        for rs in svc['real_servers']:
            if rs['host'] == host or rs['address'] in mine:
                found.add(svc['method'])
        sorry = svc['sorry_server']
        if sorry and (sorry['address'] in mine or owner_of(sorry['address'], hostvars) == host):
            found.add(sorry['method'] or svc['method'])
    return sorted(found)


def owner_of(address, hostvars):
    """The inventory host whose own address (``lvs_address``, ``ansible_host``) ``address`` is."""
    for name in sorted(hostvars):
        if address in model._own_addresses(hostvars[name]):
            return name
    return None


def gateway(served, lvs_gateway):
    """The default gateway the real server's role sets: ``lvs_gateway`` when the host serves a NAT
    service, else '' (no route is managed, and one set earlier is removed). A DR or TUN real server
    replies to the client directly: its ``lvs_gateway`` is not used."""
    if 'NAT' not in served or lvs_gateway in (None, ''):
        return ''
    if not isinstance(lvs_gateway, str):
        fields.fail('lvs_gateway', '%r is not an IP address: give the gateway VIP as a quoted string'
                    % (lvs_gateway,))
    try:
        return str(ipaddress.ip_address(lvs_gateway))
    except ValueError:
        fields.fail('lvs_gateway', '%r is not an IP address (no prefix): give the directors\' gateway VIP'
                    % (lvs_gateway,))


def kernel(vips, served, interface, rp_filter=2, extra=None):
    """The sysctl settings and kernel modules of a real server: ``{'sysctl': {...}, 'modules': [...]}``.

    ``vips`` is the list the host holds (``real_server_vips``), ``served`` its methods
    (:func:`methods`), ``interface`` the one VIP traffic arrives on. ARP is hidden where the host
    holds a VIP, and on a host that serves no NAT service (one not in any service yet is taken
    as a DR real server to be); a NAT-only host gets none of it. ``extra`` (``real_server_sysctl``)
    is added last, over the role's own keys.
    """
    devices = []
    for vip in vips or []:
        device = vip.get('device') or 'lo'
        if device not in devices:
            devices.append(device)
    tunnels = [dev for dev in devices if dev != 'lo']
    settings = {}
    if vips or 'NAT' not in served:
        # A dot in an interface name (eth0.100) is written as a slash in a dotted sysctl key.
        arp_devices = []
        for dev in ('all', 'lo', (interface or '').replace('.', '/')):
            if dev and dev not in arp_devices:
                arp_devices.append(dev)
        for dev in arp_devices:
            for key, value in ARP:
                settings['net.ipv4.conf.%s.%s' % (dev, key)] = value
    if 'tunl0' in tunnels:
        # IPv4 tunnel traffic arrives on tunl0 from client addresses routed elsewhere: rp_filter
        # there (and on "all", which the kernel combines with it by maximum) must not be strict (1).
        settings['net.ipv4.conf.all.rp_filter'] = rp_filter
        settings['net.ipv4.conf.tunl0.rp_filter'] = rp_filter
    settings.update(extra or {})
    modules = []
    for dev in tunnels:
        if dev in TUNNEL_MODULES and TUNNEL_MODULES[dev] not in modules:
            modules.append(TUNNEL_MODULES[dev])
    return {'sysctl': settings, 'modules': modules}
