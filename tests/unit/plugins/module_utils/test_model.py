# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the inventory model (module_utils/model.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import model

HOSTVARS = {
    'dir1': {'lvs_address': '10.88.0.11', 'director_interface': 'eth0'},
    'dir2': {'lvs_address': '10.88.0.12', 'director_interface': 'eth0'},
    'web1': {'lvs_address': '10.88.0.21'},
    'web2': {'ansible_host': '10.88.0.22'},
    'named': {'ansible_host': 'web3.example'},
}
DIRECTORS = ['dir1', 'dir2']
INSTANCES = [{'name': 'VI_1', 'virtual_router_id': 51, 'master': 'dir1'}]
SERVICE = {
    'name': 'web', 'vip': '10.88.0.100', 'port': 80, 'scheduler': 'rr',
    'checker': {'type': 'HTTP_GET', 'path': '/', 'status_code': 200},
    'real_servers': [{'host': 'web1'}, {'host': 'web2', 'weight': 3}],
}


def svc(**changes):
    data = copy.deepcopy(SERVICE)
    data.update(changes)
    return data


def fw_svc(**changes):
    """A fwmark service with its own VIP, the shape fwmark_ports needs."""
    data = {'name': 'fw', 'fwmark': 7, 'vips': ['10.88.0.101'], 'real_servers': [{'host': 'web1'}]}
    data.update(changes)
    return data


def view(services, instances=None, director='dir1'):
    return model.director_view(services, INSTANCES if instances is None else instances, director,
                               DIRECTORS, HOSTVARS, {'vrrp_version': 3, 'delay_loop': 3})


BAD = [
    ('no name', [dict(svc(), name='')], 'needs a "name"'),
    ('no vip', [svc(vip=None)], 'needs "vip"'),
    ('bad vip', [svc(vip='10.88.0.300')], 'not an IP address'),
    ('no port', [svc(port=None)], 'needs "port"'),
    ('bad scheduler', [svc(scheduler='fastest')], "scheduler 'fastest' is not one of"),
    ('bad method', [svc(method='DSR')], "method 'DSR' is not one of"),
    ('bad checker', [svc(checker={'type': 'LDAP_CHECK'})], 'checker type'),
    ('nb_get_retry and retry disagree', [svc(checker={'type': 'TCP_CHECK', 'nb_get_retry': 3, 'retry': 2})],
     'keep "retry"'),
    ('unknown checker option', [svc(checker={'type': 'TCP_CHECK', 'timeout': 3})], 'unknown checker option(s) timeout'),
    ('weight too big', [svc(real_servers=[{'host': 'web1', 'weight': 70000}])], 'weight 70000 is out of range'),
    ('weight negative', [svc(real_servers=[{'host': 'web1', 'weight': -1}])], 'out of range'),
    ('unknown host', [svc(real_servers=[{'host': 'web9'}])], "host 'web9' is not in the inventory"),
    ('host without address', [svc(real_servers=[{'host': 'named'}])], 'set lvs_address'),
    ('host and address', [svc(real_servers=[{'host': 'web1', 'address': '10.88.0.21'}])], 'give one'),
    ('duplicate real server', [svc(real_servers=[{'host': 'web1'}, {'address': '10.88.0.21'}])], 'listed twice'),
    ('duplicate service', [svc(), svc(name='web-copy')], 'duplicates virtual service web'),
    ('vip and fwmark', [svc(fwmark=5)], 'not both'),
    ('fwmark_ports on a vip service', [svc(fwmark_ports=[80, 443])], 'fwmark_ports marks packets for a fwmark service'),
    ('fwmark_ports without vips', [fw_svc(vips=[], fwmark_ports=[80])], 'fwmark_ports needs "vips"'),
    ('fwmark_ports entry 0', [fw_svc(fwmark_ports=[0])], 'fwmark_ports entry 0 is out of range'),
    ('fwmark_ports entry a quoted number', [fw_svc(fwmark_ports=['443'])], 'write the number without quotes'),
    ('fwmark_ports not a list', [fw_svc(fwmark_ports='80,443')], 'fwmark_ports'),
    ('unknown instance', [svc(vrrp_instance='VI_9')], "vrrp_instance 'VI_9' is not in lvs_vrrp_instances"),
    ('misc without path', [svc(checker={'type': 'MISC_CHECK'})], 'needs misc_path'),
    ('bad granularity', [svc(persistence_granularity='255.0.255.x')], 'not a netmask'),
    ('delay_loop zero', [svc(delay_loop=0)], 'delay_loop 0 is out of range 0.0001..4294967295'),
    ('delay_loop not a number', [svc(delay_loop='fast')], "delay_loop must be a number of seconds from 0.0001 to 4294967295, "
                                                          "got 'fast'"),
    ('delay_loop a quoted number', [svc(delay_loop='0.5')], 'write the number without quotes'),
    ('delay_loop boolean', [svc(delay_loop=True)], 'got the boolean true'),
    ('port a quoted number', [svc(port='80')], 'write the number without quotes'),
    ('inhibit_on_failure a string', [svc(inhibit_on_failure='false')], 'must be true or false'),
    ('name a YAML boolean', [svc(name=True)], "quote it"),
    ('name an octal-looking number', [svc(name=493)], 'quote the value'),
    ('name with a newline', [svc(name='web\n}')], 'name'),
    ('no real servers', [svc(real_servers=[])], 'has no real servers'),
    ('quorum above the weights', [svc(quorum=5)], 'quorum 5 is above the sum'),
    ('every weight 0', [svc(real_servers=[{'host': 'web1', 'weight': 0}])], 'quorum 1 is above the sum'),
    ('hysteresis not below quorum', [svc(quorum=2, hysteresis=2)], 'hysteresis 2 must be below quorum 2'),
    ('unknown service option', [svc(schedular='rr')], 'did you mean scheduler?'),
    ('negative checker timer', [svc(checker={'type': 'TCP_CHECK', 'connect_timeout': -1})], 'connect_timeout -1 is out of range'),
    ('checker path with a brace', [svc(checker={'type': 'HTTP_GET', 'path': '/}'})], 'checker path'),
    ('notify script with a quote', [svc(real_servers=[{'host': 'web1', 'notify_up': '/bin/x"\n}'}])], 'notify_up'),
]


