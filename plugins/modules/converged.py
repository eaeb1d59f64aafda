#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: converged
short_description: Tell in one call whether a host already is what a role's tasks would make it
version_added: 0.2.0
author: lvs.cluster maintainers (!UNKNOWN)
description:
  - Reads, never changes, everything a list of tasks would enforce on a host. That is installed
    packages, users and their shell, loaded kernel modules and their modules-load.d file, sysctl
    values and their sysctl.d file, files (checksum, mode, owner, group), directories, paths that
    must be absent, and systemd units that must be enabled and active.
  - Returns RV(converged) true when none of those tasks would change anything, and the list of
    RV(differences) otherwise. The lvs.cluster roles call it first and skip their per-item tasks
    on a host that has converged, so that a rerun costs one module call per host instead of one
    per task (seconds each on a slow host).
  - Each check makes the decision of the task it stands for; O(kernel_modules) and O(sysctl) use
    the same code as M(lvs.cluster.kernel_module) and M(lvs.cluster.sysctl). Whatever it cannot
    decide (a package name with a version, an unknown owner, no C(dpkg-query) or C(rpm)) counts
    as a difference, so a doubtful host gets every task.
options:
  packages:
    description: Packages that must be installed (C(dpkg-query) or C(rpm) tells).
    type: list
    elements: str
    default: []
  users:
    description: Users that must exist, with their login shell.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: User name.
        type: str
        required: true
      shell:
        description: Login shell; not compared when omitted.
        type: str
  kernel_modules:
    description: What a M(lvs.cluster.kernel_module) task with these options would enforce.
    type: dict
    suboptions:
      name:
        description: Kernel module names.
        type: list
        elements: str
        required: true
      persist:
        description: The modules-load.d file (bare name or absolute path).
        type: str
        required: true
  sysctl:
    description: What a M(lvs.cluster.sysctl) task with these options would enforce.
    type: dict
    suboptions:
      settings:
        description: Keys and values.
        type: dict
        required: true
      name:
        description: The sysctl.d file (bare name or absolute path).
        type: str
        required: true
  files:
    description:
      - Regular files with this content (its SHA-1, as the copy and template modules compare),
        mode, owner and group.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      checksum:
        description:
          - SHA-1 of the wanted content, for example C(lookup('template', ...) | hash('sha1')).
          - One of O(files[].checksum) and O(files[].content) is required.
        type: str
      content:
        description:
          - The wanted content itself, compared by its SHA-1 (UTF-8), so that one list of files
            serves this check and M(lvs.cluster.config_files).
        type: str
      validate:
        description: Not used here; accepted so that a list made for M(lvs.cluster.config_files) can be passed as it is.
        type: str
      mode:
        description: Octal mode as a string, for example V("0644").
        type: str
        required: true
      owner:
        description: Owner name.
        type: str
        default: root
      group:
        description: Group name.
        type: str
        default: root
  directories:
    description: Directories with this mode, owner and group.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
        required: true
      mode:
        description: Octal mode as a string, for example V("0755").
        type: str
        required: true
      owner:
        description: Owner name.
        type: str
        default: root
      group:
        description: Group name.
        type: str
        default: root
  absent:
    description: Paths that must not exist.
    type: list
    elements: path
    default: []
  services:
    description: systemd units that must be enabled and active.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    support: full
    details: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    details: Nothing changes, so there is nothing to show; RV(differences) lists what differs.
notes:
  - The checksums and contents are kept out of logs (no_log), as a file may hold VRRP passwords.
  - A host reported converged is one where the tasks the check stands for would each report
    no change. Runtime state that those tasks do not enforce either (the IPVS table, VRRP state)
    is not part of it; the roles check that separately on every run.
'''

EXAMPLES = r'''
- name: Is this host already what the tasks below would make it?
  lvs.cluster.converged:
    packages: [iproute2]
    sysctl:
      name: 90-lvs-cluster-real-server.conf
      settings:
        net.ipv4.conf.all.arp_ignore: 1
        net.ipv4.conf.all.arp_announce: 2
    files:
      - path: /etc/lvs-real-server.conf
        checksum: "{{ lookup('ansible.builtin.template', 'lvs-real-server.conf.j2') | hash('sha1') }}"
        mode: "0644"
    services: [lvs-real-server.service]
  register: converged

