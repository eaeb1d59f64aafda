# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs.py, fed with real ipvsadm 1.31 output
(tests/unit/fixtures/ipvsadm, sliced verbatim from a real IPVS kernel's output)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os
import subprocess
import sys

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import ipvs
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs import (
    DesiredState,
    IgnoreList,
    IpvsError,
    Plan,
    parse_save,
    render_table,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ipvsadm')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def recorded():
    """The recorded table (ipvsadm -Sn): 13 services, 10 real servers."""
    return parse_save(fixture('save_n.txt'))


def recorded_with_thresholds():
    table = recorded()
    table.thresholds = ipvs.parse_thresholds(fixture('list_thresholds.txt'))
    return table


def as_params(table):
    """Module options declaring exactly ``table`` (what ipvsadm_info returns, minus the
    read-only keys): feeding info output back to the module must be a no-op."""
    services = []
    for svc in ipvs.table_to_list(table):
        svc = dict(svc)
        svc.pop('key')
        if svc['fwmark'] is None:
            svc.pop('family')
        svc['real_servers'] = [dict((k, v) for k, v in rs.items() if k != 'family')
                               for rs in svc['real_servers']]
        services.append(svc)
    return services


def find(services, **match):
    for svc in services:
        if all(svc.get(k) == v for k, v in match.items()):
            return svc
    raise AssertionError('no service %r' % (match,))


def plan_for(services, current=None, purge=False, ignore=None):
    current = recorded() if current is None else current
    return DesiredState.from_params(services, purge=purge, ignore=ignore).plan(current)


# ---------------------------------------------------------------------------
# Parsing recorded output
# ---------------------------------------------------------------------------

def test_parse_recorded_save_counts():
    table = recorded()
    assert len(table.services) == 13
    assert sum(len(d) for d in table.dests.values()) == 10


@pytest.mark.parametrize('name', ['save_n.txt', 'save.txt', 'save_n_after_batches.txt'])
def test_round_trip_parse_render_equals_recorded_text(name):
    text = fixture(name)
    assert render_table(parse_save(text)) == text


@pytest.mark.parametrize('key, expected', [
    ('tcp:192.0.2.100:80', dict(scheduler='wlc', persistence_timeout=50,
                                persistence_netmask=None, sched_flags=[], one_packet=False)),
    ('tcp:192.0.2.101:80', dict(scheduler='rr', persistence_timeout=None)),
    ('tcp:192.0.2.102:443', dict(scheduler='wrr', persistence_timeout=600,
                                 persistence_netmask='255.255.255.0')),
    ('udp:192.0.2.103:53', dict(protocol='udp', scheduler='sh', one_packet=True,
                                sched_flags=['sh-fallback', 'sh-port'])),
    ('tcp:[2001:db8::100]:80', dict(family='ipv6', address='2001:db8::100', port=80,
                                    scheduler='mh', sched_flags=['mh-fallback', 'mh-port'])),
    ('fwmark:7', dict(fwmark=7, family='ipv4', protocol=None, address=None, port=None,
                      scheduler='lc')),
    ('fwmark:9:ipv6', dict(fwmark=9, family='ipv6', scheduler='sed')),
    ('tcp:192.0.2.110:1053', dict(scheduler='ovf', real_servers=[])),
])
def test_parse_recorded_services(key, expected):
    svc = find(ipvs.table_to_list(recorded()), key=key)
    for name, value in expected.items():
        assert svc[name] == value, name


@pytest.mark.parametrize('key, address, expected', [
    ('tcp:192.0.2.100:80', '192.0.2.10', dict(port=80, method='route', weight=3)),
    ('tcp:192.0.2.101:80', '192.0.2.10', dict(weight=0)),
    ('tcp:192.0.2.102:443', '198.51.100.5', dict(port=8443, method='masq', weight=5,
                                                 upper_threshold=None, lower_threshold=None)),
    ('udp:192.0.2.103:53', '192.0.2.21', dict(method='tunnel', tun_type='ipip', tun_port=None,
                                              tun_csum=None)),
    ('tcp:[2001:db8::100]:80', '2001:db8::9', dict(port=80, method='route')),
    ('fwmark:7', '192.0.2.31', dict(port=0, weight=2)),
    ('fwmark:9:ipv6', '2001:db8::31', dict(port=0, weight=1)),
])
def test_parse_recorded_real_servers(key, address, expected):
    svc = find(ipvs.table_to_list(recorded()), key=key)
    rs = [r for r in svc['real_servers'] if r['address'] == address]
    assert len(rs) == 1
    for name, value in expected.items():
        assert rs[0][name] == value, name


def test_save_omits_thresholds_which_the_thresholds_listing_has():
    plain = find(ipvs.table_to_list(recorded()), key='tcp:192.0.2.102:443')
    assert [rs['upper_threshold'] for rs in plain['real_servers']] == [None, None]
    merged = find(ipvs.table_to_list(recorded_with_thresholds()), key='tcp:192.0.2.102:443')
    assert [(rs['upper_threshold'], rs['lower_threshold']) for rs in merged['real_servers']] \
        == [(100, 50), (0, 0)]


@pytest.mark.parametrize('name', ['list_n.txt', 'list_exact.txt', 'list_stats.txt',
                                  'list_rate.txt', 'list_thresholds.txt',
                                  'list_persistent_conn.txt'])
def test_listings_name_the_same_services_and_real_servers_as_save(name):
    table = recorded()
    header, services = ipvs.parse_listing(fixture(name))
    assert header == {'version': '1.2.1', 'size': 4096}
    assert sorted(spec for spec, dummy, dummy2 in services) == sorted(table.services)
    for spec, dummy, dests in services:
        assert sorted(dkey for dkey, dummy in dests) == sorted(table.dests[spec])


def test_listing_columns():
    services = dict((spec, (fields, dict(dests)))
                    for spec, fields, dests in ipvs.parse_listing(fixture('list_n.txt'))[1])
    assert services['-u 192.0.2.103:53'][0] == ['sh', '(sh-fallback,sh-port)', 'ops']
    assert services['-f 9 -6'][0] == ['sed']
    assert services['-t 192.0.2.102:443'][0] == ['wrr', 'persistent', '600', 'mask',
                                                 '255.255.255.0']
    assert services['-t 192.0.2.102:443'][1]['198.51.100.5:8443'] == ['Masq', '5', '0', '0']
    stats = dict((spec, fields) for spec, fields, dummy
                 in ipvs.parse_listing(fixture('list_stats.txt'))[1])
    assert stats['-f 9 -6'] == ['0', '0', '0', '0', '0']


def test_parse_thresholds_recorded():
    thresholds = ipvs.parse_thresholds(fixture('list_thresholds.txt'))
    assert thresholds['-t 192.0.2.102:443'] == {'198.51.100.5:8443': (100, 50),
                                                '198.51.100.6:8443': (0, 0)}
    assert thresholds['-f 9 -6'] == {'[2001:db8::31]:0': (0, 0)}
    assert thresholds['-t 192.0.2.110:1053'] == {}


def test_parse_timeout_and_daemon_recorded():
    assert ipvs.parse_timeout(fixture('list_timeout.txt')) == {'tcp': 900, 'tcpfin': 120,
                                                               'udp': 300}
    assert ipvs.parse_daemon(fixture('list_daemon.txt')) == [dict(
        state='master', mcast_interface='lo', syncid=5, maxlen=1472, group='224.0.0.81',
        port=8848, ttl=1)]
    assert ipvs.parse_daemon('') == []


@pytest.mark.parametrize('text, value', [('0', 0), ('123456789', 123456789), ('12K', 12000),
                                         ('3M', 3000000), ('7G', 7000000000)])
def test_parse_counter(text, value):
    assert ipvs.parse_counter(text) == value


@pytest.mark.parametrize('text', [
    'garbage\n',
    '-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1\n',          # real server before service
    '-A -t 192.0.2.1:80 -s rr\n-A -t 192.0.2.1:80 -s rr\n',  # service twice
    '-A -t not-an-address:80 -s rr\n',
])
def test_parse_save_rejects_what_it_does_not_understand(text):
    with pytest.raises(IpvsError):
        parse_save(text)


@pytest.mark.parametrize('body, expected', [
    ('-f 5 -r 192.0.2.9:0 -i -w 2 --tun-type gue --tun-port 6080 --tun-csum',
     dict(method='tunnel', tun_type='gue', tun_port=6080, tun_csum='csum')),
    ('-f 5 -r 192.0.2.9:0 -i -w 2 --tun-type gre --tun-nocsum',
     dict(method='tunnel', tun_type='gre', tun_csum='nocsum')),
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -m -w 2 -x 10 -y 5',
     dict(method='masq', upper_threshold=10, lower_threshold=5)),
])
def test_parse_dest_body_tunnel_and_threshold_options(body, expected):
    attrs = ipvs.parse_dest_body(body)
    for name, value in expected.items():
        assert attrs[name] == value, name


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
    assert ipvs.canonical_address(text) == expected


@pytest.mark.parametrize('text', ['web1', '192.0.2.300', '', '2001:db8::1::2'])
def test_canonical_address_rejects(text):
    with pytest.raises(IpvsError):
        ipvs.canonical_address(text)


@pytest.mark.parametrize('key, spec, canonical', [
    ('tcp:192.0.2.1:80', '-t 192.0.2.1:80', 'tcp:192.0.2.1:80'),
    ('TCP:192.0.2.1:80', '-t 192.0.2.1:80', 'tcp:192.0.2.1:80'),
    ('udp:[2001:DB8:0::1]:53', '-u [2001:db8::1]:53', 'udp:[2001:db8::1]:53'),
    ('sctp:192.0.2.1:5060', '--sctp-service 192.0.2.1:5060', 'sctp:192.0.2.1:5060'),
    ('fwmark:7', '-f 7', 'fwmark:7'),
    ('fwmark:9:ipv6', '-f 9 -6', 'fwmark:9:ipv6'),
])
def test_service_keys(key, spec, canonical):
    assert ipvs.key_spec(key) == spec
    assert ipvs.spec_key(spec) == canonical


@pytest.mark.parametrize('key', ['192.0.2.1:80', 'icmp:192.0.2.1:80', 'fwmark:x',
                                 'fwmark:7:ipv5', 'tcp:192.0.2.1'])
def test_service_keys_rejected(key):
    with pytest.raises(IpvsError):
        ipvs.key_spec(key)


# ---------------------------------------------------------------------------
# Desired state and diff
# ---------------------------------------------------------------------------

def test_info_shape_fed_back_is_a_no_op():
    plan = plan_for(as_params(recorded()))
    assert plan.lines == []
    assert not plan


def test_full_build_from_empty_table_is_the_recorded_save_text():
    """Built from nothing, the batch is exactly what ipvsadm -Sn printed for that table."""
    plan = plan_for(as_params(recorded()), current=parse_save(''))
    assert '\n'.join(plan.lines) + '\n' == fixture('save_n.txt')


def test_recorded_edit_batch_is_what_the_planner_produces():
    """The change from the first recorded table to the last one: the planner emits the
    recorded edit batch (-E, -e, -d) plus the two -a lines that took effect."""
    wanted = as_params(parse_save(fixture('save_n_after_batches.txt')))
    plan = plan_for(wanted)
    edit = fixture('restore_edit.batch').splitlines()
    added = [line for line in fixture('restore_failing_middle_line.batch').splitlines()
             if '192.0.2.9:80' not in line]
    assert sorted(plan.lines) == sorted(edit + added)
    assert plan.lines.index(edit[0]) < plan.lines.index(added[0])   # service edit first
    assert plan.summary == dict(added_services=0, edited_services=1, removed_services=0,
                                added_real_servers=2, edited_real_servers=1,
                                removed_real_servers=1)


def _edit(services, key_match, change=None, rs_address=None, rs_change=None, drop_rs=None,
          add_rs=None):
    services = copy.deepcopy(services)
    svc = find(services, **key_match)
    svc.update(change or {})
    if rs_address:
        [rs] = [r for r in svc['real_servers'] if r['address'] == rs_address]
        rs.update(rs_change)
    if drop_rs:
        svc['real_servers'] = [r for r in svc['real_servers'] if r['address'] != drop_rs]
    if add_rs:
        svc['real_servers'].append(add_rs)
    return services


BASE = as_params(recorded())


@pytest.mark.parametrize('services, expected', [
    pytest.param(
        _edit(BASE, dict(address='192.0.2.100', port=80), rs_address='192.0.2.10',
              rs_change=dict(weight=5)),
        ['-e -t 192.0.2.100:80 -r 192.0.2.10:80 -g -w 5'], id='weight-edit-is-e'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.101', port=80), change=dict(scheduler='wlc')),
        ['-E -t 192.0.2.101:80 -s wlc'], id='scheduler-edit-is-E'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.100', port=80), change=dict(persistence_timeout=120)),
        ['-E -t 192.0.2.100:80 -s wlc -p 120'], id='persistence-timeout'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.100', port=80), change=dict(persistence_timeout=None)),
        ['-E -t 192.0.2.100:80 -s wlc'], id='persistence-off'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.102', port=443), change=dict(persistence_netmask='16')),
        ['-E -t 192.0.2.102:443 -s wrr -p 600 -M 255.255.0.0'], id='persistence-netmask'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.102', port=443),
              change=dict(persistence_netmask='255.255.255.0')),
        [], id='netmask-same-as-dotted'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.103', port=53), change=dict(one_packet=False)),
        ['-E -u 192.0.2.103:53 -s sh -b sh-fallback,sh-port'], id='one-packet-off'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.103', port=53),
              change=dict(sched_flags=['sh-port', 'sh-fallback'])),
        [], id='flags-order-does-not-matter'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.101', port=80), rs_address='192.0.2.9',
              rs_change=dict(method='NAT')),
        ['-e -t 192.0.2.101:80 -r 192.0.2.9:80 -m -w 1'], id='method-edit'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.100', port=80), drop_rs='192.0.2.10'),
        ['-d -t 192.0.2.100:80 -r 192.0.2.10:80'], id='remove-real-server'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.100', port=80),
              add_rs=dict(address='192.0.2.11', port=None, weight=2)),
        ['-a -t 192.0.2.100:80 -r 192.0.2.11:80 -g -w 2'], id='add-real-server-default-port'),
    pytest.param(
        BASE + [dict(protocol='TCP', address='192.0.2.120', port=443, scheduler='rr',
                     real_servers=[dict(address='192.0.2.9'),
                                   dict(address='192.0.2.10', weight=0)])],
        ['-A -t 192.0.2.120:443 -s rr', '-a -t 192.0.2.120:443 -r 192.0.2.9:443 -g -w 1',
         '-a -t 192.0.2.120:443 -r 192.0.2.10:443 -g -w 0'], id='add-service'),
    pytest.param(
        BASE + [dict(address='192.0.2.101', port=80, state='absent')],
        None, id='duplicate-is-an-error'),
    pytest.param(
        [s for s in BASE if s.get('address') != '192.0.2.101']
        + [dict(address='192.0.2.101', port=80, state='absent')],
        ['-D -t 192.0.2.101:80'], id='remove-service'),
    pytest.param(
        [dict(address='192.0.2.199', port=80, state='absent')], [], id='absent-and-missing'),
    pytest.param(
        _edit(BASE, dict(fwmark=7), rs_address='192.0.2.31', rs_change=dict(weight=3)),
        ['-e -f 7 -r 192.0.2.31:0 -g -w 3'], id='fwmark-weight'),
    pytest.param(
        _edit(BASE, dict(fwmark=9), add_rs=dict(address='2001:db8::32')),
        ['-a -f 9 -6 -r [2001:db8::32]:0 -g -w 1'], id='fwmark-ipv6-add'),
    pytest.param(
        _edit(BASE, dict(fwmark=9), change=dict(persistence_timeout=30,
                                                persistence_netmask='/64')),
        ['-E -f 9 -6 -s sed -p 30 -M 64'], id='fwmark-ipv6-persistence'),
    pytest.param(
        _edit(BASE, dict(address='2001:db8::100', port=80), change=dict(
            address='2001:DB8:0:0:0:0:0:100'), rs_address='2001:db8::9',
            rs_change=dict(address='[2001:0db8::0009]')),
        [], id='ipv6-spelling-is-normalised'),
    pytest.param(
        _edit(BASE, dict(address='2001:db8::100', port=80), rs_address='2001:db8::9',
              rs_change=dict(weight=4)),
        ['-e -t [2001:db8::100]:80 -r [2001:db8::9]:80 -g -w 4'], id='ipv6-weight'),
    pytest.param(
        _edit(BASE, dict(address='192.0.2.103', port=53), rs_address='192.0.2.21',
              rs_change=dict(tun_type='gue', tun_port=6080)),
        ['-e -u 192.0.2.103:53 -r 192.0.2.21:53 -i -w 1 --tun-type gue --tun-port 6080 '
         '--tun-nocsum'], id='tunnel-type'),
])
def test_plan(services, expected):
    if expected is None:
        with pytest.raises(IpvsError, match='listed twice'):
            plan_for(services)
        return
    assert plan_for(services).lines == expected


