# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The performance benchmarks of lvs.cluster on the lab's real IPVS kernel (run by tests/bench/run).

Uses molecule/default's eight containers (created and prepared by the wrapper) and its inventory,
with Ansible and ssh going through the lab's ssh config. Prints one table of figures; --json FILE
writes them too. Network rule: traffic goes only to the containers this run created.
"""

from __future__ import (absolute_import, division, print_function)

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

import ipvsadm_scale as scale_tool  # beside this file (bench.py has its own ipvsadm_scale step)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib'))
import lvs_journal  # noqa: E402  (tests/lib: shared with the molecule tests)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
INVENTORY = os.path.join(REPO, 'molecule', 'default', 'inventory', 'hosts.yml')
GROUP_VARS = os.path.join(REPO, 'molecule', 'default', 'inventory', 'group_vars', 'all.yml')
NODES = {'dir1': '10.88.0.11', 'dir2': '10.88.0.12', 'web1': '10.88.0.21', 'web2': '10.88.0.22',
         'web3': '10.88.0.23', 'client': '10.88.0.30'}
VIP = '10.88.0.100'
URL = 'http://%s/' % VIP

# keepalived 2.2 logs a real server's return as "Remote Web server [...] succeed on service"
# (older ones: "Adding service [...]").
BACK_IN_IPVS = r'\[10\.88\.0\.21\]:tcp:80 succeed on service|Adding service \[10\.88\.0\.21\]'


def log(msg):
    sys.stderr.write('[bench %s] %s\n' % (time.strftime('%H:%M:%S'), msg))
    sys.stderr.flush()


def sh(node, command, check=True, timeout=600):
    argv = ['ssh', '-F', os.environ['LVS_MOLECULE_SSH_CONFIG'], 'root@' + NODES[node], command]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError('%s: %s: %s' % (node, command, proc.stdout))
    return proc.stdout


def try_sh(node, command):
    try:
        return sh(node, command, timeout=20)
    except (RuntimeError, subprocess.TimeoutExpired):
        return None


def podman(*args):
    argv = ['podman'] + (['--remote'] if os.environ.get('CONTAINER_HOST') else []) + list(args)
    subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True, timeout=180)


def wait(what, predicate, timeout, interval=0.2):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(interval)
    raise RuntimeError('%s did not happen within %s s' % (what, timeout))


def vip_holders():
    holders = []
    for name in ('dir1', 'dir2'):
        out = try_sh(name, 'ip -4 -o addr show dev eth0')
        if out and (' %s/' % VIP) in out:
            holders.append(name)
    return holders


def reals(director):
    out = try_sh(director, 'ipvsadm -Ln') or ''
    return set(re.findall(r'->\s+(10\.88\.0\.\d+):80\s', out))


def settled(timeout=120):
    wait('VIP on dir1 only', lambda: vip_holders() == ['dir1'], timeout, 0.5)
    for director in ('dir1', 'dir2'):
        wait('both web nodes in %s' % director, lambda: reals(director) == {'10.88.0.21', '10.88.0.22'},
             timeout, 0.5)


def journal(node, pattern, since, until=None, unit='keepalived'):
    """Epoch times of ``unit``'s journal lines on ``node`` matching ``pattern`` in [since, until]."""
    return lvs_journal.times(sh(node, lvs_journal.command(unit, since)), pattern, since, until)


def now(node='client'):
    return float(sh(node, 'date +%s.%N'))


def outage_probe(seconds, start_after=0.0):
    """Start lvs-outage on the client in the background; return a function that collects it."""
    sh('client', 'rm -f /tmp/outage.json; (python3 /usr/local/bin/lvs-outage %s %s 0.02 1.0 > /tmp/outage.json 2>&1 &)'
       % (URL, seconds))

    def collect():
        wait('outage probe', lambda: (try_sh('client', 'test -s /tmp/outage.json && echo y') or '').strip() == 'y',
             seconds + 60, 0.5)
        return json.loads(sh('client', 'cat /tmp/outage.json').strip().splitlines()[-1])
    return collect


