# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Session-wide rules of the unit tests.

- Under ``CI=true`` a skipped test fails. The tests skip only where a tool they run is missing
  (keepalived, unshare ...); the test command installs every one of them (tests/bin/bootstrap),
  so in CI a skip means a test did not run, and a run must not pass by skipping it.
- The module tests feed arguments with ``ansible.module_utils.testing.patch_module_args`` and
  mark themselves as running on a target through ``ansible.module_utils._internal``; both exist
  from ansible-core 2.19. On 2.17 and 2.18 (the rest of the range meta/runtime.yml claims, run by
  tests/bin/matrix) this file provides the same helper the way those versions read module
  arguments (``basic._ANSIBLE_ARGS``), and an ``_internal`` whose ``is_controller`` nothing reads
  (there a module's ``warn()`` always goes to its result).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import importlib.util
import json
import os
import sys
import types

import pytest

CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


def _provide_testing_helpers():
    if importlib.util.find_spec('ansible.module_utils.testing') is not None:
        return
    from unittest import mock

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        """Expose ``args`` to the AnsibleModule instances created within this context."""
        if not isinstance(args, (dict, type(None))):
            raise TypeError('The `args` arg must be a dict or None.')
        payload = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))
        with mock.patch.object(basic, '_ANSIBLE_ARGS', payload):
            yield

    testing = types.ModuleType('ansible.module_utils.testing')
    testing.patch_module_args = patch_module_args
    sys.modules['ansible.module_utils.testing'] = testing
    import ansible.module_utils
    ansible.module_utils.testing = testing
    if importlib.util.find_spec('ansible.module_utils._internal') is None:  # 2.17
        internal = types.ModuleType('ansible.module_utils._internal')
        sys.modules['ansible.module_utils._internal'] = internal
        ansible.module_utils._internal = internal
    import ansible.module_utils._internal as internal  # 2.18 has the package, without is_controller
    if not hasattr(internal, 'is_controller'):
        internal.is_controller = False


_provide_testing_helpers()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, 'wasxfail'):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = 'failed'
        report.longrepr = 'skipped under CI=true, which counts as a failure: %s' % reason
