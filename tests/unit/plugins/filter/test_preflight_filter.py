# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lvs.cluster.preflight filter over real Ansible hostvars (HostVars of a loaded inventory)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import pytest
from ansible.errors import AnsibleFilterError
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.lvs.cluster.plugins.filter import lvs
from ansible_collections.lvs.cluster.plugins.module_utils import preflight

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'preflight')


def inventory(name):
    loader = DataLoader()
    inv = InventoryManager(loader=loader, sources=[os.path.join(FIXTURES, name)])
    variables = VariableManager(loader=loader, inventory=inv)
    return HostVars(inventory=inv, variable_manager=variables, loader=loader), inv.get_groups_dict()


def test_filter_is_registered():
    assert lvs.FilterModule().filters()['preflight'] is lvs.preflight


def test_good_inventory():
    hostvars, groups = inventory('good')
    result = lvs.preflight(hostvars, groups)
    assert result['ok'] and result['problems'] == [] and result['warnings'] == []
    assert result['rollout_order'] == ['dir1', 'dir3', 'dir2']


def test_bad_inventory_lists_every_problem_with_host_variable_and_fix():
    hostvars, groups = inventory('bad')
    result = lvs.preflight(hostvars, groups)
    assert not result['ok']
    assert len(result['problems']) == 16
    for problem in result['problems']:
        assert set(problem) == {'host', 'variable', 'message', 'fix', 'text'}
        assert problem['host'] in ('all', 'dir1', 'dir2', 'web1', 'app1'), problem
        assert problem['variable'] and problem['message'] and problem['fix']
    assert result['report'].startswith('lvs.cluster preflight: 16 problems in the inventory')


def test_without_netaddr_the_filter_says_what_to_install(monkeypatch):
    monkeypatch.setattr(preflight, 'HAS_NETADDR', False)
    hostvars, groups = inventory('good')
    with pytest.raises(AnsibleFilterError, match='pip install netaddr'):
        lvs.preflight(hostvars, groups)
