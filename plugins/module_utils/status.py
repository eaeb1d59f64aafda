# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status play's view of every director: each virtual service's real servers as IPVS shows them.

``report`` joins what the directors returned (``lvs.cluster.ipvsadm_info`` with thresholds and
rates, ``lvs.cluster.drain`` without an address) with the inventory's services (normalised by the
model) and the VRRP report of :mod:`vrrp`, names what is wrong, and lays it out as a table.

The checker state is read from IPVS, not asked of keepalived (2.2.7 and 2.3 share no query
interface): keepalived removes a real server whose check fails, or sets its weight to 0 with
``inhibit_on_failure``; a drain (``lvs.cluster.drain``) sets the weight to 0 as well.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.six.moves.collections_abc import Mapping
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import IpvsError, canonical_address
from ansible_collections.lvs.cluster.plugins.module_utils.model import service_key

RATES = ('cps', 'inpps', 'outpps', 'inbps', 'outbps')
UP, DOWN, NOT_CHECKED = 'up', 'down', '-'
NOT_IN_INVENTORY = 'not in inventory'

# The table: (header, key of a row, right-aligned); the note, last, is not padded.
COLUMNS = (('DIRECTOR', 'director', False), ('SERVICE', 'service', False), ('KEY', 'key', False),
           ('REAL SERVER', 'real_server', False), ('HOST', 'host', False), ('WEIGHT', 'weight', True),
           ('INV', 'inventory_weight', True), ('CHECKER', 'checker', False), ('DRAINED', 'drained', False),
           ('ACTIVE', 'active_conns', True), ('INACTIVE', 'inactive_conns', True)) + tuple(
               (name.upper(), name, True) for name in RATES) + (('NOTE', 'note', False),)


def _address(value):
    """One spelling per address (``2001:DB8::9`` and ``2001:db8::9`` are one real server), as
    ipvsadm prints it (ipvs_names.canonical_address, which drain.py uses too)."""
    try:
        return canonical_address(value)[1]
    except IpvsError:
        return str(value)


def endpoint(address, port):
    """``ADDRESS:PORT`` as ipvsadm -Ln prints it (an IPv6 address in brackets; ``address`` as
    the model and ipvsadm_info spell it)."""
    return '%s:%s' % ('[%s]' % address if ':' in address else address, port)


def _outcome(result):
    """A registered result -> (asked, error): not asked or unreachable is (False, why)."""
    if not isinstance(result, Mapping) or result.get('skipped'):
        return False, 'was not asked (not in this run, or a task failed on it)'
    if result.get('unreachable'):
        return False, 'could not be reached'
    return True, None


def _weight_0(single, inventory_weight):
    """Why a real server of inventory weight > 0, not drained, has weight 0 in IPVS."""
    if single:
        return 'weight 0 in IPVS, %d in the inventory (run site.yml)' % inventory_weight
    return 'weight 0 in IPVS, not drained (checker failed, inhibit_on_failure)'


def _real_server(inv, live, drained, single):
    """One row: ``inv`` the inventory's real server (None: IPVS only), ``live`` IPVS's (None: absent);
    ``single``: no keepalived (no checker, no drain)."""
    address = (inv or live)['address']
    port = (inv or live)['port']
    weight = None if live is None else live.get('weight')
    inventory_weight = None if inv is None else inv['weight']
    is_drained = _address(address) in drained
    note = None
    if inv is None:
        checker, note = NOT_CHECKED, NOT_IN_INVENTORY
    elif live is None:
        checker, note = DOWN, 'not in IPVS'
    elif weight > 0 or is_drained or inventory_weight == 0:
        checker = UP
        if is_drained and weight > 0:
            note = 'drained, but IPVS weight still %d' % weight
    else:
        checker, note = DOWN, _weight_0(single, inventory_weight)
    rates = (live or {}).get('rates') or {}
    return {
        'address': address,
        'port': port,
        'host': None if inv is None else inv.get('host'),
        'in_ipvs': live is not None,
        'weight': weight,
        'inventory_weight': inventory_weight,
        'checker': checker,
        'drained': is_drained,
        'healthy': inv is not None and live is not None and weight > 0 and not is_drained,
        'active_conns': (live or {}).get('active_conns'),
        'inactive_conns': (live or {}).get('inactive_conns'),
        'rates': dict((name, rates.get(name)) for name in RATES),
        'note': note,
    }


def _why_down(row):
    """Why an inventory real server does not count, for the problem that names the service."""
    where = endpoint(row['address'], row['port'])
    if row['checker'] == DOWN and row['in_ipvs']:
        return '%s: %s' % (where, row['note'])
    if not row['in_ipvs']:
        return '%s not in IPVS' % where
    if row['drained']:
        return '%s drained' % where
    return '%s has weight 0 in the inventory' % where


def _rs_key(address, port):
    return (_address(address), port)


