# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain and return a real server under load (playbooks/drain.yml and undrain.yml): keepalived
sets web1's weight to 0 on both directors from its drain file, without a reload; a download in
flight to web1 finishes; no new connection goes to web1; the drain outlasts a keepalived reload
and a restart; status.yml shows it drained; the return gives web1 its weight back and it gets traffic
again. The client's request loop (4 s timeout, as the rollout's) sees 0 failures throughout.
The rollout test proves that a drain outlasts a site.yml run too.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import time

from conftest import (HANDOVER_TIMEOUT_S, VIP, ansible_playbook, failed_requests, failure, handover_summary, settled,
                      start_probe, stop_probe, wait_for)

WEB1 = '10.88.0.21'
SLOW_BYTES = 1048576     # /slow: 1 MiB at 16 KiB/s (prepare.yml), about 64 s: still open when drain.yml waits
QUIET_S = 5              # traffic watched after the drain for a new connection to web1
TCPFIN_S = 20            # director_lvs_timeouts.tcpfin in the scenario's inventory


def weights(nodes, director, address=WEB1):
    """``director``'s live weights of ``address`` in each service: {service line: weight}."""
    text = nodes[director].check_output('ipvsadm -Ln')
    found, service = {}, None
    for line in text.splitlines():
        head = re.match(r'^(TCP|UDP|FWM)\s+(\S+)', line)
        if head:
            service = '%s %s' % head.groups()
        rs = re.match(r'^\s+->\s+%s:\d+\s+\w+\s+(\d+)\s' % re.escape(address), line)
        if rs and service:
            found[service] = int(rs.group(1))
    return found


def connections_scheduled(nodes, address=WEB1):
    """Connections dir1 (the master, which forwards all traffic: settled) has scheduled to
    ``address`` so far, over every service. dir2's counters are left out: the test restarts its
    keepalived, which rebuilds its table and counters."""
    text = nodes['dir1'].check_output('ipvsadm -Ln --stats --exact')
    return sum(int(n) for n in re.findall(r'^\s+->\s+%s:\d+\s+(\d+)\s' % re.escape(address), text, re.M))


def streams_to(nodes, address):
    """Client ports of the client's established connections that dir1 sends to ``address``:80."""
    text = nodes['dir1'].check_output('ipvsadm -Lnc')
    return re.findall(r'ESTABLISHED\s+10\.88\.0\.30:(\d+)\s+%s:80\s+%s:80' % (re.escape(VIP), re.escape(address)), text)


def start_streams(nodes, count=2):
    """``count`` slow downloads of /slow from the client (rr: one on each web node), each
    writing one line when it ends: start, end, http code, bytes, curl's exit status."""
    client = nodes['client']
    for n in range(count):
        client.check_output('rm -f /tmp/drain-stream{0}.status; (b=$(date +%s.%N); w=$(curl -s -o /dev/null --max-time 150 '
                            '-w "%{{http_code}} %{{size_download}}" http://{1}/slow); rc=$?; '
                            'echo "$b $(date +%s.%N) ${{w:-000 0}} exit=$rc" > /tmp/drain-stream{0}.status) '
                            '> /dev/null 2>&1 &'.format(n, VIP))
        time.sleep(0.3)


def stream_results(nodes, count=2):
    client = nodes['client']
    wait_for('the streams to end', lambda: all('exit=' in client.check_output(
        'cat /tmp/drain-stream%d.status 2>/dev/null || true' % n) for n in range(count)), 150, 1)
    return [client.check_output('cat /tmp/drain-stream%d.status' % n).split() for n in range(count)]


def summary_lines(output, director):
    """The drain_summary lines the playbook printed for ``director``."""
    match = re.search(r'^ok: \[%s\] => \{\n\s+"msg": \[\n((?:\s+".*",?\n)+)' % director, output, re.M)
    assert match, failure(output)
    return [line.strip().rstrip(',').strip('"') for line in match.group(1).splitlines()]


