# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix beyond test_cluster.py: what each fault does to traffic, VRRP and IPVS.

After every fault and its repair: traffic flows, exactly one director holds the VIP once
settled, and both directors' IPVS tables list exactly the healthy real servers. Figures printed.
Last, split brain: both directors up but deaf to each other's VRRP adverts; playbooks/status.yml,
which the collection ships, must report it (and fail), and report healthy again afterwards.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from conftest import (VIP, ansible_playbook, failed_requests, failure, holds_vip, probe, probe_result, real_servers, settled,
                      start_probe, vip_holders, wait_for)

BOTH = {'10.88.0.21', '10.88.0.22'}


def only_web2(nodes):
    return all(real_servers(nodes, d) == {'10.88.0.22'} for d in ('dir1', 'dir2'))


def test_web_container_kill(nodes, containers):
    settled(nodes)
    start_probe(nodes, 15, 'webkill')
    containers('kill', 'web1')
    try:
        took = wait_for('web1 out of both IPVS tables', lambda: only_web2(nodes), 60, 0.2)
        print('\nweb1 container killed: out of both IPVS tables after %.2f s' % took)
        during = probe(nodes, 2)
        assert set(during['hosts']) == {'web2'} and during['failures'] == 0, failed_requests(nodes, during)
    finally:
        containers('start', 'web1')
    back = wait_for('web1 back in both IPVS tables',
                    lambda: all(real_servers(nodes, d) == BOTH for d in ('dir1', 'dir2')), 180, 1)
    result = probe_result(nodes, 'webkill', 15)
    print('web1 started again: back in IPVS after %.2f s; client over the kill: %s, %d failed, outage %.2f s'
          % (back, result['hosts'], result['failures'], result['outage_s']))
    settled(nodes)
    assert set(probe(nodes, 1)['hosts']) == {'web1', 'web2'}


def test_web_network_disconnect(nodes, lab):
    """The cable of web1 is pulled: its health checks time out, it leaves IPVS; plugged back, it returns."""
    settled(nodes)
    link = lab.unplug(nodes['web1'])
    try:
        took = wait_for('web1 out of both IPVS tables', lambda: only_web2(nodes), 60, 0.2)
        print('\nweb1 cable pulled (%s down): out of both IPVS tables after %.2f s' % (link, took))
        during = probe(nodes, 2)
        print('requests meanwhile: %s, %d failed' % (during['hosts'], during['failures']))
        assert set(during['hosts']) == {'web2'} and during['failures'] == 0, failed_requests(nodes, during)
    finally:
        lab.plug(link)
    back = wait_for('web1 back in both IPVS tables',
                    lambda: all(real_servers(nodes, d) == BOTH for d in ('dir1', 'dir2')), 60, 0.2)
    print('cable plugged back: web1 in IPVS again after %.2f s' % back)
    settled(nodes)
    assert set(probe(nodes, 1)['hosts']) == {'web1', 'web2'}


def test_keepalived_frozen(nodes):
    """SIGSTOP on every keepalived process of dir1: dir2 takes over; SIGCONT: dir1 again, one holder."""
    settled(nodes)
    start_probe(nodes, 20, 'sigstop')
    dir1 = nodes['dir1']
    dir1.check_output('pkill -STOP -x keepalived')
    try:
        took = wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.1)
        print('\nkeepalived frozen on dir1: dir2 holds the VIP after %.2f s' % took)
    finally:
        dir1.check_output('pkill -CONT -x keepalived')
    back = wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 60, 0.2)
    result = probe_result(nodes, 'sigstop', 20)
    print('keepalived continued: VIP on dir1 only after %.2f s; client: %d requests, %d failed, outage %.2f s'
          % (back, result['requests'], result['failures'], result['outage_s']))
    assert result['outage_s'] < 5
    settled(nodes)