@pytest.mark.parametrize('label,services,message', BAD, ids=[b[0] for b in BAD])
def test_bad_services_are_rejected_with_a_message(label, services, message):
    with pytest.raises(model.ModelError) as err:
        view(services)
    assert message in str(err.value)
    assert 'lvs_virtual_services[' in str(err.value)


BAD_INSTANCES = [
    ('vrid out of range', [{'name': 'VI_1', 'virtual_router_id': 256}], 'out of range 1..255'),
    ('no vrid', [{'name': 'VI_1'}], 'needs virtual_router_id'),
    ('master not a director', [{'name': 'VI_1', 'virtual_router_id': 5, 'master': 'web1'}], 'not in the directors group'),
    ('long password', [{'name': 'VI_1', 'virtual_router_id': 5, 'auth_pass': '123456789'}], 'longer than 8'),
    ('duplicate name', [{'name': 'VI_1', 'virtual_router_id': 5}, {'name': 'VI_1', 'virtual_router_id': 6}], 'used twice'),
]


@pytest.mark.parametrize('label,instances,message', BAD_INSTANCES, ids=[b[0] for b in BAD_INSTANCES])
def test_bad_instances_are_rejected(label, instances, message):
    with pytest.raises(model.ModelError) as err:
        view([svc()], instances)
    assert message in str(err.value)


def test_master_and_backup_views():
    master, backup = view([svc()]), view([svc()], director='dir2')
    assert master['instances'][0]['state'] == 'MASTER' and master['instances'][0]['priority'] == 150
    assert backup['instances'][0]['state'] == 'BACKUP' and backup['instances'][0]['priority'] == 100
    assert [v['address'] for v in master['instances'][0]['vips']] == ['10.88.0.100']
    assert master['instances'][0]['interface'] == 'eth0'
    assert master['keepalived_keys'] == ['tcp:10.88.0.100:80']
    assert master['kernel_modules'] == ['ip_vs', 'ip_vs_rr']
    reals = master['virtual_servers'][0]['real_servers']
    assert [(r['address'], r['weight']) for r in reals] == [('10.88.0.21', 1), ('10.88.0.22', 3)]
    assert reals[0]['checker']['urls'] == [{'path': '/', 'status_code': '200'}]
    assert ('retry', 1) in reals[0]['checker']['options']
    assert ('delay_before_retry', 0.5) in reals[0]['checker']['options']


@pytest.mark.parametrize('checker', [
    {'type': 'TCP_CHECK', 'nb_get_retry': 3},
    {'type': 'HTTP_GET', 'nb_get_retry': 3, 'retry': 3},
    {'type': 'MISC_CHECK', 'misc_path': '/bin/true', 'nb_get_retry': 3},
])
def test_nb_get_retry_becomes_retry(checker):
    """keepalived 1.x's nb_get_retry (what recipes copy) is taken and rendered as retry."""
    options = view([svc(checker=checker)])['virtual_servers'][0]['real_servers'][0]['checker']['options']
    assert ('retry', 3) in options
    assert not [key for key, dummy in options if key == 'nb_get_retry']


