# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table-driven tests of the preflight (module_utils/preflight.py): each rule with a bad and a
good case, starting from tests/unit/fixtures/preflight/good (loaded by Ansible's own inventory
code), plus every shipped inventory, which must pass."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import glob
import json
import os

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.manager import VariableManager

from ansible_collections.lvs.cluster.plugins.module_utils import preflight

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'preflight')
KEYS = ('lvs_address', 'ansible_host', 'director_interface') + preflight.HOST_KEYS + (
    preflight.SERVICES, preflight.INSTANCES)


def load(source):
    """(hostvars, groups) of an inventory, as plain data, read by Ansible's inventory code."""
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[source])
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = {}
    for host in inventory.get_hosts():
        hvars = variables.get_vars(host=host, include_hostvars=False)
        hostvars[host.name] = json.loads(json.dumps(dict((k, hvars[k]) for k in KEYS if k in hvars)))
    return hostvars, inventory.get_groups_dict()


def base():
    hostvars, groups = load(os.path.join(FIXTURES, 'good'))
    services = hostvars['dir1'].pop(preflight.SERVICES)
    instances = hostvars['dir1'].pop(preflight.INSTANCES)
    for hvars in hostvars.values():
        hvars.pop(preflight.SERVICES, None)
        hvars.pop(preflight.INSTANCES, None)
    return {'services': services, 'instances': instances, 'hostvars': hostvars,
            'directors': groups['lvs_directors'], 'real_servers': groups['lvs_real_servers']}


BASE = base()


def run(data):
    return preflight.check(data['services'], data['instances'], data['hostvars'], data['directors'],
                           data['real_servers'])


def svc(data, name):
    return [s for s in data['services'] if s['name'] == name][0]


def inst(data, name):
    return [i for i in data['instances'] if i['name'] == name][0]


def rs(data, service, index=0):
    return svc(data, service)['real_servers'][index]


def subnets_off(data):
    for host in data['directors']:
        data['hostvars'][host].pop('director_subnets')


def no_way_back(data):
    data['hostvars']['app1'].pop('lvs_gateway')
    data['instances'].remove(inst(data, 'VI_NAT'))  # it carried only the NAT gateway VIP
    inst(data, 'VI_WEB').pop('sync_group')  # a sync group of one is refused
    svc(data, 'app')['real_servers'].pop(1)