- name: Install iproute2
  ansible.builtin.package:
    name: iproute2
  when: not converged.converged
'''

RETURN = r'''
converged:
  description: Whether every check passed (the tasks it stands for would change nothing).
  returned: always
  type: bool
  sample: false
differences:
  description: What differs, one line each; empty when converged.
  returned: always
  type: list
  elements: str
  sample: ["/etc/lvs-real-server.conf has other content", "lvs-real-server.service is inactive, not active"]
differing_files:
  description: The paths among O(files) that differ in any way (content, mode, owner, group, missing), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["/etc/keepalived/keepalived.conf"]
files_only:
  description:
    - True when something differs and all of it is in O(files), so that the tasks writing
      RV(differing_files) are the only ones that would change anything.
    - The roles use it to run only those tasks when only their generated configuration changed.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lvs.cluster.plugins.module_utils import converged as checks

LANG_ENV = {'LANG': 'C', 'LC_ALL': 'C', 'LC_MESSAGES': 'C'}


def main():
    path_entry = dict(path=dict(type='path', required=True), mode=dict(type='str', required=True),
                      owner=dict(type='str', default='root'), group=dict(type='str', default='root'))
    file_entry = dict(path_entry, checksum=dict(type='str', no_log=True), content=dict(type='str', no_log=True),
                      validate=dict(type='str'))
    module = AnsibleModule(
        argument_spec=dict(
            packages=dict(type='list', elements='str', default=[]),
            users=dict(type='list', elements='dict', default=[],
                       options=dict(name=dict(type='str', required=True), shell=dict(type='str'))),
            kernel_modules=dict(type='dict', options=dict(name=dict(type='list', elements='str', required=True),
                                                          persist=dict(type='str', required=True))),
            sysctl=dict(type='dict', options=dict(settings=dict(type='dict', required=True),
                                                  name=dict(type='str', required=True))),
            files=dict(type='list', elements='dict', default=[], options=file_entry,
                       required_one_of=[['checksum', 'content']], mutually_exclusive=[['checksum', 'content']]),
            directories=dict(type='list', elements='dict', default=[], options=path_entry),
            absent=dict(type='list', elements='path', default=[]),
            services=dict(type='list', elements='str', default=[]),
        ),
        supports_check_mode=True,
    )
    params = module.params

    def run(argv):
        return module.run_command(argv, environ_update=LANG_ENV)

    differences = []
    differences.extend(checks.check_packages(params['packages'], run,
                                             dpkg_query=module.get_bin_path('dpkg-query'),
                                             rpm=module.get_bin_path('rpm')))
    differences.extend(checks.check_users(params['users']))
    if params['kernel_modules'] is not None:
        differences.extend(checks.check_kernel_modules(params['kernel_modules']['name'],
                                                       params['kernel_modules']['persist']))
    if params['sysctl'] is not None:
        differences.extend(checks.check_sysctl(params['sysctl']['settings'], params['sysctl']['name']))
    differences.extend(checks.check_directories(params['directories']))
    wanted = [entry if entry['checksum'] else dict(entry, checksum=checks.content_checksum(entry['content']))
              for entry in params['files']]
    by_file = [(entry['path'], checks.check_file(entry)) for entry in wanted]
    after = checks.check_absent(params['absent'])
    after.extend(checks.check_services(params['services'], run, systemctl=module.get_bin_path('systemctl')))
    differing_files = [path for path, found in by_file if found]
    files_only = bool(differing_files) and not differences and not after
    differences.extend(line for dummy, found in by_file for line in found)
    differences.extend(after)
    module.exit_json(changed=False, converged=not differences, differences=differences,
                     differing_files=differing_files, files_only=files_only)


if __name__ == '__main__':
    main()
