# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""IPVS table handling for the lvs.cluster ipvsadm modules.

Everything the ``ipvsadm`` and ``ipvsadm_info`` modules know about ipvsadm lives here:
the command line (declared once, in `Ipvsadm`), parsing of ``ipvsadm -Sn`` and
``ipvsadm -Ln ...`` listings, normalisation of addresses, the desired state built from
module options, the diff between two tables and the ``ipvsadm -R`` batch lines.

A table is held the way ``ipvsadm -S`` prints it. A service is identified by its *spec*,
the service part of a line (``-t 192.0.2.1:80``, ``-u [2001:db8::1]:53``, ``-f 7``,
``-f 9 -6``), and described by its *body*, the line without the leading command
(``-t 192.0.2.1:80 -s wlc -p 50``). A real server is identified within its service by
``address:port`` (``192.0.2.9:80``, ``[2001:db8::9]:80``) and described by its body
(``-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1``). The desired state is rendered to the same
canonical text, so the diff is a walk over dictionaries comparing strings: linear in the
size of the table, which matters for tables of ten thousand real servers.

Users name services with keys: ``tcp:192.0.2.1:80``, ``udp:[2001:db8::1]:53``, ``sctp:...``,
``fwmark:7`` and ``fwmark:9:ipv6``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fnmatch
import ipaddress
import operator
import os
import socket
import time
from contextlib import contextmanager


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

PROTOCOLS = ('tcp', 'udp', 'sctp')
PROTOCOL_CHOICES = ('tcp', 'udp', 'sctp', 'TCP', 'UDP', 'SCTP')
SCHEDULERS = ('rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf',
              'mh', 'twos')
DEFAULT_SCHEDULER = 'wlc'
METHODS = ('route', 'masq', 'tunnel')
METHOD_CHOICES = ('route', 'masq', 'tunnel', 'DR', 'NAT', 'TUN')
# accepted spellings (compared lower-cased) -> canonical forwarding method
METHOD_ALIASES = {'route': 'route', 'dr': 'route', 'masq': 'masq', 'nat': 'masq',
                  'tunnel': 'tunnel', 'tun': 'tunnel'}
SCHED_FLAGS = ('sh-fallback', 'sh-port', 'mh-fallback', 'mh-port', 'flag-1', 'flag-2', 'flag-3')
TUN_TYPES = ('ipip', 'gue', 'gre')
TUN_CSUMS = ('nocsum', 'csum', 'remcsum')

MAX_PERSISTENCE = 86400 * 31          # ipvsadm's MAX_TIMEOUT
MAX_WEIGHT = 65535
MAX_THRESHOLD = 2 ** 31 - 1
MAX_FWMARK = 2 ** 32 - 1
DEFAULT_PERSISTENCE = 300             # what a bare "-p" means

_PROTO_SWITCH = {'tcp': '-t', 'udp': '-u', 'sctp': '--sctp-service'}
_SWITCH_PROTO = {'-t': 'tcp', '--tcp-service': 'tcp', '-u': 'udp', '--udp-service': 'udp',
                 '--sctp-service': 'sctp'}
_LIST_PROTO = {'TCP': '-t', 'UDP': '-u', 'SCTP': '--sctp-service'}   # ipvsadm -L column
_PROTO_NUMBER = {'tcp': 6, 'udp': 17, 'sctp': 132}
_FAMILY_NUMBER = {4: 2, 6: 10}        # AF_INET, AF_INET6: ipvsadm sorts on these
_METHOD_SWITCH = {'route': '-g', 'masq': '-m', 'tunnel': '-i'}
_SWITCH_METHOD = {'-g': 'route', '--gatewaying': 'route', '-m': 'masq', '--masquerading': 'masq',
                  '-i': 'tunnel', '--ipip': 'tunnel'}
_CSUM_SWITCH = {'nocsum': '--tun-nocsum', 'csum': '--tun-csum', 'remcsum': '--tun-remcsum'}
_SWITCH_CSUM = dict((v, k) for k, v in _CSUM_SWITCH.items())

# Scheduler flags are three bits in the kernel; ipvsadm names them after the scheduler.
_FLAG_BITS = {'flag-1': 1, 'flag-2': 2, 'flag-3': 4,
              'sh-fallback': 1, 'sh-port': 2, 'mh-fallback': 1, 'mh-port': 2}
_FLAG_SCHEDULER = {'sh-fallback': 'sh', 'sh-port': 'sh', 'mh-fallback': 'mh', 'mh-port': 'mh'}
_FLAG_NAMES = {'sh': ('sh-fallback', 'sh-port', 'flag-3'),
               'mh': ('mh-fallback', 'mh-port', 'flag-3')}
_GENERIC_FLAG_NAMES = ('flag-1', 'flag-2', 'flag-3')


class IpvsError(Exception):
    """Invalid options, unexpected ipvsadm output, or ipvsadm failing."""


class IpvsCommandError(IpvsError):
    """ipvsadm failed; carries what it said."""

    def __init__(self, msg, cmd=None, rc=None, stdout='', stderr=''):
        super(IpvsCommandError, self).__init__(msg)
        self.cmd = cmd
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr


# ---------------------------------------------------------------------------
# Addresses, specs and keys
# ---------------------------------------------------------------------------

_ADDRESS_CACHE = {}
_ADDRPORT_CACHE = {}
_SORT_CACHE = {}
_SPEC_CACHE = {}


