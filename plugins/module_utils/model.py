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

from ansible_collections.lvs.cluster.plugins.module_utils import drain
from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils import grammar
from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges
from ansible_collections.lvs.cluster.plugins.module_utils import settings as role_settings
from ansible_collections.lvs.cluster.plugins.module_utils import single_director
from ansible_collections.lvs.cluster.plugins.module_utils.fields import ModelError  # noqa: F401 (the model's error)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import MAX_THRESHOLD, MAX_WEIGHT


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
WEIGHT_MAX = MAX_WEIGHT

# Defaults for a checker when neither the service nor the real server overrides them.
# With delay_loop 0.5, a real server that refuses connections leaves the IPVS table within about
# 1 s and one that goes silent within about 3 s (two 1 s timeouts, the retry half a second later). An explicit null leaves the
# keyword out, to keepalived's own default.
CHECKER_DEFAULTS = {
    'connect_timeout': 1,
    'retry': 1,
    'delay_before_retry': 0.5,
}

# What each option of the inventory model may hold.
SERVICE_KEYS = ('name', 'vip', 'port', 'fwmark', 'vips', 'fwmark_ports', 'protocol', 'scheduler', 'scheduler_flags', 'method',
                'persistence_timeout', 'persistence_granularity', 'delay_loop', 'quorum', 'hysteresis',
                'quorum_up', 'quorum_down', 'virtualhost', 'alpha', 'omega', 'ha_suspend', 'inhibit_on_failure',
                'managed_by', 'vrrp_instance', 'sorry_server', 'checker', 'real_servers')
REAL_SERVER_KEYS = ('host', 'address', 'port', 'weight', 'checker', 'inhibit_on_failure', 'notify_up',
                    'notify_down', 'uthreshold', 'lthreshold')
SORRY_KEYS = ('address', 'host', 'port', 'method', 'inhibit')
INSTANCE_KEYS = ('name', 'interface', 'virtual_router_id', 'master', 'priorities', 'advert_int', 'version',
                 'nopreempt', 'preempt_delay', 'auth_type', 'auth_pass', 'unicast', 'unicast_peers',
                 'track_interfaces', 'track_scripts', 'notify_master', 'notify_backup', 'notify_fault',
                 'notify_stop', 'notify', 'sync_group', 'extra_vips', 'garp_master_delay', 'garp_master_refresh')
EXTRA_VIP_KEYS = ('address', 'prefix', 'dev', 'label')
URL_KEYS = ('path', 'status_code', 'digest', 'virtualhost')
CHECKER_KEYS = set(CHECKER_COMMON) | {'type', 'nb_get_retry', 'urls', 'http_protocol', 'fast_recovery', 'enable_sni',
                                      'misc_path', 'misc_timeout', 'misc_dynamic', 'user', 'dns_type', 'dns_name',
                                      'helo_name', 'payload', 'require_reply'} | set(URL_KEYS)

# The numeric fields of the model: field -> the keepalived_ranges keyword whose bounds, decimal
# places and spelling it takes (keepalived's accepted range is encoded there, once, and proven
# against the real keepalived -t by tests/unit/roles/director/test_keepalived_bounds.py), and the
# model's own tighter bounds where it has a reason (None: keepalived's).
_NUMBERS = {
    'virtual_router_id': ('virtual_router_id', None),
    'priority': ('priority', None),
    'advert_int_v2': ('advert_int v2', None),
    'advert_int_v3': ('advert_int', None),
    'preempt_delay': ('preempt_delay', None),
    'garp_master_delay': ('garp_master_delay', None),
    'garp_master_refresh': ('garp_master_refresh', None),
    # a real server's or checker's port; 0 is written by the model itself (fwmark services)
    'port': ('real_server port', (1, 65535)),
    'virtual_port': ('virtual_server port', None),
    'fwmark': ('virtual_server fwmark', None),
    # static services go to lvs.cluster.ipvsadm as well, which holds ipvsadm's limits
    'weight': ('real_server weight', (0, MAX_WEIGHT)),
    'threshold': (None, (0, MAX_THRESHOLD)),
    'persistence_timeout': ('persistence_timeout', None),
    'delay_loop': ('checker delay_loop', None),
    'quorum': ('quorum', None),
    'hysteresis': ('hysteresis', None),
    'connect_timeout': ('connect_timeout', None),
    'retry': ('retry', None),
    'delay_before_retry': ('delay_before_retry', None),
    'warmup': ('warmup', None),
    'misc_timeout': ('misc_timeout', None),
    # one HTTP status code; keepalived_ranges' status_code is the whole rendered list
    'status_code': (None, (100, 599)),
}


def _ranges():
    table = {}
    for field, (keyword, own) in _NUMBERS.items():
        table[field] = (own[0], own[1], True) if own is not None else keepalived_ranges.bounds(keyword)
    return table


