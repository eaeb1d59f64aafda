# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs_plan.py: the diff, the batch, the no-op on the text, one timed read."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os
import subprocess
import sys

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import (
    DesiredState,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    IpvsError,
    key_spec,
    parse_spec,
    split_addrport,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_save,
    render_table,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_plan import (
    cpu_seconds,
    make_plan,
    Plan,
    read_state,
    result_table,
    satisfied_by,
    Stopwatch,
    TableState,
)
from ansible_collections.lvs.cluster.plugins.module_utils import ipvs_plan
from ansible_collections.lvs.cluster.tests.unit.plugins.module_utils.ipvs_samples import (
    as_params,
    edit,
    find,
    fixture,
    plan_for,
    recorded,
    recorded_with_thresholds,
)

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


BASE = as_params(recorded())


@pytest.mark.parametrize('services, expected', [
    pytest.param(
        edit(BASE, dict(address='192.0.2.100', port=80), rs_address='192.0.2.10',
             rs_change=dict(weight=5)),
        ['-e -t 192.0.2.100:80 -r 192.0.2.10:80 -g -w 5'], id='weight-edit-is-e'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.101', port=80), change=dict(scheduler='wlc')),
        ['-E -t 192.0.2.101:80 -s wlc'], id='scheduler-edit-is-E'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.100', port=80), change=dict(persistence_timeout=120)),
        ['-E -t 192.0.2.100:80 -s wlc -p 120'], id='persistence-timeout'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.100', port=80), change=dict(persistence_timeout=None)),
        ['-E -t 192.0.2.100:80 -s wlc'], id='persistence-off'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.102', port=443), change=dict(persistence_netmask='16')),
        ['-E -t 192.0.2.102:443 -s wrr -p 600 -M 255.255.0.0'], id='persistence-netmask'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.102', port=443),
             change=dict(persistence_netmask='255.255.255.0')),
        [], id='netmask-same-as-dotted'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.103', port=53), change=dict(one_packet=False)),
        ['-E -u 192.0.2.103:53 -s sh -b sh-fallback,sh-port'], id='one-packet-off'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.103', port=53),
             change=dict(sched_flags=['sh-port', 'sh-fallback'])),
        [], id='flags-order-does-not-matter'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.101', port=80), rs_address='192.0.2.9',
             rs_change=dict(method='NAT')),
        ['-e -t 192.0.2.101:80 -r 192.0.2.9:80 -m -w 1'], id='method-edit'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.100', port=80), drop_rs='192.0.2.10'),
        ['-d -t 192.0.2.100:80 -r 192.0.2.10:80'], id='remove-real-server'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.100', port=80),
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
        edit(BASE, dict(fwmark=7), rs_address='192.0.2.31', rs_change=dict(weight=3)),
        ['-e -f 7 -r 192.0.2.31:0 -g -w 3'], id='fwmark-weight'),
    pytest.param(
        edit(BASE, dict(fwmark=9), add_rs=dict(address='2001:db8::32')),
        ['-a -f 9 -6 -r [2001:db8::32]:0 -g -w 1'], id='fwmark-ipv6-add'),
    pytest.param(
        edit(BASE, dict(fwmark=9), change=dict(persistence_timeout=30,
                                               persistence_netmask='/64')),
        ['-E -f 9 -6 -s sed -p 30 -M 64'], id='fwmark-ipv6-persistence'),
    pytest.param(
        edit(BASE, dict(address='2001:db8::100', port=80), change=dict(
            address='2001:DB8:0:0:0:0:0:100'), rs_address='2001:db8::9',
            rs_change=dict(address='[2001:0db8::0009]')),
        [], id='ipv6-spelling-is-normalised'),
    pytest.param(
        edit(BASE, dict(address='2001:db8::100', port=80), rs_address='2001:db8::9',
             rs_change=dict(weight=4)),
        ['-e -t [2001:db8::100]:80 -r [2001:db8::9]:80 -g -w 4'], id='ipv6-weight'),
    pytest.param(
        edit(BASE, dict(address='192.0.2.103', port=53), rs_address='192.0.2.21',
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


# thresholds ----------------------------------------------------------------

def test_thresholds_merge_keeps_unmanaged_lower_threshold():
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                    rs_change=dict(upper_threshold=200))
    desired = DesiredState.from_params(services)
    assert desired.manages_thresholds
    plan = make_plan(desired, recorded_with_thresholds())
    assert plan.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5 -x 200 -y 50']
    assert not plan.needs_thresholds


RS5 = '-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5'     # kernel: -x 100 -y 50
RS6 = '-e -t 192.0.2.102:443 -r 198.51.100.6:8443 -m -w 3'     # kernel: -x 0 -y 0


@pytest.mark.parametrize('address, change, lines', [
    pytest.param('198.51.100.5', dict(lower_threshold=40), [RS5 + ' -x 100 -y 40'],
                 id='only-the-lower-threshold-changes'),
    pytest.param('198.51.100.5', dict(upper_threshold=90), [RS5 + ' -x 90 -y 50'],
                 id='only-the-upper-threshold-changes'),
    pytest.param('198.51.100.5', dict(upper_threshold=90, lower_threshold=40),
                 [RS5 + ' -x 90 -y 40'], id='both-change'),
    pytest.param('198.51.100.5', dict(lower_threshold=0), [RS5 + ' -x 100'],
                 id='lower-threshold-to-zero'),
    pytest.param('198.51.100.5', dict(lower_threshold=50), [], id='lower-threshold-same'),
    pytest.param('198.51.100.5', dict(upper_threshold=100), [], id='upper-threshold-same'),
    pytest.param('198.51.100.6', dict(lower_threshold=7), [RS6 + ' -y 7'],
                 id='only-the-lower-threshold-from-zero'),
    pytest.param('198.51.100.6', dict(upper_threshold=0, lower_threshold=0), [],
                 id='zero-thresholds-same'),
])
def test_threshold_changes(address, change, lines):
    """Thresholds are not in -Sn; each one that differs from the kernel's (-Ln --thresholds)
    must produce an edit, and the edit carries the other one (-e resets what it lacks)."""
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address=address,
                    rs_change=change)
    plan = make_plan(DesiredState.from_params(services), recorded_with_thresholds())
    assert plan.lines == lines
    assert plan.summary['edited_real_servers'] == len(lines)


