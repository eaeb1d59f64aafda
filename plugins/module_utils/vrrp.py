# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""VRRP state of keepalived as recorded by the lvs-vrrp-notify hook, and what it means.

One director: ``read_states`` + ``keepalived_pid`` -> ``assess`` (the rollout health check).
All directors: ``cluster_report`` (the status play's split-brain check).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os


def parse_state(text):
    """``state=MASTER\\npriority=150\\nsince=1700000000.1\\nkind=INSTANCE`` -> dict."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep:
            fields[key.strip()] = value.strip()
    result = {'state': fields.get('state', '').upper() or None, 'priority': None, 'since': None,
              'kind': fields.get('kind') or None}
    try:
        result['priority'] = int(fields['priority'])
    except (KeyError, ValueError):
        pass
    try:
        result['since'] = float(fields['since'])
    except (KeyError, ValueError):
        pass
    return result


def read_states(state_dir):
    """Every instance's recorded state under ``state_dir`` ({} when it does not exist)."""
    states = {}
    try:
        names = sorted(os.listdir(state_dir))
    except OSError:
        return states
    for name in names:
        if name.startswith('.'):
            continue
        try:
            with open(os.path.join(state_dir, name)) as handle:
                states[name] = parse_state(handle.read())
        except (IOError, OSError):
            continue
    return states


def keepalived_pid(pid_file, proc='/proc'):
    """PID of the running keepalived parent named by ``pid_file``, else None."""
    try:
        with open(pid_file) as handle:
            pid = int(handle.read().strip())
        with open(os.path.join(proc, str(pid), 'comm')) as handle:
            comm = handle.read().strip()
    except (IOError, OSError, ValueError):
        return None
    return pid if comm.startswith('keepalived') else None


def assess(running, states, expect):
    """Problems of one director: keepalived down, an instance missing or not in its expected state.

    ``expect`` maps instance name -> 'MASTER', 'BACKUP' or None (either, e.g. nopreempt).
    """
    problems = []
    if not running:
        problems.append('keepalived is not running')
        return problems
    for name in sorted(expect):
        want = expect[name]
        have = (states.get(name) or {}).get('state')
        if have is None:
            problems.append('%s: no VRRP state recorded yet' % name)
        elif have not in ('MASTER', 'BACKUP'):
            problems.append('%s is %s' % (name, have))
        elif want and have != want:
            problems.append('%s is %s, expected %s' % (name, have, want))
    return problems


def cluster_report(directors):
    """Join every director's status into one VRRP picture and name what is wrong with it.

    ``directors`` maps host -> ``{'reachable': bool, 'running': bool, 'instances': {name: {...}}}``
    (a keepalived_status result, ``reachable`` False when the host could not be asked).
    Returns ``{'instances': {name: {'MASTER': [hosts], 'BACKUP': [...], 'other': {host: state}}},
    'problems': [...], 'split_brain': [names]}``.
    """
    instances = {}
    problems = []
    for host in sorted(directors):
        info = directors[host] or {}
        if not info.get('reachable', True):
            problems.append('%s could not be reached: its VRRP state is unknown' % host)
            continue
        if not info.get('running'):
            problems.append('%s: keepalived is not running' % host)
            continue
        for name, status in sorted((info.get('instances') or {}).items()):
            entry = instances.setdefault(name, {'MASTER': [], 'BACKUP': [], 'other': {}})
            state = (status or {}).get('state')
            if state in ('MASTER', 'BACKUP'):
                entry[state].append(host)
            else:
                entry['other'][host] = state
    split = []
    for name in sorted(instances):
        entry = instances[name]
        if len(entry['MASTER']) > 1:
            split.append(name)
            problems.append('SPLIT BRAIN: %s is MASTER on %s at once (the directors do not hear '
                            'each other\'s adverts: check the VRRP path between them, multicast '
                            'filtering or unicast_peers)' % (name, ' and '.join(entry['MASTER'])))
        elif not entry['MASTER']:
            problems.append('%s has no MASTER (nobody holds its VIPs)' % name)
        for host, state in sorted(entry['other'].items()):
            problems.append('%s: %s is %s' % (host, name, state))
    return {'instances': instances, 'problems': problems, 'split_brain': split}
