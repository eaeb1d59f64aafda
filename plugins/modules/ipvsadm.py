#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ipvsadm
short_description: Declare IPVS virtual services and their real servers
version_added: 0.1.0
description:
  - Makes the kernel's IPVS table hold the virtual services and real servers listed in O(services).
  - Reads the table once with C(ipvsadm -Sn), computes the difference, and applies every change
    in one C(ipvsadm -R) batch fed on standard input. Weight and other real server changes are
    edits (C(-e)), service changes are edits (C(-E)); nothing is deleted and re-added for them.
  - A table whose C(ipvsadm -Sn) lines already are the requested ones is recognised on the
    text (set operations on its lines), without parsing it; only a table that differs is parsed
    and diffed. So a no-op run, and the check after applying, cost little more than
    C(ipvsadm -Sn) itself, also for tens of thousands of real servers.
  - C(ipvsadm -Sn) does not show real server thresholds, so C(ipvsadm -Ln --thresholds) is read
    as well, but only when some real server sets O(services[].real_servers[].upper_threshold)
    or O(services[].real_servers[].lower_threshold), or when an edit must keep thresholds
    the module does not manage.
  - C(ipvsadm -R) goes on after a failing line and exits with the status of the last line only.
    After applying, the module therefore reads the table back and fails, listing the lines that
    did not take effect, unless the table matches what was asked; any error output of
    C(ipvsadm -R) is a failure too.
  - Each listed service is declared in full, its real servers included (real servers it does not
    list are removed from it). Services it does not list are left alone unless O(purge=true);
    O(ignore) names services that purge must never touch, such as those keepalived manages.
  - Runs C(ipvsadm) in the C locale. Needs root and a kernel with IPVS (C(ip_vs)).
author:
  - lvs.cluster maintainers (@lvs-cluster)
requirements:
  - ipvsadm (the command) on the target
  - a kernel with IPVS support
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    details: Computes and returns the batch without applying it.
    support: full
  diff_mode:
    details: Returns the table before and after, in C(ipvsadm -S) form.
    support: full