def test_weight_edit_never_deletes_and_adds():
    services = copy.deepcopy(BASE)
    for svc in services:
        for rs in svc['real_servers']:
            rs['weight'] = rs['weight'] + 1
    plan = plan_for(services)
    assert len(plan) == 10
    assert all(line.startswith('-e ') for line in plan.lines)


@pytest.mark.parametrize('ignore, removed', [
    ([], ['-t 192.0.2.100:80', '-t 192.0.2.101:80', '-t 192.0.2.102:443', '-t 192.0.2.110:1053',
          '-t 192.0.2.110:1088', '-t 192.0.2.110:1090', '-t 192.0.2.110:1092',
          '-t 192.0.2.110:1094', '-t 192.0.2.110:1102', '-u 192.0.2.103:53',
          '-t [2001:db8::100]:80', '-f 7', '-f 9 -6']),
    (['tcp:192.0.2.100:80', 'fwmark:*', 'TCP:192.0.2.110:*', 'tcp:[2001:DB8::100]:80'],
     ['-t 192.0.2.101:80', '-t 192.0.2.102:443', '-u 192.0.2.103:53']),
    (['fwmark:7'], None),
])
def test_purge_with_ignore(ignore, removed):
    keep = [s for s in BASE if s.get('address') == '192.0.2.101'] if removed is None else []
    plan = plan_for(keep, purge=True, ignore=ignore)
    if removed is None:   # 192.0.2.101 declared, fwmark 7 ignored, the rest purged
        removed = [spec for spec in recorded().services
                   if spec not in ('-t 192.0.2.101:80', '-f 7')]
    assert plan.lines == ['-D ' + spec for spec in removed]


