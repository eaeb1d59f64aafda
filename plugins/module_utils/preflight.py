# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight: every mistake in an LVS inventory, found on the controller before any host is touched.

It reads the inventory only (host variables and groups; no host is contacted) and returns every
problem at once, each as ``{host, variable, message, fix}``, plus warnings for the rules the
inventory gives too little to decide, and the order in which to roll out the directors.

One source of truth: field rules (scheduler, method, checker, weights, virtual_router_id,
auth_pass, real-server hosts ...) are decided by :mod:`model` itself, by normalising an item that
holds only the field under test; the cluster-wide rules run on the items that passed, over the
same :func:`model.director_view` the director role renders keepalived.conf from.

Address logic uses netaddr. Subnets come from the optional director variable
``director_subnets`` (interface -> CIDR or list of CIDRs); a NAT real server's way back comes from
its ``lvs_gateway`` or from a NAT gateway VIP (an ``extra_vips`` address with a prefix) that
covers it.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import preflight_single
from ansible_collections.lvs.cluster.plugins.module_utils import settings as role_settings

try:
    import netaddr
except ImportError:
    netaddr = None

HAS_NETADDR = netaddr is not None

DIRECTORS = 'lvs_directors'
REAL_SERVERS = 'lvs_real_servers'
SERVICES = 'lvs_virtual_services'
INSTANCES = 'lvs_vrrp_instances'
# Host variables the preflight reads besides the model's (lvs_address, ansible_host, director_interface).
HOST_KEYS = ('director_subnets', 'lvs_gateway', 'director_vrrp_strict', 'director_vrrp_version',
             preflight_single.VARIABLE)

# A field is checked by normalising one of these with only that field added (or replaced).
_RS_STUB = {'address': '192.0.2.2'}
_SVC_STUB = {'name': 'preflight', 'vip': '192.0.2.1', 'port': 80, 'real_servers': [_RS_STUB]}
_FW_STUB = {'name': 'preflight', 'fwmark': 1, 'vips': ['192.0.2.1'], 'real_servers': [_RS_STUB]}
_INST_STUB = {'name': 'preflight', 'virtual_router_id': 1}
_DOC = 'ansible-doc -t role lvs.cluster.director lists every option'
# Fields without which an item cannot take part in the rules across items.
_SERVICE_REQUIRED = ('vip', 'port', 'fwmark', 'vips', 'protocol', 'vrrp_instance', 'real_servers')

_FIXES = {
    'scheduler': 'use one of %s (ipvsadm -s)' % ', '.join(model.SCHEDULERS),
    'method': 'use %s' % ' or '.join(model.METHODS),
    'protocol': 'use %s' % ' or '.join(model.PROTOCOLS),
    'virtual_router_id': 'set a virtual_router_id from 1 to 255 that no other instance on its interface uses',
    'auth_pass': 'use a password of at most 8 characters (keepalived silently cuts longer ones)',
    'master': 'name a host of the lvs_directors group as master',
    'priorities': 'give priorities from 1 to 255, to hosts of the lvs_directors group only',
    'weight': 'use a weight from 0 (drained) to %d' % model.WEIGHT_MAX,
    'port': 'use a port from 1 to 65535',
    'checker': 'use one of %s and its options (%s)' % (', '.join(model.CHECKER_TYPES), _DOC),
}


class PreflightError(Exception):
    """The preflight cannot run (netaddr missing on the controller)."""


class _Report(object):
    def __init__(self):
        self.problems = []
        self.warnings = []

    @staticmethod
    def _entry(host, variable, message, fix):
        return {'host': host, 'variable': variable, 'message': message, 'fix': fix,
                'text': '%s: %s: %s; fix: %s' % (host, variable, message, fix)}

    def problem(self, host, variable, message, fix):
        entry = self._entry(host, variable, message, fix)
        if entry not in self.problems:
            self.problems.append(entry)

    def warning(self, host, variable, message, fix):
        entry = self._entry(host, variable, message, fix)
        if entry not in self.warnings:
            self.warnings.append(entry)


def _label(var, index, raw):
    return model.item_label(var, index, raw)


def _reason(call, *args):
    """What the model says is wrong (None when it accepts)."""
    try:
        call(*args)
    except model.ModelError as exc:
        return exc.reason or str(exc)
    return None


def _where(exc, var, index):
    """The model's ``where`` of an item normalised alone, with the item's real index."""
    where = exc.where or var
    alone = '%s[0]' % var
    if where.startswith(alone):
        where = '%s[%d]%s' % (var, index, where[len(alone):])
    return where


def _model_fix(where):
    return 'correct %s as the message says (%s)' % (where, _DOC)


def _address(value):
    try:
        return netaddr.IPAddress(str(value))
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _family(address):
    return netaddr.IPAddress(address).version


def _contains(nets, address):
    addr = netaddr.IPAddress(address)
    return any(addr in net for net in nets)


def _show(nets):
    return ', '.join(str(n) for n in nets)


# --- per item -------------------------------------------------------------------------------------

def _fix(field, where=None):
    return _FIXES.get(field) or _model_fix(where or field)


def _field_problem(report, host, variable, reason, field):
    report.problem(host, variable, reason, _fix(field, variable))


