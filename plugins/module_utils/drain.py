# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain a real server at runtime, without a keepalived reload.

keepalived.conf gives every real server whose inventory weight is above 0 a
``FILE_CHECK { track_file lvs_drain_<address>; weight -<its weight> }`` (:func:`attach`). The track
file ``<state dir>/<address>`` holds 0 (serving) or 1 (drained); keepalived watches it (inotify) and
adds ``value x weight`` to the real server's weight: 1 takes it to 0, quiescent, so IPVS sends it no
new connection while the ones it has carry on; 0 gives the inventory weight back. Both keepalived
2.2.7 and 2.3 read it that way, and re-read the file at a start or reload (``init_file`` without
``overwrite`` only creates a missing file), so a drain lasts until it is returned.

A weight-0 real server gets no FILE_CHECK: keepalived reads a track file of weight 0 as up/down, and a
drain would take it out of the table instead of leaving it quiescent; it has no new connections anyway.

Controller side: :func:`targets` (where a real server serves, from the inventory). Director side:
:func:`read_state`, :func:`drained_addresses` and :func:`observe` (the live table against it).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import IpvsError, canonical_address

DEFAULT_DIR = '/var/lib/lvs-cluster/drain'
TRACK_PREFIX = 'lvs_drain_'
DRAINED = 'drained'
SERVING = 'serving'


def track_name(address):
    """keepalived's name of the drain track file of ``address`` (a validated IP: a bare token)."""
    return TRACK_PREFIX + address


def state_path(state_dir, address):
    return os.path.join(state_dir, address)


def attach(virtual_servers, state_dir):
    """Give each real server of ``virtual_servers`` (normalised, keepalived's) its drain track file
    (``rs['drain']``, None at weight 0) -> the track files keepalived.conf declares, sorted."""
    files = {}
    for svc in virtual_servers:
        for rs in svc['real_servers']:
            if rs['weight'] > 0:
                rs['drain'] = track_name(rs['address'])
                files[rs['address']] = {'name': rs['drain'], 'file': state_path(state_dir, rs['address']),
                                        'address': rs['address']}
            else:
                rs['drain'] = None
    return [files[address] for address in sorted(files)]


def _address(text):
    """Canonical text of an address (as ipvsadm prints it), or None."""
    try:
        return canonical_address(text)[1]
    except IpvsError:
        return None


def targets(svcs, real_server, service_key):
    """Where ``real_server`` (an inventory host name or an address) serves in the normalised services
    ``svcs`` -> ``{'address', 'host', 'entries': [{'service', 'key', 'port', 'weight'}]}``.

    ``service_key`` is model.service_key (the key ipvsadm_info gives the service; passed in so that
    the module side of this file does not import the model). Raises ModelError when it serves
    nowhere, has more than one address, or serves only in services that keepalived does not own
    (``managed_by: ipvsadm``: no track file reaches them).
    """
    where = 'real_server'
    if not isinstance(real_server, str) or not real_server.strip():
        fields.fail(where, 'give the real server to drain or return: -e real_server=HOST (its inventory name) '
                           'or -e real_server=ADDRESS')
    wanted = real_server.strip()
    wanted_address = _address(wanted)
    found, static, known = [], [], set()
    for svc in svcs:
        for rs in svc['real_servers']:
            known.add(rs['host'] or rs['address'])
            if rs['host'] != wanted and rs['address'] != wanted_address:
                continue
            if svc['managed_by'] != 'keepalived':
                static.append(svc['name'])
                continue
            found.append({'service': svc['name'], 'key': service_key(svc), 'port': rs['port'], 'weight': rs['weight'],
                          'address': rs['address'], 'host': rs['host']})
    if not found:
        if static:
            fields.fail(where, '%s serves only in services that keepalived does not own (managed_by: ipvsadm: %s); '
                               'no runtime drain reaches them: give it weight 0 in the inventory and run site.yml'
                        % (wanted, ', '.join(sorted(set(static)))))
        fields.fail(where, '%s is not a real server of any service in lvs_virtual_services; real servers: %s'
                    % (wanted, ', '.join(sorted(known)) or 'none'))
    addresses = sorted({entry['address'] for entry in found})
    if len(addresses) > 1:
        fields.fail(where, '%s has more than one address in lvs_virtual_services (%s): drain it by address'
                    % (wanted, ', '.join(addresses)))
    hosts = sorted({entry['host'] for entry in found if entry['host']})
    entries = [dict((k, e[k]) for k in ('service', 'key', 'port', 'weight')) for e in found]
    entries.sort(key=lambda e: (e['key'], e['port']))
    return {'address': addresses[0], 'host': hosts[0] if hosts else None, 'entries': entries,
            'static_services': sorted(set(static))}


