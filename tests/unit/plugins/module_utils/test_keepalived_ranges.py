# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived_ranges: the checker of keepalived's ranges, a value just inside and just outside
each bound of every keyword (test_keepalived_bounds.py runs the same values through keepalived -t)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import decimal

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges as kr

NUMBERS = sorted(k for k, rule in kr.KEYWORDS.items() if isinstance(rule, kr.Number))
CHOICES = sorted(k for k, rule in kr.KEYWORDS.items() if isinstance(rule, kr.Choice))
FORMATS = sorted(k for k, rule in kr.KEYWORDS.items() if isinstance(rule, kr.Format))


def bounds(keyword):
    """[(value, accepted)] just inside and just outside both bounds of a numeric keyword."""
    rule = kr.KEYWORDS[keyword]
    unit = decimal.Decimal(1).scaleb(-rule.places)
    cases = [(rule.low, True), (rule.high, True), (rule.low - unit, False), (rule.high + unit, False)]
    if rule.places:
        finer = unit.scaleb(-1)
        cases.append((rule.low + unit + finer, False))   # one decimal place too many
    return [(str(value), accepted) for value, accepted in cases]


def test_the_table_covers_every_group():
    assert len(NUMBERS) > 40 and CHOICES and FORMATS
    assert set(NUMBERS) | set(CHOICES) | set(FORMATS) == set(kr.KEYWORDS)


@pytest.mark.parametrize('keyword', NUMBERS)
def test_number_bounds(keyword):
    for text, accepted in bounds(keyword):
        if accepted:
            value = kr.check(keyword, text)
            assert decimal.Decimal(repr(value)) == decimal.Decimal(text), (keyword, text, value)
            assert isinstance(value, int) == (decimal.Decimal(text) == decimal.Decimal(text).to_integral_value())
        else:
            with pytest.raises(ValueError) as err:
                kr.check(keyword, text)
            message = str(err.value)
            assert message.startswith(keyword + ' must be ') and ' from ' in message and ' to ' in message, message


@pytest.mark.parametrize('keyword', NUMBERS)
def test_number_accepts_int_float_and_plain_string(keyword):
    rule = kr.KEYWORDS[keyword]
    low = int(rule.low) if rule.low == rule.low.to_integral_value() else float(rule.low)
    for value in (low, float(low), str(low)):
        assert kr.check(keyword, value) == low
    assert not isinstance(kr.check(keyword, float(int(rule.high))), float)


BAD_NUMBERS = [True, False, None, '', ' 1', '1 ', '+1', '1s', '1.0s', '0x10', '1e3', '1_000', '١',
               float('nan'), float('inf'), float('-inf'), [1], {'a': 1}, datetime.date(2024, 1, 1), b'1']


@pytest.mark.parametrize('keyword', NUMBERS)
def test_number_refuses_other_types(keyword):
    for value in BAD_NUMBERS:
        with pytest.raises(ValueError) as err:
            kr.check(keyword, value)
        assert str(err.value).startswith(keyword + ' must be '), (value, str(err.value))


def test_whole_numbers_refuse_fractions():
    with pytest.raises(ValueError, match='priority must be a whole number from 1 to 255'):
        kr.check('priority', 100.5)
    assert kr.check('priority', 100.0) == 100 and isinstance(kr.check('priority', 100.0), int)


def test_fractions_render_as_plain_decimals():
    """What check returns, str() writes the way keepalived reads it (no exponent)."""
    for keyword in ('connect_timeout', 'delay_before_retry', 'warmup', 'checker delay_loop',
                    'virtual_server delay_loop', 'preempt_delay', 'advert_int'):
        rule = kr.KEYWORDS[keyword]
        unit = decimal.Decimal(1).scaleb(-rule.places)
        for value in (rule.low, rule.low + unit, decimal.Decimal('1.5'), decimal.Decimal('0.25')):
            if rule.low <= value <= rule.high and -value.normalize().as_tuple().exponent <= rule.places:
                text = str(kr.check(keyword, str(value)))
                assert 'e' not in text and decimal.Decimal(text) == value, (keyword, value, text)
    with pytest.raises(ValueError):
        kr.check('connect_timeout', 1e-05)   # Jinja would write 1e-05


def test_advert_int_versions():
    assert kr.check('advert_int', 0.2) == 0.2
    assert kr.check('advert_int', '40.95') == 40.95
    for bad in (0.005, 40.96, 0, 0.015):
        with pytest.raises(ValueError):
            kr.check('advert_int', bad)
    assert kr.check('advert_int v2', 1.0) == 1
    for bad in (0.5, 1.5, 256):
        with pytest.raises(ValueError):
            kr.check('advert_int v2', bad)


