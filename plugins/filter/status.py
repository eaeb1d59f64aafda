# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The status play's report: each director's real servers, VRRP, and what is wrong (module_utils/status.py)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.lvs.cluster.plugins.filter.lvs import _compact
from ansible_collections.lvs.cluster.plugins.filter.vrrp import vrrp_report
from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import single_director
from ansible_collections.lvs.cluster.plugins.module_utils import status


def status_report(hostvars, directors, services, single=False, ipvs_var='lvs_status_ipvs',
                  drain_var='lvs_vrrp_status', vrrp_var='lvs_vrrp_status'):
    """Join the registered ipvsadm_info, drain and keepalived_status results of every director."""
    if not isinstance(directors, (list, tuple)):
        raise AnsibleFilterError('lvs.cluster.status_report: directors must be a list of hosts')
    single = boolean(single, strict=False)
    try:
        svcs = model.normalize_services(single_director.prepare(services) if single else services, _compact(hostvars))
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster.status_report: %s' % exc)
    results = {}
    for host in directors:
        hvars = hostvars[host] if host in hostvars else {}
        results[host] = {'ipvs': hvars.get(ipvs_var), 'drain': hvars.get(drain_var)}
    vrrp = None if single else vrrp_report(hostvars, list(directors), vrrp_var)
    return status.report(svcs, results, vrrp, single)


class FilterModule(object):
    def filters(self):
        return {'status_report': status_report}
