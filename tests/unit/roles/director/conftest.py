# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the director role's tests that run the real keepalived."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pwd
import subprocess

import pytest


@pytest.fixture(scope='session')
def keepalived_script_user():
    """The system user the role creates on every director. keepalived -t resolves script_user,
    and a config with scripts but no script_user is only clean where this user exists (keepalived
    then runs its scripts as that user; else as root, and it says SECURITY VIOLATION): without
    it, the verdicts of these tests would depend on what ran on the machine before them."""
    try:
        pwd.getpwnam('keepalived_script')
    except KeyError:
        subprocess.check_call(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin',
                               'keepalived_script'])
    return 'keepalived_script'
