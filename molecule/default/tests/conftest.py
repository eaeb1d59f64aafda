# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the cluster tests: ssh hosts for every node and control of the containers."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import pytest
import testinfra

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'tests', 'lib'))
import lvs_journal  # noqa: E402  (shared with tests/bench/bench.py)

NODES = {'dir1': '10.88.0.11', 'dir2': '10.88.0.12', 'web1': '10.88.0.21', 'web2': '10.88.0.22',
         'web3': '10.88.0.23', 'client': '10.88.0.30', 'nat1': '10.89.0.31',
         'tun1': '10.90.0.41'}
VIP = '10.88.0.100'
URL = 'http://%s/' % VIP
DIGEST_LINES = 60
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))

# The claims the fault tests assert, with this lab's noise margin, stated once.
# README: a backup takes over "well under a second" after the master dies (VRRPv3 adverts every
# 0.2 s: the backup declares the master down after 3 x 0.2 s + skew = 0.72 s, then sends
# gratuitous ARPs); docs/benchmarks.md measured 0.58-0.74 s of client outage with the master's
# cable pulled. The margin is for a starved 2-vCPU TCG guest (keepalived's timers, journald and
# the client's own timeouts run late there). A director advertising every 1 s needs about 3.6 s
# and fails both bounds.
FAILOVER_OUTAGE_S = 1.5     # client: longest run without an answer when the master dies
FAILOVER_TAKEOVER_S = 2.0   # from the fault to dir2's "Entering MASTER STATE" (same kernel clock)
FAILOVER_TIMEOUT_S = 0.3    # the failover probe's request timeout: its outage overshoots by less
WARMUP_ANSWERS = 20         # requests the probe must have had answered before a fault
# The request timeout over drained hand-overs (a keepalived stop, the rollout): the drain drops
# new SYNs, TCP retransmits one after 1 s and again 2 s later. The qemu lab's hand-over (FAULT,
# the peer's takeover with its sync daemon switched, the gratuitous ARP) has taken 1-1.5 s, past
# the first retransmission: 4 s lets the second one through; a request that needs a third fails.
HANDOVER_TIMEOUT_S = 4


def handover_summary(result):
    """One line on a hand-over probe's result (``HANDOVER_TIMEOUT_S``): requests, failures, the
    slowest answer and how many answers the hand-over delayed."""
    return ('%d requests, %d failed %s, slowest %.3f s (%d took 1 s or more, %d 3 s or more), answered by %s'
            % (result['requests'], result['failures'], result['errors'], result['max_latency_s'], result['slow_1s'],
               result['slow_3s'], result['hosts']))


# README: a dead real server leaves IPVS, and a recovered one is back, "within about a second"
# (0.5 s checks; docs/benchmarks.md measured out 0.73-1.09 s, back 0.84-0.95 s, nginx stopped and
# started): with the margin, for a server that refuses (nginx stopped)
REAL_SERVER_OUT_S = 2.0
REAL_SERVER_BACK_S = 2.0
# a server that stops answering (cable pulled) costs the checker its timeouts: out after the next
# check within delay_loop 0.5 s, connect_timeout 1 s, delay_before_retry 0.5 s and one more 1 s
# try (the shipped checker defaults) = 3.0 s at most; back after the check in flight times out
# (1 s) and the next one, delay_loop 0.5 s later, succeeds = 1.5 s at most; with the margin
REAL_SERVER_SILENT_OUT_S = 4.0
REAL_SERVER_SILENT_BACK_S = 2.5

# IPVS folds its per-CPU counters into what ipvsadm --stats prints when its rate estimator runs,
# every 2 s (net/netfilter/ipvs/ip_vs_est.c): a read right after the traffic can miss its last
# 2 s. The counters are read again until they hold a test's connections, for this long at most.
STATS_SETTLE_S = 6