@pytest.mark.parametrize('keyword', CHOICES)
def test_choices(keyword):
    rule = kr.KEYWORDS[keyword]
    for value in rule.values:
        assert kr.check(keyword, value) == value
    for bad in ('', 'nonsense', None, True, 1, [rule.values[0]], rule.values[0] + ' ', ' ' + rule.values[0]):
        with pytest.raises(ValueError) as err:
            kr.check(keyword, bad)
        assert str(err.value).startswith(keyword + ' must be one of '), str(err.value)


@pytest.mark.parametrize('keyword,value,expected', [
    ('protocol', 'tcp', 'TCP'), ('protocol', 'Sctp', 'SCTP'), ('dns type', 'aaaa', 'AAAA'),
])
def test_case_insensitive_choices_come_back_in_keepalived_spelling(keyword, value, expected):
    assert kr.check(keyword, value) == expected


@pytest.mark.parametrize('keyword,value', [
    ('state', 'master'), ('lvs_method', 'dr'), ('lvs_sched', 'RR'), ('auth_type', 'pass'), ('ip_family', 'INET'),
    ('http_protocol', '1.1c'), ('alpha', 'YES'),
])
def test_case_sensitive_choices(keyword, value):
    with pytest.raises(ValueError):
        kr.check(keyword, value)


FORMAT_CASES = [
    ('vrrp_mcast_group4', '224.0.0.18', '224.0.0.18'),
    ('vrrp_mcast_group4', '239.255.255.255', '239.255.255.255'),
    ('vrrp_mcast_group4', '223.255.255.255', None),
    ('vrrp_mcast_group4', '240.0.0.0', None),
    ('vrrp_mcast_group4', '224.0.0.256', None),
    ('vrrp_mcast_group4', 'ff02::12', None),
    ('persistence_granularity', '255.255.255.0', '255.255.255.0'),
    ('persistence_granularity', 1, '1'),
    ('persistence_granularity', '128', '128'),
    ('persistence_granularity', 0, None),
    ('persistence_granularity', '129', None),
    ('persistence_granularity', '256.0.0.0', None),
    ('persistence_granularity', True, None),
    ('status_code', 200, '200'),
    ('status_code', '200-299', '200-299'),
    ('status_code', [200, '204'], '200 204'),
    ('status_code', 100, '100'),
    ('status_code', 599, '599'),
    ('status_code', 99, None),
    ('status_code', 600, None),
    ('status_code', '299-200', None),
    ('status_code', '200-600', None),
    ('status_code', '200  204', None),
    ('status_code', [], None),
    ('status_code', [True], None),
    ('status_code', True, None),
    ('digest', '640205b7b0fc66c1ea91c463fac6334d', '640205b7b0fc66c1ea91c463fac6334d'),
    ('digest', '640205b7b0fc66c1ea91c463fac6334', None),
    ('digest', '640205b7b0fc66c1ea91c463fac6334dd', None),
    ('digest', '+40205b7b0fc66c1ea91c463fac6334d', None),
    ('payload', '0a0b', '0a0b'),
    ('payload', '0a 0B fe', '0a 0B fe'),
    ('payload', '0a ff', None),
    ('payload', 'FF', None),
    ('payload', '0a0', None),
    ('payload', '0g', None),
    ('payload', '', None),
    ('require_reply', '0a XX 0b', '0a XX 0b'),
    ('require_reply', 'xx', 'xx'),
    ('require_reply', '0aff', None),
    ('auth_pass', '12345678', '12345678'),
    ('auth_pass', '123456789', None),
    ('auth_pass', '', None),
    ('auth_pass', 1111, None),
    ('interface', 'a' * 15, 'a' * 15),
    ('interface', 'a' * 16, None),
    ('label', 'eth0:' + 'a' * 10, 'eth0:' + 'a' * 10),
    ('label', 'eth0:' + 'a' * 11, None),
    ('lvs_sync_daemon interface', 'é' * 8, None),   # 16 bytes
]


@pytest.mark.parametrize('keyword,value,expected', FORMAT_CASES)
def test_formats(keyword, value, expected):
    if expected is None:
        with pytest.raises(ValueError) as err:
            kr.check(keyword, value)
        assert str(err.value).startswith(keyword + ' must be ')
    else:
        assert kr.check(keyword, value) == expected


def test_every_format_has_cases():
    assert set(FORMATS) - set(c[0] for c in FORMAT_CASES) == set()


def test_unknown_keyword():
    with pytest.raises(KeyError):
        kr.check('no_such_keyword', 1)


def test_describe_and_table():
    assert kr.describe('priority') == 'a whole number from 1 to 255'
    rows = kr.table()
    assert len(rows) == len(kr.KEYWORDS)
    assert ('vrrp_script interval', '1..4294 whole (0: error, set to 1)',
            '0.001..4294, 3 places (0: error, set to 1)', 'a whole number from 1 to 4294') in rows
