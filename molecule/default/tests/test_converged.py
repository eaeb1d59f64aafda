# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reruns of site.yml on the converged cluster. Each host is first checked in one call
(lvs.cluster.converged) and its install and configure tasks are skipped when they would change
nothing. That every task changes nothing on a converged cluster is molecule's idempotence step
(converge.yml switches the one call off, so every task runs again for real). Here, in check mode,
drift on a host must be found by the check and shown by that host's tasks without a write: a
drifted helper script (dir2) runs every task of its host; a drifted VIP list (web1), the one
thing that differs there, runs only the list's task (real_server_conf_only), as a changed
inventory does. The run is limited to the two hosts (the preflight still sees the whole
inventory); the same drift is repaired for real, with the others keeping the one call, by
test_rollout.py's last site.yml run, under load (one site.yml run for both)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from conftest import (DIRECTOR_PACKAGES_TASK, DRIFT, REAL_SERVER_ARP_TASK, VIP_LIST_TASK, ansible_playbook, changed, checks,
                      drift, failure, task_hosts)


def test_drift_is_found_in_check_mode_and_nothing_is_written(nodes):
    drift(nodes)
    try:
        rc, out, took = ansible_playbook('site.yml', '--check', '-v', '--limit', 'dir2,web1')
        print('\nsite.yml --check on the two drifted hosts: %.1f s' % took)
        assert rc == 0, failure(out)
        assert checks(out) == {'dir2': False, 'web1': False}, failure(out)
        assert changed(out, ('dir2', 'web1')) == {'dir2': 1, 'web1': 1}, failure(out)
        for host, path, mode in DRIFT:
            assert nodes[host].file(path).mode == mode
        # the whole task list on dir2, the list's task alone on web1
        assert task_hosts(out, DIRECTOR_PACKAGES_TASK) == {'dir2'}, failure(out)
        assert task_hosts(out, VIP_LIST_TASK) == {'web1'}, failure(out)
        assert task_hosts(out, REAL_SERVER_ARP_TASK) == set(), failure(out)
    finally:
        # undone by hand: test_rollout.py drifts them again right before the run that repairs them
        drift(nodes, undo=True)
