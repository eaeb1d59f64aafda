# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the ipvsadm module's main() with run_command replaced by a fake ipvsadm that
replays output recorded from a real IPVS kernel (tests/unit/fixtures/ipvsadm)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import json
import os

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.lvs.cluster.plugins.module_utils import ipvs_parse
from ansible_collections.lvs.cluster.plugins.modules import ipvsadm as ipvsadm_module

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures', 'ipvsadm')
BIN = '/sbin/ipvsadm'


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


class FakeIpvsadm(object):
    """A kernel table behind ``ipvsadm``: -Sn and -Ln --thresholds print the current texts;
    -R records its stdin, answers ``restore`` (rc, stdout, stderr) and then switches the
    table to ``after`` (what a real kernel would show next)."""

    def __init__(self, save, thresholds=None, after=None, after_thresholds=None,
                 restore=(0, '', ''), save_rc=(0, '')):
        self.save = save
        self.thresholds = thresholds if thresholds is not None else fixture(
            'list_thresholds.txt')
        self.after = after
        self.after_thresholds = after_thresholds
        self.restore_answer = restore
        self.save_rc = save_rc
        self.calls = []
        self.batches = []

    def __call__(self, module, args, **kwargs):
        assert args[0] == BIN
        assert kwargs.get('environ_update', {}).get('LC_ALL') == 'C'
        argv = tuple(args[1:])
        self.calls.append(argv)
        if argv == ('-S', '-n'):
            return self.save_rc[0], self.save, self.save_rc[1]
        if argv == ('-L', '-n', '--thresholds'):
            return 0, self.thresholds, ''
        if argv == ('-R',):
            assert 'before_communicate_callback' in kwargs
            self.batches.append(kwargs['data'])
            if self.after is not None:
                self.save = self.after
            if self.after_thresholds is not None:
                self.thresholds = self.after_thresholds
            return self.restore_answer
        raise AssertionError('unexpected ipvsadm call %r' % (argv,))


def run_module(monkeypatch, fake, check_mode=False, diff=False, **params):
    args = dict(params, _ansible_check_mode=check_mode, _ansible_diff=diff)

    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    def run_command(self, args, **kwargs):
        return fake(self, args, **kwargs)

    monkeypatch.setattr(basic, '_ANSIBLE_ARGS',
                        to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                        lambda self, name, required=False, opt_dirs=None: BIN)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    with pytest.raises(ModuleExit) as caught:
        ipvsadm_module.main()
    return caught.value


def as_options(table_text):
    """Module options that declare exactly the table of ``table_text``: ipvsadm_info's shape
    without its read-only keys and without nulls (as a playbook would omit them)."""
    services = []
    for svc in ipvs_parse.table_to_list(ipvs_parse.parse_save(table_text)):
        svc = dict((k, v) for k, v in svc.items() if v is not None and k != 'key')
        if 'fwmark' not in svc:
            del svc['family']
        svc['real_servers'] = [dict((k, v) for k, v in rs.items()
                                    if v is not None and k != 'family')
                               for rs in svc['real_servers']]
        services.append(svc)
    return services


def recorded_services():
    return as_options(fixture('save_n.txt'))


def service(services, **match):
    [svc] = [s for s in services if all(s.get(k) == v for k, v in match.items())]
    return svc


def real_server(svc, address):
    [rs] = [r for r in svc['real_servers'] if r['address'] == address]
    return rs


SAVE = fixture('save_n.txt')


def test_no_op_reads_once_and_changes_nothing(monkeypatch):
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, services=recorded_services())
    assert not out.failed
    assert out.result['changed'] is False
    assert out.result['commands'] == []
    assert fake.calls == [('-S', '-n')]
    assert set(out.result['elapsed']) == {'read', 'diff', 'apply', 'verify', 'total',
                                          'arguments'}
    assert out.result['elapsed']['apply'] == 0.0
    assert set(out.result['cpu']) == {'read', 'diff', 'apply', 'verify', 'total'}
    assert out.result['cpu']['apply'] == 0.0
    assert 'diff' not in out.result


def test_no_op_in_diff_mode_still_shows_the_table(monkeypatch):
    """The no-op needs no parsing, but diff mode shows the parsed table: before == after."""
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, diff=True, services=recorded_services())
    assert out.result['changed'] is False
    assert out.result['diff'] == dict(before=SAVE, after=SAVE)
    assert fake.calls == [('-S', '-n')]


