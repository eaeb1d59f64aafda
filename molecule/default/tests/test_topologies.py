# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scenario's other topologies, converged by the same site.yml run as the DR service:

- a persistent fwmark service (the seeds' persistent connections): the directors mark the
  packets to 10.88.0.101 ports 80 and 443 (fwmark_ports, nftables), IPVS balances both ports as
  one service, and each client stays on one real server across both ports; when that server
  fails, the client moves to the other one, on both ports;
- connection sync (director_lvs_sync_daemon): a long response in flight through the master
  survives the master's cable being pulled, because the backup already knows the connection;
- NAT with port mapping: the client's requests to 10.88.0.102:80 reach nat1's port 8080 on the
  private network 10.89.0.0/24 (nginx listens on nothing else there), nat1's replies go back
  through the director that holds the gateway VIP 10.89.0.254 (its default route, set by the
  real_server role), which gives them the VIP as their source; when the master's cable is pulled,
  dir2 takes the gateway VIP with the service VIP and the NAT service answers through dir2;
- TUN across subnets: the directors tunnel the requests to 10.88.0.103:80 (IP-in-IP) to tun1 on
  10.90.0.0/24, which no director is on (the lab guest routes between its bridges); tun1 holds
  the VIP on tunl0 and answers the client directly, through the router; its health checks cross
  the router too.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time

from conftest import (FAILOVER_OUTAGE_S, FAILOVER_TAKEOVER_S, FAILOVER_TIMEOUT_S, REAL_SERVER_BACK_S,
                      REAL_SERVER_OUT_S, STATS_SETTLE_S, VIP,
                      failed_requests, holds_vip, journal_time, settled, start_probe, stop_probe, table, takeover,
                      vip_holders, wait_for, warmed_up)

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
    cut, took, ended, code, size, code_exit = _download_over_cut(nodes, lab, synced=True)
    assert code_exit == 'exit=0' and code == '200' and int(size) == STREAM_BYTES, (code, size, code_exit)
    # still going when dir2 took over: the rest of it came through dir2
    assert ended > cut + took, (ended, cut, took)
    settled(nodes)


def test_without_the_synced_entry_the_same_download_is_cut(nodes, lab):
    """The control of the test above: the same download and cable pull with dir2's backup sync
    daemon stopped by hand, so that dir2 never learns the connection. dir2 answers the client's
    next packet with a reset (its stack holds the VIP, no socket), and the download fails. This is
    what the sync daemon saves; without this run the test above could pass for another reason."""
    dir2 = nodes['dir2']
    dir2.check_output('ipvsadm --stop-daemon backup')
    try:
        cut, took, ended, code, size, code_exit = _download_over_cut(nodes, lab, synced=False)
    finally:
        # keepalived starts its sync daemons again at a reload
        dir2.check_output('systemctl reload keepalived')
        restored = wait_for('dir2\'s backup sync daemon again',
                            lambda: 'backup sync daemon' in dir2.check_output('ipvsadm -L --daemon'), 30)
        print('dir2 reloaded: backup sync daemon running again after %.2f s' % restored)
    assert code_exit != 'exit=0' and int(size) < STREAM_BYTES, (code, size, code_exit)
    assert ended > cut + took, (ended, cut, took)
    settled(nodes)


def _download_over_cut(nodes, lab, synced):
    """The client downloads /stream through dir1 and dir1's cable is pulled while it runs: (the
    cut, dir2's takeover after it, the end of the download, http code, bytes, curl's exit)."""
    settled(nodes)
    client = nodes['client']
    # one line when curl ends: start and end (client clock), http code, bytes, curl's exit status
    client.check_output('rm -f /tmp/stream.out /tmp/stream.status; '
                        '(b=$(date +%%s.%%N); w=$(curl -s -o /tmp/stream.out --max-time 60 '
                        '-w "%%{http_code} %%{size_download}" http://%s/stream); rc=$?; '
                        'echo "$b $(date +%%s.%%N) ${w:-000 0} exit=$rc" > /tmp/stream.status) > /dev/null 2>&1 &' % VIP)
    wait_for('the stream in dir1\'s connection table', lambda: 'ESTABLISHED' in
             _stream_entries(nodes, 'dir1'), 10)
    if synced:
        # dir2 holds the synced entry (ESTABLISHED, client port > 0)
        since = wait_for('the stream synced to dir2', lambda: 'ESTABLISHED' in _stream_entries(nodes, 'dir2'), 10)
        entry = '\n'.join(line for line in _stream_entries(nodes, 'dir2').splitlines() if 'ESTABLISHED' in line)
        print('\nstream under way; dir2 had its synced entry after %.2f s: %s' % (since, entry.strip()))
    else:
        port = re.findall(r'ESTABLISHED\s+10\.88\.0\.30:(\d+)\s', _stream_entries(nodes, 'dir1'))[-1]
        time.sleep(2)   # longer than the synced entry took in the test above
        entries = [line for line in _stream_entries(nodes, 'dir2').splitlines() if '10.88.0.30:%s ' % port in line]
        print('\nstream under way (client port %s); dir2\'s entries for it, sync daemon stopped: %s' % (port, entries))
        assert entries == [], entries
    link, cut = lab.unplug(nodes['dir1'])
    try:
        wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.2)
        took = takeover(nodes, cut)
        print('dir1 cable pulled: dir2 MASTER after %.3f s' % took)
        wait_for('the stream to end', lambda: 'exit=' in client.check_output('cat /tmp/stream.status 2>/dev/null || true'), 60, 1)
    finally:
        lab.plug(link)
    began, ended, code, size, code_exit = client.check_output('cat /tmp/stream.status').split()
    ended = float(ended)
    print('stream ended %.1f s after the cut (%.1f s after dir2 took over): http %s, %s bytes in %.1f s, curl %s'
          % (ended - cut, ended - cut - took, code, size, ended - float(began), code_exit))
    return cut, took, ended, code, size, code_exit


