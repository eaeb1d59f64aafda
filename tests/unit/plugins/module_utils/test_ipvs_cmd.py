# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugins/module_utils/ipvs_cmd.py: the ipvsadm command line and running ipvsadm -R without a deadlock."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess
import sys

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_cmd import (
    grow_stdin_pipe,
    Ipvsadm,
)

# ---------------------------------------------------------------------------
# Running ipvsadm -R without a deadlock
# ---------------------------------------------------------------------------


def test_grow_stdin_pipe_enlarges_a_real_pipe():
    fcntl = pytest.importorskip('fcntl')
    proc = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        get_size = getattr(fcntl, 'F_GETPIPE_SZ', 1032)
        assert fcntl.fcntl(proc.stdin.fileno(), get_size) < 1 << 20
        grow_stdin_pipe(1 << 20)(proc)
        assert fcntl.fcntl(proc.stdin.fileno(), get_size) >= 1 << 20
    finally:
        proc.stdin.close()
        proc.wait()


def test_ipvsadm_argv_is_declared_in_one_place():
    class Module(object):
        def get_bin_path(self, name, required=False):
            assert (name, required) == ('ipvsadm', True)
            return '/sbin/ipvsadm'

    runner = Ipvsadm(Module())
    assert runner.argv('save') == ['/sbin/ipvsadm', '-S', '-n']
    assert runner.argv('thresholds') == ['/sbin/ipvsadm', '-L', '-n', '--thresholds']
    assert runner.argv('stats') == ['/sbin/ipvsadm', '-L', '-n', '--stats', '--exact']
    assert runner.argv('timeouts') == ['/sbin/ipvsadm', '-L', '-n', '--timeout']
    assert runner.argv('daemon') == ['/sbin/ipvsadm', '-L', '--daemon']
    assert runner.argv('restore') == ['/sbin/ipvsadm', '-R']
    assert runner.argv('stats', exact=False) == ['/sbin/ipvsadm', '-L', '-n', '--stats']


def test_restore_through_run_command_survives_a_flood_on_stderr():
    """A real child that, like ipvsadm -R with failing lines, answers each stdin line with a
    line on stderr: with a batch far bigger than a pipe, run_command must still finish."""
    import threading
    from ansible.module_utils import basic
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:   # ansible-core < 2.19
        patch_module_args = None

    if patch_module_args is not None:
        with patch_module_args({}):
            module = basic.AnsibleModule(argument_spec={})
    else:
        import json
        from ansible.module_utils.common.text.converters import to_bytes
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': {}}))
        module = basic.AnsibleModule(argument_spec={})
    child = ('import sys\n'
             'for line in sys.stdin:\n'
             '    sys.stderr.write("Destination already exists\\n")\n')
    runner = Ipvsadm.__new__(Ipvsadm)
    runner.module = module
    runner.binary = sys.executable
    runner.COMMANDS = dict(Ipvsadm.COMMANDS, restore='python_child')
    runner.ARG_FORMATS = dict(Ipvsadm.ARG_FORMATS, python_child=lambda v: ['-c', child])
    lines = ['-a -t 10.1.0.%d:80 -r 10.2.0.%d:80 -g -w 1' % (i % 250, i % 200)
             for i in range(18000)]
    assert 8 * 65536 < len('\n'.join(lines)) < 1 << 20
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(result=runner.restore(lines)))
    worker.daemon = True
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), 'run_command deadlocked'
    dummy, rc, out, err = outcome['result']
    assert rc == 0
    assert err.count('Destination already exists\n') == 18000
