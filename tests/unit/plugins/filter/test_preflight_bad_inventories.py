# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad inventories as operators write them, each one edit of the good fixture's YAML text, read by
Ansible's own inventory code (so YAML 1.1 types are real: an unquoted ``yes`` is a boolean) and
checked by the preflight filter the way playbooks/preflight.yml calls it.

Each must be refused with a problem that names the host and the variable (and a fix). Classes:
type confusion, out-of-range numbers, names Linux or keepalived refuse, values that try to leave
their place in a generated file, structural mistakes. The good fixture itself must pass.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.manager import VariableManager

from ansible_collections.lvs.cluster.plugins.filter import lvs

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
GOOD = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'preflight', 'good')
ALL = 'group_vars/all.yml'
DIRS = 'group_vars/lvs_directors.yml'
HOSTS = 'hosts.yml'


def check(tmp_path, edits):
    """Copy the good fixture, apply ``edits`` ([(file, old, new)]: old '' appends), run the preflight."""
    root = tmp_path / 'inventory'
    shutil.copytree(GOOD, str(root))
    for name, old, new in edits:
        path = root / name
        text = path.read_text() if path.exists() else ''
        if old:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        else:
            text += new
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(root)])
    variables = VariableManager(loader=loader, inventory=inventory)
    hostvars = dict((host.name, variables.get_vars(host=host, include_hostvars=False)) for host in inventory.get_hosts())
    return lvs.preflight(hostvars, inventory.get_groups_dict())


def svc_text(text):
    return (ALL, '  - name: app\n', text + '  - name: app\n')


def add_host_var(host, text):
    return ('host_vars/%s.yml' % host, '', '---\n' + text)