def canonical_address(text):
    """``(family, canonical text)`` of an IPv4/IPv6 address; brackets allowed.

    IPv6 comes out compressed and lower-case (RFC 5952), as ipvsadm prints it. No name
    resolution. Raises IpvsError for anything else.
    """
    hit = _ADDRESS_CACHE.get(text)
    if hit is not None:
        return hit
    raw = str(text).strip()
    if _is_canonical_ipv4(raw):
        hit = (4, raw)      # the common case, without ipaddress (2.5x faster)
    else:
        if raw.startswith('[') and raw.endswith(']'):
            raw = raw[1:-1]
        try:
            addr = ipaddress.ip_address(u'%s' % raw)
        except ValueError:
            raise IpvsError('%r is not an IPv4 or IPv6 address' % (text,))
        hit = (addr.version, str(addr))
    _ADDRESS_CACHE[text] = hit
    return hit


_DIGITS = frozenset('0123456789')


def _is_canonical_ipv4(text):
    """Dotted quad exactly as ipaddress would print it: 0-255, no leading zeros."""
    parts = text.split('.')
    if len(parts) != 4:
        return False
    for part in parts:
        if not part or len(part) > 3 or not _DIGITS.issuperset(part) \
                or (part[0] == '0' and len(part) > 1) or int(part) > 255:
            return False
    return True


def join_addrport(family, address, port):
    """``192.0.2.1:80`` or ``[2001:db8::1]:80``."""
    if family == 6:
        return '[%s]:%d' % (address, port)
    return '%s:%d' % (address, port)


def split_addrport(text):
    """``ADDR:PORT`` as ipvsadm prints it -> ``(family, address, port, canonical text)``."""
    hit = _ADDRPORT_CACHE.get(text)
    if hit is not None:
        return hit
    if text.startswith('['):
        end = text.find(']')
        if end < 0 or text[end + 1:end + 2] != ':':
            raise IpvsError('cannot parse address and port from %r' % (text,))
        addr_text, port_text = text[1:end], text[end + 2:]
    else:
        addr_text, sep, port_text = text.rpartition(':')
        if not sep:
            raise IpvsError('cannot parse address and port from %r' % (text,))
    family, address = canonical_address(addr_text)
    if not port_text.isdigit() or int(port_text) > 65535:
        raise IpvsError('cannot parse a port from %r' % (text,))
    port = int(port_text)
    hit = (family, address, port, join_addrport(family, address, port))
    _ADDRPORT_CACHE[text] = hit
    return hit


def service_spec(protocol=None, address=None, port=0, fwmark=0, family=4):
    """The service part of an ipvsadm line; ``address`` must be canonical."""
    if fwmark:
        return '-f %d%s' % (fwmark, ' -6' if family == 6 else '')
    return '%s %s' % (_PROTO_SWITCH[protocol], join_addrport(family, address, port))


def parse_spec(spec):
    """spec -> dict(protocol, address, port, fwmark, family)."""
    hit = _SPEC_CACHE.get(spec)
    if hit is not None:
        return hit
    tok = spec.split()
    if tok[0] in ('-f', '--fwmark-service'):
        if len(tok) < 2 or not tok[1].isdigit():
            raise IpvsError('cannot parse fwmark service %r' % (spec,))
        hit = dict(protocol=None, address=None, port=0, fwmark=int(tok[1]),
                   family=6 if tok[2:3] == ['-6'] else 4)
    else:
        proto = _SWITCH_PROTO.get(tok[0])
        if proto is None or len(tok) != 2:
            raise IpvsError('cannot parse service %r' % (spec,))
        family, address, port, dummy = split_addrport(tok[1])
        hit = dict(protocol=proto, address=address, port=port, fwmark=0, family=family)
    _SPEC_CACHE[spec] = hit
    return hit


def spec_key(spec):
    """``-t 192.0.2.1:80`` -> ``tcp:192.0.2.1:80``; ``-f 9 -6`` -> ``fwmark:9:ipv6``."""
    info = parse_spec(spec)
    if info['fwmark']:
        return 'fwmark:%d%s' % (info['fwmark'], ':ipv6' if info['family'] == 6 else '')
    return '%s:%s' % (info['protocol'], join_addrport(info['family'], info['address'],
                                                      info['port']))


def key_spec(key):
    """A user-written service key -> canonical spec. ``TCP:[2001:DB8::1]:80`` is fine."""
    kind, sep, rest = str(key).strip().partition(':')
    kind = kind.lower()
    if not sep:
        raise IpvsError('%r is not a service key such as tcp:192.0.2.1:80 or fwmark:7' % (key,))
    if kind == 'fwmark':
        mark, dummy, fam = rest.partition(':')
        if not mark.isdigit() or fam.lower() not in ('', 'ipv4', 'ipv6'):
            raise IpvsError('%r: write fwmark keys as fwmark:7 or fwmark:7:ipv6' % (key,))
        return service_spec(fwmark=int(mark), family=6 if fam.lower() == 'ipv6' else 4)
    if kind not in _PROTO_SWITCH:
        raise IpvsError('%r: a service key starts with tcp:, udp:, sctp: or fwmark:' % (key,))
    family, address, port, dummy = split_addrport(rest)
    return service_spec(kind, address, port, family=family)


def spec_sort_key(spec):
    """ipvsadm's listing order of services: fwmark, family, protocol, address, port."""
    hit = _SORT_CACHE.get(spec)
    if hit is None:
        info = parse_spec(spec)
        if info['fwmark']:
            hit = (info['fwmark'], _FAMILY_NUMBER[info['family']], 0, b'', 0)
        else:
            hit = (0, _FAMILY_NUMBER[info['family']], _PROTO_NUMBER[info['protocol']],
                   _packed(info['family'], info['address']), info['port'])
        _SORT_CACHE[spec] = hit
    return hit


def dest_sort_key(dkey):
    """ipvsadm's listing order of real servers: address, port."""
    hit = _SORT_CACHE.get(dkey)
    if hit is None:
        family, address, port, dummy = split_addrport(dkey)
        hit = (family, _packed(family, address), port)
        _SORT_CACHE[dkey] = hit
    return hit


