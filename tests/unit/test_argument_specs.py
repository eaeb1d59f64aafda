# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every shipped inventory (seed topologies, example, molecule) passes the roles' argument specs,
and the specs reject what they should, before any host is touched."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def spec(role):
    with open(os.path.join(REPO, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def inventories():
    for path in sorted(glob.glob(os.path.join(REPO, 'tests', 'unit', 'fixtures', 'topologies', '*.yml'))):
        with open(path) as handle:
            yield os.path.basename(path), yaml.safe_load(handle)['all'].get('vars', {})
    for path in (os.path.join(REPO, 'inventories', 'example', 'group_vars', 'all.yml'),
                 os.path.join(REPO, 'molecule', 'default', 'inventory', 'group_vars', 'all.yml')):
        with open(path) as handle:
            yield os.path.relpath(path, REPO), yaml.safe_load(handle)


INVENTORIES = list(inventories())


def validate(role, data):
    options = spec(role)
    params = {key: value for key, value in data.items() if key in options}
    # Templated defaults are strings at this point; give them a value of their type.
    return ArgumentSpecValidator(options).validate(params).error_messages


@pytest.mark.parametrize('role', ['director', 'real_server'])
@pytest.mark.parametrize('name,data', INVENTORIES, ids=[i[0] for i in INVENTORIES])
def test_shipped_inventories_pass_the_specs(role, name, data):
    assert validate(role, data) == []


BAD = [
    ('director', {'lvs_vrrp_instances': [{'name': 'VI_1', 'virtual_router_id': 'fifty'}]}, 'virtual_router_id'),
    ('director', {'lvs_vrrp_instances': [{'virtual_router_id': 5}]}, 'name'),
    ('director', {'lvs_virtual_services': [{'name': 'w', 'vip': '10.0.0.1', 'port': 80, 'scheduler': 'fast'}]}, 'scheduler'),
    ('director', {'lvs_virtual_services': [{'name': 'w', 'vip': '10.0.0.1', 'port': 80, 'typo': 1}]}, 'typo'),
    ('director', {'director_vrrp_version': 4}, 'director_vrrp_version'),
    ('real_server', {'lvs_virtual_services': [{'name': 'w', 'vip': '10.0.0.1', 'port': 80, 'method': 'FULLNAT'}]}, 'method'),
]


@pytest.mark.parametrize('role,data,word', BAD, ids=['%s-%s' % (b[0], b[2]) for b in BAD])
def test_specs_reject_bad_input(role, data, word):
    errors = validate(role, data)
    assert errors and any(word in e for e in errors), errors


def test_shared_service_spec_is_the_same_in_both_roles():
    assert spec('director')['lvs_virtual_services'] == spec('real_server')['lvs_virtual_services']
