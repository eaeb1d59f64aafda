# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scenario's other topologies, converged by the same site.yml run as the DR service:

- a persistent fwmark service (the seeds' persistent connections): the directors mark the
  packets to 10.88.0.101 ports 80 and 443 (fwmark_ports, nftables), IPVS balances both ports as
  one service, and each client stays on one real server across both ports; when that server
  fails, the client moves to the other one, on both ports;
- connection sync (director_lvs_sync_daemon): a long response in flight through the master
  survives the master's cable being pulled, because the backup already knows the connection.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time

from conftest import VIP, holds_vip, settled, table, takeover, wait_for

STICKY_VIP = '10.88.0.101'
# a second client address, made by this test on the client's own interface
SECOND_CLIENT = '10.88.0.31'
WEB = {'web1': '10.88.0.21', 'web2': '10.88.0.22'}


def sticky_servers(nodes, director='dir1'):
    """Real servers of the fwmark service in ``director``'s IPVS table."""
    text = table(nodes, director)
    section = text[text.index('FWM  1 '):] if 'FWM  1 ' in text else ''
    section = section.split('\nTCP', 1)[0].split('\nFWM', 1)[0]
    return set(re.findall(r'->\s+(10\.88\.0\.\d+):0\s', section))


def ask(nodes, source, ports, rounds):
    """Requests from ``source`` to the sticky VIP, ``rounds`` times over ``ports``: a list of
    (port, answering host or an error) in order, from one ssh command."""
    script = ('for i in $(seq %d); do for p in %s; do '
              'h=$(curl -s --max-time 3 --interface %s http://%s:$p/) || h="error:$?"; echo "$p $h"; '
              'done; done' % (rounds, ' '.join(str(p) for p in ports), source, STICKY_VIP))
    lines = nodes['client'].check_output(script).splitlines()
    return [(int(port), host) for port, host in (line.split(None, 1) for line in lines)]


def test_fwmark_persistence_keeps_each_client_on_one_real_server_across_ports(nodes):
    settled(nodes)
    for director in ('dir1', 'dir2'):
        text = table(nodes, director)
        assert re.search(r'FWM\s+1 rr persistent 60', text), text
        assert sticky_servers(nodes, director) == set(WEB.values()), text
        rules = nodes[director].check_output('nft list table inet lvs_cluster_fwmark')
        assert re.search(r'ip daddr %s tcp dport \{ 80, 443 \} meta mark set 0x00000001' % re.escape(STICKY_VIP),
                         rules), rules
    client = nodes['client']
    client.check_output('ip addr add %s/16 dev eth0' % SECOND_CLIENT)
    try:
        pinned = {}
        for source in ('10.88.0.30', SECOND_CLIENT):
            answers = ask(nodes, source, (80, 443), 4)
            print('\nclient %s over ports 80 and 443: %s' % (source, answers))
            hosts = {host for dummy, host in answers}
            assert len(answers) == 8 and len(hosts) == 1 and hosts <= set(WEB), answers
            pinned[source] = hosts.pop()
        # rr scheduled the two clients' first connections: each got its own real server
        assert pinned['10.88.0.30'] != pinned[SECOND_CLIENT], pinned
        # the persistence template (protocol IP, the mark as its virtual address, port 0 on both
        # sides): this client's address to its real server
        templates = [line for line in nodes['dir1'].check_output('ipvsadm -Lnc').splitlines()
                     if re.match(r'IP\s', line) and ' 0.0.0.1:0 ' in line]
        print('persistence templates on dir1: %s' % templates)
        assert any(re.search(r'\s10\.88\.0\.30:0\s+0\.0\.0\.1:0\s+%s:0$' % re.escape(WEB[pinned['10.88.0.30']]),
                             line.rstrip()) for line in templates), templates

        # the fault: the first client's real server stops serving
        first = pinned['10.88.0.30']
        other = ({'web1', 'web2'} - {first}).pop()
        stopped = time.monotonic()
        nodes[first].check_output('systemctl stop nginx')
        try:
            took = wait_for('%s out of the fwmark service' % first,
                            lambda: sticky_servers(nodes) == {WEB[other]}, 30)
            print('nginx stopped on %s: out of the fwmark service after %.2f s' % (first, took))
            answers = ask(nodes, '10.88.0.30', (80, 443), 3)
            print('client 10.88.0.30 after the fault: %s' % answers)
            assert [host for dummy, host in answers] == [other] * 6, answers
        finally:
            nodes[first].check_output('systemctl start nginx')
        wait_for('%s back in the fwmark service' % first, lambda: sticky_servers(nodes) == set(WEB.values()), 30)
        print('nginx started again on %s: back after %.1f s' % (first, time.monotonic() - stopped))
    finally:
        client.check_output('ip addr del %s/16 dev eth0' % SECOND_CLIENT)


STREAM_BYTES = 1048576   # /stream: 1 MiB at 64 KiB/s (prepare.yml), about 16 s


def test_a_long_connection_survives_the_master_cable_pull(nodes, lab):
    """A download in flight through dir1 continues through dir2 after dir1's cable is pulled: the
    sync daemon had given dir2 the connection, so dir2 forwards its next packets to the same web
    node instead of answering them with a reset. The whole response arrives, after the takeover."""
    settled(nodes)
    client = nodes['client']
    client.check_output('rm -f /tmp/stream.out /tmp/stream.status; '
                        '(date +%%s.%%N > /tmp/stream.status; curl -s -o /tmp/stream.out --max-time 60 '
                        '-w "%%{http_code} %%{size_download} %%{time_total}" http://%s/stream >> /tmp/stream.status 2>&1; '
                        'echo " exit=$?" >> /tmp/stream.status) > /dev/null 2>&1 &' % VIP)
    # the download is under way and dir2 holds its synced entry (ESTABLISHED, client port > 0)
    wait_for('the stream in dir1\'s connection table', lambda: 'ESTABLISHED' in
             _stream_entries(nodes, 'dir1'), 10)
    synced = wait_for('the stream synced to dir2', lambda: 'ESTABLISHED' in _stream_entries(nodes, 'dir2'), 10)
    entry = '\n'.join(line for line in _stream_entries(nodes, 'dir2').splitlines() if 'ESTABLISHED' in line)
    print('\nstream under way; dir2 had its synced entry after %.2f s: %s' % (synced, entry.strip()))
    link, cut = lab.unplug(nodes['dir1'])
    try:
        wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.2)
        took = takeover(nodes, cut)
        print('dir1 cable pulled: dir2 MASTER after %.3f s' % took)
        wait_for('the stream to end', lambda: 'exit=' in client.check_output('cat /tmp/stream.status'), 60, 1)
    finally:
        lab.plug(link)
    began, code, size, total, code_exit = client.check_output('cat /tmp/stream.status').split()
    ended = float(began) + float(total)
    print('stream ended %.1f s after the cut (%.1f s after dir2 took over): http %s, %s bytes in %s s, curl %s'
          % (ended - cut, ended - cut - took, code, size, total, code_exit))
    assert code_exit == 'exit=0' and code == '200' and int(size) == STREAM_BYTES, (code, size, code_exit)
    # still going when dir2 took over: the rest of it came through dir2
    assert ended > cut + took, (began, total, cut, took)
    settled(nodes)


def _stream_entries(nodes, director):
    """``ipvsadm -Lnc`` lines of the client's connections to the VIP's port 80."""
    text = nodes[director].check_output('ipvsadm -Lnc')
    return '\n'.join(line for line in text.splitlines() if '10.88.0.30:' in line and '%s:80' % VIP in line)
