# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of module_utils/fields.py (strict typed readers) and module_utils/settings.py
(the roles' own variables)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import fields, settings


def reason(call, *args):
    with pytest.raises(fields.ModelError) as err:
        call(*args)
    assert err.value.where == 'here'
    return err.value.reason


@pytest.mark.parametrize('value,low,high,whole,expected', [
    (1, 1, 5, True, 1),
    (5, 1, 5, True, 5),
    (0.5, 0.1, 1, False, 0.5),
    (2.0, 1, 5, False, 2),
    (0.1, 0.1, 1, False, 0.1),
])
def test_number_inside(value, low, high, whole, expected):
    result = fields.number(value, 'here', 'f', low, high, whole)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize('value,low,high,whole,message', [
    (0, 1, 5, True, 'f 0 is out of range 1..5'),
    (6, 1, 5, True, 'f 6 is out of range 1..5'),
    (0.09, 0.1, 1, False, 'out of range'),
    (1.01, 0.1, 1, False, 'out of range'),
    (2.0, 1, 5, True, 'without a decimal point'),
    (2.5, 1, 5, True, 'without a decimal point'),
    ('3', 1, 5, True, 'without quotes or units'),
    ('1s', 1, 5, False, 'without quotes or units'),
    (True, 1, 5, True, 'the boolean true'),
    (None, 1, 5, True, 'null'),
    ([3], 1, 5, True, 'a list'),
    (float('nan'), 0, 5, False, 'nan'),
    (float('inf'), 0, 5, False, 'inf'),
])
def test_number_refused(value, low, high, whole, message):
    assert message in reason(fields.number, value, 'here', 'f', low, high, whole)


def test_integer_and_seconds_differ_only_in_fractions():
    assert fields.integer(3, 'here', 'f', 1, 5) == 3
    assert fields.seconds(0.25, 'here', 'f', 0, 5) == 0.25
    assert 'an integer' in reason(fields.integer, 0.25, 'here', 'f', 0, 5)
    assert 'a number of seconds' in reason(fields.seconds, 'x', 'here', 'f', 0, 5)


@pytest.mark.parametrize('value', [True, False])
def test_boolean_accepts_booleans(value):
    assert fields.boolean(value, 'here', 'f') is value


@pytest.mark.parametrize('value,message', [
    ('false', '-e \'{"f": false}\''),
    ('yes', '-e \'{"f": true}\''),
    ('On', 'write true without quotes'),
    ('maybe', "got 'maybe'"),
    (0, 'the number 0'),
    (1, 'the number 1'),
    (None, 'null'),
])
def test_boolean_refuses_everything_else(value, message):
    text = reason(fields.boolean, value, 'here', 'f')
    assert 'f must be true or false' in text and message in text


def test_flag_defaults_for_absent_and_null():
    assert fields.flag({}, 'k', 'here') is False
    assert fields.flag({'k': None}, 'k', 'here', True) is True
    assert fields.flag({'k': True}, 'k', 'here') is True
    assert 'must be true or false' in reason(fields.flag, {'k': 'true'}, 'k', 'here')


def test_choice_is_case_folded_and_text_only():
    assert fields.choice('RR', ('rr', 'wrr'), 'here', 's') == 'rr'
    assert fields.choice('dr', ('DR', 'NAT'), 'here', 'm', upper=True) == 'DR'
    assert "'x' is not one of rr, wrr" in reason(fields.choice, 'x', ('rr', 'wrr'), 'here', 's')
    assert 'got the boolean true' in reason(fields.choice, True, ('rr',), 'here', 's')


def test_ip_mapping_listing():
    assert str(fields.ip('10.0.0.1', 'here', 'a')) == '10.0.0.1'
    assert str(fields.ip('[2001:db8::1]', 'here', 'a')) == '2001:db8::1'
    assert 'is not an IP address' in reason(fields.ip, '10.0.0.300', 'here', 'a')
    assert 'a string' in reason(fields.ip, 167772161, 'here', 'a')
    assert 'a string' in reason(fields.ip, '', 'here', 'a')
    assert fields.mapping({'a': 1}, 'here', 'm') == {'a': 1}
    assert 'must be a mapping, got a list' in reason(fields.mapping, [], 'here', 'm')
    assert fields.listing(None, 'here', 'l') == []
    assert fields.listing([1], 'here', 'l') == [1]
    assert 'must be a list' in reason(fields.listing, 'eth0', 'here', 'l')


def test_known_keys_names_the_closest():
    fields.known_keys({'port': 1}, ('port', 'scheduler'), 'here', 'service')
    text = reason(fields.known_keys, {'schedular': 1, 'zzz': 2}, ('port', 'scheduler'), 'here', 'service')
    assert 'unknown service options schedular (did you mean scheduler?), zzz;' in text
    assert 'one' not in reason(fields.known_keys, {'x': 1}, ('port',), 'here', 'service').split(';')[0][:22]


# --- settings.py -----------------------------------------------------------------------------------

def test_director_settings_normalise_and_skip_null():
    values = settings.normalize(settings.DIRECTOR, {
        'advert_int': 1.0, 'interface': '',
        'vrrp_scripts': [{'name': 'b', 'script': '/bin/b'}, {'name': 'a', 'script': '/bin/a', 'interval': 5}],
        'lvs_sync_daemon': {'interface': 'eth1', 'instance': 'VI_1'}, 'smtp_server': '', 'router_id': None})
    assert values['advert_int'] == 1 and isinstance(values['advert_int'], int)
    assert values['interface'] == ''
    assert [s['name'] for s in values['vrrp_scripts']] == ['a', 'b']
    assert [s['interval'] for s in values['vrrp_scripts']] == [5, 2]
    assert values['lvs_sync_daemon'] == {'interface': 'eth1', 'instance': 'VI_1'}
    assert 'router_id' not in values


@pytest.mark.parametrize('name,value,message', [
    ('director_advert_int', 0, 'out of range 0.01..40.95'),
    ('director_advert_int', 41, 'out of range'),
    ('director_vrrp_version', 4, 'must be 2 or 3'),
    ('director_vrrp_version', True, 'must be 2 or 3'),
    ('director_vrrp_mcast_group4', '10.0.0.1', 'not an IPv4 multicast address'),
    ('director_vrrp_mcast_group4', 'ff02::12', 'not an IPv4 multicast address'),
    ('director_smtp_server', 'smtp server', 'not allowed'),
    ('director_notification_emails', 'ops@example.com', 'must be a list'),
    ('director_notification_emails', ['ops'], 'not allowed'),
    ('director_vrrp_scripts', [{'name': 'x'}], 'needs "script"'),
    ('director_vrrp_scripts', [{'script': '/bin/x'}], 'needs "name"'),
    ('director_vrrp_scripts', [{'name': 'x', 'script': '/x'}, {'name': 'x', 'script': '/y'}], 'used twice'),
    ('director_vrrp_scripts', [{'name': 'x', 'script': '/x', 'wieght': 2}], 'did you mean weight?'),
    ('director_vrrp_scripts', [{'name': 'x', 'script': '/x', 'weight': 254}], 'out of range -253..253'),
    ('director_vrrp_scripts', ['x'], 'must be a mapping'),
    ('director_lvs_sync_daemon', {'interface': 'eth1'}, 'needs "instance"'),
    ('director_lvs_sync_daemon', {'interface': 'eth1', 'instance': 'VI_1', 'id': 256}, 'out of range 0..255'),
    ('director_lvs_timeouts', {'tcp': 2678401}, 'out of range'),
    ('director_lvs_timeouts', {'tcpp': 5}, 'did you mean tcp?'),
    ('director_sysctl', {'net.ipv4.ip_forward': True}, 'a number or a string'),
    ('director_sysctl', {'net.ipv4.ip_forward': '1\nkernel.x = 1'}, 'one line'),
    ('director_sysctl', {'net.ipv4 x': 1}, 'not allowed'),
    ('director_sysctl', {'net.ipv4.x=2': 1}, 'not allowed'),
    ('director_packages', ['keepalived;rm'], 'not a package name'),
    ('director_packages', 'keepalived', 'must be a list'),
    ('director_libexec_dir', 'usr/local', 'not allowed'),
    ('director_vrrp_state_dir', '/run/x y', 'not allowed'),
    ('director_handover_drain', 61, 'out of range 0..60'),
    ('director_handover', 'yes', 'must be true or false'),
    ('director_script_user', 'root user', 'not allowed'),
    ('director_advert_intt', 1, 'did you mean director_advert_int?'),
    ('director_zzz', 1, 'is not a variable of the role'),
])
def test_director_variable_problems(name, value, message):
    found = settings.problems(settings.DIRECTOR, 'director_', {name: value, 'lvs_address': 'x'})
    assert len(found) == 1 and found[0][0] == name, found
    assert message in found[0][1], found


def test_preflight_only_and_derived_variables_are_not_problems():
    assert settings.problems(settings.DIRECTOR, 'director_', {'director_subnets': 'x'},
                             ignore=settings.DIRECTOR_PREFLIGHT_ONLY) == []
    assert settings.problems(settings.REAL_SERVER, 'real_server_', {'real_server_vips': []},
                             ignore=settings.REAL_SERVER_DERIVED) == []
    assert settings.problems(settings.REAL_SERVER, 'real_server_', {'real_server_rp_filter': 3})[0][0] == 'real_server_rp_filter'
    assert settings.problems(settings.REAL_SERVER, 'real_server_', {'real_server_interface': True})[0][0] \
        == 'real_server_interface'


def test_every_default_of_the_roles_passes():
    """The roles' own defaults are valid values of their settings (defaults/main.yml)."""
    import os
    import yaml
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
    for role, spec, prefix in (('director', settings.DIRECTOR, 'director_'), ('real_server', settings.REAL_SERVER, 'real_server_')):
        with open(os.path.join(repo, 'roles', role, 'defaults', 'main.yml')) as handle:
            defaults = yaml.safe_load(handle)
        values = dict((k, v) for k, v in defaults.items() if not (isinstance(v, str) and '{{' in v))
        assert settings.problems(spec, prefix, values, ignore=('vips',)) == []
        assert set(k[len(prefix):] for k in defaults) - set(spec) <= {'vips'}
