# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A single director without keepalived (``lvs_single_director: true``).

The inventory asks for it explicitly; then exactly one host is in ``lvs_directors``, there are no
VRRP instances, every service is programmed by ``lvs.cluster.ipvsadm`` (``managed_by`` defaults to
``ipvsadm`` and may not be ``keepalived``), and the director itself holds the VIPs. What keepalived
alone would do (health checks, a sorry server, quorum, notify scripts, VRRP scripts, connection
sync) is refused with the reason, never dropped without a word.

:func:`problems` lists every problem of the inventory (the preflight reports them all);
:func:`check` raises :class:`fields.ModelError` for the first one (the model, on each director);
:func:`prepare` gives the services as the model normalises them in this mode; :func:`held_vips`
the addresses the director holds, for ``lvs-director-vips``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ipaddress

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils import grammar

VARIABLE = 'lvs_single_director'

# What this mode lacks: the preflight warns with it on every run, docs/topologies/single-director.md says the same.
LACKS = ('one director without keepalived: no failover (while %s is down or rebooting, every service is '
         'down) and no health checks (a dead real server keeps its share of new connections until the '
         'inventory drains it, weight 0 or removed, and site.yml runs again)')
LACKS_FIX = ('accept it knowingly, or run two directors with lvs_vrrp_instances (and no %s) for failover and '
             'health checks' % VARIABLE)

_NO_KEEPALIVED = 'keepalived, which does not run on a single director'
# Service options that only keepalived acts on -> what would be lost.
SERVICE_OPTIONS = {
    'checker': 'health checks are run by %s: nothing would check the real servers' % _NO_KEEPALIVED,
    'sorry_server': 'keepalived puts the sorry server in when every real server failed its checks, and '
                    'keepalived does not run on a single director: nothing would ever put it in',
    'vrrp_instance': 'there is no VRRP instance: the director holds the VIPs itself',
    'quorum': 'quorum counts the healthy real servers, which only %s knows' % _NO_KEEPALIVED,
    'hysteresis': 'hysteresis belongs to quorum, which only %s acts on' % _NO_KEEPALIVED,
    'quorum_up': 'the quorum scripts are run by %s' % _NO_KEEPALIVED,
    'quorum_down': 'the quorum scripts are run by %s' % _NO_KEEPALIVED,
    'delay_loop': 'delay_loop paces the health checks of %s' % _NO_KEEPALIVED,
    'alpha': 'alpha changes how %s starts its health checks' % _NO_KEEPALIVED,
    'omega': 'omega changes how %s ends its health checks' % _NO_KEEPALIVED,
    'ha_suspend': 'ha_suspend is read by %s' % _NO_KEEPALIVED,
    'inhibit_on_failure': 'a failed real server is found by the health checks of %s' % _NO_KEEPALIVED,
    'virtualhost': 'virtualhost is the Host header of the HTTP checks of %s' % _NO_KEEPALIVED,
}
# Real server options that only keepalived acts on.
REAL_SERVER_OPTIONS = {
    'checker': SERVICE_OPTIONS['checker'],
    'inhibit_on_failure': SERVICE_OPTIONS['inhibit_on_failure'],
    'notify_up': 'notify_up is run by the health checks of %s' % _NO_KEEPALIVED,
    'notify_down': 'notify_down is run by the health checks of %s' % _NO_KEEPALIVED,
}
# director_* settings (without the prefix) that only keepalived reads, when not empty.
SETTINGS = {
    'vrrp_scripts': 'VRRP scripts are run by %s' % _NO_KEEPALIVED,
    'lvs_sync_daemon': 'connection sync goes to a backup director, and there is none',
    'lvs_timeouts': 'the IPVS timeouts are set by %s (set them with ipvsadm --set yourself)' % _NO_KEEPALIVED,
    'notification_emails': 'the e-mails are sent by %s' % _NO_KEEPALIVED,
}


def enabled(value, where=VARIABLE):
    """The mode's switch: ``true`` or ``false`` (absent: false); a string such as "true" is refused."""
    if value is None:
        return False
    return fields.boolean(value, where, VARIABLE)


def _label(index, raw):
    name = raw.get('name') if isinstance(raw, dict) else None
    return 'lvs_virtual_services[%d] (%s)' % (index, name if grammar.accepts(grammar.name, name) else 'unnamed')


