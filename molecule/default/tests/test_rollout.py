# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Safe rollout: site.yml changes the directors one at a time (backup first, master last) with a
health check between them (keepalived.conf, the one thing that differs, is the one task that
runs there), a rolling keepalived restart, and site.yml taking the change back (a real server
leaves: its VIP goes only after the directors stopped sending it traffic) and repairing drift (every
task runs again on dir1 and nat1 and must change only the drifted file) with web2 drained (it stays drained
through that run's reloads and health checks until undrain.yml), while a client keeps
sending requests. A client that lets TCP retransmit a lost SYN twice (4 s timeout, each step;
curl's own connect timeout is 300 s) must see 0 failures; the requests a hand-over delayed are
counted (1 s or more, 3 s or more).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

from conftest import (DIRECTOR_FILES_TASK, DIRECTOR_PACKAGES_TASK, DRIFT_UNDONE, HANDOVER_TIMEOUT_S, KEEPALIVED_CONF_TASK,
                      REAL_SERVER_ARP_TASK, REPAIR_DRIFT, VIP_LIST_TASK, VIP_SCRIPT_TASK, ansible_playbook, changed, changed_tasks,
                      checks, drift, failed_requests, failure, handover_summary, journal_time, now, real_servers, settled,
                      slowest_tasks, start_probe, stop_probe, table, task_hosts)

CHANGE = os.path.join(os.path.dirname(__file__), '..', 'files', 'rollout-change.yml')


def director_order(output, play):
    """Hosts in the order they first report a task result inside ``play``."""
    section = output[output.index('PLAY [%s' % play):]
    section = section[:section.index('PLAY RECAP')]
    order = []
    for host in re.findall(r'^(?:ok|changed): \[(dir\d)\]', section, re.M):
        if host not in order:
            order.append(host)
    return order


def keepalived_pids(nodes):
    return dict((d, nodes[d].check_output('cat /run/keepalived.pid').strip()) for d in ('dir1', 'dir2'))


def test_rollout_and_restart_under_load(nodes):
    settled(nodes)
    start_probe(nodes, 1800, 'rollout', timeout=HANDOVER_TIMEOUT_S)
    phases = []  # (what, start, end) in the client's clock, to place failed requests
    try:
        started = now(nodes['client'])
        rc, out, change_s = ansible_playbook('site.yml', '-e', '@' + CHANGE)
        phases.append(('site.yml with the change', started, started + change_s))
        assert rc == 0, failure(out)
        conf_only_changed = changed_tasks(out, 'dir1')  # the master's keepalived.conf change: its reload hands the VIPs over
        order = director_order(out, 'Directors')
        print('\nchange rolled out in %.1f s, directors in order %s; slowest tasks: %s' % (change_s, order, slowest_tasks(out)))
        assert order == ['dir2', 'dir1'], order
        # only keepalived.conf differed on the directors, only the VIP list on web3: those tasks
        # changed them, and no host ran its install tasks
        assert (task_hosts(out, KEEPALIVED_CONF_TASK, ('changed',)) | task_hosts(out, VIP_LIST_TASK, ('changed',))
                == {'dir1', 'dir2', 'web3'}), failure(out)
        assert task_hosts(out, DIRECTOR_PACKAGES_TASK) | task_hosts(out, REAL_SERVER_ARP_TASK) == set(), failure(out)
        for director in ('dir1', 'dir2'):
            text = table(nodes, director)
            assert re.search(r'->\s+10\.88\.0\.21:80\s+Route\s+3\s', text), text
            assert real_servers(nodes, director) == {'10.88.0.21', '10.88.0.22', '10.88.0.23'}
        # the inventory without the change: restart.yml refuses before restarting anything
        pids = keepalived_pids(nodes)
        rc, out, dummy = ansible_playbook('restart.yml')
        assert rc != 0
        assert 'differs from what the inventory' in out, failure(out)
        assert keepalived_pids(nodes) == pids, 'restarted anyway'
        # the inventory with the change (what an operator would have): a rolling restart
        started = now(nodes['client'])
        rc, out, restart_s = ansible_playbook('restart.yml', '-e', '@' + CHANGE)
        phases.append(('restart.yml', started, started + restart_s))
        assert rc == 0, failure(out)
        print('rolling keepalived restart in %.1f s, order %s; slowest tasks: %s'
              % (restart_s, director_order(out, 'Restart'), slowest_tasks(out)))
        assert director_order(out, 'Restart') == ['dir2', 'dir1']
        # the master came back pinned at priority 1 and dir2 handed the VIP back drained (yield:
        # FAULT, a priority 0 advert), instead of dir1 preempting dir2, which drops the VIP at once
        yielded = re.search(r'TASK \[lvs\.cluster\.director : Peers hand the VIPs back.*\n(?:(?!TASK ).*\n)*?changed: \[dir1 -> dir2[\](]', out)
        assert yielded, failure(out)
        preempted = journal_time(nodes['dir2'], r'Master received advert from 10\.88\.0\.11 with higher priority', started, wait=0)
        assert preempted is None, 'dir1 preempted dir2 at %.1f s into restart.yml' % (preempted - started)
        # back to the inventory without the change: web3 leaves the service, rr again; the same
        # run repairs drift (REPAIR_DRIFT: dir1 and nat1 run every task, web1 only its list's task)
        # a drain outlasts site.yml: web2 drained (playbooks/drain.yml, not waiting for its
        # connections: test_drain.py does) before the run that reloads both directors' keepalived
        started = now(nodes['client'])
        rc, drain_out, drain_s = ansible_playbook('drain.yml', '-e', 'real_server=web2', '-e', '{"director_drain_wait": false}')
        phases.append(('drain.yml web2', started, started + drain_s))
        assert rc == 0, failure(drain_out)
        drift(nodes, REPAIR_DRIFT)
        started = now(nodes['client'])
        rc, out, back_s = ansible_playbook('site.yml', '-v')
        phases.append(('site.yml back (web3 out, drift repaired)', started, started + back_s))
        assert rc == 0, failure(out)
        repaired = dict((host, changed_tasks(out, host)) for host in ('dir1', 'dir2', 'nat1'))
        print('change taken back and drift repaired in %.1f s; changed: %s; slowest tasks: %s'
              % (back_s, dict((host, sorted(names)) for host, names in repaired.items()), slowest_tasks(out)))
        assert checks(out) == {'dir1': False, 'dir2': False, 'web1': False, 'web2': True, 'web3': False,
                               'nat1': False, 'tun1': True}, failure(out)
        for host, path, mode in REPAIR_DRIFT:
            assert '%s has mode %04o, not %04o' % (path, mode, DRIFT_UNDONE[path]) in out, failure(out)
            assert nodes[host].file(path).mode == DRIFT_UNDONE[path]
        assert task_hosts(out, DIRECTOR_PACKAGES_TASK) == {'dir1'}, failure(out)
        assert task_hosts(out, REAL_SERVER_ARP_TASK) == {'nat1'}, failure(out)
        assert task_hosts(out, VIP_LIST_TASK, ('changed',)) == {'web1', 'web3'}, failure(out)
        assert changed(out, ('web2', 'tun1')) == {'web2': 0, 'tun1': 0}, failure(out)
        # every task ran again on dir1 and nat1 for real: none changed anything but the drifted
        # file and what the first run's keepalived.conf change changed on dir1 (its task alone ran)
        assert repaired['nat1'] == {VIP_SCRIPT_TASK}, failure(out)
        assert KEEPALIVED_CONF_TASK in conf_only_changed, conf_only_changed
        assert repaired['dir1'] == conf_only_changed | {DIRECTOR_FILES_TASK}, (conf_only_changed, repaired['dir1'])
        for director in ('dir1', 'dir2'):
            assert re.search(r'TCP\s+10\.88\.0\.100:80 rr', table(nodes, director)), table(nodes, director)
            assert real_servers(nodes, director) == {'10.88.0.21', '10.88.0.22'}
        for director in ('dir1', 'dir2'):
            assert re.search(r'->\s+10\.88\.0\.22:80\s+Route\s+0\s', table(nodes, director)), table(nodes, director)
        started = now(nodes['client'])
        rc, undrain_out, undrain_s = ansible_playbook('undrain.yml', '-e', 'real_server=web2')
        phases.append(('undrain.yml web2', started, started + undrain_s))
        assert rc == 0, failure(undrain_out)
        print('web2 drained before site.yml, still drained after it, returned: drain.yml %.1f s, undrain.yml %.1f s'
              % (drain_s, undrain_s))
        for director in ('dir1', 'dir2'):
            assert re.search(r'->\s+10\.88\.0\.22:80\s+Route\s+1\s', table(nodes, director)), table(nodes, director)
        assert ' 10.88.0.100/32 ' not in nodes['web3'].check_output('ip -o addr show dev lo')
        # web3 kept its VIP through the directors' plays; the last play removed it
        # (web3's list lost the VIP: the first play's handler adds the listed VIPs and removes none)
        kept = re.search(r'RUNNING HANDLER \[lvs\.cluster\.real_server : LVS real server - Add the listed VIPs, '
                         r'remove none\].*\n(?:(?!TASK |RUNNING HANDLER ).*\n)*?(?:ok|changed): \[web3\]', out)
        removed = re.search(r'TASK \[lvs\.cluster\.real_server : Remove them .*\n(?:(?!TASK ).*\n)*?changed: \[web3\]', out)
        assert removed and removed.start() > out.index('PLAY [Directors'), failure(out)
        assert kept and kept.start() < out.index('PLAY [Directors'), failure(out)
    finally:
        result = stop_probe(nodes, 'rollout')
    print('client over change, restart and back: %s' % handover_summary(result))
    assert result['failures'] == 0, failed_requests(nodes, result, phases)
    assert result['hosts'].get('web3', 0) > 0, 'the new real server never got a request'
    # the last test of the scenario: the cluster is back as converged
    settled(nodes)