def _packed(family, address):
    return socket.inet_pton(socket.AF_INET6 if family == 6 else socket.AF_INET, address)


# ---------------------------------------------------------------------------
# Line bodies: rendering and parsing
# ---------------------------------------------------------------------------

def flag_names(scheduler, bits):
    names = _FLAG_NAMES.get(scheduler, _GENERIC_FLAG_NAMES)
    return [names[i] for i in range(3) if bits & (1 << i)]


def service_body(spec, scheduler, timeout=None, netmask=None, pe=None, one_packet=False,
                 flags=0):
    """Service line without its command, in the option order ``ipvsadm -S`` prints."""
    body = '%s -s %s' % (spec, scheduler)
    if timeout:
        body += ' -p %d' % timeout
        if netmask:
            body += ' -M %s' % netmask
    if pe:
        body += ' --pe %s' % pe
    if one_packet:
        body += ' -o'
    if flags:
        body += ' -b ' + ','.join(flag_names(scheduler, flags))
    return body


def dest_tail(dkey, method, weight, tun_type=None, tun_port=None, tun_csum=None):
    """Real server line after ``SPEC -r ``, in the option order ``ipvsadm -S`` prints."""
    tail = '%s %s -w %d' % (dkey, _METHOD_SWITCH[method], weight)
    if method == 'tunnel':
        tail += ' --tun-type ' + (tun_type or 'ipip')
        if tun_type == 'gue':
            tail += ' --tun-port %d' % tun_port
        if tun_type in ('gue', 'gre'):
            tail += ' ' + _CSUM_SWITCH[tun_csum or 'nocsum']
    return tail


def dest_body(spec, dkey, method, weight, tun_type=None, tun_port=None, tun_csum=None):
    """Real server line without its command, in the option order ``ipvsadm -S`` prints."""
    return spec + ' -r ' + dest_tail(dkey, method, weight, tun_type, tun_port, tun_csum)


def threshold_suffix(upper, lower):
    """`` -x U -y L`` for known non-zero thresholds (ipvsadm -S never prints them)."""
    out = ''
    if upper:
        out += ' -x %d' % upper
    if lower:
        out += ' -y %d' % lower
    return out


def _take_int(tok, i, what, line):
    if i >= len(tok) or not tok[i].isdigit():
        raise IpvsError('%s needs a number in ipvsadm line %r' % (what, line))
    return int(tok[i])


def _split_body(body, marker):
    """-> (spec, option tokens) of a body whose options start at ``marker``."""
    pos = body.find(marker)
    if pos < 0:
        raise IpvsError('cannot parse ipvsadm line %r' % (body,))
    return body[:pos], body[pos + 1:].split()


def parse_service_body(body):
    """Service body -> attributes (the module's option names)."""
    spec, tok = _split_body(body, ' -s ')
    info = parse_spec(spec)
    attrs = dict(scheduler=DEFAULT_SCHEDULER, persistence_timeout=None, persistence_netmask=None,
                 persistence_engine=None, one_packet=False, flags=0)
    i, n = 0, len(tok)
    while i < n:
        opt = tok[i]
        if opt == '-s' and i + 1 < n:
            attrs['scheduler'] = tok[i + 1]
            i += 2
        elif opt == '-p':
            if i + 1 < n and tok[i + 1].isdigit():
                attrs['persistence_timeout'] = int(tok[i + 1])
                i += 2
            else:
                attrs['persistence_timeout'] = DEFAULT_PERSISTENCE
                i += 1
        elif opt == '-M' and i + 1 < n:
            full = '128' if info['family'] == 6 else '255.255.255.255'
            attrs['persistence_netmask'] = None if tok[i + 1] == full else tok[i + 1]
            i += 2
        elif opt == '--pe' and i + 1 < n:
            attrs['persistence_engine'] = tok[i + 1]
            i += 2
        elif opt == '-o':
            attrs['one_packet'] = True
            i += 1
        elif opt == '-b' and i + 1 < n:
            for name in tok[i + 1].split(','):
                if name not in _FLAG_BITS:
                    raise IpvsError('unknown scheduler flag %r in %r' % (name, body))
                attrs['flags'] |= _FLAG_BITS[name]
            i += 2
        else:
            raise IpvsError('unexpected option %r in ipvsadm line %r' % (opt, body))
    if not attrs['persistence_timeout']:
        attrs['persistence_netmask'] = None
    return attrs


def parse_dest_body(body):
    """Real server body -> attributes (the module's option names)."""
    spec, tok = _split_body(body, ' -r ')
    if len(tok) < 2:
        raise IpvsError('real server line without an address: %r' % (body,))
    family, address, port, dkey = split_addrport(tok[1])
    attrs = dict(address=address, port=port, method='route', weight=1, tun_type=None,
                 tun_port=None, tun_csum=None, upper_threshold=None, lower_threshold=None)
    i, n = 2, len(tok)
    while i < n:
        opt = tok[i]
        if opt in _SWITCH_METHOD:
            attrs['method'] = _SWITCH_METHOD[opt]
            i += 1
        elif opt == '-w':
            attrs['weight'] = _take_int(tok, i + 1, opt, body)
            i += 2
        elif opt == '--tun-type' and i + 1 < n:
            attrs['tun_type'] = tok[i + 1]
            i += 2
        elif opt == '--tun-port':
            attrs['tun_port'] = _take_int(tok, i + 1, opt, body)
            i += 2
        elif opt in _SWITCH_CSUM:
            attrs['tun_csum'] = _SWITCH_CSUM[opt]
            i += 1
        elif opt == '-x':
            attrs['upper_threshold'] = _take_int(tok, i + 1, opt, body)
            i += 2
        elif opt == '-y':
            attrs['lower_threshold'] = _take_int(tok, i + 1, opt, body)
            i += 2
        else:
            raise IpvsError('unexpected option %r in ipvsadm line %r' % (opt, body))
    if attrs['method'] == 'tunnel':
        attrs['tun_type'] = attrs['tun_type'] or 'ipip'
        if attrs['tun_type'] in ('gue', 'gre'):
            attrs['tun_csum'] = attrs['tun_csum'] or 'nocsum'
    else:
        attrs['tun_type'] = attrs['tun_port'] = attrs['tun_csum'] = None
    return attrs