def _check_instances(report, instances, directors, hostvars):
    """Field rules of each VRRP instance, every field on its own.

    Returns ([all names], [(index, item, normalised)] of every instance that normalised once its
    bad fields were dropped (``item``: the instance without them), and {name: {fields dropped}}
    for those that had a bad virtual_router_id or interface).
    """
    names, valid, no_vrid = [], [], {}
    if instances is None:
        return names, valid, no_vrid
    if not isinstance(instances, list):
        report.problem('all', INSTANCES, 'must be a list of VRRP instances, got %s' % model.grammar.describe(instances),
                       'write it as a YAML list of mappings')
        return names, valid, no_vrid
    for index, raw in enumerate(instances):
        label = _label(INSTANCES, index, raw)
        if not isinstance(raw, dict):
            report.problem('all', label, 'each VRRP instance must be a mapping, got %s' % model.grammar.describe(raw),
                           'write it as a mapping with name, interface, virtual_router_id ...')
            continue
        sane = dict(raw)
        for field in raw:
            item = dict(_INST_STUB)
            item[field] = raw[field]
            reason = _reason(model.normalize_instances, [item], directors, hostvars)
            if reason:
                _field_problem(report, 'all', '%s.%s' % (label, field), reason, field)
                sane.pop(field)
        if 'name' not in sane or sane.get('name') in (None, ''):
            if 'name' in raw:
                sane['name'] = 'instance-%d' % index  # reported above; a stand-in keeps its other rules
            else:
                report.problem('all', label, 'each VRRP instance needs a "name"', 'give it a name unique in %s' % INSTANCES)
                continue
        if sane.get('virtual_router_id') is None:
            if 'virtual_router_id' not in raw:
                report.problem('all', label + '.virtual_router_id', 'needs virtual_router_id (1..255)', _fix('virtual_router_id'))
            sane['virtual_router_id'] = 1
            no_vrid.setdefault(sane['name'], set()).add('virtual_router_id')
        if 'interface' in raw and 'interface' not in sane:
            sane['interface'] = 'preflight0'  # reported above; a stand-in keeps its other rules
            no_vrid.setdefault(sane['name'], set()).add('interface')
        name = sane['name']
        if name in names:
            report.problem('all', label, 'instance name %s is used twice' % name, 'give each VRRP instance its own name')
            continue
        names.append(name)
        try:
            norm = model.normalize_instances([sane], directors, hostvars)[0]
        except model.ModelError as exc:
            where = _where(exc, INSTANCES, index)
            report.problem('all', where, exc.reason or str(exc), _model_fix(where))
            continue
        valid.append((index, sane, norm))
    return names, valid, no_vrid


def _checker_problems(report, checker, label):
    """A checker's problems, each option on its own where the type itself is fine."""
    reason = _reason(model.normalize_checker, checker, label)
    if not reason:
        return []
    if not isinstance(checker, dict) or _reason(model.normalize_checker, {'type': checker.get('type', 'TCP_CHECK')}, label) \
            and 'misc_path' not in reason:
        report.problem('all', label + '.checker', reason, _fix('checker'))
        return [reason]
    found = []
    base = {'type': checker.get('type', 'TCP_CHECK')}
    if str(base['type']).upper() == 'MISC_CHECK':
        base['misc_path'] = '/bin/true'
    for key in sorted(checker, key=str):
        if key == 'type':
            continue
        one = _reason(model.normalize_checker, dict(base, **{key: checker[key]}), label)
        if one:
            report.problem('all', '%s.checker.%s' % (label, key), one, _fix('checker'))
            found.append(one)
    if not found:
        report.problem('all', label + '.checker', reason, _fix('checker'))
        found.append(reason)
    return found


def _check_real_server(report, raw, rs, label, hostvars):
    """Field rules of one real server; (reasons found, the real server with bad fields dropped or None)."""
    found = []
    sane = dict(rs)
    stub = dict(_FW_STUB if raw.get('fwmark') is not None else _SVC_STUB)
    for field in rs:
        if field == 'host':
            reason = _reason(model.host_address, rs['host'], hostvars, label)
            if reason:
                host = rs['host']
                if isinstance(host, str) and host in hostvars and hostvars[host].get('lvs_address') is not None:
                    sane = None  # its lvs_address is reported on its own
                elif isinstance(host, str) and host in hostvars:
                    report.problem(host, label + '.host', reason, 'set lvs_address (or an IP ansible_host) in host_vars/%s' % host)
                else:
                    report.problem('all', label + '.host', reason,
                                   'add %s to the inventory (group %s) or give "address:" instead of "host:"'
                                   % (model.grammar.describe(host), REAL_SERVERS))
                found.append(reason)
                sane = None
            continue
        if field == 'checker':
            reasons = _checker_problems(report, rs['checker'], label)
        else:
            one = dict(_RS_STUB, **{field: rs[field]})
            if field == 'address':
                one = {field: rs[field]}
            other = {'address': '192.0.2.3'}  # keeps the service's quorum when this one's weight is 0
            reason = _reason(model.normalize_services, [dict(stub, real_servers=[one, other])], hostvars)
            reasons = [reason] if reason else []
            if reason:
                _field_problem(report, 'all', '%s.%s' % (label, field), reason, field)
        if reasons:
            found.extend(reasons)
            if sane is not None:
                sane.pop(field)
                if field == 'address':
                    sane = None
    return found, sane