# field -> (low, high, whole number): what the preflight accepts, derived from _NUMBERS.
RANGES = _ranges()


def _range(value, where, field, key=None):
    """A number of the model within RANGES, in keepalived's spelling (its decimal places)."""
    key = key or field
    low, high, whole = RANGES[key]
    keyword = _NUMBERS[key][0]
    if keyword is None:
        return fields.number(value, where, field, low, high, whole)
    return fields.keepalived_number(value, where, field, keyword, low, high)


def _fail(where, msg):
    fields.fail(where, msg)


def _ip(value, where, field):
    return fields.ip(value, where, field)


def _int(value, where, field, low, high):
    return fields.integer(value, where, field, low, high)


def _seconds(value, where, field, low, high):
    return fields.seconds(value, where, field, low, high)


def _choice(value, choices, where, field, upper=False):
    return fields.choice(value, choices, where, field, upper)


def _text(raw, key, where, rule, field=None):
    """``raw[key]`` through ``rule`` (a grammar validator); None when absent or null."""
    value = raw.get(key)
    return None if value is None else fields.text(value, where, field or key, rule)


def _own_addresses(hvars):
    """The valid IP addresses among a host's ``lvs_address`` and ``ansible_host``, in that order."""
    found = []
    for var in ('lvs_address', 'ansible_host'):
        value = hvars.get(var)
        if not isinstance(value, str):
            continue
        try:
            found.append(str(ipaddress.ip_address(value)))
        except ValueError:
            continue
    return found


def host_address(name, hostvars, where):
    """Address of an inventory host: ``lvs_address``, else an IP ``ansible_host``."""
    if not isinstance(name, str) or name not in hostvars:
        _fail(where, 'host %s is not in the inventory (add it, or give "address:" instead of "host:")'
              % grammar.describe(name))
    hvars = hostvars[name]
    for var in ('lvs_address', 'ansible_host'):
        value = hvars.get(var)
        if value:
            try:
                if not isinstance(value, str):
                    raise ValueError(value)
                return str(ipaddress.ip_address(value))
            except ValueError:
                if var == 'lvs_address':
                    _fail(where, 'host %s: lvs_address %s is not an IP address (a quoted string)'
                          % (name, grammar.describe(value)))
    _fail(where, 'host %s has no address: set lvs_address (or an IP ansible_host) in its host_vars' % name)


def item_label(var, index, raw):
    """``VAR[INDEX] (NAME)`` for messages: the item's name only where it is a valid name."""
    name = raw.get('name') if isinstance(raw, dict) else None
    return '%s[%d] (%s)' % (var, index, name if grammar.accepts(grammar.name, name) else 'unnamed')


def _service_where(index, svc):
    return item_label('lvs_virtual_services', index, svc)


def _status_codes(value, where):
    """HTTP status codes: one code or a list of codes, 100..599 each."""
    codes = value if isinstance(value, list) else [value]
    if not codes:
        _fail(where, 'checker status_code must be a code or a list of codes, got an empty list')
    return ' '.join(str(_range(code, where, 'checker status_code', 'status_code')) for code in codes)


def _url(url, where):
    fields.mapping(url, where, 'each checker urls entry')
    fields.known_keys(url, URL_KEYS, where, 'checker url')
    norm = {'path': '/' if url.get('path') is None else fields.text(url['path'], where, 'checker path', grammar.token)}
    status = url.get('status_code')
    if status is None and not url.get('digest'):
        status = 200
    if status is not None:
        norm['status_code'] = _status_codes(status, where)
    if url.get('digest') is not None:
        digest = fields.text(url['digest'], where, 'checker digest', grammar.token).lower()
        if len(digest) != 32 or any(c not in '0123456789abcdef' for c in digest):
            _fail(where, 'checker digest %r is not an MD5 digest (32 hexadecimal digits, genhash prints it)' % digest)
        norm['digest'] = digest
    if url.get('virtualhost') is not None:
        norm['virtualhost'] = fields.text(url['virtualhost'], where, 'checker virtualhost', grammar.hostname)
    return norm


def _checker_number(key, value, where):
    field = 'checker ' + key
    if key in ('connect_port', 'bind_port'):
        return _range(value, where, field, 'port')
    return _range(value, where, field, key)