# ssh's own failures (exit 255) that say the connection was never set up or was cut, as
# opposed to a node that is down: worth another try (a CI run lost its client connection once)
SSH_TRANSIENT = re.compile(r'kex_exchange_identification|mux_client|banner exchange|Broken pipe|'
                           r'Connection (closed|reset) by')
SSH_TRIES = 3

# keepalived 2.2 logs a real server's return as "Remote Web server [...] succeed on service"
# (older ones: "Adding service [...]").
BACK_IN_IPVS = r'\[10\.88\.0\.21\]:tcp:80 succeed on service|Adding service \[10\.88\.0\.21\]'


def _retrying(run_ssh):
    """``run_ssh`` of a testinfra ssh backend, tried again after a transient ssh failure."""
    def run(command):
        for attempt in range(1, SSH_TRIES + 1):
            try:
                return run_ssh(command)
            except RuntimeError as exc:
                if attempt == SSH_TRIES or not SSH_TRANSIENT.search(str(exc)):
                    raise
                time.sleep(2 * attempt)
    return run


def _host(address):
    config = os.environ.get('LVS_MOLECULE_SSH_CONFIG')
    if not config:
        pytest.fail('LVS_MOLECULE_SSH_CONFIG is not set: run the scenario through tests/bin/molecule-test')
    # connections kept for the whole session, and 120 s for a new one (testinfra's own default
    # of 10 s overrides the ssh config's): a new ssh handshake with a container on a starved TCG
    # guest can take longer than that (after a long playbook run)
    host = testinfra.get_host('ssh://root@%s' % address, ssh_config=config, controlpersist=7200, timeout=120)
    host.backend.run_ssh = _retrying(host.backend.run_ssh)
    return host


def pytest_runtest_logreport(report):
    """The last lines of each failure's explanation, printed when the test ends, and a digest
    for the end of a long log (tests/run-all prints it after molecule's destroy output, where a
    CI log that is cut still shows it): each test's outcome and duration, and those lines."""
    lines = str(report.longrepr).splitlines()[-DIGEST_LINES:] if report.failed else []
    if lines:
        # at once too: a run that CI stops at its time limit never reaches pytest's own summary
        text = '\n'.join('    ' + line for line in lines)
        print('\n%s failed (%s, %.1f s):\n%s' % (report.nodeid, report.when, report.duration, text))
    digest = os.environ.get('LVS_TEST_DIGEST')
    if not digest or (report.when != 'call' and not report.failed):
        return
    with open(digest, 'a') as handle:
        handle.write('%s %s (%s, %.1f s)\n' % (report.outcome.upper(), report.nodeid, report.when, report.duration))
        handle.writelines('    %s\n' % line for line in lines)


@pytest.fixture(scope='session')
def nodes():
    return {name: _host(address) for name, address in NODES.items()}


class Containers(object):
    """podman (or docker) commands against the scenario's containers."""

    def __init__(self):
        self.tool = os.environ.get('LVS_MOLECULE_ENGINE', 'podman')
        if shutil.which(self.tool) is None:
            pytest.fail('%s is not installed' % self.tool)

    def __call__(self, *args):
        argv = [self.tool]
        if self.tool == 'podman' and os.environ.get('CONTAINER_HOST'):
            argv.append('--remote')
        proc = subprocess.run(argv + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=180, check=False)
        assert proc.returncode == 0, '%s %s: %s' % (self.tool, ' '.join(args), proc.stdout)
        return proc.stdout


@pytest.fixture(scope='session')
def containers():
    return Containers()


def wait_for(what, predicate, timeout, interval=0.2):
    """Poll ``predicate`` until true; return the seconds it took, fail after ``timeout``.

    A node that is down or still booting cannot be asked (ssh fails: testinfra raises
    RuntimeError, a failed command AssertionError): that counts as "not yet".
    """
    start = time.monotonic()
    while True:
        try:
            if predicate():
                return round(time.monotonic() - start, 2)
        except (AssertionError, RuntimeError):
            pass
        if time.monotonic() - start > timeout:
            pytest.fail('%s did not happen within %s s' % (what, timeout))
        time.sleep(interval)


