# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs_single_director in the model (module_utils/single_director.py and model.director_view):
what the mode refuses, each option with the variable named; what it accepts; the view the role
renders from (static services only, no health check, the VIPs the director holds)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import single_director

HOSTVARS = {'dir1': {'ansible_host': '192.168.20.2'}, 'web1': {'ansible_host': '192.168.20.9'},
            'web2': {'ansible_host': '192.168.20.10'}}
WWW = {'name': 'www', 'vip': '192.168.20.100', 'port': 80, 'scheduler': 'rr',
       'real_servers': [{'host': 'web1'}, {'host': 'web2', 'weight': 3}]}


def view(services=None, instances=None, directors=('dir1',), settings=None, single=True, route_interface='eth0',
         hostvars=None):
    return model.director_view(copy.deepcopy([WWW] if services is None else services), instances or [], 'dir1',
                               list(directors), dict(HOSTVARS, **(hostvars or {})), settings or {}, single=single,
                               route_interface=route_interface)


def with_service(**changes):
    return [dict(WWW, **changes)]


def with_real_server(**changes):
    return [dict(WWW, real_servers=[dict(WWW['real_servers'][0], **changes)])]


# (id, arguments of view(), the variable the error names, a word of its reason)
REFUSED = [
    ('checker', {'services': with_service(checker={'type': 'HTTP_GET', 'path': '/'})},
     'lvs_virtual_services[0] (www).checker', 'nothing would check'),
    ('checker-as-text', {'services': with_service(checker='TCP_CHECK')}, 'lvs_virtual_services[0] (www).checker',
     'nothing would check'),
    ('sorry_server', {'services': with_service(sorry_server={'address': '192.168.20.50'})},
     'lvs_virtual_services[0] (www).sorry_server', 'nothing would ever put it in'),
    ('managed_by-keepalived', {'services': with_service(managed_by='keepalived')},
     'lvs_virtual_services[0] (www).managed_by', 'only lvs.cluster.ipvsadm'),
    ('quorum', {'services': with_service(quorum=2)}, 'lvs_virtual_services[0] (www).quorum', 'quorum'),
    ('delay_loop', {'services': with_service(delay_loop=2)}, 'lvs_virtual_services[0] (www).delay_loop', 'health'),
    ('inhibit_on_failure', {'services': with_service(inhibit_on_failure=True)},
     'lvs_virtual_services[0] (www).inhibit_on_failure', 'health'),
    ('vrrp_instance', {'services': with_service(vrrp_instance='VI_1')},
     'lvs_virtual_services[0] (www).vrrp_instance', 'no VRRP instance'),
    ('real-server-checker', {'services': with_real_server(checker={'type': 'TCP_CHECK'})},
     'lvs_virtual_services[0] (www).real_servers[0].checker', 'nothing would check'),
    ('real-server-notify_down', {'services': with_real_server(notify_down='/usr/local/bin/page')},
     'lvs_virtual_services[0] (www).real_servers[0].notify_down', 'keepalived'),
    ('two-directors', {'directors': ('dir1', 'dir2'), 'hostvars': {'dir2': {'ansible_host': '192.168.20.3'}}},
     'lvs_directors', 'exactly one director'),
    ('instances', {'instances': [{'name': 'VI_1', 'virtual_router_id': 51}]}, 'lvs_vrrp_instances', 'nothing runs VRRP'),
    ('vrrp_scripts', {'settings': {'vrrp_scripts': [{'name': 'chk', 'script': '/bin/true'}]}},
     'director_vrrp_scripts', 'keepalived'),
    ('notification_emails', {'settings': {'notification_emails': ['ops@example.com']}},
     'director_notification_emails', 'keepalived'),
    ('quoted-true', {'single': 'true'}, 'lvs_single_director', 'true or false'),
    ('number', {'single': 1}, 'lvs_single_director', 'true or false'),
]