def test_unlisted_service_under_purge_is_removed_and_checked(monkeypatch):
    """A table with one service too many is not the desired state: parsed, planned, the
    removal applied, and the table read back is recognised as the desired one."""
    extra = '-A -t 192.0.2.200:80 -s rr\n-a -t 192.0.2.200:80 -r 192.0.2.9:80 -g -w 1\n'
    fake = FakeIpvsadm(SAVE + extra, after=SAVE)
    out = run_module(monkeypatch, fake, purge=True, services=recorded_services())
    assert not out.failed, out.result
    assert out.result['commands'] == ['-D -t 192.0.2.200:80']
    assert fake.calls == [('-S', '-n'), ('-R',), ('-S', '-n')]
    assert out.result['elapsed']['verify'] > 0


def test_weight_edit_applies_one_e_line_and_verifies(monkeypatch):
    services = recorded_services()
    real_server(service(services, address='192.0.2.100', port=80), '192.0.2.10')['weight'] = 5
    line = '-e -t 192.0.2.100:80 -r 192.0.2.10:80 -g -w 5'
    after = SAVE.replace('-r 192.0.2.10:80 -g -w 3', '-r 192.0.2.10:80 -g -w 5')
    fake = FakeIpvsadm(SAVE, after=after)
    out = run_module(monkeypatch, fake, services=services)
    assert not out.failed, out.result
    assert out.result['changed'] is True
    assert out.result['commands'] == [line]
    assert fake.batches == [line]
    # -e resets thresholds it is not given and -Sn does not show them: read them first
    # (recorded: 0/0 for this real server, so the line carries none); the check afterwards
    # needs no thresholds, the module manages none
    assert fake.calls == [('-S', '-n'), ('-L', '-n', '--thresholds'), ('-R',), ('-S', '-n')]
    assert out.result['summary']['edited_real_servers'] == 1
    assert all(v >= 0 for v in out.result['elapsed'].values())


def test_check_mode_makes_no_apply_call(monkeypatch):
    services = recorded_services()
    service(services, address='192.0.2.101', port=80)['scheduler'] = 'wlc'
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, check_mode=True, services=services)
    assert not out.failed
    assert out.result['changed'] is True
    assert out.result['commands'] == ['-E -t 192.0.2.101:80 -s wlc']
    assert ('-R',) not in fake.calls
    assert fake.batches == []


def test_diff_mode_returns_before_and_after_in_save_form(monkeypatch):
    services = recorded_services()
    service(services, address='192.0.2.101', port=80)['scheduler'] = 'wlc'
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, check_mode=True, diff=True, services=services)
    assert out.result['diff']['before'] == SAVE
    assert out.result['diff']['after'] == SAVE.replace('-A -t 192.0.2.101:80 -s rr',
                                                       '-A -t 192.0.2.101:80 -s wlc')


def test_full_build_from_an_empty_table(monkeypatch):
    """From nothing, the batch is the recorded -Sn text; read back, that is what the kernel
    shows, so the module succeeds."""
    fake = FakeIpvsadm('', after=SAVE)
    out = run_module(monkeypatch, fake, services=recorded_services())
    assert not out.failed, out.result
    assert fake.batches == [SAVE.rstrip('\n')]
    assert out.result['summary']['added_services'] == 13
    assert out.result['summary']['added_real_servers'] == 10


def test_recorded_failing_middle_line_is_reported(monkeypatch):
    """Replays the recorded batch whose middle line failed with rc 0.

    The table the module reads is the last recorded table without the three real servers
    the batch adds (192.0.2.9 was re-added under the module's feet, as keepalived might);
    ipvsadm -R answers what it answered on the real kernel (rc 0, 'Destination already
    exists'), and the table read back is the recorded one after that batch."""
    final = fixture('save_n_after_batches.txt')
    before = '\n'.join(line for line in final.splitlines()
                       if not line.startswith('-a -t 192.0.2.100:80 ')) + '\n'
    services = as_options(final)
    service(services, address='192.0.2.100', port=80)['real_servers'] = [
        dict(address='192.0.2.11'), dict(address='192.0.2.9'), dict(address='192.0.2.12')]
    fake = FakeIpvsadm(before, after=final,
                       restore=(0, '', fixture('restore_failing_middle_line.stderr')))
    out = run_module(monkeypatch, fake, services=services)
    assert out.failed
    assert fake.batches == [fixture('restore_failing_middle_line.batch').rstrip('\n')]
    assert out.result['failed_commands'] == ['-a -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 1']
    assert out.result['remaining_commands'] == ['-e -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w 1']
    assert out.result['rc'] == 0
    assert 'Destination already exists' in out.result['msg']
    assert out.result['changed'] is True   # two of the three lines did change the kernel


