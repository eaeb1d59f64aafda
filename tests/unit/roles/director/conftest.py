# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the director role's tests that run the real keepalived."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pwd
import subprocess
import time

import pytest


@pytest.fixture(scope='session')
def keepalived_script_user():
    """The system user the role creates on every director. keepalived -t resolves script_user,
    and a config with scripts but no script_user is only clean where this user exists (keepalived
    then runs its scripts as that user; else as root, and it says SECURITY VIOLATION): without
    it, the verdicts of these tests would depend on what ran on the machine before them."""
    # tests/bin/matrix runs two test sessions at once: the other may be adding the user (useradd
    # then fails, the user exists or is about to)
    for attempt in range(20):
        try:
            pwd.getpwnam('keepalived_script')
            return 'keepalived_script'
        except KeyError:
            subprocess.call(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin',
                             'keepalived_script'])
            time.sleep(0.1 * attempt)
    pwd.getpwnam('keepalived_script')
    return 'keepalived_script'
