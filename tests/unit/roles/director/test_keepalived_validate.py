# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived-validate: the real keepalived -t verdict, also where keepalived 2.2.7 kills itself
in test mode because a script is configured. Runs in a private netns with interface ens32."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATE = os.path.join(HERE, '..', '..', '..', '..', 'roles', 'director', 'files', 'libexec', 'keepalived-validate')

pytestmark = pytest.mark.skipif(shutil.which('keepalived') is None or shutil.which('unshare') is None,
                                reason='needs the real keepalived and unshare (the test runner installs them)')

INSTANCE = '''vrrp_instance A {
    state MASTER
    interface %(iface)s
    virtual_router_id %(vrid)s
    priority 120
    virtual_ipaddress {
        172.16.246.140/32 dev ens32
    }
%(extra)s}
'''
SCRIPT = '''vrrp_script chk {
    script "/bin/true"
    interval 2
%s}
'''
VS = '''virtual_server 10.0.0.1 80 {
    protocol TCP
    lvs_sched rr
    lvs_method DR
    real_server 10.0.0.2 80 {
        MISC_CHECK {
            misc_path "/bin/true x"
        }    }
    quorum_up "/bin/true up"
}
'''


def conf(tmp_path, iface='ens32', vrid=51, extra='', script=None, vs=False):
    text = 'global_defs {\n    router_id t\n}\n'
    if script is not None:
        text += SCRIPT % script
    text += INSTANCE % {'iface': iface, 'vrid': vrid, 'extra': extra}
    if vs:
        text += VS
    path = tmp_path / 'keepalived.conf'
    path.write_text(text)
    return str(path)


CASES = [
    ('plain good config', {}, 0),
    ('missing interface', {'iface': 'nosuch0'}, 5),
    ('good config with a vrrp_script', {'script': '', 'extra': '    track_script {\n        chk\n    }\n'}, 0),
    ('good config with notify and MISC_CHECK', {'extra': '    notify_master "/bin/true master"\n', 'vs': True}, 0),
    ('bad vrid next to a vrrp_script', {'script': '', 'vrid': 300}, 5),
    ('missing interface next to a vrrp_script', {'script': '', 'iface': 'nosuch0'}, 5),
    ('bad keyword inside the vrrp_script', {'script': '    bogus_keyword 1\n'}, 5),
]


@pytest.mark.parametrize('label,kwargs,expected', CASES, ids=[c[0] for c in CASES])
def test_verdict(tmp_path, keepalived_script_user, label, kwargs, expected):
    path = conf(tmp_path, **kwargs)
    script = 'ip link add ens32 type veth peer name p-ens32 && ip link set ens32 up && exec "$@"'
    proc = subprocess.run(['unshare', '-n', 'sh', '-c', script, 'sh', 'sh', VALIDATE, path],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == expected, proc.stdout
