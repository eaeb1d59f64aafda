# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix beyond test_cluster.py: what each fault does to traffic, VRRP and IPVS.

After every fault and its repair: traffic flows, exactly one director holds the VIP once
settled, and both directors' IPVS tables list exactly the healthy real servers. Every fault is
injected only once the client's probe has had requests answered (its warm-up, proved from its
result). The director death is the master's cable pulled, asserted at the claimed bounds
(conftest.py) over three trials; a frozen keepalived is a different fault: its network namespace
keeps forwarding. Figures printed, the failover's min/median/max last. Then split brain: both
directors up but deaf to each other's VRRP adverts; playbooks/status.yml, which the collection
ships, must report it (and fail), and report healthy again afterwards.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time

import pytest

from conftest import (BACK_IN_IPVS, FAILOVER_OUTAGE_S, FAILOVER_TAKEOVER_S, FAILOVER_TIMEOUT_S, REAL_SERVER_SILENT_BACK_S,
                      REAL_SERVER_SILENT_OUT_S, VIP, ansible_playbook,
                      failed_requests, failure, holds_vip, journal_time, probe, probe_result, real_servers, record, settled,
                      start_probe, stop_probe, takeover, vip_holders, wait_for, warmed_up)

BOTH = {'10.88.0.21', '10.88.0.22'}
REMOVED_WEB1 = r'Removing service \[10\.88\.0\.21\]:tcp:80'


def only_web2(nodes):
    return all(real_servers(nodes, d) == {'10.88.0.22'} for d in ('dir1', 'dir2'))


def test_web_container_kill(nodes, containers, lab):
    """web1's container killed: dir1's checker removes it within REAL_SERVER_SILENT_OUT_S (whether
    the dead container's network namespace still refuses connections or is already gone and stays
    silent depends on podman's cleanup); the requests that fail are those IPVS still sent to web1
    before that (every failure started before the removal, all of them listed), web2 answers
    throughout and alone after; started again, web1 returns to both tables with its VIP on lo, its
ARP sysctls and its unit enabled, and answers."""
    settled(nodes)
    start_probe(nodes, 60, 'webkill')
    killed = float(lab.run('date +%s.%N'))
    containers('kill', 'web1')
    try:
        took = wait_for('web1 out of both IPVS tables', lambda: only_web2(nodes), 60, 0.2)
        time.sleep(2)  # requests after the removal: web2 alone must answer them
        result = stop_probe(nodes, 'webkill')
    finally:
        containers('start', 'web1')
    removed = journal_time(nodes['dir1'], REMOVED_WEB1, killed)
    assert removed is not None, 'dir1 logged no removal of web1'
    started = [round(entry[0] - entry[1], 3) for entry in result['failed']]
    print('\nweb1 container killed: dir1 removed it %.2f s after the kill command, out of both tables after %.2f s; '
          'client: %s, %d failed %s, started at %s' % (removed - killed, took, result['hosts'], result['failures'],
                                                       result['errors'], [round(t - killed, 2) for t in started]))
    warmed_up(result, killed)
    assert 'web1' in result['first'] and result['first']['web1'] < killed, 'web1 never answered before the kill'
    assert result['last']['web1'] < removed, 'web1 answered after its removal'
    assert result['last']['web2'] > removed + 1, 'web2 did not answer after the removal'
    assert removed - killed <= REAL_SERVER_SILENT_OUT_S
    assert result['failures'] == len(result['failed']), 'more failures than the probe lists: %s' % failed_requests(nodes, result)
    assert all(when < removed for when in started), failed_requests(nodes, result)
    back = wait_for('web1 back in both IPVS tables',
                    lambda: all(real_servers(nodes, d) == BOTH for d in ('dir1', 'dir2')), 180, 1)
    print('web1 started again: back in both tables %.2f s after the start command' % back)
    # the boot restored what the real_server role set up: the VIP on lo, the ARP sysctls, the unit
    web1 = nodes['web1']
    wait_for('web1 reachable with the VIP on lo', lambda: '%s/32' % VIP in web1.run('ip -4 addr show dev lo').stdout, 60, 1)
    assert web1.sysctl('net.ipv4.conf.all.arp_ignore') == 1
    assert web1.sysctl('net.ipv4.conf.all.arp_announce') == 2
    assert web1.service('lvs-real-server').is_enabled
    settled(nodes)
    result = probe(nodes, 1)
    assert set(result['hosts']) == {'web1', 'web2'} and result['failures'] == 0, failed_requests(nodes, result)