# (id, mutation of the good inventory, expected) where expected is None (no problem) or
# (message fragment, variable fragment, hosts the problems name). Every problem the mutation
# causes must match: a rule that fires elsewhere too fails the case.
DIRS = {'dir1', 'dir2', 'dir3'}
CASES = [
    ('good inventory', lambda d: None, None),
    # virtual_router_id: range, and unique per interface (one L2)
    ('vrid 0', lambda d: inst(d, 'VI_WEB').update(virtual_router_id=0), ('out of range 1..255', 'VI_WEB).virtual_router_id', {'all'})),
    ('vrid 256', lambda d: inst(d, 'VI_WEB').update(virtual_router_id=256), ('out of range 1..255', 'virtual_router_id', {'all'})),
    ('vrid not a number', lambda d: inst(d, 'VI_WEB').update(virtual_router_id='fifty'), ('must be an integer', 'virtual_router_id', {'all'})),
    ('vrid missing', lambda d: inst(d, 'VI_WEB').pop('virtual_router_id'), ('needs virtual_router_id', 'virtual_router_id', {'all'})),
    ('vrid 1 and 255', lambda d: (inst(d, 'VI_WEB').update(virtual_router_id=1), inst(d, 'VI_NAT').update(virtual_router_id=255)), None),
    ('vrid twice on one interface', lambda d: inst(d, 'VI_NAT').update(interface='eth0'),
     ('VI_NAT and VI_WEB use the same virtual_router_id 51 on eth0', 'lvs_vrrp_instances (VI_NAT, VI_WEB)', {'dir1'})),
    ('vrid twice through director_interface', lambda d: (
        inst(d, 'VI_NAT').pop('interface'), [d['hostvars'][h].update(director_interface='eth0') for h in d['directors']]),
     ('same virtual_router_id 51 on eth0', 'VI_NAT, VI_WEB', {'dir1'})),
    # VIPs and the subnets of the interface they are bound to
    ('VIP outside the subnets', lambda d: svc(d, 'www').update(vip='203.0.113.100'),
     ('VIP 203.0.113.100 of VRRP instance VI_WEB is outside every subnet of eth0', 'lvs_virtual_services[0] (www).vip', DIRS)),
    ('fwmark VIP outside the subnets', lambda d: svc(d, 'marked').update(vips=['198.51.100.110']),
     ('outside every subnet of eth0', '(marked).vips', DIRS)),
    ('gateway VIP on the wrong interface', lambda d: inst(d, 'VI_NAT')['extra_vips'][0].update(dev='eth0'),
     ('VIP 198.51.100.1 of VRRP instance VI_NAT is outside every subnet of eth0', 'VI_NAT).extra_vips', DIRS)),
    ('VIP is the broadcast address', lambda d: svc(d, 'www').update(vip='192.0.2.255'), ('broadcast address of 192.0.2.0/24', '(www).vip', DIRS)),
    ('VIP is the network address', lambda d: svc(d, 'www').update(vip='192.0.2.0'), ('network address of 192.0.2.0/24', '(www).vip', DIRS)),
    ('subnet in host form', lambda d: [d['hostvars'][h].update(director_subnets={'eth0': '192.0.2.11/24', 'eth1': '198.51.100.11/24'})
                                       for h in d['directors']], None),
    ('subnet without prefix', lambda d: d['hostvars']['dir2'].update(director_subnets={'eth0': '192.0.2.0', 'eth1': '198.51.100.0/24'}),
     ('not a subnet in CIDR form', 'director_subnets.eth0', {'dir2'})),
    ('subnet prefix 33', lambda d: d['hostvars']['dir2']['director_subnets'].update(eth0='192.0.2.0/33'),
     ('not a subnet in CIDR form', 'director_subnets.eth0', {'dir2'})),
    ('subnets not a mapping', lambda d: d['hostvars']['dir2'].update(director_subnets=['192.0.2.0/24']),
     ('must be a mapping', 'director_subnets', {'dir2'})),
    # VIP equal to a host's address, or carried twice
    ('VIP is a director address', lambda d: svc(d, 'www').update(vip='192.0.2.11'), ('VIP 192.0.2.11 is the address of director dir1', '(www).vip', {'dir1'})),
    ('VIP is a real server address', lambda d: svc(d, 'tunnelled').update(vip='192.0.2.22'),
     ('VIP 192.0.2.22 is the address of real server web2', '(tunnelled).vip', {'web2'})),
    ('VIP is a literal real server address', lambda d: (svc(d, 'www')['real_servers'].append({'address': '192.0.2.50'}),
                                                        svc(d, 'tunnelled').update(vip='192.0.2.50')),
     ('VIP 192.0.2.50 is the address of real server all', '(tunnelled).vip', {'all'})),
    ('VIP carried by two instances', lambda d: inst(d, 'VI_NAT')['extra_vips'].append({'address': '192.0.2.100', 'dev': 'eth0'}),
     ('VIP 192.0.2.100 is carried by VRRP instances VI_NAT and VI_WEB', '(www).vip', {'all'})),
    # DR and TUN cannot change the port
    ('DR real server port differs', lambda d: rs(d, 'www').update(port=8080),
     ('real server port 8080 differs from the virtual port 80, which DR cannot translate', '(www).real_servers[0].port', {'all'})),
    ('TUN real server port differs', lambda d: rs(d, 'tunnelled').update(port=8443),
     ('port 8443 differs from the virtual port 443, which TUN cannot translate', '(tunnelled).real_servers[0].port', {'all'})),
    ('DR sorry server port differs', lambda d: svc(d, 'www').update(sorry_server={'address': '192.0.2.60', 'port': 8080}),
     ('sorry server port 8080 differs', '(www).sorry_server.port', {'all'})),
    ('DR port given and equal, NAT port translated', lambda d: rs(d, 'www').update(port=80), None),
    ('fwmark real server port ignored', lambda d: rs(d, 'marked').update(port=8080), None),
    # DR real servers share an L2 with the directors; TUN is routed
    ('DR real server off the subnets', lambda d: svc(d, 'www')['real_servers'].append({'address': '203.0.113.77'}),
     ('DR real server 203.0.113.77 of service www is not on a subnet of', '(www).real_servers (203.0.113.77)', DIRS)),
    ('DR sorry server off the subnets', lambda d: svc(d, 'www').update(sorry_server={'address': '203.0.113.60'}),
     ('DR sorry server 203.0.113.60 of service www is not on a subnet', '(www).sorry_server', DIRS)),
    ('DR real server on the second interface', lambda d: svc(d, 'www')['real_servers'].append({'address': '198.51.100.77'}), None),
    ('TUN real server anywhere', lambda d: svc(d, 'tunnelled')['real_servers'].append({'address': '203.0.113.11'}), None),
    # NAT real servers route back through the director
    ('NAT gateway VIP covers the real server', lambda d: d['hostvars']['app1'].pop('lvs_gateway'), None),
    ('NAT gateway is a service VIP', lambda d: d['hostvars']['app1'].update(lvs_gateway='192.0.2.102'), None),
    ('NAT without any way back', no_way_back,
     ('NAT real server app1 (198.51.100.21) of service app has no route back', '(app).real_servers (app1)', {'app1'})),
    ('NAT gateway not held by VRRP', lambda d: d['hostvars']['app1'].update(lvs_gateway='198.51.100.254'),
     ('gateway 198.51.100.254 is not an address VRRP instance VI_NAT and VI_WEB holds', 'lvs_gateway', {'app1'})),
    ('NAT gateway held by an instance of another sync group',
     lambda d: (inst(d, 'VI_NAT').pop('sync_group'), inst(d, 'VI_WEB').pop('sync_group')),
     ('gateway 198.51.100.1 is not an address VRRP instance VI_WEB holds', 'lvs_gateway', {'app1'})),
    ('NAT gateway is a director address', lambda d: d['hostvars']['app1'].update(lvs_gateway='192.0.2.12'),
     ('gateway 192.0.2.12 is the own address of director dir2', 'lvs_gateway', {'app1'})),
    ('NAT gateway not an address', lambda d: d['hostvars']['app1'].update(lvs_gateway='router.example'),
     ("'router.example' is not an IP address", 'lvs_gateway', {'app1'})),
    ('NAT gateway VIP off the real server subnet', lambda d: d['hostvars']['app1'].update(lvs_address='203.0.113.21'),
     ('gateway 198.51.100.1 (198.51.100.0/24) is not on the subnet of 203.0.113.21', 'lvs_gateway', {'app1'})),
    # names: scheduler, method, protocol, checker
    ('unknown scheduler', lambda d: svc(d, 'www').update(scheduler='fastest'), ("scheduler 'fastest' is not one of", '(www).scheduler', {'all'})),
    ('every scheduler', lambda d: [d['services'].append({'name': s, 'vip': '192.0.2.120', 'port': i + 1, 'scheduler': s, 'vrrp_instance': 'VI_WEB',
                                                         'real_servers': [{'host': 'web1'}]})
                                   for i, s in enumerate(preflight.model.SCHEDULERS)], None),
    ('unknown method', lambda d: svc(d, 'www').update(method='DSR'), ("method 'DSR' is not one of", '(www).method', {'all'})),
    ('method in lower case', lambda d: svc(d, 'www').update(method='dr'), None),
    ('unknown protocol', lambda d: svc(d, 'www').update(protocol='ICMP'), ("protocol 'ICMP' is not one of", '(www).protocol', {'all'})),
    ('unknown checker', lambda d: svc(d, 'www').update(checker={'type': 'LDAP_CHECK'}), ("checker type 'LDAP_CHECK' is not one of", '(www).checker', {'all'})),
    ('unknown real server checker', lambda d: rs(d, 'www').update(checker={'type': 'FTP_CHECK'}),
     ("checker type 'FTP_CHECK'", '(www).real_servers[0].checker', {'all'})),
    ('checker NONE and MISC_CHECK', lambda d: (svc(d, 'www').update(checker='NONE'),
                                               rs(d, 'www').update(checker={'type': 'MISC_CHECK', 'misc_path': '/bin/true'})), None),
    # weights
    ('weight 70000', lambda d: rs(d, 'www').update(weight=70000), ('weight 70000 is out of range 0..65535', '(www).real_servers[0].weight', {'all'})),
    ('weight -1', lambda d: rs(d, 'www', 1).update(weight=-1), ('weight -1 is out of range', '(www).real_servers[1].weight', {'all'})),
    ('weight 0 and 65535', lambda d: (rs(d, 'www').update(weight=0), rs(d, 'www', 1).update(weight=65535)), None),
    # auth_pass (keepalived cuts it at 8 characters)
    ('auth_pass of 9', lambda d: inst(d, 'VI_WEB').update(auth_pass='123456789'), ('auth_pass is longer than 8 characters', 'VI_WEB).auth_pass', {'all'})),
    ('auth_pass of 8', lambda d: inst(d, 'VI_WEB').update(auth_pass='12345678'), None),
    # priorities
    ('two directors, one priority', lambda d: inst(d, 'VI_WEB').update(priorities={'dir1': 100, 'dir3': 100}),
     ('dir1 and dir3 have the same priority 100 in VRRP instance VI_WEB', 'VI_WEB).priorities', {'dir1'})),
    ('two masters at 255', lambda d: inst(d, 'VI_WEB').update(priorities={'dir1': 255, 'dir2': 255}),
     ('dir1 and dir2 have the same priority 255', 'VI_WEB).priorities', {'dir1'})),
    ('master below a backup', lambda d: inst(d, 'VI_WEB').update(priorities={'dir1': 120, 'dir2': 110}),
     ('master dir2 has priority 110 but dir1 has 120', 'VI_WEB).priorities', {'dir2'})),
    ('distinct priorities, master highest', lambda d: inst(d, 'VI_WEB').update(priorities={'dir1': 120, 'dir2': 200, 'dir3': 50}), None),
    ('priority out of range', lambda d: inst(d, 'VI_WEB').update(priorities={'dir2': 300}),
     ('priority of dir2 300 is out of range', 'VI_WEB).priorities', {'all'})),
    ('master not a director', lambda d: inst(d, 'VI_WEB').update(master='web1'), ("master 'web1' is not in the directors group", 'VI_WEB).master', {'all'})),
    # real servers in the inventory and resolvable
    ('real server not in inventory', lambda d: rs(d, 'www').update(host='ghost'),
     ("host 'ghost' is not in the inventory", '(www).real_servers[0].host', {'all'})),
    ('real server without address', lambda d: d['hostvars']['web1'].update(ansible_host='web1.example'),
     ('host web1 has no address', 'real_servers[0].host', {'web1'})),
    ('real server with a bad lvs_address', lambda d: d['hostvars']['web2'].update(lvs_address='192.0.2.300'),
     ("lvs_address '192.0.2.300' is not an IP address", 'lvs_address', {'web2'})),
    ('DR real server host outside lvs_real_servers', lambda d: d['real_servers'].remove('web2'),
     ('web2 serves DR service', 'real_servers (web2)', {'web2'})),
    ('NAT real server host outside lvs_real_servers', lambda d: d['real_servers'].remove('app1'), None),
    # backup director
    ('one director', lambda d: (d['directors'].remove('dir1'), d['directors'].remove('dir3')),
     ('VRRP instances VI_WEB, VI_NAT have 1 director (dir2): no backup takes over', 'lvs_directors', {'dir2'})),
    ('two directors', lambda d: d['directors'].remove('dir3'), None),
    ('no VRRP instance with directors', lambda d: (d['instances'].clear(), [s.pop('vrrp_instance') for s in d['services']],
                                                   d['hostvars']['app1'].pop('lvs_gateway')),
     ('no VRRP instance carries VIP', 'lvs_virtual_services[', {'all'})),
    # what the model alone decides, with the item's real index
    ('service without port', lambda d: svc(d, 'app').pop('port'), ('needs "port"', 'lvs_virtual_services[3] (app)', {'all'})),
    ('duplicate service', lambda d: d['services'].append(dict(svc(d, 'www'), name='www-again')),
     ('duplicates virtual service www', 'lvs_virtual_services[4] (www-again)', {'all'})),
    ('unknown vrrp_instance', lambda d: svc(d, 'www').update(vrrp_instance='VI_X'),
     ("vrrp_instance 'VI_X' is not in", 'lvs_virtual_services[0] (www)', {'all'})),
    ('instance without interface', lambda d: inst(d, 'VI_NAT').pop('interface'), ('no interface', 'lvs_vrrp_instances (VI_NAT)', DIRS)),
    ('instance name twice', lambda d: d['instances'].append(dict(inst(d, 'VI_NAT'))), ('instance name VI_NAT is used twice', 'lvs_vrrp_instances[2]', {'all'})),
]


