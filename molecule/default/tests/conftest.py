# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the cluster tests: ssh hosts for every node and control of the containers."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess
import time

import pytest
import testinfra

NODES = {'dir1': '10.88.0.11', 'dir2': '10.88.0.12', 'web1': '10.88.0.21', 'web2': '10.88.0.22',
         'client': '10.88.0.30'}
VIP = '10.88.0.100'


def _host(address):
    config = os.environ.get('LVS_MOLECULE_SSH_CONFIG')
    if not config:
        pytest.fail('LVS_MOLECULE_SSH_CONFIG is not set: run the scenario through tests/bin/molecule-test')
    return testinfra.get_host('ssh://root@%s' % address, ssh_config=config, controlpersist=300)


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