def _stream_entries(nodes, director):
    """``ipvsadm -Lnc`` lines of the client's connections to the VIP's port 80."""
    text = nodes[director].check_output('ipvsadm -Lnc')
    return '\n'.join(line for line in text.splitlines() if '10.88.0.30:' in line and '%s:80' % VIP in line)


NAT_VIP = '10.88.0.102'
NAT_URL = 'http://%s/' % NAT_VIP
NAT_REAL = '10.89.0.31'
GATEWAY = '10.89.0.254'
CLIENT = '10.88.0.30'


def counters(nodes, director, vip):
    """``director``'s IPVS counters of the service ``vip``:80: connections, packets in, packets out."""
    stats = nodes[director].check_output('ipvsadm -Ln --stats --exact -t %s:80' % vip)
    line = re.search(r'TCP\s+%s:80\s+(\d+)\s+(\d+)\s+(\d+)' % re.escape(vip), stats)
    assert line, stats
    return [int(x) for x in line.groups()]


def requests(nodes, vip, count):
    """``count`` requests from the client to ``vip``:80, one ssh command: (answering host or an
    error, the address and port curl was connected to) per request."""
    script = ('for i in $(seq %d); do out=$(curl -s --max-time 3 -w " %%{remote_ip}:%%{remote_port}" http://%s/) '
              '|| out="error:$? -"; echo $out; done' % (count, vip))
    return [tuple(line.split()) for line in nodes['client'].check_output(script).splitlines()]


def counted_through(nodes, director, vip, before, answered):
    """The deltas of ``director``'s counters of ``vip`` since ``before``, read again until they
    hold the ``answered`` connections (IPVS folds its counters in every 2 s)."""
    deltas = []

    def counted():
        deltas[:] = [after - was for after, was in zip(counters(nodes, director, vip), before)]
        return deltas[0] >= answered
    wait_for('%s counting the %d connections to %s' % (director, answered, vip), counted, STATS_SETTLE_S, 0.5)
    return deltas


def access_log(nodes, host):
    return nodes[host].check_output('cat /var/log/nginx/access.log').splitlines()


def ten_requests(nodes, vip, host, kind):
    """10 requests from the client to ``vip``:80, each answered by ``host`` over a connection to
    the VIP; returns dir1's counter deltas of the service (connections, packets in, packets out)
    and how many requests from the client's address ``host``'s nginx logged meanwhile."""
    before, logged = counters(nodes, 'dir1', vip), len(access_log(nodes, host))
    answers = requests(nodes, vip, 10)
    print('client to http://%s/, 10 requests: %s' % (vip, answers))
    assert answers == [(host, '%s:80' % vip)] * 10, answers
    deltas = counted_through(nodes, 'dir1', vip, before, 10)
    print('dir1 %s counters over the 10 requests: conns +%d, in packets +%d, out packets +%d' % tuple([kind] + deltas))
    return deltas, sum(1 for line in access_log(nodes, host)[logged:] if line.startswith(CLIENT + ' '))