@pytest.mark.parametrize('name,mutate,expected', CASES, ids=[c[0] for c in CASES])
def test_rule(name, mutate, expected):
    data = copy.deepcopy(BASE)
    mutate(data)
    result = run(data)
    if expected is None:
        assert result['problems'] == [], name
        assert result['ok']
        return
    message, variable, hosts = expected
    assert result['problems'], '%s: no problem reported' % name
    assert not result['ok']
    for problem in result['problems']:
        assert message in problem['message'] and variable in problem['variable'], problem['text']
        assert problem['fix'], problem
    assert set(p['host'] for p in result['problems']) == hosts
    assert result['report'].count('\n  fix: ') == len(result['problems'])


def test_good_inventory_is_decided_without_warnings():
    result = run(copy.deepcopy(BASE))
    assert result == {'ok': True, 'problems': [], 'warnings': [], 'report': '', 'rollout_order': ['dir1', 'dir3', 'dir2']}


def test_without_subnets_the_subnet_rules_are_warnings():
    data = copy.deepcopy(BASE)
    subnets_off(data)
    svc(data, 'www').update(vip='203.0.113.100')
    svc(data, 'www')['real_servers'].append({'address': '203.0.113.77'})
    result = run(data)
    assert result['problems'] == []
    assert sorted(w['host'] for w in result['warnings']) == ['dir1', 'dir2', 'dir3']
    for warning in result['warnings']:
        assert warning['variable'] == 'director_subnets'
        assert 'not given for eth0, eth1' in warning['message'] and 'DR real servers' in warning['message']


