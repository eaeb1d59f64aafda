# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The desired state: the ipvsadm module's ``services`` and ``table`` options validated and
rendered to the canonical ``ipvsadm -S`` text of ipvs_names, so that the plan (ipvs_plan) is
a walk over dictionaries comparing strings.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fnmatch
import ipaddress
import operator

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    DEFAULT_SCHEDULER,
    FLAG_BITS,
    FLAG_SCHEDULER,
    MAX_FWMARK,
    MAX_PERSISTENCE,
    MAX_THRESHOLD,
    MAX_WEIGHT,
    SCHEDULERS,
    METHOD_ALIASES,
    PROTO_SWITCH,
    TUN_TYPES,
    canonical_address,
    dest_tail,
    IpvsError,
    join_addrport,
    key_spec,
    parse_spec,
    service_body,
    service_spec,
    spec_key,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    IpvsTable,
    parse_dest_body,
    parse_service_body,
)


def _range_error(where, what, low, high, value):
    return IpvsError('%s: %s must be between %d and %d, got %r' % (where, what, low, high, value))


def _canonical_netmask(value, family, where):
    text = str(value).strip().lstrip('/')
    if family == 6:
        if not text.isdigit() or not 1 <= int(text) <= 128:
            raise IpvsError('%s: persistence_netmask of an IPv6 service is a prefix length 1-128'
                            % where)
        return None if int(text) == 128 else str(int(text))
    if text.isdigit():
        if not 1 <= int(text) <= 32:
            raise IpvsError('%s: persistence_netmask prefix length must be 1-32' % where)
        mask = str(ipaddress.IPv4Network(u'0.0.0.0/%s' % text).netmask)
    else:
        try:
            mask = str(ipaddress.IPv4Address(u'%s' % text))
        except ValueError:
            raise IpvsError('%s: persistence_netmask %r is neither a netmask nor a prefix length'
                            % (where, value))
    return None if mask == '255.255.255.255' else mask


def _method(value, where):
    method = METHOD_ALIASES.get(str(value).lower())
    if method is None:
        raise IpvsError('%s: unknown forwarding method %r' % (where, value))
    return method


_RS_FIELDS = ('address', 'port', 'weight', 'method', 'upper_threshold', 'lower_threshold',
              'tun_type', 'tun_port', 'tun_csum')
_RS_DEFAULTS = dict.fromkeys(_RS_FIELDS)
_rs_fields = operator.itemgetter(*_RS_FIELDS)


