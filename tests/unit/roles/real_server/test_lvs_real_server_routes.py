# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs-real-server's NAT route back (``gateway ADDRESS`` in its config), on the real ``ip``: each
case runs in a network namespace of its own (``unshare -n``) holding a veth on 10.89.0.5/24, the
private network of the NAT real servers, whose default route the directors' gateway VIP
10.89.0.254 must become. The script only removes the route it set, and puts back the one it
replaced."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..', 'roles', 'real_server', 'files', 'lvs-real-server'))

pytestmark = pytest.mark.skipif(shutil.which('unshare') is None or shutil.which('ip') is None,
                                reason='needs unshare and ip (the test runner installs them)')

SETUP = '''set -e
ip link set lo up
ip link add v0 type veth peer name v1
ip link set v0 up
ip link set v1 up
ip addr add 10.89.0.5/24 dev v0
ip route add 192.168.50.0/24 via 10.89.0.7
'''
# What the namespace holds before the script runs: the routes the network configuration made.
DHCP = 'ip route add default via 10.89.0.1 proto dhcp src 10.89.0.5'
STATIC = 'ip route add default via 10.89.0.1'
FALLBACK = 'ip route add default via 10.89.0.2 metric 100'
OURS = 'default via 10.89.0.254 dev v0 proto 76'


def run(tmp_path, before, steps):
    """Runs ``steps`` ([(config lines, action, *args)]) one after the other in one namespace;
    returns [(rc, log lines, default routes, stdout)] after each."""
    script = [SETUP] + before + ['set +e']
    for index, step in enumerate(steps):
        conf = tmp_path / ('conf%d' % index)
        conf.write_text(''.join(line + '\n' for line in step[0]))
        args = ' '.join(step[1:])
        script.append('LVS_REAL_SERVER_CONF=%s sh %s %s >%s/out%d 2>%s/err%d; echo $? >%s/rc%d; '
                      'ip -o -4 route show default >%s/routes%d'
                      % (conf, SCRIPT, args, tmp_path, index, tmp_path, index, tmp_path, index, tmp_path, index))
    env = dict(os.environ, LVS_REAL_SERVER_STATE=str(tmp_path / 'run'))
    env.pop('SSH_CLIENT', None)
    subprocess.run(['unshare', '-n', 'sh', '-c', '\n'.join(script)], env=env, check=True)
    results = []
    for index in range(len(steps)):
        def read(name):
            return (tmp_path / ('%s%d' % (name, index))).read_text()
        log = [line[len('lvs-real-server: '):] for line in read('err').splitlines()
               if line.startswith('lvs-real-server: ')]
        routes = [' '.join(line.split()) for line in read('routes').splitlines()]
        results.append((int(read('rc')), log, routes, read('out')))
    return results


GW = ['gateway 10.89.0.254  # NAT']
NONE = ['# no gateway']


