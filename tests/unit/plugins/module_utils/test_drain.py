# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/drain.py: which real servers get a drain file, where a real server serves, the
drain files on a director, and the live table read against the inventory."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import drain
from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils.fields import ModelError

HOSTVARS = {
    'web1': {'lvs_address': '10.0.0.21'},
    'web2': {'lvs_address': '10.0.0.22'},
    'web6': {'lvs_address': '2001:db8::21'},
    'nat1': {'lvs_address': '10.1.0.5'},
}
SERVICES = [
    {'name': 'www', 'vip': '10.0.0.100', 'port': 80,
     'real_servers': [{'host': 'web1', 'weight': 3}, {'host': 'web2', 'weight': 0}]},
    {'name': 'tls', 'vip': '10.0.0.100', 'port': 443, 'real_servers': [{'address': '10.0.0.21', 'port': 8443}]},
    {'name': 'sticky', 'fwmark': 7, 'vips': ['10.0.0.101'], 'real_servers': [{'host': 'web1', 'weight': 2}]},
    {'name': 'v6', 'vip': '2001:db8::100', 'port': 80, 'real_servers': [{'host': 'web6'}]},
    {'name': 'static', 'vip': '10.0.0.102', 'port': 80, 'managed_by': 'ipvsadm',
     'real_servers': [{'host': 'nat1'}, {'host': 'web2'}]},
]


def svcs():
    return model.normalize_services([dict(s) for s in SERVICES], HOSTVARS)


def targets(real_server):
    return drain.targets(svcs(), real_server, model.service_key)


# --- keepalived.conf: which real servers get a FILE_CHECK -------------------------------------------

def test_attach_gives_each_weighted_real_server_its_file():
    services = [s for s in svcs() if s['managed_by'] == 'keepalived']
    files = drain.attach(services, '/srv/d')
    assert files == [
        {'name': 'lvs_drain_10.0.0.21', 'file': '/srv/d/10.0.0.21', 'address': '10.0.0.21'},
        {'name': 'lvs_drain_2001:db8::21', 'file': '/srv/d/2001:db8::21', 'address': '2001:db8::21'},
    ]
    marks = dict(((s['name'], rs['address']), rs['drain']) for s in services for rs in s['real_servers'])
    assert marks == {
        ('www', '10.0.0.21'): 'lvs_drain_10.0.0.21',
        ('www', '10.0.0.22'): None,                 # weight 0: no FILE_CHECK
        ('tls', '10.0.0.21'): 'lvs_drain_10.0.0.21',
        ('sticky', '10.0.0.21'): 'lvs_drain_10.0.0.21',
        ('v6', '2001:db8::21'): 'lvs_drain_2001:db8::21',
    }


def test_director_view_attaches_in_the_drain_dir():
    hostvars = dict(HOSTVARS, d1={'lvs_address': '10.0.0.11'})
    view = model.director_view(SERVICES, [], 'd1', ['d1'], hostvars, {'drain_dir': '/var/x'})
    assert [f['file'] for f in view['drain_files']] == ['/var/x/10.0.0.21', '/var/x/2001:db8::21']
    assert all('drain' not in rs for s in view['static_services'] for rs in s['real_servers'])


# --- where a real server serves -------------------------------------------------------------------------

def test_targets_by_host_name():
    found = targets('web1')
    assert found['address'] == '10.0.0.21' and found['host'] == 'web1'
    assert found['entries'] == [
        {'service': 'sticky', 'key': 'fwmark:7', 'port': 0, 'weight': 2},
        {'service': 'tls', 'key': 'tcp:10.0.0.100:443', 'port': 8443, 'weight': 1},
        {'service': 'www', 'key': 'tcp:10.0.0.100:80', 'port': 80, 'weight': 3},
    ]
    assert found['static_services'] == []


def test_targets_by_address_match_the_host_entries():
    assert targets(' 10.0.0.21 ')['entries'] == targets('web1')['entries']


def test_targets_ipv6_by_any_spelling():
    found = targets('2001:DB8:0::21')
    assert found['address'] == '2001:db8::21'
    assert found['entries'] == [{'service': 'v6', 'key': 'tcp:[2001:db8::100]:80', 'port': 80, 'weight': 1}]


def test_targets_name_static_services_beside():
    found = targets('web2')
    assert found['entries'] == [{'service': 'www', 'key': 'tcp:10.0.0.100:80', 'port': 80, 'weight': 0}]
    assert found['static_services'] == ['static']


