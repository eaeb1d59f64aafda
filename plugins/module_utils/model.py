# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory model of an LVS cluster, normalised once for every consumer.

Operators describe virtual services (``lvs_virtual_services``) and VRRP instances
(``lvs_vrrp_instances``) once. This module turns that data into:

* the per-director view rendered into keepalived.conf (:func:`director_view`),
* the per-real-server VIP list put on loopback or tunl0 (:func:`real_server_vips`),
* the kernel modules a director needs (part of the director view).

It runs on the controller (through the filter plugin), so it only needs the
standard library. Every error is a :class:`ModelError` whose message names the
service, instance or host and the variable to fix.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import math


SCHEDULERS = ('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos')
METHODS = ('DR', 'NAT', 'TUN')
PROTOCOLS = ('TCP', 'UDP', 'SCTP')
SCHEDULER_FLAGS = ('flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback', 'ops')
CHECKER_TYPES = ('TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'DNS_CHECK', 'SMTP_CHECK',
                 'PING_CHECK', 'UDP_CHECK', 'NONE')
DNS_TYPES = ('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA')
# Options every connection-based checker accepts, rendered in this order.
CHECKER_COMMON = ('connect_ip', 'connect_port', 'bindto', 'bind_port', 'connect_timeout', 'retry',
                  'delay_before_retry', 'warmup', 'delay_loop', 'alpha', 'log_all_failures')
WEIGHT_MAX = 65535

# Defaults for a checker when neither the service nor the real server overrides them.
# Tuned for a real server to leave the IPVS table within 2 s of failing (with delay_loop 0.5):
# a refused or 1 s silent check, one retry half a second later.
CHECKER_DEFAULTS = {
    'connect_timeout': 1,
    'retry': 1,
    'delay_before_retry': 0.5,
}


class ModelError(ValueError):
    """Bad inventory data; the message names what to fix.

    Raised by :func:`_fail`, it also carries the two parts of its message: ``where`` (the
    service, instance or host) and ``reason`` (what is wrong), for the preflight's report.
    """
    where = None
    reason = None


def _fail(where, msg):
    error = ModelError('%s: %s' % (where, msg))
    error.where = where
    error.reason = msg
    raise error


def _ip(value, where, field):
    try:
        return ipaddress.ip_address(str(value).strip('[]'))
    except ValueError:
        _fail(where, '%s %r is not an IP address' % (field, value))


def _number(value, where, field, low, high, convert, what):
    """``value`` as ``convert`` makes it (ValueError or TypeError for a bad one), within low..high;
    ``what`` names the kind of number in the message. A boolean is never a number here."""
    if isinstance(value, bool):
        _fail(where, '%s must be %s, got %r' % (field, what, value))
    try:
        number = convert(value)
    except (TypeError, ValueError):
        _fail(where, '%s must be %s, got %r' % (field, what, value))
    if not low <= number <= high:
        _fail(where, '%s %s is out of range %s..%s' % (field, number, low, high))
    return number


def _whole(value):
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return int(value)


def _fractional(value):
    # an integral value comes back as an int, so that 1.0 renders as 1
    number = float(value)
    return int(number) if number.is_integer() else number


def _int(value, where, field, low, high):
    return _number(value, where, field, low, high, _whole, 'an integer')


def _seconds(value, where, field, low, high):
    """A number of seconds, fractions allowed (keepalived's timers count microseconds)."""
    return _number(value, where, field, low, high, _fractional, 'a number of seconds')


def _choice(value, choices, where, field, upper=False):
    text = str(value)
    text = text.upper() if upper else text.lower()
    if text not in choices:
        _fail(where, '%s %r is not one of %s' % (field, value, ', '.join(choices)))
    return text


def _own_addresses(hvars):
    """The valid IP addresses among a host's ``lvs_address`` and ``ansible_host``, in that order."""
    found = []
    for var in ('lvs_address', 'ansible_host'):
        try:
            found.append(str(ipaddress.ip_address(str(hvars.get(var)))))
        except ValueError:
            continue
    return found


