#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ipvsadm_info
short_description: Read the IPVS table, counters, timeouts and sync daemons
version_added: 0.1.0
description:
  - Returns the kernel's IPVS virtual services and real servers, read with C(ipvsadm -Sn),
    under the option names of M(lvs.cluster.ipvsadm), plus what O(gather) adds.
  - Without RV(services[].key), the counters and connection counts, and null values, a
    returned service is a valid entry of O(lvs.cluster.ipvsadm#module:services) that
    declares it as it is.
  - O(gather) picks the extra listings, one C(ipvsadm) run each. Counters are read with
    C(--exact), so they are plain integers.
  - Changes nothing. Runs C(ipvsadm) in the C locale.
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (the command) on the target
  - a kernel with IPVS support
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
  gather:
    description:
      - What to read besides the table itself.
      - V(thresholds) adds real server thresholds and active/inactive connection counts
        (C(ipvsadm -Ln --thresholds)).
      - V(persistent_conns) adds persistent connection counts (C(-Ln --persistent-conn)).
      - V(stats) adds packet, byte and connection counters (C(-Ln --stats --exact)).
      - V(rates) adds per-second rates (C(-Ln --rate --exact)).
      - V(timeouts) adds the tcp, tcpfin and udp timeouts (C(-Ln --timeout)).
      - V(daemon) adds the connection sync daemons (C(-L --daemon)).
    type: list
    elements: str
    choices: [stats, rates, thresholds, persistent_conns, timeouts, daemon]
    default: [stats, thresholds, timeouts, daemon]
seealso:
  - module: lvs.cluster.ipvsadm
'''

EXAMPLES = r'''
- name: Read the IPVS table with counters and thresholds
  lvs.cluster.ipvsadm_info:
  register: ipvs

- name: Show the real servers of each service
  ansible.builtin.debug:
    msg: "{{ item.key }}: {{ item.real_servers | map(attribute='address') | list }}"
  loop: "{{ ipvs.services }}"
  loop_control:
    label: "{{ item.key }}"

- name: Only the table and the timeouts
  lvs.cluster.ipvsadm_info:
    gather: [timeouts]
  register: ipvs_table
'''

RETURN = r'''
services:
  description: Virtual services in ipvsadm's listing order.
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: Service key as O(lvs.cluster.ipvsadm#module:ignore) takes it.
      type: str
      sample: tcp:192.0.2.100:80
    protocol:
      description: V(tcp), V(udp) or V(sctp); null for fwmark services.
      type: str
    address:
      description: Virtual address; null for fwmark services.
      type: str
    port:
      description: Virtual port; null for fwmark services.
      type: int
    fwmark:
      description: Firewall mark of a fwmark service, else null.
      type: int
    family:
      description: V(ipv4) or V(ipv6).
      type: str
    scheduler:
      description: Scheduling algorithm.
      type: str
    sched_flags:
      description: Scheduler flags, named as for the scheduler.
      type: list
      elements: str
    one_packet:
      description: One-packet scheduling.
      type: bool
    persistence_timeout:
      description: Persistence timeout in seconds; null when not persistent.
      type: int
    persistence_netmask:
      description: Persistence granularity other than a single address, else null.
      type: str
    persistence_engine:
      description: Persistence engine, else null.
      type: str
    stats:
      description: Counters of the service (with O(gather=stats)).
      type: dict
      returned: when gathered
      sample: {conns: 10, inpkts: 120, outpkts: 0, inbytes: 8400, outbytes: 0}
    rates:
      description: Rates of the service (with O(gather=rates)).
      type: dict
      returned: when gathered
      sample: {cps: 0, inpps: 1, outpps: 0, inbps: 70, outbps: 0}
    real_servers:
      description:
        - Real servers in ipvsadm's listing order with V(address), V(port), V(method) (V(route), V(masq) or V(tunnel)), V(weight), V(tun_type), V(tun_port),
          V(tun_csum), V(upper_threshold) and V(lower_threshold) (null unless gathered), and when
          gathered V(active_conns), V(inactive_conns), V(persistent_conns), V(stats),
          V(rates).
      type: list
      elements: dict
  sample:
    - key: tcp:192.0.2.100:80
      protocol: tcp
      address: 192.0.2.100
      port: 80
      fwmark: null
      family: ipv4
      scheduler: wlc
      sched_flags: []
      one_packet: false
      persistence_timeout: 50
      persistence_netmask: null
      persistence_engine: null
      stats: {conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0}
      real_servers:
        - address: 192.0.2.9
          port: 80
          method: route
          weight: 1
          tun_type: null
          tun_port: null
          tun_csum: null
          upper_threshold: 0
          lower_threshold: 0
          active_conns: 0
          inactive_conns: 0
          stats: {conns: 0, inpkts: 0, outpkts: 0, inbytes: 0, outbytes: 0}
ipvs:
  description: IPVS version and connection table size, from the header of a C(-Ln) listing.
  returned: when a listing was gathered
  type: dict
  sample: {version: 1.2.1, size: 4096}
timeouts:
  description: Connection timeouts in seconds.
  returned: when gathered
  type: dict
  sample: {tcp: 900, tcpfin: 120, udp: 300}
daemons:
  description: Running connection sync daemons (empty when none).
  returned: when gathered
  type: list
  elements: dict
  sample:
    - {state: master, mcast_interface: lo, syncid: 5, maxlen: 1472, group: 224.0.0.81,
       port: 8848, ttl: 1}
gathered:
  description: What was gathered besides the table.
  returned: always
  type: list
  elements: str
  sample: [daemon, stats, thresholds, timeouts]
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_cmd import Ipvsadm
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_info import GATHER_CHOICES, gather_info
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import IpvsCommandError, IpvsError


def main():
    module = AnsibleModule(
        argument_spec=dict(
            gather=dict(type='list', elements='str', choices=list(GATHER_CHOICES),
                        default=['stats', 'thresholds', 'timeouts', 'daemon']),
        ),
        supports_check_mode=True,
    )
    ipvsadm = Ipvsadm(module)
    try:
        info = gather_info(ipvsadm, module.params['gather'])
    except IpvsCommandError as exc:
        module.fail_json(msg=str(exc), cmd=exc.cmd, rc=exc.rc, stdout=exc.stdout,
                         stderr=exc.stderr)
    except IpvsError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **info)


if __name__ == '__main__':
    main()
