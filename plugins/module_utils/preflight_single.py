# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's rules for a single director without keepalived (``lvs_single_director: true``).

:func:`mode` reads the switch (strictly typed) and, when it is on, reports what the mode lacks (a
warning on every run) and every problem :func:`single_director.problems` finds; it returns the
services and settings with the refused options left out, so that the general rules do not report
them a second time. :func:`check_view` runs the address rules that stand in for the VRRP ones:
the VIPs the director holds lie in a subnet of their interface, and a NAT real server's way back
is the director (its own address or a VIP it holds: with one director there is no failover that
could move it).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils import grammar
from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import single_director

try:
    import netaddr
except ImportError:
    netaddr = None

VARIABLE = single_director.VARIABLE
_DOC = 'docs/topologies/single-director.md'


def _value(hostvars, hosts):
    """The switch as the first host that sets it sees it, and the hosts that see another value."""
    seen = [(host, hostvars.get(host, {}).get(VARIABLE)) for host in hosts]
    value = next((v for _h, v in seen if v is not None), None)
    return value, [h for h, v in seen if v is not None and v != value]


def mode(report, services, instances, hostvars, directors, real_servers):
    """Whether the inventory asks for a single director; its problems and the warning reported.

    Returns ``(single, services, instances)``: in this mode the services without the options
    reported here (and with ``managed_by: ipvsadm``), and no instances (reported if any).
    """
    value, differ = _value(hostvars, list(directors) + [h for h in real_servers if h not in directors])
    for host in differ:
        report.problem(host, VARIABLE, 'differs from what the other hosts see, so the roles would build different '
                       'clusters', 'set %s once, in group_vars/all' % VARIABLE)
    if value is None:
        return False, services, instances
    try:
        single = single_director.enabled(value)
    except model.ModelError as exc:
        report.problem('all', VARIABLE, exc.reason, 'write %s: true (or false) without quotes' % VARIABLE)
        # a quoted "true" means the mode: its rules apply, not the VRRP ones
        single = isinstance(value, str) and value.strip().lower() in ('true', 'yes', 'on')
    if not single:
        return False, services, instances
    director = directors[0] if len(directors) == 1 else 'all'
    report.warning(director, VARIABLE, single_director.LACKS % (directors[0] if len(directors) == 1 else 'the director'),
                   single_director.LACKS_FIX)
    for variable, reason, fix in single_director.problems(services, instances, directors,
                                                          settings(hostvars.get(directors[0], {})) if directors else {}):
        report.problem(director if variable.startswith(('director_', 'lvs_directors')) else 'all', variable, reason, fix)
    if isinstance(services, list):
        services = [single_director.strip(raw) for raw in services]
    return True, services, None


def settings(hvars):
    """The director_* variables the inventory sets, without the prefix."""
    return dict((key[len('director_'):], value) for key, value in hvars.items()
                if isinstance(key, str) and key.startswith('director_') and value is not None)


def view_settings(values):
    """A director's settings for the model's view, without those :func:`mode` already reported."""
    return dict((key, value) for key, value in values.items() if key not in single_director.SETTINGS)


def check_view(report, director, view, subnets, hostvars, labels):
    """The address rules of this mode over the director's view."""
    _check_vips(report, director, view, subnets, labels)
    _check_nat(report, director, view, hostvars, labels)


def _check_vips(report, director, view, subnets, labels):
    iface = view['vip_interface']
    origins = {}
    for svc in view['static_services']:
        label = labels.get(model.service_key(svc), 'lvs_virtual_services (%s)' % svc['name'])
        for vip in svc['vips']:
            origins.setdefault(vip, []).append(label + ('.vips' if svc['fwmark'] is not None else '.vip'))
    if not view['held_vips'] or subnets is False:
        return
    if iface is None or subnets is None or iface not in subnets:
        report.warning(director, 'director_interface' if iface is None else 'director_subnets',
                       'the VIPs %s go on %s, so the preflight cannot check that they are inside its subnets'
                       % (', '.join(v['address'] for v in view['held_vips']),
                          'the interface of the default route (known on the host only)' if iface is None
                          else '%s, which director_subnets does not give' % iface),
                       'set director_interface and director_subnets: {IFACE: [CIDR]} in host_vars/%s' % director)
        return
    nets = subnets[iface]
    for vip in view['held_vips']:
        addr = netaddr.IPAddress(vip['address'])
        variable = ', '.join(sorted(origins.get(vip['address'], ['lvs_virtual_services'])))
        inside = [net for net in nets if addr in net]
        if not inside:
            report.problem(director, variable,
                           'VIP %s is outside every subnet of %s on %s (%s): nothing on that link would send its '
                           'traffic to the director' % (vip['address'], iface, director, ', '.join(str(n) for n in nets)),
                           'use an address of those subnets, or add the subnet to director_subnets.%s if the link '
                           'carries it' % iface)
        for net in inside:
            if net.version == 4 and net.prefixlen < 31 and addr in (net.network, net.broadcast):
                report.problem(director, variable,
                               'VIP %s is the %s address of %s' % (vip['address'], 'network' if addr == net.network
                                                                   else 'broadcast', net),
                               'use a host address of %s' % net)


def _check_nat(report, director, view, hostvars, labels):
    """A NAT real server answers through the director: its lvs_gateway is the director's own
    address or a VIP the director holds."""
    held = [v['address'] for v in view['held_vips']]
    own = model._own_addresses(hostvars.get(director, {}))
    ways = own + [v for v in held if v not in own]
    for svc in view['static_services']:
        if svc['method'] != 'NAT':
            continue
        label = labels.get(model.service_key(svc), 'lvs_virtual_services (%s)' % svc['name'])
        for rs in svc['real_servers']:
            variable = '%s.real_servers (%s)' % (label, rs['host'] or rs['address'])
            if not rs['host']:
                report.warning('all', variable,
                               'NAT real server %s of service %s is not an inventory host: the preflight cannot tell '
                               'whether its replies go back through %s' % (rs['address'], svc['name'], director),
                               'make it an inventory host with lvs_gateway (%s)' % (', '.join(ways) or 'the director'))
                continue
            gateway = hostvars.get(rs['host'], {}).get('lvs_gateway')
            if gateway is None:
                report.problem(rs['host'], variable,
                               'NAT real server %s (%s) of service %s has no route back through %s: its replies '
                               'would leave with its own address and the client would drop them'
                               % (rs['host'], rs['address'], svc['name'], director),
                               'set lvs_gateway in host_vars/%s to %s (and make it its default route)'
                               % (rs['host'], ' or '.join(ways) or 'an address of %s' % director))
                continue
            try:
                gw = str(fields.ip(gateway, rs['host'], 'lvs_gateway'))
            except model.ModelError:
                report.problem(rs['host'], 'lvs_gateway', '%s is not an IP address' % grammar.describe(gateway),
                               'set lvs_gateway to the address its replies go through (no prefix)')
                continue
            if gw not in ways:
                report.problem(rs['host'], 'lvs_gateway',
                               'gateway %s is not an address of %s (%s): replies would bypass the director'
                               % (gw, director, ', '.join(ways) or 'none known'),
                               'set lvs_gateway to %s' % (' or '.join(ways) or 'an address of %s' % director))