def test_without_purge_unlisted_services_stay():
    assert plan_for(BASE[:1]).lines == []


def test_ignore_does_not_protect_a_declared_service():
    services = [dict(address='192.0.2.101', port=80, state='absent')]
    assert plan_for(services, ignore=['tcp:192.0.2.101:80']).lines == ['-D -t 192.0.2.101:80']


def test_ignore_list_rejects_malformed_keys():
    with pytest.raises(IpvsError):
        IgnoreList(['192.0.2.1:80'])


# thresholds ----------------------------------------------------------------

def test_thresholds_merge_keeps_unmanaged_lower_threshold():
    services = _edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                     rs_change=dict(upper_threshold=200))
    desired = DesiredState.from_params(services)
    assert desired.manages_thresholds
    plan = desired.plan(recorded_with_thresholds())
    assert plan.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5 -x 200 -y 50']
    assert not plan.needs_thresholds


def test_thresholds_equal_to_the_kernel_are_no_change():
    services = _edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                     rs_change=dict(upper_threshold=100, lower_threshold=50))
    assert DesiredState.from_params(services).plan(recorded_with_thresholds()).lines == []


def test_thresholds_set_to_zero():
    services = _edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                     rs_change=dict(upper_threshold=0, lower_threshold=0))
    plan = DesiredState.from_params(services).plan(recorded_with_thresholds())
    assert plan.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5']