def parse_state(text):
    """The track file's text -> True (drained) or False. keepalived reads the leading integer; a
    value other than 0 and 1 is not what this collection writes and counts as drained (weight <= 0)."""
    try:
        return int(text.strip().split()[0]) != 0
    except (IndexError, ValueError):
        return False


def read_state(state_dir, address):
    """Whether ``address`` is drained on this director (a missing file: serving)."""
    try:
        with open(state_path(state_dir, address)) as handle:
            return parse_state(handle.read())
    except (IOError, OSError):
        return False


def drained_addresses(state_dir):
    """Every address drained on this director, sorted (temporary and hidden files left out)."""
    try:
        names = os.listdir(state_dir)
    except OSError:
        return []
    result = []
    for name in names:
        if name.startswith('.'):
            continue
        address = _address(name)
        if address is None:
            continue
        if read_state(state_dir, name):
            result.append(address)
    return sorted(result)


def observe(services, address, entries, drained):
    """The live IPVS table (``ipvsadm_info``'s ``services``) against ``entries`` (:func:`targets`):
    one status per entry with the weight keepalived should have set (0 when ``drained``), the live
    weight and connection counts, or ``present: False`` when the table lacks the real server (its
    checker failed, or keepalived has not programmed it)."""
    address = _address(address)
    table = dict((svc['key'], svc) for svc in services)
    result = []
    for entry in entries:
        status = {'service': entry['service'], 'key': entry['key'], 'port': entry['port'],
                  'expected_weight': 0 if drained else entry['weight'], 'present': False,
                  'weight': None, 'active_conns': None, 'inactive_conns': None}
        for rs in (table.get(entry['key']) or {}).get('real_servers', []):
            if _address(rs['address']) == address and int(rs['port'] or 0) == int(entry['port'] or 0):
                status.update(present=True, weight=rs['weight'], active_conns=rs.get('active_conns', 0),
                              inactive_conns=rs.get('inactive_conns', 0))
                break
        result.append(status)
    return result


def unsettled(statuses):
    """Entries whose live weight is not yet the one keepalived should have set."""
    return [s for s in statuses if s['present'] and s['weight'] != s['expected_weight']]


def connections(statuses):
    """(active, inactive) connections over the entries present."""
    present = [s for s in statuses if s['present']]
    return (sum(s['active_conns'] or 0 for s in present), sum(s['inactive_conns'] or 0 for s in present))


def _entry_text(status, before=None):
    name = '%s (%s, port %s)' % (status.get('service') or status['key'], status['key'], status['port'])
    if not status['present']:
        return '%s: not in the IPVS table (its checker failed), nothing to wait for' % name
    if before is not None and before.get('present') and before['weight'] != status['weight']:
        return '%s: weight %s -> %s' % (name, before['weight'], status['weight'])
    return '%s: weight %s' % (name, status['weight'])


def summary(targets, set_result, wait_result=None):
    """What drain.yml/undrain.yml did on one director, as lines for people, from the two
    lvs.cluster.drain results (the weight step and the optional connection wait)."""
    who = targets['address'] if not targets.get('host') else '%s (%s)' % (targets['host'], targets['address'])
    state = 'drained' if targets['address'] in (set_result.get('drained') or []) else 'serving'
    if set_result.get('failed'):
        return ['%s: %s' % (who, set_result.get('msg', 'failed'))]
    lines = ['%s is %s here%s' % (who, state, '' if set_result.get('changed') else ' (it already was)')]
    if not set_result.get('entries'):
        lines.append('nothing read from the IPVS table (check mode, or no entries)')
        return lines
    before = dict(((s['key'], s['port']), s) for s in set_result.get('at_start') or [])
    for status in set_result['entries']:
        lines.append(_entry_text(status, before.get((status['key'], status['port']))))
    lines.append('keepalived set the weights within %s s' % set_result.get('waited', {}).get('weight', 0))
    wait_result = wait_result or {}
    if wait_result.get('entries') and not wait_result.get('skipped'):
        start = connections(wait_result.get('at_start') or [])
        lines.append('connections here at the start of the wait: %d active, %d inactive; none left after %s s'
                     % (start[0], start[1], wait_result.get('waited', {}).get('connections', 0)))
    if targets.get('static_services'):
        lines.append('not drained (managed_by: ipvsadm, no keepalived): %s' % ', '.join(targets['static_services']))
    return lines
