# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' own variables (``director_*``, ``real_server_*``), validated once.

Every role variable that reaches a generated file (keepalived.conf's global_defs and
vrrp_scripts, the keepalived.service drop-in, tmpfiles.d, lvs-real-server's unit and sysctl
keys) is read here, through the grammar of its place (:mod:`grammar`) and with strict types
(:mod:`fields`). The director role passes them to the model (``director_settings`` in
``roles/director/vars/main.yml``) and its templates render only what comes back; the preflight
checks the ones the inventory sets, on the controller, before any host is touched.

Each entry of :data:`DIRECTOR` and :data:`REAL_SERVER` maps a variable's name (without the
role's prefix) to a reader ``(value, where, field) -> value``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import difflib
import ipaddress
import re

from ansible_collections.lvs.cluster.plugins.module_utils import fields
from ansible_collections.lvs.cluster.plugins.module_utils import grammar
from ansible_collections.lvs.cluster.plugins.module_utils import keepalived_ranges

_PACKAGE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9+._:=~-]*$')


def _text(rule, empty=False):
    def read(value, where, field):
        if empty and value == '':
            return ''
        return fields.text(value, where, field, rule)
    return read


def _number(low, high, whole=True):
    def read(value, where, field):
        return fields.number(value, where, field, low, high, whole)
    read.bounds = (low, high)
    return read


def _keepalived(keyword, low=None, high=None):
    """A number keepalived reads as ``keyword`` (its range is keepalived_ranges'), tighter where
    ``low``/``high`` say so."""
    def read(value, where, field):
        return fields.keepalived_number(value, where, field, keyword, low, high)
    klow, khigh = keepalived_ranges.bounds(keyword)[:2]
    read.bounds = (klow if low is None else low, khigh if high is None else high)
    return read


def _bool(value, where, field):
    return fields.boolean(value, where, field)


def _version(value, where, field):
    if isinstance(value, bool) or value not in (2, 3):
        fields.fail(where, '%s must be 2 or 3, got %s' % (field, grammar.describe(value)))
    return int(value)


def _choice(choices):
    def read(value, where, field):
        return fields.choice(value, choices, where, field)
    read.choices = choices
    return read


# keepalived --log-facility: LOG_LOCAL0..7; '' leaves keepalived's own (daemon, the journal only).
LOG_FACILITIES = ('',) + tuple('local%d' % n for n in range(8))
LOG_ROTATIONS = ('daily', 'weekly', 'monthly')


def _mcast4(value, where, field):
    if value == '':
        return ''
    addr = fields.ip(value, where, field)
    if addr.version != 4 or not addr.is_multicast:
        fields.fail(where, '%s %r is not an IPv4 multicast address (224.0.0.0/4)' % (field, value))
    return str(addr)


def _smtp_server(value, where, field):
    if value == '':
        return ''
    try:
        return str(ipaddress.ip_address(value)) if isinstance(value, str) else grammar.hostname(value)
    except ValueError:
        return fields.text(value, where, field, grammar.hostname)


def _emails(value, where, field):
    return [fields.text(item, where, '%s entry' % field, grammar.email)
            for item in fields.listing(value, where, field)]


def _packages(value, where, field):
    result = []
    for item in fields.listing(value, where, field):
        item = fields.text(item, where, '%s entry' % field, grammar.token)
        if not _PACKAGE.match(item):
            fields.fail(where, '%s entry %r is not a package name' % (field, item))
        result.append(item)
    return result


_SCRIPT_KEYS = {
    'name': _text(grammar.name),
    'script': _text(grammar.quoted),
    'interval': _keepalived('vrrp_script interval'),
    'timeout': _keepalived('vrrp_script timeout'),
    'weight': _keepalived('vrrp_script weight'),
    'rise': _keepalived('vrrp_script rise'),
    'fall': _keepalived('vrrp_script fall'),
    'user': _text(grammar.name),
}


def _vrrp_scripts(value, where, field):
    result, names = [], set()
    for index, item in enumerate(fields.listing(value, where, field)):
        iwhere = '%s[%d]' % (field, index)
        fields.mapping(item, iwhere, 'each entry')
        fields.known_keys(item, _SCRIPT_KEYS, iwhere, 'vrrp_script')
        for key in ('name', 'script'):
            if item.get(key) is None:
                fields.fail(iwhere, 'needs "%s"' % key)
        script = dict((key, _SCRIPT_KEYS[key](item[key], iwhere, key)) for key in _SCRIPT_KEYS
                      if item.get(key) is not None)
        if script['name'] in names:
            fields.fail(iwhere, 'vrrp_script name %s is used twice' % script['name'])
        names.add(script['name'])
        script.setdefault('interval', 2)
        result.append(script)
    return sorted(result, key=lambda s: s['name'])


_SYNC_KEYS = {'interface': _text(grammar.interface), 'instance': _text(grammar.name), 'id': _keepalived('lvs_sync_daemon id')}
_TIMEOUT_KEYS = dict((key, _keepalived('lvs_timeouts ' + key)) for key in ('tcp', 'tcpfin', 'udp'))


