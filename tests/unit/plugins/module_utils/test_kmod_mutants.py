# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/kmod.py: the cases test_kernel_module.py leaves open, found by
tests/tools/mutate.py (each test here fails on a one-line bug that the others let through)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

from ansible_collections.lvs.cluster.plugins.module_utils import kmod


def test_modules_builtin_with_blanks_around_the_paths():
    assert kmod.parse_modules_builtin('  kernel/net/ipv4/ipip.ko  \n\tkernel/fs/ext4/ext4.ko\t\n\n') == {'ipip', 'ext4'}


def test_builtin_path_of_the_running_kernel():
    assert kmod.builtin_path() == '/lib/modules/%s/modules.builtin' % os.uname()[2]
    assert kmod.builtin_path('6.1.0-13-amd64') == '/lib/modules/6.1.0-13-amd64/modules.builtin'


def test_a_loaded_module_that_is_also_built_in_counts_once(tmp_path):
    proc = tmp_path / 'modules'
    proc.write_text('ip_vs 1 0 - Live 0x0\n')
    builtin = tmp_path / 'modules.builtin'
    builtin.write_text('kernel/net/netfilter/ipvs/ip_vs.ko\nkernel/net/ipv4/ipip.ko\n')
    assert kmod.present_modules(['ip_vs', 'ipip', 'dummy'], str(proc), str(tmp_path / 'sys'), str(builtin)) == [
        'ip_vs', 'ipip']
