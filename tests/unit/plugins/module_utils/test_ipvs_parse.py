# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs_parse.py, fed with real ipvsadm 1.31 output (tests/unit/fixtures/ipvsadm)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    IpvsError,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_counter,
    parse_daemon,
    parse_dest_body,
    parse_listing,
    parse_save,
    parse_thresholds,
    parse_timeout,
    render_table,
    same_dest,
    same_service,
    table_to_list,
)
from ansible_collections.lvs.cluster.tests.unit.plugins.module_utils.ipvs_samples import (
    find,
    fixture,
    recorded,
    recorded_with_thresholds,
)

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
    svc = find(table_to_list(recorded()), key=key)
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
    svc = find(table_to_list(recorded()), key=key)
    rs = [r for r in svc['real_servers'] if r['address'] == address]
    assert len(rs) == 1
    for name, value in expected.items():
        assert rs[0][name] == value, name


def test_save_omits_thresholds_which_the_thresholds_listing_has():
    plain = find(table_to_list(recorded()), key='tcp:192.0.2.102:443')
    assert [rs['upper_threshold'] for rs in plain['real_servers']] == [None, None]
    merged = find(table_to_list(recorded_with_thresholds()), key='tcp:192.0.2.102:443')
    assert [(rs['upper_threshold'], rs['lower_threshold']) for rs in merged['real_servers']] \
        == [(100, 50), (0, 0)]


@pytest.mark.parametrize('name', ['list_n.txt', 'list_exact.txt', 'list_stats.txt',
                                  'list_rate.txt', 'list_thresholds.txt',
                                  'list_persistent_conn.txt'])
def test_listings_name_the_same_services_and_real_servers_as_save(name):
    table = recorded()
    header, services = parse_listing(fixture(name))
    assert header == {'version': '1.2.1', 'size': 4096}
    assert sorted(spec for spec, dummy, dummy2 in services) == sorted(table.services)
    for spec, dummy, dests in services:
        assert sorted(dkey for dkey, dummy in dests) == sorted(table.dests[spec])


def test_listing_columns():
    services = dict((spec, (fields, dict(dests)))
                    for spec, fields, dests in parse_listing(fixture('list_n.txt'))[1])
    assert services['-u 192.0.2.103:53'][0] == ['sh', '(sh-fallback,sh-port)', 'ops']
    assert services['-f 9 -6'][0] == ['sed']
    assert services['-t 192.0.2.102:443'][0] == ['wrr', 'persistent', '600', 'mask',
                                                 '255.255.255.0']
    assert services['-t 192.0.2.102:443'][1]['198.51.100.5:8443'] == ['Masq', '5', '0', '0']
    stats = dict((spec, fields) for spec, fields, dummy
                 in parse_listing(fixture('list_stats.txt'))[1])
    assert stats['-f 9 -6'] == ['0', '0', '0', '0', '0']


def test_parse_thresholds_recorded():
    thresholds = parse_thresholds(fixture('list_thresholds.txt'))
    assert thresholds['-t 192.0.2.102:443'] == {'198.51.100.5:8443': (100, 50),
                                                '198.51.100.6:8443': (0, 0)}
    assert thresholds['-f 9 -6'] == {'[2001:db8::31]:0': (0, 0)}
    assert thresholds['-t 192.0.2.110:1053'] == {}


def test_parse_timeout_and_daemon_recorded():
    assert parse_timeout(fixture('list_timeout.txt')) == {'tcp': 900, 'tcpfin': 120,
                                                          'udp': 300}
    assert parse_daemon(fixture('list_daemon.txt')) == [dict(
        state='master', mcast_interface='lo', syncid=5, maxlen=1472, group='224.0.0.81',
        port=8848, ttl=1)]
    assert parse_daemon('') == []


@pytest.mark.parametrize('text, value', [('0', 0), ('123456789', 123456789), ('12K', 12000),
                                         ('3M', 3000000), ('7G', 7000000000)])
def test_parse_counter(text, value):
    assert parse_counter(text) == value


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
    attrs = parse_dest_body(body)
    for name, value in expected.items():
        assert attrs[name] == value, name


@pytest.mark.parametrize('body, expected', [
    ('-f 5 -r 192.0.2.9:0 -i -w 2 --tun-type gre', dict(tun_type='gre', tun_csum='nocsum')),
    ('-f 5 -r 192.0.2.9:0 -i -w 2 --tun-type gue --tun-port 6080',
     dict(tun_type='gue', tun_port=6080, tun_csum='nocsum')),
    ('-f 5 -r 192.0.2.9:0 -i -w 2', dict(tun_type='ipip', tun_csum=None)),
    ('-f 5 -r 192.0.2.9:0 -g -w 2 --tun-type gre', dict(method='route', tun_type=None)),
])
def test_parse_dest_body_tunnel_defaults(body, expected):
    attrs = parse_dest_body(body)
    for name, value in expected.items():
        assert attrs[name] == value, name


@pytest.mark.parametrize('a, b, same', [
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1', '-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1 -y 5', True),
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1 -x 3', '-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1', True),
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1', '-t 192.0.2.1:80 -r 192.0.2.9:80 --gatewaying -w 1', True),
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1', '-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 2', False),
    ('-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1', '-t 192.0.2.1:80 -r 192.0.2.9:80 -m -w 1', False),
])
def test_same_dest_compares_all_but_thresholds(a, b, same):
    """-S never prints thresholds: they are compared apart (ipvs_plan), never here."""
    assert same_dest(a, b) is same
    assert same_dest(b, a) is same


@pytest.mark.parametrize('a, b, same', [
    ('-t 192.0.2.1:80 -s wlc -p 300', '-t 192.0.2.1:80 -s wlc -p', True),
    ('-t 192.0.2.1:80 -s wlc -p 60 -M 255.255.255.255', '-t 192.0.2.1:80 -s wlc -p 60', True),
    ('-t 192.0.2.1:80 -s wlc -p 60', '-t 192.0.2.1:80 -s wlc -p 61', False),
    ('-t 192.0.2.1:80 -s wlc -b flag-3', '-t 192.0.2.1:80 -s wlc', False),
])
def test_same_service(a, b, same):
    assert same_service(a, b) is same
