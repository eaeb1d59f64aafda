# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drain's main() against a fake ipvsadm whose table changes from one poll to the next, in the
format of the recorded ipvsadm 1.31 output (tests/unit/fixtures/ipvsadm), and a fake clock."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.lvs.cluster.plugins.modules import drain as drain_module

BIN = '/sbin/ipvsadm'
ENTRIES = [{'service': 'www', 'key': 'tcp:192.0.2.100:80', 'port': 80, 'weight': 3},
           {'service': 'sticky', 'key': 'fwmark:7', 'port': 0, 'weight': 1}]


def listing(weight, active, inactive, weight7=None):
    """(ipvsadm -Sn, ipvsadm -Ln --thresholds) of a table where 192.0.2.9 has ``weight`` on port 80."""
    weight7 = weight if weight7 is None else weight7
    save = ('-A -t 192.0.2.100:80 -s wlc\n'
            '-a -t 192.0.2.100:80 -r 192.0.2.9:80 -g -w %d\n'
            '-a -t 192.0.2.100:80 -r 192.0.2.10:80 -g -w 1\n'
            '-A -f 7 -s rr\n'
            '-a -f 7 -r 192.0.2.9:0 -g -w %d\n' % (weight, weight7))
    thresholds = ('IP Virtual Server version 1.2.1 (size=4096)\n'
                  'Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n'
                  '  -> RemoteAddress:Port\n'
                  'TCP  192.0.2.100:80 wlc\n'
                  '  -> 192.0.2.9:80                 0          0          %-10d %-10d\n'
                  '  -> 192.0.2.10:80                0          0          7          7         \n'
                  'FWM  7 rr\n'
                  '  -> 192.0.2.9:0                  0          0          0          0         \n'
                  % (active, inactive))
    return save, thresholds


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result)
        self.result = result
        self.failed = failed


def run(monkeypatch, polls, check_mode=False, **params):
    """Each poll reads one (save, thresholds) pair from ``polls``; the last repeats. Each sleep
    advances the fake clock by drain's poll interval."""
    clock = [1000.0]
    reads = []
    polls = list(polls)

    def run_command(self, args, **kwargs):
        assert args[0] == BIN and kwargs['environ_update']['LC_ALL'] == 'C'
        index = min(len(reads) // 2, len(polls) - 1)
        reads.append(tuple(args[1:]))
        save, thresholds = polls[index]
        return 0, save if args[1:] == ['-S', '-n'] else thresholds, ''

    def exit_json(self, **result):
        raise ModuleExit(result, False)

    def fail_json(self, **result):
        raise ModuleExit(result, True)

    def sleep(seconds):
        clock[0] += seconds

    args = dict(params)
    if check_mode:
        args['_ansible_check_mode'] = True
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args})))
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
    monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path', lambda self, name, required=False, opt_dirs=None: BIN)
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    monkeypatch.setattr(drain_module.time, 'sleep', sleep)
    monkeypatch.setattr(drain_module.time, 'time', lambda: clock[0])
    with pytest.raises(ModuleExit) as caught:
        drain_module.main()
    return caught.value, len(reads) // 2


def content(tmp_path, name='192.0.2.9'):
    path = tmp_path / name
    return path.read_text() if path.exists() else None


def test_drain_writes_1_and_waits_for_weight_then_connections(monkeypatch, tmp_path):
    # before the write, keepalived not there yet, weights set, then the connections end
    polls = [listing(3, 4, 2), listing(3, 4, 2), listing(0, 4, 2, weight7=0), listing(0, 1, 2), listing(0, 0, 0)]
    out, n = run(monkeypatch, polls, address='192.0.2.9', state='drained', entries=ENTRIES,
                 state_dir=str(tmp_path), wait='connections', timeout=60)
    assert not out.failed, out.result
    assert content(tmp_path) == '1\n'
    result = out.result
    assert result['changed'] is True and result['drained'] == ['192.0.2.9']
    assert n == 5
    assert result['waited'] == {'weight': 0.5, 'connections': 1.0}
    assert [(s['key'], s['weight'], s['active_conns'], s['inactive_conns']) for s in result['entries']] == [
        ('tcp:192.0.2.100:80', 0, 0, 0), ('fwmark:7', 0, 0, 0)]
    assert [(s['weight'], s['active_conns']) for s in result['at_start']] == [(3, 4), (3, 0)]
    assert result['diff'] == {'before': '192.0.2.9: serving\n', 'after': '192.0.2.9: drained\n'}


