# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/vrrp.py: the cases test_vrrp.py leaves open, found by tests/tools/mutate.py (each
test here fails on a one-line bug that the others let through)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils import vrrp


def test_parse_state_strips_keys_and_values():
    """A state file written by hand (or by an older hook) with spaces around the = still reads."""
    assert vrrp.parse_state(' state = master \n priority = 150\n kind = GROUP \n') == {
        'state': 'MASTER', 'priority': 150, 'since': None, 'kind': 'GROUP'}


def test_status_without_reachable_counts_as_reached():
    """keepalived_status results carry no ``reachable``: the host was asked and answered."""
    report = vrrp.cluster_report({'dir1': {'running': True, 'instances': {'VI_1': {'state': 'MASTER'}}},
                                  'dir2': {'running': True, 'instances': {'VI_1': {'state': 'BACKUP'}}}})
    assert report == {'instances': {'VI_1': {'MASTER': ['dir1'], 'BACKUP': ['dir2'], 'other': {}}},
                      'problems': [], 'split_brain': []}


def test_stale_states_of_a_stopped_keepalived_are_not_counted():
    """The state files outlive keepalived: a stopped director's MASTER file is no MASTER (no split
    brain with the director that took over), and one problem names it."""
    report = vrrp.cluster_report({
        'dir1': {'reachable': True, 'running': False, 'instances': {'VI_1': {'state': 'MASTER'}}},
        'dir2': {'reachable': True, 'running': True, 'instances': {'VI_1': {'state': 'MASTER'}}}})
    assert report['split_brain'] == []
    assert report['instances'] == {'VI_1': {'MASTER': ['dir2'], 'BACKUP': [], 'other': {}}}
    assert report['problems'] == ['dir1: keepalived is not running']


def test_unreachable_host_is_not_counted_either():
    report = vrrp.cluster_report({
        'dir1': {'reachable': False, 'running': True, 'instances': {'VI_1': {'state': 'MASTER'}}},
        'dir2': {'reachable': True, 'running': True, 'instances': {'VI_1': {'state': 'BACKUP'}}}})
    assert report['instances'] == {'VI_1': {'MASTER': [], 'BACKUP': ['dir2'], 'other': {}}}
    assert len(report['problems']) == 2
    assert report['problems'][0].startswith('dir1 could not be reached')
    assert report['problems'][1] == 'VI_1 has no MASTER (nobody holds its VIPs)'


def test_assess_stops_at_a_stopped_keepalived():
    assert vrrp.assess(False, {}, {'VI_1': 'MASTER', 'VI_2': None}) == ['keepalived is not running']