def problems(services, instances, directors, settings=None):
    """Every problem of the inventory in this mode: ``[(variable, reason, fix)]``.

    ``settings``: director_* variables without the prefix (only those that are set, or the role's
    values, whose defaults are empty for every key of :data:`SETTINGS`).
    """
    found = []
    directors = list(directors or [])
    if len(directors) != 1:
        found.append(('lvs_directors',
                      '%s is true, so exactly one director holds the VIPs and programs IPVS, but the group has %d '
                      '(%s)' % (VARIABLE, len(directors), ', '.join(directors) or 'none'),
                      'keep one host in lvs_directors, or drop %s and define lvs_vrrp_instances for two or more '
                      'directors with failover' % VARIABLE))
    if instances:
        found.append(('lvs_vrrp_instances',
                      '%s is true, so nothing runs VRRP: the instances would never be used' % VARIABLE,
                      'remove lvs_vrrp_instances, or drop %s to run keepalived with VRRP' % VARIABLE))
    for key in sorted(SETTINGS):
        if (settings or {}).get(key):
            found.append(('director_' + key, '%s is set but %s' % ('director_' + key, SETTINGS[key]),
                          'remove director_%s (or drop %s)' % (key, VARIABLE)))
    for index, raw in enumerate(services if isinstance(services, list) else []):
        if not isinstance(raw, dict):
            continue  # the model reports it
        label = _label(index, raw)
        if raw.get('managed_by') is not None and raw.get('managed_by') != 'ipvsadm':
            found.append((label + '.managed_by',
                          'managed_by %s: with %s only lvs.cluster.ipvsadm programs IPVS (keepalived does not run)'
                          % (grammar.describe(raw['managed_by']), VARIABLE),
                          'drop managed_by (it defaults to ipvsadm here) or set it to ipvsadm'))
        for key in sorted(raw, key=str):
            if key in SERVICE_OPTIONS and _given(key, raw[key]):
                found.append(('%s.%s' % (label, key), '%s is set but %s' % (key, SERVICE_OPTIONS[key]),
                              _fix(key)))
        reals = raw.get('real_servers')
        for rindex, rs in enumerate(reals if isinstance(reals, list) else []):
            if not isinstance(rs, dict):
                continue
            for key in sorted(rs, key=str):
                if key in REAL_SERVER_OPTIONS and _given(key, rs[key]):
                    found.append(('%s.real_servers[%d].%s' % (label, rindex, key),
                                  '%s is set but %s' % (key, REAL_SERVER_OPTIONS[key]), _fix(key)))
    return found


def _given(key, value):
    """Whether an option asks for something: ``checker: NONE`` (no health check) is what this mode
    does anyway, and false is the default of the flags."""
    if value is None or value is False:
        return False
    if key == 'checker':
        kind = value.get('type') if isinstance(value, dict) and len(value) == 1 else value
        return not (isinstance(kind, str) and kind.upper() == 'NONE')
    return True


def _fix(key):
    if key == 'sorry_server':
        return ('remove sorry_server (and check the real servers yourself), or drop %s and run two '
                'directors with keepalived' % VARIABLE)
    if key == 'checker':
        return ('remove checker (drain a dead real server yourself: weight 0 in the inventory, then site.yml), '
                'or drop %s and run two directors with keepalived' % VARIABLE)
    return 'remove %s (or drop %s)' % (key, VARIABLE)


def check(services, instances, directors, settings=None):
    """Raise :class:`fields.ModelError` naming the variable of the first problem."""
    found = problems(services, instances, directors, settings)
    if found:
        variable, reason, fix = found[0]
        fields.fail(variable, '%s; fix: %s' % (reason, fix))


def strip(raw):
    """A service without the options :func:`problems` reports (for rules that should not report them again)."""
    if not isinstance(raw, dict):
        return raw
    clean = dict((k, v) for k, v in raw.items() if k not in SERVICE_OPTIONS and k != 'managed_by')
    if isinstance(raw.get('real_servers'), list):
        clean['real_servers'] = [dict((k, v) for k, v in rs.items() if k not in REAL_SERVER_OPTIONS)
                                 if isinstance(rs, dict) else rs for rs in raw['real_servers']]
    return prepare([clean])[0]


def prepare(services):
    """The services as the model reads them here: ``managed_by`` defaults to ``ipvsadm`` and no
    default health check is put in (``checker: NONE``: nothing would run it)."""
    if not isinstance(services, list):
        return services
    result = []
    for raw in services:
        if isinstance(raw, dict):
            raw = dict(raw)
            if raw.get('managed_by') is None:
                raw['managed_by'] = 'ipvsadm'
            if raw.get('checker') is None:
                raw['checker'] = 'NONE'
        result.append(raw)
    return result


def vip_interface(configured, route_interface, where='director_interface'):
    """The interface the VIPs go on: ``director_interface``, else the default route's (a fact of
    the host; unknown on the controller: None). Either passes the interface grammar."""
    for value, field in ((configured, 'director_interface'), (route_interface, 'the default route\'s interface')):
        if value:
            return fields.text(value, where, field, grammar.interface)
    return None


def held_vips(services, interface):
    """``[{address, prefix, dev}]`` the director holds: every VIP (and fwmark ``vips``) of the
    normalised services, with the prefix a service gives it (``vip: ADDRESS/PREFIX``; default /32,
    /128), sorted, each once. Two services that give one VIP different prefixes are refused."""
    prefixes = {}
    for svc in services:
        for vip in svc['vips']:
            given = svc['vip_prefix'] if svc['vip'] == vip else None
            if given is not None and prefixes.get(vip) not in (None, given):
                fields.fail('lvs_virtual_services (%s)' % svc['name'],
                            'VIP %s is given with prefix /%s here and /%s in another service: give it one prefix'
                            % (vip, given, prefixes[vip]))
            if given is not None or vip not in prefixes:
                prefixes[vip] = given
    result = []
    for vip in sorted(prefixes, key=lambda a: (ipaddress.ip_address(a).version, int(ipaddress.ip_address(a)))):
        full = 32 if ipaddress.ip_address(vip).version == 4 else 128
        result.append({'address': vip, 'prefix': prefixes[vip] or full, 'dev': interface})
    return result
