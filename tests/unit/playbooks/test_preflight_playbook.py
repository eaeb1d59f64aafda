# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real ansible-playbook runs playbooks/preflight.yml (alone and first in site.yml) against
inventories of unreachable hosts (RFC 5737 addresses) and contacts none of them.

Every ssh invocation goes to a recorder (ANSIBLE_SSH_EXECUTABLE) that logs it and exits 255
without touching the network; the control test shows the recorder sees a contact attempt."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'preflight')
BIN = os.path.dirname(sys.executable)

# One fragment per rule the bad fixture breaks (test_preflight.py looks for the same ones).
with open(os.path.join(FIXTURES, 'bad-messages.txt')) as _handle:
    BAD_MESSAGES = _handle.read().splitlines()

ROLLOUT_PLAY = """---
- name: Preflight by its collection name
  ansible.builtin.import_playbook: lvs.cluster.preflight

- name: The directors in rollout order, one at a time (debug runs on the controller)
  hosts: lvs_rollout_directors
  gather_facts: false
  serial: 1
  tasks:
    - name: Rollout position
      ansible.builtin.debug:
        msg: "rollout {{ inventory_hostname }}"
"""


@pytest.fixture
def sandbox(tmp_path):
    collections = tmp_path / 'collections' / 'ansible_collections' / 'lvs'
    collections.mkdir(parents=True)
    (collections / 'cluster').symlink_to(REPO)
    contacted = tmp_path / 'contacted.log'
    recorder = tmp_path / 'ssh-recorder'
    recorder.write_text('#!/bin/sh\necho "$*" >> "%s"\nexit 255\n' % contacted)
    recorder.chmod(0o755)
    config = tmp_path / 'ansible.cfg'
    config.write_text('[defaults]\n')
    env = dict(os.environ)
    for key in list(env):
        if key.startswith('ANSIBLE_'):
            del env[key]
    env.update({
        'ANSIBLE_CONFIG': str(config),
        'ANSIBLE_COLLECTIONS_PATH': str(tmp_path / 'collections'),
        'ANSIBLE_HOME': str(tmp_path / 'home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'tmp'),
        'ANSIBLE_SSH_EXECUTABLE': str(recorder),
        'ANSIBLE_SSH_CONTROL_PATH_DIR': str(tmp_path / 'cp'),
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_TIMEOUT': '2',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
    })

    def run(tool, inventory, *args):
        proc = subprocess.run([os.path.join(BIN, tool), '-i', os.path.join(FIXTURES, inventory)] + list(args),
                              cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        log = contacted.read_text() if contacted.exists() else ''
        return proc.returncode, proc.stdout, log

    run.tmp_path = tmp_path
    return run


def test_control_the_recorder_sees_a_contact_attempt(sandbox):
    rc, out, contacted = sandbox('ansible', 'good', 'web1', '-m', 'ansible.builtin.ping')
    assert rc != 0 and 'UNREACHABLE' in out, out
    assert '192.0.2.21' in contacted


def test_preflight_alone_rejects_the_bad_inventory_at_once(sandbox):
    rc, out, contacted = sandbox('ansible-playbook', 'bad', 'lvs.cluster.preflight')
    assert rc == 2, out
    assert 'lvs.cluster preflight: 16 problems in the inventory (no host was contacted)' in out
    for message in BAD_MESSAGES:
        assert message in out, message
    assert out.count(']: FAILED!') == 1  # one fail task, run once, listing everything
    assert contacted == ''


def test_site_stops_in_preflight_before_any_host(sandbox):
    rc, out, contacted = sandbox('ansible-playbook', 'bad', os.path.join(REPO, 'playbooks', 'site.yml'))
    assert rc == 2, out
    for message in BAD_MESSAGES:
        assert message in out, message
    plays = [line for line in out.splitlines() if line.startswith('PLAY [')]
    assert len(plays) == 1 and plays[0].startswith('PLAY [Preflight'), plays
    assert contacted == ''


def test_good_inventory_passes_and_queues_the_directors_backups_first(sandbox):
    playbook = sandbox.tmp_path / 'rollout.yml'
    playbook.write_text(ROLLOUT_PLAY)
    rc, out, contacted = sandbox('ansible-playbook', 'good', str(playbook))
    assert rc == 0, out
    assert re.search(r'TASK \[Stop before any host is touched.*\n+skipping: \[', out)  # the fail task
    order = [line.split('rollout ')[1].strip('"') for line in out.splitlines() if '"msg": "rollout ' in line]
    assert order == ['dir1', 'dir3', 'dir2']
    assert contacted == ''


def test_site_with_the_good_inventory_goes_past_the_preflight(sandbox):
    rc, out, contacted = sandbox('ansible-playbook', 'good', os.path.join(REPO, 'playbooks', 'site.yml'))
    assert re.search(r'ok: \[\w+\] => \(item=dir2\)', out), out
    assert 'problems in the inventory' not in out
    # Past the preflight, the real-server play tries the (unreachable) hosts: the recorder sees it.
    assert rc != 0 and '192.0.2.2' in contacted


def test_preflight_runs_under_limit(sandbox):
    """--limit to one real server still runs the preflight (once, on the controller) and stops there."""
    rc, out, contacted = sandbox('ansible-playbook', 'bad', os.path.join(REPO, 'playbooks', 'site.yml'),
                                 '--limit', 'web1')
    assert rc == 2, out
    assert 'problems in the inventory' in out
    assert out.count(']: FAILED!') == 1
    assert contacted == ''


def test_site_with_an_inventory_without_hosts_stops_in_the_preflight(sandbox):
    rc, out, contacted = sandbox('ansible-playbook', 'empty', os.path.join(REPO, 'playbooks', 'site.yml'))
    assert rc == 2, out
    assert 'lvs_directors: the group has no hosts' in out, out
    assert contacted == ''