def _check_services(report, services, hostvars, instance_names, real_servers):
    """Field and per-service rules, every field on its own.

    Returns [(index, raw, normalised, complete)] of every service that normalised once its bad
    fields were dropped; ``complete`` is false where one was dropped, so that the rules across
    items that depend on it can leave it out.
    """
    valid = []
    if services is None:
        return valid
    if not isinstance(services, list):
        report.problem('all', SERVICES, 'must be a list of virtual services, got %s' % model.grammar.describe(services),
                       'write it as a YAML list of mappings')
        return valid
    stubs = [{'name': name} for name in instance_names]
    for index, raw in enumerate(services):
        label = _label(SERVICES, index, raw)
        if not isinstance(raw, dict):
            report.problem('all', label, 'each virtual service must be a mapping, got %s' % model.grammar.describe(raw),
                           'write it as a mapping with name, vip, port ...')
            continue
        found = []
        sane = dict(raw)
        stub = _FW_STUB if raw.get('fwmark') is not None else _SVC_STUB
        for field in raw:
            if field == 'checker' or (field == 'real_servers' and isinstance(raw[field], list)):
                continue
            item = dict(stub)
            item[field] = raw[field]
            reason = _reason(model.normalize_services, [item], hostvars)
            if reason:
                _field_problem(report, 'all', '%s.%s' % (label, field), reason, field)
                found.append(reason)
                sane.pop(field)
        if 'checker' in raw:
            reasons = _checker_problems(report, raw['checker'], label)
            if reasons:
                found.extend(reasons)
                sane.pop('checker')
        if isinstance(raw.get('real_servers'), list):
            sane['real_servers'] = []
            for rindex, rs in enumerate(raw['real_servers']):
                if not isinstance(rs, dict):
                    reason = 'each real server must be a mapping with "host" or "address", got %s' % model.grammar.describe(rs)
                    report.problem('all', '%s.real_servers[%d]' % (label, rindex), reason,
                                   'write it as {host: NAME} or {address: IP, weight: N}')
                    found.append(reason)
                    continue
                rfound, rsane = _check_real_server(report, raw, rs, '%s.real_servers[%d]' % (label, rindex), hostvars)
                found.extend(rfound)
                if rsane is not None:
                    sane['real_servers'].append(rsane)
            if raw['real_servers'] and not sane['real_servers']:
                sane['real_servers'] = [dict(_RS_STUB)]  # all bad and reported: a stand-in keeps the service's rules
                sane['_stand_in'] = True
        if 'real_servers' in raw and 'real_servers' not in sane:
            sane['real_servers'] = [dict(_RS_STUB)]  # reported above; a stand-in keeps the service's other rules
            sane['_stand_in'] = True
        if 'name' not in sane:
            sane['name'] = 'service-%d' % index
        complete = not any(field in raw and field not in sane for field in _SERVICE_REQUIRED + ('method',))
        stand_in = sane.pop('_stand_in', False)
        if any(field in raw and field not in sane for field in _SERVICE_REQUIRED if field not in ('vrrp_instance', 'real_servers')):
            continue  # no VIP, port or fwmark of its own: nothing across items to check it against
        try:
            norm = model.normalize_services([sane], hostvars, stubs)[0]
        except model.ModelError as exc:
            if (exc.reason or str(exc)) not in found:
                where = _where(exc, SERVICES, index)
                report.problem('all', where, exc.reason or str(exc), _model_fix(where))
            continue
        if stand_in:
            norm['real_servers'] = []
        if 'method' in sane or 'method' not in raw:
            # The method is the inventory's (not the default put in for a bad one).
            _check_ports(report, raw, norm, label)
            _check_real_server_group(report, norm, label, real_servers)
        valid.append((index, sane, norm, complete and not stand_in))
    return valid


def _check_ports(report, raw, svc, label):
    """DR and TUN cannot change the port: the real server gets the packet as the client sent it."""
    if svc['fwmark'] is not None:
        return
    for rindex, rs in enumerate(raw.get('real_servers') if isinstance(raw.get('real_servers'), list) else []):
        port = rs.get('port') if isinstance(rs, dict) else None
        if isinstance(port, int) and not isinstance(port, bool) and svc['method'] in ('DR', 'TUN') \
                and port != svc['port']:
            report.problem('all', '%s.real_servers[%d].port' % (label, rindex),
                           'real server port %s differs from the virtual port %d, which %s cannot translate'
                           % (rs['port'], svc['port'], svc['method']),
                           'use port %d on the real server (drop "port"), or method NAT to translate ports'
                           % svc['port'])
    sorry = raw.get('sorry_server')
    if svc['sorry_server'] and isinstance(sorry, dict) and isinstance(sorry.get('port'), int):
        method = svc['sorry_server']['method'] or svc['method']
        if method in ('DR', 'TUN') and svc['sorry_server']['port'] != svc['port']:
            report.problem('all', label + '.sorry_server.port',
                           'sorry server port %s differs from the virtual port %d, which %s cannot translate'
                           % (sorry['port'], svc['port'], method),
                           'use port %d on the sorry server, or its method NAT' % svc['port'])