class Lab(object):
    """Where the containers' bridge lives: the lab guest (LVS_LAB_MODE=guest) or this machine."""

    def __init__(self):
        self.guest = os.environ.get('LVS_LAB_MODE') == 'guest'

    def run(self, command):
        if self.guest:
            argv = ['ssh', '-F', os.environ['LVS_MOLECULE_SSH_CONFIG'], 'guest', command]
        else:
            argv = ['sh', '-c', command]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, timeout=120, check=False)
        assert proc.returncode == 0, '%s: %s' % (command, proc.stdout)
        return proc.stdout

    def unplug(self, node):
        """Pull the cable of ``node``: the bridge side of its veth goes down. Returns that link,
        for ``plug`` (the node cannot be asked while its cable is out), and the epoch time just
        before it went down, read in the same shell (the containers share that kernel's clock)."""
        iflink = node.check_output('cat /sys/class/net/eth0/iflink').strip()
        links = self.run('ip -o link show')
        match = re.search(r'^%s: ([^:@]+)[@:]' % re.escape(iflink), links, re.M)
        assert match, 'no link with index %s on the bridge side: %s' % (iflink, links)
        when = float(self.run('date +%%s.%%N; ip link set dev %s down' % match.group(1)).split()[0])
        return match.group(1), when

    def plug(self, link):
        """Plug the cable back; returns the epoch time just before the link went up."""
        return float(self.run('date +%%s.%%N; ip link set dev %s up' % link).split()[0])


@pytest.fixture(scope='session')
def lab():
    return Lab()


def ansible_playbook(playbook, *args):
    """Run a playbook of the collection against the scenario's inventory (molecule's ansible.cfg)."""
    argv = ['ansible-playbook', os.path.join(REPO, 'playbooks', playbook)] + list(args)
    inventory = os.environ.get('MOLECULE_INVENTORY_FILE')
    if inventory:
        argv[1:1] = ['-i', os.path.dirname(inventory)]
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    started = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                          universal_newlines=True, timeout=2400, check=False)
    # plain text even if a colour setting slipped through
    return proc.returncode, re.sub(r'\x1b\[[0-9;]*m', '', proc.stdout), round(time.monotonic() - started, 1)


def slowest_tasks(output, count=6):
    """The ``count`` slowest tasks of a run, as ansible.posix.profile_tasks summed them (molecule's
    ansible.cfg enables it): 'TASK (SECONDS s)', for the log of a run that took long."""
    recap = output[output.rfind('TASKS RECAP'):] if 'TASKS RECAP' in output else ''
    found = re.findall(r'^(\S.*?) -+ (\d+\.\d+)s$', recap, re.M)
    found.sort(key=lambda item: -float(item[1]))
    return ', '.join('%s (%s s)' % (name, secs) for name, secs in found[:count])


# Task names as ansible-playbook prints them, for task_hosts: the first task of each role's install
# block (a host that runs it runs every task) and the task that writes each generated file.
DIRECTOR_PACKAGES_TASK = ('lvs.cluster.director : Install the director packages (keepalived, ipvsadm, iproute2 by default; '
                          'no keepalived with lvs_single_director)')
KEEPALIVED_CONF_TASK = 'lvs.cluster.director : Render keepalived.conf (validated by keepalived -t before it replaces the old one)'
REAL_SERVER_ARP_TASK = 'lvs.cluster.real_server : Hide the VIPs from ARP, now and at boot'
VIP_LIST_TASK = 'lvs.cluster.real_server : Write the list of VIPs'
VIP_SCRIPT_TASK = 'lvs.cluster.real_server : Install the VIP script'
DIRECTOR_FILES_TASK = ("lvs.cluster.director : Write the director's helper scripts, directories, drop-in, log and fwmark files "
                       '(one call, validated first)')