def same_service(body_a, body_b):
    """Equal bodies, or equal once parsed (tolerates option order and spelling)."""
    return body_a == body_b or parse_service_body(body_a) == parse_service_body(body_b)


def same_dest(body_a, body_b):
    if body_a == body_b:
        return True
    a, b = parse_dest_body(body_a), parse_dest_body(body_b)
    for attrs in (a, b):   # -S never carries thresholds; they are compared separately
        attrs.pop('upper_threshold')
        attrs.pop('lower_threshold')
    return a == b


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

class IpvsTable(object):
    """A table in ``ipvsadm -S`` form.

    ``services``: spec -> service body; ``dests``: spec -> {dest key: dest body};
    ``thresholds``: None while unknown, else spec -> {dest key: (upper, lower)} (either
    may be None: not managed).
    """

    def __init__(self, services=None, dests=None, thresholds=None, text=None):
        self.services = services if services is not None else {}
        self.dests = dests if dests is not None else {}
        self.thresholds = thresholds
        self.text = text            # raw ipvsadm -Sn output this table came from
        self.thresholds_text = None  # raw ipvsadm -Ln --thresholds output, once read

    def __len__(self):
        return len(self.services) + sum(len(d) for d in self.dests.values())

    def add_service(self, spec, body):
        self.services[spec] = body
        self.dests[spec] = {}

    def same_as(self, other):
        """Same raw text (used to tell whether a failed batch changed the kernel)."""
        return (self.text == other.text
                and (self.thresholds_text is None or other.thresholds_text is None
                     or self.thresholds_text == other.thresholds_text))


def _canonical_line(line):
    """Rewrite bracketed IPv6 addresses of a line in canonical form (rarely needed:
    ipvsadm already prints them that way)."""
    tok = line.split()
    for i, word in enumerate(tok):
        if word.startswith('['):
            tok[i] = split_addrport(word)[3]
    return ' '.join(tok)


def parse_save(text):
    """``ipvsadm -Sn`` output -> IpvsTable (thresholds unknown: -S does not print them)."""
    services = {}
    dests = {}
    last_spec = None
    last_dests = None
    for line in text.splitlines():
        command = line[:3]
        if '[' in line:
            line = command + _canonical_line(line[3:])
        if command == '-a ':
            pos = line.find(' -r ', 3)
            end = line.find(' ', pos + 4)
            if pos < 0 or end < 0:
                raise IpvsError('cannot parse ipvsadm -S line %r' % (line,))
            spec = line[3:pos]
            if spec != last_spec:
                last_dests = dests.get(spec)
                last_spec = spec
                if last_dests is None:
                    raise IpvsError('real server line before its service: %r' % (line,))
            last_dests[line[pos + 4:end]] = line[3:]
        elif command == '-A ':
            pos = line.find(' -s ', 3)
            if pos < 0:
                raise IpvsError('cannot parse ipvsadm -S line %r' % (line,))
            spec = line[3:pos]
            parse_spec(spec)
            if spec in services:
                raise IpvsError('service %s listed twice' % (spec,))
            services[spec] = line[3:]
            dests[spec] = {}
        elif line.strip():
            raise IpvsError('unexpected ipvsadm -S line %r' % (line,))
    return IpvsTable(services, dests, text=text)


def parse_listing(text):
    """Any ``ipvsadm -Ln [--stats|--rate|--thresholds|--persistent-conn]`` listing.

    Returns ``(header, services)``: header is ``{'version': '1.2.1', 'size': 4096}`` when
    printed, services a list of ``(spec, fields, [(dest key, fields), ...])``; ``fields``
    are the columns after the address.
    """
    header = {}
    services = []
    current = None
    for line in text.splitlines():
        tok = line.split()
        if not tok:
            continue
        first = tok[0]
        if first == '->':
            if len(tok) < 2 or tok[1] == 'RemoteAddress:Port':
                continue
            if current is None:
                raise IpvsError('real server line before its service: %r' % (line,))
            current[2].append((split_addrport(tok[1])[3], tok[2:]))
            continue
        if first in _LIST_PROTO and len(tok) > 1:
            current = ('%s %s' % (_LIST_PROTO[first], split_addrport(tok[1])[3]), tok[2:], [])
        elif first == 'FWM' and len(tok) > 1 and tok[1].isdigit():
            if tok[2:3] == ['IPv6']:
                current = ('-f %s -6' % tok[1], tok[3:], [])
            else:
                current = ('-f %s' % tok[1], tok[2:], [])
        elif line.startswith('IP Virtual Server version') and len(tok) > 4:
            header['version'] = tok[4]
            if len(tok) > 5 and tok[5].startswith('(size=') and tok[5][6:-1].isdigit():
                header['size'] = int(tok[5][6:-1])
            continue
        elif first == 'Prot':
            continue
        else:
            raise IpvsError('unexpected ipvsadm listing line %r' % (line,))
        services.append(current)
    return header, services


def parse_thresholds(text):
    """``ipvsadm -Ln --thresholds`` -> spec -> {dest key: (upper, lower)}."""
    out = {}
    for spec, dummy, dests in parse_listing(text)[1]:
        out[spec] = dict((dkey, (int(f[0]), int(f[1]))) for dkey, f in dests
                         if len(f) >= 2 and f[0].isdigit() and f[1].isdigit())
    return out