def test_director_network_disconnect(nodes, lab):
    """The cable of dir1 is pulled: dir2 takes over; plugged back, dir1 preempts; one holder."""
    settled(nodes)
    start_probe(nodes, 25, 'dircable')
    link = lab.unplug(nodes['dir1'])
    try:
        # dir1 cannot be asked over its own cable: watch dir2
        took = wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.1)
        print('\ndir1 cable pulled (%s down): dir2 holds the VIP after %.2f s' % (link, took))
    finally:
        lab.plug(link)
    back = wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 90, 0.2)
    result = probe_result(nodes, 'dircable', 25)
    print('cable plugged back: VIP on dir1 only after %.2f s; client: %d requests, %d failed, outage %.2f s'
          % (back, result['requests'], result['failures'], result['outage_s']))
    assert result['outage_s'] < 5
    settled(nodes)


def test_director_restart(nodes, containers):
    """dir1 reboots (container restart): dir2 serves meanwhile; dir1 comes back with VIP and table."""
    settled(nodes)
    start_probe(nodes, 60, 'dirrestart')
    containers('restart', 'dir1')
    back = wait_for('VIP on dir1 only after the reboot', lambda: vip_holders(nodes) == ['dir1'], 180, 1)
    result = probe_result(nodes, 'dirrestart', 60)
    print('\ndir1 restarted: VIP on dir1 only after %.2f s; client: %d requests, %d failed, outage %.2f s'
          % (back, result['requests'], result['failures'], result['outage_s']))
    assert result['outage_s'] < 5
    settled(nodes)
    assert nodes['dir1'].service('keepalived').is_running


# VRRP (IP protocol 112) dropped where the containers' cables meet: the bridge.
DROP_VRRP = 'ebtables -%s FORWARD -p IPv4 --ip-proto 112 -j DROP'


def client_arp_for_vip(nodes):
    """The MAC the client sends the VIP's traffic to, '' without an entry."""
    match = re.search(r'lladdr (\S+)', nodes['client'].check_output('ip neigh show %s dev eth0' % VIP))
    return match.group(1) if match else ''


def test_split_brain_is_reported(nodes, lab):
    settled(nodes)
    rc, out, dummy = ansible_playbook('status.yml')
    assert rc == 0, failure(out)
    assert 'VI_WEB: MASTER dir1; BACKUP dir2' in out
    macs = dict((d, nodes[d].check_output('cat /sys/class/net/eth0/address').strip()) for d in ('dir1', 'dir2'))
    probe(nodes, 0.5)  # the client has an ARP entry for the VIP (dir1's MAC)
    lab.run(DROP_VRRP % 'A')
    try:
        took = wait_for('both directors to hold the VIP', lambda: vip_holders(nodes) == ['dir1', 'dir2'], 30, 0.2)
        rc, out, dummy = ansible_playbook('status.yml')
        print('\nVRRP dropped between the directors: both MASTER after %.2f s; status.yml rc=%d' % (took, rc))
        assert rc != 0
        assert 'SPLIT BRAIN: VI_WEB is MASTER on dir1 and dir2 at once' in out, failure(out)
        # dir2's gratuitous ARPs as it became MASTER pointed the client at dir2
        wait_for('the client to send the VIP traffic to dir2', lambda: client_arp_for_vip(nodes) == macs['dir2'], 15, 0.5)
    finally:
        lab.run(DROP_VRRP % 'D')
    back = wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 60, 0.2)
    rc, out, dummy = ansible_playbook('status.yml')
    print('VRRP restored: one MASTER again after %.2f s; status.yml rc=%d' % (back, rc))
    assert rc == 0, failure(out)
    # dir1, MASTER all along, sends gratuitous ARPs when it hears dir2's lower-priority advert
    # (vrrp_garp_lower_prio_repeat), and every 5 s anyway (vrrp_garp_master_refresh: dir2 steps
    # down without advertising again if dir1's advert reaches it first): the client goes back to
    # dir1 within seconds, not when its ARP entry for dir2 (which no longer has the VIP) expires
    arp = wait_for('the client to send the VIP traffic to dir1 again', lambda: client_arp_for_vip(nodes) == macs['dir1'], 10, 0.5)
    result = probe(nodes, 2)
    print('client ARP entry for the VIP back on dir1 within %.2f s of the check; then %d requests, %d failed'
          % (arp, result['requests'], result['failures']))
    assert result['failures'] == 0, failed_requests(nodes, result)
    settled(nodes)