def test_web_network_disconnect(nodes, lab):
    """The cable of web1 is pulled: its health checks time out, dir1 removes it within
    REAL_SERVER_SILENT_OUT_S and only web2 answers; plugged back, it returns within
    REAL_SERVER_SILENT_BACK_S."""
    settled(nodes)
    link, cut = lab.unplug(nodes['web1'])
    try:
        took = wait_for('web1 out of both IPVS tables', lambda: only_web2(nodes), 60, 0.2)
        removed = journal_time(nodes['dir1'], REMOVED_WEB1, cut)
        assert removed is not None, 'dir1 logged no removal of web1'
        print('\nweb1 cable pulled (%s down): dir1 removed it %.2f s after the cut, out of both tables after %.2f s'
              % (link, removed - cut, took))
        during = probe(nodes, 2)
        print('requests meanwhile: %s, %d failed' % (during['hosts'], during['failures']))
        assert set(during['hosts']) == {'web2'} and during['failures'] == 0, failed_requests(nodes, during)
    finally:
        plugged = lab.plug(link)
    back = wait_for('web1 back in both IPVS tables',
                    lambda: all(real_servers(nodes, d) == BOTH for d in ('dir1', 'dir2')), 60, 0.2)
    added = journal_time(nodes['dir1'], BACK_IN_IPVS, plugged)
    assert added is not None, 'dir1 logged no return of web1'
    print('cable plugged back: dir1 added web1 %.2f s later, in both tables after %.2f s' % (added - plugged, back))
    assert removed - cut <= REAL_SERVER_SILENT_OUT_S
    assert added - plugged <= REAL_SERVER_SILENT_BACK_S
    settled(nodes)
    assert set(probe(nodes, 1)['hosts']) == {'web1', 'web2'}


def test_frozen_keepalived_keeps_forwarding(nodes):
    """SIGSTOP on every keepalived process of dir1: its adverts stop and dir2 takes over within
    FAILOVER_TAKEOVER_S, while dir1's network namespace keeps forwarding (the VIP is still on its
    eth0, IPVS in its kernel netns): no outage beyond the margin, no failover claim for the
    traffic. SIGCONT: dir1 again, one holder."""
    settled(nodes)
    start_probe(nodes, 20, 'sigstop')
    dir1 = nodes['dir1']
    frozen = float(dir1.check_output('date +%s.%N; pkill -STOP -x keepalived').split()[0])
    try:
        wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.2)
        took = takeover(nodes, frozen)
        print('\nkeepalived frozen on dir1: dir2 MASTER %.3f s after the SIGSTOP' % took)
    finally:
        dir1.check_output('pkill -CONT -x keepalived')
    back = wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 60, 0.2)
    result = probe_result(nodes, 'sigstop', 20)
    print('keepalived continued: VIP on dir1 only after %.2f s; client: %d requests, %d failed, outage %.2f s'
          % (back, result['requests'], result['failures'], result['outage_s']))
    warmed_up(result, frozen)
    assert took <= FAILOVER_TAKEOVER_S
    assert result['outage_s'] <= FAILOVER_OUTAGE_S, failed_requests(nodes, result)
    settled(nodes)


@pytest.mark.parametrize('trial', [1, 2, 3])
def test_master_dies_backup_takes_over(nodes, lab, trial):
    """The director death: the master's cable pulled (the bridge side of its veth down: no advert
    leaves it, nothing reaches its IPVS, as when it loses power). dir2 enters MASTER within
    FAILOVER_TAKEOVER_S of the cut, and the client, answered before the cut, goes at most
    FAILOVER_OUTAGE_S without an answer and is answered through dir2 after. Plugged back, dir1
    preempts; one holder. Three trials: min/median/max at the end of the session."""
    settled(nodes)
    start_probe(nodes, 60, 'failover', timeout=FAILOVER_TIMEOUT_S)
    link, cut = lab.unplug(nodes['dir1'])
    try:
        # dir1 cannot be asked over its own cable: watch dir2
        wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.2)
        time.sleep(2)  # answers through dir2 (a longer outage shows as one up to the probe's end)
        result = stop_probe(nodes, 'failover')
    finally:
        lab.plug(link)
    took = takeover(nodes, cut)
    print('\ntrial %d, dir1 cable pulled (%s down): dir2 MASTER %.3f s after the cut; client: %d requests, '
          '%d failed %s, outage %.3f s'
          % (trial, link, took, result['requests'], result['failures'], result['errors'], result['outage_s']))
    record('failover: dir2 MASTER after the cut', took)
    record('failover: client outage', result['outage_s'])
    warmed_up(result, cut)
    assert took <= FAILOVER_TAKEOVER_S
    assert result['outage_s'] <= FAILOVER_OUTAGE_S, failed_requests(nodes, result)
    assert max(result['last'].values()) > cut + took, 'no answer after dir2 took over'
    back = wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 90, 0.2)
    print('cable plugged back: VIP on dir1 only after %.2f s' % back)
    settled(nodes)