def test_edit_with_unknown_thresholds_asks_for_them_then_keeps_them():
    """-Sn hides thresholds, and -e resets what it is not given: an edit of a real server whose
    thresholds were not read must ask for them and then carry them over."""
    services = _edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                     rs_change=dict(weight=6))
    desired = DesiredState.from_params(services)
    assert not desired.manages_thresholds
    first = desired.plan(recorded())
    assert first.needs_thresholds
    second = desired.plan(recorded_with_thresholds())
    assert not second.needs_thresholds
    assert second.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 6 -x 100 -y 50']


def test_new_real_server_with_thresholds():
    services = _edit(BASE, dict(address='192.0.2.102', port=443),
                     add_rs=dict(address='198.51.100.7', port=8443, weight=1, method='masq',
                                 upper_threshold=10))
    plan = DesiredState.from_params(services).plan(recorded_with_thresholds())
    assert plan.lines == ['-a -t 192.0.2.102:443 -r 198.51.100.7:8443 -m -w 1 -x 10']


# validation ------------------------------------------------------------------

@pytest.mark.parametrize('service, message', [
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9', port=8080)]),
     'must be the service port 80'),
    (dict(address='192.0.2.1', port=80, one_packet=True), 'one_packet'),
    (dict(address='192.0.2.1', port=80, persistence_netmask='24'), 'needs persistence_timeout'),
    (dict(address='192.0.2.1', port=80, sched_flags=['sh-port']), 'needs scheduler sh'),
    (dict(address='192.0.2.1', port=80, scheduler='sh', sched_flags=['mh-port']),
     'needs scheduler mh'),
    (dict(address='192.0.2.1', port=0), 'port 0'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9'),
                                                      dict(address='192.0.2.9', port=80)]),
     'listed twice'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='2001:db8::9')]),
     'other address family'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='2001:db8::9',
                                                           method='tunnel', tun_port=1)]),
     'tun_port is only for tun_type gue'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9',
                                                           tun_type='gre')]),
     'need method tunnel'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9',
                                                           method='tunnel', tun_type='gue')]),
     'needs tun_port'),
    (dict(address='web1', port=80), 'not an IPv4 or IPv6 address'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='web2')]),
     r'real_servers\[0\]'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9', weight=70000)]),
     'weight must be between 0 and 65535'),
    (dict(address='192.0.2.1', port=80, persistence_timeout=86400 * 32),
     'persistence_timeout must be between'),
    (dict(address='192.0.2.1', port=80, persistence_timeout=10, persistence_netmask='33'),
     'prefix length'),
    (dict(fwmark=0), 'fwmark must be between'),
    (dict(fwmark=7, address='192.0.2.1'), 'fwmark service takes no'),
    (dict(address='192.0.2.1'), 'give address and port'),
    (dict(address='2001:db8::1', port=80, family='ipv4'), 'does not match'),
])
def test_invalid_services(service, message):
    with pytest.raises(IpvsError, match=message):
        DesiredState.from_params([service])