def test_nat_real_server_outside_the_inventory_is_a_warning():
    data = copy.deepcopy(BASE)
    inst(data, 'VI_NAT')['extra_vips'][0]['prefix'] = 32
    data['hostvars']['app1']['lvs_gateway'] = '198.51.100.1'
    result = run(data)
    assert result['problems'] == []
    assert [w['variable'] for w in result['warnings']] == ['lvs_virtual_services[3] (app).real_servers (198.51.100.22)']
    assert 'cannot tell whether its replies go back' in result['warnings'][0]['message']


def test_an_inventory_without_directors_is_refused():
    data = copy.deepcopy(BASE)
    data['directors'] = []
    data['instances'] = []
    for service in data['services']:
        service.pop('vrrp_instance')
    result = run(data)
    assert [p['variable'] for p in result['problems']] == ['lvs_directors']
    assert result['rollout_order'] == []


# One fragment per rule the bad fixture breaks (the playbook test looks for the same ones).
with open(os.path.join(FIXTURES, 'bad-messages.txt')) as _handle:
    BAD_FIXTURE_MESSAGES = _handle.read().splitlines()


def test_every_problem_at_once():
    hostvars, groups = load(os.path.join(FIXTURES, 'bad'))
    result = preflight.check_inventory(hostvars, groups['lvs_directors'], groups['lvs_real_servers'])
    found = '\n'.join(p['text'] for p in result['problems'])
    for fragment in BAD_FIXTURE_MESSAGES:
        assert fragment in found, fragment
    assert len(result["problems"]) == 16


