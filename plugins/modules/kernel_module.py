#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kernel_module
short_description: Load kernel modules now and at every boot
version_added: 0.1.0
author: lvs.cluster maintainers (!UNKNOWN)
description:
  - Makes sure the running kernel has the given modules, and lists them in one file in
    C(/etc/modules-load.d/) so that systemd-modules-load loads them again at boot.
  - A module counts as present when C(/proc/modules) lists it, when C(/sys/module/NAME)
    exists or when the kernel's C(modules.builtin) names it. Only the missing ones are
    loaded, with a single C(modprobe -a) call; nothing is run when all are present.
  - In a container that shares the host's kernel, modules the host has already loaded are
    reported as present without calling C(modprobe). A module that is missing there cannot
    be loaded from inside; the task fails and says to load it on the host.
  - The module owns the whole O(persist) file, replaced atomically (mode C(0644)) with
    exactly O(name). With an empty O(name) the file is removed. Modules are never unloaded.
options:
  name:
    description:
      - Kernel module names, for example V(ip_vs) and V(ip_vs_wlc), or V(ipip) for IP-in-IP
        tunnels. Dashes and underscores are equivalent; the file and results use underscores.
      - An empty list loads nothing and removes the O(persist) file.
    type: list
    elements: str
    required: true
  persist:
    description:
      - The modules-load.d file that lists O(name) for the next boot. A bare name such as
        V(lvs-cluster-director) becomes C(/etc/modules-load.d/lvs-cluster-director.conf)
        (C(.conf) is appended when missing); an absolute path is used as it is.
      - Give each role or purpose its own file; the module rewrites the whole file.
    type: str
    default: lvs-cluster
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    support: full
    details: Reports which modules would be loaded and whether the file would change.
  diff_mode:
    support: full
    details: Shows the file before and after.
notes:
  - Needs C(modprobe) (kmod) on the target only when a module is missing.
'''

EXAMPLES = r'''
- name: IPVS and the schedulers the services use
  lvs.cluster.kernel_module:
    name: [ip_vs, ip_vs_wlc, ip_vs_rr]
    persist: lvs-cluster-director

- name: IP-in-IP for LVS/TUN real servers (an empty list removes the file)
  lvs.cluster.kernel_module:
    name: "{{ ['ipip'] if tunnel_vips | length > 0 else [] }}"
    persist: lvs-cluster-real-server
'''

RETURN = r'''
present:
  description: Modules of O(name) the kernel had before the task (loaded or built in).
  returned: always
  type: list
  elements: str
  sample: [ip_vs]
loaded:
  description: Modules loaded by the task (in check mode, the ones it would load).
  returned: always
  type: list
  elements: str
  sample: [ip_vs_wlc, ip_vs_rr]
path:
  description: Absolute path of the modules-load.d file.
  returned: always
  type: str
  sample: /etc/modules-load.d/lvs-cluster-director.conf
file_changed:
  description: Whether the file was (or, in check mode, would be) written or removed.
  returned: always
  type: bool
  sample: false
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.lvs.cluster.plugins.module_utils.files import FILE_MODE, mode_wrong, read_file, write_file
from ansible_collections.lvs.cluster.plugins.module_utils import kmod
from ansible_collections.lvs.cluster.plugins.module_utils.kmod import (
    KmodError, canonical_names, file_path, plan, present_modules, render)

# Where things live on the target; unit tests point these at a temporary tree.
PROC_MODULES = kmod.PROC_MODULES
SYS_MODULE = kmod.SYS_MODULE
MODULES_LOAD_D = kmod.MODULES_LOAD_D
MODULES_BUILTIN = None  # modules.builtin of the running kernel
LANG_ENV = {'LANG': 'C', 'LC_ALL': 'C', 'LC_MESSAGES': 'C'}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='list', elements='str', required=True),
            persist=dict(type='str', default='lvs-cluster'),
        ),
        supports_check_mode=True,
    )
    params = module.params

    # Decide.
    try:
        names = canonical_names(params['name'])
        path = file_path(params['persist'], MODULES_LOAD_D)
    except KmodError as exc:
        module.fail_json(msg=to_native(exc))
    present = present_modules(names, PROC_MODULES, SYS_MODULE, MODULES_BUILTIN)
    to_load = plan(names, present)

    old_text = read_file(module, path)
    new_text = render(names)
    file_changed = old_text != new_text
    mode_is_wrong = mode_wrong(path, old_text, new_text)

    result = dict(changed=bool(to_load or file_changed or mode_is_wrong), present=present,
                  loaded=to_load, path=path, file_changed=file_changed)

    # Act.
    if not module.check_mode:
        # What a failure below reports: nothing loaded, the file untouched.
        unchanged = dict(result)
        unchanged.update(changed=False, loaded=[], file_changed=False)
        if to_load:
            modprobe = module.get_bin_path('modprobe')
            if modprobe is None:
                module.fail_json(msg='kernel module(s) %s are not loaded and modprobe is not installed. '
                                     'In a container, load them on the host.' % ', '.join(to_load),
                                 **unchanged)
            rc, out, err = module.run_command([modprobe, '-a'] + to_load, environ_update=LANG_ENV)
            if rc != 0:
                reason = to_native(err or out).strip()
                module.fail_json(msg='modprobe -a %s failed (rc %d): %s. In a container, or with a kernel '
                                     'without these modules, load them on the host or install the '
                                     'matching modules package.' % (' '.join(to_load), rc, reason),
                                 rc=rc, stdout=out, stderr=err, **unchanged)
            still_missing = plan(to_load, present_modules(to_load, PROC_MODULES, SYS_MODULE, MODULES_BUILTIN))
            if still_missing:
                unchanged['loaded'] = [name for name in to_load if name not in still_missing]
                unchanged['changed'] = bool(unchanged['loaded'])
                module.fail_json(msg='modprobe succeeded but the kernel still lacks %s (an alias, '
                                     'or blocked by an "install ... /bin/true" rule in modprobe.d?)'
                                     % ', '.join(still_missing), **unchanged)
        if file_changed:
            if new_text is None:
                try:
                    os.unlink(path)
                except OSError as exc:
                    module.fail_json(msg='cannot remove %s: %s' % (path, to_native(exc)), **result)
            else:
                write_file(module, path, new_text, prefix='.ansible_lvs_kmod_')
        elif mode_is_wrong:
            os.chmod(path, FILE_MODE)

    if module._diff:
        result['diff'] = {'before_header': path, 'after_header': path,
                          'before': old_text or '', 'after': new_text or ''}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