def task_sections(output):
    """(kind, name, the result lines under it) for each TASK and RUNNING HANDLER header of an
    ansible-playbook output, in order: its lines run to the next task, handler or play."""
    return re.findall(r'^(TASK|RUNNING HANDLER) \[(.*)\].*\n((?:(?!TASK \[|RUNNING HANDLER \[|PLAY ).*\n)*)', output, re.M)


def task_hosts(output, task, results=('ok', 'changed')):
    """The hosts with one of ``results`` under ``task`` (the name ansible-playbook prints, role
    prefix included) in an ansible-playbook output; a serial play prints a task once per batch.
    A task the output never names (renamed, or not reached) fails, rather than reading as run by
    no host: a skipped task is still printed, with its "skipping" lines."""
    sections = [lines for kind, name, lines in task_sections(output) if kind == 'TASK' and name == task]
    assert sections, 'no task %r in the output' % task
    hosts = set()
    for section in sections:
        hosts.update(re.findall(r'^(?:%s): \[([^\]\s]+)\]' % '|'.join(results), section, re.M))
    return hosts


def checks(output):
    """{host: the converged check's verdict} from a -v run's output."""
    return dict((host, verdict == 'true') for host, verdict in
                re.findall(r'^ok: \[(\S+)\] => \{.*"converged": (true|false)', output, re.M))


def changed(output, hosts):
    """{host: changed count} of ``hosts`` from the PLAY RECAP (-1: not in the recap)."""
    recap = output[output.rindex('PLAY RECAP'):]
    counts = dict(re.findall(r'^(\S+)\s+: ok=\d+\s+changed=(\d+)', recap, re.M))
    return dict((host, int(counts.get(host, -1))) for host in hosts)


# Drift that site.yml's one-call check must find: (host, file, mode it is given); the roles install
# the scripts 0755 and the VIP list 0644. A drifted script is not a generated config: its host runs
# every task of its role, each of which must change nothing but that file (the rerun of every task
# that proves them idempotent: molecule's own idempotence step keeps the one-call check, see
# converge.yml). A drifted VIP list is the one thing that differs on its host: only its task runs.
# CHECK_DRIFT: test_converged.py, in check mode (the Debian 13 director, a Debian 12 DR real server).
# REPAIR_DRIFT: test_rollout.py's last site.yml run, for real (the Debian 12 director, the NAT real
# server, and web1's VIP list).
HANDOVER_SCRIPT = '/usr/local/libexec/lvs-cluster/lvs-handover'
VIP_SCRIPT = '/usr/local/sbin/lvs-real-server'
VIP_LIST = '/etc/lvs-real-server.conf'
CHECK_DRIFT = (('web1', VIP_SCRIPT, 0o700), ('dir2', HANDOVER_SCRIPT, 0o700))
REPAIR_DRIFT = (('web1', VIP_LIST, 0o600), ('nat1', VIP_SCRIPT, 0o700), ('dir1', HANDOVER_SCRIPT, 0o700))
DRIFT_UNDONE = {VIP_LIST: 0o644, VIP_SCRIPT: 0o755, HANDOVER_SCRIPT: 0o755}


def drift(nodes, which, undo=False):
    for host, path, mode in which:
        nodes[host].check_output('chmod %o %s' % (DRIFT_UNDONE[path] if undo else mode, path))


def changed_tasks(output, host):
    """The names of the tasks and handlers that reported ``host`` changed (a serial play's task
    counts once), from an ansible-playbook output."""
    return set(name for kind, name, lines in task_sections(output)
               if re.search(r'^changed: \[%s[\]\s]' % re.escape(host), lines, re.M))


def failure(output):
    """What a failed ansible-playbook run says about why: every failed task's lines and the recap
    (the tail of the output is the timing summary, which says nothing)."""
    lines = output.splitlines()
    keep = []
    for index, line in enumerate(lines):
        if re.match(r'(fatal|failed): \[', line) or line.startswith(('ERROR!', '[ERROR]')):
            keep.extend(lines[max(0, index - 2):index + 12])
            keep.append('...')
    if 'PLAY RECAP' in output:
        recap = output[output.rindex('PLAY RECAP'):].splitlines()
        keep.extend(recap[:10])
    return '\n'.join(keep) or output[-3000:]