def client_probe(seconds, timeout):
    sh('client', 'rm -f /tmp/p.json; (python3 /usr/local/bin/lvs-probe %s %s 0.05 %s > /tmp/p.json 2>&1 &)'
       % (URL, seconds, timeout))

    def collect():
        wait('client probe', lambda: (try_sh('client', 'test -s /tmp/p.json && echo y') or '').strip() == 'y',
             seconds + 60, 0.5)
        return json.loads(sh('client', 'cat /tmp/p.json').strip().splitlines()[-1])
    return collect


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return {'n': 0}
    return {'n': len(values), 'median': round(statistics.median(values), 3), 'max': round(max(values), 3),
            'min': round(min(values), 3), 'values': [round(v, 3) for v in values]}


# --- 1. director death ----------------------------------------------------------------------------

def guest(command):
    """Run ``command`` where the containers' bridge is (the lab guest)."""
    argv = ['ssh', '-F', os.environ['LVS_MOLECULE_SSH_CONFIG'], 'guest', command]
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=120, check=True).stdout


def bridge_link(node):
    """The bridge side of ``node``'s veth (its cable) in the guest."""
    iflink = sh(node, 'cat /sys/class/net/eth0/iflink').strip()
    match = re.search(r'^%s: ([^:@]+)[@:]' % re.escape(iflink), guest('ip -o link show'), re.M)
    if not match:
        raise RuntimeError('no bridge link with index %s for %s' % (iflink, node))
    return match.group(1)


def director_death(kind, trials):
    """kill / pause: `podman kill` / `podman pause` of dir1. Both leave the container's network
    namespace alive for a while (pause: all along; kill: until podman's cleanup, which the lab
    delays by exit_command_delay = 5 s), so the kernel's IPVS keeps forwarding what reaches dir1.
    cut: dir1's cable (the bridge side of its veth) goes down: no adverts and no forwarding, which
    is what a director losing power looks like to the network; the plug goes back in afterwards."""
    outages, takeovers, failures = [], [], []
    for trial in range(trials):
        settled()
        link = bridge_link('dir1') if kind == 'cut' else None
        collect = outage_probe(8)
        time.sleep(2)
        t0 = now()
        if link:
            guest('ip link set dev %s down' % link)
        else:
            podman(kind, 'dir1')
        try:
            wait('dir2 MASTER', lambda: 'dir2' in vip_holders(), 30, 0.1)
            time.sleep(5)
            result = collect()
        finally:
            if link:
                guest('ip link set dev %s up' % link)
            else:
                podman('unpause' if kind == 'pause' else 'start', 'dir1')
        master = journal('dir2', r'Entering MASTER STATE', t0)
        takeover = (master[0] - t0) if master else None
        log('%s trial %d: outage %.3f s, dir2 MASTER after %s s, %d/%d failed'
            % (kind, trial + 1, result['outage_s'], None if takeover is None else round(takeover, 3),
               result['failures'], result['requests']))
        outages.append(result['outage_s'])
        takeovers.append(takeover)
        failures.append(result['failures'])
    return {'outage_s': summary(outages), 'takeover_s': summary(takeovers), 'failed_requests': failures}


def clean_stop(trials):
    """systemctl stop keepalived on the master, then start: failed requests sent before the start
    command (the stop and dir2's takeover) and after it (a plain start: dir1 preempts dir2, which
    drops the VIP at once; restart.yml takes VIPs back drained instead)."""
    failed, at_start, errors, slowest = [], [], [], []
    for trial in range(trials):
        settled()
        collect = client_probe(14, 3)
        time.sleep(2)
        sh('dir1', 'systemctl stop keepalived')
        wait('dir2 MASTER', lambda: 'dir2' in vip_holders(), 30, 0.1)
        time.sleep(3)
        start_command = float(sh('dir1', 'date +%s.%N; systemctl start keepalived').split()[0])
        result = collect()
        # a failed request: [when it ended, how long it took, the error, ...] (lvs-probe)
        sent = [(entry[0] - entry[1], entry[2]) for entry in result.get('failed') or []]
        after_start = sum(1 for when, dummy in sent if when >= start_command)
        log('clean stop trial %d: %d/%d failed (%d sent after the start command), slowest %.3f s %s'
            % (trial + 1, result['failures'], result['requests'], after_start, result['max_latency_s'],
               [error for dummy, error in sent]))
        failed.append(result['failures'] - after_start)
        at_start.append(after_start)
        errors.extend(error for dummy, error in sent)
        slowest.append(result['max_latency_s'])
    return {'failed_requests': failed, 'failed_after_start': at_start, 'errors': errors, 'slowest_s': summary(slowest)}


