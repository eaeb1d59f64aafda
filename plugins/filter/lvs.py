# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that turn the inventory's LVS description into what each role renders."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.lvs.cluster.plugins.module_utils import drain as drain_utils
from ansible_collections.lvs.cluster.plugins.module_utils import model
from ansible_collections.lvs.cluster.plugins.module_utils import preflight as preflight_utils
from ansible_collections.lvs.cluster.plugins.module_utils import real_server as real_server_utils
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import DesiredState
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import IpvsError

# The host variables the model reads; copying only these keeps hostvars templating cheap.
_HOST_KEYS = ('lvs_address', 'ansible_host', 'director_interface')


def _compact(hostvars):
    compact = {}
    for name in hostvars:
        hvars = hostvars[name]
        compact[name] = {key: hvars.get(key) for key in _HOST_KEYS if hvars.get(key) is not None}
    return compact


def director_view(services, instances, director, directors, hostvars, settings=None, single=None, route_interface=None):
    try:
        return model.director_view(services, instances, director, directors, _compact(hostvars), settings,
                                   single=single, route_interface=route_interface)
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster: %s' % exc)


def real_server_vips(services, host, hostvars):
    try:
        return model.real_server_vips(services, host, _compact(hostvars))
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster: %s' % exc)


def real_server_methods(services, host, hostvars):
    try:
        return real_server_utils.methods(services, host, _compact(hostvars))
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster: %s' % exc)


def real_server_gateway(methods, lvs_gateway=None):
    try:
        return real_server_utils.gateway(methods, lvs_gateway)
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster: %s' % exc)


def real_server_kernel(vips, methods, interface, rp_filter=2, extra=None):
    return real_server_utils.kernel(vips, methods, interface, rp_filter, extra)


def drain_targets(services, hostvars, real_server):
    """Where ``real_server`` (inventory name or address) serves on the directors, for lvs.cluster.drain."""
    try:
        svcs = model.normalize_services(services, _compact(hostvars))
        return drain_utils.targets(svcs, real_server, model.service_key)
    except model.ModelError as exc:
        raise AnsibleFilterError('lvs.cluster: %s' % exc)


def drain_summary(set_result, wait_result, targets):
    """Lines for people: what lvs.cluster.drain did and waited for on one director."""
    return drain_utils.summary(targets, set_result, wait_result)


def ipvsadm_services(services):
    return model.ipvsadm_services(services)


def ipvsadm_table(services, drained=None):
    """The same services as the ``table`` option of lvs.cluster.ipvsadm (ipvsadm -S lines), which
    the module validates itself: Ansible's per-entry validation of ``services`` costs far more
    for large tables (docs/benchmarks-ipvsadm.md). ``drained``: addresses whose weight keepalived
    holds at 0 (lvs.cluster.drain)."""
    try:
        return DesiredState.from_params(model.ipvsadm_services(services, drained)).table_text()
    except IpvsError as exc:
        raise AnsibleFilterError('lvs.cluster.ipvsadm_table: %s' % exc)


def preflight(hostvars, groups):
    """Check the whole inventory from hostvars and groups alone (see module_utils/preflight.py)."""
    directors = list(groups.get(preflight_utils.DIRECTORS) or [])
    real_servers = list(groups.get(preflight_utils.REAL_SERVERS) or [])
    compact = {}
    for name in hostvars:
        hvars = hostvars[name]
        keys = _HOST_KEYS + preflight_utils.HOST_KEYS
        if name in directors or name in real_servers:
            keys += (preflight_utils.SERVICES, preflight_utils.INSTANCES)
        # the roles' own variables the inventory sets: director_* on directors, real_server_* on real servers
        prefixes = tuple(prefix for prefix, group in (('director_', directors), ('real_server_', real_servers))
                         if name in group)
        if prefixes:
            keys += tuple(key for key in hvars if isinstance(key, str) and key.startswith(prefixes) and key not in keys)
        values = dict((key, hvars.get(key)) for key in keys)
        compact[name] = dict((key, value) for key, value in values.items() if value is not None)
    try:
        return preflight_utils.check_inventory(compact, directors, real_servers)
    except preflight_utils.PreflightError as exc:
        raise AnsibleFilterError('lvs.cluster.preflight: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {
            'director_view': director_view,
            'real_server_vips': real_server_vips,
            'drain_targets': drain_targets,
            'drain_summary': drain_summary,
            'real_server_methods': real_server_methods,
            'real_server_gateway': real_server_gateway,
            'real_server_kernel': real_server_kernel,
            'ipvsadm_services': ipvsadm_services,
            'ipvsadm_table': ipvsadm_table,
            'preflight': preflight,
        }
