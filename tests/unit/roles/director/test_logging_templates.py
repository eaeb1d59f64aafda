# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived's log (director_log_*): its command line in /etc/default/keepalived, and with a
localN facility an rsyslog rule that sends its messages to their own file and nowhere else, a
logrotate file, the packages and the converged check's lists; rendered by the fast renderer
(tests/unit/lib/director_render.py) from the role's defaults and vars."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import settings
from ansible_collections.lvs.cluster.tests.unit.lib.director_render import director_vars, inventory, render

INSTANCES = [{'name': 'VI_1', 'virtual_router_id': 51, 'interface': 'eth0'}]
SERVICES = [{'name': 'www', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'address': '10.0.0.21'}]}]
LOG_FILES = ['/etc/rsyslog.d/30-lvs-cluster-keepalived.conf', '/etc/logrotate.d/lvs-cluster-keepalived']


def log_vars(extra=None, all_vars=None, directors=('d1', 'd2'), instances=None):
    hostvars, groups = inventory(INSTANCES if instances is None else instances, SERVICES, directors=directors,
                                 all_vars=all_vars)
    return director_vars(hostvars, groups, 'd1', extra)


def daemon_args(variables):
    lines = [line for line in render('keepalived.default.j2', variables).splitlines() if not line.startswith('#')]
    assert len(lines) == 1, lines
    return lines[0]


def test_default_keeps_keepalived_facility_and_writes_no_log_file():
    variables = log_vars()
    assert daemon_args(variables) == 'DAEMON_ARGS=""'
    assert 'rsyslog' not in variables['director_packages_effective']
    assert 'logrotate' not in variables['director_packages_effective']
    assert variables['director_converged_services'] == ['keepalived.service']
    # turned off: the rule and the rotation the role may have written before must be gone
    for path in LOG_FILES:
        assert path in variables['director_converged_absent']


@pytest.mark.parametrize('facility, detail, args', [
    ('local0', False, 'DAEMON_ARGS="--log-facility=0"'),
    ('local7', True, 'DAEMON_ARGS="--log-facility=7 --log-detail"'),
    ('', True, 'DAEMON_ARGS="--log-detail"'),
])
def test_command_line(facility, detail, args):
    assert daemon_args(log_vars({'director_log_facility': facility, 'director_log_detail': detail})) == args


def test_a_local_facility_goes_to_its_own_file_and_stops_there():
    variables = log_vars({'director_log_facility': 'local1'})
    rule = [line for line in render('rsyslog-keepalived.conf.j2', variables).splitlines() if not line.startswith('#')]
    assert rule == ['local1.* -/var/log/keepalived.log', '& stop']
    assert variables['director_packages_effective'][-2:] == ['rsyslog', 'logrotate']
    assert variables['director_converged_services'] == ['keepalived.service', 'rsyslog.service']
    for path in LOG_FILES:
        assert path not in variables['director_converged_absent']


def test_rotation():
    variables = log_vars({'director_log_facility': 'local2', 'director_log_file': '/var/log/lvs/keepalived.log',
                          'director_log_rotate': 'weekly', 'director_log_keep': 30})
    text = render('logrotate-keepalived.j2', variables)
    body = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith('#')]
    assert body[0] == '/var/log/lvs/keepalived.log {'
    assert body[1:3] == ['weekly', 'rotate 30']
    # rsyslog reopens the file after the rotation, or it would go on writing the rotated one
    assert body[-3:] == ['/usr/lib/rsyslog/rsyslog-rotate', 'endscript', '}']
    rule = render('rsyslog-keepalived.conf.j2', variables)
    assert 'local2.* -/var/log/lvs/keepalived.log\n' in rule


def test_single_director_runs_no_keepalived_and_writes_no_log_files():
    variables = log_vars({'director_log_facility': 'local1'}, all_vars={'lvs_single_director': True},
                         directors=('d1',), instances=[])
    assert 'rsyslog' not in variables['director_packages_effective']
    assert 'rsyslog.service' not in variables['director_converged_services']
    for path in LOG_FILES:
        assert path not in variables['director_converged_absent']


@pytest.mark.parametrize('name, value, message', [
    ('director_log_facility', 'local8', 'is not one of "", local0'),
    ('director_log_facility', 'daemon', 'is not one of'),
    ('director_log_facility', 1, 'must be one of'),
    ('director_log_detail', 'yes', 'must be true or false'),
    ('director_log_file', '/var/log/keepalived.log\n& stop', 'not allowed'),
    ('director_log_file', '/var/log/x y.log', 'not allowed'),
    ('director_log_file', 'keepalived.log', 'not allowed'),
    ('director_log_rotate', 'hourly', 'is not one of daily, weekly, monthly'),
    ('director_log_keep', 0, 'out of range 1..3650'),
    ('director_log_keep', '7', 'must be'),
])
def test_bad_values_are_refused_naming_the_variable(name, value, message):
    """As the preflight reads them from the inventory, before any host is touched."""
    found = settings.problems(settings.DIRECTOR, 'director_', {name: value})
    assert len(found) == 1 and found[0][0] == name, found
    assert message in found[0][1], found


def test_the_role_renders_only_a_file_path_that_passed_the_grammar():
    with pytest.raises(Exception) as error:
        render('rsyslog-keepalived.conf.j2', log_vars({'director_log_facility': 'local1',
                                                       'director_log_file': '/var/log/k.log\n*.* /etc/passwd'}))
    assert 'director_log_file' in str(error.value)