def test_vrrpv3_refuses_authentication_and_v2_keeps_it():
    inst = [{'name': 'VI_1', 'virtual_router_id': 51, 'auth_pass': 'secret'}]
    with pytest.raises(model.ModelError, match='VRRPv3 has no authentication'):
        view([svc()], inst)
    v2 = model.director_view([svc()], inst, 'dir1', DIRECTORS, HOSTVARS, {'vrrp_version': 2})
    assert v2['instances'][0]['auth_pass'] == 'secret'
    own = [dict(inst[0], version=2)]
    assert view([svc()], own)['instances'][0]['auth_pass'] == 'secret'


def test_strict_vrrp_rejects_authentication():
    inst = [{'name': 'VI_1', 'virtual_router_id': 51, 'auth_pass': 'secret'}]
    with pytest.raises(model.ModelError, match='forbids VRRP authentication'):
        model.director_view([svc()], inst, 'dir1', DIRECTORS, HOSTVARS, {'vrrp_version': 2, 'vrrp_strict': True})


def test_several_instances_need_an_explicit_instance():
    insts = INSTANCES + [{'name': 'VI_2', 'virtual_router_id': 52}]
    with pytest.raises(model.ModelError, match='name the one that carries this VIP'):
        view([svc()], insts)
    assert [i['vips'] for i in view([svc(vrrp_instance='VI_2')], insts)['instances']][0] == []


def test_unicast_peers_are_the_other_directors():
    inst = [{'name': 'VI_1', 'virtual_router_id': 51, 'unicast': True}]
    v = view([svc()], inst, director='dir2')['instances'][0]
    assert v['unicast_src_ip'] == '10.88.0.12' and v['unicast_peers'] == ['10.88.0.11']


REAL_SERVER_CASES = [
    ('dr by host', [svc(method='DR')], 'web1', [('10.88.0.100', 'lo', ['web'])]),
    ('dr by address', [svc(real_servers=[{'address': '10.88.0.22'}])], 'web2', [('10.88.0.100', 'lo', ['web'])]),
    ('tun', [svc(method='TUN')], 'web1', [('10.88.0.100', 'tunl0', ['web'])]),
    ('nat needs nothing', [svc(method='NAT')], 'web1', []),
    ('not a member', [svc(real_servers=[{'host': 'web2'}])], 'web1', []),
    ('two services one vip', [svc(), svc(name='tls', port=443)], 'web1', [('10.88.0.100', 'lo', ['tls', 'web'])]),
    ('fwmark vips', [{'name': 'fw', 'fwmark': 7, 'vips': ['10.88.0.102', '10.88.0.101'],
                      'real_servers': [{'host': 'web1'}]}], 'web1',
     [('10.88.0.101', 'lo', ['fw']), ('10.88.0.102', 'lo', ['fw'])]),
]


@pytest.mark.parametrize('label,services,host,expected', REAL_SERVER_CASES, ids=[c[0] for c in REAL_SERVER_CASES])
def test_real_server_vips(label, services, host, expected):
    got = model.real_server_vips(services, host, HOSTVARS)
    assert [(e['address'], e['device'], e['services']) for e in got] == expected


def test_fwmark_rules_mark_the_listed_ports_of_each_family():
    services = [svc(),
                {'name': 'sticky', 'fwmark': 7, 'vips': ['2001:db8::1', '10.88.0.102', '10.88.0.101'],
                 'fwmark_ports': [443, 80, 443], 'persistence_timeout': 60, 'real_servers': [{'host': 'web1'}]},
                {'name': 'dns', 'fwmark': 3, 'protocol': 'udp', 'vips': ['10.88.0.103'], 'fwmark_ports': [53],
                 'real_servers': [{'host': 'web2'}], 'managed_by': 'ipvsadm'},
                {'name': 'theirs', 'fwmark': 9, 'vips': ['10.88.0.104'], 'real_servers': [{'host': 'web2'}]}]
    assert view(services)['fwmark_rules'] == [
        {'service': 'dns', 'mark': 3, 'protocol': 'udp', 'ports': [53], 'ipv4': ['10.88.0.103'], 'ipv6': []},
        {'service': 'sticky', 'mark': 7, 'protocol': 'tcp', 'ports': [80, 443],
         'ipv4': ['10.88.0.101', '10.88.0.102'], 'ipv6': ['2001:db8::1']}]
    assert view([svc()])['fwmark_rules'] == []