def probe(nodes, seconds, interval=0.05, timeout=0.5):
    out = nodes['client'].check_output('python3 /usr/local/bin/lvs-probe %s %s %s %s' % (URL, seconds, interval, timeout))
    return json.loads(out.strip().splitlines()[-1])


def start_probe(nodes, seconds, name, timeout=0.5, url=URL):
    """Start a request loop on the client; it ends after ``seconds`` or at ``stop_probe``.
    Returns once it has had ``WARMUP_ANSWERS`` requests answered (a fault injected before that
    would prove nothing); ``warmed_up`` checks the same from its result."""
    nodes['client'].check_output(
        'rm -f /tmp/{0}.json /tmp/{0}.stop /tmp/{0}.answered; '
        '(python3 /usr/local/bin/lvs-probe {1} {2} 0.05 {3} /tmp/{0}.stop /tmp/{0}.answered > /tmp/{0}.json 2>&1 &)'
        .format(name, url, seconds, timeout))
    wait_answered(nodes, name, WARMUP_ANSWERS)


def answered(nodes, name):
    """How many requests the running probe ``name`` has had answered so far (counted up to 1000)."""
    out = nodes['client'].run('cat /tmp/%s.answered' % name).stdout.strip()
    return int(out) if out.isdigit() else 0


def wait_answered(nodes, name, count, timeout=30):
    wait_for('probe %s to have %d requests answered' % (name, count), lambda: answered(nodes, name) >= count, timeout, 0.3)


def warmed_up(result, fault):
    """Assert that the probe had ``WARMUP_ANSWERS`` requests answered before ``fault`` (epoch)."""
    before = sum(1 for when in result['answered_at'] if when < fault)
    assert before >= WARMUP_ANSWERS, 'the probe had %d requests answered before the fault, not %d: it proves nothing' % (
        before, WARMUP_ANSWERS)
    return before


def stop_probe(nodes, name):
    nodes['client'].check_output('touch /tmp/%s.stop' % name)
    return probe_result(nodes, name, 0)


def probe_result(nodes, name, seconds):
    wait_for('probe %s to finish' % name,
             lambda: nodes['client'].run('test -s /tmp/%s.json' % name).rc == 0, seconds + 60, 0.5)
    return json.loads(nodes['client'].check_output('cat /tmp/%s.json' % name))


def failed_requests(nodes, result, phases=()):
    """Why a probe's requests failed: the directors' keepalived journal from 30 s before the first
    failed request to 5 s after the last, when each of the test's ``phases`` (name, start, end)
    ran, then each failed request (when it ended, how long it took, the error, which MAC the
    client sent it to, the hosts that answered just before and after it, the directors' IPVS
    connection entries for its client port now), last so that the end of a cut log still shows
    them."""
    failed = result.get('failed') or []
    lines = []
    if failed:
        first, last = int(failed[0][0] - failed[0][1]) - 30, int(failed[-1][0]) + 5
        for director in ('dir1', 'dir2'):
            out = nodes[director].run('journalctl -u keepalived -o short-unix --no-pager --since=@%d --until=@%d'
                                      % (first, last)).stdout
            lines.append('%s keepalived journal:' % director)
            lines.extend('  ' + line for line in out.splitlines()[-25:])
    lines.extend('%s ran %.1f to %.1f' % phase for phase in phases)
    lines.append('%d failed: %s' % (result['failures'], result['errors']))
    macs = {}
    if failed:
        for name in NODES:
            out = nodes[name].run('cat /sys/class/net/eth0/address')
            if out.rc == 0:
                macs[out.stdout.strip()] = name
    conns = {}
    if any(len(entry) > 4 and entry[4] for entry in failed):
        for director in ('dir1', 'dir2'):
            conns[director] = nodes[director].run('ipvsadm -Lnc').stdout
    for entry in failed:
        lines.append('  %.3f took %.3f s: %s' % tuple(entry[:3]))
        if len(entry) > 4:
            neigh = re.sub(r'lladdr (\S+)', lambda m: 'lladdr %s (%s)' % (m.group(1), macs.get(m.group(1), '?')), entry[3])
            lines.append('    client ARP: %s; port %s; answered before: %s, after: %s' % (neigh, entry[4], entry[5], entry[6]))
            for director, table_text in sorted(conns.items()):
                lines.extend('    %s now: %s' % (director, ' '.join(line.split()))
                             for line in table_text.splitlines() if ':%s ' % entry[4] in line)
    return '\n'.join(lines)


