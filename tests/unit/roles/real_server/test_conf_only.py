# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""real_server_conf_only: after the one-call converged check, only the task that writes the VIP
list runs when that list is the one thing that differs (roles/real_server/tasks/main.yml)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import real_server_vars

SERVICES = [{'name': 'web', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'host': 'web1'}]}]
CONF = '/etc/lvs-real-server.conf'
SCRIPT = '/usr/local/sbin/lvs-real-server'


def conf_only(result):
    hostvars = {'web1': {'lvs_address': '10.0.0.21', 'lvs_virtual_services': SERVICES}}
    variables = real_server_vars(hostvars, {'all': ['web1'], 'lvs_real_servers': ['web1']}, 'web1',
                                 {'real_server_converged': result})
    assert variables['real_server_config_path'] == CONF
    return variables['real_server_conf_only']


@pytest.mark.parametrize('result, expected', [
    (dict(converged=False, files_only=True, differing_files=[CONF]), True),
    (dict(converged=False, files_only=True, differing_files=[SCRIPT, CONF]), False),
    (dict(converged=False, files_only=True, differing_files=[SCRIPT]), False),
    (dict(converged=False, files_only=False, differing_files=[CONF]), False),
    (dict(converged=True, files_only=False, differing_files=[]), False),
    (dict(skipped=True), False),
], ids=['list', 'list-and-script', 'script', 'list-and-not-a-file', 'converged', 'no-check'])
def test_only_a_changed_vip_list_runs_its_task_alone(result, expected):
    assert conf_only(result) is expected
