# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LVS/DR cluster proven with real traffic, real health checks and real VRRP failover.

Every figure is printed (run with -s); timings are asserted only against generous bounds. The
tests run in file order and each leaves the cluster healthy for the next.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

import pytest

from conftest import VIP, wait_for

URL = 'http://%s/' % VIP


def vip_holders(nodes):
    return [name for name in ('dir1', 'dir2') if holds_vip(nodes, name)]


def holds_vip(nodes, name):
    return bool(re.search(r'inet %s/' % re.escape(VIP), nodes[name].check_output('ip -4 addr show dev eth0')))


def table(nodes, director='dir1'):
    return nodes[director].check_output('ipvsadm -Ln')


def probe(nodes, seconds, interval=0.05, timeout=0.5):
    out = nodes['client'].check_output('python3 /usr/local/bin/lvs-probe %s %s %s %s' % (URL, seconds, interval, timeout))
    return json.loads(out.strip().splitlines()[-1])


def start_probe(nodes, seconds, name):
    nodes['client'].check_output(
        'rm -f /tmp/%s.json; (python3 /usr/local/bin/lvs-probe %s %s 0.05 0.5 > /tmp/%s.json 2>&1 &)' % (name, URL, seconds, name))


def probe_result(nodes, name, seconds):
    wait_for('probe %s to finish' % name,
             lambda: nodes['client'].run('test -s /tmp/%s.json' % name).rc == 0, seconds + 30, 0.5)
    return json.loads(nodes['client'].check_output('cat /tmp/%s.json' % name))


def settled(nodes):
    """Healthy state every test starts and ends in: VIP on dir1 only, both web nodes in IPVS."""
    wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 60)
    wait_for('both web nodes in the IPVS table',
             lambda: '10.88.0.21:80' in table(nodes) and '10.88.0.22:80' in table(nodes), 60)


def test_master_holds_the_vip(nodes):
    settled(nodes)
    assert vip_holders(nodes) == ['dir1']


def test_requests_spread_over_both_web_nodes(nodes):
    result = probe(nodes, 3)
    print('\nround robin over %d requests: %s, %d failed' % (result['requests'], result['hosts'], result['failures']))
    assert result['failures'] == 0
    assert set(result['hosts']) == {'web1', 'web2'}
    assert min(result['hosts'].values()) >= 0.4 * result['requests']


def test_ipvs_table_lists_both_in_route_mode(nodes):
    text = table(nodes)
    print('\n' + text)
    assert re.search(r'TCP\s+%s:80 rr' % re.escape(VIP), text)
    for address in ('10.88.0.21', '10.88.0.22'):
        assert re.search(r'->\s+%s:80\s+Route\s+1\s' % address, text), address


def test_replies_bypass_the_director(nodes):
    probe(nodes, 1)
    stats = nodes['dir1'].check_output('ipvsadm -Ln --stats')
    line = re.search(r'TCP\s+%s:80\s+(\d+)\s+(\d+)\s+(\d+)' % re.escape(VIP), stats)
    conns, inpkts, outpkts = (int(x) for x in line.groups())
    print('\ndirector stats for the VIP: conns %d, in packets %d, out packets %d' % (conns, inpkts, outpkts))
    assert conns > 0 and inpkts > 0
    assert outpkts == 0, 'replies went through the director: not direct routing'


def test_client_resolves_the_vip_to_the_master_only(nodes):
    master_mac = nodes['dir1'].check_output('cat /sys/class/net/eth0/address').strip()
    macs = {name: nodes[name].check_output('cat /sys/class/net/eth0/address').strip() for name in ('web1', 'web2')}
    client = nodes['client']
    client.check_output('ip neigh flush dev eth0')
    probe(nodes, 0.5)
    neigh = client.check_output('ip neigh show %s dev eth0' % VIP)
    print('\nclient neighbour entry for the VIP: %s (master %s, web %s)' % (neigh.strip(), master_mac, macs))
    assert master_mac in neigh
    arping = client.run('arping -c 3 -w 4 -I eth0 %s' % VIP)
    if arping.rc != 127:  # arping present: every ARP reply must come from the master
        replies = set(re.findall(r'from %s \[?([0-9a-f:]{17})' % re.escape(VIP), arping.stdout.lower()))
        print('arping replies from: %s' % replies)
        assert replies == {master_mac}
    for name in ('web1', 'web2'):
        host = nodes[name]
        assert host.sysctl('net.ipv4.conf.all.arp_ignore') == 1
        assert host.sysctl('net.ipv4.conf.all.arp_announce') == 2
        assert '%s/32' % VIP in host.check_output('ip -4 addr show dev lo')


