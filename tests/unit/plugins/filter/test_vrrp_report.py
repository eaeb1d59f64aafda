# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs.cluster.vrrp_report over registered keepalived_status results."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.lvs.cluster.plugins.filter.vrrp import vrrp_report


def status(state):
    return {'running': True, 'instances': {'VI_1': {'state': state}}}


def test_split_brain_named():
    hostvars = {'dir1': {'lvs_vrrp_status': status('MASTER')}, 'dir2': {'lvs_vrrp_status': status('MASTER')}}
    report = vrrp_report(hostvars, ['dir1', 'dir2'])
    assert report['split_brain'] == ['VI_1']
    assert report['instances']['VI_1']['MASTER'] == ['dir1', 'dir2']


def test_unreachable_and_missing_directors_are_unknown():
    hostvars = {'dir1': {'lvs_vrrp_status': {'unreachable': True}}, 'dir2': {'lvs_vrrp_status': status('MASTER')},
                'dir3': {}}
    report = vrrp_report(hostvars, ['dir1', 'dir2', 'dir3', 'dir4'])
    assert report['split_brain'] == []
    assert [p.split()[0] for p in report['problems']] == ['dir1', 'dir3', 'dir4']


def test_directors_must_be_a_list():
    with pytest.raises(AnsibleFilterError):
        vrrp_report({}, 'dir1')
