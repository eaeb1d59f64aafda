#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sysctl
short_description: Set many kernel parameters at once, in one sysctl.d file and at runtime
version_added: 0.1.0
author: lvs.cluster maintainers (!UNKNOWN)
description:
  - Writes the given kernel parameters to one file in C(/etc/sysctl.d/) so that they are
    applied again at boot by systemd-sysctl, and sets them at runtime by writing
    C(/proc/sys) directly (no C(sysctl) command is needed, and keys that already have the
    wanted value are not touched).
  - The module owns the whole file. It is replaced atomically (mode C(0644)) with exactly
    the keys in O(settings), in the order given; keys dropped from O(settings) disappear from
    the file, but their runtime value is left as it is.
  - Runtime values are read before and after; they are compared field by field
    (whitespace-separated), as the kernel prints them.
  - Keys the kernel does not have (an interface that does not exist yet, a kernel module
    that is not loaded) make the module fail before anything is changed, unless
    O(ignore_missing=true).
  - After a change the module warns when a file applied later at boot (a higher-sorting
    name in one of the sysctl.d directories) sets one of the keys to another value,
    because that value would win after a reboot.
options:
  settings:
    description:
      - Kernel parameters to set, as a dictionary of key and value.
      - A key is written with dots (V(net.ipv4.conf.all.arp_ignore)) or slashes
        (V(net/ipv4/conf/all/arp_ignore)); the first separator decides, as in sysctl.d(5).
        With dots, a dot inside one component (a VLAN interface such as C(eth0.100)) is
        written as a slash, as in V(net.ipv4.conf.eth0/100.arp_ignore). Results use this
        dotted form.
      - Values are strings or integers; V(true) and V(false) are written as C(1) and C(0).
        Multi-field values (V(32768 60999)) are compared field by field.
      - Required with O(state=present). With O(state=absent) only used to report the
        runtime values of these keys.
    type: dict
  name:
    description:
      - The managed file. A bare name such as V(90-lvs-real-server.conf) is created in
        C(/etc/sysctl.d/) (C(.conf) is appended when missing, systemd-sysctl reads only
        C(*.conf)); an absolute path is used as it is.
      - Give each role or purpose its own file; the module rewrites the whole file.
    type: str
    required: true
  state:
    description:
      - V(present) writes the file and (with O(apply=true)) sets the values at runtime.
      - V(absent) removes the file. Runtime values stay as they are until the next boot.
    type: str
    choices: [present, absent]
    default: present
  apply:
    description:
      - Also set the values at runtime. With V(false) only the file is written.
    type: bool
    default: true
  ignore_missing:
    description:
      - Keys the kernel does not have are still written to the file (systemd-sysctl applies
        them once they exist, for example when an interface appears) and reported in
        RV(missing) instead of failing the task.
    type: bool
    default: false
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reports what would change, including the runtime values RV(after) would show.
  diff_mode:
    support: full
    details: Shows the file before and after, and the runtime values that change.
seealso:
  - name: sysctl.d(5)
    description: Configuration files read by systemd-sysctl at boot.
    link: https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html
notes:
  - Runtime values are read and written under C(/proc/sys) of the target, in its network
    namespace; in a container C(/proc/sys) must be writable (a privileged container).
'''

EXAMPLES = r'''
- name: Hide the VIPs held on loopback from ARP on a LVS/DR real server
  lvs.cluster.sysctl:
    name: 90-lvs-real-server.conf
    settings:
      net.ipv4.conf.all.arp_ignore: 1
      net.ipv4.conf.all.arp_announce: 2
      net.ipv4.conf.lo.arp_ignore: 1
      net.ipv4.conf.lo.arp_announce: 2
      net.ipv4.conf.eth0/100.arp_ignore: 1   # interface eth0.100
      net.ipv4.conf.eth0/100.arp_announce: 2

- name: Write the file only, for keys of an interface that appears later
  lvs.cluster.sysctl:
    name: 91-lvs-tunnel.conf
    settings:
      net.ipv4.conf.tunl0.rp_filter: 0
    apply: false
    ignore_missing: true

- name: Remove the file (runtime values stay until reboot)
  lvs.cluster.sysctl:
    name: 90-lvs-real-server.conf
    state: absent
'''

RETURN = r'''
path:
  description: Absolute path of the managed file.
  returned: always
  type: str
  sample: /etc/sysctl.d/90-lvs-real-server.conf
file_changed:
  description: Whether the file was (or, in check mode, would be) written or removed.
  returned: always
  type: bool
  sample: true
before:
  description: Runtime value of each key before the task, null for keys the kernel does not have.
  returned: always
  type: dict
  sample: {"net.ipv4.conf.all.arp_ignore": "0", "net.ipv4.conf.all.arp_announce": "0"}