def test_director_restart(nodes, containers, lab):
    """dir1 reboots (container restart): dir2 serves meanwhile; dir1 comes back with VIP and table."""
    settled(nodes)
    start_probe(nodes, 60, 'dirrestart')
    restarted = float(lab.run('date +%s.%N'))
    containers('restart', 'dir1')
    back = wait_for('VIP on dir1 only after the reboot', lambda: vip_holders(nodes) == ['dir1'], 180, 1)
    result = probe_result(nodes, 'dirrestart', 60)
    print('\ndir1 restarted: VIP on dir1 only after %.2f s; client: %d requests, %d failed, outage %.2f s'
          % (back, result['requests'], result['failures'], result['outage_s']))
    warmed_up(result, restarted)
    # systemd stops keepalived with the drained handover; the preempt back is at worst a failover
    assert result['outage_s'] <= FAILOVER_OUTAGE_S, failed_requests(nodes, result)
    settled(nodes)
    assert nodes['dir1'].service('keepalived').is_running


# VRRP (IP protocol 112) dropped where the containers' cables meet: the bridge.
DROP_VRRP = 'ebtables -%s FORWARD -p IPv4 --ip-proto 112 -j DROP'


def client_arp_for_vip(nodes):
    """The MAC the client sends the VIP's traffic to, '' without an entry."""
    match = re.search(r'lladdr (\S+)', nodes['client'].check_output('ip neigh show %s dev eth0' % VIP))
    return match.group(1) if match else ''


NEIGH_LOG = '/tmp/split-brain-neigh.log'


def watch_client_arp(nodes):
    """Record every change the client's kernel makes to its neighbour table (ip monitor)."""
    nodes['client'].check_output('rm -f {0}; (timeout 300 ip -ts monitor neigh > {0} 2>&1 &)'.format(NEIGH_LOG))


def client_arp_changes(nodes):
    """The MACs the client's ARP entry for the VIP took, in order, from ``watch_client_arp``'s record."""
    return re.findall(r'^\[[^]]*\] %s dev eth0 lladdr (\S+)' % re.escape(VIP),
                      nodes['client'].check_output('cat %s' % NEIGH_LOG), re.M)


def test_split_brain_is_reported(nodes, lab):
    settled(nodes)
    rc, out, dummy = ansible_playbook('status.yml')
    assert rc == 0, failure(out)
    assert 'VI_WEB: MASTER dir1; BACKUP dir2' in out
    macs = dict((d, nodes[d].check_output('cat /sys/class/net/eth0/address').strip()) for d in ('dir1', 'dir2'))
    probe(nodes, 0.5)  # the client has an ARP entry for the VIP (dir1's MAC)
    assert client_arp_for_vip(nodes) == macs['dir1']
    watch_client_arp(nodes)
    lab.run(DROP_VRRP % 'A')
    try:
        took = wait_for('both directors to hold the VIP', lambda: vip_holders(nodes) == ['dir1', 'dir2'], 30, 0.2)
        rc, out, dummy = ansible_playbook('status.yml')
        print('\nVRRP dropped between the directors: both MASTER after %.2f s; status.yml rc=%d' % (took, rc))
        assert rc != 0
        assert 'SPLIT BRAIN: VI_WEB is MASTER on dir1 and dir2 at once' in out, failure(out)
        # dir2's gratuitous ARPs as it became MASTER pointed the client at dir2. Both MASTERs
        # re-ARP every 5 s (vrrp_garp_master_refresh), so the entry flips between them for as long
        # as the split lasts and may point at dir2 only for a moment: the test reads the kernel's
        # own record of the changes, not a poll that can fall between two flips.
        wait_for('the client to send the VIP traffic to dir2', lambda: macs['dir2'] in client_arp_changes(nodes), 15, 0.5)
        time.sleep(5)
        changes = client_arp_changes(nodes)
        print('client ARP entry for the VIP during the split: %s' % ', '.join(
            'dir1' if mac == macs['dir1'] else 'dir2' if mac == macs['dir2'] else mac for mac in changes))
    finally:
        lab.run(DROP_VRRP % 'D')
        nodes['client'].run('pkill -f "ip -ts monitor neigh"')
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