class DesiredService(object):
    """One entry of the ``services`` option, validated and rendered."""

    __slots__ = ('spec', 'key', 'state', 'body', 'dests', 'thresholds', 'context')

    def __init__(self, spec, state='present', body=None):
        self.spec = spec
        self.key = spec_key(spec)
        self.state = state
        self.body = body
        self.dests = {}
        self.thresholds = {}
        self.context = None

    @classmethod
    def from_params(cls, params, index=0, where=None):
        where = where or 'services[%d]' % index
        fwmark = params.get('fwmark')
        family_opt = params.get('family')
        if fwmark is not None:
            if (params.get('address') is not None or params.get('port') is not None
                    or params.get('protocol')):
                raise IpvsError('%s: a fwmark service takes no protocol, address or port' % where)
            if not 1 <= fwmark <= MAX_FWMARK:
                raise _range_error(where, 'fwmark', 1, MAX_FWMARK, fwmark)
            family = 6 if family_opt == 'ipv6' else 4
            port = 0
            spec = service_spec(fwmark=fwmark, family=family)
            protocol = None
        else:
            if params.get('address') is None or params.get('port') is None:
                raise IpvsError('%s: give address and port, or fwmark' % where)
            family, address = canonical_address(params['address'])
            if family_opt and family_opt != 'ipv%d' % family:
                raise IpvsError('%s: family %s does not match address %s'
                                % (where, family_opt, address))
            port = params['port']
            if not 0 <= port <= 65535:
                raise _range_error(where, 'port', 0, 65535, port)
            protocol = (params.get('protocol') or 'tcp').lower()
            if protocol not in PROTO_SWITCH:
                raise IpvsError('%s: unknown protocol %r' % (where, protocol))
            spec = service_spec(protocol, address, port, family=family)
        self = cls(spec, params.get('state') or 'present')
        where = '%s (%s)' % (where, self.key)
        if self.state == 'absent':
            return self

        scheduler = params.get('scheduler') or DEFAULT_SCHEDULER
        if scheduler not in SCHEDULERS:
            raise IpvsError('%s: unknown scheduler %r' % (where, scheduler))
        timeout = params.get('persistence_timeout') or None
        netmask = None
        if timeout:
            if not 1 <= timeout <= MAX_PERSISTENCE:
                raise _range_error(where, 'persistence_timeout', 1, MAX_PERSISTENCE, timeout)
            if params.get('persistence_netmask') is not None:
                netmask = _canonical_netmask(params['persistence_netmask'], family, where)
        elif params.get('persistence_netmask') is not None:
            raise IpvsError('%s: persistence_netmask needs persistence_timeout' % where)
        if not fwmark and port == 0 and not timeout:
            raise IpvsError('%s: port 0 is only allowed for persistent services' % where)
        one_packet = bool(params.get('one_packet'))
        if one_packet and not fwmark and protocol != 'udp':
            raise IpvsError('%s: one_packet is only for UDP and fwmark services' % where)
        flags = 0
        for name in params.get('sched_flags') or []:
            if name not in FLAG_BITS:
                raise IpvsError('%s: unknown scheduler flag %r' % (where, name))
            wanted = FLAG_SCHEDULER.get(name)
            if wanted and wanted != scheduler:
                raise IpvsError('%s: scheduler flag %s needs scheduler %s' % (where, name, wanted))
            flags |= FLAG_BITS[name]
        self.body = service_body(spec, scheduler, timeout, netmask,
                                 params.get('persistence_engine') or None, one_packet, flags)
        method = _method(params.get('method') or 'route', where)
        self.context = (family, port, bool(fwmark), method)
        self._add_real_servers(params.get('real_servers') or [], where)
        return self

    @classmethod
    def from_line(cls, body, where):
        """A service line of the ``table`` option (``-A`` dropped), validated as the same
        service given in ``services`` would be."""
        try:
            attrs = parse_service_body(body, strict=True)
            info = parse_spec(body[:body.find(' -s ')])
        except IpvsError as exc:
            raise IpvsError('%s: %s' % (where, exc))
        params = dict(scheduler=attrs['scheduler'], one_packet=attrs['one_packet'],
                      persistence_timeout=attrs['persistence_timeout'],
                      persistence_netmask=attrs['persistence_netmask'],
                      persistence_engine=attrs['persistence_engine'],
                      sched_flags=attrs.get('sched_flags', []))
        if info['fwmark']:
            params.update(fwmark=info['fwmark'], family='ipv%d' % info['family'])
        else:
            params.update(protocol=info['protocol'], address=info['address'], port=info['port'])
        return cls.from_params(params, where=where)

    def add_line(self, tail, where):
        """A real server line of the ``table`` option: ``tail`` is what follows ``-r``.
        Validated and rendered once per (service context, tail), as _add_real_servers does."""
        memo = _LINE_MEMO.get(self.context)
        if memo is None:
            memo = _LINE_MEMO[self.context] = {}
        hit = memo.get(tail)
        if hit is None:
            try:
                attrs = parse_dest_body(self.spec + ' -r ' + tail, strict=True)
            except IpvsError as exc:
                raise IpvsError('%s: %s' % (where, exc))
            hit = memo[tail] = _render_dest(_rs_fields(attrs), self.context, where)
        dkey, tail, pair = hit
        if dkey in self.dests:
            raise IpvsError('%s: real server %s listed twice' % (where, dkey))
        self.dests[dkey] = self.spec + ' -r ' + tail
        if pair is not None:
            self.thresholds[dkey] = pair

    def _add_real_servers(self, real_servers, where):
        # Hot loop: runs once per real server (10,000 in the scale benchmark). What a real
        # server renders to depends only on its options and on the service's family, port,
        # fwmark-ness and default method, and pools of real servers repeat behind many
        # services: each distinct (context, options) is validated and rendered once, in
        # _render_dest, and afterwards costs a dictionary lookup.
        spec = self.spec
        dests = self.dests
        thresholds = self.thresholds
        prefix = spec + ' -r '
        context = self.context
        memo = _DEST_MEMO.get(context)
        if memo is None:
            memo = _DEST_MEMO[context] = {}
        for j, rs in enumerate(real_servers):
            try:
                fields = _rs_fields(rs)
            except KeyError:
                fields = _rs_fields(dict(_RS_DEFAULTS, **rs))
            try:
                hit = memo.get(fields)
            except TypeError:       # an unhashable value: no memo for that one
                hit = _render_dest(fields, context, '%s real_servers[%d]' % (where, j))
            else:
                if hit is None:
                    hit = memo[fields] = _render_dest(fields, context,
                                                      '%s real_servers[%d]' % (where, j))
            dkey, tail, pair = hit
            if dkey in dests:
                raise IpvsError('%s: real server %s listed twice' % (where, dkey))
            dests[dkey] = prefix + tail
            if pair is not None:
                thresholds[dkey] = pair