def test_thresholds_equal_to_the_kernel_are_no_change():
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                    rs_change=dict(upper_threshold=100, lower_threshold=50))
    assert make_plan(DesiredState.from_params(services), recorded_with_thresholds()).lines == []


def test_thresholds_set_to_zero():
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                    rs_change=dict(upper_threshold=0, lower_threshold=0))
    plan = make_plan(DesiredState.from_params(services), recorded_with_thresholds())
    assert plan.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 5']


def test_edit_with_unknown_thresholds_asks_for_them_then_keeps_them():
    """-Sn hides thresholds, and -e resets what it is not given: an edit of a real server whose
    thresholds were not read must ask for them and then carry them over."""
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                    rs_change=dict(weight=6))
    desired = DesiredState.from_params(services)
    assert not desired.manages_thresholds
    first = make_plan(desired, recorded())
    assert first.needs_thresholds
    second = make_plan(desired, recorded_with_thresholds())
    assert not second.needs_thresholds
    assert second.lines == ['-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 6 -x 100 -y 50']


def test_new_real_server_with_thresholds():
    services = edit(BASE, dict(address='192.0.2.102', port=443),
                    add_rs=dict(address='198.51.100.7', port=8443, weight=1, method='masq',
                                upper_threshold=10))
    plan = make_plan(DesiredState.from_params(services), recorded_with_thresholds())
    assert plan.lines == ['-a -t 192.0.2.102:443 -r 198.51.100.7:8443 -m -w 1 -x 10']


# diff text -------------------------------------------------------------------

def test_result_table_renders_the_after_text():
    services = edit(BASE, dict(address='192.0.2.100', port=80), rs_address='192.0.2.10',
                    rs_change=dict(weight=5))
    desired = DesiredState.from_params(services)
    current = recorded()
    before = render_table(current)
    after = render_table(result_table(desired, current))
    assert before == fixture('save_n.txt')
    assert after == before.replace('-r 192.0.2.10:80 -g -w 3', '-r 192.0.2.10:80 -g -w 5')


def test_result_table_with_purge_and_thresholds():
    current = recorded_with_thresholds()
    desired = DesiredState.from_params(BASE[2:3], purge=True)   # keep 192.0.2.102:443 only
    after = render_table(result_table(desired, current))
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
    plan = make_plan(desired, before)
    assert plan.lines == fixture('restore_failing_middle_line.batch').splitlines()
    after = parse_save(fixture('save_n_after_batches.txt'))   # read back after the batch
    residual = make_plan(desired, after)
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
# satisfied_by: the desired state recognised on the -Sn text, without parsing
# ---------------------------------------------------------------------------

