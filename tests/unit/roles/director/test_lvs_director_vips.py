# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs-director-vips, the single director's VIP script (lvs_single_director): which addresses each
action adds and removes, that it removes only what it added, and that it restores the IPVS table
only into an empty one, and that it announces each IPv4 VIP it adds with gratuitous ARP. Stubs of
``ip`` (addresses in a file, "DEVICE CIDR" per line), ``ipvsadm`` (the table in a file) and
``arping`` (its arguments in a file; a real one must never run here) stand in for the kernel and
the network; molecule/single runs the script on a real director."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SCRIPT = os.path.join(REPO, 'roles', 'director', 'files', 'lvs-director-vips')

STUB_IP = r'''
import sys
state, args = sys.argv[1], sys.argv[2:]
rows = [line.split() for line in open(state).read().splitlines() if line.strip()]
if args[:2] == ['-o', '-4'] or args[:2] == ['-o', '-6']:
    assert args[2:4] == ['addr', 'show'] and args[4] == 'dev', args
    six = args[1] == '-6'
    for dev, cidr in rows:
        if dev == args[5] and (':' in cidr) == six:
            print('2: %s    inet%s %s scope global %s\\       valid_lft forever' % (dev, '6' if six else '', cidr, dev))
elif args[1:3] == ['addr', 'add'] and args[4] == 'dev':
    rows.append([args[5], args[3]])
elif args[1:3] == ['addr', 'del'] and args[4] == 'dev':
    rows = [r for r in rows if (r[0], r[1]) != (args[5], args[3])]
elif args[:3] == ['link', 'show', 'dev']:
    sys.exit(0 if args[3] in ('eth0', 'lo') else 1)
else:
    sys.exit('stub ip: unexpected arguments %s' % args)
open(state, 'w').write(''.join(' '.join(r) + '\n' for r in rows))
'''

STUB_IPVSADM = r'''
import sys
table, args = sys.argv[1], sys.argv[2:]
if args == ['-Sn']:
    sys.stdout.write(open(table).read())
elif args == ['-R']:
    open(table, 'a').write(sys.stdin.read())
else:
    sys.exit('stub ipvsadm: unexpected arguments %s' % args)
'''


STUB_ARPING = r'''
import os, sys
log, args = sys.argv[1], sys.argv[2:]
open(log, 'a').write(' '.join(args) + '\n')
sys.exit(int(os.environ.get('STUB_ARPING_RC', '0')))
'''


