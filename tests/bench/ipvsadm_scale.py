# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ipvsadm-scale: lvs.cluster.ipvsadm at scale on the lab's real IPVS kernel.

For each shape (virtual services x real servers), side by side in one run:
  - bare `ipvsadm -R` of the rules into an empty table (the tool's floor), before the first
    and after every repeat,
  - per repeat, the module from an empty table, a bare `ipvsadm -Sn` of the full table, the
    module again (no-op: changed false), another bare `ipvsadm -Sn`, and the module with 1% of
    the lines changed (the commands it issues are counted),
  - once per shape, the per-entry approach: one `ipvsadm` process per rule line.
Every figure is a whole process timed from outside: the bare tool, or the module as an Ansible
task runs it (`python3 -m ...ipvsadm ARGS.json`: interpreter start, imports, AnsibleModule's
argument validation, the module's work, its result). Each trial runs in a fresh network
namespace (IPVS tables are per namespace), inside a privileged container of the lab's node
image in the lab guest (python3 for the module lives there; the guest has none). Reported per
figure: median, min and max over the trials and their number; ratios are ratios of the medians.

  tests/bench/ipvsadm-scale [--shapes 100x100,1x1000,1000x10] [--repeat 6]
                            [--per-entry sample|full|off] [--form table|services]
                            [--json] [--save FILE]
  tests/bench/ipvsadm-scale --table-from FILE

Library use (tests/bench/run): `run(shapes, repeat, per_entry, ...)` returns the result dict
that `--json` prints; `format_table(result)` renders the table. Python 3 standard library
only; needs the lab (`tests/lab/labctl up`, run here, is idempotent) and an Ansible
installation on this host (its module_utils are copied into the guest, as Ansible itself
ships them with a module).
"""

import argparse
import io
import json
import os
import shlex
import statistics
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
LABCTL = os.path.join(REPO, 'tests', 'lab', 'labctl')
GUEST_SCRIPT = os.path.join(HERE, 'ipvsadm_scale_guest.py')

CONTAINER = 'lvsbench'
GUEST_DIR = '/root/lvsbench'
NODE_IMAGE = 'localhost/lvs-node:latest'
NETNS_PREFIX = 'lvsbench'
DEFAULT_SHAPES = '100x100,1x1000,1000x10'
SAMPLE_LINES = 1010          # per-entry sample: the 1,010 lines of scale.txt's measurement
TARGET_SHAPE = (100, 100)    # the shape the targets are stated for
TARGETS = dict(empty_ratio=2.0, speedup=50.0, noop_ratio=3.0)


def log(msg):
    print('ipvsadm-scale: ' + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------
# The lab
# ---------------------------------------------------------------------------

class Lab(object):
    """Runs shell commands where IPVS is: in the lab guest over ssh (guest mode) or here
    (local mode, a kernel with IPVS)."""

    def __init__(self):
        subprocess.run([LABCTL, 'up'], check=True, stdout=sys.stderr)
        env = subprocess.run([LABCTL, 'env'], check=True, stdout=subprocess.PIPE).stdout.decode()
        self.env = {}
        for line in env.splitlines():
            words = shlex.split(line)
            if len(words) == 2 and words[0] == 'export' and '=' in words[1]:
                name, dummy, value = words[1].partition('=')
                self.env[name] = value
        self.mode = self.env.get('LVS_LAB_MODE', 'guest')

    def argv(self, command):
        if self.mode == 'local':
            return ['sh', '-c', command]
        return ['ssh', '-F', self.env['LVS_LAB_SSH_CONFIG'], 'guest', command]

    def sh(self, command, data=None, check=True):
        proc = subprocess.run(self.argv(command), input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, check=False)
        if check and proc.returncode != 0:
            raise BenchError('%s: rc=%d %s' % (command[:200], proc.returncode,
                                               proc.stderr.decode(errors='replace')[-800:]))
        return proc.stdout.decode(errors='replace')


def payload():
    """tar of what the guest needs: the collection, Ansible's module_utils (what AnsiballZ
    would ship) and the guest script."""
    import ansible.module_utils   # pylint: disable=import-outside-toplevel
    utils = os.path.dirname(ansible.module_utils.__file__)
    skip = ('__pycache__',)

    def keep(info):
        return None if os.path.basename(info.name) in skip else info

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        init = tarfile.TarInfo('lib/ansible/__init__.py')
        init.size = 0
        tar.addfile(init, io.BytesIO(b''))
        tar.add(utils, 'lib/ansible/module_utils', filter=keep)
        for name in ('plugins', 'meta', 'galaxy.yml'):
            path = os.path.join(REPO, name)
            if os.path.exists(path):
                tar.add(path, 'lib/ansible_collections/lvs/cluster/' + name, filter=keep)
        tar.add(GUEST_SCRIPT, os.path.basename(GUEST_SCRIPT))
    return buf.getvalue()


class Bench(object):
    """The benchmark container in the lab and the trials run in it."""

    def __init__(self, lab, settle=3.0):
        self.lab = lab
        self.settle = settle
        self.count = 0

    def setup(self):
        lab = self.lab
        lab.sh('podman rm -f -t 0 %s >/dev/null 2>&1; rm -rf %s; mkdir -p %s'
               % (CONTAINER, GUEST_DIR, GUEST_DIR))
        lab.sh('tar -C %s -xf -' % GUEST_DIR, data=payload())
        lab.sh('podman run -d --name %s --privileged --network none -v %s:/bench %s '
               'sleep infinity >/dev/null' % (CONTAINER, GUEST_DIR, NODE_IMAGE))

    def teardown(self):
        self.lab.sh('podman rm -f -t 0 %s >/dev/null 2>&1; rm -rf %s' % (CONTAINER, GUEST_DIR),
                    check=False)

    def guest(self, *args, **kw):
        """Run the guest script (in a fresh network namespace unless netns=False) -> dict."""
        words = ' '.join(shlex.quote(str(a)) for a in args)
        script = 'python3 /bench/%s %s' % (os.path.basename(GUEST_SCRIPT), words)
        if kw.get('netns', True):
            self.count += 1
            name = '%s-%d' % (NETNS_PREFIX, self.count)
            script = ('ip netns add {n} && {{ ip netns exec {n} {s}; rc=$?; ip netns del {n}; '
                      'exit $rc; }}').format(n=name, s=script)
        out = self.lab.sh('podman exec %s sh -c %s' % (CONTAINER, shlex.quote(script)),
                          check=False)
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise BenchError('guest %s: no result: %s' % (words, out[-800:]))
        if result.get('failed'):
            raise BenchError('guest %s: %s' % (words, result.get('msg')))
        if kw.get('netns', True) and self.settle:
            time.sleep(self.settle)     # let the namespace's teardown finish
        return result


# ---------------------------------------------------------------------------
# Running and summarising
# ---------------------------------------------------------------------------

def parse_shapes(text):
    shapes = []
    for item in text.split(','):
        left, sep, right = item.strip().lower().partition('x')
        if not sep or not left.isdigit() or not right.isdigit() or not int(left) or not int(right):
            raise BenchError('shape %r: write SERVICESxREALS, e.g. 100x100' % item)
        if int(left) > 16000 or int(right) > 16000:
            raise BenchError('shape %r: at most 16000 of each (benchmark addresses)' % item)
        shapes.append((int(left), int(right)))
    return shapes


def median(values):
    return statistics.median(values) if values else None


def spread(values):
    """{'n', 'min', 'median', 'max'} of a list of seconds."""
    return dict(n=len(values), min=min(values), median=median(values), max=max(values))


PHASES = ('read', 'diff', 'apply', 'verify', 'total', 'arguments', 'wall')


def summarise(meta, samples, restores, per_entry):
    """samples: one per repeat, {'module': trial, 'restore_before': trial, 'restore_after':
    trial}; restores: every bare -R trial (one more than samples).

    Verdicts are ratios of medians of whole processes, as an Ansible task runs them: the
    module's process (python starting it with its arguments file: imports, AnsibleModule's
    argument validation, the module's work and its ipvsadm runs, the result printed) against
    the bare ipvsadm process. The module's own clock (``elapsed``, read/diff/apply/verify
    and Ansible's argument validation) is kept as detail only."""
    lines = meta['lines']
    mods = [s['module'] for s in samples]
    empty = [m['empty'] for m in mods]
    noop = [m['noop'] for m in mods]
    change = [m['change'] for m in mods]
    restore = spread([r['restore'] for r in restores])
    save = spread([m['save'] for m in mods] + [m['save_after'] for m in mods])
    empty_wall = spread([e['wall'] for e in empty])
    noop_wall = spread([n['wall'] for n in noop])
    change_wall = spread([c['wall'] for c in change])
    loads = [t['load'] for t in mods + restores]
    out = dict(
        shape='%dx%d' % (meta['services'], meta['reals']), services=meta['services'],
        reals=meta['reals'], lines=lines, repeats=len(samples),
        restore=restore, save=save, module_empty=empty_wall, noop=noop_wall,
        change=dict(change_wall, lines=meta['change_lines'], commands=change[0]['commands'],
                    summary=change[0]['summary']),
        empty_ratio=empty_wall['median'] / restore['median'],
        noop_ratio=noop_wall['median'] / save['median'],
        inside=dict(empty=dict((p, median([e[p] for e in empty])) for p in PHASES),
                    noop=dict((p, median([n[p] for n in noop])) for p in PHASES),
                    change=dict((p, median([c[p] for c in change])) for p in PHASES)),
        guest_load_range=[min(loads), max(loads)],
        samples=samples, restores=restores,
    )
    if per_entry:
        rate = per_entry['per_entry'] / per_entry['lines']
        out['per_entry'] = dict(measured_lines=per_entry['lines'], measured_s=per_entry['per_entry'],
                                per_line_ms=rate * 1000.0, s=rate * lines,
                                extrapolated=per_entry['lines'] != lines,
                                load=per_entry.get('load'))
        out['speedup'] = out['per_entry']['s'] / empty_wall['median']
    else:
        out['per_entry'] = None
        out['speedup'] = None
    met = dict(empty_ratio=out['empty_ratio'] <= TARGETS['empty_ratio'],
               noop_ratio=out['noop_ratio'] <= TARGETS['noop_ratio'],
               change_only=out['change']['commands'] == meta['change_lines'])
    if out['speedup'] is not None:
        met['speedup'] = out['speedup'] >= TARGETS['speedup']
    out['targets_met'] = met
    return out


def run(shapes=None, repeat=6, per_entry='sample', settle=3.0, lab=None, save=None, form='table'):
    """Run the benchmark -> result dict (what --json prints). ``save``: a file that gets the
    result so far as JSON after each shape (and at the end)."""
    if isinstance(shapes, str):
        shapes = parse_shapes(shapes)
    shapes = shapes or parse_shapes(DEFAULT_SHAPES)
    lab = lab or Lab()
    bench = Bench(lab, settle)
    started = time.time()
    log('setting up container %s in the lab (%s mode)' % (CONTAINER, lab.mode))
    bench.setup()
    try:
        result = dict(benchmark='ipvsadm-scale', started=time.strftime(
            '%Y-%m-%dT%H:%M:%S%z', time.localtime(started)), repeat=repeat, per_entry=per_entry,
            lab_mode=lab.mode, form=form, environment=bench.guest('info', netns=False),
            host_loadavg=os.getloadavg(), targets=TARGETS, shapes=[])
        for services, reals in shapes:
            meta = bench.guest('prepare', services, reals, netns=False)
            log('%dx%d: %d lines, %d repeats' % (services, reals, meta['lines'], repeat))
            samples = []
            restores = [bench.guest('restore', services, reals)]
            for i in range(repeat):
                sample = dict(restore_before=restores[-1])
                sample['module'] = bench.guest('module', services, reals, form)
                restores.append(bench.guest('restore', services, reals))
                sample['restore_after'] = restores[-1]
                samples.append(sample)
                mod = sample['module']
                log('  repeat %d: -R %.2f|%.2f s, module %.2f s, -Sn %.2f|%.2f s, no-op %.2f s '
                    '(whole processes)'
                    % (i + 1, sample['restore_before']['restore'],
                       sample['restore_after']['restore'], mod['empty']['wall'], mod['save'],
                       mod['save_after'], mod['noop']['wall']))
            entry = None
            if per_entry != 'off':
                lines = None if per_entry == 'full' else SAMPLE_LINES
                log('  per-entry: %d lines' % min(lines or meta['lines'], meta['lines']))
                entry = bench.guest('per-entry', services, reals, *([lines] if lines else []))
            summary = summarise(meta, samples, restores, entry)
            result['shapes'].append(summary)
            if save:
                write_json(save, dict(result, partial=True))
            log('  %s' % ', '.join('%s %s' % (k, 'ok' if v else 'MISSED')
                                   for k, v in sorted(summary['targets_met'].items())))
    finally:
        bench.teardown()
    result['seconds'] = round(time.time() - started, 1)
    if save:
        write_json(save, result)
    return result


def write_json(path, result):
    with open(path, 'w') as handle:
        json.dump(result, handle, indent=1, sort_keys=True)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _f(value, digits=2):
    return '-' if value is None else '%.*f' % (digits, value)


def _spread(values):
    """'median (min-max)' of a spread()."""
    return '%s (%s-%s)' % (_f(values['median']), _f(values['min']), _f(values['max']))


def format_table(result):
    head = ['shape', 'lines', 'n', 'ipvsadm -R s', 'module from empty s', 'ratio',
            'per-entry s', 'speedup', 'ipvsadm -Sn s', 'module no-op s', 'ratio',
            '1% change: commands, s']
    rows = []
    for shp in result['shapes']:
        pe = shp['per_entry']
        if pe is None:
            per = '-'
        elif pe['extrapolated']:
            per = '%s (est.)' % _f(pe['s'], 1)
        else:
            per = _f(pe['s'], 1)
        rows.append([
            shp['shape'], '{:,}'.format(shp['lines']),
            '%d/%d/%d' % (shp['restore']['n'], shp['module_empty']['n'], shp['save']['n']),
            _spread(shp['restore']), _spread(shp['module_empty']), _f(shp['empty_ratio']), per,
            '-' if shp['speedup'] is None else '%.0fx' % shp['speedup'],
            _spread(shp['save']), _spread(shp['noop']), _f(shp['noop_ratio']),
            '{:,} of {:,} lines, {}'.format(shp['change']['commands'], shp['lines'],
                                            _f(shp['change']['median'])),
        ])
    widths = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]

    def line(cells):
        return '| ' + ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths)) + ' |'
    out = [line(head), '|' + '|'.join('-' * (w + 2) for w in widths) + '|']
    out.extend(line(r) for r in rows)
    out.append('')
    out.append('Whole processes, wall clock: median (min-max) seconds; n = trials of bare -R / '
               'module runs / bare -Sn. Ratios are ratios of the medians. The module runs as an '
               'Ansible task runs it (python3 starting it with its arguments file, option form: '
               '%s). Targets (%dx%d): from empty <= %.1fx ipvsadm -R, >= %.0fx faster than '
               'per-entry, no-op <= %.1fx ipvsadm -Sn, a 1%% change issues only its lines.'
               % (result.get('form', 'table'), TARGET_SHAPE[0], TARGET_SHAPE[1],
                  TARGETS['empty_ratio'], TARGETS['speedup'], TARGETS['noop_ratio']))
    for shp in result['shapes']:
        pe = shp['per_entry']
        extra = []
        if pe is not None:
            extra.append('per-entry %.1f ms/line (%s lines measured in %.1f s%s)'
                         % (pe['per_line_ms'], '{:,}'.format(pe['measured_lines']),
                            pe['measured_s'], ', extrapolated linearly' if pe['extrapolated']
                            else ''))
        ins = shp['inside']
        extra.append('inside the module process (medians): from empty arguments %s, read %s, '
                     'diff %s, apply %s, verify %s s; no-op arguments %s, read %s, diff %s s'
                     % (tuple(_f(ins['empty'][p]) for p in ('arguments', 'read', 'diff', 'apply',
                                                            'verify'))
                        + tuple(_f(ins['noop'][p]) for p in ('arguments', 'read', 'diff'))))
        extra.append('guest load %.1f-%.1f' % tuple(shp['guest_load_range']))
        met = ', '.join('%s %s' % (k, 'met' if v else 'NOT MET')
                        for k, v in sorted(shp['targets_met'].items()))
        out.append('%s: %s; targets: %s.' % (shp['shape'], '; '.join(extra), met))
    env = result['environment']
    out.append('Lab: kernel %s, %s, python %s, %s CPUs, guest load %s at start, host load %s; '
               '%s.' % (env['kernel'], env['ipvsadm'].split(' (')[0], env['python'],
                        env['cpus'], ' '.join(env['loadavg']),
                        ' '.join('%.2f' % x for x in result['host_loadavg']),
                        'partial result (the run did not finish)' if result.get('partial')
                        else '%s s in all, started %s' % (result['seconds'], result['started'])))
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='ipvsadm-scale', description=__doc__.split('\n\n', maxsplit=1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--shapes', default=DEFAULT_SHAPES,
                        help='comma-separated SERVICESxREALS (default %(default)s)')
    parser.add_argument('--repeat', type=int, default=6, help='repeats per shape (default 6)')
    parser.add_argument('--form', choices=('table', 'services'), default='table',
                        help='how the module gets the table: the table option (what the director '
                             'role passes, default) or the services option (one dict per entry)')
    parser.add_argument('--per-entry', choices=('sample', 'full', 'off'), default='sample',
                        help='per-entry baseline: the first %d lines, extrapolated linearly '
                             '(sample, default), every line (full), or none' % SAMPLE_LINES)
    parser.add_argument('--settle', type=float, default=3.0,
                        help='seconds to wait after each trial (namespace teardown)')
    parser.add_argument('--json', action='store_true', help='print the result as JSON')
    parser.add_argument('--save', metavar='FILE',
                        help='also write the result as JSON to FILE (after each shape, too)')
    parser.add_argument('--table-from', metavar='FILE',
                        help='print the table of a result saved with --save (no lab needed)')
    parser.add_argument('--check-targets', action='store_true',
                        help='exit 3 when a target of the %dx%d shape is missed' % TARGET_SHAPE)
    opts = parser.parse_args(argv)
    if opts.table_from:
        with open(opts.table_from) as handle:
            print(format_table(json.load(handle)))
        return 0
    try:
        result = run(opts.shapes, opts.repeat, opts.per_entry, opts.settle, save=opts.save,
                     form=opts.form)
    except (BenchError, subprocess.CalledProcessError) as exc:
        log('failed: %s' % exc)
        return 1
    if opts.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(format_table(result))
    if opts.check_targets:
        for shp in result['shapes']:
            if (shp['services'], shp['reals']) == TARGET_SHAPE and \
                    not all(shp['targets_met'].values()):
                return 3
    return 0


if __name__ == '__main__':
    sys.exit(main())