def _check_real_server_group(report, svc, label, real_servers):
    """A DR/TUN real server that is an inventory host needs the real_server role, run on lvs_real_servers."""
    if svc['method'] == 'NAT':
        return
    for rs in svc['real_servers']:
        if rs['host'] and rs['host'] not in real_servers:
            report.problem(rs['host'], '%s.real_servers (%s)' % (label, rs['host']),
                           '%s serves %s service %s but is not in group %s, so site.yml would not put the VIP on its %s'
                           % (rs['host'], svc['method'], svc['name'], REAL_SERVERS, 'lo' if svc['method'] == 'DR' else 'tunl0'),
                           'add %s to the %s group' % (rs['host'], REAL_SERVERS))


# --- across items ---------------------------------------------------------------------------------

def _unique_services(report, valid_services, hostvars, instance_names):
    """Drop (and report) services that duplicate an earlier one; the model decides what a duplicate is."""
    stubs = [{'name': name} for name in instance_names]
    kept = []
    for item in valid_services:
        index, raw = item[0], item[1]
        try:
            model.normalize_services([k[1] for k in kept] + [raw], hostvars, stubs)
        except model.ModelError as exc:
            label = _label(SERVICES, index, raw)
            report.problem('all', label, exc.reason or str(exc), 'give each virtual service its own VIP, protocol and port (or fwmark)')
            continue
        kept.append(item)
    return kept


def _check_priorities(report, label, inst):
    prios = inst['priorities']
    by_prio = {}
    for host in sorted(prios):
        by_prio.setdefault(prios[host], []).append(host)
    for prio, hosts in sorted(by_prio.items()):
        if len(hosts) > 1:
            report.problem(hosts[0], label + '.priorities',
                           '%s have the same priority %d in VRRP instance %s: the election between them is decided '
                           'by address, not by master, and both may claim MASTER' % (' and '.join(hosts), prio, inst['name']),
                           'give each director of %s its own priority (the master the highest), or drop priorities '
                           'to get 150 for the master and 100, 99 ... for the backups' % inst['name'])
    master = inst['master']
    if master in prios:
        higher = sorted(h for h in prios if h != master and prios[h] > prios[master])
        if higher:
            report.problem(master, label + '.priorities',
                           'master %s has priority %d but %s has %d: the master would lose the election of %s'
                           % (master, prios[master], higher[0], prios[higher[0]], inst['name']),
                           'give %s the highest priority of %s, or make %s the master' % (master, inst['name'], higher[0]))


def _subnets(report, host, value):
    """``director_subnets`` of one director -> {interface: [IPNetwork]}; None when not given, False when broken."""
    if value is None:
        return None
    example = "director_subnets: {eth0: ['10.88.0.0/16']} in host_vars/%s" % host
    if not isinstance(value, dict):
        report.problem(host, 'director_subnets', 'must be a mapping of interface name to subnets', 'write ' + example)
        return False
    result = {}
    broken = False
    for iface in value:
        nets = value[iface]
        if isinstance(nets, str):
            nets = [nets]
        if not isinstance(nets, list):
            report.problem(host, 'director_subnets.%s' % iface, 'must be a subnet or a list of subnets', 'write ' + example)
            broken = True
            continue
        parsed = []
        for net in nets:
            try:
                if '/' not in str(net):
                    raise ValueError(net)
                parsed.append(netaddr.IPNetwork(str(net)).cidr)
            except (netaddr.AddrFormatError, ValueError, TypeError):
                report.problem(host, 'director_subnets.%s' % iface, '%r is not a subnet in CIDR form' % (net,),
                               'write it as ADDRESS/PREFIX, for example 10.88.0.0/16 (or 10.88.0.11/16)')
                broken = True
        result[str(iface)] = parsed
    # A broken entry is reported; checking against what is left would only add false problems.
    return False if broken else result


def _vip_origins(services, instances):
    """VIP address -> [(variable, instance name)] for every address VRRP holds."""
    origins = {}
    for index, raw, svc in services:
        label = _label(SERVICES, index, raw)
        var = label + ('.vips' if svc['fwmark'] is not None else '.vip')
        for vip in svc['vips']:
            origins.setdefault(vip, []).append((var, svc['vrrp_instance']))
    for index, raw, inst in instances:
        for extra in inst['extra_vips']:
            origins.setdefault(extra['address'], []).append((_label(INSTANCES, index, raw) + '.extra_vips', inst['name']))
    return origins


def _check_vrids(report, director, view, seen):
    """Two instances with one virtual_router_id on one interface (and address family) share an L2."""
    by_key = {}
    for inst in view['instances']:
        family = _family(inst['vips'][0]['address']) if inst['vips'] else 4
        key = (inst['interface'], family, inst['virtual_router_id'])
        by_key.setdefault(key, []).append(inst['name'])
    for (iface, family, vrid), names in sorted(by_key.items()):
        if len(names) > 1 and (iface, family, vrid, tuple(names)) not in seen:
            seen.add((iface, family, vrid, tuple(names)))
            report.problem(director, '%s (%s)' % (INSTANCES, ', '.join(names)),
                           'VRRP instances %s use the same virtual_router_id %d on %s (IPv%d) of %s: one L2 (and one '
                           'multicast group) carries the adverts of both, so each takes the other\'s for its own'
                           % (' and '.join(names), vrid, iface, family, director),
                           'give %s a virtual_router_id (1..255) that no other instance on %s uses' % (names[-1], iface))


