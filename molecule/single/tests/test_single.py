# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One director without keepalived (lvs_single_director), as in the recipes' ipvsadm steps: the
director holds the VIP itself (lvs-director-vips.service) and its IPVS table is programmed by
lvs.cluster.ipvsadm. What it does, with real traffic, and what it lacks: a stopped real server
keeps its share (no health checks), and a reboot of the director is an outage, after which the
unit restores the table and the VIP."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re
import time

from conftest import VIP, common

URL = 'http://%s/' % VIP
WEB = {'single-web1': '10.88.2.21', 'single-web2': '10.88.2.22'}


def table(nodes):
    return nodes['single-dir'].check_output('ipvsadm -Ln')


def reals(nodes):
    return set(re.findall(r'->\s+(10\.88\.2\.\d+):80\s+Route\s+1\s', table(nodes)))


def holds_vip(nodes):
    return bool(re.search(r'inet %s/32 ' % re.escape(VIP), nodes['single-dir'].check_output('ip -4 addr show dev eth0')))


def counters(nodes):
    stats = nodes['single-dir'].check_output('ipvsadm -Ln --stats --exact -t %s:80' % VIP)
    line = re.search(r'TCP\s+%s:80\s+(\d+)\s+(\d+)\s+(\d+)' % re.escape(VIP), stats)
    assert line, stats
    return [int(x) for x in line.groups()]


def requests(nodes, count):
    """``count`` requests from the client to the VIP: the answering host or "error:CURL_EXIT" each."""
    script = 'for i in $(seq %d); do curl -s --max-time 3 %s || echo "error:$?"; done' % (count, URL)
    return nodes['single-client'].check_output(script).split()


def test_the_director_holds_the_vip_and_the_table_without_keepalived(nodes):
    director = nodes['single-dir']
    assert director.service('lvs-director-vips').is_enabled
    assert director.run('systemctl is-active lvs-director-vips').stdout.strip() == 'active'
    assert not director.service('keepalived').is_running
    assert holds_vip(nodes)
    text = table(nodes)
    print('\n' + text)
    assert re.search(r'TCP\s+%s:80 rr\s*\n' % re.escape(VIP), text), text
    assert reals(nodes) == set(WEB.values()), text
    # what the unit restores at boot: the table the role programmed
    rules = director.check_output('cat /etc/lvs-cluster/ipvs.rules')
    assert re.search(r'^-A -t %s:80 -s rr' % re.escape(VIP), rules, re.M), rules
    assert len(re.findall(r'^-a -t %s:80 -r 10\.88\.2\.2[12]:80 -g -w 1' % re.escape(VIP), rules, re.M)) == 2, rules
    for web in WEB:
        assert re.search(r'inet %s/32 .*lo:lvs' % re.escape(VIP), nodes[web].check_output('ip -4 -o addr show dev lo'))
        assert nodes[web].sysctl('net.ipv4.conf.all.arp_ignore') == 1


def test_requests_spread_over_both_web_nodes_and_bypass_the_director(nodes):
    before = counters(nodes)
    answers = requests(nodes, 10)
    print('\n10 requests: %s' % answers)
    assert sorted(answers) == sorted(['single-web1', 'single-web2'] * 5), answers
    deltas = []

    def counted():
        deltas[:] = [after - was for after, was in zip(counters(nodes), before)]
        return deltas[0] >= 10
    common.wait_for('the director counting the 10 connections', counted, common.STATS_SETTLE_S, 0.5)
    print('director counters: conns +%d, in packets +%d, out packets +%d' % tuple(deltas))
    assert deltas[0] == 10 and deltas[1] >= 30 and deltas[2] == 0, deltas