after:
  description:
    - Runtime value of each key after the task, read back from the kernel.
    - In check mode, the values the task would set.
  returned: always
  type: dict
  sample: {"net.ipv4.conf.all.arp_ignore": "1", "net.ipv4.conf.all.arp_announce": "2"}
applied:
  description: Keys set (or, in check mode, to be set) at runtime, in the order of O(settings).
  returned: always
  type: list
  elements: str
  sample: ["net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce"]
missing:
  description: Keys the kernel does not have (only non-empty with O(ignore_missing=true)).
  returned: always
  type: list
  elements: str
  sample: ["net.ipv4.conf.tunl0.rp_filter"]
overridden:
  description:
    - Keys that a file applied later at boot sets to another value (also reported as a
      warning when something changed).
  returned: always
  type: list
  elements: dict
  contains:
    key:
      description: The key.
      type: str
    value:
      description: The value the later file sets.
      type: str
    file:
      description: The later file.
      type: str
  sample: [{"key": "net.ipv4.conf.all.rp_filter", "value": "1", "file": "/etc/sysctl.d/99-sysctl.conf"}]
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.lvs.cluster.plugins.module_utils.files import FILE_MODE, mode_wrong, read_file, write_file
from ansible_collections.lvs.cluster.plugins.module_utils import sysctl as sysctl_utils
from ansible_collections.lvs.cluster.plugins.module_utils.sysctl import (
    SysctlError, file_path, find_overrides, normalize_settings, plan, read_values, render,
    runtime_diff, values_equal, write_value)

# Where things live on the target; unit tests point these at a temporary tree.
PROC_SYS = sysctl_utils.PROC_SYS
SYSCTL_D = sysctl_utils.SYSCTL_D
SEARCH_DIRS = sysctl_utils.SEARCH_DIRS


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type='dict'),
            name=dict(type='str', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            apply=dict(type='bool', default=True),
            ignore_missing=dict(type='bool', default=False),
        ),
        required_if=[('state', 'present', ['settings'])],
        supports_check_mode=True,
    )
    params = module.params
    present = params['state'] == 'present'

    # Decide.
    try:
        path = file_path(params['name'], SYSCTL_D)
        settings = normalize_settings(params['settings'] or {})
        before = read_values(settings, PROC_SYS)
    except SysctlError as exc:
        module.fail_json(msg=to_native(exc))

    old_text = read_file(module, path)
    new_text = render(settings) if present else None
    file_changed = old_text != new_text
    mode_is_wrong = mode_wrong(path, old_text, new_text)

    apply = present and params['apply']
    to_apply, missing = plan(settings, before, apply)
    result = dict(changed=False, path=path, file_changed=file_changed, before=before,
                  after=dict(before), applied=to_apply, missing=missing if present else [],
                  overridden=[])
    if present and missing and not params['ignore_missing']:
        result.update(file_changed=False, applied=[])
        module.fail_json(msg='the kernel has no such key(s): %s. Is the interface up or the kernel '
                             'module loaded? Set ignore_missing=true to write them to %s anyway.'
                             % (', '.join(missing), path), **result)
    if present:
        result['overridden'] = find_overrides(path, settings, SEARCH_DIRS)

    for key in to_apply:
        result['after'][key] = settings[key]
    result['changed'] = bool(file_changed or mode_is_wrong or to_apply)

    # Act.
    if not module.check_mode:
        failed = []
        for key in to_apply:
            try:
                write_value(key, settings[key], PROC_SYS)
            except SysctlError as exc:
                failed.append(to_native(exc))
        if to_apply:
            result['after'] = read_values(settings, PROC_SYS)
        if failed:
            # The file is left alone so that it never holds values the kernel refused.
            result['applied'] = [key for key in to_apply if result['after'][key] != before[key]]
            result.update(changed=bool(result['applied']), file_changed=False)
            module.fail_json(msg='; '.join(failed), **result)
        if file_changed:
            if present:
                write_file(module, path, new_text, prefix='.ansible_lvs_sysctl_')
            else:
                try:
                    os.unlink(path)
                except OSError as exc:
                    module.fail_json(msg='cannot remove %s: %s' % (path, to_native(exc)), **result)
        elif mode_is_wrong:
            os.chmod(path, FILE_MODE)
        for key in to_apply:
            if not values_equal(result['after'][key], settings[key]):
                module.warn('%s was set to %r but the kernel reports %r; the task will report a '
                            'change every time' % (key, settings[key], result['after'][key]))

    if result['changed']:
        for item in result['overridden']:
            module.warn('%s is set to %r by %s, which systemd-sysctl applies after %s: that value '
                        'wins after a reboot' % (item['key'], item['value'], item['file'], path))
    if module._diff:
        diffs = []
        if file_changed:
            diffs.append({'before_header': path, 'after_header': path,
                          'before': old_text or '', 'after': new_text or ''})
        if to_apply:
            diffs.append(runtime_diff(to_apply, before, result['after']))
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