def test_nat_maps_the_port_and_the_replies_come_back_through_the_director(nodes):
    settled(nodes)
    for director in ('dir1', 'dir2'):
        text = table(nodes, director)
        assert re.search(r'TCP\s+%s:80 rr\s*\n\s+->\s+%s:8080\s+Masq\s+1\s' % (re.escape(NAT_VIP), re.escape(NAT_REAL)),
                         text), text
        assert nodes[director].sysctl('net.ipv4.ip_forward') == 1
    # the gateway VIP moves with the service VIPs: on the master's private side only
    assert 'inet %s/24 ' % GATEWAY in nodes['dir1'].check_output('ip -4 addr show dev eth1')
    assert 'inet %s/' % GATEWAY not in nodes['dir2'].check_output('ip -4 addr show dev eth1')

    # what the real_server role made of nat1: its default route through the gateway VIP (the
    # script's proto 76), and nothing of DR: no VIP on lo, no ARP sysctls
    nat1 = nodes['nat1']
    routes = nat1.check_output('ip -4 route show default')
    print('\nnat1 default route: %s' % routes.strip())
    assert re.search(r'^default via %s dev eth0 proto 76 ' % re.escape(GATEWAY), routes, re.M), routes
    assert 'via %s ' % GATEWAY in nat1.check_output('ip -4 route get %s' % CLIENT)
    assert '10.88.0.' not in nat1.check_output('ip -4 -o addr show dev lo')
    assert nat1.sysctl('net.ipv4.conf.all.arp_ignore') == 0
    assert nat1.sysctl('net.ipv4.conf.all.arp_announce') == 0

    # the traffic: every request answered by nat1, over a connection to the VIP's port 80 (the
    # client completed its handshake with the VIP: the replies carried the VIP as source)
    (conns, inpkts, outpkts), from_client = ten_requests(nodes, NAT_VIP, 'nat1', 'NAT')
    # the replies passed the director (a DR director's out packets stay 0)
    assert conns == 10 and inpkts >= 30 and outpkts >= 30, (conns, inpkts, outpkts)
    # nginx on nat1 (port 8080 only) saw the client's own address: NAT rewrote only the destination
    assert from_client == 10, from_client


def test_nat_service_follows_the_gateway_vip_to_the_backup(nodes, lab):
    """The master's cable pulled: dir2 takes the service VIP and the gateway VIP at once (one VRRP
    instance), nat1's replies follow the gateway to dir2, and the client's NAT requests are
    answered through dir2 after an outage no longer than a DR client's."""
    settled(nodes)
    start_probe(nodes, 60, 'natfailover', timeout=FAILOVER_TIMEOUT_S, url=NAT_URL)
    link, cut = lab.unplug(nodes['dir1'])
    try:
        wait_for('dir2 to hold the VIP', lambda: holds_vip(nodes, 'dir2'), 30, 0.2)
        wait_for('dir2 to hold the gateway VIP',
                 lambda: 'inet %s/24 ' % GATEWAY in nodes['dir2'].check_output('ip -4 addr show dev eth1'), 10, 0.2)
        before = counters(nodes, 'dir2', NAT_VIP)
        time.sleep(2)  # answers through dir2
        result = stop_probe(nodes, 'natfailover')
        deltas = counted_through(nodes, 'dir2', NAT_VIP, before, 1)
    finally:
        lab.plug(link)
    took = takeover(nodes, cut)
    print('\ndir1 cable pulled: dir2 MASTER after %.3f s; NAT client: %d requests, %d failed %s, outage %.3f s; '
          'dir2 NAT counters while it held the VIPs: conns +%d, in +%d, out +%d'
          % (took, result['requests'], result['failures'], result['errors'], result['outage_s'],
             deltas[0], deltas[1], deltas[2]))
    warmed_up(result, cut)
    assert set(result['hosts']) == {'nat1'}, result['hosts']
    assert took <= FAILOVER_TAKEOVER_S
    assert result['outage_s'] <= FAILOVER_OUTAGE_S, failed_requests(nodes, result)
    assert max(result['last'].values()) > cut + took, 'no answer after dir2 took over'
    # the replies of those answers passed dir2
    assert deltas[0] >= 1 and deltas[2] >= deltas[0], deltas
    wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], 90, 0.2)
    wait_for('the gateway VIP back on dir1 only',
             lambda: 'inet %s/' % GATEWAY not in nodes['dir2'].check_output('ip -4 addr show dev eth1'), 30, 0.5)
    answers = requests(nodes, NAT_VIP, 4)
    print('after the cable is back: %s' % answers)
    assert answers == [('nat1', '%s:80' % NAT_VIP)] * 4, answers
    settled(nodes)