def test_drain_and_return_under_load(nodes):
    settled(nodes)
    # weights as the inventory gives them: 1 in the DR service and in the fwmark service
    for director in ('dir1', 'dir2'):
        assert set(weights(nodes, director).values()) == {1}, weights(nodes, director)
    # keepalived set the inventory's FIN_WAIT timeout (director_lvs_timeouts), which bounds the wait
    for director in ('dir1', 'dir2'):
        timeouts = nodes[director].check_output('ipvsadm -Ln --timeout')
        assert re.search(r'\(tcp tcpfin udp\): \d+ %d \d+' % TCPFIN_S, timeouts), (director, timeouts)
    start_streams(nodes)
    wait_for('a download in flight to web1', lambda: streams_to(nodes, WEB1), 30)
    start_probe(nodes, 900, 'drain', timeout=HANDOVER_TIMEOUT_S)
    try:
        pids = dict((d, nodes[d].check_output('cat /run/keepalived.pid').strip()) for d in ('dir1', 'dir2'))
        started = time.monotonic()
        rc, out, drain_s = ansible_playbook('drain.yml', '-e', 'real_server=web1', '-e', '{"director_drain_timeout": 150}')
        assert rc == 0, failure(out)
        dir1_lines = summary_lines(out, 'dir1')
        print('\ndrain.yml took %.1f s; dir1 said: %s' % (drain_s, ' | '.join(dir1_lines)))
        print('dir2 said: %s' % ' | '.join(summary_lines(out, 'dir2')))
        assert dir1_lines[0] == 'web1 (10.88.0.21) is drained here', dir1_lines
        # it waited for something real: web1's download (active) on dir1, the master
        waited = [line for line in dir1_lines if line.startswith('connections here at the start of the wait')]
        assert waited, dir1_lines
        active = int(re.search(r'wait: (\d+) active', waited[0]).group(1))
        assert active >= 1, waited
        # no reload, no restart: the same keepalived processes
        assert dict((d, nodes[d].check_output('cat /run/keepalived.pid').strip()) for d in ('dir1', 'dir2')) == pids
        for director in ('dir1', 'dir2'):
            assert set(weights(nodes, director).values()) == {0}, weights(nodes, director)
        assert 'www (tcp:10.88.0.100:80, port 80): weight 1 -> 0' in dir1_lines, dir1_lines
        assert streams_to(nodes, WEB1) == []
        # the download in flight to web1 finished whole, before drain.yml returned
        for began, ended, code, size, code_exit in stream_results(nodes):
            assert (code, int(size), code_exit) == ('200', SLOW_BYTES, 'exit=0'), (code, size, code_exit)
        # from now on, no new connection to web1 (the probe keeps sending requests; the wait above
        # could only end at 0 connections because none came during it either)
        before = connections_scheduled(nodes)
        time.sleep(QUIET_S)
        assert connections_scheduled(nodes) == before, 'a new connection went to web1 while it was drained'
        # the drain outlasts a reload and a restart of keepalived (on dir2, the backup: its checkers
        # program its table all the same; the rollout test reloads the master with a drain on)
        nodes['dir2'].check_output('systemctl reload keepalived')
        time.sleep(2)
        assert weights(nodes, 'dir2') == {'TCP %s:80' % VIP: 0, 'FWM 1': 0}, weights(nodes, 'dir2')
        nodes['dir2'].check_output('systemctl restart keepalived')
        wait_for('web1 back in dir2\'s table after the restart', lambda: len(weights(nodes, 'dir2')) == 2, 60)
        time.sleep(2)
        for director in ('dir1', 'dir2'):
            assert weights(nodes, director) == {'TCP %s:80' % VIP: 0, 'FWM 1': 0}, (director, weights(nodes, director))
        assert connections_scheduled(nodes) == before, 'a new connection went to web1 after the reload or restart'
        # status.yml shows the drain on both directors and, web2 serving, finds nothing wrong
        rc, out, status_s = ansible_playbook('status.yml')
        assert rc == 0, failure(out)
        rows = re.findall(r'^\s*"(dir\d)\s+(\w+)\s+\S+\s+10\.88\.0\.21:\d+\s+web1\s+(\d+)\s+1\s+(\w+)\s+(yes|no)\s', out, re.M)
        print('status.yml (%.1f s), web1: %s' % (status_s, rows))
        assert sorted(rows) == [(d, svc, '0', 'up', 'yes') for d in ('dir1', 'dir2') for svc in ('sticky', 'www')], out
        # the return: the inventory weight again, and web1 gets new connections
        rc, out, undrain_s = ansible_playbook('undrain.yml', '-e', 'real_server=web1')
        assert rc == 0, failure(out)
        print('undrain.yml took %.1f s; dir1 said: %s' % (undrain_s, ' | '.join(summary_lines(out, 'dir1'))))
        for director in ('dir1', 'dir2'):
            assert set(weights(nodes, director).values()) == {1}, weights(nodes, director)
        back = wait_for('web1 to get new connections again', lambda: connections_scheduled(nodes) > before, 20, 0.5)
        print('web1 got a new connection %.1f s after undrain.yml returned; %.1f s from the drain\'s start'
              % (back, time.monotonic() - started))
    finally:
        result = stop_probe(nodes, 'drain')
        # a failure above must not leave web1 drained for the tests after this one
        for director in ('dir1', 'dir2'):
            nodes[director].run('echo 0 > /var/lib/lvs-cluster/drain/%s' % WEB1)
    print('client over drain, reload, restart and return: %s' % handover_summary(result))
    assert result['failures'] == 0, failed_requests(nodes, result)
    assert result['hosts'].get('web1', 0) > 0 and result['hosts'].get('web2', 0) > 0, result['hosts']
    settled(nodes)