@pytest.mark.parametrize('service, line', [
    (dict(address='192.0.2.1', port=80, method='masq',
          real_servers=[dict(address='10.0.0.1', port=8080)]),
     '-a -t 192.0.2.1:80 -r 10.0.0.1:8080 -m -w 1'),
    (dict(address='192.0.2.1', port=80, method='DR', real_servers=[dict(address='10.0.0.1')]),
     '-a -t 192.0.2.1:80 -r 10.0.0.1:80 -g -w 1'),
    (dict(address='192.0.2.1', port=80, real_servers=[dict(address='2001:db8::1',
                                                           method='TUN')]),
     '-a -t 192.0.2.1:80 -r [2001:db8::1]:80 -i -w 1 --tun-type ipip'),
    (dict(fwmark=5, real_servers=[dict(address='10.0.0.1', method='tunnel', tun_type='gre',
                                       tun_csum='remcsum')]),
     '-a -f 5 -r 10.0.0.1:0 -i -w 1 --tun-type gre --tun-remcsum'),
    (dict(protocol='sctp', address='192.0.2.1', port=5060, real_servers=[dict(
        address='10.0.0.1')]),
     '-a --sctp-service 192.0.2.1:5060 -r 10.0.0.1:5060 -g -w 1'),
])
def test_real_server_lines(service, line):
    plan = DesiredState.from_params([service]).plan(parse_save(''))
    assert plan.lines[1] == line


# diff text -------------------------------------------------------------------

def test_result_table_renders_the_after_text():
    services = _edit(BASE, dict(address='192.0.2.100', port=80), rs_address='192.0.2.10',
                     rs_change=dict(weight=5))
    desired = DesiredState.from_params(services)
    current = recorded()
    before = render_table(current)
    after = render_table(desired.result_table(current))
    assert before == fixture('save_n.txt')
    assert after == before.replace('-r 192.0.2.10:80 -g -w 3', '-r 192.0.2.10:80 -g -w 5')


def test_result_table_with_purge_and_thresholds():
    current = recorded_with_thresholds()
    desired = DesiredState.from_params(BASE[2:3], purge=True)   # keep 192.0.2.102:443 only
    after = render_table(desired.result_table(current))
    assert after == ('-A -t 192.0.2.102:443 -s wrr -p 600 -M 255.255.255.0\n'
                     '-a -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5 -x 100 -y 50\n'
                     '-a -t 192.0.2.102:443 -r 198.51.100.6:8443 -m -w 3\n')


# batch failure detection -------------------------------------------------------

def test_failed_lines_from_the_recorded_failing_batch():
    """Replays the recorded batch whose middle line failed ('Destination already exists',
    exit status 0): the table read back afterwards shows which line did not take effect."""
    before = parse_save(fixture('save_n_after_batches.txt'))
    for dkey in ('192.0.2.9:80', '192.0.2.11:80', '192.0.2.12:80'):
        del before.dests['-t 192.0.2.100:80'][dkey]
    wanted = as_params(parse_save(fixture('save_n_after_batches.txt')))
    svc = find(wanted, address='192.0.2.100', port=80)
    svc['real_servers'] = [
        dict(address='192.0.2.11'), dict(address='192.0.2.9'), dict(address='192.0.2.12')]
    desired = DesiredState.from_params(wanted)
    plan = desired.plan(before)
    assert plan.lines == fixture('restore_failing_middle_line.batch').splitlines()
    after = parse_save(fixture('save_n_after_batches.txt'))   # read back after the batch
    residual = desired.plan(after)
    assert residual.lines == ['-e -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 1']
    assert plan.failed_lines(residual) == ['-a -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 1']


def test_failed_service_line_fails_its_real_servers_too():
    plan = Plan()
    plan.add('-t 192.0.2.1:80', '-A -t 192.0.2.1:80 -s twos', 'added_services')
    plan.add(('-t 192.0.2.1:80', '192.0.2.9:80'), '-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1',
             'added_real_servers')
    plan.add('-t 192.0.2.2:80', '-A -t 192.0.2.2:80 -s rr', 'added_services')
    residual = Plan()
    residual.add('-t 192.0.2.1:80', '-A -t 192.0.2.1:80 -s twos', 'added_services')
    assert plan.failed_lines(residual) == plan.lines[:2]


# ---------------------------------------------------------------------------
# Scale: 100 services x 100 real servers (as /work/shared/ipvsadm-samples/scale.sh)
# ---------------------------------------------------------------------------