def _check_vip_subnets(report, director, view, subnets, origins, undecided):
    """Every VRRP address must lie in a subnet of the interface it is bound to."""
    for inst in view['instances']:
        for vip in inst['vips'] + inst['vips_excluded']:
            nets = subnets.get(vip['dev']) if subnets is not None else None
            if nets is None:
                undecided.setdefault(director, set()).add(vip['dev'])
                continue
            variable = ', '.join(sorted({o[0] for o in origins.get(vip['address'], [])})) or '%s (%s)' % (INSTANCES, inst['name'])
            addr = netaddr.IPAddress(vip['address'])
            inside = [net for net in nets if addr in net]
            if not inside:
                report.problem(director, variable,
                               'VIP %s of VRRP instance %s is outside every subnet of %s on %s (%s): nothing on that '
                               'link would send its traffic to the director'
                               % (vip['address'], inst['name'], vip['dev'], director, _show(nets)),
                               'use an address of %s, bind the service to a VRRP instance on the interface of its '
                               'subnet, or add that subnet to director_subnets.%s of %s if the link carries it'
                               % (_show(nets), vip['dev'], director))
                continue
            for net in inside:
                if net.version == 4 and net.prefixlen < 31 and addr in (net.network, net.broadcast):
                    report.problem(director, variable,
                                   'VIP %s is the %s address of %s' % (vip['address'],
                                                                       'network' if addr == net.network else 'broadcast', net),
                                   'use a host address of %s' % net)


def _check_dr_l2(report, director, view, subnets, labels, undecided_dr):
    """DR forwards by MAC address: real servers (and a DR sorry server) must be on a director subnet."""
    nets = [net for iface in sorted(subnets or {}) for net in subnets[iface]]
    for svc in view['virtual_servers'] + view['static_services']:
        label = labels[model.service_key(svc)]
        targets = []
        if svc['method'] == 'DR':
            targets = [(rs['address'], rs['host'] or rs['address'], 'real server') for rs in svc['real_servers']]
        sorry = svc['sorry_server']
        if sorry and (sorry['method'] or svc['method']) == 'DR':
            targets.append((sorry['address'], sorry['address'], 'sorry server'))
        if not targets:
            continue
        if subnets is None:
            undecided_dr.add(director)
            continue
        for address, name, what in targets:
            if not _contains(nets, address):
                variable = label + ('.sorry_server' if what == 'sorry server' else '.real_servers (%s)' % name)
                report.problem(director, variable,
                               'DR %s %s of service %s is not on a subnet of %s (%s): DR hands the packet over by MAC '
                               'address, so it must share an L2 with the director'
                               % (what, address, svc['name'], director, _show(nets) or 'none'),
                               'put it on a subnet of %s, use method TUN (routed) or NAT, or add its subnet to '
                               'director_subnets of %s if the director is on it' % (director, director))


def _check_vip_addresses(report, origins, hostvars, directors, real_servers, services):
    owners = {}
    for host in list(directors) + list(real_servers):
        for address in model._own_addresses(hostvars.get(host, {})):
            owners.setdefault(address, host)
    for svc in services:
        for rs in svc[2]['real_servers']:
            owners.setdefault(rs['address'], rs['host'] or 'all')
    for vip in sorted(origins):
        held = sorted({o[1] for o in origins[vip] if o[1] is not None})
        variables = ', '.join(sorted({o[0] for o in origins[vip]}))
        if len(held) > 1:
            report.problem('all', variables,
                           'VIP %s is carried by VRRP instances %s: each would add and remove it on its own'
                           % (vip, ' and '.join(held)),
                           'let one VRRP instance carry %s (vrrp_instance of its services, extra_vips)' % vip)
        if vip in owners:
            owner = owners[vip]
            role = 'director' if owner in directors else 'real server'
            report.problem(owner, variables,
                           'VIP %s is the address of %s %s: the VIP must move between directors, a host address stays'
                           % (vip, role, owner),
                           'choose a VIP that no host uses as its own address')