options:
  services:
    description:
      - The virtual services to manage.
      - A service is named by O(services[].protocol), O(services[].address) and
        O(services[].port), or by O(services[].fwmark) (and O(services[].family)).
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description:
          - Protocol of an address based service. V(tcp) when not set.
          - Upper case (keepalived's spelling) is accepted.
          - Not used with O(services[].fwmark).
        type: str
        choices: [tcp, udp, sctp, TCP, UDP, SCTP]
      address:
        description:
          - Virtual IP address (IPv4 or IPv6, brackets allowed) of the service.
          - Required unless O(services[].fwmark) is set.
        type: str
      port:
        description:
          - Port of the service; V(0) (all ports) only for persistent services.
          - Required with O(services[].address).
        type: int
      fwmark:
        description:
          - Firewall mark of a fwmark service (C(ipvsadm -f)), instead of protocol, address
            and port.
        type: int
      family:
        description:
          - Address family of a fwmark service (V(ipv6) is C(ipvsadm -f MARK -6)).
          - For address based services the address decides; if set it must match.
          - V(ipv4) when not set.
        type: str
        choices: [ipv4, ipv6]
      state:
        description:
          - V(present) makes the service exist exactly as described.
          - V(absent) removes it (and its real servers) if it exists.
        type: str
        choices: [present, absent]
        default: present
      scheduler:
        description:
          - Scheduling algorithm (C(ipvsadm -s)). The kernel must have it; V(twos) needs a
            recent kernel (Debian 12's 6.1 does not have it).
        type: str
        choices: [rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos]
        default: wlc
      sched_flags:
        description:
          - Scheduler flags (C(ipvsadm -b)). V(sh-fallback) and V(sh-port) need scheduler V(sh),
            V(mh-fallback) and V(mh-port) need V(mh).
        type: list
        elements: str
        choices: [sh-fallback, sh-port, mh-fallback, mh-port, flag-1, flag-2, flag-3]
        default: []
      one_packet:
        description:
          - One-packet scheduling (C(ipvsadm -o)); UDP and fwmark services only.
        type: bool
        default: false
      persistence_timeout:
        description:
          - Makes the service persistent for this many seconds (C(ipvsadm -p)).
          - Not set or V(0) means not persistent.
        type: int
      persistence_netmask:
        description:
          - Persistence granularity (C(ipvsadm -M)), a netmask such as V(255.255.255.0) or a
            prefix length such as V(24) for IPv4, a prefix length for IPv6.
          - Needs O(services[].persistence_timeout).
        type: str
      persistence_engine:
        description:
          - Alternative persistence engine (C(ipvsadm --pe)), for example V(sip).
        type: str
      method:
        description:
          - Default forwarding method of this service's real servers.
          - V(route) is direct routing (C(-g), keepalived's V(DR)), V(masq) is NAT
            (C(-m), V(NAT)), V(tunnel) is IP tunnelling (C(-i), V(TUN)).
        type: str
        choices: [route, masq, tunnel, DR, NAT, TUN]
        default: route
      real_servers:
        description:
          - All real servers of the service. Real servers of the service that are not listed
            are removed.
        type: list
        elements: dict
        default: []
        suboptions:
          address:
            description:
              - Address of the real server (IPv4 or IPv6, brackets allowed).
              - It must be of the service's address family unless the method is V(tunnel).
            type: str
            required: true
          port:
            description:
              - Port on the real server. Defaults to the service port (V(0) for fwmark
                services).
              - With V(route) and V(tunnel) it must equal the service port (ipvsadm
                forces that); only V(masq) can map to another port.
            type: int
          weight:
            description:
              - Weight (C(ipvsadm -w)), 0-65535. V(0) takes the server out of new scheduling
                without removing it.
            type: int
            default: 1
          method:
            description:
              - Forwarding method of this real server; the service's O(services[].method)
                when not set.
            type: str
            choices: [route, masq, tunnel, DR, NAT, TUN]
          upper_threshold:
            description:
              - Upper connection threshold (C(ipvsadm -x)); V(0) means none.
              - Not set means not managed (an existing value is kept).
            type: int
          lower_threshold:
            description:
              - Lower connection threshold (C(ipvsadm -y)); V(0) means none.
              - Not set means not managed (an existing value is kept).
            type: int
          tun_type:
            description:
              - Tunnel type of a V(tunnel) real server (C(--tun-type)); V(ipip) when not set.
            type: str
            choices: [ipip, gue, gre]
          tun_port:
            description:
              - Destination port of a V(gue) tunnel (C(--tun-port)); required for V(gue).
            type: int
          tun_csum:
            description:
              - Checksum mode of a V(gue) or V(gre) tunnel; V(nocsum) when not set.
            type: str
            choices: [nocsum, csum, remcsum]
  table:
    description:
      - More services to manage, each declared in full like an entry of O(services), written
        the way C(ipvsadm -S) prints them, in a single string. One C(-A) line per service,
        followed by the C(-a) lines of its real servers, one line each.
      - The compact form for large tables. Ansible validates each entry of O(services) as a
        dictionary of typed options, which for ten thousand real servers costs far more than
        applying them. This text is validated by the module itself, with the same rules as
        O(services) (a service line as the same service in O(services) would be, each distinct
        real server line once per kind of service), and errors name the line.
      - "Accepted on C(-A) lines: C(-t), C(-u) or C(--sctp-service) with C(ADDRESS:PORT), or
        C(-f MARK) (and C(-6)); C(-s), C(-p [SECONDS]), C(-M), C(--pe), C(-o), C(-b)."
      - "Accepted on C(-a) lines: the service as on its C(-A) line, C(-r ADDRESS:PORT) (port
        required, IPv6 in brackets), C(-g), C(-m) or C(-i), C(-w), C(--tun-type),
        C(--tun-port), C(--tun-nocsum), C(--tun-csum) or C(--tun-remcsum), C(-x) and C(-y). A
        threshold that is not written is not managed, as in O(services)."
      - A service may be listed only once in O(services) and O(table) together.
    type: str
  purge:
    description:
      - Remove every service of the table that O(services) and O(table) do not list and O(ignore) does not
        name.
    type: bool
    default: false
  ignore:
    description:
      - Services that O(purge) leaves alone, for example those keepalived manages on the same
        director.
      - Service keys like V(tcp:192.0.2.1:80), V(udp:[2001:db8::1]:53), V(sctp:192.0.2.1:5060),
        V(fwmark:7) or V(fwmark:9:ipv6) (the canonical spelling the module returns); keys are
        normalised before comparing.
      - An entry with V(*) or V(?) is a shell-style pattern matched against canonical keys,
        for example V(fwmark:*) or V(tcp:192.0.2.1:*).
      - Services listed in O(services) are managed even if O(ignore) names them.
    type: list
    elements: str
    default: []
notes:
  - Do not list services here that keepalived also manages (its C(virtual_server) blocks); the
    two would undo each other's changes. Use O(ignore) with O(purge) to share one table.
  - The returned timings are measured inside the module; Ansible's own validation of the options
    comes on top and is returned as RV(elapsed.arguments). For a very long O(services) list
    (thousands of real servers) it is most of the module's run; pass such tables in O(table).
seealso:
  - module: lvs.cluster.ipvsadm_info
  - name: ipvsadm(8)
    description: The manual page of ipvsadm.
    link: https://man7.org/linux/man-pages/man8/ipvsadm.8.html
'''

EXAMPLES = r'''
- name: One HTTP service, direct routing to two real servers
  lvs.cluster.ipvsadm:
    services:
      - address: 192.168.20.100
        port: 80
        scheduler: wlc
        persistence_timeout: 50
        real_servers:
          - address: 192.168.20.10
            weight: 1
          - address: 192.168.20.11
            weight: 3

- name: Everything the table should hold; remove the rest but keepalived's services
  lvs.cluster.ipvsadm:
    purge: true
    ignore:
      - tcp:192.168.20.100:80
      - fwmark:*
    services:
      - protocol: udp
        address: 192.168.20.101
        port: 53
        scheduler: sh
        sched_flags: [sh-fallback, sh-port]
        one_packet: true
        real_servers:
          - address: 192.168.20.21
            method: tunnel
      - address: 2001:db8::100
        port: 443
        scheduler: mh
        sched_flags: [mh-port]
        real_servers:
          - address: 2001:db8::9
      - address: 192.168.20.102
        port: 443
        method: masq
        scheduler: wrr
        persistence_timeout: 600
        persistence_netmask: 255.255.255.0
        real_servers:
          - address: 10.0.0.5
            port: 8443
            weight: 5
            upper_threshold: 100
            lower_threshold: 50
      - fwmark: 9
        family: ipv6
        scheduler: sed
        real_servers:
          - address: 2001:db8::31

- name: Remove a service
  lvs.cluster.ipvsadm:
    services:
      - address: 192.168.20.103
        port: 80
        state: absent

- name: See what would change (run with --check --diff)
  lvs.cluster.ipvsadm:
    services: "{{ my_ipvs_services }}"
  check_mode: true
  register: ipvs_plan

- name: Show the batch that would be applied
  ansible.builtin.debug:
    var: ipvs_plan.commands
'''

RETURN = r'''
commands:
  description:
    - The C(ipvsadm -R) batch lines applied (or, in check mode, that would be applied), in order.
  returned: always
  type: list
  elements: str
  sample:
    - -E -t 192.0.2.100:80 -s rr -p 50
    - -e -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 7
    - -d -t 192.0.2.100:80 -r 192.0.2.10:80
summary:
  description: How many services and real servers the batch adds, edits and removes.
  returned: always
  type: dict
  contains:
    added_services:
      description: Services added (C(-A)).
      type: int
    edited_services:
      description: Services edited (C(-E)).
      type: int
    removed_services:
      description: Services removed (C(-D)).
      type: int
    added_real_servers:
      description: Real servers added (C(-a)).
      type: int
    edited_real_servers:
      description: Real servers edited (C(-e)).
      type: int
    removed_real_servers:
      description: Real servers removed (C(-d)).
      type: int
  sample:
    added_services: 0
    edited_services: 1
    removed_services: 0
    added_real_servers: 0
    edited_real_servers: 1
    removed_real_servers: 1
diff:
  description:
    - The whole table before and after, as C(ipvsadm -S) lines in ipvsadm's listing order.
    - Known non-zero thresholds are shown as C(-x)/C(-y) although C(ipvsadm -S) omits them.
  returned: in diff mode
  type: dict
  contains:
    before:
      description: Table read from the kernel.
      type: str
    after:
      description: Table the module makes (or would make).
      type: str
elapsed:
  description:
    - Seconds spent in each phase, measured inside the module.
  returned: always
  type: dict
  contains:
    read:
      description: Running C(ipvsadm -Sn) (and C(-Ln --thresholds)) and parsing the output.
      type: float
    diff:
      description: Checking the options, computing the batch (and rendering the diff).
      type: float
    apply:
      description: Running C(ipvsadm -R) with the batch; V(0) when nothing was applied.
      type: float
    verify:
      description: Reading the table back and comparing it with the request.
      type: float
    total:
      description: From the end of argument validation to the result.
      type: float
    arguments:
      description: Ansible's validation of the module options, before RV(elapsed.total).
      type: float
  sample:
    read: 0.0123
    diff: 0.0042
    apply: 0.0311
    verify: 0.0119
    total: 0.0611
    arguments: 0.0015
cpu:
  description:
    - CPU seconds (user and system) spent in each phase of RV(elapsed), by the module and the
      C(ipvsadm) processes it ran, measured inside the module.
    - Unlike RV(elapsed), not inflated by other work competing for the CPU.
  returned: always
  type: dict
  contains:
    read:
      description: CPU seconds of the read phase.
      type: float
    diff:
      description: CPU seconds of the diff phase.
      type: float
    apply:
      description: CPU seconds of the apply phase (mostly C(ipvsadm -R) and the kernel work it
        asks for).
      type: float
    verify:
      description: CPU seconds of the verify phase.
      type: float
    total:
      description: CPU seconds from the end of argument validation to the result.
      type: float
  sample:
    read: 0.0051
    diff: 0.0040
    apply: 0.0282
    verify: 0.0049
    total: 0.0431
failed_commands:
  description: Batch lines that did not take effect, when applying failed.
  returned: failure after applying
  type: list
  elements: str
  sample:
    - -a -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 1
remaining_commands:
  description:
    - When applying failed, the batch that would still be needed, computed from the table read
      back.
  returned: failure after applying
  type: list
  elements: str
stderr:
  description: What C(ipvsadm -R) printed on standard error.
  returned: when a batch was applied
  type: str
  sample: Destination already exists
rc:
  description: Exit status of C(ipvsadm -R) (that of its last line only).
  returned: when a batch was applied
  type: int
  sample: 0
'''

import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_cmd import Ipvsadm, add_thresholds
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import DesiredState
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    METHOD_CHOICES,
    PROTOCOL_CHOICES,
    SCHED_FLAGS,
    SCHEDULERS,
    TUN_CSUMS,
    TUN_TYPES,
    IpvsCommandError,
    IpvsError,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import render_table
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_plan import (
    Stopwatch,
    make_plan,
    read_state,
    result_table,
)


def argument_spec():
    real_server = dict(
        address=dict(type='str', required=True),
        port=dict(type='int'),
        weight=dict(type='int', default=1),
        method=dict(type='str', choices=list(METHOD_CHOICES)),
        upper_threshold=dict(type='int'),
        lower_threshold=dict(type='int'),
        tun_type=dict(type='str', choices=list(TUN_TYPES)),
        tun_port=dict(type='int'),
        tun_csum=dict(type='str', choices=list(TUN_CSUMS)),
    )
    service = dict(
        protocol=dict(type='str', choices=list(PROTOCOL_CHOICES)),
        address=dict(type='str'),
        port=dict(type='int'),
        fwmark=dict(type='int'),
        family=dict(type='str', choices=['ipv4', 'ipv6']),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        scheduler=dict(type='str', choices=list(SCHEDULERS), default='wlc'),
        sched_flags=dict(type='list', elements='str', choices=list(SCHED_FLAGS), default=[]),
        one_packet=dict(type='bool', default=False),
        persistence_timeout=dict(type='int'),
        persistence_netmask=dict(type='str'),
        persistence_engine=dict(type='str'),
        method=dict(type='str', choices=list(METHOD_CHOICES), default='route'),
        real_servers=dict(type='list', elements='dict', options=real_server, default=[]),
    )
    return dict(
        # fwmark versus protocol/address/port is checked in module_utils, where null values
        # (as ipvsadm_info returns them) do not count as given
        services=dict(type='list', elements='dict', options=service, default=[]),
        table=dict(type='str'),
        purge=dict(type='bool', default=False),
        ignore=dict(type='list', elements='str', default=[]),
    )


def main():
    started = time.time()
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    clock = Stopwatch()
    arguments = clock.start - started
    ipvsadm = Ipvsadm(module)
    result = dict(changed=False)

    try:
        # Decide: read the table once, diff it against the request.
        with clock.measure('diff'):
            desired = DesiredState.from_params(module.params['services'], module.params['purge'],
                                               module.params['ignore'], module.params['table'])
        current = read_state(ipvsadm, desired, clock, parse=module._diff)
        plan = current.plan
        if plan.needs_thresholds and current.table.thresholds is None:
            # an edit would reset thresholds -Sn cannot show: read them, keep them
            with clock.measure('read'):
                add_thresholds(ipvsadm, current.table)
            with clock.measure('diff'):
                plan = make_plan(desired, current.table)
        result.update(changed=bool(plan), commands=plan.lines, summary=plan.summary)
        if module._diff:
            with clock.measure('diff'):
                result['diff'] = dict(before=render_table(current.table),
                                      after=render_table(result_table(desired, current.table)))

        # Act: one batch, then read back and check.
        if plan and not module.check_mode:
            with clock.measure('apply'):
                dummy, rc, out, err = ipvsadm.restore(plan.lines)
            after = read_state(ipvsadm, desired, clock, phase='verify')
            residual = after.plan
            result.update(rc=rc, stderr=err)
            if rc != 0 or err.strip() or residual:
                failed = plan.failed_lines(residual)
                result.update(changed=not after.same_as(current), failed_commands=failed,
                              remaining_commands=residual.lines,
                              elapsed=dict(clock.as_dict(), arguments=round(arguments, 6)),
                              cpu=clock.cpu_dict())
                module.fail_json(
                    msg='ipvsadm -R: %d of %d batch lines did not take effect (rc=%d): %s'
                        % (len(failed), len(plan), rc, err.strip() or 'table differs after apply'),
                    **result)
    except IpvsCommandError as exc:
        module.fail_json(**dict(result, msg=str(exc), cmd=exc.cmd, rc=exc.rc, stdout=exc.stdout,
                                stderr=exc.stderr))
    except IpvsError as exc:
        module.fail_json(**dict(result, msg=str(exc)))

    result.update(elapsed=dict(clock.as_dict(), arguments=round(arguments, 6)),
                  cpu=clock.cpu_dict())
    module.exit_json(**result)


if __name__ == '__main__':
    main()