def normalize_checker(raw, where):
    """Checker dict -> ``{'type': ..., 'options': [(key, value)], 'urls': [...]}`` or None."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = {'type': raw}
    if not isinstance(raw, dict):
        _fail(where, 'checker must be a mapping with a "type", got %s' % grammar.describe(raw))
    ctype = _choice(raw.get('type', 'TCP_CHECK'), CHECKER_TYPES, where, 'checker type', upper=True)
    if ctype == 'NONE':
        return None
    unknown = sorted(str(k) for k in raw if k not in CHECKER_KEYS)
    if unknown:
        _fail(where, 'unknown checker option(s) %s' % ', '.join(unknown))
    old_retry = raw.get('nb_get_retry')
    raw = dict((k, v) for k, v in raw.items() if k != 'nb_get_retry')
    if old_retry is not None:
        # keepalived 1.x's name, still in most recipes; keepalived 2.x calls it retry: render that
        if raw.get('retry') is not None and raw['retry'] != old_retry:
            _fail(where, 'checker sets both nb_get_retry (%s) and retry (%s): keep "retry", nb_get_retry is '
                  'its deprecated keepalived 1.x name' % (old_retry, raw['retry']))
        raw['retry'] = old_retry
    merged = {} if ctype == 'MISC_CHECK' else dict(CHECKER_DEFAULTS)
    for key, value in raw.items():
        if value is None:
            merged.pop(key, None)  # null: keepalived's own default
        else:
            merged[key] = value
    options = []
    if ctype != 'MISC_CHECK':
        for key in CHECKER_COMMON:
            if key not in merged:
                continue
            value = merged[key]
            if key in ('connect_ip', 'bindto'):
                value = str(_ip(value, where, 'checker ' + key))
            elif key in ('alpha', 'log_all_failures'):
                value = 'yes' if fields.boolean(value, where, 'checker ' + key) else 'no'
            else:
                value = _checker_number(key, value, where)
            options.append((key, value))
    checker = {'type': ctype, 'options': options, 'urls': [], 'extra': []}
    if ctype in ('HTTP_GET', 'SSL_GET'):
        urls = fields.listing(merged.get('urls'), where, 'checker urls') or \
            [dict((k, merged[k]) for k in URL_KEYS if k in merged)]
        checker['urls'] = [_url(url, where) for url in urls]
        if merged.get('http_protocol') is not None:
            checker['extra'].append(('http_protocol', _choice(merged['http_protocol'], ('1.0', '1.1', '1.0C', '1.0c'),
                                                              where, 'checker http_protocol')))
        if fields.flag(merged, 'fast_recovery', where):
            checker['extra'].append(('fast_recovery', 'yes'))
        if ctype == 'SSL_GET' and fields.flag(merged, 'enable_sni', where):
            checker['extra'].append(('enable_sni', None))
    elif ctype == 'MISC_CHECK':
        if not merged.get('misc_path'):
            _fail(where, 'MISC_CHECK needs misc_path (the script to run on the director)')
        checker['extra'].append(('misc_path', '"%s"' % fields.text(merged['misc_path'], where, 'misc_path', grammar.quoted)))
        if 'misc_timeout' in merged:
            checker['extra'].append(('misc_timeout', _range(merged['misc_timeout'], where, 'misc_timeout')))
        if fields.flag(merged, 'misc_dynamic', where):
            checker['extra'].append(('misc_dynamic', None))
        if merged.get('user') is not None:
            checker['extra'].append(('user', fields.text(merged['user'], where, 'checker user', grammar.name)))
        for key in ('retry', 'delay_before_retry', 'warmup', 'delay_loop'):
            if key in merged:
                checker['options'].append((key, _checker_number(key, merged[key], where)))
    elif ctype == 'DNS_CHECK':
        if merged.get('dns_type') is not None:
            checker['extra'].append(('type', _choice(merged['dns_type'], DNS_TYPES, where, 'dns_type', upper=True)))
        if merged.get('dns_name') is not None:
            checker['extra'].append(('name', fields.text(merged['dns_name'], where, 'dns_name', grammar.hostname)))
    elif ctype == 'SMTP_CHECK':
        if merged.get('helo_name') is not None:
            checker['extra'].append(('helo_name', fields.text(merged['helo_name'], where, 'helo_name', grammar.hostname)))
    elif ctype == 'UDP_CHECK':
        if merged.get('payload') is not None:
            checker['extra'].append(('payload', _hex(merged['payload'], where, 'payload')))
        reply = merged.get('require_reply')
        if reply is True:
            checker['extra'].append(('require_reply', None))
        elif reply is not None and reply is not False:
            checker['extra'].append(('require_reply', _hex(reply, where, 'require_reply')))
    return checker


def _hex(value, where, field):
    value = fields.text(value, where, 'checker ' + field, grammar.token)
    if value.lower().endswith('ff'):
        _fail(where, 'checker %s %r may not end in the byte ff (keepalived 2.2 refuses it)' % (field, value))
    if len(value) % 2 or any(c not in '0123456789abcdefABCDEF' for c in value):
        _fail(where, 'checker %s %r must be hexadecimal bytes (an even number of 0-9a-f digits)' % (field, value))
    return value


def _real_server(raw, svc, where, hostvars):
    if not isinstance(raw, dict):
        _fail(where, 'each real server must be a mapping with "host" or "address", got %s' % grammar.describe(raw))
    fields.known_keys(raw, REAL_SERVER_KEYS, where, 'real server')
    if raw.get('host') is not None and raw.get('address') is not None:
        _fail(where, 'real server gives both host %r and address %r: give one' % (raw['host'], raw['address']))
    if raw.get('host') is not None:
        host = fields.text(raw['host'], where, 'real server host', grammar.token)
        address = host_address(host, hostvars, where)
    elif raw.get('address') is not None:
        address = str(_ip(raw['address'], where, 'real server address'))
        host = None
        for name in hostvars:
            if _own_addresses(hostvars[name])[:1] == [address]:
                host = name
                break
    else:
        _fail(where, 'real server needs "host" (inventory name) or "address"')
    rwhere = '%s real server %s' % (where, host or address)
    port = raw.get('port', svc['port'])
    port = 0 if svc.get('fwmark') else _range(port, rwhere, 'port')
    weight = _range(raw.get('weight', 1), rwhere, 'weight')
    checker = svc['checker']
    if 'checker' in raw:
        checker = normalize_checker(raw['checker'], rwhere)
    rs = {
        'host': host,
        'address': address,
        'port': port,
        'weight': weight,
        'checker': checker,
        'inhibit_on_failure': fields.flag(raw, 'inhibit_on_failure', rwhere, svc['inhibit_on_failure']),
        'notify_up': _text(raw, 'notify_up', rwhere, grammar.quoted),
        'notify_down': _text(raw, 'notify_down', rwhere, grammar.quoted),
        'uthreshold': None,
        'lthreshold': None,
    }
    for key in ('uthreshold', 'lthreshold'):
        if raw.get(key) is not None:
            rs[key] = _range(raw[key], rwhere, key, 'threshold')
    if rs['uthreshold'] is not None and rs['lthreshold'] is not None and rs['lthreshold'] > rs['uthreshold']:
        _fail(rwhere, 'lthreshold %s is above uthreshold %s' % (rs['lthreshold'], rs['uthreshold']))
    return rs


def _vip(value, where):
    """A service VIP: ADDRESS, or ADDRESS/PREFIX (the prefix it gets on the director's interface)."""
    if not isinstance(value, str) or not value:
        _fail(where, 'vip must be an IP address (a string), got %s' % grammar.describe(value))
    address, _sep, prefix = value.partition('/')
    addr = _ip(address, where, 'vip')
    if not _sep:
        return str(addr), None
    if not prefix.isdigit():
        _fail(where, 'vip %r: the prefix after "/" must be a number' % value)
    return str(addr), _int(int(prefix), where, 'vip prefix', 1, 32 if addr.version == 4 else 128)


def _granularity(value, where):
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        _fail(where, 'persistence_granularity must be a netmask (255.255.255.0) or a prefix length, got %s'
              % grammar.describe(value))
    gran = str(value)
    try:
        if '.' in gran:
            ipaddress.ip_network('0.0.0.0/%s' % gran)
        elif not gran.isdigit() or not 1 <= int(gran) <= 128:
            raise ValueError(gran)
    except ValueError:
        _fail(where, 'persistence_granularity %r is not a netmask' % gran)
    return gran


def _sorry_server(sorry, svc, where, hostvars):
    fields.mapping(sorry, where, 'sorry_server')
    fields.known_keys(sorry, SORRY_KEYS, where, 'sorry_server')
    if sorry.get('host') is not None:
        saddr = host_address(fields.text(sorry['host'], where, 'sorry_server host', grammar.token), hostvars,
                             where + ' sorry_server')
    else:
        saddr = str(_ip(sorry.get('address'), where, 'sorry_server address'))
    return {
        'address': saddr,
        'port': 0 if svc['fwmark'] else _range(sorry.get('port', svc['port']), where, 'sorry_server port', 'port'),
        'method': _choice(sorry['method'], METHODS, where, 'sorry_server method', upper=True)
        if sorry.get('method') is not None else None,
        'inhibit': fields.flag(sorry, 'inhibit', where),
    }


def normalize_services(services, hostvars, instances=None):
    """Validate and normalise ``lvs_virtual_services``; sorted by (vip, protocol, port)."""
    if services is None:
        return []
    if not isinstance(services, list):
        _fail('lvs_virtual_services', 'must be a list of virtual services, got %s' % grammar.describe(services))
    instance_names = [i['name'] for i in (instances or [])]
    seen = {}
    result = []
    for index, raw in enumerate(services):
        where = _service_where(index, raw)
        if not isinstance(raw, dict):
            _fail(where, 'each virtual service must be a mapping, got %s' % grammar.describe(raw))
        fields.known_keys(raw, SERVICE_KEYS, where, 'virtual service')
        if raw.get('name') is None or raw.get('name') == '':
            _fail(where, 'every virtual service needs a "name"')
        svc = {'name': fields.text(raw['name'], where, 'name', grammar.name), 'vip_prefix': None}
        if raw.get('fwmark') is not None:
            if raw.get('vip') is not None:
                _fail(where, 'give either vip or fwmark, not both (list the marked addresses in "vips")')
            svc['fwmark'] = _range(raw['fwmark'], where, 'fwmark')
            svc['vips'] = sorted({str(_ip(v, where, 'vips entry')) for v in fields.listing(raw.get('vips'), where, 'vips')},
                                 key=_addr_key)
            svc['vip'] = None
            svc['port'] = 0
            key = ('fwmark', svc['fwmark'])
            svc['fwmark_ports'] = sorted({_range(p, where, 'fwmark_ports entry', 'port')
                                          for p in fields.listing(raw.get('fwmark_ports'), where, 'fwmark_ports')})
            if svc['fwmark_ports'] and not svc['vips']:
                _fail(where, 'fwmark_ports needs "vips": the addresses whose packets to those ports get the mark')
        else:
            if raw.get('vip') is None or raw.get('vip') == '':
                _fail(where, 'needs "vip" (or "fwmark")')
            vip, svc['vip_prefix'] = _vip(raw['vip'], where)
            svc['vip'] = vip
            svc['vips'] = [vip]
            svc['fwmark'] = None
            if raw.get('fwmark_ports') is not None:
                _fail(where, 'fwmark_ports marks packets for a fwmark service; this one has a vip: give "fwmark" '
                             'and "vips" instead of "vip", or drop fwmark_ports')
            svc['fwmark_ports'] = []
            if raw.get('port') is None:
                _fail(where, 'needs "port" (the virtual port)')
            svc['port'] = _range(raw['port'], where, 'port', 'virtual_port')
            key = (vip, _choice(raw.get('protocol', 'TCP'), PROTOCOLS, where, 'protocol', upper=True), svc['port'])
        if key in seen:
            _fail(where, 'duplicates virtual service %s (%s)' % (seen[key], ' '.join(str(k) for k in key)))
        seen[key] = svc['name']
        svc['ipv6'] = any(ipaddress.ip_address(v).version == 6 for v in svc['vips'])
        svc['protocol'] = _choice(raw.get('protocol', 'TCP'), PROTOCOLS, where, 'protocol', upper=True)
        svc['scheduler'] = _choice(raw.get('scheduler', 'wlc'), SCHEDULERS, where, 'scheduler')
        svc['method'] = _choice(raw.get('method', 'DR'), METHODS, where, 'method', upper=True)
        flags = fields.listing(raw.get('scheduler_flags'), where, 'scheduler_flags')
        svc['scheduler_flags'] = sorted({_choice(f, SCHEDULER_FLAGS, where, 'scheduler_flags entry') for f in flags})
        svc['persistence_timeout'] = None
        if raw.get('persistence_timeout') is not None:
            svc['persistence_timeout'] = _range(raw['persistence_timeout'], where, 'persistence_timeout')
        svc['persistence_granularity'] = None
        if raw.get('persistence_granularity') is not None:
            svc['persistence_granularity'] = _granularity(raw['persistence_granularity'], where)
        if svc['port'] == 0 and svc['fwmark'] is None and svc['persistence_timeout'] is None:
            _fail(where, 'port 0 (every port) needs persistence_timeout: IPVS takes a port-0 service only as a '
                         'persistent one')
        svc['delay_loop'] = None if raw.get('delay_loop') is None else _range(raw['delay_loop'], where, 'delay_loop')
        for key in ('quorum', 'hysteresis'):
            svc[key] = None if raw.get(key) is None else _range(raw[key], where, key)
        for key in ('quorum_up', 'quorum_down'):
            svc[key] = _text(raw, key, where, grammar.quoted)
        svc['virtualhost'] = _text(raw, 'virtualhost', where, grammar.hostname)
        for key in ('alpha', 'omega', 'ha_suspend', 'inhibit_on_failure'):
            svc[key] = fields.flag(raw, key, where)
        svc['managed_by'] = _choice(raw.get('managed_by', 'keepalived'), ('keepalived', 'ipvsadm'), where, 'managed_by')
        svc['sorry_server'] = None
        if raw.get('sorry_server') is not None:
            svc['sorry_server'] = _sorry_server(raw['sorry_server'], svc, where, hostvars)
        svc['checker'] = normalize_checker(raw.get('checker', {'type': 'TCP_CHECK'}), where)
        vrrp_instance = _text(raw, 'vrrp_instance', where, grammar.name)
        if vrrp_instance is None and len(instance_names) == 1:
            vrrp_instance = instance_names[0]
        if instances is not None and vrrp_instance is not None and vrrp_instance not in instance_names:
            _fail(where, 'vrrp_instance %r is not in lvs_vrrp_instances (%s)'
                  % (vrrp_instance, ', '.join(instance_names) or 'none defined'))
        if instances is not None and vrrp_instance is None and svc['vips'] and instance_names:
            _fail(where, 'several VRRP instances exist: name the one that carries this VIP in "vrrp_instance"')
        svc['vrrp_instance'] = vrrp_instance
        reals = fields.listing(raw.get('real_servers'), where, 'real_servers')
        if not reals:
            _fail(where, 'has no real servers: list them in "real_servers" (keepalived refuses a virtual_server '
                         'without one)')
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
        weights = sum(rs['weight'] for rs in svc['real_servers'])
        quorum = 1 if svc['quorum'] is None else svc['quorum']
        if svc['managed_by'] == 'keepalived' and quorum > weights:
            _fail(where, 'quorum %d is above the sum of the real servers\' weights (%d): keepalived refuses it (all '
                         'weights 0 count as 0); lower quorum or raise a weight' % (quorum, weights))
        if svc['hysteresis'] is not None and svc['hysteresis'] >= quorum:
            _fail(where, 'hysteresis %d must be below quorum %d (keepalived refuses it)' % (svc['hysteresis'], quorum))
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


def _extra_vip(item, where):
    if not isinstance(item, dict):
        vip, prefix = _vip(item, where + ' extra_vips entry')
        return {'address': vip, 'prefix': prefix, 'dev': None, 'label': None}
    fields.known_keys(item, EXTRA_VIP_KEYS, where, 'extra_vips')
    addr = _ip(item.get('address'), where, 'extra_vips address')
    return {'address': str(addr),
            'prefix': None if item.get('prefix') is None else
            _int(item['prefix'], where, 'extra_vips prefix', 1, 32 if addr.version == 4 else 128),
            'dev': _text(item, 'dev', where, grammar.interface, 'extra_vips dev'),
            'label': _text(item, 'label', where, grammar.label, 'extra_vips label')}


def _instance_where(index, raw):
    return item_label('lvs_vrrp_instances', index, raw)


def normalize_instances(instances, directors, hostvars):
    """Validate ``lvs_vrrp_instances``; resolve MASTER and priorities over ``directors``."""
    if instances is None:
        return []
    if not isinstance(instances, list):
        _fail('lvs_vrrp_instances', 'must be a list of VRRP instances, got %s' % grammar.describe(instances))
    names = set()
    result = []
    for index, raw in enumerate(instances):
        where = _instance_where(index, raw)
        if not isinstance(raw, dict) or raw.get('name') is None or raw.get('name') == '':
            _fail(where, 'each VRRP instance needs a "name"')
        fields.known_keys(raw, INSTANCE_KEYS, where, 'VRRP instance')
        name = fields.text(raw['name'], where, 'name', grammar.name)
        if name in names:
            _fail(where, 'instance name %s is used twice' % name)
        names.add(name)
        inst = {'name': name}
        if raw.get('virtual_router_id') is None:
            _fail(where, 'needs virtual_router_id (1..255)')
        inst['virtual_router_id'] = _range(raw['virtual_router_id'], where, 'virtual_router_id')
        inst['interface'] = _text(raw, 'interface', where, grammar.interface)
        master = raw.get('master')
        if master is None and directors:
            master = directors[0]
        if master is not None and not isinstance(master, str):
            _fail(where, 'master must be the name of a director (text), got %s' % grammar.describe(master))
        if directors and master not in directors:
            _fail(where, 'master %r is not in the directors group (%s)' % (master, ', '.join(directors)))
        inst['master'] = master
        priorities = raw.get('priorities')
        priorities = {} if priorities is None else fields.mapping(priorities, where, 'priorities')
        for host in priorities:
            if directors and host not in directors:
                _fail(where, 'priorities names %r, which is not a director' % (host,))
        backup_prio = 100
        resolved = {}
        for host in directors:
            if host in priorities:
                resolved[host] = _range(priorities[host], where, 'priority of %s' % host, 'priority')
            elif host == master:
                resolved[host] = 150
            else:
                resolved[host] = backup_prio
                backup_prio -= 1
        inst['priorities'] = resolved
        inst['advert_int'] = None
        if raw.get('advert_int') is not None:
            # the VRRP version (and so the range: whole seconds up to 255 for v2, steps of 0.01 s
            # up to 40.95 for v3) is known per director: director_view checks it there
            low, high = RANGES['advert_int_v3'][0], RANGES['advert_int_v2'][1]
            inst['advert_int'] = fields.number(raw['advert_int'], where, 'advert_int', low, high, whole=False)
        inst['version'] = None if raw.get('version') is None else _choice_int(raw['version'], (2, 3), where, 'version')
        inst['nopreempt'] = fields.flag(raw, 'nopreempt', where)
        inst['preempt_delay'] = None if raw.get('preempt_delay') is None else \
            _range(raw['preempt_delay'], where, 'preempt_delay')
        inst['auth_type'] = _choice(raw.get('auth_type', 'PASS'), ('PASS', 'AH'), where, 'auth_type', upper=True)
        inst['auth_given'] = raw.get('auth_pass') is not None or raw.get('auth_type') is not None
        inst['auth_pass'] = _text(raw, 'auth_pass', where, grammar.token)
        if inst['auth_pass'] is not None and len(inst['auth_pass']) > 8:
            _fail(where, 'auth_pass is longer than 8 characters; keepalived would silently truncate it')
        inst['unicast'] = fields.flag(raw, 'unicast', where)
        inst['unicast_peers'] = [str(_ip(p, where, 'unicast_peers entry'))
                                 for p in fields.listing(raw.get('unicast_peers'), where, 'unicast_peers')]
        inst['track_interfaces'] = sorted(fields.text(x, where, 'track_interfaces entry', grammar.interface)
                                          for x in fields.listing(raw.get('track_interfaces'), where, 'track_interfaces'))
        inst['track_scripts'] = sorted(fields.text(x, where, 'track_scripts entry', grammar.name)
                                       for x in fields.listing(raw.get('track_scripts'), where, 'track_scripts'))
        for key in ('notify_master', 'notify_backup', 'notify_fault', 'notify_stop', 'notify'):
            inst[key] = _text(raw, key, where, grammar.quoted)
        inst['sync_group'] = _text(raw, 'sync_group', where, grammar.name)
        inst['extra_vips'] = [_extra_vip(item, where) for item in fields.listing(raw.get('extra_vips'), where, 'extra_vips')]
        for key in ('garp_master_delay', 'garp_master_refresh'):
            inst[key] = None if raw.get(key) is None else _range(raw[key], where, key)
        result.append(inst)
    result.sort(key=lambda i: i['name'])
    return result


def _choice_int(value, choices, where, field):
    if isinstance(value, bool) or value not in choices:
        _fail(where, '%s must be one of %s, got %s' % (field, ', '.join(str(c) for c in choices),
                                                       grammar.describe(value)))
    return int(value)


def director_view(services, instances, director, directors, hostvars, settings=None, single=None,
                  route_interface=None):
    """Everything keepalived.conf on ``director`` needs, sorted and validated.

    ``settings`` carries the director role's global options (vrrp version, advert_int, delay_loop,
    interface, vip label prefix ...). Returns a dict with ``instances``, ``sync_groups``,
    ``virtual_servers``, ``static_services`` (managed_by ipvsadm), ``keepalived_keys`` and
    ``kernel_modules``.

    ``single`` is ``lvs_single_director`` (:mod:`single_director`): one director without
    keepalived, every service static, the VIPs (``held_vips``) on ``director_interface`` or else
    on ``route_interface`` (the default route's, known on the host only; without either their
    ``dev`` is None).
    """
    settings = role_settings.normalize(role_settings.DIRECTOR, settings or {})
    single = single_director.enabled(single)
    if single:
        single_director.check(services, instances, directors or [director], settings)
        services = single_director.prepare(services)
    if director not in hostvars:
        raise ModelError('director %s is not in the inventory' % director)
    fields.text(director, 'lvs_directors', 'the director host name', grammar.token)
    directors = list(directors or [director])
    if director not in directors:
        directors.append(director)
    insts = normalize_instances(instances, directors, hostvars)
    svcs = normalize_services(services, hostvars, insts)
    hvars = hostvars[director]
    default_iface = settings.get('interface') or None
    if default_iface is None and hvars.get('director_interface'):
        default_iface = fields.text(hvars['director_interface'], director, 'director_interface', grammar.interface)
    my_address = (_own_addresses(hvars) or [None])[0]
    script_names = [script['name'] for script in settings.get('vrrp_scripts', [])]
    view_instances = []
    for inst in insts:
        where = 'lvs_vrrp_instances (%s)' % inst['name']
        iface = inst['interface'] or default_iface
        if not iface:
            _fail(where, 'no interface: set "interface" on the instance or director_interface for %s' % director)
        if 'vrrp_scripts' in settings:
            for name in inst['track_scripts']:
                if name not in script_names:
                    _fail(where, 'track_scripts names %s, which is not in director_vrrp_scripts (%s)'
                          % (name, ', '.join(script_names) or 'none defined'))
        prio = inst['priorities'][director]
        vips = []
        for svc in svcs:
            if svc['vrrp_instance'] == inst['name']:
                for vip in svc['vips']:
                    if vip not in [v['address'] for v in vips]:
                        vips.append({'address': vip, 'prefix': svc['vip_prefix'], 'dev': None, 'label': None})
        for extra in inst['extra_vips']:
            same = [v for v in vips if v['address'] == extra['address']]
            if not same:
                vips.append(dict(extra))
                continue
            # extra_vips may give a service VIP its prefix, device and label
            for key in ('prefix', 'dev', 'label'):
                if extra[key] is not None:
                    if same[0][key] is not None and same[0][key] != extra[key]:
                        _fail(where, 'VIP %s has %s %s in its service but %s in extra_vips: give it once'
                              % (extra['address'], key, same[0][key], extra[key]))
                    same[0][key] = extra[key]
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
        if strict and inst['auth_given']:
            _fail(where, 'director_vrrp_strict forbids VRRP authentication (keepalived ignores it): remove auth_pass '
                         'and auth_type')
        if version == 3 and inst['auth_given']:
            _fail(where, 'auth_pass/auth_type: VRRPv3 has no authentication and keepalived would drop it without a '
                         'word; remove them (use unicast peers or a dedicated VLAN to keep adverts private), or set '
                         '"version: 2" on this instance if every director speaks VRRPv2')
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
        elif version == 2:
            if float(advert) != int(float(advert)):
                _fail(where, 'advert_int %s: VRRPv2 advertises in whole seconds; use version 3 for '
                             'sub-second adverts' % advert)
            advert = _range(advert, where, 'advert_int', 'advert_int_v2')
        else:
            advert = _range(advert, where, 'advert_int', 'advert_int_v3')
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
    for group in sync_groups:
        if len(group['instances']) < 2:
            _fail('lvs_vrrp_instances (%s)' % group['instances'][0], 'sync_group %s has only this instance: keepalived '
                  'refuses a sync group of one; name a second instance in it, or drop sync_group' % group['name'])
    sync = settings.get('lvs_sync_daemon') or {}
    if sync and sync['instance'] not in [i['name'] for i in view_instances]:
        _fail('director_lvs_sync_daemon', 'instance %s is not in lvs_vrrp_instances (%s)'
              % (sync['instance'], ', '.join(i['name'] for i in view_instances) or 'none defined'))
    delay_loop = settings.get('delay_loop')
    keepalived = [s for s in svcs if s['managed_by'] == 'keepalived']
    static = [s for s in svcs if s['managed_by'] == 'ipvsadm']
    for svc in keepalived:
        if svc['delay_loop'] is None:
            svc['delay_loop'] = delay_loop
    modules = {'ip_vs'} | {'ip_vs_' + s['scheduler'] for s in svcs}
    held, vip_iface = [], None
    if single:
        vip_iface = single_director.vip_interface(default_iface, route_interface)
        held = single_director.held_vips(static, vip_iface)
    return {
        'single': single,
        'held_vips': held,
        'vip_interface': vip_iface,
        'instances': view_instances,
        'sync_groups': sync_groups,
        'virtual_servers': keepalived,
        'static_services': static,
        'keepalived_keys': sorted(service_key(s) for s in keepalived),
        'drain_files': drain.attach(keepalived, settings.get('drain_dir') or drain.DEFAULT_DIR),
        'expected_states': dict((i['name'], i['expected_state']) for i in view_instances if i['state_hook']),
        'kernel_modules': sorted(modules),
        'needs_forwarding': any(s['method'] == 'NAT' for s in svcs),
        'fwmark_rules': fwmark_rules(svcs),
        'vip_addresses': sorted({v['address'] for i in view_instances for v in i['vips'] + i['vips_excluded']}
                                | {v['address'] for v in held}, key=_addr_key),
        'settings': settings,
    }


def fwmark_rules(svcs):
    """The packet marks the directors set for fwmark services that list ``fwmark_ports``: one rule
    per service, {mark, protocol, ports, ipv4, ipv6} (addresses split by family for nftables)."""
    rules = []
    for svc in svcs:
        if not svc['fwmark_ports']:
            continue
        rules.append({'service': svc['name'], 'mark': svc['fwmark'], 'protocol': svc['protocol'].lower(),
                      'ports': svc['fwmark_ports'],
                      'ipv4': [v for v in svc['vips'] if ':' not in v],
                      'ipv6': [v for v in svc['vips'] if ':' in v]})
    return sorted(rules, key=lambda r: r['mark'])


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


def ipvsadm_services(services, drained=()):
    """Normalised services -> the ``services`` option of the lvs.cluster.ipvsadm module.

    ``drained``: real server addresses drained on the director (lvs.cluster.drain); keepalived holds
    their weight at 0 where their drain file applies (``rs['drain']``, see drain.attach)."""
    drained = set(drained or ())
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
            dict({'address': rs['address'], 'port': rs['port'],
                  'weight': 0 if rs.get('drain') and rs['address'] in drained else rs['weight'],
                  'method': method[svc['method']]},
                 **{option: rs[key] for key, option in thresholds if rs[key] is not None})
            for rs in svc['real_servers']]
        result.append(entry)
    return result
