# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading ipvsadm's output: ``ipvsadm -Sn`` into a table, ``ipvsadm -Ln ...`` listings,
counters, timeouts and sync daemons; and the table rendered back as ``ipvsadm -S`` text or
as the module's options (what ipvsadm_info returns).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    DEFAULT_PERSISTENCE,
    DEFAULT_SCHEDULER,
    FLAG_BITS,
    LIST_PROTO,
    SWITCH_CSUM,
    SWITCH_METHOD,
    dest_sort_key,
    flag_names,
    IpvsError,
    parse_spec,
    spec_key,
    spec_sort_key,
    split_addrport,
    threshold_suffix,
)


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


def parse_service_body(body, strict=False):
    """Service body -> attributes (the module's option names). ``strict``: as written (for
    the table option, validated afterwards), else as the kernel means it (``-M`` without
    ``-p`` ignored)."""
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
            names = tok[i + 1].split(',')
            for name in names:
                if name not in FLAG_BITS:
                    raise IpvsError('unknown scheduler flag %r in %r' % (name, body))
                attrs['flags'] |= FLAG_BITS[name]
            if strict:          # the names as written: each must suit the scheduler
                attrs['sched_flags'] = names
            i += 2
        else:
            raise IpvsError('unexpected option %r in ipvsadm line %r' % (opt, body))
    if not attrs['persistence_timeout'] and not strict:
        attrs['persistence_netmask'] = None
    return attrs


# the real server options that take a whole number -> the attribute it sets
_DEST_INTEGERS = {'-w': 'weight', '--tun-port': 'tun_port', '-x': 'upper_threshold', '-y': 'lower_threshold'}


def parse_dest_body(body, strict=False):
    """Real server body -> attributes (the module's option names). ``strict``: as written (for
    the table option, validated afterwards), else as the kernel means it (tunnel options of
    other methods ignored, a tunnel's defaults filled in)."""
    spec, tok = _split_body(body, ' -r ')
    if len(tok) < 2:
        raise IpvsError('real server line without an address: %r' % (body,))
    family, address, port, dkey = split_addrport(tok[1])
    attrs = dict(address=address, port=port, method='route', weight=1, tun_type=None,
                 tun_port=None, tun_csum=None, upper_threshold=None, lower_threshold=None)
    i, n = 2, len(tok)
    while i < n:
        opt = tok[i]
        if opt in SWITCH_METHOD:
            attrs['method'] = SWITCH_METHOD[opt]
            i += 1
        elif opt in _DEST_INTEGERS:
            attrs[_DEST_INTEGERS[opt]] = _take_int(tok, i + 1, opt, body)
            i += 2
        elif opt == '--tun-type' and i + 1 < n:
            attrs['tun_type'] = tok[i + 1]
            i += 2
        elif opt in SWITCH_CSUM:
            attrs['tun_csum'] = SWITCH_CSUM[opt]
            i += 1
        else:
            raise IpvsError('unexpected option %r in ipvsadm line %r' % (opt, body))
    if strict:
        return attrs
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


def canonical_line(line):
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
            line = command + canonical_line(line[3:])
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
        if first in LIST_PROTO and len(tok) > 1:
            current = ('%s %s' % (LIST_PROTO[first], split_addrport(tok[1])[3]), tok[2:], [])
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