def state_of(text, purge=False, ignore=None, absent=()):
    services = as_params(parse_save(text))
    services.extend(dict(state='absent', **parse_spec(key_spec(key)))
                    if key.startswith('fwmark') else
                    dict(state='absent', protocol=key.split(':')[0],
                         address=split_addrport(key.partition(':')[2])[1],
                         port=split_addrport(key.partition(':')[2])[2])
                    for key in absent)
    for svc in services:
        if svc.get('fwmark') is None:
            svc.pop('fwmark', None)
    return DesiredState.from_params(services, purge=purge, ignore=ignore)


SAVE = fixture('save_n.txt')
OTHER = '-A -t 192.0.2.200:80 -s rr\n-a -t 192.0.2.200:80 -r 192.0.2.9:80 -g -w 1\n'


def test_satisfied_by_the_recorded_table_itself():
    assert satisfied_by(state_of(SAVE), SAVE)
    # line order and trailing blank lines do not matter
    assert satisfied_by(state_of(SAVE), '\n'.join(reversed(SAVE.splitlines())) + '\n\n')


@pytest.mark.parametrize('text', [
    SAVE.replace('-r 192.0.2.10:80 -g -w 3', '-r 192.0.2.10:80 -g -w 4'),   # other weight
    SAVE.replace('-A -t 192.0.2.101:80 -s rr\n', '-A -t 192.0.2.101:80 -s wlc\n'),
    '\n'.join(line for line in SAVE.splitlines() if '192.0.2.21:53' not in line),  # missing
    SAVE + '-a -t 192.0.2.101:80 -r 192.0.2.77:80 -g -w 1\n',   # an unwanted real server
    SAVE + 'IP Virtual Server version 1.2.1 (size=4096)\n',   # not -S output: parse decides
    '',
])
def test_not_satisfied_when_a_line_differs_is_missing_or_is_extra(text):
    assert not satisfied_by(state_of(SAVE), text)


def test_other_services_are_left_alone_unless_purged_or_absent():
    text = SAVE + OTHER
    assert satisfied_by(state_of(SAVE), text)
    assert not satisfied_by(state_of(SAVE, purge=True), text)
    assert satisfied_by(state_of(SAVE, purge=True, ignore=['tcp:192.0.2.200:80']), text)
    assert satisfied_by(state_of(SAVE, purge=True, ignore=['tcp:192.0.2.2??:*']), text)
    assert not satisfied_by(state_of(SAVE, absent=['tcp:192.0.2.200:80']), text)


def test_an_absent_ipv6_service_is_seen_in_any_spelling():
    text = SAVE + '-A -t [2001:DB8:0::77]:80 -s rr\n'
    assert satisfied_by(state_of(SAVE), text)
    assert not satisfied_by(state_of(SAVE, absent=['tcp:[2001:db8::77]:80']), text)
    assert satisfied_by(state_of(SAVE, purge=True, ignore=['tcp:[2001:db8::77]:80']), text)


def test_not_satisfied_when_thresholds_are_managed():
    services = as_params(recorded_with_thresholds())
    state = DesiredState.from_params(services)
    assert state.manages_thresholds
    assert not satisfied_by(state, SAVE)     # -Sn cannot show them: read and plan
    assert make_plan(state, recorded_with_thresholds()).lines == []


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
                    empty = not make_plan(state, parse_save(ordered))
                except IpvsError:   # a real server whose service line was dropped:
                    continue        # ipvsadm never prints that
                if spelling:
                    assert empty or not satisfied_by(state, text), text
                else:
                    assert satisfied_by(state, text) == empty, text
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
    clock = Stopwatch()
    reader = Reader(SAVE)
    state = read_state(reader, state_of(SAVE), clock)
    assert (state.text, state.table, state.plan.lines) == (SAVE, None, [])
    assert reader.calls == ['save']
    assert set(clock.times) == {'read', 'diff', 'apply', 'verify'}


