# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""keepalived_status's main(): the drained real servers beside the VRRP states (the health check's
desired IPVS table has them at weight 0)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.lvs.cluster.plugins.modules import keepalived_status


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


def run(monkeypatch, **params):
    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': params})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    with pytest.raises(ModuleExit) as caught:
        keepalived_status.main()
    return caught.value


def test_drained_real_servers_and_vrrp_states(monkeypatch, tmp_path):
    states, drains = tmp_path / 'vrrp', tmp_path / 'drain'
    states.mkdir()
    drains.mkdir()
    (states / 'VI_1').write_text('state=MASTER\npriority=150\nsince=1700000000.5\nkind=INSTANCE\n')
    (drains / '10.0.0.21').write_text('1\n')
    (drains / '10.0.0.22').write_text('0\n')
    out = run(monkeypatch, state_dir=str(states), pid_file=str(tmp_path / 'none.pid'), drain_dir=str(drains))
    assert not out.failed
    assert out.result['drained'] == ['10.0.0.21']
    assert out.result['instances']['VI_1']['state'] == 'MASTER'
    assert out.result['running'] is False and out.result['problems'] == ['keepalived is not running']


def test_without_drain_dir_nothing_is_drained(monkeypatch, tmp_path):
    out = run(monkeypatch, state_dir=str(tmp_path), pid_file=str(tmp_path / 'none.pid'))
    assert out.result['drained'] == []