def _check_nat(report, services, instances, view, hostvars, directors):
    """NAT replies must go back through the director that holds the VIP."""
    sync = {}
    for _index, _raw, inst in instances:
        if inst['sync_group']:
            sync.setdefault(inst['sync_group'], []).append(inst['name'])
    by_name = dict((i['name'], i) for i in view['instances'])
    director_addresses, owners = {}, {}
    for host in sorted(hostvars):
        for address in model._own_addresses(hostvars[host]):
            owners.setdefault(address, host)
            if host in directors:
                director_addresses.setdefault(address, host)
    for index, raw, svc in services:
        label = _label(SERVICES, index, raw)
        targets = []
        if svc['method'] == 'NAT':
            targets = [(rs['address'], rs['host'], 'real server') for rs in svc['real_servers']]
        sorry = svc['sorry_server']
        if sorry and (sorry['method'] or svc['method']) == 'NAT':
            targets.append((sorry['address'], owners.get(sorry['address']), 'sorry server'))
        if not targets or svc['vrrp_instance'] not in by_name:
            continue
        group = [svc['vrrp_instance']]
        inst = [i for i in instances if i[2]['name'] == svc['vrrp_instance']][0][2]
        if inst['sync_group']:
            group = sorted(sync[inst['sync_group']])
        if any(name not in by_name for name in group):
            continue  # an instance the director view refused (reported): its addresses are unknown
        held = {}
        for name in group:
            if name in by_name:
                for vip in by_name[name]['vips'] + by_name[name]['vips_excluded']:
                    held[vip['address']] = netaddr.IPNetwork('%s/%s' % (vip['address'], vip['prefix'])).cidr
        gateway_nets = [net for net in held.values() if net.prefixlen < (32 if net.version == 4 else 128)]
        carriers = ' and '.join(group)
        example = "extra_vips: [{address: GATEWAY, prefix: PREFIX, dev: IFACE}] on %s" % svc['vrrp_instance']
        for address, host, what in targets:
            variable = label + ('.sorry_server' if what == 'sorry server' else '.real_servers (%s)' % (host or address))
            gateway = hostvars.get(host, {}).get('lvs_gateway') if host else None
            if gateway is not None:
                _check_gateway(report, host, gateway, address, held, director_addresses, carriers)
            elif _contains(gateway_nets, address):
                continue
            elif host:
                report.problem(host, variable,
                               'NAT %s %s (%s) of service %s has no route back through the directors: its '
                               'replies would leave with its own address and the client would drop them'
                               % (what, host, address, svc['name']),
                               'set lvs_gateway in host_vars/%s to an address VRRP instance %s holds (and make it '
                               'its default route), or give that instance a NAT gateway VIP covering %s: %s'
                               % (host, carriers, address, example))
            else:
                report.warning('all', variable,
                               'NAT %s %s of service %s is not an inventory host and no NAT gateway VIP of %s '
                               'covers it: the preflight cannot tell whether its replies go back through the directors'
                               % (what, address, svc['name'], carriers),
                               'make it an inventory host with lvs_gateway, or add a NAT gateway VIP for its subnet: %s'
                               % example)


def _check_gateway(report, host, gateway, address, held, director_addresses, carriers):
    gw = _address(gateway)
    if gw is None:
        report.problem(host, 'lvs_gateway', '%r is not an IP address' % (gateway,),
                       'set lvs_gateway to the address its replies go through (no prefix)')
        return
    if str(gw) in held:
        net = held[str(gw)]
        if net.prefixlen < (32 if net.version == 4 else 128) and not _contains([net], address):
            report.problem(host, 'lvs_gateway', 'gateway %s (%s) is not on the subnet of %s' % (gw, net, address),
                           'use a NAT gateway VIP on the real server\'s own subnet')
        return
    if str(gw) in director_addresses:
        report.problem(host, 'lvs_gateway',
                       'gateway %s is the own address of director %s: after a failover the replies still go to %s'
                       % (gw, director_addresses[str(gw)], director_addresses[str(gw)]),
                       'route through a VIP that VRRP instance %s moves with the service (a NAT gateway VIP in '
                       'extra_vips)' % carriers)
        return
    report.problem(host, 'lvs_gateway',
                   'gateway %s is not an address VRRP instance %s holds: replies would bypass the director'
                   % (gw, carriers),
                   'add %s to extra_vips of %s (with its prefix), or set lvs_gateway to one of %s'
                   % (gw, carriers, ', '.join(sorted(held)) or 'its VIPs'))


# --- entry points ---------------------------------------------------------------------------------

def rollout_order(instances, directors):
    """Directors to change one at a time: pure backups first, then masters (fewest instances first), by name."""
    masters = {}
    for inst in instances:
        masters[inst['master']] = masters.get(inst['master'], 0) + 1
    return sorted(directors, key=lambda host: (masters.get(host, 0), host))