def test_several_problems_of_one_service_are_all_reported():
    data = copy.deepcopy(BASE)
    svc(data, 'www').update(scheduler='fastest')
    rs(data, 'www').update(port=8080, weight=70000)
    result = run(data)
    assert sorted(p['variable'] for p in result['problems']) == [
        'lvs_virtual_services[0] (www).real_servers[0].port',
        'lvs_virtual_services[0] (www).real_servers[0].weight',
        'lvs_virtual_services[0] (www).scheduler']


def test_a_bad_method_is_not_taken_for_the_default_dr():
    data = copy.deepcopy(BASE)
    svc(data, 'app').update(method='DSR')  # NAT with translated ports: no port problem as DR
    result = run(data)
    assert [p['variable'] for p in result['problems']] == ['lvs_virtual_services[3] (app).method']


def test_views_that_differ_between_hosts():
    hostvars, groups = load(os.path.join(FIXTURES, 'good'))
    hostvars['dir3'][preflight.SERVICES] = hostvars['dir3'][preflight.SERVICES][:1]
    hostvars['web2'].pop(preflight.SERVICES)
    result = preflight.check_inventory(hostvars, groups['lvs_directors'], groups['lvs_real_servers'])
    assert [(p['host'], p['variable']) for p in result['problems']] == [
        ('dir3', preflight.SERVICES), ('web2', preflight.SERVICES)]
    assert 'differs from what dir1 sees' in result['problems'][0]['message']


@pytest.mark.parametrize('instances,directors,order', [
    ([{'master': 'b'}], ['a', 'b', 'c'], ['a', 'c', 'b']),
    ([{'master': 'a'}, {'master': 'b'}], ['b', 'a'], ['a', 'b']),
    ([{'master': 'a'}, {'master': 'a'}, {'master': 'b'}], ['a', 'b', 'c'], ['c', 'b', 'a']),
    ([], ['b', 'a'], ['a', 'b']),
])
def test_rollout_order_backups_first_master_last(instances, directors, order):
    assert preflight.rollout_order(instances, directors) == order