def scale_rules(services=100, reals=100):
    """The rules scale.sh's gen() prints."""
    lines = []
    for s in range(1, services + 1):
        vip = '10.1.%d.%d:80' % (s // 250, s % 250 + 1)
        lines.append('-A -t %s -s wlc' % vip)
        for r in range(1, reals + 1):
            lines.append('-a -t %s -r 10.2.%d.%d:80 -g -w 1' % (vip, r // 250, r % 250 + 1))
    return '\n'.join(lines) + '\n'


def scale_params(services=100, reals=100):
    return [dict(address='10.1.%d.%d' % (s // 250, s % 250 + 1), port=80, scheduler='wlc',
                 real_servers=[dict(address='10.2.%d.%d' % (r // 250, r % 250 + 1), port=80,
                                    weight=1) for r in range(1, reals + 1)])
            for s in range(1, services + 1)]


@pytest.fixture(scope='module')
def scale_table():
    text = scale_rules()
    assert text.count('\n') == 10100
    return text, parse_save(text)


def test_scale_round_trip_and_no_op(scale_table):
    text, table = scale_table
    assert len(table) == 10100
    assert render_table(table) == text
    assert plan_for(scale_params(), current=table).lines == []


def test_scale_one_percent_change_yields_exactly_those_lines(scale_table):
    text, table = scale_table
    services = scale_params()
    expected = set()
    # 1 scheduler edit + 50 weight edits + 25 removals + 25 additions = 101 lines = 1%
    services[0]['scheduler'] = 'rr'
    expected.add('-E -t 10.1.0.2:80 -s rr')
    for i in range(50):
        svc = services[i * 2]
        rs = svc['real_servers'][i]
        rs['weight'] = 7
        expected.add('-e -t %s:80 -r %s:80 -g -w 7' % (svc['address'], rs['address']))
    for i in range(25):
        svc = services[99 - i]
        gone = svc['real_servers'].pop(99 - i)
        expected.add('-d -t %s:80 -r %s:80' % (svc['address'], gone['address']))
        svc['real_servers'].append(dict(address='10.3.0.%d' % (i + 1)))
        expected.add('-a -t %s:80 -r 10.3.0.%d:80 -g -w 1' % (svc['address'], i + 1))
    plan = plan_for(services, current=table)
    assert len(plan) == 101 == len(text.splitlines()) // 100
    assert set(plan.lines) == expected
    assert plan.summary == dict(added_services=0, edited_services=1, removed_services=0,
                                added_real_servers=25, edited_real_servers=50,
                                removed_real_servers=25)


def test_scale_purge_of_one_percent(scale_table):
    dummy, table = scale_table
    plan = plan_for(scale_params()[:99], current=table, purge=True)
    assert plan.lines == ['-D -t 10.1.0.101:80']


# ---------------------------------------------------------------------------
# Running ipvsadm -R without a deadlock
# ---------------------------------------------------------------------------

def test_grow_stdin_pipe_enlarges_a_real_pipe():
    fcntl = pytest.importorskip('fcntl')
    proc = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        get_size = getattr(fcntl, 'F_GETPIPE_SZ', 1032)
        assert fcntl.fcntl(proc.stdin.fileno(), get_size) < 1 << 20
        ipvs.grow_stdin_pipe(1 << 20)(proc)
        assert fcntl.fcntl(proc.stdin.fileno(), get_size) >= 1 << 20
    finally:
        proc.stdin.close()
        proc.wait()


def test_ipvsadm_argv_is_declared_in_one_place():
    class Module(object):
        def get_bin_path(self, name, required=False):
            assert (name, required) == ('ipvsadm', True)
            return '/sbin/ipvsadm'

    runner = ipvs.Ipvsadm(Module())
    assert runner.argv('save') == ['/sbin/ipvsadm', '-S', '-n']
    assert runner.argv('thresholds') == ['/sbin/ipvsadm', '-L', '-n', '--thresholds']
    assert runner.argv('stats') == ['/sbin/ipvsadm', '-L', '-n', '--stats', '--exact']
    assert runner.argv('timeouts') == ['/sbin/ipvsadm', '-L', '-n', '--timeout']
    assert runner.argv('daemon') == ['/sbin/ipvsadm', '-L', '--daemon']
    assert runner.argv('restore') == ['/sbin/ipvsadm', '-R']
    assert runner.argv('stats', exact=False) == ['/sbin/ipvsadm', '-L', '-n', '--stats']


def test_restore_through_run_command_survives_a_flood_on_stderr():
    """A real child that, like ipvsadm -R with failing lines, answers each stdin line with a
    line on stderr: with a batch far bigger than a pipe, run_command must still finish."""
    import threading
    from ansible.module_utils import basic
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:   # ansible-core < 2.19
        patch_module_args = None

    if patch_module_args is not None:
        with patch_module_args({}):
            module = basic.AnsibleModule(argument_spec={})
    else:
        import json
        from ansible.module_utils.common.text.converters import to_bytes
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': {}}))
        module = basic.AnsibleModule(argument_spec={})
    child = ('import sys\n'
             'for line in sys.stdin:\n'
             '    sys.stderr.write("Destination already exists\\n")\n')
    runner = ipvs.Ipvsadm.__new__(ipvs.Ipvsadm)
    runner.module = module
    runner.binary = sys.executable
    runner.COMMANDS = dict(ipvs.Ipvsadm.COMMANDS, restore='python_child')
    runner.ARG_FORMATS = dict(ipvs.Ipvsadm.ARG_FORMATS, python_child=lambda v: ['-c', child])
    lines = ['-a -t 10.1.0.%d:80 -r 10.2.0.%d:80 -g -w 1' % (i % 250, i % 200)
             for i in range(18000)]
    assert 8 * 65536 < len('\n'.join(lines)) < 1 << 20
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=runner.restore(lines)))
    worker.daemon = True
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), 'run_command deadlocked'
    dummy, rc, out, err = outcome['result']
    assert rc == 0
    assert err.count('Destination already exists\n') == 18000


# ---------------------------------------------------------------------------
# satisfied_by: the desired state recognised on the -Sn text, without parsing
# ---------------------------------------------------------------------------

def state_of(text, purge=False, ignore=None, absent=()):
    services = as_params(parse_save(text))
    services.extend(dict(state='absent', **ipvs.parse_spec(ipvs.key_spec(key)))
                    if key.startswith('fwmark') else
                    dict(state='absent', protocol=key.split(':')[0],
                         address=ipvs.split_addrport(key.partition(':')[2])[1],
                         port=ipvs.split_addrport(key.partition(':')[2])[2])
                    for key in absent)
    for svc in services:
        if svc.get('fwmark') is None:
            svc.pop('fwmark', None)
    return DesiredState.from_params(services, purge=purge, ignore=ignore)


SAVE = fixture('save_n.txt')
OTHER = '-A -t 192.0.2.200:80 -s rr\n-a -t 192.0.2.200:80 -r 192.0.2.9:80 -g -w 1\n'


def test_satisfied_by_the_recorded_table_itself():
    assert state_of(SAVE).satisfied_by(SAVE)
    # line order and trailing blank lines do not matter
    assert state_of(SAVE).satisfied_by('\n'.join(reversed(SAVE.splitlines())) + '\n\n')


@pytest.mark.parametrize('text', [
    SAVE.replace('-r 192.0.2.10:80 -g -w 3', '-r 192.0.2.10:80 -g -w 4'),   # other weight
    SAVE.replace('-A -t 192.0.2.101:80 -s rr\n', '-A -t 192.0.2.101:80 -s wlc\n'),
    '\n'.join(line for line in SAVE.splitlines() if '192.0.2.21:53' not in line),  # missing
    SAVE + '-a -t 192.0.2.101:80 -r 192.0.2.77:80 -g -w 1\n',   # an unwanted real server
    SAVE + 'IP Virtual Server version 1.2.1 (size=4096)\n',   # not -S output: parse decides
    '',
])
def test_not_satisfied_when_a_line_differs_is_missing_or_is_extra(text):
    assert not state_of(SAVE).satisfied_by(text)


def test_other_services_are_left_alone_unless_purged_or_absent():
    text = SAVE + OTHER
    assert state_of(SAVE).satisfied_by(text)
    assert not state_of(SAVE, purge=True).satisfied_by(text)
    assert state_of(SAVE, purge=True, ignore=['tcp:192.0.2.200:80']).satisfied_by(text)
    assert state_of(SAVE, purge=True, ignore=['tcp:192.0.2.2??:*']).satisfied_by(text)
    assert not state_of(SAVE, absent=['tcp:192.0.2.200:80']).satisfied_by(text)


def test_an_absent_ipv6_service_is_seen_in_any_spelling():
    text = SAVE + '-A -t [2001:DB8:0::77]:80 -s rr\n'
    assert state_of(SAVE).satisfied_by(text)
    assert not state_of(SAVE, absent=['tcp:[2001:db8::77]:80']).satisfied_by(text)
    assert state_of(SAVE, purge=True, ignore=['tcp:[2001:db8::77]:80']).satisfied_by(text)


def test_not_satisfied_when_thresholds_are_managed():
    services = as_params(recorded_with_thresholds())
    state = DesiredState.from_params(services)
    assert state.manages_thresholds
    assert not state.satisfied_by(SAVE)     # -Sn cannot show them: read and plan
    assert state.plan(recorded_with_thresholds()).lines == []


def mutations(text, rng, spelling=False):
    """Tables near ``text``: lines dropped, weights changed, real servers and services
    added, lines shuffled; with ``spelling``, also service lines spelled differently
    (a trailing blank: the same service once parsed)."""
    lines = text.splitlines()
    out = []
    for dummy in range(60):
        new = list(lines)
        for dummy in range(rng.randint(0, 3)):
            what = rng.randint(0, 5 if spelling else 4)
            i = rng.randrange(len(new))
            if what == 0 and len(new) > 1:
                del new[i]
            elif what == 1 and new[i].startswith('-a ') and ' -w ' in new[i]:
                new[i] = new[i].replace(' -w ', ' -w 1')
            elif what == 2:
                new.append('-a -t 192.0.2.100:80 -r 192.0.2.%d:80 -g -w 1' % rng.randint(1, 99))
            elif what == 3:
                new.extend(OTHER.splitlines())
            elif what == 4:
                rng.shuffle(new)
            elif what == 5 and new[i].startswith('-A '):
                new[i] = new[i] + ' '
        out.append('\n'.join(dict.fromkeys(new)) + '\n')
    return out


@pytest.mark.parametrize('purge', [False, True])
def test_satisfied_by_agrees_with_plan(purge):
    """satisfied_by(text) exactly when plan(parse_save(text)) is empty, for tables spelled
    the way ipvsadm prints them; spelled otherwise, satisfied_by may say no (then the module
    parses and plans) but never yes wrongly."""
    import random
    rng = random.Random(5)
    seen = set()
    for base in (SAVE, fixture('save_n_after_batches.txt')):
        state = state_of(base, purge=purge, ignore=['fwmark:*'])
        for spelling in (False, True):
            for text in mutations(base, rng, spelling):
                # services first (a shuffle may put a real server before its service)
                ordered = '\n'.join(sorted(text.splitlines(), key=lambda x: x[:3] != '-A '))
                try:
                    empty = not state.plan(parse_save(ordered))
                except IpvsError:   # a real server whose service line was dropped:
                    continue        # ipvsadm never prints that
                if spelling:
                    assert empty or not state.satisfied_by(text), text
                else:
                    assert state.satisfied_by(text) == empty, text
                    seen.add(empty)
    assert seen == {True, False}


# ---------------------------------------------------------------------------
# read_state: one -Sn; parsed only when the text is not already the desired state
# ---------------------------------------------------------------------------

class Reader(object):
    """An Ipvsadm stand-in: read() answers from recorded texts and logs the calls."""

    def __init__(self, save, thresholds=None):
        self.texts = dict(save=save, thresholds=thresholds or fixture('list_thresholds.txt'))
        self.calls = []

    def read(self, command):
        self.calls.append(command)
        return self.texts[command]


def test_read_state_satisfied_is_not_parsed():
    clock = ipvs.Stopwatch()
    reader = Reader(SAVE)
    state = ipvs.read_state(reader, state_of(SAVE), clock)
    assert (state.text, state.table, state.plan.lines) == (SAVE, None, [])
    assert reader.calls == ['save']
    assert set(clock.times) == {'read', 'diff', 'apply', 'verify'}


def test_read_state_parses_and_plans_otherwise():
    reader = Reader(SAVE + OTHER)
    state = ipvs.read_state(reader, state_of(SAVE, purge=True), ipvs.Stopwatch())
    assert state.table is not None and state.table.thresholds is None
    assert state.plan.lines == ['-D -t 192.0.2.200:80']
    forced = ipvs.read_state(Reader(SAVE), state_of(SAVE), ipvs.Stopwatch(), parse=True)
    assert forced.table is not None and forced.plan.lines == []


def test_read_state_reads_thresholds_when_managed_and_times_verify_apart():
    reader = Reader(SAVE)
    state = DesiredState.from_params(as_params(recorded_with_thresholds()))
    clock = ipvs.Stopwatch()
    after = ipvs.read_state(reader, state, clock, phase='verify')
    assert reader.calls == ['save', 'thresholds']
    assert after.plan.lines == [] and after.table.thresholds_text is not None
    assert clock.times['read'] == clock.times['diff'] == 0.0 < clock.times['verify']


def test_table_state_same_as():
    plain = ipvs.TableState(SAVE, None, Plan())
    parsed = ipvs.TableState(SAVE, recorded(), Plan())
    with_thr = ipvs.TableState(SAVE, recorded_with_thresholds(), Plan())
    with_thr.table.thresholds_text = fixture('list_thresholds.txt')
    other_thr = ipvs.TableState(SAVE, recorded_with_thresholds(), Plan())
    other_thr.table.thresholds_text = 'other'
    assert plain.same_as(parsed) and parsed.same_as(with_thr) and plain.same_as(with_thr)
    assert not with_thr.same_as(other_thr)
    assert not plain.same_as(ipvs.TableState(SAVE + OTHER, None, Plan()))


# ---------------------------------------------------------------------------
# Real servers rendered once per (service context, options)
# ---------------------------------------------------------------------------

def test_the_same_real_server_options_render_per_service_context():
    pool = [dict(address='192.0.2.9'), dict(address='192.0.2.10', weight=2)]
    services = [dict(address='192.0.2.1', port=80, real_servers=pool),
                dict(address='192.0.2.1', port=443, real_servers=pool),
                dict(address='192.0.2.2', port=80, method='masq', real_servers=pool),
                dict(fwmark=7, real_servers=pool)]
    state = DesiredState.from_params(services)
    assert state.plan(parse_save('')).lines == [
        '-A -t 192.0.2.1:80 -s wlc',
        '-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1',
        '-a -t 192.0.2.1:80 -r 192.0.2.10:80 -g -w 2',
        '-A -t 192.0.2.1:443 -s wlc',
        '-a -t 192.0.2.1:443 -r 192.0.2.9:443 -g -w 1',
        '-a -t 192.0.2.1:443 -r 192.0.2.10:443 -g -w 2',
        '-A -t 192.0.2.2:80 -s wlc',
        '-a -t 192.0.2.2:80 -r 192.0.2.9:80 -m -w 1',
        '-a -t 192.0.2.2:80 -r 192.0.2.10:80 -m -w 2',
        '-A -f 7 -s wlc',
        '-a -f 7 -r 192.0.2.9:0 -g -w 1',
        '-a -f 7 -r 192.0.2.10:0 -g -w 2',
    ]


def test_an_error_names_the_entry_even_after_the_same_options_were_fine():
    rs = dict(address='192.0.2.9', port=80, method='masq')
    services = [dict(address='192.0.2.1', port=80, real_servers=[rs]),
                dict(address='192.0.2.2', port=80, real_servers=[dict(rs, method=None)]),
                dict(address='192.0.2.3', port=443, real_servers=[dict(address='192.0.2.9'),
                                                                  dict(rs, method='route')])]
    with pytest.raises(IpvsError) as caught:
        DesiredState.from_params(services)
    assert str(caught.value) == ('services[2] (tcp:192.0.2.3:443) real_servers[1]: with method '
                                 'route the real server port must be the service port 443')


def test_repeated_real_server_is_caught_from_the_memo_too():
    rs = dict(address='192.0.2.9')
    with pytest.raises(IpvsError) as caught:
        DesiredState.from_params([dict(address='192.0.2.1', port=80, real_servers=[rs]),
                                  dict(address='192.0.2.2', port=80, real_servers=[rs, rs])])
    assert 'services[1] (tcp:192.0.2.2:80): real server 192.0.2.9:80 listed twice' in \
        str(caught.value)


def test_memoised_thresholds_and_unhashable_values():
    rs = dict(address='192.0.2.9', upper_threshold=10)
    state = DesiredState.from_params([
        dict(address='192.0.2.1', port=80, real_servers=[rs]),
        dict(address='192.0.2.2', port=80, real_servers=[rs, dict(address='192.0.2.10',
                                                                  tun_csum=[])]),
    ])
    assert state.table.thresholds == {'-t 192.0.2.1:80': {'192.0.2.9:80': (10, None)},
                                      '-t 192.0.2.2:80': {'192.0.2.9:80': (10, None)}}
    assert state.table.dests['-t 192.0.2.2:80']['192.0.2.10:80'] == \
        '-t 192.0.2.2:80 -r 192.0.2.10:80 -g -w 1'


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
    assert ipvs._is_canonical_ipv4(text) is expected


def test_stopwatch_counts_cpu_seconds_per_phase(monkeypatch):
    """A fake clock pair: each reading of the CPU clock advances it by one second."""
    ticks = iter(range(100))
    monkeypatch.setattr(ipvs, 'cpu_seconds', lambda: float(next(ticks)))
    clock = ipvs.Stopwatch()                     # cpu start: 0
    with clock.measure('read'):                  # 1 -> 2
        pass
    with clock.measure('read'):                  # 3 -> 4
        pass
    with clock.measure('verify'):                # 5 -> 6
        pass
    assert clock.cpu_dict() == dict(read=2.0, diff=0.0, apply=0.0, verify=1.0, total=7.0)


def test_cpu_seconds_include_waited_children():
    """What a child ran counts once it was waited for (run_command waits for ipvsadm)."""
    before = os.times()
    subprocess.run([sys.executable, '-c', 'sum(range(3000000))'], check=True)
    after = os.times()
    assert after[2] + after[3] > before[2] + before[3]
    assert ipvs.cpu_seconds() >= after[0] + after[1] + after[2] + after[3]
