# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest side of tests/bench/ipvsadm-scale: runs next to a real IPVS kernel.

Python 3 standard library only. The host side copies this file, the collection and Ansible's
module_utils into the lab guest and runs it in a privileged container of the node image (the
guest itself has no python3), each trial inside a fresh network namespace of its own:

  ipvsadm_scale_guest.py info                      environment facts (JSON)
  ipvsadm_scale_guest.py prepare S R               write the rule files and module args
  ipvsadm_scale_guest.py restore S R               bare `ipvsadm -R` from empty, then `-Sn`
  ipvsadm_scale_guest.py module S R [FORM]         module from empty, -Sn, no-op, -Sn, 1% change
                                                   (FORM: table, the default, or services)
  ipvsadm_scale_guest.py per-entry S R [LINES]     one ipvsadm process per line

Every command prints one JSON document on stdout. Timings are wall-clock seconds taken with
time.perf_counter() around the child process (the bare tools) or read from the module's own
`elapsed` result (the module); the module's process wall time is reported as well. CPU
seconds (user + system, getrusage of the waited-for children; the module's own `cpu` result)
come alongside: on the shared lab CPU they vary far less than the wall clock.
Rules use 198.18.0.0/15 (benchmark addresses): virtual services 198.18.x.y:80, real servers
198.19.x.y:80, direct routing, weight 1. Nothing is sent to them.
"""

import json
import os
import platform
import resource
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(BENCH, 'lib')
DATA = os.path.join(BENCH, 'data')
MODULE = 'ansible_collections.lvs.cluster.plugins.modules.ipvsadm'
IPVSADM = 'ipvsadm'
FORMS = ('table', 'services')
ENV = dict(os.environ, LC_ALL='C', LANG='C')


def vip(index):
    return '198.18.%d.%d' % (index // 250, index % 250 + 1)


def rip(index):
    return '198.19.%d.%d' % (index // 250, index % 250 + 1)


def service_line(svc):
    return '-A -t %s:80 -s wlc' % vip(svc)


def dest_line(svc, real, weight=1):
    return '-a -t %s:80 -r %s:80 -g -w %d' % (vip(svc), rip(real), weight)


def module_args(table, form):
    """table: [(service index, [(real index, weight), ...]), ...] -> module arguments, as the
    director role passes them. ``services``: one dict per service and real server, shaped as
    the lvs.cluster.ipvsadm_services filter returns them; ``table``: the same services as
    ipvsadm -S lines (DesiredState.table_text of the collection, which renders them)."""
    services = []
    for svc, reals in table:
        services.append(dict(protocol='tcp', address=vip(svc), port=80, scheduler='wlc',
                             real_servers=[dict(address=rip(r), port=80, weight=w,
                                                method='route') for r, w in reals]))
    if form == 'services':
        return {'ANSIBLE_MODULE_ARGS': dict(services=services, purge=True)}
    if LIB not in sys.path:
        sys.path.insert(0, LIB)
    from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_desired import DesiredState
    text = DesiredState.from_params(services).table_text()
    return {'ANSIBLE_MODULE_ARGS': dict(table=text, purge=True)}


def table_lines(table):
    lines = []
    for svc, reals in table:
        lines.append(service_line(svc))
        lines.extend(dest_line(svc, r, w) for r, w in reals)
    return lines


def change_plan(services, reals):
    """1% of the lines (at least one), spread over the services, in thirds: weight edits,
    removed real servers, added real servers. -> (changed table, kinds count, k)."""
    total = services * (reals + 1)
    k = max(1, int(round(total / 100.0)))
    table = dict((s, dict((r, 1) for r in range(reals))) for s in range(services))
    kinds = dict(edited_real_servers=0, removed_real_servers=0, added_real_servers=0)
    for c in range(k):
        svc, nth = c % services, c // services
        kind = c % 3
        if kind == 0:
            table[svc][nth] = 2
            kinds['edited_real_servers'] += 1
        elif kind == 1:
            del table[svc][nth]
            kinds['removed_real_servers'] += 1
        else:
            table[svc][reals + nth] = 1
            kinds['added_real_servers'] += 1
    out = [(s, sorted(table[s].items())) for s in range(services)]
    return out, kinds, k


def shape_dir(services, reals):
    return os.path.join(DATA, '%dx%d' % (services, reals))


def write(path, text):
    with open(path, 'w') as handle:
        handle.write(text)


def prepare(services, reals):
    where = shape_dir(services, reals)
    if not os.path.isdir(where):
        os.makedirs(where)
    full = [(s, [(r, 1) for r in range(reals)]) for s in range(services)]
    lines = table_lines(full)
    write(os.path.join(where, 'rules.txt'), '\n'.join(lines) + '\n')
    changed, kinds, k = change_plan(services, reals)
    write(os.path.join(where, 'change-rules.txt'), '\n'.join(table_lines(changed)) + '\n')
    for form in FORMS:
        write(os.path.join(where, '%s-args.json' % form), json.dumps(module_args(full, form)))
        write(os.path.join(where, '%s-change-args.json' % form),
              json.dumps(module_args(changed, form)))
    meta = dict(services=services, reals=reals, lines=len(lines), change_lines=k,
                change_summary=kinds)
    write(os.path.join(where, 'meta.json'), json.dumps(meta))
    return meta


def load(services, reals, name):
    with open(os.path.join(shape_dir(services, reals), name)) as handle:
        return handle.read()


CPU = {}     # command -> CPU seconds (user + system) of its last timed run


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv, stdin=None, stdout=None, name=None):
    """Run argv -> (seconds, rc, stderr text); its CPU seconds (with its own children's)
    go to CPU[name]."""
    fin = open(stdin) if stdin else subprocess.DEVNULL
    fout = open(stdout, 'w') if stdout else subprocess.DEVNULL
    try:
        cpu = children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(argv, stdin=fin, stdout=fout, stderr=subprocess.PIPE, env=ENV,
                              check=False)
        seconds = time.perf_counter() - start
        CPU[name or argv[-1]] = children_cpu() - cpu
    finally:
        if stdin:
            fin.close()
        if stdout:
            fout.close()
    return seconds, proc.returncode, proc.stderr.decode('utf-8', 'replace')


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def save_text():
    proc = subprocess.run([IPVSADM, '-Sn'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=ENV, check=True)
    return proc.stdout.decode()


def same_table(text, expected):
    """Same set of lines (ipvsadm's listing order is its own business)."""
    return sorted(text.splitlines()) == sorted(expected.splitlines())


def timed_save(services, reals, expected_name):
    """Time a bare `ipvsadm -Sn > file` and check what it printed."""
    out = os.path.join(BENCH, 'save.out')
    seconds, rc, err = timed([IPVSADM, '-Sn'], stdout=out)
    check(rc == 0 and not err, 'ipvsadm -Sn failed (rc=%d): %s' % (rc, err[:300]))
    with open(out) as handle:
        check(same_table(handle.read(), load(services, reals, expected_name)),
              'ipvsadm -Sn does not show %s' % expected_name)
    os.unlink(out)
    return seconds


def empty_namespace():
    """Loopback up (IPVS refuses direct-routing real servers while the namespace has no
    route to them), and an empty table."""
    subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
    check(save_text() == '', 'this network namespace already has IPVS rules')


def clear():
    """Empty the table before the namespace goes (so that its teardown, asynchronous in the
    kernel, has nothing left to do while the next trial runs) -> seconds of `ipvsadm -C`."""
    seconds, rc, err = timed([IPVSADM, '-C'])
    check(rc == 0 and not err, 'ipvsadm -C failed (rc=%d): %s' % (rc, err[:300]))
    return seconds


def restore(services, reals):
    empty_namespace()
    rules = os.path.join(shape_dir(services, reals), 'rules.txt')
    seconds, rc, err = timed([IPVSADM, '-R'], stdin=rules)
    check(rc == 0 and not err, 'ipvsadm -R failed (rc=%d): %s' % (rc, err[:300]))
    restore_cpu = CPU['-R']
    save = timed_save(services, reals, 'rules.txt')
    return dict(restore=seconds, restore_cpu=restore_cpu, save=save, save_cpu=CPU['-Sn'],
                clear=clear())


def run_module(services, reals, args_name):
    env = dict(ENV, PYTHONPATH=LIB)
    args = os.path.join(shape_dir(services, reals), args_name)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, '-m', MODULE, args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, cwd=BENCH, check=False)
    wall = time.perf_counter() - start
    try:
        result = json.loads(proc.stdout.decode())
    except ValueError:
        raise Failure('module printed no JSON (rc=%d): %s %s'
                      % (proc.returncode, proc.stdout[-500:], proc.stderr[-500:]))
    check(not result.get('failed'), 'module failed: %s' % result.get('msg'))
    elapsed = result['elapsed']
    return dict(changed=result['changed'], commands=len(result['commands']),
                summary=result['summary'], wall=wall,
                cpu=dict((k, v) for k, v in result['cpu'].items()), **elapsed)


def module(services, reals, form='table'):
    meta = json.loads(load(services, reals, 'meta.json'))
    empty_namespace()
    first = run_module(services, reals, '%s-args.json' % form)
    check(first['changed'] and first['commands'] == meta['lines'],
          'from empty: changed=%s with %d commands, expected %d'
          % (first['changed'], first['commands'], meta['lines']))
    save = timed_save(services, reals, 'rules.txt')
    save_cpu = CPU['-Sn']
    noop = run_module(services, reals, '%s-args.json' % form)
    check(not noop['changed'] and noop['commands'] == 0,
          'rerun: changed=%s with %d commands' % (noop['changed'], noop['commands']))
    save_after = timed_save(services, reals, 'rules.txt')
    save_after_cpu = CPU['-Sn']
    change = run_module(services, reals, '%s-change-args.json' % form)
    check(change['changed'] and change['commands'] == meta['change_lines'],
          '1%% change: %d commands, expected %d' % (change['commands'], meta['change_lines']))
    for kind, count in meta['change_summary'].items():
        check(change['summary'][kind] == count, '1%% change: %s %d, expected %d'
              % (kind, change['summary'][kind], count))
    check(same_table(save_text(), load(services, reals, 'change-rules.txt')),
          '1% change: the table is not the changed rules')
    return dict(empty=first, save=save, save_cpu=save_cpu, noop=noop, save_after=save_after,
                save_after_cpu=save_after_cpu, change=change, clear=clear())


def per_entry(services, reals, lines=None):
    """One ipvsadm process per rule line, from a shell loop (the floor of what a role that
    runs `ipvsadm -A`/`-a` per entry pays; through Ansible tasks it is far slower)."""
    empty_namespace()
    rules = load(services, reals, 'rules.txt').splitlines()
    if lines:
        rules = rules[:lines]
    part = os.path.join(BENCH, 'per-entry.rules')
    write(part, '\n'.join(rules) + '\n')
    loop = 'while read -r line; do %s $line || exit 1; done' % IPVSADM
    seconds, rc, err = timed(['sh', '-c', loop], stdin=part, name='per-entry')
    check(rc == 0 and not err, 'per-entry loop failed (rc=%d): %s' % (rc, err[:300]))
    check(same_table(save_text(), '\n'.join(rules)), 'per-entry: the table is not the rules')
    os.unlink(part)
    return dict(per_entry=seconds, per_entry_cpu=CPU['per-entry'], lines=len(rules),
                clear=clear())


def info():
    def out(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=ENV, check=False).stdout.decode().strip()
        except OSError as exc:
            return str(exc)
    with open('/proc/loadavg') as handle:
        load_avg = handle.read().split()[:3]
    return dict(kernel=platform.release(), ipvsadm=out([IPVSADM, '--version']),
                python=platform.python_version(), cpus=os.cpu_count(), loadavg=load_avg)


def main(argv):
    command = argv[0]
    form = [a for a in argv[1:] if a in FORMS]
    numbers = [int(a) for a in argv[1:] if a not in FORMS]
    with open('/proc/loadavg') as handle:
        load_before = float(handle.read().split()[0])
    try:
        if command == 'info':
            result = info()
        elif command == 'prepare':
            result = prepare(*numbers)
        elif command == 'restore':
            result = restore(*numbers)
        elif command == 'module':
            result = module(*(numbers + form))
        elif command == 'per-entry':
            result = per_entry(*numbers)
        else:
            raise Failure('unknown command %r' % command)
    except (Failure, subprocess.CalledProcessError, OSError) as exc:
        print(json.dumps(dict(failed=True, msg=str(exc))))
        return 1
    result.setdefault('load', load_before)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