def host_address(name, hostvars, where):
    """Address of an inventory host: ``lvs_address``, else an IP ``ansible_host``."""
    if name not in hostvars:
        _fail(where, 'host %r is not in the inventory (add it, or give "address:" instead of "host:")' % name)
    hvars = hostvars[name]
    for var in ('lvs_address', 'ansible_host'):
        value = hvars.get(var)
        if value:
            try:
                return str(ipaddress.ip_address(str(value)))
            except ValueError:
                if var == 'lvs_address':
                    _fail(where, 'host %s: lvs_address %r is not an IP address' % (name, value))
    _fail(where, 'host %s has no address: set lvs_address (or an IP ansible_host) in its host_vars' % name)


def _service_where(index, svc):
    return 'lvs_virtual_services[%d] (%s)' % (index, svc.get('name', 'unnamed') if isinstance(svc, dict) else '?')


def normalize_checker(raw, where):
    """Checker dict -> ``{'type': ..., 'options': [(key, value)], 'urls': [...]}`` or None."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {'type': raw}
    if not isinstance(raw, dict):
        _fail(where, 'checker must be a mapping with a "type"')
    ctype = _choice(raw.get('type', 'TCP_CHECK'), CHECKER_TYPES, where, 'checker type', upper=True)
    if ctype == 'NONE':
        return None
    if 'nb_get_retry' in raw:
        # keepalived 1.x's name, still in most recipes; keepalived 2.x calls it retry: render that
        if raw.get('retry') is not None and raw['retry'] != raw['nb_get_retry']:
            _fail(where, 'checker sets both nb_get_retry (%s) and retry (%s): keep "retry", nb_get_retry is '
                  'its deprecated keepalived 1.x name' % (raw['nb_get_retry'], raw['retry']))
        raw = dict(raw)
        raw['retry'] = raw.pop('nb_get_retry')
    known = set(CHECKER_COMMON) | {'type', 'path', 'status_code', 'digest', 'virtualhost', 'urls',
                                   'http_protocol', 'fast_recovery', 'enable_sni', 'misc_path',
                                   'misc_timeout', 'misc_dynamic', 'user', 'dns_type', 'dns_name',
                                   'helo_name', 'payload', 'require_reply'}
    unknown = sorted(set(raw) - known)
    if unknown:
        _fail(where, 'unknown checker option(s) %s' % ', '.join(unknown))
    merged = dict(CHECKER_DEFAULTS)
    if ctype == 'MISC_CHECK':
        merged = {}
    merged.update({k: v for k, v in raw.items() if v is not None})
    options = []
    if ctype != 'MISC_CHECK':
        for key in CHECKER_COMMON:
            if key not in merged:
                continue
            value = merged[key]
            if key in ('connect_ip', 'bindto'):
                value = str(_ip(value, where, 'checker ' + key))
            elif key in ('connect_port', 'bind_port'):
                value = _int(value, where, 'checker ' + key, 1, 65535)
            elif key in ('alpha', 'log_all_failures'):
                value = 'yes' if value else 'no'
            options.append((key, value))
    checker = {'type': ctype, 'options': options, 'urls': [], 'extra': []}
    if ctype in ('HTTP_GET', 'SSL_GET'):
        urls = merged.get('urls') or [{k: merged[k] for k in ('path', 'status_code', 'digest', 'virtualhost')
                                       if k in merged}]
        for url in urls:
            if 'path' not in url:
                url = dict(url, path='/')
            status = url.get('status_code')
            if status is None and not url.get('digest'):
                status = 200
            if isinstance(status, (list, tuple)):
                status = ' '.join(str(s) for s in status)
            norm = {'path': str(url['path'])}
            if status is not None:
                norm['status_code'] = str(status)
            if url.get('digest'):
                norm['digest'] = str(url['digest']).lower()
            if url.get('virtualhost'):
                norm['virtualhost'] = str(url['virtualhost'])
            checker['urls'].append(norm)
        if merged.get('http_protocol'):
            checker['extra'].append(('http_protocol', str(merged['http_protocol'])))
        if merged.get('fast_recovery'):
            checker['extra'].append(('fast_recovery', 'yes'))
        if ctype == 'SSL_GET' and merged.get('enable_sni'):
            checker['extra'].append(('enable_sni', None))
    elif ctype == 'MISC_CHECK':
        if not merged.get('misc_path'):
            _fail(where, 'MISC_CHECK needs misc_path (the script to run on the director)')
        checker['extra'].append(('misc_path', '"%s"' % str(merged['misc_path']).replace('"', '\\"')))
        if 'misc_timeout' in merged:
            checker['extra'].append(('misc_timeout', _int(merged['misc_timeout'], where, 'misc_timeout', 1, 86400)))
        if merged.get('misc_dynamic'):
            checker['extra'].append(('misc_dynamic', None))
        if merged.get('user'):
            checker['extra'].append(('user', str(merged['user'])))
        for key in ('retry', 'delay_before_retry', 'warmup', 'delay_loop'):
            if key in merged:
                checker['options'].append((key, merged[key]))
    elif ctype == 'DNS_CHECK':
        if merged.get('dns_type'):
            checker['extra'].append(('type', _choice(merged['dns_type'], DNS_TYPES, where, 'dns_type', upper=True)))
        if merged.get('dns_name'):
            checker['extra'].append(('name', str(merged['dns_name'])))
    elif ctype == 'SMTP_CHECK':
        if merged.get('helo_name'):
            checker['extra'].append(('helo_name', str(merged['helo_name'])))
    elif ctype == 'UDP_CHECK':
        if merged.get('payload'):
            checker['extra'].append(('payload', str(merged['payload'])))
        if merged.get('require_reply') is True:
            checker['extra'].append(('require_reply', None))
        elif merged.get('require_reply'):
            checker['extra'].append(('require_reply', str(merged['require_reply'])))
    return checker


def _real_server(raw, svc, where, hostvars):
    if not isinstance(raw, dict):
        _fail(where, 'each real server must be a mapping with "host" or "address"')
    if raw.get('host') and raw.get('address'):
        _fail(where, 'real server gives both host %r and address %r: give one' % (raw['host'], raw['address']))
    if raw.get('host'):
        address = host_address(str(raw['host']), hostvars, where)
        host = str(raw['host'])
    elif raw.get('address'):
        address = str(_ip(raw['address'], where, 'real server address'))
        host = None
        for name in hostvars:
            if _own_addresses(hostvars[name])[:1] == [address]:
                host = name
                break
    else:
        _fail(where, 'real server needs "host" (inventory name) or "address"')
    rwhere = '%s real server %s' % (where, raw.get('host') or address)
    port = raw.get('port', svc['port'])
    port = 0 if svc.get('fwmark') else _int(port, rwhere, 'port', 1, 65535)
    weight = _int(raw.get('weight', 1), rwhere, 'weight', 0, WEIGHT_MAX)
    checker = svc['checker']
    if 'checker' in raw:
        checker = normalize_checker(raw['checker'], rwhere)
    rs = {
        'host': host,
        'address': address,
        'port': port,
        'weight': weight,
        'checker': checker,
        'inhibit_on_failure': bool(raw.get('inhibit_on_failure', svc['inhibit_on_failure'])),
        'notify_up': raw.get('notify_up'),
        'notify_down': raw.get('notify_down'),
        'uthreshold': raw.get('uthreshold'),
        'lthreshold': raw.get('lthreshold'),
    }
    for key in ('uthreshold', 'lthreshold'):
        if rs[key] is not None:
            rs[key] = _int(rs[key], rwhere, key, 0, 2 ** 31 - 1)
    return rs


def normalize_services(services, hostvars, instances=None):
    """Validate and normalise ``lvs_virtual_services``; sorted by (vip, protocol, port)."""
    if services is None:
        return []
    if not isinstance(services, list):
        raise ModelError('lvs_virtual_services must be a list of virtual services')
    instance_names = [i['name'] for i in (instances or [])]
    seen = {}
    result = []
    for index, raw in enumerate(services):
        where = _service_where(index, raw)
        if not isinstance(raw, dict):
            _fail(where, 'each virtual service must be a mapping')
        if not raw.get('name'):
            _fail(where, 'every virtual service needs a "name"')
        svc = {'name': str(raw['name'])}
        if raw.get('fwmark') is not None:
            if raw.get('vip'):
                _fail(where, 'give either vip or fwmark, not both (list the marked addresses in "vips")')
            svc['fwmark'] = _int(raw['fwmark'], where, 'fwmark', 1, 2 ** 32 - 1)
            svc['vips'] = sorted({str(_ip(v, where, 'vips entry')) for v in raw.get('vips') or []},
                                 key=_addr_key)
            svc['vip'] = None
            svc['port'] = 0
            key = ('fwmark', svc['fwmark'])
        else:
            if not raw.get('vip'):
                _fail(where, 'needs "vip" (or "fwmark")')
            vip = str(_ip(raw['vip'], where, 'vip'))
            svc['vip'] = vip
            svc['vips'] = [vip]
            svc['fwmark'] = None
            if raw.get('port') is None:
                _fail(where, 'needs "port" (the virtual port)')
            svc['port'] = _int(raw['port'], where, 'port', 0, 65535)
            key = (vip, str(raw.get('protocol', 'TCP')).upper(), svc['port'])
        if key in seen:
            _fail(where, 'duplicates virtual service %s (%s)' % (seen[key], ' '.join(str(k) for k in key)))
        seen[key] = svc['name']
        svc['ipv6'] = any(ipaddress.ip_address(v).version == 6 for v in svc['vips'])
        svc['protocol'] = _choice(raw.get('protocol', 'TCP'), PROTOCOLS, where, 'protocol', upper=True)
        svc['scheduler'] = _choice(raw.get('scheduler', 'wlc'), SCHEDULERS, where, 'scheduler')
        svc['method'] = _choice(raw.get('method', 'DR'), METHODS, where, 'method', upper=True)
        flags = raw.get('scheduler_flags') or []
        svc['scheduler_flags'] = sorted({_choice(f, SCHEDULER_FLAGS, where, 'scheduler_flags entry') for f in flags})
        svc['persistence_timeout'] = None
        if raw.get('persistence_timeout') is not None:
            svc['persistence_timeout'] = _int(raw['persistence_timeout'], where, 'persistence_timeout', 1, 2 ** 31 - 1)
        svc['persistence_granularity'] = None
        if raw.get('persistence_granularity'):
            gran = str(raw['persistence_granularity'])
            try:
                ipaddress.ip_network('0.0.0.0/%s' % gran) if '.' in gran else int(gran)
            except ValueError:
                _fail(where, 'persistence_granularity %r is not a netmask' % gran)
            svc['persistence_granularity'] = gran
        svc['delay_loop'] = None if raw.get('delay_loop') is None else _seconds(raw['delay_loop'], where, 'delay_loop', 0.001, 86400)
        for key in ('quorum', 'hysteresis'):
            svc[key] = None if raw.get(key) is None else _int(raw[key], where, key, 0, 86400)
        for key in ('quorum_up', 'quorum_down', 'virtualhost'):
            svc[key] = raw.get(key)
        for key in ('alpha', 'omega', 'ha_suspend', 'inhibit_on_failure'):
            svc[key] = bool(raw.get(key, False))
        svc['managed_by'] = _choice(raw.get('managed_by', 'keepalived'), ('keepalived', 'ipvsadm'), where, 'managed_by')
        svc['sorry_server'] = None
        if raw.get('sorry_server'):
            sorry = raw['sorry_server']
            if not isinstance(sorry, dict):
                _fail(where, 'sorry_server must be a mapping {address, port, method}')
            if sorry.get('host'):
                saddr = host_address(str(sorry['host']), hostvars, where + ' sorry_server')
            else:
                saddr = str(_ip(sorry.get('address'), where, 'sorry_server address'))
            svc['sorry_server'] = {
                'address': saddr,
                'port': 0 if svc['fwmark'] else _int(sorry.get('port', svc['port']), where, 'sorry_server port', 1, 65535),
                'method': _choice(sorry['method'], METHODS, where, 'sorry_server method', upper=True)
                if sorry.get('method') else None,
                'inhibit': bool(sorry.get('inhibit', False)),
            }
        svc['checker'] = normalize_checker(raw.get('checker', {'type': 'TCP_CHECK'}), where)
        vrrp_instance = raw.get('vrrp_instance')
        if vrrp_instance is None and len(instance_names) == 1:
            vrrp_instance = instance_names[0]
        if instances is not None and vrrp_instance is not None and vrrp_instance not in instance_names:
            _fail(where, 'vrrp_instance %r is not in lvs_vrrp_instances (%s)'
                  % (vrrp_instance, ', '.join(instance_names) or 'none defined'))
        if instances is not None and vrrp_instance is None and svc['vips'] and instance_names:
            _fail(where, 'several VRRP instances exist: name the one that carries this VIP in "vrrp_instance"')
        svc['vrrp_instance'] = vrrp_instance
        reals = raw.get('real_servers') or []
        if not isinstance(reals, list):
            _fail(where, 'real_servers must be a list')
        svc['real_servers'] = []
        rkeys = set()
        for rraw in reals:
            rs = _real_server(rraw, svc, where, hostvars)
            rkey = (rs['address'], rs['port'])
            if rkey in rkeys:
                _fail(where, 'real server %s:%s is listed twice' % rkey)
            rkeys.add(rkey)
            svc['real_servers'].append(rs)
        svc['real_servers'].sort(key=lambda r: (_addr_key(r['address']), r['port']))
        result.append(svc)
    result.sort(key=service_sort_key)
    return result


def _addr_key(address):
    addr = ipaddress.ip_address(address)
    return (addr.version, int(addr))


def service_sort_key(svc):
    if svc['fwmark'] is not None:
        return (1, svc['fwmark'], 0, '', 0)
    return (0, 0) + (_addr_key(svc['vip'])[0], svc['protocol'], _addr_key(svc['vip'])[1] * 65536 + svc['port'])


def service_key(svc):
    """Key in the form the ipvsadm module uses: ``tcp:VIP:PORT`` or ``fwmark:N``."""
    if svc['fwmark'] is not None:
        return 'fwmark:%d%s' % (svc['fwmark'], ':ipv6' if svc['ipv6'] else '')
    vip = svc['vip']
    if ':' in vip:
        vip = '[%s]' % vip
    return '%s:%s:%d' % (svc['protocol'].lower(), vip, svc['port'])


def normalize_instances(instances, directors, hostvars):
    """Validate ``lvs_vrrp_instances``; resolve MASTER and priorities over ``directors``."""
    if instances is None:
        return []
    if not isinstance(instances, list):
        raise ModelError('lvs_vrrp_instances must be a list of VRRP instances')
    names = set()
    result = []
    for index, raw in enumerate(instances):
        where = 'lvs_vrrp_instances[%d] (%s)' % (index, raw.get('name', 'unnamed') if isinstance(raw, dict) else '?')
        if not isinstance(raw, dict) or not raw.get('name'):
            _fail(where, 'each VRRP instance needs a "name"')
        name = str(raw['name'])
        if name in names:
            _fail(where, 'instance name %s is used twice' % name)
        names.add(name)
        inst = {'name': name}
        inst['virtual_router_id'] = _int(raw.get('virtual_router_id'), where, 'virtual_router_id', 1, 255) \
            if raw.get('virtual_router_id') is not None else _fail(where, 'needs virtual_router_id (1..255)')
        inst['interface'] = raw.get('interface')
        master = raw.get('master')
        if master is None and directors:
            master = directors[0]
        if directors and master not in directors:
            _fail(where, 'master %r is not in the directors group (%s)' % (master, ', '.join(directors)))
        inst['master'] = master
        priorities = dict(raw.get('priorities') or {})
        for host in priorities:
            if directors and host not in directors:
                _fail(where, 'priorities names %r, which is not a director' % host)
        backup_prio = 100
        resolved = {}
        for host in directors:
            if host in priorities:
                resolved[host] = _int(priorities[host], where, 'priority of %s' % host, 1, 255)
            elif host == master:
                resolved[host] = 150
            else:
                resolved[host] = backup_prio
                backup_prio -= 1
        inst['priorities'] = resolved
        inst['advert_int'] = raw.get('advert_int')
        inst['version'] = raw.get('version')
        inst['nopreempt'] = bool(raw.get('nopreempt', False))
        inst['preempt_delay'] = None if raw.get('preempt_delay') is None else \
            _int(raw['preempt_delay'], where, 'preempt_delay', 0, 1000)
        inst['auth_type'] = _choice(raw.get('auth_type', 'PASS'), ('PASS', 'AH'), where, 'auth_type', upper=True)
        inst['auth_pass'] = raw.get('auth_pass')
        if inst['auth_pass'] is not None and len(str(inst['auth_pass'])) > 8:
            _fail(where, 'auth_pass is longer than 8 characters; keepalived would silently truncate it')
        inst['unicast'] = bool(raw.get('unicast', False))
        inst['unicast_peers'] = [str(_ip(p, where, 'unicast_peers entry')) for p in raw.get('unicast_peers') or []]
        for key in ('track_interfaces', 'track_scripts'):
            inst[key] = sorted(str(x) for x in raw.get(key) or [])
        for key in ('notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'):
            inst[key] = raw.get(key)
        inst['sync_group'] = raw.get('sync_group')
        extra = []
        for item in raw.get('extra_vips') or []:
            if isinstance(item, dict):
                extra.append({'address': str(_ip(item.get('address'), where, 'extra_vips address')),
                              'prefix': item.get('prefix'), 'dev': item.get('dev'), 'label': item.get('label')})
            else:
                extra.append({'address': str(_ip(item, where, 'extra_vips entry')), 'prefix': None,
                              'dev': None, 'label': None})
        inst['extra_vips'] = extra
        inst['garp_master_delay'] = raw.get('garp_master_delay')
        inst['garp_master_refresh'] = raw.get('garp_master_refresh')
        result.append(inst)
    result.sort(key=lambda i: i['name'])
    return result


def director_view(services, instances, director, directors, hostvars, settings=None):
    """Everything keepalived.conf on ``director`` needs, sorted and validated.

    ``settings`` carries the director role's global options (vrrp version, advert_int, delay_loop,
    interface, vip label prefix ...). Returns a dict with ``instances``, ``sync_groups``,
    ``virtual_servers``, ``static_services`` (managed_by ipvsadm), ``keepalived_keys`` and
    ``kernel_modules``.
    """
    settings = settings or {}
    if director not in hostvars:
        raise ModelError('director %s is not in the inventory' % director)
    directors = list(directors or [director])
    if director not in directors:
        directors.append(director)
    insts = normalize_instances(instances, directors, hostvars)
    svcs = normalize_services(services, hostvars, insts)
    hvars = hostvars[director]
    default_iface = settings.get('interface') or hvars.get('director_interface')
    my_address = (_own_addresses(hvars) or [None])[0]
    view_instances = []
    for inst in insts:
        where = 'lvs_vrrp_instances (%s)' % inst['name']
        iface = inst['interface'] or default_iface
        if not iface:
            _fail(where, 'no interface: set "interface" on the instance or director_interface for %s' % director)
        prio = inst['priorities'][director]
        vips = []
        for svc in svcs:
            if svc['vrrp_instance'] == inst['name']:
                for vip in svc['vips']:
                    if vip not in [v['address'] for v in vips]:
                        vips.append({'address': vip, 'prefix': None, 'dev': None, 'label': None})
        for extra in inst['extra_vips']:
            if extra['address'] not in [v['address'] for v in vips]:
                vips.append(extra)
        for vip in vips:
            addr = ipaddress.ip_address(vip['address'])
            vip['prefix'] = vip['prefix'] or (32 if addr.version == 4 else 128)
            vip['dev'] = vip['dev'] or iface
        vips.sort(key=lambda v: _addr_key(v['address']))
        peers = list(inst['unicast_peers'])
        src = None
        if inst['unicast'] and not peers:
            for other in directors:
                if other != director:
                    peers.append(host_address(other, hostvars, where + ' unicast peer'))
            src = host_address(director, hostvars, where + ' unicast_src_ip')
        elif peers:
            src = my_address
        version = int(inst['version'] or settings.get('vrrp_version') or 3)
        strict = bool(settings.get('vrrp_strict'))
        if strict and inst['auth_pass']:
            _fail(where, 'director_vrrp_strict forbids VRRP authentication (keepalived ignores it): remove auth_pass')
        state = 'MASTER' if inst['master'] == director else 'BACKUP'
        # Once settled, the highest priority holds the instance (unless it may not preempt). A
        # lower one is BACKUP, or MASTER while the others are down or not yet deployed (a first
        # rollout changes the backups first): either is healthy.
        expected = 'MASTER' if prio == max(inst['priorities'].values()) and not inst['nopreempt'] else None
        advert = inst['advert_int']
        if advert is None:
            advert = settings.get('advert_int', 1)
            if version == 2:
                # VRRPv2 advertises in whole seconds: a sub-second default applies to v3 only.
                advert = max(1, int(math.ceil(float(advert))))
        elif version == 2 and float(advert) != int(float(advert)):
            _fail(where, 'advert_int %s: VRRPv2 advertises in whole seconds; use version 3 for '
                         'sub-second adverts' % advert)
        if (strict and prio != 255) or inst['nopreempt'] or inst['preempt_delay'] is not None:
            # Strict VRRP lets only the address owner (priority 255) start as MASTER, and keepalived
            # ignores nopreempt/preempt_delay on an initial MASTER: start every director as BACKUP
            # and let priority elect the master.
            state = 'BACKUP'
        # One instance speaks one address family; VIPs of the other family ride along unadvertised.
        family = ipaddress.ip_address(vips[0]['address']).version if vips else 4
        excluded = [v for v in vips if ipaddress.ip_address(v['address']).version != family]
        vips = [v for v in vips if ipaddress.ip_address(v['address']).version == family]
        view_instances.append({
            'name': inst['name'],
            'state': state,
            'interface': iface,
            'virtual_router_id': inst['virtual_router_id'],
            'priority': prio,
            'advert_int': advert,
            'expected_state': expected,
            'state_hook': not inst['notify'],
            'version': version,
            'nopreempt': inst['nopreempt'],
            'preempt_delay': inst['preempt_delay'],
            'auth_type': inst['auth_type'] if (inst['auth_pass'] and version == 2) else None,
            'auth_pass': inst['auth_pass'] if version == 2 else None,
            'unicast_src_ip': src,
            'unicast_peers': sorted(peers, key=_addr_key),
            'track_interfaces': inst['track_interfaces'],
            'track_scripts': inst['track_scripts'],
            'notify_master': inst['notify_master'],
            'notify_backup': inst['notify_backup'],
            'notify_fault': inst['notify_fault'],
            'notify_stop': inst['notify_stop'],
            'notify': inst['notify'],
            'vips': vips,
            'vips_excluded': excluded,
            'garp_master_delay': inst['garp_master_delay'],
            'garp_master_refresh': inst['garp_master_refresh'],
            'sync_group': inst['sync_group'],
        })
    groups = {}
    for inst in view_instances:
        if inst['sync_group']:
            groups.setdefault(str(inst['sync_group']), []).append(inst['name'])
    sync_groups = [{'name': name, 'instances': sorted(members)} for name, members in sorted(groups.items())]
    delay_loop = settings.get('delay_loop')
    if delay_loop is not None:
        delay_loop = _seconds(delay_loop, 'director_delay_loop', 'director_delay_loop', 0.001, 86400)
    keepalived = [s for s in svcs if s['managed_by'] == 'keepalived']
    static = [s for s in svcs if s['managed_by'] == 'ipvsadm']
    for svc in keepalived:
        if svc['delay_loop'] is None:
            svc['delay_loop'] = delay_loop
    modules = {'ip_vs'} | {'ip_vs_' + s['scheduler'] for s in svcs}
    return {
        'instances': view_instances,
        'sync_groups': sync_groups,
        'virtual_servers': keepalived,
        'static_services': static,
        'keepalived_keys': sorted(service_key(s) for s in keepalived),
        'expected_states': dict((i['name'], i['expected_state']) for i in view_instances if i['state_hook']),
        'kernel_modules': sorted(modules),
        'needs_forwarding': any(s['method'] == 'NAT' for s in svcs),
        'vip_addresses': sorted({v['address'] for i in view_instances for v in i['vips'] + i['vips_excluded']},
                                key=_addr_key),
    }


def real_server_vips(services, host, hostvars):
    """VIPs that ``host`` must hold: DR on ``lo``, TUN on ``tunl0``; NAT needs none."""
    svcs = normalize_services(services, hostvars)
    my_addresses = set(_own_addresses(hostvars.get(host, {})))
    found = {}
    for svc in svcs:
        if svc['method'] == 'NAT':
            continue
        for rs in svc['real_servers']:
            if rs['host'] == host or rs['address'] in my_addresses:
                device = 'lo' if svc['method'] == 'DR' else 'tunl0'
                for vip in svc['vips']:
                    entry = found.setdefault((vip, device), {'address': vip, 'device': device,
                                                             'method': svc['method'], 'services': []})
                    if svc['name'] not in entry['services']:
                        entry['services'].append(svc['name'])
    result = sorted(found.values(), key=lambda e: (_addr_key(e['address']), e['device']))
    for entry in result:
        entry['services'].sort()
    return result


def ipvsadm_services(services):
    """Normalised services -> the ``services`` option of the lvs.cluster.ipvsadm module."""
    method = {'DR': 'route', 'NAT': 'masq', 'TUN': 'tunnel'}
    result = []
    for svc in services:
        entry = {'scheduler': svc['scheduler']}
        if svc['fwmark'] is not None:
            entry['fwmark'] = svc['fwmark']
            if svc['ipv6']:
                entry['family'] = 'ipv6'
        else:
            entry['protocol'] = svc['protocol'].lower()
            entry['address'] = svc['vip']
            entry['port'] = svc['port']
        if svc['persistence_timeout']:
            entry['persistence_timeout'] = svc['persistence_timeout']
        if svc['persistence_granularity']:
            entry['persistence_netmask'] = svc['persistence_granularity']
        flags = [f for f in svc['scheduler_flags'] if f != 'ops']
        if flags:
            entry['sched_flags'] = flags
        if 'ops' in svc['scheduler_flags']:
            entry['one_packet'] = True
        thresholds = (('uthreshold', 'upper_threshold'), ('lthreshold', 'lower_threshold'))
        entry['real_servers'] = [
            dict({'address': rs['address'], 'port': rs['port'], 'weight': rs['weight'],
                  'method': method[svc['method']]},
                 **{option: rs[key] for key, option in thresholds if rs[key] is not None})
            for rs in svc['real_servers']]
        result.append(entry)
    return result