def soak(seconds):
    settled()
    t0 = now('dir1')
    log('idle soak for %d s' % seconds)
    time.sleep(seconds)
    t1 = now('dir1')
    transitions = {d: len(journal(d, r'Entering (MASTER|BACKUP|FAULT) STATE', t0, t1)) for d in ('dir1', 'dir2')}
    return {'seconds': round(t1 - t0), 'transitions': transitions, 'holders_at_end': vip_holders()}


# --- 2. real-server failure -----------------------------------------------------------------------

def real_server(trials):
    """nginx stop/start on web1: keepalived's removal and re-addition, timed from the moment systemd
    logged the service stopped / started (the containers share the guest's clock) and, for
    comparison, from the moment the command was issued (which includes systemctl under TCG)."""
    removed, added, removed_cmd, added_cmd, after = [], [], [], [], []
    for trial in range(trials):
        settled()
        collect = client_probe(12, 0.5)
        time.sleep(5)  # the probe's python needs a few seconds to start under TCG
        command = float(sh('web1', 'date +%s.%N; systemctl stop nginx').split()[0])
        wait('web1 out', lambda: '10.88.0.21' not in reals('dir1'), 30, 0.1)
        result = collect()
        start_command = float(sh('web1', 'date +%s.%N; systemctl start nginx').split()[0])
        wait('web1 back', lambda: '10.88.0.21' in reals('dir1'), 30, 0.1)
        gone = journal('dir1', r'Removing service \[10\.88\.0\.21\]:tcp:80', command)
        back = journal('dir1', BACK_IN_IPVS, start_command)
        stopped = journal('web1', r'Stopped nginx', command, unit='nginx')
        started = journal('web1', r'Started nginx', start_command, unit='nginx')
        out_s = gone[0] - stopped[0] if gone and stopped else None
        back_s = back[0] - started[0] if back and started else None
        removed_cmd.append(gone[0] - command if gone else None)
        added_cmd.append(back[0] - start_command if back else None)
        # the probe records when web1 answered last: after its removal means IPVS still sent it traffic
        late = [t for t in [result['last'].get('web1')] if t and gone and t > gone[0]]
        log('real server trial %d: out %s s after nginx stopped (%s after the command), back %s s after '
            'it started (%s), web1 answered after removal: %s, %d/%d failed'
            % (trial + 1, out_s and round(out_s, 3), removed_cmd[-1] and round(removed_cmd[-1], 3),
               back_s and round(back_s, 3), added_cmd[-1] and round(added_cmd[-1], 3), bool(late),
               result['failures'], result['requests']))
        removed.append(out_s)
        added.append(back_s)
        after.append(len(late))
    return {'removed_s': summary(removed), 'back_s': summary(added), 'answered_after_removal': after,
            'removed_after_command_s': summary(removed_cmd), 'back_after_command_s': summary(added_cmd)}


# --- 4. site.yml ----------------------------------------------------------------------------------

PLAYBOOK_RUNS = []  # each site.yml run's output is kept (tests/output/bench-site-N.log) with per-task times


def playbook(*args):
    env = dict(os.environ, ANSIBLE_PIPELINING='1', ANSIBLE_FORKS='6', ANSIBLE_NOCOLOR='1',
               ANSIBLE_CALLBACKS_ENABLED='ansible.posix.profile_tasks', PROFILE_TASKS_TASK_OUTPUT_LIMIT='all',
               ANSIBLE_INTERPRETER_PYTHON='/usr/bin/python3', ANSIBLE_HOST_KEY_CHECKING='0',
               ANSIBLE_SSH_ARGS='-F %s -o ControlMaster=auto -o ControlPersist=300s'
               % os.environ['LVS_MOLECULE_SSH_CONFIG'])
    start = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', INVENTORY, os.path.join(REPO, 'playbooks', 'site.yml')]
                          + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    took = time.monotonic() - start
    PLAYBOOK_RUNS.append(os.path.join(REPO, 'tests', 'output', 'bench-site-%d.log' % (len(PLAYBOOK_RUNS) + 1)))
    os.makedirs(os.path.dirname(PLAYBOOK_RUNS[-1]), exist_ok=True)
    with open(PLAYBOOK_RUNS[-1], 'w') as handle:
        handle.write(proc.stdout)
    if proc.returncode != 0:
        raise RuntimeError('site.yml failed:\n' + proc.stdout[-4000:])
    changed = sum(int(n) for n in re.findall(r'changed=(\d+)', proc.stdout))
    tasks = sum(int(n) for n in re.findall(r'ok=(\d+)\s+changed=', proc.stdout))  # ok counts changed ones too
    log('  by play: ' + ', '.join('%s %s s' % pair for pair in play_times(proc.stdout)))
    return round(took, 1), changed, tasks


