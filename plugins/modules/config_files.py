#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: config_files
short_description: Write a role's small generated files and their directories in one call
version_added: 0.2.0
author: lvs.cluster maintainers (!UNKNOWN)
description:
  - Makes each of O(directories) and O(files) what it lists (content, mode, owner, group), the
    way a list of M(ansible.builtin.file) and M(ansible.builtin.template) tasks would, in one
    module call instead of one or two per file (seconds each on a slow host).
  - Decides first, with the same checks as M(lvs.cluster.converged), and changes only what
    differs. Every new content with a O(files[].validate) command is checked before any file
    or directory is touched, so a content that fails leaves the host as it was.
  - Returns RV(changed_files), so that tasks after it can act on one file's change (restart a
    service, reload systemd) as a handler notified by that file's own task would.
options:
  directories:
    description: Directories to create (with their parents) or fix.
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
  files:
    description: Regular files, written after O(directories).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path; a missing parent directory is created with mode 0755.
        type: path
        required: true
      content:
        description: The whole text of the file, for example C(lookup('ansible.builtin.template', ...)).
        type: str
        required: true
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
      validate:
        description:
          - A command that checks the new content before it replaces the file, with C(%s) where
            the path of a temporary copy goes (as the template module's C(validate)). Run only
            when the file differs, also in check mode (it changes nothing).
        type: str
extends_documentation_fragment:
  - lvs.cluster.attributes
attributes:
  check_mode:
    support: full
    details:
      - Decides and validates as in a real run, then changes nothing.
      - An owner or group that does not exist yet is not an error in check mode (the task that
        creates the user only pretended to); the file or directory counts as changed.
  diff_mode:
    support: full
    details: One diff per changed file (its old and new text).
notes:
  - A file's content travels in the module's arguments; keep secrets (VRRP passwords) out of it,
    or use a task with C(no_log).
seealso:
  - module: lvs.cluster.converged
'''

EXAMPLES = r'''
- name: Write the director's files (one call)
  lvs.cluster.config_files:
    directories:
      - path: /etc/lvs-cluster
        mode: "0755"
    files:
      - path: /etc/lvs-cluster/fwmark.nft
        content: "{{ lookup('ansible.builtin.template', 'lvs-cluster-fwmark.nft.j2') }}"
        mode: "0644"
        validate: /usr/sbin/nft -c -f %s
  register: written

- name: Reload the marks when their file changed
  ansible.builtin.systemd_service:
    name: lvs-cluster-fwmark.service
    state: reloaded
  when: "'/etc/lvs-cluster/fwmark.nft' in written.changed_files"
'''

RETURN = r'''
changed_files:
  description: The paths among O(files) that were written (or would be, in check mode), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["/etc/lvs-cluster/fwmark.nft"]
changed_directories:
  description: The paths among O(directories) that were created or fixed (or would be), in the order given.
  returned: always
  type: list
  elements: str
  sample: ["/etc/lvs-cluster"]
differences:
  description: What differed, one line each.
  returned: always
  type: list
  elements: str
  sample: ["/etc/lvs-cluster/fwmark.nft has other content"]
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.lvs.cluster.plugins.module_utils import config_files as cf

LANG_ENV = {'LANG': 'C', 'LC_ALL': 'C', 'LC_MESSAGES': 'C'}


def main():
    owned = dict(path=dict(type='path', required=True), mode=dict(type='str', required=True),
                 owner=dict(type='str', default='root'), group=dict(type='str', default='root'))
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type='list', elements='dict', default=[], options=owned),
            files=dict(type='list', elements='dict', default=[],
                       options=dict(owned, content=dict(type='str', required=True), validate=dict(type='str'))),
        ),
        supports_check_mode=True,
    )
    directories, files = module.params['directories'], module.params['files']
    errors = cf.problems(directories, files, module.check_mode)
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)

    dirs, changed = cf.plan(directories, files)

    def run(argv):
        return module.run_command(argv, environ_update=LANG_ENV)

    errors = [error for error in (cf.validate(run, entry) for entry, dummy in changed) if error]
    if errors:
        module.fail_json(msg='; '.join(errors), errors=errors)

    result = dict(changed=bool(dirs or changed),
                  changed_directories=[entry['path'] for entry, dummy in dirs],
                  changed_files=[entry['path'] for entry, dummy in changed],
                  differences=[line for dummy, found in dirs + changed for line in found])
    if module._diff:
        result['diff'] = [dict(before_header=entry['path'], after_header=entry['path'],
                               before=cf.before_text(entry['path']), after=entry['content'])
                          for entry, dummy in changed]
    if not module.check_mode:
        try:
            for entry, dummy in dirs:
                cf.make_directory(entry)
            for entry, dummy in changed:
                cf.write(module.atomic_move, entry)
        except (IOError, OSError) as exc:
            module.fail_json(msg='cannot write %s: %s' % (getattr(exc, 'filename', None) or '', to_native(exc)), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