def test_ipvsadm_services_for_static_services():
    static = view([svc(managed_by='ipvsadm', persistence_timeout=50)])['static_services']
    assert model.ipvsadm_services(static) == [{
        'scheduler': 'rr', 'protocol': 'tcp', 'address': '10.88.0.100', 'port': 80, 'persistence_timeout': 50,
        'real_servers': [
            {'address': '10.88.0.21', 'port': 80, 'weight': 1, 'method': 'route'},
            {'address': '10.88.0.22', 'port': 80, 'weight': 3, 'method': 'route'}]}]


def test_static_services_are_accepted_by_the_ipvsadm_module_spec():
    """The filter output must pass the module's own argument spec (names and types)."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible_collections.lvs.cluster.plugins.modules import ipvsadm
    services = [svc(managed_by='ipvsadm', persistence_timeout=50, persistence_granularity='255.255.255.0',
                    scheduler='sh', scheduler_flags=['sh-port', 'ops'],
                    real_servers=[{'host': 'web1', 'uthreshold': 100, 'lthreshold': 50}]),
                {'name': 'fw6', 'fwmark': 9, 'vips': ['2001:db8::1'], 'managed_by': 'ipvsadm',
                 'real_servers': [{'address': '2001:db8::9'}]}]
    static = view(services)['static_services']
    spec = ipvsadm.argument_spec()
    result = ArgumentSpecValidator(spec).validate({'services': model.ipvsadm_services(static)})
    assert result.error_messages == []
    assert view(services)['keepalived_keys'] == []
    assert model.service_key(static[1]) == 'fwmark:9:ipv6'


@pytest.mark.parametrize('changes, settings, director, expected, advert', [
    ({}, {}, 'dir1', {'VI_1': 'MASTER'}, 0.2),
    ({}, {}, 'dir2', {'VI_1': None}, 0.2),  # a backup may hold it while the master is down
    ({'nopreempt': True}, {}, 'dir1', {'VI_1': None}, 0.2),
    ({'priorities': {'dir1': 100, 'dir2': 200}}, {}, 'dir2', {'VI_1': 'MASTER'}, 0.2),
    ({'notify': '/bin/true'}, {}, 'dir1', {}, 0.2),  # own notify: no state hook, nothing to expect
    ({}, {'vrrp_version': 2}, 'dir1', {'VI_1': 'MASTER'}, 1),  # v2 rounds the sub-second default up
    ({'advert_int': 3}, {'vrrp_version': 2}, 'dir1', {'VI_1': 'MASTER'}, 3),
])
def test_expected_states_and_advert(changes, settings, director, expected, advert):
    instances = [dict(INSTANCES[0], **changes)]
    result = model.director_view([svc()], instances, director, DIRECTORS, HOSTVARS,
                                 dict({'advert_int': 0.2}, **settings))
    assert result['expected_states'] == expected
    assert result['instances'][0]['advert_int'] == advert


def test_vrrp2_rejects_sub_second_advert():
    with pytest.raises(model.ModelError, match='VRRPv2 advertises in whole seconds'):
        model.director_view([svc()], [dict(INSTANCES[0], advert_int=0.5)], 'dir1', DIRECTORS, HOSTVARS,
                            {'vrrp_version': 2})


# delay_loop: fractions of a second allowed (keepalived's timers count microseconds); the service's
# own value wins over director_delay_loop; a whole number renders without ".0".
@pytest.mark.parametrize('service_value, setting, expected', [
    (None, 0.5, 0.5),
    (None, 1.0, 1),
    (2, 0.5, 2),
    (0.25, 0.5, 0.25),
    (None, None, None),
])
def test_delay_loop_seconds(service_value, setting, expected):
    service = svc() if service_value is None else svc(delay_loop=service_value)
    result = model.director_view([service], INSTANCES, 'dir1', DIRECTORS, HOSTVARS,
                                 {'vrrp_version': 3, 'delay_loop': setting})
    rendered = result['virtual_servers'][0]['delay_loop']
    assert rendered == expected and type(rendered) is type(expected)


def test_bad_director_delay_loop_names_the_variable():
    with pytest.raises(model.ModelError) as err:
        model.director_view([svc()], INSTANCES, 'dir1', DIRECTORS, HOSTVARS, {'vrrp_version': 3, 'delay_loop': -1})
    assert 'director_delay_loop' in str(err.value) and 'out of range' in str(err.value)