def test_web_service_failure_and_recovery(nodes):
    settled(nodes)
    web1 = nodes['web1']
    web1.check_output('systemctl stop nginx')
    try:
        removed = wait_for('web1 out of the IPVS table', lambda: '10.88.0.21:80' not in table(nodes), 60)
        print('\nnginx stopped on web1: out of the IPVS table after %.2f s' % removed)
        result = probe(nodes, 2)
        print('requests while web1 is down: %s, %d failed' % (result['hosts'], result['failures']))
        assert set(result['hosts']) == {'web2'} and result['failures'] == 0
    finally:
        web1.check_output('systemctl start nginx')
    back = wait_for('web1 back in the IPVS table', lambda: '10.88.0.21:80' in table(nodes), 60)
    print('nginx started on web1: back in the IPVS table after %.2f s' % back)
    assert removed < 30 and back < 30
    assert set(probe(nodes, 1)['hosts']) == {'web1', 'web2'}


def test_keepalived_stop_on_master_fails_over(nodes):
    settled(nodes)
    start_probe(nodes, 20, 'stop')
    nodes['dir1'].check_output('systemctl stop keepalived')
    try:
        took = wait_for('dir2 to hold the VIP', lambda: vip_holders(nodes) == ['dir2'], 30, 0.1)
        print('\nkeepalived stopped on dir1: dir2 holds the VIP after %.2f s' % took)
    finally:
        nodes['dir1'].check_output('systemctl start keepalived')
    back = wait_for('VIP back on dir1 (preempt)', lambda: vip_holders(nodes) == ['dir1'], 60, 0.1)
    print('keepalived started on dir1: VIP back on dir1 after %.2f s' % back)
    result = probe_result(nodes, 'stop', 20)
    print('client during stop and preempt: %d requests, %d failed, longest outage %.3f s' % (
        result['requests'], result['failures'], result['outage_s']))
    assert result['outage_s'] < 10
    settled(nodes)


@pytest.mark.parametrize('fault,undo', [('pause', 'unpause'), ('kill', 'start')])
def test_master_container_fault_fails_over(nodes, containers, fault, undo):
    settled(nodes)
    start_probe(nodes, 25, fault)
    containers(fault, 'dir1')
    try:
        # dir1 cannot be asked while it is paused or dead: watch dir2 take over.
        took = wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.1)
        print('\ndir1 container %s: dir2 holds the VIP after %.2f s' % (fault, took))
    finally:
        containers(undo, 'dir1')
    back = wait_for('VIP back on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 120, 0.2)
    print('dir1 container %s: VIP back on dir1 only after %.2f s' % (undo, back))
    result = probe_result(nodes, fault, 25)
    print('client during %s/%s: %d requests, %d failed, longest outage %.3f s' % (
        fault, undo, result['requests'], result['failures'], result['outage_s']))
    assert result['outage_s'] < 15
    settled(nodes)


def test_web_container_restart_restores_vip_and_arp(nodes, containers):
    settled(nodes)
    containers('restart', 'web1')
    web1 = nodes['web1']
    took = wait_for('web1 VIP on lo after restart',
                    lambda: '%s/32' % VIP in web1.run('ip -4 addr show dev lo').stdout, 180, 1)
    print('\nweb1 restarted: VIP on lo again after %.2f s' % took)
    assert web1.sysctl('net.ipv4.conf.all.arp_ignore') == 1
    assert web1.sysctl('net.ipv4.conf.all.arp_announce') == 2
    assert web1.service('lvs-real-server').is_enabled
    wait_for('web1 back in the IPVS table', lambda: '10.88.0.21:80' in table(nodes), 120, 1)
    assert set(probe(nodes, 1)['hosts']) == {'web1', 'web2'}