def play_times(output):
    """[(play, seconds)] of a site.yml run's output with profile_tasks' timestamps; a serial play's
    batches are told apart by the hosts that report in them (e.g. 'Directors ... [dir2]')."""
    plays = []
    for line in output.splitlines():
        if line.startswith('PLAY [') or line.startswith('PLAY RECAP'):
            plays.append({'name': line[6:line.find(']')] if line.startswith('PLAY [') else 'end',
                          'start': None, 'hosts': []})
        stamp = re.search(r'\(\d+:\d+:[\d.]+\)\s+(\d+):(\d+):([\d.]+)', line)
        if stamp and plays and plays[-1]['start'] is None:
            plays[-1]['start'] = int(stamp.group(1)) * 3600 + int(stamp.group(2)) * 60 + float(stamp.group(3))
        host = re.match(r'(?:ok|changed|skipping): \[([^\]]+)\]', line)
        if host and plays and host.group(1) not in plays[-1]['hosts']:
            plays[-1]['hosts'].append(host.group(1))
    timed = [p for p in plays if p['start'] is not None]
    return [('%s [%s]' % (this['name'], ','.join(this['hosts'])), round(after['start'] - this['start'], 1))
            for this, after in zip(timed, timed[1:])]


def services_with_one_weight_changed():
    """The inventory's own services with web1's weight in www set to 2, and nothing else changed
    (a list passed with -e replaces the inventory's whole list)."""
    with open(GROUP_VARS) as handle:
        services = yaml.safe_load(handle)['lvs_virtual_services']
    www = [service for service in services if service.get('name') == 'www']
    web1 = [server for server in www[0]['real_servers'] if server['host'] == 'web1']
    web1[0]['weight'] = 2
    return services


def site_runs():
    first = playbook()
    log('site.yml first run: %s s, %d changed of %d' % first)
    rerun = playbook()
    log('site.yml rerun: %s s, %d changed of %d' % rerun)
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'lvs_virtual_services': services_with_one_weight_changed()}, handle)
    try:
        weight = playbook('-e', '@' + handle.name)
        log('site.yml one weight changed: %s s, %d changed of %d' % weight)
        playbook()  # back to the inventory's weights
    finally:
        os.unlink(handle.name)
    return {'first': first, 'rerun': rerun, 'weight_change': weight,
            'rerun_ratio': round(rerun[0] / first[0], 3)}


# --- 5. forwarding --------------------------------------------------------------------------------

