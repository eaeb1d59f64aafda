# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names of the IPVS table for the ipvsadm modules: vocabulary, addresses, services and keys.

A table is held the way ``ipvsadm -S`` prints it. A service is identified by its *spec*,
the service part of a line (``-t 192.0.2.1:80``, ``-u [2001:db8::1]:53``, ``-f 7``,
``-f 9 -6``), and described by its *body*, the line without the leading command
(``-t 192.0.2.1:80 -s wlc -p 50``). A real server is identified within its service by
``address:port`` (``192.0.2.9:80``, ``[2001:db8::9]:80``) and described by its body
(``-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1``). Users name services with keys:
``tcp:192.0.2.1:80``, ``udp:[2001:db8::1]:53``, ``sctp:...``, ``fwmark:7`` and
``fwmark:9:ipv6``.

This file renders names and bodies; ipvs_parse reads ipvsadm's output, ipvs_desired builds
the desired state from module options, ipvs_plan diffs it against the kernel's table,
ipvs_cmd runs ipvsadm and ipvs_info gathers what ipvsadm_info returns.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress
import socket


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

PROTO_SWITCH = {'tcp': '-t', 'udp': '-u', 'sctp': '--sctp-service'}
SWITCH_PROTO = {'-t': 'tcp', '--tcp-service': 'tcp', '-u': 'udp', '--udp-service': 'udp',
                '--sctp-service': 'sctp'}
LIST_PROTO = {'TCP': '-t', 'UDP': '-u', 'SCTP': '--sctp-service'}   # ipvsadm -L column
_PROTO_NUMBER = {'tcp': 6, 'udp': 17, 'sctp': 132}
_FAMILY_NUMBER = {4: 2, 6: 10}        # AF_INET, AF_INET6: ipvsadm sorts on these
_METHOD_SWITCH = {'route': '-g', 'masq': '-m', 'tunnel': '-i'}
SWITCH_METHOD = {'-g': 'route', '--gatewaying': 'route', '-m': 'masq', '--masquerading': 'masq',
                 '-i': 'tunnel', '--ipip': 'tunnel'}
_CSUM_SWITCH = {'nocsum': '--tun-nocsum', 'csum': '--tun-csum', 'remcsum': '--tun-remcsum'}
SWITCH_CSUM = dict((v, k) for k, v in _CSUM_SWITCH.items())

# Scheduler flags are three bits in the kernel; ipvsadm names them after the scheduler.
FLAG_BITS = {'flag-1': 1, 'flag-2': 2, 'flag-3': 4,
             'sh-fallback': 1, 'sh-port': 2, 'mh-fallback': 1, 'mh-port': 2}
FLAG_SCHEDULER = {'sh-fallback': 'sh', 'sh-port': 'sh', 'mh-fallback': 'mh', 'mh-port': 'mh'}
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
    return '%s %s' % (PROTO_SWITCH[protocol], join_addrport(family, address, port))


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
        proto = SWITCH_PROTO.get(tok[0])
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
    if kind not in PROTO_SWITCH:
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
# Line bodies
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