@pytest.mark.parametrize('real_server, words', [
    ('nat1', ['only in services that keepalived does not own', 'static', 'weight 0 in the inventory']),
    ('web9', ['web9 is not a real server', 'web1', 'nat1']),
    ('10.9.9.9', ['not a real server']),
    ('', ['-e real_server=']),
    (None, ['-e real_server=']),
    (['web1'], ['-e real_server=']),
])
def test_targets_refused(real_server, words):
    with pytest.raises(ModelError) as caught:
        targets(real_server)
    assert caught.value.where == 'real_server'
    for word in words:
        assert word in str(caught.value)


def test_targets_refuse_a_name_with_two_addresses():
    services = [dict(SERVICES[0], real_servers=[{'host': 'web1'}]),
                dict(SERVICES[1], real_servers=[{'address': '10.0.0.29'}])]
    svc_list = model.normalize_services(services, dict(HOSTVARS, web1={'lvs_address': '10.0.0.21'}))
    svc_list[1]['real_servers'][0]['host'] = 'web1'     # as if the address named the host too
    with pytest.raises(ModelError, match='more than one address'):
        drain.targets(svc_list, 'web1', model.service_key)


# --- the files on a director ----------------------------------------------------------------------------

@pytest.mark.parametrize('text, drained', [
    ('1\n', True), ('1', True), (' 1 \n', True), ('2\n', True), ('-1\n', True),
    ('0\n', False), ('0', False), ('', False), ('\n', False), ('x\n', False),
])
def test_parse_state(text, drained):
    assert drain.parse_state(text) is drained


def test_read_state_and_drained_addresses(tmp_path):
    for name, text in (('10.0.0.21', '1\n'), ('10.0.0.22', '0\n'), ('2001:db8::21', '1\n'),
                       ('.lvs_drain_abc.conf', '1\n'), ('notes', '1\n'), ('10.0.0.3', '1\n')):
        (tmp_path / name).write_text(text)
    assert drain.read_state(str(tmp_path), '10.0.0.21') is True
    assert drain.read_state(str(tmp_path), '10.0.0.22') is False
    assert drain.read_state(str(tmp_path), '10.0.0.99') is False        # no file: serving
    assert drain.drained_addresses(str(tmp_path)) == ['10.0.0.21', '10.0.0.3', '2001:db8::21']
    assert drain.drained_addresses(str(tmp_path / 'missing')) == []


# --- the live table against the inventory ---------------------------------------------------------------

def table(weight_80=0, conns_80=(2, 5), with_443=True):
    services = [
        {'key': 'fwmark:7', 'real_servers': [
            {'address': '10.0.0.21', 'port': 0, 'weight': 0, 'active_conns': 0, 'inactive_conns': 1}]},
        {'key': 'tcp:10.0.0.100:80', 'real_servers': [
            {'address': '10.0.0.22', 'port': 80, 'weight': 0, 'active_conns': 9, 'inactive_conns': 9},
            {'address': '10.0.0.21', 'port': 80, 'weight': weight_80, 'active_conns': conns_80[0],
             'inactive_conns': conns_80[1]}]},
    ]
    if with_443:
        services.append({'key': 'tcp:10.0.0.100:443', 'real_servers': [
            {'address': '10.0.0.21', 'port': 443, 'weight': 1, 'active_conns': 4, 'inactive_conns': 4}]})
    return services


def test_observe_drained():
    entries = targets('web1')['entries']
    statuses = drain.observe(table(), '10.0.0.21', entries, True)
    by_key = dict((s['key'], s) for s in statuses)
    assert by_key['fwmark:7'] == {'service': 'sticky', 'key': 'fwmark:7', 'port': 0, 'expected_weight': 0,
                                  'present': True, 'weight': 0, 'active_conns': 0, 'inactive_conns': 1}
    assert by_key['tcp:10.0.0.100:80']['active_conns'] == 2          # web1's row, not web2's
    # the table's real server on 443 has port 443, the inventory says 8443: not this entry
    assert by_key['tcp:10.0.0.100:443']['present'] is False
    assert drain.unsettled(statuses) == []
    assert drain.connections(statuses) == (2, 6)


def test_observe_serving_expects_the_inventory_weights():
    statuses = drain.observe(table(weight_80=3), '10.0.0.21', targets('web1')['entries'], False)
    assert [(s['key'], s['expected_weight']) for s in drain.unsettled(statuses)] == [('fwmark:7', 2)]