@pytest.fixture
def host(tmp_path):
    """Runs lvs-director-vips ACTION with ``listed`` ("CIDR DEVICE") in its config on a host whose
    addresses are ``held`` ("DEVICE CIDR") and whose earlier runs added ``owned`` ("CIDR DEVICE");
    returns (rc, output, addresses afterwards, owned afterwards, IPVS table afterwards)."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    state, table, arping = tmp_path / 'addresses', tmp_path / 'ipvs', tmp_path / 'arping.log'
    for name, stub, data in (('ip', STUB_IP, state), ('ipvsadm', STUB_IPVSADM, table), ('arping', STUB_ARPING, arping)):
        (tmp_path / (name + '.py')).write_text(stub)
        (bin_dir / name).write_text('#!/bin/sh\nexec %s %s %s "$@"\n' % (sys.executable, tmp_path / (name + '.py'), data))
        os.chmod(str(bin_dir / name), 0o755)
    conf, rules, run_dir = tmp_path / 'director-vips.conf', tmp_path / 'ipvs.rules', tmp_path / 'run'
    script = tmp_path / 'lvs-director-vips'
    script.write_text(open(SCRIPT).read().replace('PATH=/usr/sbin', 'PATH=%s:/usr/sbin' % bin_dir, 1))

    def run(action, listed, held=(), owned=(), ipvs='', rules_text='-A -t 192.168.20.100:80 -s rr\n', arping_rc=0):
        conf.write_text('# comment\n' + ''.join('%s  # www\n' % line for line in listed))
        state.write_text(''.join(line + '\n' for line in held))
        table.write_text(ipvs)
        rules.write_text(rules_text)
        run_dir.mkdir(exist_ok=True)
        (run_dir / 'owned').write_text(''.join(line + '\n' for line in owned))
        arping.write_text('')
        env = dict(os.environ, LVS_DIRECTOR_VIPS_CONF=str(conf), LVS_DIRECTOR_IPVS_RULES=str(rules),
                   LVS_DIRECTOR_VIPS_STATE=str(run_dir), STUB_ARPING_RC=str(arping_rc))
        proc = subprocess.run(['sh', str(script), action], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        return (proc.returncode, proc.stdout, state.read_text().splitlines(),
                (run_dir / 'owned').read_text().splitlines(), table.read_text())

    run.announced = lambda: arping.read_text().splitlines()
    return run


# (id, action, listed, held before, owned before, held after, owned after)
CASES = [
    ('adds-listed', 'sync', ['192.168.20.100/32 eth0', '2001:db8::5/64 eth0'], [], [],
     ['eth0 192.168.20.100/32', 'eth0 2001:db8::5/64'], ['192.168.20.100/32 eth0', '2001:db8::5/64 eth0']),
    ('idempotent', 'sync', ['192.168.20.100/32 eth0'], ['eth0 192.168.20.100/32'], ['192.168.20.100/32 eth0'],
     ['eth0 192.168.20.100/32'], ['192.168.20.100/32 eth0']),
    ('removes-unlisted-owned', 'sync', ['192.168.20.100/32 eth0'],
     ['eth0 192.168.20.100/32', 'eth0 192.168.20.101/24'], ['192.168.20.100/32 eth0', '192.168.20.101/24 eth0'],
     ['eth0 192.168.20.100/32'], ['192.168.20.100/32 eth0']),
    ('keeps-foreign', 'sync', [], ['eth0 192.168.20.2/24', 'eth0 192.168.20.100/32'], [],
     ['eth0 192.168.20.2/24', 'eth0 192.168.20.100/32'], []),
    ('uses-foreign-without-adopting', 'sync', ['192.168.20.100/32 eth0'], ['eth0 192.168.20.100/32'], [],
     ['eth0 192.168.20.100/32'], []),
    ('stop-removes-only-owned', 'stop', ['192.168.20.100/32 eth0'],
     ['eth0 192.168.20.2/24', 'eth0 192.168.20.100/32', 'eth0 2001:db8::5/64'],
     ['192.168.20.100/32 eth0', '2001:db8::5/64 eth0'], ['eth0 192.168.20.2/24'], []),
    ('owned-but-gone', 'sync', [], [], ['192.168.20.100/32 eth0'], [], []),
]


@pytest.mark.parametrize('action, listed, held, owned, held_after, owned_after', [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_actions(host, action, listed, held, owned, held_after, owned_after):
    rc, out, addresses, recorded, _table = host(action, listed, held, owned)
    assert rc == 0, out
    assert sorted(addresses) == sorted(held_after)
    assert recorded == owned_after


@pytest.mark.parametrize('held, announced', [
    ([], ['-q -U -c 2 -I eth0 192.168.20.100']),
    (['eth0 192.168.20.100/32'], []),
], ids=['added-announced', 'already-held-not-announced'])
def test_each_ipv4_vip_added_is_announced_once(host, held, announced):
    rc, out, addresses, _owned, _table = host('sync', ['192.168.20.100/32 eth0', '2001:db8::5/64 eth0'], held,
                                              ['192.168.20.100/32 eth0'] if held else [])
    assert rc == 0, out
    assert host.announced() == announced
    assert ('announced 192.168.20.100/32 on eth0' in out) == bool(announced), out


def test_a_failed_announcement_is_logged_and_the_vip_stays(host):
    rc, out, addresses, owned, _table = host('start', ['192.168.20.100/32 eth0'], arping_rc=2)
    assert rc == 0, out
    assert 'gratuitous ARP for 192.168.20.100/32 on eth0 failed' in out
    assert addresses == ['eth0 192.168.20.100/32'] and owned == ['192.168.20.100/32 eth0']


def test_a_missing_device_fails_and_adds_nothing_there(host):
    rc, out, addresses, _owned, _table = host('sync', ['192.168.20.100/32 nosuch0', '192.168.20.101/32 eth0'])
    assert rc == 1 and 'nosuch0 does not exist' in out
    assert addresses == ['eth0 192.168.20.101/32']


@pytest.mark.parametrize('held, rc', [(['eth0 192.168.20.100/32'], 0), ([], 3)], ids=['held', 'missing'])
def test_status(host, held, rc):
    result = host('status', ['192.168.20.100/32 eth0'], held, ['192.168.20.100/32 eth0'])
    assert result[0] == rc
    assert ('missing: 192.168.20.100/32 on eth0' in result[1]) == (rc == 3)
    assert result[2] == held   # read only


@pytest.mark.parametrize('ipvs, restored', [('', True), ('-A -t 10.9.9.9:80 -s wlc\n', False)],
                         ids=['empty-table', 'table-in-use'])
def test_start_restores_the_table_only_into_an_empty_one(host, ipvs, restored):
    rc, out, addresses, _owned, table = host('start', ['192.168.20.100/32 eth0'], ipvs=ipvs)
    assert rc == 0, out
    assert ('-A -t 192.168.20.100:80 -s rr' in table) == restored
    assert addresses == ['eth0 192.168.20.100/32']


@pytest.mark.parametrize('line', ['192.168.20.100 eth0', '192.168.20.100/33 eth0', '10.0.0.1/32 eth0 extra',
                                  '2001:db8::5/129 eth0', '10.0.0.1/32 eth0;reboot', '1.2.3/32 eth0'])
def test_bad_config_lines_are_refused(host, line):
    rc, out, addresses, _owned, _table = host('sync', [line])
    assert rc == 1 and addresses == [], out
