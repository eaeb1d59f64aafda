# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs_desired.py: the services and table options validated and rendered."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import (
    DesiredState,
    IgnoreList,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    IpvsError,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_save,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_plan import (
    make_plan,
)
from ansible_collections.lvs.cluster.tests.unit.plugins.module_utils.ipvs_samples import (
    as_params,
    fixture,
    recorded,
    recorded_with_thresholds,
)

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
    plan = make_plan(DesiredState.from_params([service]), parse_save(''))
    assert plan.lines[1] == line


def test_ignore_list_rejects_malformed_keys():
    with pytest.raises(IpvsError):
        IgnoreList(['192.0.2.1:80'])


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
    assert make_plan(state, parse_save('')).lines == [
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


# the table option: ipvsadm -S lines validated by the module itself ---------------

def state_key(state):
    return (state.table.services, state.table.dests, state.table.thresholds, state.absent)


@pytest.mark.parametrize('table', [recorded(), recorded_with_thresholds()],
                         ids=['save', 'save-and-thresholds'])
def test_table_text_round_trip_is_the_same_state(table):
    """services -> table_text -> the table option gives the very same desired state."""
    from_services = DesiredState.from_params(as_params(table))
    text = from_services.table_text()
    from_table = DesiredState.from_params([], table=text)
    assert state_key(from_table) == state_key(from_services)
    assert from_table.manages_thresholds == bool(table.thresholds)


def test_recorded_save_text_is_a_valid_table():
    """ipvsadm -Sn output itself is a valid table: the state it declares is the recorded one."""
    state = DesiredState.from_params([], table=fixture('save_n.txt'))
    assert state_key(state) == state_key(DesiredState.from_params(as_params(recorded())))
    assert not state.manages_thresholds


def test_table_text_writes_managed_zero_thresholds_and_omits_unmanaged_ones():
    services = [dict(address='192.0.2.1', port=80, real_servers=[
        dict(address='192.0.2.9', upper_threshold=0, lower_threshold=0),
        dict(address='192.0.2.10', lower_threshold=5),
        dict(address='192.0.2.11')])]
    text = DesiredState.from_params(services).table_text()
    assert text == ('-A -t 192.0.2.1:80 -s wlc\n'
                    '-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1 -x 0 -y 0\n'
                    '-a -t 192.0.2.1:80 -r 192.0.2.10:80 -g -w 1 -y 5\n'
                    '-a -t 192.0.2.1:80 -r 192.0.2.11:80 -g -w 1\n')
    assert DesiredState.from_params([], table=text).table.thresholds == {
        '-t 192.0.2.1:80': {'192.0.2.9:80': (0, 0), '192.0.2.10:80': (None, 5)}}


def test_table_text_refuses_absent_services():
    with pytest.raises(IpvsError, match='present services only'):
        DesiredState.from_params([dict(fwmark=3, state='absent')]).table_text()


@pytest.mark.parametrize('line, body', [
    ('-A --tcp-service [2001:DB8::1]:80 -s rr', '-t [2001:db8::1]:80 -s rr'),
    ('-A -u 192.0.2.1:53 -s sh -b sh-port,sh-fallback -o', '-u 192.0.2.1:53 -s sh -o -b sh-fallback,sh-port'),
    ('-A -f 7 -6 -s wlc -p -M 64', '-f 7 -6 -s wlc -p 300 -M 64'),
    ('-A -t 192.0.2.1:0 -s wlc -p 60 -M 255.255.255.255', '-t 192.0.2.1:0 -s wlc -p 60'),
    ('-A  -t 192.0.2.1:80 -s lc  ', '-t 192.0.2.1:80 -s lc'),
])
def test_table_service_lines_are_normalised(line, body):
    state = DesiredState.from_params([], table=line + '\n')
    assert list(state.table.services.values()) == [body]


@pytest.mark.parametrize('tail, line', [
    ('-r 192.0.2.9:80 -g -w 1', '-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1'),
    ('-r 192.0.2.9:80', '-t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1'),
    ('-r 192.0.2.9:8080 --masquerading -w 0', '-t 192.0.2.1:80 -r 192.0.2.9:8080 -m -w 0'),
    ('-r [2001:db8::9]:80 -i -w 2', '-t 192.0.2.1:80 -r [2001:db8::9]:80 -i -w 2 --tun-type ipip'),
    ('-r 192.0.2.9:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum',
     '-t 192.0.2.1:80 -r 192.0.2.9:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum'),
    ('-r 192.0.2.9:80 -i -w 1 --tun-type gre', '-t 192.0.2.1:80 -r 192.0.2.9:80 -i -w 1 --tun-type gre --tun-nocsum'),
])
def test_table_real_server_lines_are_normalised(tail, line):
    state = DesiredState.from_params([], table='-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 %s\n' % tail)
    assert list(state.table.dests['-t 192.0.2.1:80'].values()) == [line]


@pytest.mark.parametrize('text, message', [
    ('-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1\n', 'table line 1: real server of a service not listed before it'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.2:80 -r 192.0.2.9:80 -g -w 1\n', 'table line 2: real server of a service not listed'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 192.0.2.9:80\n', 'table line 2: a real server line needs -r'),
    ('-E -t 192.0.2.1:80 -s wlc\n', 'table line 1: not an -A or -a line'),
    ('\n-A -t 192.0.2.1:80\n', 'table line 2: cannot parse'),
    ('-A -t 192.0.2.1:80 -s nosuch\n', 'table line 1'),
    ('-A -t 192.0.2.1:80 -s wlc -M 24\n', 'table line 1 .*needs persistence_timeout'),
    ('-A -t 192.0.2.1:80 -s wlc -o\n', 'one_packet is only for UDP'),
    ('-A -t 192.0.2.1:0 -s wlc\n', 'port 0 is only allowed for persistent'),
    ('-A -t 192.0.2.1:80 -s wlc -b sh-port\n', 'needs scheduler sh'),
    ('-A -t 192.0.2.1:80 -s wlc -p 9999999\n', 'persistence_timeout must be between'),
    ('-A -t 192.0.2.1:80 -s wlc -x 3\n', 'unexpected option'),
    ('-A -t 192.0.2.1:80 -s wlc\n-A -t 192.0.2.1:80 -s rr\n', 'table line 2: service tcp:192.0.2.1:80 listed twice'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 70000\n', 'table line 2.*weight must be between 0 and 65535'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:81 -g -w 1\n', 'must be the service port 80'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r [2001:db8::9]:80 -g -w 1\n', 'other address family'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1 --tun-type gre\n', 'need method tunnel'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -i -w 1 --tun-type gue\n', 'needs tun_port'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1 -x 2147483648\n', 'upper_threshold must be between'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1\n'
     '-a -t 192.0.2.1:80 -r 192.0.2.9:80 -m -w 2\n', 'table line 3: real server 192.0.2.9:80 listed twice'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r web1:80 -g -w 1\n', 'table line 2.*not an IPv4 or IPv6 address'),
    ('-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w x\n', 'table line 2: -w needs a number'),
])
def test_table_errors_name_the_line(text, message):
    with pytest.raises(IpvsError, match=message):
        DesiredState.from_params([], table=text)


def test_a_service_in_both_options_is_listed_twice():
    with pytest.raises(IpvsError, match='table line 1: service tcp:192.0.2.1:80 listed twice'):
        DesiredState.from_params([dict(address='192.0.2.1', port=80)],
                                 table='-A -t 192.0.2.1:80 -s wlc\n')
    with pytest.raises(IpvsError, match='listed twice'):
        DesiredState.from_params([dict(address='192.0.2.1', port=80, state='absent')],
                                 table='-A -t 192.0.2.1:80 -s wlc\n')


def test_table_and_services_together():
    state = DesiredState.from_params(
        [dict(address='192.0.2.2', port=80, state='absent'), dict(fwmark=4)],
        table='-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:80 -g -w 1\n')
    assert state.absent == ['-t 192.0.2.2:80']
    assert sorted(state.table.services) == ['-f 4', '-t 192.0.2.1:80']


def test_a_pool_line_is_checked_in_each_service_context():
    """The same real server line is fine behind port 80 and wrong behind port 443 (route
    keeps the service port): the memo is per service context, not per line."""
    line = '-r 192.0.2.9:80 -g -w 1'
    DesiredState.from_params([], table='-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 %s\n' % line)
    with pytest.raises(IpvsError, match='table line 4: .*must be the service port 443'):
        DesiredState.from_params([], table='-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 %s\n'
                                 '-A -t 192.0.2.2:443 -s wlc\n-a -t 192.0.2.2:443 %s\n' % (line, line))


# boundaries: the last value accepted and the first refused --------------------

RS = dict(address='192.0.2.9')


def svc(real_server=None, **options):
    return dict(dict(address='192.0.2.1', port=80), real_servers=[dict(RS, **(real_server or {}))],
                **options)


@pytest.mark.parametrize('service, message', [
    (svc(port=65535), None),
    (svc(port=65536), 'port must be between 0 and 65535'),
    (svc(port=-1), 'port must be between 0 and 65535'),
    (dict(fwmark=1), None),
    (dict(fwmark=0), 'fwmark must be between 1'),
    (dict(fwmark=2 ** 32 - 1), None),
    (dict(fwmark=2 ** 32), 'fwmark must be between 1'),
    (svc(persistence_timeout=86400 * 31), None),
    (svc(persistence_timeout=86400 * 31 + 1), 'persistence_timeout must be between 1 and 2678400'),
    (svc(dict(weight=0)), None),
    (svc(dict(weight=65535)), None),
    (svc(dict(weight=65536)), 'weight must be between 0 and 65535'),
    (svc(dict(weight=-1)), 'weight must be between 0 and 65535'),
    (svc(dict(method='tunnel', tun_type='gue', tun_port=1)), None),
    (svc(dict(method='tunnel', tun_type='gue', tun_port=65535)), None),
    (svc(dict(method='tunnel', tun_type='gue', tun_port=0)), 'tun_port must be between 1 and 65535'),
    (svc(dict(method='tunnel', tun_type='gue', tun_port=65536)), 'tun_port must be between 1 and 65535'),
    (svc(dict(upper_threshold=2 ** 31 - 1, lower_threshold=0)), None),
    (svc(dict(upper_threshold=2 ** 31)), 'upper_threshold must be between 0 and 2147483647'),
    (svc(dict(lower_threshold=-1)), 'lower_threshold must be between 0 and 2147483647'),
    (svc(dict(method='tunnel', tun_type='gre', tun_csum='csum')), None),
    (svc(dict(method='tunnel', tun_csum='csum')), 'tun_csum is only for tun_type gue and gre'),
    (svc(dict(port=81, method='masq')), None),
    (svc(dict(port=81, method='tunnel')), 'must be the service port'),
    (dict(fwmark=3, real_servers=[dict(address='192.0.2.9', port=81)]), None),
])
def test_boundaries(service, message):
    if message is None:
        DesiredState.from_params([service])
    else:
        with pytest.raises(IpvsError, match=message):
            DesiredState.from_params([service])


@pytest.mark.parametrize('family, netmask, body', [
    ('ipv4', '32', '-t 192.0.2.1:80 -s wlc -p 60'),
    ('ipv4', '255.255.255.255', '-t 192.0.2.1:80 -s wlc -p 60'),
    ('ipv4', '31', '-t 192.0.2.1:80 -s wlc -p 60 -M 255.255.255.254'),
    ('ipv4', '1', '-t 192.0.2.1:80 -s wlc -p 60 -M 128.0.0.0'),
    ('ipv4', '0', 'prefix length must be 1-32'),
    ('ipv4', '33', 'prefix length must be 1-32'),
    ('ipv4', '255.255.0.300', 'neither a netmask nor a prefix length'),
    ('ipv6', '128', '-t [2001:db8::1]:80 -s wlc -p 60'),
    ('ipv6', '/127', '-t [2001:db8::1]:80 -s wlc -p 60 -M 127'),
    ('ipv6', '1', '-t [2001:db8::1]:80 -s wlc -p 60 -M 1'),
    ('ipv6', '129', 'prefix length 1-128'),
    ('ipv6', '0', 'prefix length 1-128'),
])
def test_persistence_netmask(family, netmask, body):
    address = '192.0.2.1' if family == 'ipv4' else '2001:db8::1'
    service = dict(address=address, port=80, persistence_timeout=60, persistence_netmask=netmask)
    if body.startswith('-'):
        assert list(DesiredState.from_params([service]).table.services.values()) == [body]
    else:
        with pytest.raises(IpvsError, match=body):
            DesiredState.from_params([service])


@pytest.mark.parametrize('pattern, key, ignored', [
    ('tcp:[2001:db8::100]:*', '-t [2001:db8::100]:80', True),
    ('TCP:[2001:DB8::100]:*', '-t [2001:db8::100]:80', True),
    ('tcp:[2001:db8::100]:*', '-t [2001:db8::101]:80', False),
    ('tcp:192.0.2.1?:80', '-t 192.0.2.10:80', True),
    ('tcp:192.0.2.1?:80', '-t 192.0.2.1:80', False),
    ('fwmark:*', '-f 9 -6', True),
    ('udp:*', '-t 192.0.2.1:80', False),
])
def test_ignore_patterns(pattern, key, ignored):
    """'[' of an IPv6 key is literal in a pattern, not the start of a character class."""
    assert (key in IgnoreList([pattern])) is ignored
