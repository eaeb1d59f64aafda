# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs-real-server, the real server's VIP script: which addresses each action adds and removes.
A stub ``ip`` keeps the host's addresses in a file (one "DEVICE CIDR LABEL" per line) and answers
the few ``ip`` commands the script runs; the ARP sysctls come from a directory standing in for
/proc/sys. The real script runs on real hosts in the molecule scenario (test_rollout removes a real
server under load)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SCRIPT = os.path.join(REPO, 'roles', 'real_server', 'files', 'lvs-real-server')

STUB_IP = r'''
import sys
state, args = sys.argv[1], sys.argv[2:]
rows = [line.split() for line in open(state).read().splitlines() if line.strip()]


def show(selected):
    for dev, cidr, label in selected:
        print('1: %s    inet %s scope host %s\\       valid_lft forever preferred_lft forever' % (dev, cidr, label))


if args[:5] == ['-o', '-4', 'addr', 'show', 'label']:
    show(r for r in rows if r[2].endswith(args[5].lstrip('*')))
elif args[:5] == ['-o', '-4', 'addr', 'show', 'dev']:
    show(r for r in rows if r[0] == args[5])
elif args[:2] == ['addr', 'add'] and args[3] == 'dev' and args[5] == 'label':
    rows.append([args[4], args[2], args[6]])
elif args[:3] == ['-4', 'addr', 'del'] and args[4] == 'dev':
    rows = [r for r in rows if (r[0], r[1]) != (args[5], args[3])]
elif args[0] == '-o' and args[2:4] == ['route', 'show']:
    pass  # no route (the default route's handling runs on the real ip: test_lvs_real_server_routes.py)
elif args[:3] == ['link', 'show', 'dev']:
    sys.exit(0 if args[3] == 'lo' else 1)
else:
    sys.exit('stub ip: unexpected arguments %s' % args)
open(state, 'w').write(''.join(' '.join(r) + '\n' for r in rows))
'''


@pytest.fixture
def host(tmp_path):
    """Runs lvs-real-server ACTION with the VIPs ``listed`` in its config, on a host whose
    addresses are ``held`` ("DEVICE CIDR LABEL"); returns (rc, output, addresses afterwards)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    state = tmp_path / 'addresses'
    stub = tmp_path / 'stub_ip.py'
    stub.write_text(STUB_IP)
    (bin_dir / 'ip').write_text('#!/bin/sh\nexec %s %s %s "$@"\n' % (sys.executable, stub, state))
    os.chmod(str(bin_dir / 'ip'), 0o755)
    proc_sys = tmp_path / 'proc_sys'
    (proc_sys / 'net' / 'ipv4' / 'conf' / 'all').mkdir(parents=True)
    (proc_sys / 'net' / 'ipv4' / 'conf' / 'all' / 'arp_ignore').write_text('1\n')
    (proc_sys / 'net' / 'ipv4' / 'conf' / 'all' / 'arp_announce').write_text('2\n')
    conf = tmp_path / 'lvs-real-server.conf'
    # the script sets its own PATH: run it through sh with the stub directory first
    script = tmp_path / 'lvs-real-server'
    script.write_text(open(SCRIPT).read().replace('PATH=/usr/sbin', 'PATH=%s:/usr/sbin' % bin_dir, 1))

    def run(action, listed, held):
        conf.write_text(''.join('%s lo  # DR: web\n' % cidr for cidr in listed))
        state.write_text(''.join(line + '\n' for line in held))
        env = dict(os.environ, LVS_REAL_SERVER_CONF=str(conf), LVS_REAL_SERVER_STATE=str(tmp_path / 'run'),
                   LVS_REAL_SERVER_PROC_SYS=str(proc_sys))
        proc = subprocess.run(['sh', str(script), action], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        return proc.returncode, proc.stdout, state.read_text().splitlines()

    return run


OURS_KEPT = 'lo 10.0.0.1/32 lo:lvs'
OURS_UNLISTED = 'lo 10.0.0.2/32 lo:lvs'
NOT_OURS = 'lo 10.0.0.3/32 lo'
HELD = ['lo 127.0.0.1/8 lo', OURS_KEPT, OURS_UNLISTED, NOT_OURS]
LISTED = ['10.0.0.1/32', '10.0.0.3/32', '10.0.0.4/32']


@pytest.mark.parametrize('action,after,log', [
    # sync (ExecReload): adds what is listed, removes what it added and is no longer listed
    ('sync', ['lo 127.0.0.1/8 lo', OURS_KEPT, NOT_OURS, 'lo 10.0.0.4/32 lo:lvs'],
     ['removed 10.0.0.2/32 from lo', 'added 10.0.0.4/32 on lo']),
    # add (site.yml before the directors): adds, removes nothing
    ('add', HELD + ['lo 10.0.0.4/32 lo:lvs'], ['added 10.0.0.4/32 on lo']),
    # unlisted (site.yml after the directors): what sync would remove, nothing changed
    ('unlisted', HELD, []),
    # stop: every address it added, nothing else
    ('stop', ['lo 127.0.0.1/8 lo', NOT_OURS], ['removed 10.0.0.1/32 from lo', 'removed 10.0.0.2/32 from lo']),
])
def test_what_each_action_adds_and_removes(host, action, after, log):
    rc, out, addresses = host(action, LISTED, HELD)
    assert rc == 0, out
    assert addresses == after
    assert [line[len('lvs-real-server: '):] for line in out.splitlines() if line.startswith('lvs-real-server: ')] == log


def test_unlisted_prints_only_addresses_it_added(host):
    rc, out, addresses = host('unlisted', LISTED, HELD)
    assert (rc, out) == (0, '10.0.0.2/32 lo\n')
    rc, out, addresses = host('unlisted', ['10.0.0.1/32', '10.0.0.2/32'], HELD)
    assert (rc, out) == (0, '')


def test_add_refuses_while_arp_is_not_hidden(host, tmp_path):
    (tmp_path / 'proc_sys' / 'net' / 'ipv4' / 'conf' / 'all' / 'arp_announce').write_text('0\n')
    rc, out, addresses = host('add', LISTED, HELD)
    assert rc == 1 and 'refusing to add IPv4 VIPs' in out, out
    assert addresses == HELD
