#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: drain
short_description: Drain a real server on a director at runtime, or return it, without a keepalived reload
version_added: 0.2.0
description:
  - Writes the real server's drain file under O(state_dir), which keepalived watches. The director
    role gives each real server with a weight above 0 a C(FILE_CHECK) on that file, so that V(1)
    (O(state=drained)) sets its IPVS weight to 0 (quiescent - no new connections, the open ones carry
    on) and V(0) (O(state=serving)) gives its inventory weight back. The state outlasts keepalived
    restarts, reloads and C(site.yml) runs until it is changed here.
  - With O(wait), then watches the live IPVS table (C(ipvsadm -Sn) and C(-Ln --thresholds)) until
    keepalived has applied the weight to every entry of O(entries) (V(weight)), and for a drain also
    until those entries have no active or inactive connection left (V(connections)); it fails when
    O(timeout) passes first, saying what is left. An entry the table lacks (its checker failed) is
    reported and not waited for.
  - Without O(address), changes nothing and reports the drained real servers (RV(drained)).
  - Used by C(playbooks/drain.yml) and C(playbooks/undrain.yml); O(entries) come from the
    P(lvs.cluster.drain_targets#filter) filter.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (the command) on the target, for O(wait)
  - keepalived with the configuration of the M(lvs.cluster.director) role (0.2.0 or later)
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    details: Reports whether the file would change; writes and waits for nothing.
    support: full
  diff_mode:
    details: Shows the drain state before and after.
    support: full
options:
  address:
    description: Address of the real server (as in the IPVS table). Omit it to only read.
    type: str
  state:
    description: V(drained) (weight 0) or V(serving) (the inventory weight). Required with O(address).
    type: str
    choices: [drained, serving]
  entries:
    description:
      - The IPVS services the real server is in, from P(lvs.cluster.drain_targets#filter).
      - Needed for O(wait); without them nothing is waited for.
    type: list
    elements: dict
    default: []
    suboptions:
      key:
        description: The IPVS service, as M(lvs.cluster.ipvsadm_info) names it (V(tcp:192.0.2.1:80), V(fwmark:7)).
        type: str
        required: true
      port:
        description: The real server's port in that service (0 for fwmark services).
        type: int
        required: true
      weight:
        description: Its inventory weight there.
        type: int
        required: true
      service:
        description: The service's name in the inventory, for messages.
        type: str
  state_dir:
    description: The directory of the drain files (C(director_drain_dir)).
    type: path
    default: /var/lib/lvs-cluster/drain
  wait:
    description:
      - V(none) returns once the file is written. V(weight) waits until keepalived has set the
        weight on every entry. V(connections) also waits, for a drain, until the entries have no
        active or inactive connection left (the way kube-proxy's graceful termination does).
    type: str
    choices: [none, weight, connections]
    default: weight
  timeout:
    description: Seconds O(wait) waits at most before the module fails (the file stays written).
    type: int
    default: 300
'''

EXAMPLES = r'''
- name: Drain 192.0.2.11 and wait for its connections to end
  lvs.cluster.drain:
    address: 192.0.2.11
    state: drained
    entries:
      - {service: www, key: "tcp:192.0.2.100:80", port: 80, weight: 1}
    wait: connections
    timeout: 600

- name: Which real servers are drained here
  lvs.cluster.drain:
  register: drain
'''

RETURN = r'''
drained:
  description: The addresses drained on this director (after the change), sorted.
  returned: always
  type: list
  elements: str
  sample: [192.0.2.11]
address:
  description: O(address), canonical.
  returned: when O(address) is given
  type: str
entries:
  description:
    - Each entry of O(entries) as the table shows it at the end - C(expected_weight), the live C(weight),
      C(active_conns), C(inactive_conns), C(present) (false when the table lacks the real server).
  returned: when O(address) is given
  type: list
  elements: dict
at_start:
  description: The same before the file was written (what the wait waited for).
  returned: when something was waited for
  type: list
  elements: dict
waited:
  description: Seconds waited, for the weights and then for the connections.
  returned: when O(address) is given
  type: dict
  sample: {weight: 0.2, connections: 14.1}
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils import drain
from ansible_collections.lvs.cluster.plugins.module_utils.files import write_file
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_cmd import Ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_info import gather_info
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import IpvsCommandError, IpvsError, canonical_address

POLL = 0.5


def _describe(statuses):
    parts = []
    for s in statuses:
        if not s['present']:
            parts.append('%s port %s: not in the table' % (s['key'], s['port']))
        else:
            parts.append('%s port %s: weight %s (want %s), %s active, %s inactive'
                         % (s['key'], s['port'], s['weight'], s['expected_weight'], s['active_conns'],
                            s['inactive_conns']))
    return '; '.join(parts)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            address=dict(type='str'),
            state=dict(type='str', choices=['drained', 'serving']),
            entries=dict(type='list', elements='dict', default=[], options=dict(
                key=dict(type='str', required=True, no_log=False),
                port=dict(type='int', required=True),
                weight=dict(type='int', required=True),
                service=dict(type='str'),
            )),
            state_dir=dict(type='path', default=drain.DEFAULT_DIR),
            wait=dict(type='str', choices=['none', 'weight', 'connections'], default='weight'),
            timeout=dict(type='int', default=300),
        ),
        required_by=dict(address=['state']),
        supports_check_mode=True,
    )
    params = module.params
    state_dir = params['state_dir']
    if params['address'] is None:
        module.exit_json(changed=False, drained=drain.drained_addresses(state_dir))
    try:
        address = canonical_address(params['address'])[1]
    except IpvsError as exc:
        module.fail_json(msg='address: %s' % exc)
    for entry in params['entries']:
        entry['service'] = entry['service'] or entry['key']
    want = params['state'] == drain.DRAINED

    # Decide.
    path = drain.state_path(state_dir, address)
    have = drain.read_state(state_dir, address)
    changed = have != want
    diff = dict(before='%s: %s\n' % (address, 'drained' if have else 'serving'),
                after='%s: %s\n' % (address, 'drained' if want else 'serving'))
    result = dict(changed=changed, address=address, diff=diff, waited={})
    if module.check_mode:
        drained = set(drain.drained_addresses(state_dir))
        drained = drained | {address} if want else drained - {address}
        module.exit_json(drained=sorted(drained), entries=[], **result)

    # Act: the table as it was (what the wait waits for), the file, then the wait.
    statuses = []
    waiting = params['wait'] != 'none' and params['entries']
    if waiting:
        ipvsadm = Ipvsadm(module)

        def look():
            return drain.observe(gather_info(ipvsadm, ['thresholds'])['services'], address, params['entries'], want)

        try:
            result['at_start'] = look()
        except IpvsError as exc:
            module.fail_json(msg=str(exc), **result)
    if changed:
        write_file(module, path, '1\n' if want else '0\n', prefix='.lvs_drain_')
    if waiting:
        start = time.time()
        deadline = start + params['timeout']
        try:
            statuses = look()
            while drain.unsettled(statuses) and time.time() < deadline:
                time.sleep(POLL)
                statuses = look()
            result['waited']['weight'] = round(time.time() - start, 1)
            if drain.unsettled(statuses):
                module.fail_json(msg='keepalived did not set the weight of %s within %d s (is keepalived running with '
                                     'the configuration of this collection version? site.yml writes it): %s'
                                     % (address, params['timeout'], _describe(drain.unsettled(statuses))),
                                 entries=statuses, drained=drain.drained_addresses(state_dir), **result)
            if want and params['wait'] == 'connections':
                begin = time.time()
                while sum(drain.connections(statuses)) and time.time() < deadline:
                    time.sleep(POLL)
                    statuses = look()
                result['waited']['connections'] = round(time.time() - begin, 1)
                if sum(drain.connections(statuses)):
                    active, inactive = drain.connections(statuses)
                    module.fail_json(msg='%s still has %d active and %d inactive connections after %d s; it stays '
                                         'drained (weight 0, no new connections): %s'
                                         % (address, active, inactive, params['timeout'], _describe(statuses)),
                                     entries=statuses, drained=drain.drained_addresses(state_dir), **result)
        except IpvsCommandError as exc:
            module.fail_json(msg=str(exc), cmd=exc.cmd, rc=exc.rc, stdout=exc.stdout, stderr=exc.stderr, **result)
        except IpvsError as exc:
            module.fail_json(msg=str(exc), **result)
    module.exit_json(drained=drain.drained_addresses(state_dir), entries=statuses, **result)


if __name__ == '__main__':
    main()
