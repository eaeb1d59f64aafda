# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/converged.py: the cases test_converged.py leaves open, found by
tests/tools/mutate.py (each test here fails on a one-line bug that the others let through)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import hashlib
import os
import pwd

from ansible_collections.lvs.cluster.plugins.module_utils import converged


def test_rpm_and_dpkg_query_command_lines():
    """The exact argv: rpm without -q/--qf would not list installed names; a name after -- is never
    an option."""
    assert converged.package_command(['keepalived', 'ipvsadm'], rpm='/usr/bin/rpm') == [
        '/usr/bin/rpm', '-q', '--qf', '%{NAME}\\tinstalled\\n', '--', 'keepalived', 'ipvsadm']
    assert converged.package_command(['keepalived'], dpkg_query='/usr/bin/dpkg-query', rpm='/usr/bin/rpm') == [
        '/usr/bin/dpkg-query', '-W', '-f=${Package}\\t${db:Status-Status}\\n', '--', 'keepalived']
    assert converged.package_command(['keepalived']) is None


def test_installed_output_with_blanks():
    assert converged.parse_installed(' ipvsadm \t installed \r\nkeepalived\tnot-installed\n\nbad line\n') == {'ipvsadm'}


def test_service_states_with_blanks():
    def run(argv):
        return (0, {'is-enabled': 'enabled \n', 'is-active': ' active\n'}[argv[1]], '')
    assert converged.check_services(['keepalived.service'], run, systemctl='systemctl') == []


def test_unreadable_file_is_one_difference(tmp_path, monkeypatch):
    """A file that cannot be read is a difference (the full run decides), and only that one."""
    path = tmp_path / 'conf'
    path.write_bytes(b'x')
    path.chmod(0o600)

    def unreadable(name):
        raise IOError(errno.EACCES, 'Permission denied')
    monkeypatch.setattr(converged, 'file_checksum', unreadable)
    entry = {'path': str(path), 'checksum': hashlib.sha1(b'x').hexdigest(), 'mode': '0644'}
    assert converged.check_file(entry) == ['%s cannot be read: [Errno 13] Permission denied' % path]


def test_missing_user_with_a_shell():
    me = pwd.getpwuid(os.getuid())
    assert converged.check_users([{'name': 'no-such-user-lvs', 'shell': '/usr/sbin/nologin'},
                                  {'name': me.pw_name, 'shell': me.pw_shell}]) == ['user no-such-user-lvs does not exist']
