#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: keepalived_status
short_description: Report whether keepalived runs and the VRRP state of each instance
version_added: 0.2.0
description:
  - Reads the PID file of keepalived and the state files that the C(lvs-vrrp-notify) hook
    (installed and configured by the M(lvs.cluster.director) role) writes on every VRRP
    transition, one file per instance under O(state_dir).
  - With O(expect), names every instance that is missing or not in its expected state; the
    director role's rollout health check retries this module until RV(healthy) is true.
  - Changes nothing.
author:
  - lvs.cluster maintainers (@lvs-cluster)
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    details: Reads the same in check mode.
    support: full
  diff_mode:
    details: Not applicable; nothing changes.
    support: none
options:
  state_dir:
    description: Directory of the per-instance state files (C(director_vrrp_state_dir)).
    type: path
    default: /run/lvs-cluster/vrrp
  pid_file:
    description: PID file of the keepalived parent process.
    type: path
    default: /run/keepalived.pid
  drain_dir:
    description:
      - Directory of the real servers' drain files (C(director_drain_dir), see M(lvs.cluster.drain));
        when given, RV(drained) lists the real servers drained on this director, whose IPVS weight
        keepalived holds at 0.
    type: path
    version_added: 0.2.0
  expect:
    description:
      - Instance name to expected state, V(MASTER) or V(BACKUP); null accepts either.
      - Instances not named here are reported but not judged.
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Wait until keepalived runs and VI_1 is MASTER here
  lvs.cluster.keepalived_status:
    expect:
      VI_1: MASTER
  register: vrrp
  until: vrrp.healthy
  retries: 30
  delay: 1
'''

RETURN = r'''
running:
  description: Whether the keepalived parent process named by O(pid_file) runs.
  returned: always
  type: bool
pid:
  description: Its PID.
  returned: always
  type: int
  sample: 1234
instances:
  description: Recorded state of every instance, by name.
  returned: always
  type: dict
  sample:
    VI_1:
      state: MASTER
      priority: 150
      since: 1700000000.25
      kind: INSTANCE
problems:
  description: What is wrong, one sentence each.
  returned: always
  type: list
  elements: str
  sample:
    - VI_1 is BACKUP, expected MASTER
drained:
  description: The real server addresses drained on this director (O(drain_dir)); empty without it.
  returned: always
  type: list
  elements: str
  version_added: 0.2.0
  sample: [192.0.2.11]
healthy:
  description: True when RV(problems) is empty.
  returned: always
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils.drain import drained_addresses
from ansible_collections.lvs.cluster.plugins.module_utils.vrrp import (
    assess,
    keepalived_pid,
    read_states,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state_dir=dict(type='path', default='/run/lvs-cluster/vrrp'),
            pid_file=dict(type='path', default='/run/keepalived.pid'),
            expect=dict(type='dict', default={}),
            drain_dir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    expect = {}
    for name, state in module.params['expect'].items():
        state = None if state in (None, '') else str(state).upper()
        if state not in (None, 'MASTER', 'BACKUP'):
            module.fail_json(msg='expect: %s must be MASTER, BACKUP or null, not %s' % (name, state))
        expect[name] = state
    pid = keepalived_pid(module.params['pid_file'])
    states = read_states(module.params['state_dir'])
    problems = assess(pid is not None, states, expect)
    drained = drained_addresses(module.params['drain_dir']) if module.params['drain_dir'] else []
    module.exit_json(changed=False, running=pid is not None, pid=pid, instances=states,
                     problems=problems, healthy=not problems, drained=drained)


if __name__ == '__main__':
    main()
