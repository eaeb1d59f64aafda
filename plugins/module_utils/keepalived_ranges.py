# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What keepalived accepts for every keyword lvs.cluster renders into keepalived.conf.

One table, :data:`KEYWORDS`, and one checker::

    from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges

    keepalived_ranges.check('priority', 150)          # -> 150
    keepalived_ranges.check('advert_int', '0.2')      # -> 0.2 (VRRPv3)
    keepalived_ranges.check('advert_int v2', 1.0)     # -> 1
    keepalived_ranges.check('priority', 256)          # ValueError: priority must be a whole number
                                                      #   from 1 to 255, got 256
    keepalived_ranges.describe('priority')            # 'a whole number from 1 to 255'

:func:`check` returns the value as the template must render it: an ``int`` for a whole number
(``1.0`` becomes ``1``), a ``float`` for a fraction, a ``str`` for a choice or format (in
keepalived's spelling: ``check('protocol', 'tcp') == 'TCP'``). It raises ``ValueError('<keyword>
must be ..., got ...')`` for anything else; the caller adds host and variable. Numbers are
``int``, ``float`` or a plain decimal string (``'0.5'``); never a boolean, never a string with a
unit or sign (``'1s'``, ``'+5'``, ``' 5'``), never NaN or infinity.

Where keepalived 2.2.7 (Debian 12) and 2.3.3 (Debian 13) differ, a rule holds what both accept.
Where keepalived would take a value only with a config error (it clamps, rounds or ignores it
and ``keepalived -t`` exits non-zero), the rule refuses it. Each entry names the parser function
it follows (keepalived sources, ``keepalived/core/global_parser.c``, ``keepalived/vrrp/
vrrp_parser.c``, ``keepalived/check/check_*.c``, ``lib/parser.c``), and
``tests/unit/roles/director/test_keepalived_bounds.py`` runs the real ``keepalived -t`` on a value
just inside and just outside each bound.

Keywords whose name is ambiguous in keepalived.conf carry their block: ``'real_server weight'``,
``'vrrp_script weight'``, ``'virtual_server delay_loop'`` (the checker's is ``'checker
delay_loop'``). Strings that are not numbers, choices or formats (paths, scripts, names) are not
here: their grammar (bare token, quoted string) is checked elsewhere; only keepalived's length
limits of names are (``'interface'``, ``'label'``, ``'auth_pass'`` ...).

Two limits hold for every line of the file, whatever the keyword (see :data:`LINE_MAX`).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import decimal
import math
import re

# keepalived reads its configuration with fgets() into a MAXBUF (1024) buffer (lib/parser.c
# read_line, lib/parser.h MAXBUF): a longer line is read as two lines, the rest of it starting a
# statement of its own. Every rendered line, indentation included, must stay below this many bytes.
LINE_MAX = 1023

# Fractions of a second: keepalived reads up to 6 decimal places (TIMER_HZ_DIGITS, lib/parser.c
# read_decimal_unsigned_long_func). The table allows 4: Python (and so Jinja) writes a float
# below 0.0001 as '1e-05', which keepalived refuses, and 4 places keep every accepted value
# written as a plain decimal.
_PLACES = 4

_UINT_MAX = 4294967295
_INT_MAX = 2147483647
# UINT_MAX / TIMER_HZ (lib/timer.h TIMER_HZ 1000000): the largest whole-second timer that
# keepalived multiplies into microseconds in an unsigned int.
_UINT_SECONDS = _UINT_MAX // 1000000
# keepalived/include/global_data.h LVS_MAX_TIMEOUT (86400 * 31).
_LVS_MAX_TIMEOUT = 86400 * 31
# lib/parser.h TIMER_MAXIMUM is ULONG_MAX - 1 microseconds (18446744073709.551614 s on 64 bit).
# The table stops at UINT_MAX seconds (136 years): a float holds every value up to there with 4
# decimal places exactly, so what is checked is what the template writes.
_TIMER_MAXIMUM = _UINT_MAX
_NUMBER = re.compile(r'-?[0-9]+(\.[0-9]+)?\Z')


class Number(object):
    """A number from ``low`` to ``high`` with at most ``places`` decimal places (0: whole)."""

    def __init__(self, low, high, places=0, v227=None, v233=None):
        self.low = decimal.Decimal(str(low))
        self.high = decimal.Decimal(str(high))
        self.places = places
        self.v227 = v227
        self.v233 = v233 if v233 is not None else v227

    def describe(self):
        if self.places == 0:
            return 'a whole number from %s to %s' % (self.low, self.high)
        return 'a number from %s to %s with at most %d decimal place%s' % (
            self.low, self.high, self.places, '' if self.places == 1 else 's')

    def check(self, keyword, value):
        number = _decimal(value)
        if number is None:
            raise ValueError('%s must be %s (a plain number, no unit), got %r' % (keyword, self.describe(), value))
        integral = number == number.to_integral_value()
        if not integral and -number.normalize().as_tuple().exponent > self.places:
            raise ValueError('%s must be %s, got %r' % (keyword, self.describe(), value))
        if not self.low <= number <= self.high:
            raise ValueError('%s must be %s, got %r' % (keyword, self.describe(), value))
        if integral:
            return int(number)
        return float(number)


class Choice(object):
    """One of ``values``, spelled as keepalived spells it (``nocase``: any case is accepted)."""

    def __init__(self, values, nocase=False, v227=None, v233=None):
        self.values = tuple(values)
        self.nocase = nocase
        self.v227 = v227 or ('one of %s%s' % (', '.join(self.values), ' (any case)' if nocase else ''))
        self.v233 = v233 or self.v227

    def describe(self):
        return 'one of %s' % ', '.join(self.values)

    def check(self, keyword, value):
        if isinstance(value, str):
            for choice in self.values:
                if value == choice or (self.nocase and value.lower() == choice.lower()):
                    return choice
        raise ValueError('%s must be %s, got %r' % (keyword, self.describe(), value))


class Format(object):
    """A string that ``test`` (a function of the string) accepts; ``what`` describes it."""

    def __init__(self, what, test, v227=None, v233=None, convert=None):
        self.what = what
        self.test = test
        self.convert = convert
        self.v227 = v227 or what
        self.v233 = v233 or self.v227

    def describe(self):
        return self.what

    def check(self, keyword, value):
        text = value
        if self.convert is not None and not isinstance(value, bool):
            text = self.convert(value)
        if isinstance(text, str) and self.test(text):
            return text
        raise ValueError('%s must be %s, got %r' % (keyword, self.what, value))


def _decimal(value):
    """``value`` as a Decimal, or None when it is no plain number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return decimal.Decimal(int(value))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return decimal.Decimal(float.__repr__(value))
    if isinstance(value, str) and _NUMBER.match(value):
        return decimal.Decimal(value)
    return None


def _seconds(low, high, v227, v233=None):
    return Number(low, high, _PLACES, v227, v233)


def _name(limit):
    return Format('a name of 1 to %d characters' % limit, lambda s: 0 < len(s.encode('utf-8')) <= limit)


_HEX_BYTES = re.compile(r'(?:[0-9A-Fa-f]{2})+(?: (?:[0-9A-Fa-f]{2})+)*\Z')
_HEX_MASK = re.compile(r'(?:[0-9A-Fa-fXx]{2})+(?: (?:[0-9A-Fa-fXx]{2})+)*\Z')
_DIGEST = re.compile(r'[0-9A-Fa-f]{32}\Z')
_STATUS = re.compile(r'([0-9]{3})(?:-([0-9]{3}))?\Z')
_QUAD = re.compile(r'(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}\Z')


def _hex_bytes(pattern):
    # lib/parser.c read_hex_str: hex digit pairs, blanks between bytes. keepalived 2.2.7 refuses a
    # string whose last byte is 0xff (it tests the last byte read against its own error marker
    # 0xff; 2.3.x keeps a separate error flag): not accepted by both, so refused here.
    return lambda s: bool(pattern.match(s)) and not s.replace(' ', '')[-2:].lower() == 'ff'


def _status_codes(text):
    # keepalived/check/check_http.c status_code_handler: each word a code or LOW-HIGH, both
    # within HTTP_STATUS_CODE_MIN..MAX (100..599), LOW <= HIGH.
    words = text.split(' ')
    for word in words:
        match = _STATUS.match(word)
        if not match:
            return False
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 100 <= low <= high <= 599:
            return False
    return bool(words)


def _status_text(value):
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, bool) for v in value):
            return None
        return ' '.join(str(v) for v in value) if value else None
    if isinstance(value, int):
        return str(value)
    return value


def _multicast4(text):
    # keepalived/core/global_parser.c vrrp_mcast_group4_handler: an IPv4 address in 224.0.0.0/4.
    return bool(_QUAD.match(text)) and 224 <= int(text.split('.')[0]) <= 239


def _granularity(text):
    # keepalived/check/check_parser.c pgr_handler: with a '.', an IPv4 netmask
    # (getaddrinfo AI_NUMERICHOST; keepalived does not insist on a solid mask); without, an IPv6
    # prefix length 1..128 (read_unsigned_strvec).
    if '.' in text:
        return bool(_QUAD.match(text))
    return bool(re.match(r'[1-9][0-9]{0,2}\Z', text)) and 1 <= int(text) <= 128


def _granularity_text(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


_YES_NO = ('yes', 'no', 'true', 'false', 'on', 'off')

# keyword -> rule. Sources: the parser functions named, identical in 2.2.7 and 2.3.3 unless said.
KEYWORDS = {
    # --- global_defs (keepalived/core/global_parser.c) ---------------------------------------
    # smtpto_handler: read_unsigned 0..UINT_MAX/TIMER_HZ; 0 is reported and set to 1.
    'smtp_connect_timeout': Number(1, _UINT_SECONDS, 0, '1..4294 (0: error, set to 1)'),
    # vrrp_version_handler: read_int 2..3.
    'vrrp_version': Number(2, 3, 0, '2..3'),
    # vrrp_garp_delay_handler: read_unsigned 0..UINT_MAX/TIMER_HZ.
    'vrrp_garp_master_delay': Number(0, _UINT_SECONDS, 0, '0..4294'),
    # vrrp_garp_rep_handler: read_unsigned 0..UINT_MAX; 0 is reported and set to 1.
    'vrrp_garp_master_repeat': Number(1, _UINT_MAX, 0, '1..4294967295 (0: error, set to 1)'),
    # vrrp_garp_refresh_handler: read_unsigned 0..UINT_MAX (0 = no refresh).
    'vrrp_garp_master_refresh': Number(0, _UINT_MAX, 0, '0..4294967295'),
    # vrrp_garp_lower_prio_rep_handler: read_unsigned 0..INT_MAX.
    'vrrp_garp_lower_prio_repeat': Number(0, _INT_MAX, 0, '0..2147483647'),
    # vrrp_garp_lower_prio_delay_handler: read_unsigned 0..UINT_MAX/TIMER_HZ.
    'vrrp_garp_lower_prio_delay': Number(0, _UINT_SECONDS, 0, '0..4294'),
    # vrrp_mcast_group4_handler: inet_stosockaddr, AF_INET, IN_MULTICAST.
    'vrrp_mcast_group4': Format('an IPv4 multicast address (224.0.0.0 to 239.255.255.255)', _multicast4),
    # lvs_syncd_handler: the interface name shorter than IP_VS_IFNAME_MAXLEN (16).
    'lvs_sync_daemon interface': _name(15),
    # lvs_syncd_handler: "id" read_unsigned 0..255.
    'lvs_sync_daemon id': Number(0, 255, 0, '0..255'),
    # lvs_timeouts: read_unsigned 0..LVS_MAX_TIMEOUT for tcp, tcpfin and udp.
    'lvs_timeouts tcp': Number(0, _LVS_MAX_TIMEOUT, 0, '0..2678400'),
    'lvs_timeouts tcpfin': Number(0, _LVS_MAX_TIMEOUT, 0, '0..2678400'),
    'lvs_timeouts udp': Number(0, _LVS_MAX_TIMEOUT, 0, '0..2678400'),

    # --- vrrp_script (keepalived/vrrp/vrrp_parser.c) -----------------------------------------
    # vrrp_vscript_interval_handler: 2.2.7 read_unsigned 0..4294 whole seconds; 2.3.3
    # read_decimal_unsigned 0..4294 with 3 places. 0 is reported and set to 1 in both.
    'vrrp_script interval': Number(1, _UINT_SECONDS, 0, '1..4294 whole (0: error, set to 1)',
                                   '0.001..4294, 3 places (0: error, set to 1)'),
    # vrrp_vscript_timeout_handler: as interval.
    'vrrp_script timeout': Number(1, _UINT_SECONDS, 0, '1..4294 whole (0: error, set to 1)',
                                  '0.001..4294, 3 places (0: error, set to 1)'),
    # vrrp_vscript_weight_handler: read_int -253..253.
    'vrrp_script weight': Number(-253, 253, 0, '-253..253'),
    # vrrp_vscript_rise_handler / vrrp_vscript_fall_handler: read_unsigned 1..INT_MAX.
    'vrrp_script rise': Number(1, _INT_MAX, 0, '1..2147483647 (else error, set to 1)'),
    'vrrp_script fall': Number(1, _INT_MAX, 0, '1..2147483647 (else error, set to 1)'),
    # keepalived/trackers/track_file.c track_file_weight_handler: read_int -254..254.
    'track_file weight': Number(-254, 254, 0, '-254..254'),

    # --- vrrp_instance (keepalived/vrrp/vrrp_parser.c, vrrp.c) -------------------------------
    # vrrp_state_handler: MASTER or BACKUP, exact case (else error, BACKUP).
    'state': Choice(('MASTER', 'BACKUP')),
    # vrrp_int_handler: the name shorter than IFNAMSIZ (16); it must exist on the director.
    'interface': _name(15),
    # vrrp_vrid_handler: read_unsigned 1..255.
    'virtual_router_id': Number(1, 255, 0, '1..255'),
    # vrrp_prio_handler: read_unsigned 1..VRRP_PRIO_OWNER (255).
    'priority': Number(1, 255, 0, '1..255'),
    # vrrp_adv_handler reads 0.01..255 (TIMER_HZ/100..255*TIMER_HZ, 6 places); then
    # vrrp_complete_instance (vrrp.c): VRRPv3 counts centiseconds below 1<<12 (40.96 s); a value
    # not a multiple of 0.01 s is reported and rounded, 40.96 s and above reported and set to 40.95.
    'advert_int': Number('0.01', '40.95', 2, 'VRRPv3: 0.01..40.95 in steps of 0.01 (else error, rounded/clamped)'),
    # vrrp_complete_instance, VRRPv2: whole seconds below 1<<8 (else reported and rounded/clamped).
    'advert_int v2': Number(1, 255, 0, 'VRRPv2: 1..255 whole (else error, rounded/clamped)'),
    # vrrp_version_handler (instance): read_int 2..3.
    'version': Number(2, 3, 0, '2..3'),
    # vrrp_preempt_delay_handler: read_decimal_unsigned 0..TIMER_MAX_SEC (1000) s, 6 places.
    'preempt_delay': _seconds(0, 1000, '0..1000, 6 places'),
    # vrrp_garp_delay_handler (instance): read_unsigned 0..UINT_MAX/TIMER_HZ.
    'garp_master_delay': Number(0, _UINT_SECONDS, 0, '0..4294'),
    # vrrp_garp_refresh_handler (instance): read_unsigned 0..UINT_MAX.
    'garp_master_refresh': Number(0, _UINT_MAX, 0, '0..4294967295'),
    # vrrp_auth_type_handler: AH or PASS, exact case.
    'auth_type': Choice(('PASS', 'AH')),
    # vrrp_auth_pass_handler: longer than sizeof auth_data (8) is reported and truncated.
    'auth_pass': Format('a password of 1 to 8 characters', lambda s: 0 < len(s.encode('utf-8')) <= 8,
                        '1..8 bytes (longer: error, truncated)'),
    # vrrp_ipaddress.c parse_ipaddress: read_unsigned 0..32 (IPv4) or 0..128 (IPv6); else an error
    # and the full length is used.
    'virtual_ipaddress prefix4': Number(0, 32, 0, '0..32'),
    'virtual_ipaddress prefix6': Number(0, 128, 0, '0..128'),
    # vrrp_ipaddress.c alloc_ipaddress: "label" shorter than IFNAMSIZ (else the address is dropped).
    'label': _name(15),

    # --- virtual_server (keepalived/check/check_parser.c, check_data.c) ----------------------
    # alloc_vs: "fwmark" read_unsigned 0..IPVS_FWMARK_MAX (UINT32_MAX); fwmark 0 is read as "no
    # fwmark" (the service then has no address), so the table starts at 1.
    'virtual_server fwmark': Number(1, _UINT_MAX, 0, '0..4294967295 (0: no fwmark, broken service)'),
    # alloc_vs -> lib/utils.c inet_stosockaddr: a port 1..65535, or 0 (no port: needs persistence).
    'virtual_server port': Number(0, 65535, 0, '0..65535'),
    # alloc_rs / alloc_ssvr -> inet_stosockaddr: as the virtual server's port.
    'real_server port': Number(0, 65535, 0, '0..65535'),
    'sorry_server port': Number(0, 65535, 0, '0..65535'),
    # vs_delay_handler: read_timer 0.000001 s..TIMER_MAXIMUM, 6 places.
    'virtual_server delay_loop': _seconds('0.0001', _TIMER_MAXIMUM, '0.000001..1.8e13, 6 places'),
    # pto_handler: read_unsigned 1..LVS_MAX_TIMEOUT.
    'persistence_timeout': Number(1, _LVS_MAX_TIMEOUT, 0, '1..2678400'),
    'persistence_granularity': Format('an IPv4 netmask (255.255.255.0) or an IPv6 prefix length from 1 to 128',
                                      _granularity, convert=_granularity_text),
    # quorum_handler: read_unsigned 1..UINT_MAX (else error, set to 1); check_data.c
    # validate_check_config also reports a quorum above the sum of the real servers' weights.
    'quorum': Number(1, _UINT_MAX, 0, '1..4294967295, at most the sum of weights (else error, reduced)'),
    # hysteresis_handler: read_unsigned 0..UINT_MAX; check_data.c validate_check_config then
    # reports a hysteresis >= quorum (quorum <= UINT_MAX), so at most UINT_MAX - 1.
    'hysteresis': Number(0, _UINT_MAX - 1, 0, '0..4294967295, below quorum (else error, set to quorum - 1)'),
    # proto_handler: strcasecmp TCP, SCTP, UDP.
    'protocol': Choice(('TCP', 'UDP', 'SCTP'), nocase=True),
    # lbalgo_handler: lvs_schedulers[], exact case.
    'lvs_sched': Choice(('rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq',
                         'twos')),
    # svr_forwarding_handler: NAT, DR or TUN, exact case.
    'lvs_method': Choice(('DR', 'NAT', 'TUN')),
    'sorry_server_lvs_method': Choice(('DR', 'NAT', 'TUN')),
    # ip_family_handler: inet or inet6.
    'ip_family': Choice(('inet', 'inet6')),
    # rs_weight_handler: read_unsigned 0..IPVS_WEIGHT_LIMIT (INT32_MAX).
    'real_server weight': Number(0, _INT_MAX, 0, '0..2147483647'),

    # --- checkers (keepalived/check/check_api.c and check_*.c) -------------------------------
    # co_port_handler / co_srcport_handler: read_unsigned 1..65535.
    'connect_port': Number(1, 65535, 0, '1..65535'),
    'bind_port': Number(1, 65535, 0, '1..65535'),
    # co_timeout_handler: read_timer 0.000001 s..UINT_MAX microseconds (4294.967295 s), 6 places.
    'connect_timeout': _seconds('0.0001', '4294.9672', '0.000001..4294.967295, 6 places'),
    # retry_handler: read_unsigned 0..UINT_MAX.
    'retry': Number(0, _UINT_MAX, 0, '0..4294967295'),
    # delay_before_retry_handler / warmup_handler: read_timer 0..TIMER_MAXIMUM, 6 places.
    'delay_before_retry': _seconds(0, _TIMER_MAXIMUM, '0..1.8e13, 6 places'),
    'warmup': _seconds(0, _TIMER_MAXIMUM, '0..1.8e13, 6 places'),
    # delay_handler: read_timer 0.000001 s..TIMER_MAXIMUM, 6 places.
    'checker delay_loop': _seconds('0.0001', _TIMER_MAXIMUM, '0.000001..1.8e13, 6 places'),
    # alpha_handler / log_all_failures_handler: lib/parser.c check_true_false.
    'alpha': Choice(_YES_NO),
    'log_all_failures': Choice(_YES_NO),
    # check_misc.c misc_timeout_handler: read_unsigned 0..UINT_MAX/TIMER_HZ (0: the checker's
    # delay_loop applies).
    'misc_timeout': Number(0, _UINT_SECONDS, 0, '0..4294'),
    # check_http.c status_code_handler.
    'status_code': Format('HTTP status codes from 100 to 599 (200, or a range 200-299), separated by blanks',
                          _status_codes, convert=_status_text),
    # check_http.c digest_handler: 2 * MD5_DIGEST_LENGTH hex digits.
    'digest': Format('an MD5 digest of 32 hex digits', lambda s: bool(_DIGEST.match(s))),
    # check_http.c http_protocol_handler: exact strings.
    'http_protocol': Choice(('1.0', '1.1', '1.0C', '1.0c')),
    # check_dns.c dns_type_handler: DNS_TYPE[] by strcasecmp.
    'dns type': Choice(('A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'), nocase=True),
    # check_udp.c payload_handler / require_reply_handler -> lib/parser.c read_hex_str.
    'payload': Format('hex bytes (pairs of hex digits, blanks between bytes), not ending in ff',
                      _hex_bytes(_HEX_BYTES), '2.2.7: hex bytes, refused when the last byte is ff',
                      '2.3.3: hex bytes'),
    'require_reply': Format('hex bytes (pairs of hex digits or X wildcards, blanks between bytes), not ending in ff',
                            _hex_bytes(_HEX_MASK), '2.2.7: hex bytes with X, refused when the last byte is ff',
                            '2.3.3: hex bytes with X'),
}


def check(keyword, value):
    """``value`` as keepalived must read it for ``keyword``, or ValueError saying what it accepts."""
    try:
        rule = KEYWORDS[keyword]
    except KeyError:
        raise KeyError('keepalived_ranges has no rule for %r' % (keyword,))
    return rule.check(keyword, value)


def bounds(keyword):
    """(low, high, whole number) of a numeric keyword, as Python numbers: (1, 255, True)."""
    rule = KEYWORDS[keyword]

    def plain(number):
        return int(number) if number == number.to_integral_value() else float(number)
    return plain(rule.low), plain(rule.high), rule.places == 0


def describe(keyword):
    """What ``keyword`` accepts, for messages: 'a whole number from 1 to 255'."""
    return KEYWORDS[keyword].describe()


def table():
    """[(keyword, keepalived 2.2.7, keepalived 2.3.3, encoded)] sorted by keyword, for docs."""
    return [(key, rule.v227, rule.v233, rule.describe()) for key, rule in sorted(KEYWORDS.items())]
