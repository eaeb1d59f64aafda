# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Recorded ipvsadm output and helpers shared by the test_ipvs_*.py files (not a test file).

The fixtures (tests/unit/fixtures/ipvsadm) are real ipvsadm 1.31 output, sliced verbatim from
a real IPVS kernel's output."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import DesiredState
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_save,
    parse_thresholds,
    table_to_list,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_plan import make_plan

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures',
                        'ipvsadm')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def recorded():
    """The recorded table (ipvsadm -Sn): 13 services, 10 real servers."""
    return parse_save(fixture('save_n.txt'))


def recorded_with_thresholds():
    table = recorded()
    table.thresholds = parse_thresholds(fixture('list_thresholds.txt'))
    return table


def as_params(table):
    """Module options declaring exactly ``table`` (what ipvsadm_info returns, minus the
    read-only keys): feeding info output back to the module must be a no-op."""
    services = []
    for svc in table_to_list(table):
        svc = dict(svc)
        svc.pop('key')
        if svc['fwmark'] is None:
            svc.pop('family')
        svc['real_servers'] = [dict((k, v) for k, v in rs.items() if k != 'family')
                               for rs in svc['real_servers']]
        services.append(svc)
    return services


def find(services, **match):
    for svc in services:
        if all(svc.get(k) == v for k, v in match.items()):
            return svc
    raise AssertionError('no service %r' % (match,))


def plan_for(services, current=None, purge=False, ignore=None, table=None):
    current = recorded() if current is None else current
    return make_plan(DesiredState.from_params(services, purge=purge, ignore=ignore, table=table),
                     current)


def edit(services, key_match, change=None, rs_address=None, rs_change=None, drop_rs=None,
         add_rs=None):
    """A deep copy of ``services`` with one service (and one of its real servers) changed."""
    services = copy.deepcopy(services)
    svc = find(services, **key_match)
    svc.update(change or {})
    if rs_address:
        [rs] = [r for r in svc['real_servers'] if r['address'] == rs_address]
        rs.update(rs_change)
    if drop_rs:
        svc['real_servers'] = [r for r in svc['real_servers'] if r['address'] != drop_rs]
    if add_rs:
        svc['real_servers'].append(add_rs)
    return services