def test_read_state_parses_and_plans_otherwise():
    reader = Reader(SAVE + OTHER)
    state = read_state(reader, state_of(SAVE, purge=True), Stopwatch())
    assert state.table is not None and state.table.thresholds is None
    assert state.plan.lines == ['-D -t 192.0.2.200:80']
    forced = read_state(Reader(SAVE), state_of(SAVE), Stopwatch(), parse=True)
    assert forced.table is not None and forced.plan.lines == []


def test_read_state_reads_thresholds_when_managed_and_times_verify_apart():
    reader = Reader(SAVE)
    state = DesiredState.from_params(as_params(recorded_with_thresholds()))
    clock = Stopwatch()
    after = read_state(reader, state, clock, phase='verify')
    assert reader.calls == ['save', 'thresholds']
    assert after.plan.lines == [] and after.table.thresholds_text is not None
    assert clock.times['read'] == clock.times['diff'] == 0.0 < clock.times['verify']


def test_table_state_same_as():
    plain = TableState(SAVE, None, Plan())
    parsed = TableState(SAVE, recorded(), Plan())
    with_thr = TableState(SAVE, recorded_with_thresholds(), Plan())
    with_thr.table.thresholds_text = fixture('list_thresholds.txt')
    other_thr = TableState(SAVE, recorded_with_thresholds(), Plan())
    other_thr.table.thresholds_text = 'other'
    assert plain.same_as(parsed) and parsed.same_as(with_thr) and plain.same_as(with_thr)
    assert not with_thr.same_as(other_thr)
    assert not plain.same_as(TableState(SAVE + OTHER, None, Plan()))


def test_stopwatch_counts_cpu_seconds_per_phase(monkeypatch):
    """A fake clock pair: each reading of the CPU clock advances it by one second."""
    ticks = iter(range(100))
    monkeypatch.setattr(ipvs_plan, 'cpu_seconds', lambda: float(next(ticks)))
    clock = Stopwatch()                     # cpu start: 0
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
    assert cpu_seconds() >= after[0] + after[1] + after[2] + after[3]


@pytest.mark.parametrize('change, needs', [
    (dict(upper_threshold=200), True),         # the lower one unknown: -e would reset it
    (dict(lower_threshold=20), True),          # the upper one unknown
    (dict(upper_threshold=200, lower_threshold=20), False),
    (dict(weight=6), True),
])
def test_an_edit_needs_the_thresholds_it_does_not_set(change, needs):
    """Against a table read with -Sn only (thresholds unknown), an edit that does not set both
    thresholds must ask for them (-e resets what it is not given)."""
    services = edit(BASE, dict(address='192.0.2.102', port=443), rs_address='198.51.100.5',
                    rs_change=change)
    plan = make_plan(DesiredState.from_params(services), recorded())
    assert len(plan) == 1 and plan.lines[0].startswith('-e ')
    assert plan.needs_thresholds is needs


def test_summary_counts_each_kind():
    services = edit(BASE, dict(address='192.0.2.100', port=80), change=dict(scheduler='rr'),
                    rs_address='192.0.2.10', rs_change=dict(weight=9),
                    add_rs=dict(address='192.0.2.77'))
    services = [s for s in services if s.get('address') != '192.0.2.101']
    services = edit(services, dict(address='192.0.2.102', port=443), drop_rs='198.51.100.6')
    services.append(dict(address='192.0.2.200', port=80, real_servers=[dict(address='192.0.2.9')]))
    plan = plan_for(services, purge=True, ignore=['tcp:192.0.2.110:*'])
    assert plan.summary == dict(added_services=1, edited_services=1, removed_services=1,
                                added_real_servers=2, edited_real_servers=1,
                                removed_real_servers=1)
    assert [line[:2] for line in plan.lines].count('-D') == 1


def test_result_table_thresholds_of_a_new_real_server():
    """A new real server's unmanaged threshold is 0 after the batch (what the kernel starts
    with), an existing one keeps the kernel's."""
    services = edit(BASE, dict(address='192.0.2.102', port=443),
                    rs_address='198.51.100.5', rs_change=dict(upper_threshold=70),
                    add_rs=dict(address='198.51.100.7', port=8443, method='masq',
                                lower_threshold=4))
    after = result_table(DesiredState.from_params(services), recorded_with_thresholds())
    assert after.thresholds['-t 192.0.2.102:443'] == {'198.51.100.5:8443': (70, 50),
                                                      '198.51.100.6:8443': (0, 0),
                                                      '198.51.100.7:8443': (0, 4)}
