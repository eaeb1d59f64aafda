# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render keepalived.conf for the seed topologies through the director role and validate each
file with the real ``keepalived -t`` (the role's own ``validate:``).

keepalived -t rejects interfaces the machine lacks, so every playbook runs in a fresh network
namespace (``unshare -n``) holding veth interfaces with the names the topologies use.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import block

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
TOPOLOGIES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'topologies')
INTERFACES = ('eth0', 'eth1', 'ens32', 'ens33')

pytestmark = pytest.mark.skipif(
    shutil.which('keepalived') is None or shutil.which('unshare') is None,
    reason='needs the real keepalived and unshare (the test runner installs them)')


def _collections_path(tmp_path_factory):
    base = tmp_path_factory.mktemp('collections')
    os.makedirs(str(base / 'ansible_collections' / 'lvs'))
    os.symlink(REPO, str(base / 'ansible_collections' / 'lvs' / 'cluster'))
    return str(base)


@pytest.fixture(scope='module')
def collections(tmp_path_factory, keepalived_script_user):
    return _collections_path(tmp_path_factory)


def render(topology, outdir, collections, interfaces=INTERFACES, extra=(), playbook='render.yml'):
    """Run ``playbook`` (render.yml) for ``topology`` in a private netns; return (rc, output)."""
    playbook_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    links = ' && '.join('ip link add %s type veth peer name p-%s && ip link set %s up' % (i, i, i)
                        for i in interfaces) or 'true'
    cmd = [playbook_bin, '-i', os.path.join(TOPOLOGIES, topology + '.yml'),
           os.path.join(HERE, playbook), '-e', 'render_dir=%s' % outdir,
           '-e', 'ansible_python_interpreter=%s' % sys.executable, '--diff'] + list(extra)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0')
    script = 'ip link set lo up && %s && exec "$@"' % links
    proc = subprocess.run(['unshare', '-n', 'sh', '-c', script, 'sh'] + cmd, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    rc = proc.returncode
    if rc == 0 and re.search(r'\sfailed=[1-9]', proc.stdout):
        # a host failed and ansible-playbook still exited 0 (ansible-core 2.18, the play ending in
        # meta: end_play): a failure all the same
        rc = 2
    return rc, proc.stdout


def conf(outdir, host, suffix='.conf'):
    """A file render.yml wrote for ``host``: keepalived.conf, or the drop-in (``.dropin``)."""
    with open(os.path.join(str(outdir), host + suffix)) as handle:
        return handle.read()


SEEDS = {
    'seed000_two_vips_one_instance': ('lvs-dr1', 'lvs-dr2'),
    'seed002_single_vip_rr': ('director1', 'director2'),
    'seed003_nat_sorry_digest': ('lb1', 'lb2'),
    'seed003_dual_master_tracked': ('lb1', 'lb2'),
    'seed004_nginx_pair': ('keepalived-master', 'keepalived-backup'),
    'kitchen_sink': ('d1', 'd2'),
}


@pytest.fixture(scope='module')
def rendered(tmp_path_factory, collections):
    # one ansible-playbook run per topology, two at a time (each in its own netns and directory)
    outdirs = dict((topology, str(tmp_path_factory.mktemp(topology))) for topology in SEEDS)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict((topology, pool.submit(render, topology, outdirs[topology], collections)) for topology in SEEDS)
    out = {}
    for topology, hosts in SEEDS.items():
        outdir = outdirs[topology]
        rc, output = runs[topology].result()
        assert rc == 0, output
        out[topology] = {host: conf(outdir, host) for host in hosts}
        out[topology]['_dropin'] = {host: conf(outdir, host, '.dropin') for host in hosts}
        out[topology]['_output'] = output
    return out


@pytest.mark.parametrize('topology', sorted(SEEDS))
def test_every_director_validated_and_managed(rendered, topology):
    for host in SEEDS[topology]:
        text = rendered[topology][host]
        assert text.startswith('#'), 'ansible_managed header missing'
        assert 'nb_get_retry' not in text
        assert 'lb_algo' not in text and 'lb_kind' not in text
        assert text.count('{') == text.count('}')
        assert 'router_id ' in block(text, 'global_defs')


def test_seed000_two_vips_in_one_instance(rendered):
    master, backup = rendered['seed000_two_vips_one_instance']['lvs-dr1'], rendered['seed000_two_vips_one_instance']['lvs-dr2']
    inst = block(master, 'vrrp_instance VI_1')
    assert 'state MASTER' in inst and 'priority 100' in inst
    assert re.search(r'192\.168\.20\.100/32 dev eth0\s+192\.168\.20\.101/32 dev eth0', inst)
    assert 'auth_pass 1111' in inst
    binst = block(backup, 'vrrp_instance VI_1')
    assert 'state BACKUP' in binst and 'priority 99' in binst
    vs = block(master, 'virtual_server 192.168.20.100 80')
    assert 'lvs_sched wlc' in vs and 'lvs_method DR' in vs and 'persistence_timeout 50' in vs
    rs1 = block(vs, 'real_server 192.168.20.9 80')
    assert 'weight 1' in rs1 and 'retry 3' in rs1 and 'connect_port 80' in rs1
    # the fixture spells it nb_get_retry, as the recipe does: rendered under keepalived 2.x's name
    assert re.search(r'^\s*retry 3$', rs1, re.M), rs1
    assert 'weight 3' in block(vs, 'real_server 192.168.20.10 80')
    glob = block(master, 'global_defs')
    assert 'ops@example.com' in glob and 'smtp_server 127.0.0.1' in glob


def test_seed002_router_ids_and_rr(rendered):
    d1, d2 = rendered['seed002_single_vip_rr']['director1'], rendered['seed002_single_vip_rr']['director2']
    assert 'router_id Drector1' in d1 and 'router_id Drector2' in d2
    assert 'priority 150' in d1 and 'priority 100' in d2
    vs = block(d1, 'virtual_server 192.168.100.14 80')
    assert 'lvs_sched rr' in vs
    assert 'TCP_CHECK' in block(vs, 'real_server 192.168.100.12 80')


def test_seed003_nat_digest_and_sorry(rendered):
    text = rendered['seed003_nat_sorry_digest']['lb1']
    vs = block(text, 'virtual_server 10.10.10.2 1358')
    assert 'lvs_method NAT' in vs and 'sorry_server 192.168.200.200 1358' in vs
    rs = block(vs, 'real_server 192.168.200.2 1358')
    assert rs.count('url {') == 3
    assert 'digest 640205b7b0fc66c1ea91c463fac6334d' in rs and 'retry 3' in rs
    assert 'vrrp_strict' in text and 'vrrp_skip_check_adv_addr' in text
    # Strict VRRP: only an address owner may start MASTER, so both start BACKUP and the first
    # director of the group (the default master) wins on priority.
    assert 'state BACKUP' in text and 'priority 150' in text
    assert 'priority 100' in rendered['seed003_nat_sorry_digest']['lb2']


def test_seed003_dual_master(rendered):
    lb1, lb2 = rendered['seed003_dual_master_tracked']['lb1'], rendered['seed003_dual_master_tracked']['lb2']
    assert 'state MASTER' in block(lb1, 'vrrp_instance BusinessA') and 'state BACKUP' in block(lb1, 'vrrp_instance BusinessB')
    assert 'state BACKUP' in block(lb2, 'vrrp_instance BusinessA') and 'state MASTER' in block(lb2, 'vrrp_instance BusinessB')
    assert '172.16.246.140/32' in block(lb1, 'vrrp_instance BusinessA')
    assert '172.16.246.141/32' in block(lb1, 'vrrp_instance BusinessB')
    assert 'chk_nginx_proxy' in block(lb1, 'vrrp_instance BusinessA')
    assert 'weight -20' in block(lb1, 'vrrp_script chk_nginx_proxy')
    assert 'vrrp_mcast_group4 224.0.0.19' in lb1


def test_seed004_unicast_peers(rendered):
    master = rendered['seed004_nginx_pair']['keepalived-master']
    inst = block(master, 'vrrp_instance VI_1')
    assert 'unicast_src_ip 192.168.1.128' in inst and '192.168.1.129' in block(inst, 'unicast_peer')
    assert 'version 3' in inst and 'authentication' not in inst


def test_kitchen_sink(rendered):
    text = rendered['kitchen_sink']['d1']
    assert 'vrrp_sync_group G_LB' in text
    assert 'lvs_sync_daemon eth0 inst VI_WEB id 5' in text
    assert 'lvs_timeouts tcp 900 tcpfin 120 udp 300' in text
    https = block(text, 'virtual_server 10.0.0.100 443')
    for word in ('lvs_method TUN', 'mh-port', 'mh-fallback', 'persistence_granularity 255.255.255.0',
                 'quorum 1', 'hysteresis 0', 'alpha', 'omega', 'inhibit_on_failure',
                 'sorry_server_lvs_method DR', 'sorry_server_inhibit', 'SSL_GET', 'enable_sni',
                 'status_code 200 204', 'MISC_CHECK', 'misc_dynamic'):
        assert word in https, word
    assert 'DNS_CHECK' in block(text, 'virtual_server 10.0.1.53 53') and 'ops' in block(text, 'virtual_server 10.0.1.53 53')
    assert 'PING_CHECK' in block(text, 'virtual_server fwmark 7')
    assert 'ip_family inet6' in block(text, 'virtual_server fwmark 9')
    web = block(text, 'vrrp_instance VI_WEB')
    assert '10.0.0.101/32' in block(web, 'virtual_ipaddress {')
    assert '10.0.0.250/24 dev eth0 label eth0:vip' in block(web, 'virtual_ipaddress {')
    assert '2001:db8::100/128' in block(web, 'virtual_ipaddress_excluded')
    # nopreempt and preempt_delay only work when every director starts BACKUP
    assert 'state BACKUP' in block(text, 'vrrp_instance VI_DNS') and 'state BACKUP' in block(text, 'vrrp_instance VI_WEB')
    assert 'unicast_peer' in block(text, 'vrrp_instance VI_DNS')


@pytest.mark.parametrize('topology', sorted(SEEDS))
def test_handover_track_file_in_every_instance(rendered, topology):
    """director_handover (default on): two track files, tracked by every VRRP instance: the
    handover's (non-zero = FAULT) and restart.yml's pin (1 = priority 1, keepalived's floor)."""
    for host in SEEDS[topology]:
        text = rendered[topology][host]
        track = block(text, 'track_file lvs_handover {')
        assert 'file "/run/lvs-cluster/handover"' in track and 'weight 0' in track and 'init_file 0' in track
        # keepalived ignores weighted track files in sync groups: no pin on a director with one
        pinned = 'vrrp_sync_group' not in text
        if pinned:
            pin = block(text, 'track_file lvs_pin {')
            assert 'file "/run/lvs-cluster/pin"' in pin and 'weight -253' in pin and 'init_file 0' in pin
        else:
            assert 'lvs_pin' not in text
        instances = re.findall(r'^vrrp_instance (\S+) \{', text, re.M)
        assert instances
        for name in instances:
            tracked = r'track_file \{\s+lvs_handover\s+lvs_pin\s+\}' if pinned else r'track_file \{\s+lvs_handover\s+\}'
            assert re.search(tracked, block(text, 'vrrp_instance %s {' % name)), name


def test_handover_dropin_names_every_vip(rendered):
    text = rendered['kitchen_sink']['_dropin']['d1']
    # render.yml points director_libexec_dir into its output directory; the rest are role defaults
    lib = re.search(r'^ExecStartPre=-(/\S+/libexec/lvs-handover) ', text, re.M).group(1)
    assert '[Service]' in text
    assert 'ExecStartPre=-%s hold /run/lvs-cluster/handover\n' % lib in text
    assert 'ExecStartPost=%s release /run/lvs-cluster/handover 30\n' % lib in text
    stop = re.search(r'^ExecStop=%s stop /run/lvs-cluster/handover 10 0.1 (.*)$' % re.escape(lib), text, re.M)
    assert stop, text
    vips = stop.group(1).split()
    conf_text = rendered['kitchen_sink']['d1']
    # every address of every virtual_ipaddress(_excluded) block, IPv6 included
    expected = set()
    for name in re.findall(r'^vrrp_instance (\S+) \{', conf_text, re.M):
        inst = block(conf_text, 'vrrp_instance %s {' % name)
        for key in ('virtual_ipaddress {', 'virtual_ipaddress_excluded {'):
            if key in inst:
                expected.update(re.findall(r'^\s+([0-9a-f.:]+)/\d+', block(inst, key), re.M))
    assert '2001:db8::100' in expected and '10.0.0.101' in expected
    assert sorted(vips) == sorted(expected)


def test_handover_off(tmp_path, collections):
    rc, output = render('seed002_single_vip_rr', str(tmp_path), collections, extra=('-e', '{"director_handover": false}'))
    assert rc == 0, output
    text = conf(tmp_path, 'director1')
    # no VRRP track file; the real servers' drain files (FILE_CHECK) do not depend on the hand-over
    assert 'lvs_handover' not in text and 'lvs_pin' not in text and 'track_file {' not in text


def test_output_is_stable(rendered, tmp_path, collections):
    """Same inventory, same bytes: rendering again changes nothing."""
    rc, output = render('seed000_two_vips_one_instance', str(tmp_path), collections)
    assert rc == 0, output
    first = rendered['seed000_two_vips_one_instance']['lvs-dr1']
    # the helper scripts live in each run's own output directory
    again = conf(tmp_path, 'lvs-dr1').replace(str(tmp_path), '@DIR@')
    assert again == re.sub(r'"\S*/libexec/', '"@DIR@/libexec/', first)
    assert '@DIR@/libexec/lvs-vrrp-notify' in again


def test_validate_rejects_missing_interface(tmp_path, collections):
    """The validate: step is live: without ens32 keepalived -t fails and no file is written."""
    rc, output = render('seed002_single_vip_rr', str(tmp_path), collections, interfaces=('eth0',))
    assert rc != 0
    assert 'failed validation' in output or 'keepalived -t' in output, output
    assert not os.path.exists(os.path.join(str(tmp_path), 'director1.conf'))


def test_secrets_not_logged(rendered):
    # Rendered with --diff: the VRRP password must not reach the output, other configs do show a diff.
    assert 'auth_pass' in rendered['seed000_two_vips_one_instance']['lvs-dr1']
    assert '1111' not in rendered['seed000_two_vips_one_instance']['_output']
    assert 'lvs_sched rr' in rendered['seed004_nginx_pair']['_output']


def test_secrets_not_logged_verbose(tmp_path, collections):
    """At -vvv the model fact carrying auth_pass is censored; the render still succeeds."""
    rc, output = render('seed000_two_vips_one_instance', str(tmp_path), collections, extra=('-vvv',))
    assert rc == 0, output
    assert 'auth_pass' in conf(tmp_path, 'lvs-dr1')
    assert not re.search(r'auth_pass\W+1111', output), 'VRRP password in the log'
    assert 'censored' in output


def test_drift_check_compares_the_deployed_file(collections, tmp_path):
    """restart.yml's drift check: quiet on the file site.yml rendered, fails on an edited one and
    leaves it as it is (check mode)."""
    outdir = str(tmp_path)
    rc, output = render('seed002_single_vip_rr', outdir, collections)
    assert rc == 0, output
    rc, output = render('seed002_single_vip_rr', outdir, collections, playbook='drift.yml')
    assert rc == 0, output
    edited = conf(outdir, 'director2') + '# edited by hand\n'
    with open(os.path.join(outdir, 'director2.conf'), 'w') as handle:
        handle.write(edited)
    rc, output = render('seed002_single_vip_rr', outdir, collections, playbook='drift.yml')
    assert rc != 0
    assert 'director2.conf on director2 differs from what the inventory' in ' '.join(output.split()), output
    assert conf(outdir, 'director2') == edited


@pytest.mark.parametrize('topology', sorted(SEEDS))
def test_fast_renderer_gives_the_role_bytes(rendered, topology, tmp_path):
    """tests/unit/lib/director_render.py (the template unit tests' renderer, no ansible-playbook)
    writes what the role writes, for every seed topology."""
    from ansible_collections.lvs.cluster.tests.unit.lib import director_render
    for host in SEEDS[topology]:
        text = rendered[topology][host]
        libexec = re.search(r'"(\S*)/lvs-vrrp-notify ', text)
        extra = {'director_libexec_dir': libexec.group(1)} if libexec else {}
        assert director_render.render_topology(topology, host, extra) == text, (topology, host)
        hostvars, groups = director_render.load_topology(topology)
        variables = director_render.director_vars(hostvars, groups, host, extra)
        assert director_render.render('keepalived-handover.conf.j2', variables) == rendered[topology]['_dropin'][host]


KEEPALIVED_CONF = '/etc/keepalived/keepalived.conf'


@pytest.mark.parametrize('result, expected', [
    (dict(converged=False, files_only=True, differing_files=[KEEPALIVED_CONF]), True),
    (dict(converged=False, files_only=True, differing_files=[KEEPALIVED_CONF, '/usr/local/libexec/lvs-cluster/lvs-handover']), False),
    (dict(converged=False, files_only=True, differing_files=['/usr/local/libexec/lvs-cluster/lvs-handover']), False),
    (dict(converged=False, files_only=False, differing_files=[KEEPALIVED_CONF]), False),
    (dict(converged=True, files_only=False, differing_files=[]), False),
    (dict(skipped=True), False),
], ids=['conf', 'conf-and-script', 'script', 'conf-and-not-a-file', 'converged', 'no-check'])
def test_only_a_changed_keepalived_conf_runs_its_task_alone(collections, tmp_path, result, expected):
    """director_conf_only: the install and configure tasks are skipped, keepalived.conf's task runs,
    only when the check found keepalived.conf the one thing that differs."""
    rc, output = render('seed002_single_vip_rr', str(tmp_path), collections, playbook='conf_only.yml',
                        extra=['-e', json.dumps({'conf_only_result': result})])
    assert rc == 0, output
    assert re.findall(r'"msg": "conf_only=(\w+)"', output) == [str(expected)] * 2, output
