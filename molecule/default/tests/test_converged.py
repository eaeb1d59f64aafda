# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reruns of site.yml on the converged cluster. Each host is first checked in one call
(lvs.cluster.converged) and its install and configure tasks are skipped when they would change
nothing. That every task changes nothing on a converged cluster is molecule's idempotence step
(converge.yml switches the one call off, so every task runs again for real); here drift on a
host must be found by the check, shown by that host's tasks in check mode without a write, and
repaired, while the others keep the one call. A drifted helper script (dir2) runs every task of
its host; a drifted VIP list (web1), the one thing that differs there, runs only the list's task
(real_server_conf_only), as a changed inventory does."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re

from conftest import DIRECTOR_PACKAGES_TASK, REAL_SERVER_ARP_TASK, VIP_LIST_TASK, ansible_playbook, failure, task_hosts

HOSTS = ('dir1', 'dir2', 'web1', 'web2', 'web3', 'nat1', 'tun1')
CONF = '/etc/lvs-real-server.conf'
SCRIPT = '/usr/local/libexec/lvs-cluster/lvs-handover'


def changed(output):
    """{host: changed count} of the cluster's hosts from the PLAY RECAP (the client is there too,
    from the preflight play)."""
    recap = output[output.rindex('PLAY RECAP'):]
    counts = dict(re.findall(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', recap, re.M))
    return dict((host, int(counts.get(host, -1))) for host in HOSTS)


def checks(output):
    """{host: the converged check's verdict} from a -v run's output."""
    return dict((host, verdict == 'true') for host, verdict in
                re.findall(r'^ok: \[(\S+)\] => \{.*"converged": (true|false)', output, re.M))


def test_drift_is_found_and_repaired_on_that_host_only(nodes):
    nodes['web1'].check_output('chmod 0600 %s' % CONF)
    nodes['dir2'].check_output('chmod 0700 %s' % SCRIPT)
    expected = {'dir1': True, 'dir2': False, 'web1': False, 'web2': True, 'web3': True, 'nat1': True, 'tun1': True}
    # check mode: the two drifted hosts run every task in check mode and report the one change,
    # the others keep the one call; nothing is written
    rc, out, took = ansible_playbook('site.yml', '--check', '-v')
    assert rc == 0, failure(out)
    assert checks(out) == expected
    assert changed(out) == {'dir1': 0, 'dir2': 1, 'web1': 1, 'web2': 0, 'web3': 0, 'nat1': 0, 'tun1': 0}, failure(out)
    assert nodes['web1'].file(CONF).mode == 0o600
    assert nodes['dir2'].file(SCRIPT).mode == 0o700
    # the whole task list on dir2, the list's task alone on web1
    assert task_hosts(out, DIRECTOR_PACKAGES_TASK) == {'dir2'}, failure(out)
    assert task_hosts(out, VIP_LIST_TASK) == {'web1'}, failure(out)
    assert task_hosts(out, REAL_SERVER_ARP_TASK) == set(), failure(out)

    rc, out, took = ansible_playbook('site.yml', '-v')
    assert rc == 0, failure(out)
    assert checks(out) == expected
    assert '%s has mode 0600, not 0644' % CONF in out
    assert '%s has mode 0700, not 0755' % SCRIPT in out
    assert changed(out) == {'dir1': 0, 'dir2': 1, 'web1': 1, 'web2': 0, 'web3': 0, 'nat1': 0, 'tun1': 0}, failure(out)
    assert nodes['web1'].file(CONF).mode == 0o644
    assert nodes['dir2'].file(SCRIPT).mode == 0o755