def shipped():
    for path in sorted(glob.glob(os.path.join(REPO, 'tests', 'unit', 'fixtures', 'topologies', '*.yml'))):
        yield os.path.relpath(path, REPO)
    yield 'inventories/example'
    yield 'molecule/default/inventory'


@pytest.mark.parametrize('source', list(shipped()))
def test_shipped_inventories_pass(source):
    hostvars, groups = load(os.path.join(REPO, source))
    result = preflight.check_inventory(hostvars, groups.get('lvs_directors', []), groups.get('lvs_real_servers', []))
    assert result['problems'] == []
    # Only what these inventories do not say: director subnets, gateways of hosts outside them.
    for warning in result['warnings']:
        assert warning['variable'] == 'director_subnets' or 'NAT' in warning['message'], warning['text']
    assert sorted(result['rollout_order']) == sorted(groups['lvs_directors'])


def test_rules_across_items_see_items_with_field_problems():
    """One run lists every problem: a service with a bad field still takes part in the VIP rules,
    an instance with a bad field in the virtual_router_id rule."""
    data = copy.deepcopy(BASE)
    svc(data, 'www').update(scheduler='fastest', vip='203.0.113.100')
    inst(data, 'VI_NAT').update(interface='eth0', preempt_delay=-5)
    result = run(data)
    variables = sorted(set(p['variable'] for p in result['problems']))
    assert 'lvs_virtual_services[0] (www).scheduler' in variables
    assert 'lvs_virtual_services[0] (www).vip' in variables  # outside the subnets of eth0
    assert 'lvs_vrrp_instances[1] (VI_NAT).preempt_delay' in variables
    assert 'lvs_vrrp_instances (VI_NAT, VI_WEB)' in variables  # same virtual_router_id on eth0


def test_a_bad_field_is_not_also_reported_through_the_rules_it_was_left_out_of():
    data = copy.deepcopy(BASE)
    inst(data, 'VI_NAT').update(interface='eth 1')
    result = run(data)
    assert [p['variable'] for p in result['problems']] == ['lvs_vrrp_instances[1] (VI_NAT).interface']


def test_docs_list_every_range_and_role_variable():
    """docs/preflight.md names every numeric keyword the model ranges and every role variable it checks."""
    from ansible_collections.lvs.cluster.plugins.module_utils import model, settings
    with open(os.path.join(REPO, 'docs', 'preflight.md')) as handle:
        text = handle.read()
    names = set(k.replace('advert_int_v2', 'advert_int').replace('advert_int_v3', 'advert_int')
                .replace('virtual_port', 'port').replace('threshold', 'uthreshold') for k in model.RANGES)
    unranged = ('packages', 'sysctl', 'fast_rerun', 'ipvsadm_purge', 'handover', 'health_check', 'vrrp_strict',
                'vrrp_skip_check_adv_addr', 'smtp_alert', 'enable_script_security', 'log_detail', 'drain_wait')
    names |= set('director_' + k for k in settings.DIRECTOR if k not in unranged)
    names |= set('real_server_' + k for k in ('interface', 'rp_filter'))
    missing = sorted(name for name in names if '`%s' % name not in text)
    assert missing == [], missing


def test_docs_give_the_ranges_the_code_applies():
    """Each range of model.RANGES and of the numeric role variables appears, as LOW..HIGH, on a
    line of docs/preflight.md that names the keyword: a bound changed in the code and not in the
    docs (or the other way round) fails here."""
    from ansible_collections.lvs.cluster.plugins.module_utils import model, settings
    with open(os.path.join(REPO, 'docs', 'preflight.md')) as handle:
        lines = handle.read().splitlines()
    names = {'advert_int_v2': 'advert_int', 'advert_int_v3': 'advert_int', 'threshold': 'uthreshold'}
    wanted = [(names.get(key, key), low, high) for key, (low, high, _whole) in model.RANGES.items()
              if key != 'virtual_port']  # "a virtual port may be 0 with persistence", on the port line
    for groups, prefix in ((settings.DIRECTOR, 'director_'), (settings.REAL_SERVER, 'real_server_')):
        wanted += [(prefix + key, read.bounds[0], read.bounds[1]) for key, read in groups.items()
                   if hasattr(read, 'bounds')]
    wrong = [(name, '%s..%s' % (low, high)) for name, low, high in wanted
             if not any('`%s`' % name in line and '%s..%s' % (low, high) in line for line in lines)]
    assert wrong == [], wrong