def takeover(nodes, fault):
    """Seconds from ``fault`` (epoch, read in the lab's kernel) to dir2's keepalived logging that
    it entered MASTER state for VI_WEB."""
    master = journal_time(nodes['dir2'], r'\(VI_WEB\) Entering MASTER STATE', fault)
    assert master is not None, 'dir2 logged no MASTER state for VI_WEB after %.3f' % fault
    return round(master - fault, 3)


FIGURES = {}  # what -> [figure per trial], summarised at the end of the session


def record(what, value):
    """Keep a figure of a repeated measurement for the session's summary (printed and written to
    the digest: min / median / max over the trials)."""
    FIGURES.setdefault(what, []).append(value)


def pytest_sessionfinish(session):
    lines = []
    for what, values in sorted(FIGURES.items()):
        lines.append('%s: min %.3f / median %.3f / max %.3f s over %d trials (%s)' % (
            what, min(values), statistics.median(values), max(values), len(values), ', '.join('%.3f' % v for v in values)))
    if not lines:
        return
    print('\n' + '\n'.join(lines))
    digest = os.environ.get('LVS_TEST_DIGEST')
    if digest:
        with open(digest, 'a') as handle:
            handle.writelines('FIGURES %s\n' % line for line in lines)


def vip_holders(nodes):
    return [name for name in ('dir1', 'dir2') if holds_vip(nodes, name)]


def holds_vip(nodes, name):
    return bool(re.search(r'inet %s/' % re.escape(VIP), nodes[name].check_output('ip -4 addr show dev eth0')))


def table(nodes, director='dir1'):
    return nodes[director].check_output('ipvsadm -Ln')


def real_servers(nodes, director='dir1'):
    """Addresses of the real servers of the VIP's service in ``director``'s IPVS table."""
    return set(re.findall(r'->\s+(10\.88\.0\.\d+):80\s', table(nodes, director)))


def now(node):
    return float(node.check_output('date +%s.%N'))


def journal_time(node, pattern, since, unit='keepalived', wait=10):
    """Epoch time of the first journal line of ``unit`` after ``since`` matching ``pattern``, or
    None if none is there within ``wait`` seconds (journald writes what a process logged a little
    later, up to seconds on a busy TCG guest: a stopped keepalived's last lines came after
    ``systemctl stop`` returned)."""
    deadline = time.monotonic() + wait
    while True:
        found = lvs_journal.times(node.check_output(lvs_journal.command(unit, since)), pattern, since)
        if found:
            return found[0]
        if time.monotonic() > deadline:
            return None
        time.sleep(0.5)


def settled(nodes, reals=('10.88.0.21', '10.88.0.22'), timeout=90):
    """The healthy state: VIP on dir1 only, both directors' IPVS tables list exactly ``reals``."""
    wait_for('VIP on dir1 only', lambda: vip_holders(nodes) == ['dir1'], timeout)
    for director in ('dir1', 'dir2'):
        wait_for('IPVS table of %s = %s' % (director, sorted(reals)),
                 lambda: real_servers(nodes, director) == set(reals), timeout)