def check(services, instances, hostvars, directors=(), real_servers=(), report=None):
    """Every rule over the inventory: ``{ok, problems, warnings, report, rollout_order}``.

    ``hostvars`` maps every inventory host to its variables (at least ``lvs_address``,
    ``ansible_host``, ``director_interface``, :data:`HOST_KEYS` and the roles' own variables).
    Each item is checked field by field, and the rules across items run over every item that
    could be read once its bad fields were left out: one run lists every problem.
    """
    if not HAS_NETADDR:
        raise PreflightError('the lvs.cluster preflight needs the Python library netaddr on the controller '
                             '(pip install netaddr, or pip install -r requirements.txt of the collection)')
    report = report or _Report()
    directors = list(directors or [])
    real_servers = list(real_servers or [])
    _check_groups(report, services, directors, real_servers)
    _check_role_variables(report, hostvars, directors, real_servers)
    # lvs_single_director: its own rules; the refused options and instances are left out of the rest
    single, services, instances = preflight_single.mode(report, services, instances, hostvars, directors, real_servers)
    names, insts, no_vrid = _check_instances(report, instances, directors, hostvars)
    found = _check_services(report, services, hostvars, names, real_servers)
    found = _unique_services(report, found, hostvars, names)
    for index, raw, inst in insts:
        _check_priorities(report, _label(INSTANCES, index, raw), inst)
    _check_backup(report, names, directors)
    if not directors:
        return _result(report, [], directors)
    if not names and not single:
        for index, raw, svc, _complete in found:
            if svc['vips']:
                report.problem('all', _label(SERVICES, index, raw),
                               'no VRRP instance carries VIP %s (%s is empty): no director would hold it, and no backup '
                               'takes over' % (', '.join(svc['vips']), INSTANCES),
                               'define %s (one instance with a master and a backup director), or set %s: true '
                               'for one director without failover or health checks (docs/topologies/'
                               'single-director.md)' % (INSTANCES, preflight_single.VARIABLE))
    valid = set(i[2]['name'] for i in insts)
    svcs = [s[:3] for s in found if s[2]['vrrp_instance'] in valid or (s[2]['vrrp_instance'] is None and not names)]
    if isinstance(services, list) and len(found) == len(services):
        # every service could be read: an instance none of them names (and with no extra VIP) holds nothing
        carried = set(s[2]['vrrp_instance'] for s in found)
        for index, raw, inst in insts:
            if inst['name'] not in carried and not inst['extra_vips']:
                report.problem('all', _label(INSTANCES, index, raw),
                               'VRRP instance %s carries no VIP: no virtual service names it in vrrp_instance and it '
                               'has no extra_vips' % inst['name'],
                               'name it in the vrrp_instance of the services whose VIP it should carry, or remove it')
    incomplete = set(model.service_key(s[2]) for s in found if not s[3])
    origins = _vip_origins(svcs, insts)
    _check_vip_addresses(report, origins, hostvars, directors, real_servers, svcs)
    settings = dict((host, _director_settings(hostvars.get(host, {}))) for host in directors)
    if single:
        if len(directors) != 1:
            return _result(report, [], directors)  # reported: no view of a single director to check
        settings = dict((host, preflight_single.view_settings(values)) for host, values in settings.items())
    views = _check_directors(report, svcs, insts, hostvars, directors, origins, settings, no_vrid, incomplete,
                             single)
    if views and not single:
        _check_nat(report, [s for s in svcs if model.service_key(s[2]) not in incomplete], insts, views[0],
                   hostvars, directors)
    return _result(report, [i[2] for i in insts], directors)


def _check_groups(report, services, directors, real_servers):
    """The inventory's shape: directors, services, and no host in both roles."""
    if not directors:
        report.problem('all', DIRECTORS, 'the group has no hosts (or is missing): no director would run keepalived',
                       'put the director hosts (two or more) in the %s group' % DIRECTORS)
    if services is None or services == []:
        report.problem('all', SERVICES, 'is %s: the cluster would balance nothing'
                       % ('not defined' if services is None else 'empty'),
                       'define %s in group_vars/all (name, vip, port, real_servers ...)' % SERVICES)
    for host in directors:
        if host in real_servers:
            report.problem(host, '%s and %s' % (DIRECTORS, REAL_SERVERS),
                           '%s is in both groups: the real_server role would put the VIPs on its loopback and hide '
                           'them from ARP, so the director could no longer hold them' % host,
                           'keep %s in %s only (a director cannot be its own DR real server here)' % (host, DIRECTORS))


def _check_role_variables(report, hostvars, directors, real_servers):
    """The roles' own variables the inventory sets (director_* on directors, real_server_* on real servers),
    and the host variables the model reads (lvs_address; the host name where it is the router_id)."""
    for host in sorted(hostvars):
        address = hostvars.get(host, {}).get('lvs_address')
        if address is not None and not model._own_addresses({'lvs_address': address}):
            report.problem(host, 'lvs_address', 'lvs_address %s is not an IP address' % model.grammar.describe(address),
                           'set lvs_address in host_vars/%s to the address the cluster reaches it on, quoted' % host)
    for host in directors:
        if not model.grammar.accepts(model.grammar.token, host):
            report.problem(host, DIRECTORS,
                           'the host name %r is not one word of printable ASCII: it is written into keepalived.conf '
                           '(a comment, and the router_id unless director_router_id is set)' % host,
                           'name the director with letters, digits, "_", "." and "-" (its address goes in ansible_host)')
    for host in directors:
        for variable, reason in role_settings.problems(role_settings.DIRECTOR, 'director_', hostvars.get(host, {}),
                                                       ignore=role_settings.DIRECTOR_PREFLIGHT_ONLY):
            report.problem(host, variable, reason, 'correct %s in the host_vars or group_vars of %s (%s)'
                           % (variable, host, _DOC))
    for host in real_servers:
        for variable, reason in role_settings.problems(role_settings.REAL_SERVER, 'real_server_', hostvars.get(host, {}),
                                                       ignore=role_settings.REAL_SERVER_DERIVED):
            report.problem(host, variable, reason, 'correct %s in the host_vars or group_vars of %s '
                           '(ansible-doc -t role lvs.cluster.real_server lists every option)' % (variable, host))


def _director_settings(hvars):
    """The director role variables of one director that passed their checks (without the prefix)."""
    values = {}
    for key, reader in role_settings.DIRECTOR.items():
        name = 'director_' + key
        if hvars.get(name) is None:
            continue
        try:
            reader(hvars[name], name, name)
        except model.ModelError:
            continue
        values[key] = hvars[name]
    return values