_SUFFIX = {'K': 1000, 'M': 1000 ** 2, 'G': 1000 ** 3, 'T': 1000 ** 4}


def parse_counter(text):
    """A counter column: exact with --exact; without it ipvsadm prints 12K, 3M ..."""
    if text.isdigit():
        return int(text)
    if text[:-1].isdigit() and text[-1:] in _SUFFIX:
        return int(text[:-1]) * _SUFFIX[text[-1]]
    raise IpvsError('cannot parse counter %r' % (text,))


def parse_timeout(text):
    """``Timeout (tcp tcpfin udp): 900 120 300`` -> {'tcp': 900, 'tcpfin': 120, 'udp': 300}."""
    for line in text.splitlines():
        if line.startswith('Timeout'):
            head, dummy, values = line.partition(':')
            names = head[head.find('(') + 1:head.find(')')].split()
            nums = values.split()
            if names and len(names) == len(nums) and all(n.isdigit() for n in nums):
                return dict(zip(names, [int(n) for n in nums]))
    raise IpvsError('cannot parse ipvsadm timeout output %r' % (text,))


def parse_daemon(text):
    """``master sync daemon (mcast=lo, syncid=5, ...)`` lines -> list of dicts."""
    daemons = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        state, found, rest = line.partition(' sync daemon ')
        if not found:
            raise IpvsError('cannot parse ipvsadm daemon line %r' % (line,))
        info = dict(state=state)
        for item in rest.strip().lstrip('(').rstrip(')').split(','):
            name, sep, value = item.strip().partition('=')
            if sep:
                name = 'mcast_interface' if name == 'mcast' else name
                info[name] = int(value) if value.isdigit() else value
        daemons.append(info)
    return daemons


def render_table(table):
    """Text in ``ipvsadm -S`` form and listing order; known non-zero thresholds are added
    as ``-x``/``-y`` (which ipvsadm -R accepts, though -S never prints them)."""
    thresholds = table.thresholds or {}
    out = []
    for spec in sorted(table.services, key=spec_sort_key):
        out.append('-A ' + table.services[spec])
        dests = table.dests[spec]
        known = thresholds.get(spec) or {}
        for dkey in sorted(dests, key=dest_sort_key):
            pair = known.get(dkey)
            out.append('-a ' + dests[dkey] + (threshold_suffix(*pair) if pair else ''))
    return ''.join(line + '\n' for line in out)


def table_to_list(table):
    """IpvsTable -> list of service dicts (the ipvsadm module's option names)."""
    thresholds = table.thresholds or {}
    out = []
    for spec in sorted(table.services, key=spec_sort_key):
        info = parse_spec(spec)
        attrs = parse_service_body(table.services[spec])
        known = thresholds.get(spec) or {}
        real_servers = []
        for dkey in sorted(table.dests[spec], key=dest_sort_key):
            rs = parse_dest_body(table.dests[spec][dkey])
            pair = known.get(dkey)
            if pair is not None:
                rs['upper_threshold'], rs['lower_threshold'] = pair
            real_servers.append(rs)
        out.append(dict(
            key=spec_key(spec),
            protocol=info['protocol'],
            address=info['address'],
            port=None if info['fwmark'] else info['port'],
            fwmark=info['fwmark'] or None,
            family='ipv%d' % info['family'],
            scheduler=attrs['scheduler'],
            sched_flags=flag_names(attrs['scheduler'], attrs['flags']),
            one_packet=attrs['one_packet'],
            persistence_timeout=attrs['persistence_timeout'],
            persistence_netmask=attrs['persistence_netmask'],
            persistence_engine=attrs['persistence_engine'],
            real_servers=real_servers,
        ))
    return out