# (service family, service port, fwmark service, default method) -> {real server option
# values (_RS_FIELDS order): (dest key, body after "SPEC -r ", thresholds pair or None)}
_DEST_MEMO = {}
# the same for real server lines of the table option: context -> {text after "-r ": ...}
_LINE_MEMO = {}


def _render_dest(fields, context, where):
    """Validate one real server's options in its service's context and render them."""
    address, port, weight, method, upper, lower, tun_type, tun_port, tun_csum = fields
    family, svc_port, fwmark, default_method = context
    if address is None:
        raise IpvsError('%s: address is required' % where)
    try:
        rs_family, rs_address = canonical_address(address)
    except IpvsError as exc:
        raise IpvsError('%s: %s' % (where, exc))
    method = _method(method, where) if method else default_method
    if port is None:
        port = 0 if fwmark else svc_port
    elif not 0 <= port <= 65535:
        raise _range_error(where, 'port', 0, 65535, port)
    elif method != 'masq' and not fwmark and port != svc_port:
        raise IpvsError('%s: with method %s the real server port must be the service port %d'
                        % (where, method, svc_port))
    if rs_family != family and method != 'tunnel':
        raise IpvsError('%s: a real server of the other address family needs method tunnel'
                        % where)
    if weight is None:
        weight = 1
    elif not 0 <= weight <= MAX_WEIGHT:
        raise _range_error(where, 'weight', 0, MAX_WEIGHT, weight)
    dkey = join_addrport(rs_family, rs_address, port)
    if method == 'tunnel' or tun_type or tun_port is not None or tun_csum:
        if method != 'tunnel':
            raise IpvsError('%s: tun_type, tun_port and tun_csum need method tunnel' % where)
        tun_type = tun_type or 'ipip'
        if tun_type not in TUN_TYPES:
            raise IpvsError('%s: unknown tun_type %r' % (where, tun_type))
        if tun_type == 'gue':
            if tun_port is None:
                raise IpvsError('%s: tun_type gue needs tun_port' % where)
            if not 1 <= tun_port <= 65535:
                raise _range_error(where, 'tun_port', 1, 65535, tun_port)
        elif tun_port is not None:
            raise IpvsError('%s: tun_port is only for tun_type gue' % where)
        if tun_type == 'ipip' and tun_csum:
            raise IpvsError('%s: tun_csum is only for tun_type gue and gre' % where)
    tail = dest_tail(dkey, method, weight, tun_type, tun_port, tun_csum)
    pair = None
    if upper is not None or lower is not None:
        for name, value in (('upper_threshold', upper), ('lower_threshold', lower)):
            if value is not None and not 0 <= value <= MAX_THRESHOLD:
                raise _range_error(where, name, 0, MAX_THRESHOLD, value)
        pair = (upper, lower)
    return dkey, tail, pair


class IgnoreList(object):
    """Service keys (or shell-style patterns on canonical keys) purge leaves alone."""

    def __init__(self, entries=None):
        self.specs = set()
        self.patterns = []
        for entry in entries or []:
            entry = str(entry).strip()
            if '*' in entry or '?' in entry:
                # fnmatch: "[" of an IPv6 key is literal here, not a character class
                self.patterns.append(entry.lower().replace('[', '[[]'))
            else:
                self.specs.add(key_spec(entry))

    def __contains__(self, spec):
        if spec in self.specs:
            return True
        if self.patterns:
            key = spec_key(spec)
            for pattern in self.patterns:
                if fnmatch.fnmatchcase(key, pattern):
                    return True
        return False