def forwarding(requests, rounds):
    def rate(url):
        # every URL of a curl config needs its own output, else the bodies land in the codes file
        out = sh('client', 'seq %d | sed "s|.*|url = %s\\noutput = /dev/null|" > /tmp/urls; s=$(date +%%s.%%N); '
                           'curl -s --no-progress-meter --parallel --parallel-max 8 -H "Connection: close" '
                           '-w "%%{http_code}\\n" -K /tmp/urls > /tmp/codes 2>/dev/null; e=$(date +%%s.%%N); '
                           'echo $s $e $(grep -c "^200$" /tmp/codes)' % (requests, url))
        start, end, ok = out.split()
        return int(ok) / (float(end) - float(start)), int(ok)
    via, direct, again = [], [], []
    # 'again' is the direct path measured a second time in the same round: an A/A control whose
    # ratio to 'direct' shows how finely this lab resolves a difference between two paths at all
    paths = {'vip': (URL, via), 'direct': ('http://%s/' % NODES['web1'], direct),
             'again': ('http://%s/' % NODES['web1'], again)}
    names = ('vip', 'direct', 'again')
    settled()
    for number in range(rounds):
        # each round measures the paths back to back, each first in turn: whatever the previous
        # step or round leaves running in the guest (ssh sessions, podman exec) slows them alike
        order = names[number % 3:] + names[:number % 3]
        for path in order:
            url, rates = paths[path]
            time.sleep(2)  # let the previous measurement's connections and processes wind down
            r, ok = rate(url)
            assert ok == requests, 'only %d of %d requests %s answered' % (ok, requests, path)
            rates.append(r)
        log('forwarding round %d (%s first): via VIP %.0f req/s, direct %.0f, direct again %.0f; '
            'ratio %.2f, control %.2f' % (number + 1, order[0], via[-1], direct[-1], again[-1],
                                          via[-1] / direct[-1], again[-1] / direct[-1]))
    # the verdict: the ratio of the two medians (per-round ratios are kept to show the spread)
    rounds_ratio = [v / d for v, d in zip(via, direct)]
    control = [a / d for a, d in zip(again, direct)]
    return {'via_vip_rps': summary(via), 'direct_rps': summary(direct), 'direct_again_rps': summary(again),
            'round_ratios': [round(r, 3) for r in rounds_ratio], 'control_ratios': [round(r, 3) for r in control],
            'requests_per_path_and_round': requests, 'rounds': rounds,
            'ratio': round(statistics.median(via) / statistics.median(direct), 3),
            'control_ratio': round(statistics.median(again) / statistics.median(direct), 3)}


# --- 3. ipvsadm at scale --------------------------------------------------------------------------