def test_stderr_is_a_failure_even_when_the_table_matches(monkeypatch):
    services = recorded_services()
    service(services, address='192.0.2.101', port=80)['scheduler'] = 'wlc'
    after = SAVE.replace('-A -t 192.0.2.101:80 -s rr', '-A -t 192.0.2.101:80 -s wlc')
    fake = FakeIpvsadm(SAVE, after=after,
                       restore=(0, '', fixture('restore_existing_service.stderr')))
    out = run_module(monkeypatch, fake, services=services)
    assert out.failed
    assert out.result['failed_commands'] == []
    assert 'Service already exists' in out.result['msg']


def test_nonzero_exit_and_unchanged_table(monkeypatch):
    """A scheduler the kernel lacks (recorded: 'Scheduler or persistence engine not
    found' for twos on 6.1): the service line and its real servers are reported."""
    services = [dict(address='192.0.2.130', port=80, scheduler='twos',
                     real_servers=[dict(address='192.0.2.9')])]
    fake = FakeIpvsadm(SAVE, after=SAVE,
                       restore=(255, '', 'Scheduler or persistence engine not found\n'
                                         'Service not defined\n'))
    out = run_module(monkeypatch, fake, services=services)
    assert out.failed
    assert out.result['changed'] is False
    assert out.result['failed_commands'] == ['-A -t 192.0.2.130:80 -s twos',
                                             '-a -t 192.0.2.130:80 -r 192.0.2.9:80 -g -w 1']


def test_thresholds_are_read_only_when_they_matter(monkeypatch):
    services = recorded_services()
    rs = real_server(service(services, address='192.0.2.102', port=443), '198.51.100.6')
    rs['upper_threshold'] = 30
    line = '-e -t 192.0.2.102:443 -r 198.51.100.6:8443 -m -w 3 -x 30'
    thresholds_after = fixture('list_thresholds.txt').replace(
        '  -> 198.51.100.6:8443            0          0 ',
        '  -> 198.51.100.6:8443            30         0 ')
    assert thresholds_after != fixture('list_thresholds.txt')
    fake = FakeIpvsadm(SAVE, after=SAVE, after_thresholds=thresholds_after)
    out = run_module(monkeypatch, fake, services=services)
    assert not out.failed, out.result
    assert out.result['commands'] == [line]
    assert fake.calls == [('-S', '-n'), ('-L', '-n', '--thresholds'), ('-R',),
                          ('-S', '-n'), ('-L', '-n', '--thresholds')]


def test_edit_keeps_thresholds_the_module_does_not_manage(monkeypatch):
    """A weight edit with -e would reset -x/-y, which -Sn does not show: the module reads
    --thresholds (recorded: 100/50) and carries them over."""
    services = recorded_services()
    real_server(service(services, address='192.0.2.102', port=443), '198.51.100.5')['weight'] = 6
    fake = FakeIpvsadm(SAVE, after=SAVE.replace('8443 -m -w 5', '8443 -m -w 6'))
    out = run_module(monkeypatch, fake, services=services)
    assert not out.failed, out.result
    assert out.result['commands'] == [
        '-e -t 192.0.2.102:443 -r 198.51.100.5:8443 -m -w 6 -x 100 -y 50']
    assert fake.calls[:2] == [('-S', '-n'), ('-L', '-n', '--thresholds')]


def test_purge_leaves_ignored_services(monkeypatch):
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, check_mode=True, purge=True,
                     services=[service(recorded_services(), address='192.0.2.101', port=80)],
                     ignore=['tcp:192.0.2.100:80', 'tcp:192.0.2.110:*', 'fwmark:7',
                             'fwmark:9:ipv6', 'TCP:[2001:db8::100]:80'])
    assert out.result['commands'] == ['-D -t 192.0.2.102:443', '-D -u 192.0.2.103:53']


def test_state_absent(monkeypatch):
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, check_mode=True,
                     services=[dict(fwmark=9, family='ipv6', state='absent'),
                               dict(protocol='udp', address='192.0.2.103', port=53,
                                    state='absent')])
    assert out.result['commands'] == ['-D -u 192.0.2.103:53', '-D -f 9 -6']


def test_ipvsadm_failing_to_read_is_reported(monkeypatch):
    fake = FakeIpvsadm('', save_rc=(2, "Can't initialize ipvs: Protocol not available\n"
                                       'Are you sure that IP Virtual Server is built in the '
                                       'kernel or as module?\n'))
    out = run_module(monkeypatch, fake, services=[])
    assert out.failed
    assert out.result['rc'] == 2
    assert "Can't initialize ipvs" in out.result['msg']