# (case, edits, a fragment of the variable the problem names)
BAD = [
    # type confusion (YAML 1.1: yes is a boolean, 0755 is 493)
    ('interface yes', [(ALL, 'interface: eth0', 'interface: yes')], 'interface'),
    ('vrid a string', [(ALL, 'virtual_router_id: 51\n    master: dir2\n    version: 2',
                        'virtual_router_id: "51"\n    master: dir2\n    version: 2')], 'virtual_router_id'),
    ('vrid a float', [(ALL, 'virtual_router_id: 51\n    master: dir2\n    version: 2',
                       'virtual_router_id: 51.5\n    master: dir2\n    version: 2')], 'virtual_router_id'),
    ('port a list', [(ALL, '    port: 80\n', '    port: [80]\n')], 'port'),
    ('weight a string', [(ALL, 'weight: 3', 'weight: "3"')], 'weight'),
    ('weight a float', [(ALL, 'weight: 3', 'weight: 3.0')], 'weight'),
    ('boolean as a string', [(ALL, '    sync_group: G_LB\n', '    nopreempt: "false"\n    sync_group: G_LB\n')], 'nopreempt'),
    ('inhibit_on_failure as a string', [(ALL, '    scheduler: wlc\n', '    scheduler: wlc\n    inhibit_on_failure: "false"\n')],
     'inhibit_on_failure'),
    ('name an octal-looking number', [(ALL, '- name: marked', '- name: 0755')], 'name'),
    ('scheduler a list', [(ALL, 'scheduler: wlc', 'scheduler: [wlc]')], 'scheduler'),
    ('real_servers a mapping', [(ALL, '''    real_servers:
      # TUN is routed: the real server may be on any network.
      - {address: 203.0.113.10}''', '''    real_servers: {address: 203.0.113.10}''')], 'real_servers'),
    ('checker a list', [(ALL, 'checker: {type: HTTP_GET, path: /, status_code: 200}', 'checker: [HTTP_GET]')], 'checker'),
    ('extra_vips a scalar', [(ALL, '''    extra_vips:
      - {address: 198.51.100.1, prefix: 24, dev: eth1}''', '    extra_vips: 198.51.100.1/24/eth1')], 'extra_vips'),
    ('track_interfaces a string', [(ALL, '    sync_group: G_LB\n', '    track_interfaces: eth0\n    sync_group: G_LB\n')],
     'track_interfaces'),
    ('advert_int with units', [(DIRS, '', 'director_advert_int: 1s\n')], 'director_advert_int'),
    ('strict as a string', [(DIRS, '', 'director_vrrp_strict: "no"\n')], 'director_vrrp_strict'),
    ('vrrp version 4', [(DIRS, '', 'director_vrrp_version: 4\n')], 'director_vrrp_version'),
    ('real server interface yes', [('group_vars/lvs_real_servers.yml', '', '---\nreal_server_interface: yes\n')],
     'real_server_interface'),
    ('rp_filter 3', [('group_vars/lvs_real_servers.yml', '', '---\nreal_server_rp_filter: 3\n')], 'real_server_rp_filter'),
    ('lvs_address not an address', [add_host_var('web1', 'lvs_address: 192.0.2.321\n')], 'lvs_address'),
    # out of range
    ('priority 256', [(ALL, '    sync_group: G_LB\n', '    priorities: {dir1: 100, dir2: 256, dir3: 50}\n    sync_group: G_LB\n')],
     'priorities'),
    ('vrid 0', [(ALL, 'virtual_router_id: 51\n    master: dir2\n    version: 2',
                 'virtual_router_id: 0\n    master: dir2\n    version: 2')], 'virtual_router_id'),
    ('advert_int 0', [(ALL, '    sync_group: G_LB\n', '    advert_int: 0\n    sync_group: G_LB\n')], 'advert_int'),
    ('advert_int 300', [(ALL, '    sync_group: G_LB\n', '    advert_int: 300\n    sync_group: G_LB\n')], 'advert_int'),
    ('preempt_delay 2000', [(ALL, '    sync_group: G_LB\n', '    preempt_delay: 2000\n    sync_group: G_LB\n')], 'preempt_delay'),
    ('negative connect_timeout', [(ALL, 'status_code: 200}', 'status_code: 200, connect_timeout: -1}')], 'checker'),
    ('negative retry', [(ALL, 'status_code: 200}', 'status_code: 200, retry: -1}')], 'checker'),
    ('negative delay_before_retry', [(ALL, 'status_code: 200}', 'status_code: 200, delay_before_retry: -1}')], 'checker'),
    ('status code 700', [(ALL, 'status_code: 200}', 'status_code: 700}')], 'checker'),
    ('negative weight', [(ALL, 'weight: 3', 'weight: -1')], 'weight'),
    ('port 70000', [(ALL, '    port: 80\n', '    port: 70000\n')], 'port'),
    ('persistence_timeout 0', [(ALL, '    scheduler: wlc\n', '    scheduler: wlc\n    persistence_timeout: 0\n')],
     'persistence_timeout'),
    ('fwmark 0', [(ALL, 'fwmark: 7', 'fwmark: 0')], 'fwmark'),
    ('delay_loop 0', [(ALL, '    scheduler: wlc\n', '    scheduler: wlc\n    delay_loop: 0\n')], 'delay_loop'),
    ('uthreshold negative', [(ALL, '{host: web1, weight: 1}', '{host: web1, weight: 1, uthreshold: -1}')], 'uthreshold'),
    ('garp refresh negative', [(DIRS, '', 'director_vrrp_garp_master_refresh: -1\n')], 'director_vrrp_garp_master_refresh'),
    ('smtp timeout 0', [(DIRS, '', 'director_smtp_connect_timeout: 0\n')], 'director_smtp_connect_timeout'),
    # names Linux or keepalived refuse
    ('interface with a space', [(ALL, 'interface: eth0', 'interface: "eth0 eth1"')], 'interface'),
    ('interface over 15 characters', [(ALL, 'interface: eth0', 'interface: averyveryverylong0')], 'interface'),
    ('instance name with a space', [(ALL, '- name: VI_NAT', '- name: "VI NAT"')], 'name'),
    ('service name with a slash', [(ALL, '- name: marked', '- name: "marked/80"')], 'name'),
    ('track script with a space', [(ALL, '    sync_group: G_LB\n', '    track_scripts: ["chk nginx"]\n    sync_group: G_LB\n')],
     'track_scripts'),
    ('sync group with a space', [(ALL, 'sync_group: G_LB', 'sync_group: "G LB"')], 'sync_group'),
    ('label too long', [(ALL, 'dev: eth1}', 'dev: eth1, label: "eth1:averylonglabel"}')], 'extra_vips'),
    ('director_interface over 15', [add_host_var('dir1', 'director_interface: bond0.1234567890\n')], 'director_interface'),
    # values that try to leave their place in a generated file
    ('checker path closes the block', [(ALL, 'path: /,', 'path: "/\\n}\\nvirtual_server 10.0.0.1 80 {",')], 'checker'),
    ('service name with a quote and brace', [(ALL, '- name: marked', '- name: "marked\\"}"')], 'name'),
    ('notify script opens another', [(ALL, '    sync_group: G_LB\n',
                                      '    notify_master: "/bin/true\\"\\n    notify_backup \\"/bin/sh"\n    sync_group: G_LB\n')],
     'notify_master'),
    ('notification e-mail with a newline', [(DIRS, '', 'director_notification_emails: ["ops@example.com\\n}"]\n')],
     'director_notification_emails'),
    ('extra VIP label with a brace', [(ALL, 'dev: eth1}', 'dev: eth1, label: "eth1:a}"}')], 'extra_vips'),
    ('quorum_up with a quote', [(ALL, '    scheduler: wlc\n', '    scheduler: wlc\n    quorum_up: "/bin/x\\" }"\n')], 'quorum_up'),
    ('virtualhost with a space', [(ALL, 'status_code: 200}', 'status_code: 200, virtualhost: "a b"}')], 'checker'),
    ('router_id with a brace', [add_host_var('dir1', 'director_router_id: "r1 }"\n')], 'director_router_id'),
    ('vrrp_script with a quote', [(DIRS, '', 'director_vrrp_scripts: [{name: chk, script: "/bin/x\\" }"}]\n')],
     'director_vrrp_scripts'),
    ('libexec dir with a systemd specifier', [(DIRS, '', 'director_libexec_dir: /usr/lib/x%n\n')], 'director_libexec_dir'),
    ('auth_pass with a space', [(ALL, 'auth_pass: "s3cret"', 'auth_pass: "s3 cret"')], 'auth_pass'),
    ('misc_path with a newline', [(ALL, 'checker: {type: HTTP_GET, path: /, status_code: 200}',
                                   'checker: {type: MISC_CHECK, misc_path: "/bin/true\\n}"}')], 'checker'),
    ('hostile real server host', [(ALL, '{host: web1, weight: 1}', '{host: "web1\\n}", weight: 1}')], 'host'),
    # structural mistakes
    ('no directors', [(HOSTS, '    lvs_directors:\n', '    lvs_directors_old:\n')], 'lvs_directors'),
    ('no services', [(ALL, 'lvs_virtual_services:\n', 'lvs_virtual_services: []\nunused:\n')], 'lvs_virtual_services'),
    ('a service without real servers', [(ALL, '''    real_servers:
      # TUN is routed: the real server may be on any network.
      - {address: 203.0.113.10}''', '    real_servers: []')], 'lvs_virtual_services[2]'),
    ('no VRRP instances', [(ALL, 'lvs_vrrp_instances:\n', 'lvs_vrrp_instances: []\nunused:\n')], 'lvs_virtual_services'),
    ('a host in both groups', [(HOSTS, '        web1: {ansible_host: 192.0.2.21}', '        web1: {ansible_host: 192.0.2.21}\n'
                                '        dir3: {}')], 'lvs_directors'),
    ('a real server as master', [(ALL, 'master: dir2\n    version: 2', 'master: web1\n    version: 2')], 'master'),
    ('a typo in an option', [(ALL, 'scheduler: wlc', 'schedular: wlc')], 'schedular'),
    ('a typo in a role variable', [(DIRS, '', 'director_advert_intt: 1\n')], 'director_advert_intt'),
    ('a service without its vip', [(ALL, '    vip: 192.0.2.101\n', '')], 'lvs_virtual_services'),
    ('auth under VRRPv3', [(ALL, '    version: 2\n    auth_pass', '    auth_pass')], 'lvs_vrrp_instances'),
    ('a director name with a brace', [(HOSTS, '        dir3: {ansible_host: 192.0.2.13}', '        "dir3}": {ansible_host: 192.0.2.13}'),
                                      (ALL, 'master: dir2', 'master: dir1')], 'lvs_directors'),
    ('one director only', [(HOSTS, '        dir2: {ansible_host: 192.0.2.12}\n        dir3: {ansible_host: 192.0.2.13}\n', '')],
     'lvs_directors'),
]


def test_the_good_fixture_passes(tmp_path):
    result = check(tmp_path, [])
    assert result['problems'] == [], result['report']


@pytest.mark.parametrize('case,edits,variable', BAD, ids=[b[0] for b in BAD])
def test_a_bad_inventory_is_refused_naming_host_variable_and_fix(tmp_path, case, edits, variable):
    result = check(tmp_path, edits)
    assert not result['ok'], case
    named = [p for p in result['problems'] if variable in p['variable']]
    assert named, result['report']
    for problem in result['problems']:
        assert problem['host'] and problem['variable'] and problem['fix'], problem
        # the report is one line per problem: no value can add a line of its own
        assert '\n' not in problem['text'], problem
