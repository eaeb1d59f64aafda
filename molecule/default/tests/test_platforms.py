# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two Debian releases in one cluster, and keepalived's own log file.

dir2 and web2 run Debian 13 (keepalived 2.3.3), the others Debian 12 (keepalived 2.2.7), on the
lab guest's one kernel: every other test of the scenario (traffic, failover both ways, the
rollout) runs on this mixed-version cluster, the state a rolling upgrade passes through.

keepalived logs with facility local1 (director_log_facility in the inventory): its messages go to
/var/log/keepalived.log through rsyslog and stop there, and logrotate rotates the file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import re

from conftest import settled, wait_for

RELEASES = {'dir1': ('12', '2.2.7'), 'dir2': ('13', '2.3.3'), 'web1': ('12', None), 'web2': ('13', None)}
LOG = '/var/log/keepalived.log'
LOCAL1 = '17'   # syslog's number for local1 (16 + 1), as the journal records it


def test_each_node_runs_its_release_and_its_keepalived(nodes):
    seen = {}
    for name, (release, keepalived) in sorted(RELEASES.items()):
        host = nodes[name]
        version_id = re.search(r'^VERSION_ID="?(\d+)', host.file('/etc/os-release').content_string, re.M).group(1)
        seen[name] = 'Debian %s' % version_id
        assert version_id == release, (name, version_id)
        if keepalived:
            out = host.run('keepalived --version')
            version = re.search(r'Keepalived v(\S+)', out.stdout + out.stderr).group(1)
            seen[name] += ', keepalived %s' % version
            assert version == keepalived, (name, version)
            assert host.service('keepalived').is_running
    print('\n' + '; '.join('%s: %s' % item for item in sorted(seen.items())))


def keepalived_facilities(host):
    """The syslog facilities of keepalived's own messages in the journal since its start."""
    out = host.check_output('journalctl -u keepalived -o json --no-pager')
    found = set()
    for line in out.splitlines():
        entry = json.loads(line)
        if str(entry.get('SYSLOG_IDENTIFIER', '')).startswith('Keepalived'):
            found.add(entry.get('SYSLOG_FACILITY'))
    return found


def test_keepalived_logs_with_local1_to_its_own_file_only(nodes):
    for name in ('dir1', 'dir2'):
        host = nodes[name]
        assert keepalived_facilities(host) == {LOCAL1}, name
        assert host.service('rsyslog').is_running, name
        text = host.file(LOG).content_string
        lines = text.splitlines()
        assert any('Keepalived_vrrp' in line for line in lines), (name, lines[-5:])
        # the rule stops there: no keepalived line in the catch-all file
        other = host.run('grep -c Keepalived_ /var/log/syslog')
        assert other.stdout.strip() in ('', '0'), (name, other.stdout)
        print('\n%s: %s holds %d lines of keepalived (facility local1), /var/log/syslog none'
              % (name, LOG, len(lines)))


def test_the_log_is_rotated_and_keepalived_writes_the_new_file(nodes):
    """On dir2 (BACKUP: a reload changes nothing there): logrotate -f moves the file aside, rsyslog
    reopens it, and keepalived's next messages (its reload) land in the new file."""
    host = nodes['dir2']
    before = host.file(LOG).content_string
    host.check_output('logrotate -f /etc/logrotate.d/lvs-cluster-keepalived')
    assert host.file(LOG + '.1').content_string.startswith(before[:200])
    host.check_output('systemctl reload keepalived')
    took = wait_for('keepalived to log its reload to the new file',
                    lambda: 'Reloading' in host.file(LOG).content_string, 15, 0.5)
    fresh = host.file(LOG).content_string
    print('\ndir2: rotated to %s.1 (%d bytes), then "Reloading" in the new %s after %.2f s (%d bytes)'
          % (LOG, len(before), LOG, took, len(fresh)))
    # the rotated file was kept and the new one holds only what came after
    assert not fresh.startswith(before[:200])
    settled(nodes)