def _check_backup(report, names, directors):
    if names and len(directors) < 2:
        report.problem(directors[0] if directors else 'all', DIRECTORS,
                       'VRRP instance%s %s %s %d director%s (%s): no backup takes over when %s'
                       % ('s' if len(names) > 1 else '', ', '.join(names), 'have' if len(names) > 1 else 'has',
                          len(directors), '' if len(directors) == 1 else 's', ', '.join(directors) or 'none',
                          'it fails' if directors else 'there is none'),
                       'put at least two hosts in the %s group (or, for one director without failover or health '
                       'checks, remove %s and set %s: true)' % (DIRECTORS, INSTANCES, preflight_single.VARIABLE))


def _view(report, director, svcs, insts, hostvars, directors, settings, single=False):
    """The director's view; an instance the model refuses there is reported and left out (with its
    services), so that the rules over the view still see the rest."""
    svcs, insts = list(svcs), list(insts)
    for _attempt in range(len(insts) + 1):
        try:
            return model.director_view([s[1] for s in svcs], [i[1] for i in insts], director, directors, hostvars,
                                       settings, single=single)
        except model.ModelError as exc:
            where = exc.where or director
            report.problem(director, where, exc.reason or str(exc), _model_fix(where))
            bad = [i for i in insts if where == 'lvs_vrrp_instances (%s)' % i[2]['name']]
            if not bad:
                return None
            insts.remove(bad[0])
            svcs = [s for s in svcs if s[2]['vrrp_instance'] != bad[0][2]['name']]
            group = bad[0][2]['sync_group']
            if group:  # its partners would be a group of one now: that is not their problem
                insts = [(i[0], dict((k, v) for k, v in i[1].items() if k != 'sync_group'), i[2])
                         if i[2]['sync_group'] == group else i for i in insts]
    return None


def _check_directors(report, svcs, insts, hostvars, directors, origins, settings, partial, incomplete, single=False):
    """The rules over each director's view (what its keepalived.conf holds); the views that built.

    ``partial``: instances with a stand-in virtual_router_id or interface, left out of the rules
    on those; ``incomplete``: service keys of services with a field left out, left out of the
    real-server rules.
    """
    labels = dict((model.service_key(s[2]), _label(SERVICES, s[0], s[1])) for s in svcs)
    seen_vrids = set()
    views = []
    for director in directors:
        hvars = hostvars.get(director, {})
        subnets = _subnets(report, director, hvars.get('director_subnets'))
        view = _view(report, director, svcs, insts, hostvars, directors, settings.get(director, {}), single)
        if view is None:
            continue
        if single:
            preflight_single.check_view(report, director, view, subnets, hostvars, labels)
        views.append(view)
        whole = dict(view, instances=[i for i in view['instances'] if i['name'] not in partial],
                     virtual_servers=[v for v in view['virtual_servers'] if model.service_key(v) not in incomplete],
                     static_services=[v for v in view['static_services'] if model.service_key(v) not in incomplete])
        _check_vrids(report, director, whole, seen_vrids)
        if subnets is False:
            continue  # broken director_subnets, reported
        undecided, undecided_dr = {}, set()
        _check_vip_subnets(report, director, whole, subnets, origins, undecided)
        _check_dr_l2(report, director, whole, subnets, labels, undecided_dr)
        parts = []
        if director in undecided:
            parts.append('that the VIPs are inside the subnets of %s' % ', '.join(sorted(undecided[director])))
        if director in undecided_dr:
            parts.append('that the DR real servers share an L2 with %s' % director)
        if parts:
            report.warning(director, 'director_subnets',
                           'not given for %s, so the preflight cannot check %s'
                           % (', '.join(sorted(undecided.get(director, []))) or 'any interface', ' nor '.join(parts)),
                           "set director_subnets: {IFACE: ['CIDR', ...]} in host_vars/%s (or group_vars/%s)"
                           % (director, DIRECTORS))
    return views


def _result(report, instances, directors):
    lines = ['lvs.cluster preflight: %d problem%s in the inventory (no host was contacted):'
             % (len(report.problems), '' if len(report.problems) == 1 else 's')]
    for entry in report.problems:
        lines.append('- %s | %s: %s' % (entry['host'], entry['variable'], entry['message']))
        lines.append('  fix: %s' % entry['fix'])
    return {
        'ok': not report.problems,
        'problems': report.problems,
        'warnings': report.warnings,
        'report': '\n'.join(lines) if report.problems else '',
        'rollout_order': rollout_order(instances, directors),
    }


def check_inventory(hostvars, directors, real_servers):
    """:func:`check` over the shared data as the directors (else the real servers) see it.

    Every director must see the same ``lvs_virtual_services`` and ``lvs_vrrp_instances``, and
    every real server the same ``lvs_virtual_services``, or the roles would build different clusters.
    """
    report = _Report()
    directors = list(directors or [])
    real_servers = list(real_servers or [])
    consumers = directors + [host for host in real_servers if host not in directors]
    services = instances = None
    if consumers:
        source = consumers[0]
        services = hostvars.get(source, {}).get(SERVICES)
        instances = hostvars.get(source, {}).get(INSTANCES)
        for host in consumers[1:]:
            keys = ((SERVICES, services), (INSTANCES, instances)) if host in directors else ((SERVICES, services),)
            for key, expected in keys:
                if hostvars.get(host, {}).get(key) != expected:
                    report.problem(host, key, 'differs from what %s sees, so the two would build different clusters'
                                   % source, 'define %s once, in group_vars/all, not per host or group' % key)
    return check(services, instances, hostvars, directors, real_servers, report)