@pytest.mark.parametrize('before, steps, expected', [
    # a NAT real server: the directors' gateway VIP replaces the default route, idempotently
    ([DHCP], [(GW, 'start'), (GW, 'sync')],
     [(0, ['default route via 10.89.0.254 (was: default via 10.89.0.1 dev v0 proto dhcp src 10.89.0.5 metric 0)'],
       [OURS]),
      (0, [], [OURS])]),
    # a default route of a higher metric is left alone; ours wins over it
    ([STATIC, FALLBACK], [(GW, 'start')],
     [(0, ['default route via 10.89.0.254 (was: default via 10.89.0.1 dev v0 metric 0)'],
       [OURS, 'default via 10.89.0.2 dev v0 metric 100'])]),
    # no default route before: ours alone, and nothing to put back when it goes
    ([], [(GW, 'start'), (NONE, 'sync')],
     [(0, ['default route via 10.89.0.254'], [OURS]),
      (0, ['removed default route via 10.89.0.254'], [])]),
    # the host no longer serves NAT (or lvs_gateway went): add keeps the route (site.yml's pass
    # before the directors), unlisted names it, sync removes it and puts the replaced one back
    ([DHCP], [(GW, 'start'), (NONE, 'add'), (NONE, 'unlisted'), (NONE, 'sync')],
     [(0, ['default route via 10.89.0.254 (was: default via 10.89.0.1 dev v0 proto dhcp src 10.89.0.5 metric 0)'],
       [OURS]),
      (0, [], [OURS]),
      (0, [], [OURS]),
      (0, ['restored default via 10.89.0.1 dev v0 proto dhcp src 10.89.0.5 metric 0',
           'removed default route via 10.89.0.254'],
       ['default via 10.89.0.1 dev v0 proto dhcp src 10.89.0.5'])]),
    # another gateway VIP: ours is replaced, the recorded original stays recorded; stop puts it back
    ([STATIC], [(GW, 'start'), (['gateway 10.89.0.253'], 'add'), (GW, 'stop')],
     [(0, ['default route via 10.89.0.254 (was: default via 10.89.0.1 dev v0 metric 0)'], [OURS]),
      (0, ['default route via 10.89.0.253'], ['default via 10.89.0.253 dev v0 proto 76']),
      (0, ['restored default via 10.89.0.1 dev v0 metric 0', 'removed default route via 10.89.0.253'],
       ['default via 10.89.0.1 dev v0'])]),
    # a DR or TUN host (no gateway line) never touches a default route it did not set
    ([STATIC], [(['10.0.0.1/32 lo'], 'stop'), (NONE, 'sync')],
     [(0, [], ['default via 10.89.0.1 dev v0']), (0, [], ['default via 10.89.0.1 dev v0'])]),
    # a gateway that is not on-link: ip refuses it, the unit fails, the old route stays
    ([STATIC], [(['gateway 10.99.0.1'], 'start')],
     [(1, ['could not set the default route via 10.99.0.1'], ['default via 10.89.0.1 dev v0'])]),
], ids=['replace-dhcp', 'higher-metric-kept', 'no-default-before', 'prune-after-directors', 'gateway-changes',
        'dr-untouched', 'off-link-gateway'])
def test_default_route(tmp_path, before, steps, expected):
    results = run(tmp_path, before, steps)
    assert [(rc, log, routes) for rc, log, routes, _out in results] == expected


def test_unlisted_and_status_name_the_route(tmp_path):
    results = run(tmp_path, [STATIC], [(GW, 'start'), (GW, 'status'), (NONE, 'unlisted'),
                                       (['gateway 10.89.0.253'], 'status')])
    assert results[1][0] == 0 and 'default via 10.89.0.254' in results[1][3]
    assert results[2][3] == 'default via 10.89.0.254\n'
    assert results[3][0] == 3 and results[3][1] == ['missing: default route via 10.89.0.253']


@pytest.mark.parametrize('peer, rc', [
    ('10.89.0.77', 0),        # on-link: the subnet route, not the default
    ('192.168.50.3', 0),      # a more specific route
    ('10.89.0.254', 0),       # the gateway itself
    ('203.0.113.9', 4),       # through the default route: it would move onto the directors
    ('', 0),                  # not an ssh session: nothing to check
])
def test_path_check(tmp_path, peer, rc):
    results = run(tmp_path, [STATIC], [(NONE, 'path', '10.89.0.254', peer)])
    assert results[0][0] == rc, results
    assert results[0][2] == ['default via 10.89.0.1 dev v0']   # read-only
    if rc:
        assert '203.0.113.9 (this connection\'s client) is reached through the default route via 10.89.0.1' in \
            ' '.join(results[0][1])


def test_path_check_after_the_route_is_set(tmp_path):
    results = run(tmp_path, [STATIC], [(GW, 'start'), (GW, 'path', '10.89.0.254', '203.0.113.9')])
    assert results[1][0] == 0


@pytest.mark.parametrize('conf, word', [
    (['gateway 10.89.0.254', 'gateway 10.89.0.253'], 'a second IPv4 gateway'),
    (['gateway 10.89.0.254/24'], 'bad gateway address'),
    (['gateway 10.89.0'], 'bad gateway address'),
    (['gateway $(reboot)'], 'bad gateway address'),
    (['gateway'], "expected 'ADDRESS/PREFIX DEVICE' or 'gateway ADDRESS'"),
])
def test_config_is_validated(tmp_path, conf, word):
    results = run(tmp_path, [STATIC], [(conf, 'start')])
    assert results[0][0] == 1 and word in ' '.join(results[0][1]), results
    assert results[0][2] == ['default via 10.89.0.1 dev v0']