class DesiredState(object):
    """What the module was asked for: present services (an IpvsTable), services to remove,
    whether to purge the rest, and what purge must leave alone."""

    def __init__(self, table=None, absent=None, purge=False, ignore=None):
        self.table = table if table is not None else IpvsTable(thresholds={})
        self.absent = absent if absent is not None else []
        self.purge = purge
        self.ignore = ignore if ignore is not None else IgnoreList()

    @classmethod
    def from_params(cls, services, purge=False, ignore=None, table=None):
        """The ``services`` option (a list of dicts) and the ``table`` option (text) -> state."""
        state = cls(IpvsTable(thresholds={}), [], purge, IgnoreList(ignore))
        for index, params in enumerate(services or []):
            state.add(DesiredService.from_params(params, index), 'services[%d]' % index)
        if table:
            state.add_table(table)
        return state

    def add(self, svc, where):
        if svc.spec in self.table.services or svc.spec in self.absent:
            raise IpvsError('%s: service %s listed twice' % (where, svc.key))
        if svc.state == 'absent':
            self.absent.append(svc.spec)
            return
        self.table.services[svc.spec] = svc.body
        self.table.dests[svc.spec] = svc.dests
        if svc.thresholds:
            self.table.thresholds[svc.spec] = svc.thresholds

    def add_table(self, text):
        """The ``table`` option: ``ipvsadm -S`` lines, each service's ``-A`` line before the
        ``-a`` lines of its real servers. Every line is validated as the same entry given in
        ``services`` would be; real server lines that repeat behind several services (pools)
        are validated once per service context."""
        by_spec = {}            # the spec as written -> DesiredService
        svc = None
        spec = None
        for number, line in enumerate(text.splitlines(), 1):
            command = line[:3]
            if command == '-a ':
                pos = line.find(' -r ', 3)
                if pos < 0:
                    raise IpvsError('table line %d: a real server line needs -r: %r' % (number, line))
                if line[3:pos] != spec:
                    spec = line[3:pos]
                    svc = by_spec.get(spec)
                    if svc is None:
                        raise IpvsError('table line %d: real server of a service not listed '
                                        'before it: %r' % (number, line))
                svc.add_line(line[pos + 4:].strip(), 'table line %d' % number)
            elif command == '-A ':
                where = 'table line %d' % number
                svc = DesiredService.from_line(line[3:].strip(), where)
                spec = line[3:line.find(' -s ')]
                self.add(svc, where)
                by_spec[spec] = by_spec[svc.spec] = svc
            elif line.strip():
                raise IpvsError('table line %d: not an -A or -a line: %r' % (number, line))
        for svc in by_spec.values():
            if svc.thresholds:
                self.table.thresholds[svc.spec] = svc.thresholds

    def table_text(self):
        """The present services as text for the ``table`` option: ``-A``/``-a`` lines in the
        order given, with ``-x``/``-y`` wherever a threshold is managed (0 included)."""
        if self.absent:
            raise IpvsError('the table option holds present services only; %s is absent'
                            % spec_key(self.absent[0]))
        out = []
        thresholds = self.table.thresholds
        for spec, body in self.table.services.items():
            out.append('-A ' + body)
            known = thresholds.get(spec) or {}
            for dkey, dbody in self.table.dests[spec].items():
                pair = known.get(dkey)
                if pair is None:
                    out.append('-a ' + dbody)
                    continue
                out.append('-a ' + dbody + ''.join(
                    ' %s %d' % (flag, value) for flag, value in zip(('-x', '-y'), pair)
                    if value is not None))
        return ''.join(line + '\n' for line in out)

    @property
    def manages_thresholds(self):
        return bool(self.table.thresholds)

    def removals(self, current):
        """Specs of current services to delete, in table order."""
        absent = set(self.absent)
        wanted = self.table.services
        return [spec for spec in current.services if spec not in wanted
                and (spec in absent or (self.purge and spec not in self.ignore))]
