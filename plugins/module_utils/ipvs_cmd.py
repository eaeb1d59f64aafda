# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ipvsadm command line, declared once (cmd_runner style): each argument's format and each
invocation's arguments, run in the C locale through AnsibleModule.run_command.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    IpvsCommandError,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_save,
    parse_thresholds,
)


def _flag(*argv):
    """Format of an argument that is present (truthy value) or absent."""
    def fmt(value):
        return list(argv) if value else []
    return fmt


class Ipvsadm(object):
    """Runs ipvsadm. Each argument is declared in ARG_FORMATS, each invocation in COMMANDS
    (argument names, in order). Output is parsed in the C locale."""

    ARG_FORMATS = {
        'save': _flag('-S'),
        'list': _flag('-L'),
        'restore': _flag('-R'),
        'numeric': _flag('-n'),
        'stats': _flag('--stats'),
        'rate': _flag('--rate'),
        'exact': _flag('--exact'),
        'thresholds': _flag('--thresholds'),
        'persistent_conn': _flag('--persistent-conn'),
        'timeout': _flag('--timeout'),
        'daemon': _flag('--daemon'),
    }
    COMMANDS = {
        'save': 'save numeric',                            # ipvsadm -S -n
        'thresholds': 'list numeric thresholds',           # ipvsadm -L -n --thresholds
        'stats': 'list numeric stats exact',               # ipvsadm -L -n --stats --exact
        'rates': 'list numeric rate exact',                # ipvsadm -L -n --rate --exact
        'persistent_conns': 'list numeric persistent_conn',  # ipvsadm -L -n --persistent-conn
        'timeouts': 'list numeric timeout',                # ipvsadm -L -n --timeout
        'daemon': 'list daemon',                           # ipvsadm -L --daemon
        'restore': 'restore',                              # ipvsadm -R, batch on stdin
    }
    ENVIRON = {'LC_ALL': 'C', 'LANG': 'C'}

    def __init__(self, module):
        self.module = module
        self.binary = module.get_bin_path('ipvsadm', required=True)

    def argv(self, command, **values):
        argv = [self.binary]
        for name in self.COMMANDS[command].split():
            argv.extend(self.ARG_FORMATS[name](values.get(name, True)))
        return argv

    def run(self, command, data=None, **values):
        """-> (argv, rc, stdout, stderr)."""
        argv = self.argv(command, **values)
        kwargs = dict(environ_update=dict(self.ENVIRON))
        if data is not None:
            kwargs['data'] = data
            kwargs['before_communicate_callback'] = grow_stdin_pipe(len(data) + 1)
        rc, out, err = self.module.run_command(argv, **kwargs)
        return argv, rc, out, err

    def read(self, command):
        """A listing; ipvsadm failing raises IpvsCommandError."""
        argv, rc, out, err = self.run(command)
        if rc != 0:
            raise IpvsCommandError('%s failed (rc=%d): %s' % (' '.join(argv), rc, err.strip()),
                                   argv, rc, out, err)
        return out

    def restore(self, lines):
        """All batch lines through one ``ipvsadm -R`` -> (argv, rc, stdout, stderr)."""
        return self.run('restore', data='\n'.join(lines))


def grow_stdin_pipe(size):
    """A before_communicate_callback for run_command: room in the child's stdin pipe for the
    whole batch.

    run_command writes all of stdin before it reads stderr. ``ipvsadm -R`` carries on after
    a failing line and prints an error for each one, so a big batch of failing lines could
    fill the stderr pipe while we are still blocked writing stdin: a deadlock. With the whole
    batch fitting in the pipe, the write never blocks. Linux only (like IPVS), best effort.
    """
    def callback(proc):
        stdin = getattr(proc, 'stdin', None)
        if stdin is None or size <= 65536:
            return
        try:
            import fcntl
            fcntl.fcntl(stdin.fileno(), getattr(fcntl, 'F_SETPIPE_SZ', 1031), size)
        except (ImportError, OSError, IOError, ValueError):
            pass
    return callback


def read_table(ipvsadm, thresholds=False):
    """``ipvsadm -Sn`` (+ ``-Ln --thresholds`` if asked) -> IpvsTable."""
    table = parse_save(ipvsadm.read('save'))
    if thresholds:
        add_thresholds(ipvsadm, table)
    return table


def add_thresholds(ipvsadm, table):
    text = ipvsadm.read('thresholds')
    table.thresholds = parse_thresholds(text)
    table.thresholds_text = text
    return table