# ---------------------------------------------------------------------------
# Desired state from module options
# ---------------------------------------------------------------------------

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

    __slots__ = ('spec', 'key', 'state', 'body', 'dests', 'thresholds')

    def __init__(self, spec, state='present', body=None):
        self.spec = spec
        self.key = spec_key(spec)
        self.state = state
        self.body = body
        self.dests = {}
        self.thresholds = {}

    @classmethod
    def from_params(cls, params, index=0):
        where = 'services[%d]' % index
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
            if protocol not in _PROTO_SWITCH:
                raise IpvsError('%s: unknown protocol %r' % (where, protocol))
            spec = service_spec(protocol, address, port, family=family)
        self = cls(spec, params.get('state') or 'present')
        where = '%s (%s)' % (where, self.key)
        if self.state == 'absent':
            return self

        scheduler = params.get('scheduler') or DEFAULT_SCHEDULER
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
            if name not in _FLAG_BITS:
                raise IpvsError('%s: unknown scheduler flag %r' % (where, name))
            wanted = _FLAG_SCHEDULER.get(name)
            if wanted and wanted != scheduler:
                raise IpvsError('%s: scheduler flag %s needs scheduler %s' % (where, name, wanted))
            flags |= _FLAG_BITS[name]
        self.body = service_body(spec, scheduler, timeout, netmask,
                                 params.get('persistence_engine') or None, one_packet, flags)
        method = _method(params.get('method') or 'route', where)
        self._add_real_servers(params.get('real_servers') or [], family, port, bool(fwmark),
                               method, where)
        return self

    def _add_real_servers(self, real_servers, family, svc_port, fwmark, default_method, where):
        # Hot loop: runs once per real server (10,000 in the scale benchmark). What a real
        # server renders to depends only on its options and on the service's family, port,
        # fwmark-ness and default method, and pools of real servers repeat behind many
        # services: each distinct (context, options) is validated and rendered once, in
        # _render_dest, and afterwards costs a dictionary lookup.
        spec = self.spec
        dests = self.dests
        thresholds = self.thresholds
        prefix = spec + ' -r '
        context = (family, svc_port, fwmark, default_method)
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
    def from_params(cls, services, purge=False, ignore=None):
        table = IpvsTable(thresholds={})
        absent = []
        seen = set()
        for index, params in enumerate(services or []):
            svc = DesiredService.from_params(params, index)
            if svc.spec in seen:
                raise IpvsError('services[%d]: service %s listed twice' % (index, svc.key))
            seen.add(svc.spec)
            if svc.state == 'absent':
                absent.append(svc.spec)
                continue
            table.services[svc.spec] = svc.body
            table.dests[svc.spec] = svc.dests
            if svc.thresholds:
                table.thresholds[svc.spec] = svc.thresholds
        return cls(table, absent, purge, IgnoreList(ignore))

    @property
    def manages_thresholds(self):
        return bool(self.table.thresholds)

    def removals(self, current):
        """Specs of current services to delete, in table order."""
        absent = set(self.absent)
        wanted = self.table.services
        return [spec for spec in current.services if spec not in wanted
                and (spec in absent or (self.purge and spec not in self.ignore))]

    def satisfied_by(self, text):
        """Whether ``ipvsadm -Sn`` output ``text`` already is this state, decided on the text.

        True only if every wanted line is there verbatim and no line there is one to remove
        (a real server of a wanted service that is not wanted, a service that is absent or
        purged). Then plan() on the parsed text would be empty; this answer costs set
        operations on lines instead of parsing ten thousand of them. False means "parse and
        plan": something differs, is spelled differently, or thresholds are managed (-Sn does
        not show them).
        """
        if self.manages_thresholds:
            return False
        have = set(text.splitlines())
        have.discard('')
        want = set()
        for spec, body in self.table.services.items():
            want.add('-A ' + body)
            want.update(['-a ' + dbody for dbody in self.table.dests[spec].values()])
        if not want <= have:
            return False
        wanted = self.table.services
        absent = set(self.absent)
        left_alone = set()      # services of other lines already found not to be ours
        for line in have - want:
            command = line[:3]
            pos = line.find(' -r ' if command == '-a ' else ' -s ', 3)
            if command not in ('-A ', '-a ') or pos < 0:
                return False
            spec = line[3:pos]
            if spec in left_alone:
                continue
            try:
                if '[' in spec:
                    spec = _canonical_line(spec)
                if spec in wanted or spec in absent or (self.purge and spec not in self.ignore):
                    return False
            except IpvsError:
                return False
            left_alone.add(line[3:pos])
        return True

    def plan(self, current):
        """Diff ``current`` (an IpvsTable) against this desired state -> Plan."""
        plan = Plan()
        for spec in self.removals(current):
            plan.add(spec, '-D ' + spec, 'removed_services')
        cur_services = current.services
        cur_dests = current.dests
        cur_thresholds = current.thresholds
        want_thresholds = self.table.thresholds or {}
        no_thresholds = {}
        for spec, body in self.table.services.items():
            want_dests = self.table.dests[spec]
            want_thr = want_thresholds.get(spec) or no_thresholds
            have = cur_services.get(spec)
            if have is None:
                plan.add(spec, '-A ' + body, 'added_services')
                for dkey, dbody in want_dests.items():
                    pair = want_thr.get(dkey)
                    plan.add((spec, dkey), '-a ' + dbody + (threshold_suffix(*pair) if pair else ''),
                             'added_real_servers')
                continue
            if have != body and not same_service(have, body):
                plan.add(spec, '-E ' + body, 'edited_services')
            have_dests = cur_dests[spec]
            have_thr = None if cur_thresholds is None else (cur_thresholds.get(spec) or no_thresholds)
            for dkey in have_dests:
                if dkey not in want_dests:
                    plan.add((spec, dkey), '-d %s -r %s' % (spec, dkey), 'removed_real_servers')
            for dkey, dbody in want_dests.items():
                hbody = have_dests.get(dkey)
                if hbody is None:
                    pair = want_thr.get(dkey)
                    plan.add((spec, dkey), '-a ' + dbody + (threshold_suffix(*pair) if pair else ''),
                             'added_real_servers')
                    continue
                pair = want_thr.get(dkey)
                cur_pair = None if have_thr is None else have_thr.get(dkey)
                if hbody == dbody or same_dest(hbody, dbody):
                    if pair is None:
                        continue
                    if cur_pair is not None and pair[0] in (None, cur_pair[0]) \
                            and pair[1] in (None, cur_pair[1]):
                        continue
                # an edit sets every attribute: keep thresholds this module does not manage
                upper = pair[0] if pair and pair[0] is not None else (cur_pair and cur_pair[0])
                lower = pair[1] if pair and pair[1] is not None else (cur_pair and cur_pair[1])
                if upper is None or lower is None:
                    plan.needs_thresholds = True
                plan.add((spec, dkey), '-e ' + dbody + threshold_suffix(upper, lower),
                         'edited_real_servers')
        return plan

    def result_table(self, current):
        """The table expected once the plan is applied (the diff's "after")."""
        drop = set(self.removals(current))
        want = self.table
        thresholds = None
        if current.thresholds is not None or want.thresholds:
            thresholds = {}
        result = IpvsTable(thresholds=thresholds)
        for spec, body in current.services.items():
            if spec not in drop and spec not in want.services:
                result.services[spec] = body
                result.dests[spec] = current.dests[spec]
                if thresholds is not None and current.thresholds and spec in current.thresholds:
                    thresholds[spec] = current.thresholds[spec]
        for spec, body in want.services.items():
            result.services[spec] = body
            result.dests[spec] = want.dests[spec]
            if thresholds is None:
                continue
            cur = (current.thresholds or {}).get(spec) or {}
            mine = (want.thresholds or {}).get(spec) or {}
            merged = {}
            for dkey in want.dests[spec]:
                pair, cur_pair = mine.get(dkey), cur.get(dkey)
                if pair is None:
                    if cur_pair is not None and spec in current.dests \
                            and dkey in current.dests[spec]:
                        merged[dkey] = cur_pair
                    continue
                if cur_pair is None or dkey not in current.dests.get(spec, ()):
                    cur_pair = (0, 0)
                merged[dkey] = (cur_pair[0] if pair[0] is None else pair[0],
                                cur_pair[1] if pair[1] is None else pair[1])
            thresholds[spec] = merged
        return result