@pytest.mark.parametrize('services, message', [
    ([dict(address='192.0.2.1', port=80, real_servers=[dict(address='192.0.2.9', port=81)])],
     'must be the service port'),
    ([dict(fwmark=7, address='192.0.2.1')], 'a fwmark service takes no protocol, address'),
    ([dict(port=80)], 'give address and port, or fwmark'),
    ([dict(address='192.0.2.1', port=80, scheduler='nosuch')], 'scheduler'),
])
def test_invalid_options_fail_before_touching_the_kernel(monkeypatch, services, message):
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, services=services)
    assert out.failed
    assert message in out.result['msg']
    assert ('-R',) not in fake.calls


def test_keepalived_shaped_input_is_accepted(monkeypatch):
    """Upper-case protocol and lb_kind method names, as in the shared inventory model."""
    services = [dict(protocol='TCP', address='192.168.20.100', port=80, scheduler='wlc',
                     method='DR', persistence_timeout=50,
                     real_servers=[dict(address='192.168.20.10', port=80, weight=3)])]
    fake = FakeIpvsadm('')
    out = run_module(monkeypatch, fake, check_mode=True, services=services)
    assert out.result['commands'] == ['-A -t 192.168.20.100:80 -s wlc -p 50',
                                      '-a -t 192.168.20.100:80 -r 192.168.20.10:80 -g -w 3']


def test_scale_one_percent_through_the_module(monkeypatch):
    """The 10,100-line table of scale.sh: a no-op reads once; 1% of changes are 1% of lines."""
    lines = []
    services = []
    for s in range(1, 101):
        vip = '10.1.%d.%d' % (s // 250, s % 250 + 1)
        lines.append('-A -t %s:80 -s wlc' % vip)
        reals = []
        for r in range(1, 101):
            rip = '10.2.%d.%d' % (r // 250, r % 250 + 1)
            lines.append('-a -t %s:80 -r %s:80 -g -w 1' % (vip, rip))
            reals.append(dict(address=rip, weight=1))
        services.append(dict(address=vip, port=80, real_servers=reals))
    save = '\n'.join(lines) + '\n'
    out = run_module(monkeypatch, FakeIpvsadm(save), services=services)
    assert out.result['changed'] is False
    changed = copy.deepcopy(services)
    for i in range(101):
        changed[i % 100]['real_servers'][i // 100 + i % 7]['weight'] = 9
    out = run_module(monkeypatch, FakeIpvsadm(save), check_mode=True, services=changed)
    assert len(out.result['commands']) == 101 == len(lines) // 100
    assert all(c.startswith('-e ') and c.endswith(' -g -w 9') for c in out.result['commands'])


def test_table_option_no_op_reads_once(monkeypatch):
    """The recorded -Sn text given as the table option is the kernel's table: one read."""
    fake = FakeIpvsadm(SAVE)
    out = run_module(monkeypatch, fake, table=SAVE, purge=True)
    assert not out.failed, out.result
    assert out.result['changed'] is False
    assert fake.calls == [('-S', '-n')]


def test_table_option_from_empty_and_with_services(monkeypatch):
    """From nothing: the table option's lines and a service of the services option, in one
    batch, then read back."""
    extra = dict(protocol='udp', address='192.0.2.150', port=53,
                 real_servers=[dict(address='192.0.2.9')])
    extra_lines = ['-A -u 192.0.2.150:53 -s wlc', '-a -u 192.0.2.150:53 -r 192.0.2.9:53 -g -w 1']
    after = SAVE + '\n'.join(extra_lines) + '\n'
    fake = FakeIpvsadm('', after=after)
    out = run_module(monkeypatch, fake, table=SAVE, services=[extra])
    assert not out.failed, out.result
    assert out.result['commands'] == extra_lines + SAVE.splitlines()
    assert out.result['summary']['added_services'] == 14


def test_invalid_table_fails_before_touching_the_kernel(monkeypatch):
    fake = FakeIpvsadm(SAVE)
    table = '-A -t 192.0.2.1:80 -s wlc\n-a -t 192.0.2.1:80 -r 192.0.2.9:81 -g -w 1\n'
    out = run_module(monkeypatch, fake, table=table)
    assert out.failed
    assert out.result['msg'].startswith('table line 2: ')
    assert 'must be the service port 80' in out.result['msg']
    assert ('-R',) not in fake.calls