def ipvsadm_scale(per_entry):
    """tests/bench/ipvsadm-scale (drives the lab guest itself) -> its result plus table rows."""
    tool = os.path.join(REPO, 'tests', 'bench', 'ipvsadm-scale')
    with tempfile.NamedTemporaryFile(suffix='.json', delete=False) as handle:
        path = handle.name
    try:
        proc = subprocess.run([tool, '--per-entry', per_entry, '--save', path], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        sys.stderr.write(proc.stdout)
        if proc.returncode != 0:
            return {'error': 'ipvsadm-scale rc=%d' % proc.returncode,
                    'rows': [{'measure': 'ipvsadm-scale failed (rc %d)' % proc.returncode,
                              'figure': '-', 'goal': '', 'ok': False}]}
        with open(path) as handle:
            result = json.load(handle)
    finally:
        os.unlink(path)
    result['rows'] = ipvsadm_rows(result)
    return result


def ipvsadm_rows(result):
    """Table rows of an ipvsadm-scale result (targets: ipvsadm_scale.TARGETS on TARGET_SHAPE):
    whole processes, median (min-max) and trials, ratios of the medians."""
    rows = []
    for shp in result['shapes']:
        met = shp['targets_met']
        # the targets are stated for one shape; the others show how time grows (no target)
        targeted = (shp['services'], shp['reals']) == scale_tool.TARGET_SHAPE

        def goal(text, targeted=targeted):
            return text if targeted else ''

        def spread(values):
            return '%.2f (%.2f-%.2f, n=%d)' % (values['median'], values['min'], values['max'], values['n'])

        name = '%s (%s lines)' % (shp['shape'], '{:,}'.format(shp['lines']))
        rows.append({'measure': '%s: module process from empty / bare ipvsadm -R process, s' % name,
                     'figure': '%s / %s = %.2f' % (spread(shp['module_empty']), spread(shp['restore']),
                                                   shp['empty_ratio']),
                     'goal': goal('<= %s' % scale_tool.TARGETS['empty_ratio']), 'ok': met['empty_ratio']})
        if shp.get('per_entry'):
            rows.append({'measure': '  per-entry (%s) / module process from empty, s'
                                    % ('extrapolated' if shp['per_entry']['extrapolated'] else 'every line'),
                         'figure': '%.0f / %.2f = %.0fx'
                                   % (shp['per_entry']['s'], shp['module_empty']['median'], shp['speedup']),
                         'goal': goal('>= %gx' % scale_tool.TARGETS['speedup']), 'ok': met['speedup']})
        rows.append({'measure': '  module process no-op (changed: false) / bare ipvsadm -Sn process, s',
                     'figure': '%s / %s = %.2f' % (spread(shp['noop']), spread(shp['save']), shp['noop_ratio']),
                     'goal': goal('<= %s' % scale_tool.TARGETS['noop_ratio']), 'ok': met['noop_ratio']})
        rows.append({'measure': '  1%% change: batch lines issued / lines changed (n=%d)' % shp['change']['n'],
                     'figure': '%d / %d' % (shp['change']['commands'], shp['change']['lines']),
                     'goal': 'equal', 'ok': met['change_only']})
    return rows


STEPS = ('site', 'realserver', 'kill', 'pause', 'cut', 'stop', 'forwarding', 'soak', 'ipvsadm')


def span(values):
    """'median (min-max, n=N) s' of a summary()."""
    if not values.get('n'):
        return 'no data'
    return '%.2f (%.2f-%.2f, n=%d) s' % (values['median'], values['min'], values['max'], values['n'])


def table(results):
    """One row per figure: target, measure, figure, goal, verdict. The verdict is computed the
    plain way: 'yes' or 'NOT MET' against the goal; '-' for a row with no goal; 'no verdict'
    for rows that do not measure what the goal is about."""
    rows = []

    def row(target, measure, figure, goal, ok, verdict=None):
        rows.append((target, measure, figure, goal,
                     verdict or ('-' if not goal else 'yes' if ok else 'NOT MET')))
    for kind in ('kill', 'pause'):
        if kind in results:
            # the container's network namespace keeps forwarding while VRRP moves: these trials
            # show that a frozen or killed keepalived does not stop traffic, not a failover time
            o = results[kind]['outage_s']
            what = {'kill': 'master container killed', 'pause': 'master container paused'}[kind]
            row('1', '%s (no failover measured: its netns keeps forwarding): client outage' % what,
                span(o), '', True, 'no verdict')
            t = results[kind]['takeover_s']
            if t.get('n'):
                row('1', '  dir2 MASTER after the %s' % kind, span(t), '', True)
    if 'cut' in results:
        o = results['cut']['outage_s']
        row('1', "master's cable pulled (failover): client outage, worst trial", span(o), '<= 1.0 s',
            o.get('n', 0) >= 5 and o['max'] <= 1.0)
        t = results['cut']['takeover_s']
        if t.get('n'):
            row('1', '  dir2 MASTER after the cut', span(t), '', True)
    if 'stop' in results:
        f = results['stop']['failed_requests']
        row('1', 'clean keepalived stop: failed requests per trial', ' '.join(map(str, f)), '0', not any(f))
        if 'failed_after_start' in results['stop']:
            f = results['stop']['failed_after_start']
            row('1', '  then a plain start (dir1 preempts): failed per trial', ' '.join(map(str, f)), '', True)
    if 'soak' in results:
        s = results['soak']
        n = sum(s['transitions'].values())
        row('1', 'idle soak %d s: VRRP transitions' % s['seconds'], str(n), '0', n == 0 and s['holders_at_end'] == ['dir1'])
    if 'realserver' in results:
        r = results['realserver']
        row('2', 'nginx stopped -> out of IPVS, worst trial', span(r['removed_s']), '<= 2 s',
            r['removed_s'].get('max', 99) <= 2)
        row('2', '  same, from `systemctl stop` issued', span(r['removed_after_command_s']), '', True)
        row('2', 'requests answered by it after removal', str(sum(r['answered_after_removal'])), '0',
            not sum(r['answered_after_removal']))
        row('2', 'nginx started -> back in IPVS, worst trial', span(r['back_s']), '<= 2 s',
            r['back_s'].get('max', 99) <= 2)
        row('2', '  same, from `systemctl start` issued', span(r['back_after_command_s']), '', True)
    if 'site' in results:
        s = results['site']
        row('4', 'site.yml first run (changed/tasks), n=1', '%s s (%d/%d)' % s['first'], '', True)
        row('4', 'site.yml rerun (changed/tasks), n=1', '%s s (%d/%d)' % s['rerun'], '0 changed', s['rerun'][1] == 0)
        row('4', 'site.yml one weight changed (changed/tasks), n=1', '%s s (%d/%d)' % s['weight_change'], '', True)
        row('4', 'rerun / first run', '%.0f %%' % (100 * s['rerun_ratio']), '< 40 %', s['rerun_ratio'] < 0.4)
    if 'forwarding' in results:
        f = results['forwarding']
        v, d = f['via_vip_rps'], f['direct_rps']
        row('5', 'requests/s via VIP, median (min-max, rounds)',
            '%.0f (%.0f-%.0f, n=%d)' % (v['median'], v['min'], v['max'], v['n']), '', True)
        row('5', 'requests/s direct to web1, median (min-max, rounds)',
            '%.0f (%.0f-%.0f, n=%d)' % (d['median'], d['min'], d['max'], d['n']), '', True)
        row('5', 'forwarding: ratio of the medians (per round %.2f-%.2f)'
            % (min(f['round_ratios']), max(f['round_ratios'])),
            '%.2f' % f['ratio'], '>= 0.9', len(f['round_ratios']) >= 6 and f['ratio'] >= 0.9)
        if 'control_ratio' in f:
            row('5', '  control: direct again / direct, ratio of the medians (per round %.2f-%.2f)'
                % (min(f['control_ratios']), max(f['control_ratios'])), '%.2f' % f['control_ratio'], '', True)
    for line in (results.get('ipvsadm') or {}).get('rows', []):
        row('3', line['measure'], line['figure'], line.get('goal', ''), line.get('ok', True))
    width = [max(len(r[i]) for r in rows + [('#', 'measure', 'figure', 'target', 'met')]) for i in range(5)]
    fmt = '| %s |' % ' | '.join('%%-%ds' % w for w in width)
    lines = [fmt % ('#', 'measure', 'figure', 'target', 'met'), fmt % tuple('-' * w for w in width)]
    lines += [fmt % r for r in rows]
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--only', default=','.join(STEPS), help='comma-separated steps of: ' + ', '.join(STEPS))
    parser.add_argument('--trials', type=int, default=5)
    parser.add_argument('--soak', type=int, default=600, help='idle soak seconds')
    parser.add_argument('--json', help='also write the figures here')
    parser.add_argument('--configured', action='store_true',
                        help='the containers already run site.yml (skip configuring them when the site step is not run)')
    parser.add_argument('--per-entry', default='sample', choices=('sample', 'full', 'off'),
                        help='ipvsadm step: per-entry baseline on the first 1,010 lines of each shape '
                             '(sample), on every line (full: about 1 hour more) or none')
    args = parser.parse_args()
    steps = [s for s in args.only.split(',') if s]
    for step in steps:
        if step not in STEPS:
            parser.error('unknown step %s' % step)
    results = {'started': time.strftime('%Y-%m-%d %H:%M:%S')}
    if 'site' in steps:
        results['site'] = site_runs()
    elif set(steps) - {'ipvsadm'} and not args.configured:
        log('site.yml (to configure the fresh containers): %s s, %d changed of %d' % playbook())
    with open(os.path.join(REPO, 'tests', 'bench', 'lvs-outage')) as handle:
        subprocess.run(['ssh', '-F', os.environ['LVS_MOLECULE_SSH_CONFIG'], 'root@' + NODES['client'],
                        'cat > /usr/local/bin/lvs-outage'], input=handle.read(), universal_newlines=True, check=True)
    if 'realserver' in steps:
        results['realserver'] = real_server(args.trials)
    for kind in ('kill', 'pause', 'cut'):
        if kind in steps:
            results[kind] = director_death(kind, args.trials)
    if 'stop' in steps:
        results['stop'] = clean_stop(args.trials)
    if 'forwarding' in steps:
        results['forwarding'] = forwarding(2000, 6)
    if 'soak' in steps:
        results['soak'] = soak(args.soak)
    if 'ipvsadm' in steps:
        results['ipvsadm'] = ipvsadm_scale(args.per_entry)
    results['table'] = table(results)
    print(results['table'])
    if args.json:
        with open(args.json, 'w') as handle:
            json.dump(results, handle, indent=1, sort_keys=True)


if __name__ == '__main__':
    main()