def test_no_health_checks_a_stopped_real_server_keeps_its_share(nodes):
    """What the mode lacks, shown: nginx stopped on web1 leaves web1 in the table (a keepalived
    director removes it within 2 s, test_cluster.py), and every second request is refused."""
    web1 = nodes['single-web1']
    web1.check_output('systemctl stop nginx')
    try:
        time.sleep(3)
        assert '10.88.2.21' in reals(nodes)
        answers = requests(nodes, 4)
        print('\nnginx stopped on single-web1, 3 s later: %s' % answers)
        assert sorted(answers) == sorted(['error:7', 'error:7', 'single-web2', 'single-web2']), answers
    finally:
        web1.check_output('systemctl start nginx')
    assert sorted(requests(nodes, 2)) == ['single-web1', 'single-web2']


def test_a_reboot_is_an_outage_and_restores_the_table_and_the_vip(nodes, containers):
    """The director's container restarts (a new network namespace: an empty IPVS table, no VIP).
    lvs-director-vips.service restores the table from the rules file, adds the VIP at boot and
    announces it (gratuitous ARP): the container's MAC changed, and the client, whose ARP entry
    still names the old one, must be answered again within 3 s of the VIP's return instead of
    after its entry goes stale. The outage is printed: nothing takes over meanwhile."""
    client = nodes['single-client']
    client.check_output('rm -f /tmp/reboot.json /tmp/reboot.stop /tmp/reboot.answered; '
                        '(python3 /usr/local/bin/lvs-probe %s 240 0.2 0.5 /tmp/reboot.stop /tmp/reboot.answered '
                        '> /tmp/reboot.json 2>&1 &)' % URL)
    common.wait_for('the probe answered 10 times',
                    lambda: int(client.check_output('cat /tmp/reboot.answered || echo 0').strip() or 0) >= 10, 30, 0.5)
    mac = nodes['single-dir'].check_output('cat /sys/class/net/eth0/address').strip()
    restarted = float(client.check_output('date +%s.%N'))
    containers('restart', 'single-dir')
    back = common.wait_for('the VIP and the table back on single-dir',
                           lambda: holds_vip(nodes) and reals(nodes) == set(WEB.values()), 240, 1)
    answered = common.wait_for('the client answered again', lambda: not requests(nodes, 1)[0].startswith('error'), 240, 1)
    time.sleep(2)
    client.check_output('touch /tmp/reboot.stop')
    common.wait_for('the probe to end', lambda: client.run('test -s /tmp/reboot.json').rc == 0, 60, 0.5)
    result = json.loads(client.check_output('cat /tmp/reboot.json'))
    journal = nodes['single-dir'].check_output('journalctl -b -u lvs-director-vips --no-pager -o cat')
    new_mac = nodes['single-dir'].check_output('cat /sys/class/net/eth0/address').strip()
    # when the unit added the VIP, by the director's journal (the lab's kernel clock, as the client's)
    added = common.journal_time(nodes['single-dir'], r'added %s/32 on eth0' % re.escape(VIP), restarted,
                                unit='lvs-director-vips')
    first = min([when for when in result['answered_at'] if added and when > added] or [float('inf')])
    print('\nsingle-dir restarted: the unit restored the table and added the VIP %s s after the restart began '
          '(seen over ssh %.1f s after the restart call returned); the probe\'s first answer came %.2f s after the '
          'VIP was added; probe: %d requests, %d failed %s, outage %.1f s; eth0 MAC %s -> %s'
          % ('%.1f' % (added - restarted) if added else '?', back, first - (added or 0), result['requests'],
             result['failures'], result['errors'], result['outage_s'], mac, new_mac))
    print(journal)
    assert 'IPVS table restored from /etc/lvs-cluster/ipvs.rules' in journal, journal
    assert re.search(r'added %s/32 on eth0' % re.escape(VIP), journal), journal
    assert re.search(r'announced %s/32 on eth0 \(gratuitous ARP\)' % re.escape(VIP), journal), journal
    assert added and first - added <= 3, 'the client was answered %.1f s after the VIP came back' % (first - added)
    assert not nodes['single-dir'].service('keepalived').is_running
    assert sum(1 for when in result['answered_at'] if when < restarted) >= 10, 'the probe was not answering before'
    assert max(result['last'].values()) > restarted, 'no answer after the reboot'
    assert result['failures'] > 0 and result['outage_s'] > 0, 'a reboot of the only director cannot go unnoticed'