def test_wait_weight_does_not_wait_for_connections(monkeypatch, tmp_path):
    out, n = run(monkeypatch, [listing(0, 4, 2)], address='192.0.2.9', state='drained', entries=ENTRIES,
                 state_dir=str(tmp_path), wait='weight')
    assert not out.failed and n == 2                      # before the write, and once after it
    assert out.result['waited'] == {'weight': 0.0}


def test_connections_timeout_fails_and_stays_drained(monkeypatch, tmp_path):
    out, n = run(monkeypatch, [listing(0, 3, 1)], address='192.0.2.9', state='drained', entries=ENTRIES,
                 state_dir=str(tmp_path), wait='connections', timeout=5)
    assert out.failed
    assert '192.0.2.9 still has 3 active and 1 inactive connections after 5 s; it stays drained' in out.result['msg']
    assert content(tmp_path) == '1\n'
    assert n == 12                                        # before the write, then 0.0 .. 5.0 s every 0.5 s


def test_keepalived_not_applying_it_fails(monkeypatch, tmp_path):
    out, dummy = run(monkeypatch, [listing(3, 0, 0)], address='192.0.2.9', state='drained', entries=ENTRIES,
                     state_dir=str(tmp_path), wait='weight', timeout=2)
    assert out.failed
    assert 'keepalived did not set the weight of 192.0.2.9 within 2 s' in out.result['msg']
    assert 'tcp:192.0.2.100:80 port 80: weight 3 (want 0)' in out.result['msg']


def test_return_writes_0_and_waits_for_the_inventory_weights(monkeypatch, tmp_path):
    (tmp_path / '192.0.2.9').write_text('1\n')
    out, n = run(monkeypatch, [listing(0, 0, 0), listing(3, 0, 0, weight7=1)], address='192.0.2.9', state='serving',
                 entries=ENTRIES, state_dir=str(tmp_path), wait='connections')
    assert not out.failed, out.result
    assert content(tmp_path) == '0\n'
    assert out.result['changed'] is True and out.result['drained'] == []
    assert 'connections' not in out.result['waited'] and n == 2


def test_return_of_a_never_drained_server_changes_nothing(monkeypatch, tmp_path):
    out, dummy = run(monkeypatch, [listing(3, 0, 0, weight7=1)], address='192.0.2.9', state='serving',
                     entries=ENTRIES, state_dir=str(tmp_path))
    assert not out.failed and out.result['changed'] is False
    assert content(tmp_path) is None                      # no file written: keepalived reads a missing one as 0


def test_drain_again_changes_nothing(monkeypatch, tmp_path):
    (tmp_path / '192.0.2.9').write_text('1\n')
    out, dummy = run(monkeypatch, [listing(0, 0, 0)], address='192.0.2.9', state='drained', entries=ENTRIES,
                     state_dir=str(tmp_path), wait='connections')
    assert not out.failed and out.result['changed'] is False


def test_check_mode_writes_and_reads_nothing(monkeypatch, tmp_path):
    out, n = run(monkeypatch, [listing(3, 0, 0)], check_mode=True, address='192.0.2.9', state='drained',
                 entries=ENTRIES, state_dir=str(tmp_path), wait='connections')
    assert not out.failed and out.result['changed'] is True
    assert out.result['drained'] == ['192.0.2.9'] and n == 0
    assert content(tmp_path) is None


def test_without_address_only_reads(monkeypatch, tmp_path):
    (tmp_path / '192.0.2.9').write_text('1\n')
    (tmp_path / '192.0.2.10').write_text('0\n')
    out, n = run(monkeypatch, [listing(0, 0, 0)], state_dir=str(tmp_path))
    assert not out.failed and out.result == {'changed': False, 'drained': ['192.0.2.9']} and n == 0


def test_an_absent_real_server_is_reported_not_waited_for(monkeypatch, tmp_path):
    entries = ENTRIES + [{'key': 'tcp:192.0.2.100:443', 'port': 443, 'weight': 1}]
    out, dummy = run(monkeypatch, [listing(0, 0, 0)], address='192.0.2.9', state='drained', entries=entries,
                     state_dir=str(tmp_path), wait='connections')
    assert not out.failed
    assert out.result['entries'][-1]['present'] is False
    assert out.result['entries'][-1]['service'] == 'tcp:192.0.2.100:443'


@pytest.mark.parametrize('params, words', [
    ({'address': 'web1', 'state': 'drained'}, 'address:'),
    ({'address': '192.0.2.9'}, 'state'),
])
def test_bad_parameters(monkeypatch, tmp_path, params, words):
    out, n = run(monkeypatch, [listing(0, 0, 0)], state_dir=str(tmp_path), **params)
    assert out.failed and words in out.result['msg'] and n == 0