def director_services(services, table, drained, single):
    """A reachable director's services: the inventory's (model order), then those only IPVS has.

    ``services``: normalised inventory services; ``table``: ipvsadm_info's ``services``;
    ``drained``: set of addresses; ``single``: no keepalived. Each service: ``name`` (None when not in the inventory),
    ``key``, ``in_ipvs``, ``healthy`` (the inventory real servers in IPVS with weight > 0, not
    drained) and ``real_servers`` (the inventory's, then those only IPVS has).
    """
    live_by_key = dict((svc['key'], svc) for svc in table)
    result = []
    for svc in services:
        key = service_key(svc)
        live = live_by_key.pop(key, None)
        live_rs = dict((_rs_key(rs['address'], rs['port']), rs) for rs in (live or {}).get('real_servers') or [])
        rows = [_real_server(rs, live_rs.pop(_rs_key(rs['address'], rs['port']), None), drained, single)
                for rs in svc['real_servers']]
        rows += [_real_server(None, rs, drained, single) for rs in (live or {}).get('real_servers') or []
                 if _rs_key(rs['address'], rs['port']) in live_rs]
        result.append({'name': svc['name'], 'key': key, 'in_ipvs': live is not None,
                       'healthy': sum(1 for row in rows if row['healthy']), 'real_servers': rows})
    for svc in table:
        if svc['key'] in live_by_key:
            result.append({'name': None, 'key': svc['key'], 'in_ipvs': True, 'healthy': 0,
                           'real_servers': [_real_server(None, rs, drained, single) for rs in svc.get('real_servers') or []]})
    return result


def _director(host, services, results, single):
    """One director's entry of the report and its problems."""
    ipvs = results.get('ipvs')
    asked, why = _outcome(ipvs)
    if not asked:
        return {'reachable': False, 'drained': [], 'services': [], 'error': why}, [
            '%s %s: its IPVS table is unknown' % (host, why)]
    problems = []
    if not isinstance(ipvs.get('services'), list):
        error = 'the IPVS table could not be read: %s' % (ipvs.get('msg') or 'no services returned')
        return {'reachable': True, 'drained': [], 'services': [], 'error': error}, ['%s: %s' % (host, error)]
    drained = []
    if not single:
        drain = results.get('drain')
        asked, why = _outcome(drain)
        if not asked or not isinstance(drain.get('drained'), list):
            why = why or (drain.get('msg') or 'no drained list returned')
            problems.append('%s: the drain state is unknown (%s): a real server with weight 0 shows as down'
                            % (host, why))
        else:
            drained = sorted(set(_address(a) for a in drain['drained']))
    entries = director_services(services, ipvs['services'], set(drained), single)
    for svc in entries:
        if svc['name'] is None or svc['healthy']:
            continue
        why = 'the service is not in IPVS' if not svc['in_ipvs'] else ', '.join(
            _why_down(row) for row in svc['real_servers'] if row['inventory_weight'] is not None)
        problems.append('%s: service %s (%s) has no healthy real server: %s' % (host, svc['name'], svc['key'], why))
    return {'reachable': True, 'drained': drained, 'services': entries, 'error': None}, problems


def _cell(value):
    if value is None:
        return '-'
    if value is True or value is False:
        return 'yes' if value else 'no'
    return str(value)


def table_rows(directors):
    """One dict per real server (per director when its table is unknown), keyed as :data:`COLUMNS`."""
    rows = []
    for host in sorted(directors):
        entry = directors[host]
        if entry['error']:
            rows.append({'director': host, 'note': entry['error']})
        for svc in entry['services']:
            for rs in svc['real_servers']:
                row = dict(rs, **rs['rates'])
                row.update(director=host, service=svc['name'], key=svc['key'],
                           real_server=endpoint(rs['address'], rs['port']))
                rows.append(row)
            if not svc['real_servers']:
                rows.append({'director': host, 'service': svc['name'], 'key': svc['key'],
                             'note': NOT_IN_INVENTORY + ', no real server'})
    return rows


def table(rows):
    """Aligned lines, a header first: text columns left-aligned, numbers right-aligned."""
    cells = [[header for header, dummy, dummy in COLUMNS]]
    cells += [[_cell(row.get(key)) for dummy, key, dummy in COLUMNS[:-1]] + [row.get('note') or ''] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for line in cells:
        padded = [cell.rjust(width) if right else cell.ljust(width)
                  for cell, width, (dummy, dummy, right) in zip(line[:-1], widths, COLUMNS)]
        lines.append('  '.join(padded + [line[-1]]).rstrip())
    return lines


def report(services, results, vrrp=None, single=False):
    """The status of the cluster.

    ``services``: the inventory's services, normalised (model.normalize_services).
    ``results``: director -> ``{'ipvs': registered ipvsadm_info result, 'drain': registered drain
    result}`` (None, skipped or unreachable: the director is unknown, and that is a problem).
    ``vrrp``: :func:`vrrp.cluster_report` (None for the single director, which has no VRRP and
    no drain). Returns ``{'directors': {host: {reachable, drained, error, services}}, 'vrrp',
    'problems', 'table'}``; ``problems`` lists VRRP's first.
    """
    directors = {}
    problems = list((vrrp or {}).get('problems') or [])
    for host in sorted(results):
        directors[host], found = _director(host, services, results[host] or {}, single)
        problems.extend(found)
    return {'directors': directors, 'vrrp': vrrp, 'problems': problems, 'table': table(table_rows(directors))}