def test_unsettled_while_keepalived_has_not_applied_it():
    statuses = drain.observe(table(weight_80=3), '10.0.0.21', targets('web1')['entries'], True)
    assert [s['key'] for s in drain.unsettled(statuses)] == ['tcp:10.0.0.100:80']


def test_absent_entries_are_not_waited_for():
    statuses = drain.observe(table(with_443=False), '10.0.0.21', targets('web1')['entries'], True)
    assert [s['key'] for s in statuses if not s['present']] == ['tcp:10.0.0.100:443']
    assert drain.connections(statuses) == (2, 6)


def test_observe_ipv6_canonical():
    services = [{'key': 'tcp:[2001:db8::100]:80', 'real_servers': [
        {'address': '2001:db8:0:0::21', 'port': 80, 'weight': 0, 'active_conns': 1, 'inactive_conns': 0}]}]
    statuses = drain.observe(services, '2001:DB8::21', targets('web6')['entries'], True)
    assert statuses[0]['present'] is True and drain.connections(statuses) == (1, 0)


# --- what the playbook says -------------------------------------------------------------------------------

def test_summary_of_a_drain():
    found = targets('web1')
    start = drain.observe(table(weight_80=3), '10.0.0.21', found['entries'], True)
    end = drain.observe(table(), '10.0.0.21', found['entries'], True)
    done = drain.observe(table(conns_80=(0, 0)), '10.0.0.21', found['entries'], True)
    set_result = {'changed': True, 'drained': ['10.0.0.21'], 'entries': end, 'at_start': start,
                  'waited': {'weight': 0.5}}
    wait_result = {'changed': False, 'entries': done, 'at_start': end, 'waited': {'connections': 12.5}}
    lines = drain.summary(found, set_result, wait_result)
    assert lines[0] == 'web1 (10.0.0.21) is drained here'
    assert 'www (tcp:10.0.0.100:80, port 80): weight 3 -> 0' in lines
    assert 'sticky (fwmark:7, port 0): weight 0' in lines
    assert 'tls (tcp:10.0.0.100:443, port 8443): not in the IPVS table (its checker failed), nothing to wait for' in lines
    assert 'keepalived set the weights within 0.5 s' in lines
    assert lines[-1] == 'connections here at the start of the wait: 2 active, 6 inactive; none left after 12.5 s'


def test_summary_of_a_return_that_changed_nothing():
    found = targets('web2')
    statuses = drain.observe(table(), '10.0.0.22', found['entries'], False)
    lines = drain.summary(found, {'changed': False, 'drained': [], 'entries': statuses, 'at_start': statuses,
                                  'waited': {'weight': 0.0}}, {'skipped': True})
    assert lines[0] == 'web2 (10.0.0.22) is serving here (it already was)'
    assert lines[-1] == 'not drained (managed_by: ipvsadm, no keepalived): static'
    assert not any(line.startswith('connections') for line in lines)


def test_desired_table_of_the_health_check_has_drained_real_servers_at_0():
    """The rollout's health check compares the live table with this: a drained real server is at 0
    where keepalived applies its file, and nowhere else (weight 0 anyway, or a static service)."""
    hostvars = dict(HOSTVARS, d1={'lvs_address': '10.0.0.11'})
    view = model.director_view(SERVICES, [], 'd1', ['d1'], hostvars)
    weights = dict(((svc.get('address') or svc.get('fwmark'), svc.get('port'), rs['address']), rs['weight'])
                   for svc in model.ipvsadm_services(view['virtual_servers'] + view['static_services'],
                                                     ['10.0.0.21', '10.0.0.22'])
                   for rs in svc['real_servers'])
    assert weights == {
        ('10.0.0.100', 80, '10.0.0.21'): 0, ('10.0.0.100', 80, '10.0.0.22'): 0,
        ('10.0.0.100', 443, '10.0.0.21'): 0, (7, None, '10.0.0.21'): 0,
        ('2001:db8::100', 80, '2001:db8::21'): 1,                 # not drained
        ('10.0.0.102', 80, '10.1.0.5'): 1, ('10.0.0.102', 80, '10.0.0.22'): 1,   # static: no keepalived
    }
    undrained = model.ipvsadm_services(view['virtual_servers'])
    assert [rs['weight'] for svc in undrained for rs in svc['real_servers']] == [
        rs['weight'] for svc in view['virtual_servers'] for rs in svc['real_servers']]