@pytest.mark.parametrize('kwargs, variable, word', [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_the_variable_named(kwargs, variable, word):
    with pytest.raises(model.ModelError) as error:
        view(**kwargs)
    assert error.value.where == variable
    assert word in error.value.reason


# Accepted as they are: what this mode does anyway (no check, a flag left at false) or ipvsadm's own options.
ACCEPTED = [
    ('checker-NONE', with_service(checker='NONE')),
    ('checker-type-NONE', with_service(checker={'type': 'none'})),
    ('flag-false', with_service(inhibit_on_failure=False, ha_suspend=False)),
    ('managed_by-ipvsadm', with_service(managed_by='ipvsadm')),
    ('null-options', with_service(checker=None, sorry_server=None, quorum=None)),
    ('persistence-and-flags', with_service(scheduler='sh', scheduler_flags=['sh-port'], persistence_timeout=300)),
    ('thresholds', with_real_server(uthreshold=100, lthreshold=10)),
]


@pytest.mark.parametrize('services', [a[1] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
def test_accepted(services):
    result = view(services)
    assert [s['name'] for s in result['static_services']] == ['www']


def test_every_service_is_static_and_unchecked():
    """managed_by defaults to ipvsadm; keepalived renders nothing, owns nothing; no default TCP_CHECK
    is put in (nothing would run it)."""
    result = view([WWW, dict(WWW, name='tls', port=443)])
    assert result['single'] is True
    assert result['virtual_servers'] == [] and result['keepalived_keys'] == []
    assert result['instances'] == [] and result['expected_states'] == {}
    assert [(s['name'], s['managed_by'], s['checker']) for s in result['static_services']] == [
        ('www', 'ipvsadm', None), ('tls', 'ipvsadm', None)]
    assert result['kernel_modules'] == ['ip_vs', 'ip_vs_rr']


def test_not_single_is_unchanged():
    """Without the switch (or with false) a service still defaults to keepalived."""
    for single in (None, False):
        result = view(instances=[{'name': 'VI_1', 'virtual_router_id': 51, 'interface': 'eth0'}], single=single)
        assert result['single'] is False and result['held_vips'] == []
        assert [s['managed_by'] for s in result['virtual_servers']] == ['keepalived']


@pytest.mark.parametrize('settings, hostvars, route, expected', [
    ({}, {}, 'ens3', 'ens3'),                                                # the default route's interface
    ({'interface': 'eth1'}, {}, 'ens3', 'eth1'),                             # director_interface wins
    ({}, {'dir1': {'ansible_host': '192.168.20.2', 'director_interface': 'bond0'}}, 'ens3', 'bond0'),
    ({}, {}, None, None),                                                    # unknown on the controller
    ({}, {}, '', None),
], ids=['route', 'setting', 'host-var', 'unknown', 'empty'])
def test_vip_interface(settings, hostvars, route, expected):
    result = view(settings=settings, hostvars=hostvars, route_interface=route)
    assert result['vip_interface'] == expected
    assert [v['dev'] for v in result['held_vips']] == [expected]


@pytest.mark.parametrize('route', ['eth0:0', 'a' * 16, 'eth 0', True])
def test_route_interface_passes_the_interface_grammar(route):
    with pytest.raises(model.ModelError) as error:
        view(route_interface=route)
    assert 'interface' in str(error.value)


def test_held_vips():
    """Every VIP once (fwmark vips too), sorted IPv4 before IPv6, /32 and /128 unless a service gives
    a prefix; the prefix given by one service holds for the VIP's other services."""
    services = [
        dict(WWW, name='b', vip='192.168.20.101', port=443),
        dict(WWW, name='a', vip='192.168.20.101/24', port=80),
        dict(WWW, name='c', vip='192.168.20.9', port=80, real_servers=[{'address': '192.168.20.11'}]),
        {'name': 'm', 'fwmark': 7, 'vips': ['2001:db8::7', '192.168.20.100'], 'real_servers': [{'host': 'web1'}]},
    ]
    result = view(services, hostvars={'web1': {'ansible_host': '192.168.20.12'}})
    assert result['held_vips'] == [
        {'address': '192.168.20.9', 'prefix': 32, 'dev': 'eth0'},
        {'address': '192.168.20.100', 'prefix': 32, 'dev': 'eth0'},
        {'address': '192.168.20.101', 'prefix': 24, 'dev': 'eth0'},
        {'address': '2001:db8::7', 'prefix': 128, 'dev': 'eth0'},
    ]
    assert result['vip_addresses'] == ['192.168.20.9', '192.168.20.100', '192.168.20.101', '2001:db8::7']


def test_held_vips_refuse_two_prefixes_for_one_vip():
    services = [dict(WWW, vip='192.168.20.101/24'), dict(WWW, name='b', vip='192.168.20.101/25', port=443)]
    with pytest.raises(model.ModelError) as error:
        view(services)
    assert 'one prefix' in str(error.value)


def test_problems_lists_every_one():
    """The preflight's list: every refused option, not only the first."""
    services = [dict(WWW, checker={'type': 'TCP_CHECK'}, sorry_server={'address': '192.168.20.50'},
                     real_servers=[{'host': 'web1', 'notify_up': '/bin/x'}])]
    found = single_director.problems(services, [{'name': 'VI_1'}], ['dir1', 'dir2'])
    assert [f[0] for f in found] == [
        'lvs_directors', 'lvs_vrrp_instances', 'lvs_virtual_services[0] (www).checker',
        'lvs_virtual_services[0] (www).sorry_server', 'lvs_virtual_services[0] (www).real_servers[0].notify_up']
    assert all(f[2] for f in found)   # each with a fix


@pytest.mark.parametrize('value, expected', [(None, False), (False, False), (True, True)])
def test_enabled(value, expected):
    assert single_director.enabled(value) is expected


def test_strip_leaves_what_problems_reported_and_sets_ipvsadm():
    raw = dict(WWW, checker={'type': 'TCP_CHECK'}, managed_by='keepalived',
               real_servers=[{'host': 'web1', 'notify_up': '/bin/x', 'weight': 2}])
    assert single_director.strip(raw) == dict(WWW, managed_by='ipvsadm', checker='NONE',
                                              real_servers=[{'host': 'web1', 'weight': 2}])
    assert single_director.problems([single_director.strip(raw)], None, ['dir1']) == []