def _options(spec, required=()):
    def read(value, where, field):
        value = {} if value is None else fields.mapping(value, where, field)
        if not value:
            return {}
        fields.known_keys(value, spec, where, field)
        for key in required:
            if value.get(key) is None:
                fields.fail(where, '%s needs "%s"' % (field, key))
        return dict((key, spec[key](value[key], where, '%s.%s' % (field, key))) for key in spec
                    if value.get(key) is not None)
    return read


def _sysctl(value, where, field):
    value = {} if value is None else fields.mapping(value, where, field)
    result = {}
    for key, setting in value.items():
        key = fields.text(key, where, '%s key' % field, grammar.sysctl_key)
        if isinstance(setting, bool) or not isinstance(setting, (str, int)):
            fields.fail(where, '%s.%s must be a number or a string, got %s' % (field, key, grammar.describe(setting)))
        if isinstance(setting, str) and (not setting.strip() or any(c in setting for c in '\r\n\0')):
            fields.fail(where, '%s.%s %r must be one line of text' % (field, key, setting))
        result[key] = setting
    return result


DIRECTOR = {
    'packages': _packages,
    'interface': _text(grammar.interface, empty=True),
    'router_id': _text(grammar.token),
    'vrrp_version': _version,
    'advert_int': _keepalived('advert_int'),
    'delay_loop': _keepalived('checker delay_loop'),
    'vrrp_mcast_group4': _mcast4,
    'vrrp_strict': _bool,
    'vrrp_skip_check_adv_addr': _bool,
    'vrrp_garp_master_delay': _keepalived('vrrp_garp_master_delay'),
    'vrrp_garp_master_repeat': _keepalived('vrrp_garp_master_repeat'),
    'vrrp_garp_master_refresh': _keepalived('vrrp_garp_master_refresh'),
    'vrrp_garp_lower_prio_repeat': _keepalived('vrrp_garp_lower_prio_repeat'),
    'vrrp_garp_lower_prio_delay': _keepalived('vrrp_garp_lower_prio_delay'),
    'notification_emails': _emails,
    'notification_email_from': _text(grammar.email, empty=True),
    'smtp_server': _smtp_server,
    'smtp_connect_timeout': _keepalived('smtp_connect_timeout'),
    'smtp_alert': _bool,
    'enable_script_security': _bool,
    'script_user': _text(grammar.name),
    'vrrp_scripts': _vrrp_scripts,
    'lvs_sync_daemon': _options(_SYNC_KEYS, required=('interface', 'instance')),
    'lvs_timeouts': _options(_TIMEOUT_KEYS),
    'sysctl': _sysctl,
    'fast_rerun': _bool,
    'ipvsadm_purge': _bool,
    'keepalived_conf': _text(grammar.path),
    'libexec_dir': _text(grammar.path),
    'vrrp_state_dir': _text(grammar.path, empty=True),
    'handover': _bool,
    'handover_file': _text(grammar.path),
    'drain_dir': _text(grammar.path),
    'drain_wait': _bool,
    'drain_timeout': _number(1, 86400),
    'handover_timeout': _number(1, 3600),
    'handover_drain': _number(0, 60, whole=False),
    'health_check': _bool,
    'health_timeout': _number(1, 86400),
    'log_facility': _choice(LOG_FACILITIES),
    'log_detail': _bool,
    'log_file': _text(grammar.path),
    'log_rotate': _choice(LOG_ROTATIONS),
    'log_keep': _number(1, 3650),
}
# Read by the preflight only (the role ignores it): checked by preflight.py itself.
DIRECTOR_PREFLIGHT_ONLY = ('subnets',)

REAL_SERVER = {
    'interface': _text(grammar.interface, empty=True),
    'rp_filter': _number(0, 2),
    'sysctl': _sysctl,
    'packages': _packages,
    'fast_rerun': _bool,
    'prune': _bool,
    'gateway_check': _bool,
}
# Set by the roles themselves (vars/main.yml, or derived in defaults): not the operator's.
REAL_SERVER_DERIVED = ('vips',)


def normalize(spec, values):
    """``values`` (the role's variables, without its prefix) read through ``spec``; raises
    :class:`fields.ModelError` at the first bad one. Keys the spec does not know are left out."""
    prefix = 'director_' if spec is DIRECTOR else 'real_server_'
    return dict((key, spec[key](values[key], prefix + key, prefix + key)) for key in sorted(values)
                if key in spec and values[key] is not None)


def problems(spec, prefix, values, ignore=()):
    """Every problem of the role variables in ``values`` (full names): [(variable, reason)].

    A variable with the role's prefix that the role does not have is a problem too (a typo
    would otherwise be ignored without a word), with the closest name the role has.
    """
    found = []
    known = sorted('%s%s' % (prefix, key) for key in list(spec) + list(ignore))
    for name in sorted(values):
        if not name.startswith(prefix):
            continue
        key = name[len(prefix):]
        if key in ignore:
            continue
        if key not in spec:
            close = difflib.get_close_matches(name, known, n=1)
            found.append((name, 'is not a variable of the role%s' % ('; did you mean %s?' % close[0] if close else '')))
            continue
        try:
            spec[key](values[name], name, name)
        except fields.ModelError as exc:
            found.append((name, exc.reason))
    return found