class Plan(object):
    """Ordered ``ipvsadm -R`` batch lines and what each one targets."""

    SUMMARY_KEYS = ('added_services', 'edited_services', 'removed_services',
                    'added_real_servers', 'edited_real_servers', 'removed_real_servers')

    def __init__(self):
        self.targets = []
        self.lines = []
        self.summary = dict((k, 0) for k in self.SUMMARY_KEYS)
        self.needs_thresholds = False

    def add(self, target, line, kind):
        self.targets.append(target)
        self.lines.append(line)
        self.summary[kind] += 1

    def __len__(self):
        return len(self.lines)

    def __bool__(self):
        return bool(self.lines)

    __nonzero__ = __bool__

    def failed_lines(self, residual):
        """Lines of this plan whose target still differs in the ``residual`` plan (the diff
        of the table read back after applying)."""
        left = set(residual.targets)
        return [line for target, line in zip(self.targets, self.lines)
                if target in left or (isinstance(target, tuple) and target[0] in left)]


# ---------------------------------------------------------------------------
# The ipvsadm command line, declared once
# ---------------------------------------------------------------------------

def _flag(*argv):
    """Format of an argument that is present (truthy value) or absent."""
    def fmt(value):
        return list(argv) if value else []
    return fmt


class Ipvsadm(object):
    """Runs ipvsadm. Each argument is declared in ARG_FORMATS, each invocation in COMMANDS
    (argument names, in order). Output is parsed in the C locale."""

    ARG_FORMATS = {
        'save': _flag('-S'),
        'list': _flag('-L'),
        'restore': _flag('-R'),
        'numeric': _flag('-n'),
        'stats': _flag('--stats'),
        'rate': _flag('--rate'),
        'exact': _flag('--exact'),
        'thresholds': _flag('--thresholds'),
        'persistent_conn': _flag('--persistent-conn'),
        'timeout': _flag('--timeout'),
        'daemon': _flag('--daemon'),
    }
    COMMANDS = {
        'save': 'save numeric',                            # ipvsadm -S -n
        'thresholds': 'list numeric thresholds',           # ipvsadm -L -n --thresholds
        'stats': 'list numeric stats exact',               # ipvsadm -L -n --stats --exact
        'rates': 'list numeric rate exact',                # ipvsadm -L -n --rate --exact
        'persistent_conns': 'list numeric persistent_conn',  # ipvsadm -L -n --persistent-conn
        'timeouts': 'list numeric timeout',                # ipvsadm -L -n --timeout
        'daemon': 'list daemon',                           # ipvsadm -L --daemon
        'restore': 'restore',                              # ipvsadm -R, batch on stdin
    }
    ENVIRON = {'LC_ALL': 'C', 'LANG': 'C'}

    def __init__(self, module):
        self.module = module
        self.binary = module.get_bin_path('ipvsadm', required=True)

    def argv(self, command, **values):
        argv = [self.binary]
        for name in self.COMMANDS[command].split():
            argv.extend(self.ARG_FORMATS[name](values.get(name, True)))
        return argv

    def run(self, command, data=None, **values):
        """-> (argv, rc, stdout, stderr)."""
        argv = self.argv(command, **values)
        kwargs = dict(environ_update=dict(self.ENVIRON))
        if data is not None:
            kwargs['data'] = data
            kwargs['before_communicate_callback'] = grow_stdin_pipe(len(data) + 1)
        rc, out, err = self.module.run_command(argv, **kwargs)
        return argv, rc, out, err

    def read(self, command):
        """A listing; ipvsadm failing raises IpvsCommandError."""
        argv, rc, out, err = self.run(command)
        if rc != 0:
            raise IpvsCommandError('%s failed (rc=%d): %s' % (' '.join(argv), rc, err.strip()),
                                   argv, rc, out, err)
        return out

    def restore(self, lines):
        """All batch lines through one ``ipvsadm -R`` -> (argv, rc, stdout, stderr)."""
        return self.run('restore', data='\n'.join(lines))


def grow_stdin_pipe(size):
    """A before_communicate_callback for run_command: room in the child's stdin pipe for the
    whole batch.

    run_command writes all of stdin before it reads stderr. ``ipvsadm -R`` carries on after
    a failing line and prints an error for each one, so a big batch of failing lines could
    fill the stderr pipe while we are still blocked writing stdin: a deadlock. With the whole
    batch fitting in the pipe, the write never blocks. Linux only (like IPVS), best effort.
    """
    def callback(proc):
        stdin = getattr(proc, 'stdin', None)
        if stdin is None or size <= 65536:
            return
        try:
            import fcntl
            fcntl.fcntl(stdin.fileno(), getattr(fcntl, 'F_SETPIPE_SZ', 1031), size)
        except (ImportError, OSError, IOError, ValueError):
            pass
    return callback


def read_table(ipvsadm, thresholds=False):
    """``ipvsadm -Sn`` (+ ``-Ln --thresholds`` if asked) -> IpvsTable."""
    table = parse_save(ipvsadm.read('save'))
    if thresholds:
        add_thresholds(ipvsadm, table)
    return table


def add_thresholds(ipvsadm, table):
    text = ipvsadm.read('thresholds')
    table.thresholds = parse_thresholds(text)
    table.thresholds_text = text
    return table


