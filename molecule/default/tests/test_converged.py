# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reruns of site.yml on the converged cluster, in check mode. Each host is first checked in
one call (lvs.cluster.converged) and its install and configure tasks are skipped when they would
change nothing; molecule's idempotence step, right after converge, finds every host converged
that way and changes nothing. Here drift on a host must be found by the check and shown by that
host's tasks without a write: a drifted script (the VIP script on web1, a helper script on dir2)
runs every task of its host, in check mode, and each must report no change but that file's (the
rerun of every task that proves them idempotent, with test_rollout.py's last site.yml run, which
repairs drift on the other director and the NAT real server for real). The run is limited to the
two hosts (the preflight still sees the whole inventory)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from conftest import (CHECK_DRIFT, DIRECTOR_FILES_TASK, DIRECTOR_PACKAGES_TASK, REAL_SERVER_ARP_TASK, VIP_SCRIPT_TASK,
                      ansible_playbook, changed, changed_tasks, checks, drift, failure, task_hosts)


def test_drift_is_found_in_check_mode_and_nothing_is_written(nodes):
    drift(nodes, CHECK_DRIFT)
    try:
        rc, out, took = ansible_playbook('site.yml', '--check', '-v', '--limit', 'dir2,web1')
        changed_by = dict((host, changed_tasks(out, host)) for host in ('dir2', 'web1'))
        print('\nsite.yml --check on the two drifted hosts: %.1f s; changed: %s'
              % (took, dict((host, sorted(names)) for host, names in changed_by.items())))
        assert rc == 0, failure(out)
        assert checks(out) == {'dir2': False, 'web1': False}, failure(out)
        for host, path, mode in CHECK_DRIFT:
            assert nodes[host].file(path).mode == mode
        # every task on both hosts; the drifted file's task is the one that reports a change
        assert task_hosts(out, DIRECTOR_PACKAGES_TASK) == {'dir2'}, failure(out)
        assert task_hosts(out, REAL_SERVER_ARP_TASK) == {'web1'}, failure(out)
        assert changed_by == {'dir2': {DIRECTOR_FILES_TASK}, 'web1': {VIP_SCRIPT_TASK}}, failure(out)
        assert changed(out, ('dir2', 'web1')) == {'dir2': 1, 'web1': 1}, failure(out)
    finally:
        # undone by hand
        drift(nodes, CHECK_DRIFT, undo=True)
