# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs_names.py: addresses, service specs and keys, rendering of line bodies."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    canonical_address,
    IpvsError,
    key_spec,
    spec_key,
)
from ansible_collections.lvs.cluster.plugins.module_utils import ipvs_names

# ---------------------------------------------------------------------------
# Addresses and keys
# ---------------------------------------------------------------------------


@pytest.mark.parametrize('text, expected', [
    ('192.0.2.1', (4, '192.0.2.1')),
    ('2001:DB8:0:0::1', (6, '2001:db8::1')),
    ('[2001:db8::1]', (6, '2001:db8::1')),
    ('2001:db8:0:1:1:1:1:1', (6, '2001:db8:0:1:1:1:1:1')),
])
def test_canonical_address(text, expected):
    assert canonical_address(text) == expected


@pytest.mark.parametrize('text', ['web1', '192.0.2.300', '', '2001:db8::1::2'])
def test_canonical_address_rejects(text):
    with pytest.raises(IpvsError):
        canonical_address(text)


@pytest.mark.parametrize('key, spec, canonical', [
    ('tcp:192.0.2.1:80', '-t 192.0.2.1:80', 'tcp:192.0.2.1:80'),
    ('TCP:192.0.2.1:80', '-t 192.0.2.1:80', 'tcp:192.0.2.1:80'),
    ('udp:[2001:DB8:0::1]:53', '-u [2001:db8::1]:53', 'udp:[2001:db8::1]:53'),
    ('sctp:192.0.2.1:5060', '--sctp-service 192.0.2.1:5060', 'sctp:192.0.2.1:5060'),
    ('fwmark:7', '-f 7', 'fwmark:7'),
    ('fwmark:9:ipv6', '-f 9 -6', 'fwmark:9:ipv6'),
])
def test_service_keys(key, spec, canonical):
    assert key_spec(key) == spec
    assert spec_key(spec) == canonical


@pytest.mark.parametrize('key', ['192.0.2.1:80', 'icmp:192.0.2.1:80', 'fwmark:x',
                                 'fwmark:7:ipv5', 'tcp:192.0.2.1'])
def test_service_keys_rejected(key):
    with pytest.raises(IpvsError):
        key_spec(key)


@pytest.mark.parametrize('text', [
    '0.0.0.0', '255.255.255.255', '10.1.0.1', '198.19.3.250', '01.2.3.4', '1.2.3.04',
    '256.1.1.1', '1.2.3', '1.2.3.4.5', '1..3.4', '1.2.3.4 ', '+1.2.3.4', '1.2.3.-4',
    '\u0661.2.3.4', '1_0.2.3.4', '0x1.2.3.4', '1.2.3.1000', '',
])
def test_ipv4_fast_path_agrees_with_ipaddress(text):
    import ipaddress
    try:
        expected = str(ipaddress.IPv4Address(u'%s' % text)) == text
    except ValueError:
        expected = False
    assert ipvs_names._is_canonical_ipv4(text) is expected


@pytest.mark.parametrize('text, expected', [
    ('192.0.2.1:65535', (4, '192.0.2.1', 65535, '192.0.2.1:65535')),
    ('192.0.2.1:0', (4, '192.0.2.1', 0, '192.0.2.1:0')),
    ('[2001:DB8::1]:53', (6, '2001:db8::1', 53, '[2001:db8::1]:53')),
    ('192.0.2.1:65536', None),
    ('192.0.2.1:-1', None),
    ('192.0.2.1', None),
    ('[2001:db8::1]53', None),
])
def test_split_addrport(text, expected):
    if expected is None:
        with pytest.raises(IpvsError):
            ipvs_names.split_addrport(text)
    else:
        assert ipvs_names.split_addrport(text) == expected


@pytest.mark.parametrize('scheduler, bits, names', [
    ('wlc', 7, ['flag-1', 'flag-2', 'flag-3']),
    ('wlc', 4, ['flag-3']),
    ('sh', 3, ['sh-fallback', 'sh-port']),
    ('sh', 4, ['flag-3']),
    ('mh', 6, ['mh-port', 'flag-3']),
    ('rr', 0, []),
])
def test_flag_names_name_all_three_bits(scheduler, bits, names):
    assert ipvs_names.flag_names(scheduler, bits) == names


@pytest.mark.parametrize('args, body', [
    (('-t 192.0.2.1:80', 'wlc'), '-t 192.0.2.1:80 -s wlc'),
    (('-t 192.0.2.1:80', 'wlc', 60, '255.255.255.0', 'sip', False, 0),
     '-t 192.0.2.1:80 -s wlc -p 60 -M 255.255.255.0 --pe sip'),
    (('-u 192.0.2.1:53', 'sh', None, None, None, True, 3),
     '-u 192.0.2.1:53 -s sh -o -b sh-fallback,sh-port'),
    (('-t 192.0.2.1:80', 'wlc', None, '255.255.255.0'), '-t 192.0.2.1:80 -s wlc'),
])
def test_service_body_in_save_order(args, body):
    assert ipvs_names.service_body(*args) == body


@pytest.mark.parametrize('upper, lower, suffix', [
    (None, None, ''), (0, 0, ''), (10, None, ' -x 10'), (None, 5, ' -y 5'), (10, 5, ' -x 10 -y 5'),
])
def test_threshold_suffix(upper, lower, suffix):
    assert ipvs_names.threshold_suffix(upper, lower) == suffix