class TableState(object):
    """One read of the kernel table: the ``ipvsadm -Sn`` text, the table parsed from it
    (None when the text alone showed that it is the desired state) and the plan from it to
    the desired state."""

    def __init__(self, text, table, plan):
        self.text = text
        self.table = table
        self.plan = plan

    def same_as(self, other):
        """Same table (as far as both reads saw: thresholds only if both read them)."""
        if self.text != other.text:
            return False
        mine = self.table.thresholds_text if self.table is not None else None
        theirs = other.table.thresholds_text if other.table is not None else None
        return mine is None or theirs is None or mine == theirs


def read_state(ipvsadm, desired, clock, phase='read', parse=False):
    """Read the table and plan the way from it to ``desired`` (a DesiredState) -> TableState.

    One ``ipvsadm -Sn``. When its text already is the desired state (DesiredState.satisfied_by,
    set operations on lines) nothing is parsed: the no-op rerun and the check after applying
    cost little more than ipvsadm itself. Otherwise the text is parsed, ``-Ln --thresholds``
    read as well if the desired state manages thresholds, and diffed. ``parse`` forces the
    parsed table (diff mode shows it). Time goes to ``clock`` under ``phase`` ('read'; its
    comparisons under 'diff') or all of it under ``phase`` ('verify').
    """
    compare = 'diff' if phase == 'read' else phase
    with clock.measure(phase):
        text = ipvsadm.read('save')
    if not parse:
        with clock.measure(compare):
            if desired.satisfied_by(text):
                return TableState(text, None, Plan())
    with clock.measure(phase):
        table = parse_save(text)
        if desired.manages_thresholds:
            add_thresholds(ipvsadm, table)
    with clock.measure(compare):
        plan = desired.plan(table)
    return TableState(text, table, plan)


def cpu_seconds():
    """User + system CPU seconds of this process and of its children it has waited for
    (the ipvsadm runs: run_command reaps them)."""
    times = os.times()
    return times[0] + times[1] + times[2] + times[3]


class Stopwatch(object):
    """Named durations, measured inside the module: wall-clock seconds (``times``) and CPU
    seconds of the module and the ipvsadm processes it ran (``cpu``). On a busy machine the
    wall clock counts the waits for a CPU as well; the CPU seconds do not."""

    def __init__(self, names=('read', 'diff', 'apply', 'verify')):
        self.start = time.time()
        self.cpu_start = cpu_seconds()
        self.times = dict((name, 0.0) for name in names)
        self.cpu = dict((name, 0.0) for name in names)

    @contextmanager
    def measure(self, name):
        t0, c0 = time.time(), cpu_seconds()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.time() - t0
            self.cpu[name] = self.cpu.get(name, 0.0) + cpu_seconds() - c0

    def as_dict(self, since=None):
        out = dict((k, round(v, 6)) for k, v in self.times.items())
        out['total'] = round(time.time() - (self.start if since is None else since), 6)
        return out

    def cpu_dict(self):
        out = dict((k, round(v, 6)) for k, v in self.cpu.items())
        out['total'] = round(cpu_seconds() - self.cpu_start, 6)
        return out


# ---------------------------------------------------------------------------
# ipvsadm_info
# ---------------------------------------------------------------------------

GATHER_CHOICES = ('stats', 'rates', 'thresholds', 'persistent_conns', 'timeouts', 'daemon')
_STATS_FIELDS = ('conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes')
_RATE_FIELDS = ('cps', 'inpps', 'outpps', 'inbps', 'outbps')


def gather_info(ipvsadm, gather):
    """Read the table and what ``gather`` names -> dict for ipvsadm_info."""
    gather = set(gather)
    table = parse_save(ipvsadm.read('save'))
    services = table_to_list(table)
    index = {}
    for spec, out in zip(sorted(table.services, key=spec_sort_key), services):
        dkeys = sorted(table.dests[spec], key=dest_sort_key)
        index[spec] = (out, dict(zip(dkeys, out['real_servers'])))
    header = {}

    def merge(listing_text, on_service, on_dest):
        head, listed = parse_listing(listing_text)
        header.update(head)
        for spec, fields, dests in listed:
            if spec not in index:
                continue
            out, real_servers = index[spec]
            if on_service is not None:
                on_service(out, fields)
            for dkey, dfields in dests:
                if dkey in real_servers:
                    on_dest(real_servers[dkey], dfields)

    def counters(names, target):
        def fill(item, fields):
            item[target] = dict(zip(names, [parse_counter(v) for v in fields]))
        return fill

    def thresholds(rs, fields):
        rs['upper_threshold'], rs['lower_threshold'] = int(fields[0]), int(fields[1])
        rs['active_conns'], rs['inactive_conns'] = int(fields[2]), int(fields[3])

    def persistent(rs, fields):
        rs['persistent_conns'] = int(fields[1])
        rs['active_conns'], rs['inactive_conns'] = int(fields[2]), int(fields[3])

    if 'thresholds' in gather:
        merge(ipvsadm.read('thresholds'), None, thresholds)
    if 'persistent_conns' in gather:
        merge(ipvsadm.read('persistent_conns'), None, persistent)
    if 'stats' in gather:
        fill = counters(_STATS_FIELDS, 'stats')
        merge(ipvsadm.read('stats'), fill, fill)
    if 'rates' in gather:
        fill = counters(_RATE_FIELDS, 'rates')
        merge(ipvsadm.read('rates'), fill, fill)

    result = dict(services=services, gathered=sorted(gather))
    if header:
        result['ipvs'] = header
    if 'timeouts' in gather:
        result['timeouts'] = parse_timeout(ipvsadm.read('timeouts'))
    if 'daemon' in gather:
        result['daemons'] = parse_daemon(ipvsadm.read('daemon'))
    return result
