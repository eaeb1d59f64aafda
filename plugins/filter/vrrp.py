# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over keepalived_status results of several directors."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.lvs.cluster.plugins.module_utils.vrrp import cluster_report


def vrrp_report(hostvars, directors, var='lvs_vrrp_status'):
    """Join the registered ``var`` of every director into one VRRP report."""
    if not isinstance(directors, (list, tuple)):
        raise AnsibleFilterError('lvs.cluster.vrrp_report: directors must be a list of hosts')
    joined = {}
    for host in directors:
        result = (hostvars.get(host) or {}).get(var) if host in hostvars else None
        if not result or result.get('unreachable') or result.get('skipped'):
            joined[host] = {'reachable': False}
            continue
        joined[host] = {'reachable': True, 'running': bool(result.get('running')),
                        'instances': result.get('instances') or {}}
    return cluster_report(joined)


class FilterModule(object):
    def filters(self):
        return {'vrrp_report': vrrp_report}