TUN_VIP = '10.88.0.103'
TUN_REAL = '10.90.0.41'
ROUTER = '10.90.0.1'   # the lab guest, between its bridges


def tun_servers(nodes, director='dir1'):
    text = table(nodes, director)
    section = text.split('TCP  %s:80 ' % TUN_VIP, 1)[1].split('\nTCP', 1)[0].split('\nFWM', 1)[0] \
        if 'TCP  %s:80 ' % TUN_VIP in text else ''
    return set(re.findall(r'->\s+(10\.90\.0\.\d+):80\s+Tunnel\s', section))


def test_tun_reaches_a_real_server_behind_a_router_and_it_answers_directly(nodes):
    settled(nodes)
    for director in ('dir1', 'dir2'):
        assert tun_servers(nodes, director) == {TUN_REAL}, table(nodes, director)
        # no director is on tun1's subnet: the tunnelled packets leave through a router
        route = nodes[director].check_output('ip -4 route get %s' % TUN_REAL)
        assert ' via ' in route, route
    print('\ndir1 to tun1: %s' % nodes['dir1'].check_output('ip -4 route get %s' % TUN_REAL).splitlines()[0])
    # what the real_server role made of tun1: the VIP on tunl0 (ipip), ARP hidden, loose rp_filter
    tun1 = nodes['tun1']
    assert tun1.file('/sys/module/ipip').is_directory
    assert re.search(r'inet %s/32 .*tunl0:lvs' % re.escape(TUN_VIP), tun1.check_output('ip -4 -o addr show dev tunl0'))
    assert tun1.sysctl('net.ipv4.conf.all.arp_ignore') == 1 and tun1.sysctl('net.ipv4.conf.all.arp_announce') == 2
    assert tun1.sysctl('net.ipv4.conf.tunl0.rp_filter') == 2
    back = tun1.check_output('ip -4 route get %s' % CLIENT)
    print('tun1 to the client: %s' % back.splitlines()[0])
    assert 'via %s ' % ROUTER in back, back

    (conns, inpkts, outpkts), from_client = ten_requests(nodes, TUN_VIP, 'tun1', 'TUN')
    # every request was a connection through dir1; tun1 answered the client itself, and its nginx
    # saw the client's address (the inner packet's)
    assert conns == 10 and inpkts >= 30, (conns, inpkts)
    assert outpkts == 0, 'replies went through the director'
    assert from_client == 10, from_client

    # the fault: tun1's nginx stops; the directors' checks cross the router. The clock is read
    # just before the stop and the start (the lab's kernel clock, as dir1's journal)
    stopped = float(tun1.check_output('date +%s.%N; systemctl stop nginx').split()[0])
    try:
        wait_for('tun1 out of the TUN service', lambda: tun_servers(nodes) == set(), 30, 0.2)
        removed = journal_time(nodes['dir1'], r'Removing service \[10\.90\.0\.41\]:tcp:80', stopped)
    finally:
        started = float(tun1.check_output('date +%s.%N; systemctl start nginx').split()[0])
    wait_for('tun1 back in the TUN service', lambda: tun_servers(nodes) == {TUN_REAL}, 30, 0.2)
    added = journal_time(nodes['dir1'], r'\[10\.90\.0\.41\]:tcp:80 succeed on service|Adding service \[10\.90\.0\.41\]',
                         started)
    assert removed is not None and added is not None, (removed, added)
    print('nginx stopped on tun1: keepalived removed it %.2f s later; started again: back %.2f s later'
          % (removed - stopped, added - started))
    assert removed - stopped <= REAL_SERVER_OUT_S and added - started <= REAL_SERVER_BACK_S
    answers = requests(nodes, TUN_VIP, 2)
    assert answers == [('tun1', '%s:80' % TUN_VIP)] * 2, answers
