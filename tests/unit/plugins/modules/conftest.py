# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Modules run on the target. Tests of controller code in the same pytest session (filters,
inventory loading) import ansible's controller side, which sets
``ansible.module_utils._internal.is_controller``; a module's ``warn()`` would then go to the
controller's display instead of the module result. Run every module test as on a target."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest
from ansible.module_utils import _internal


@pytest.fixture(autouse=True)
def as_on_a_target(monkeypatch):
    monkeypatch.setattr(_internal, 'is_controller', False)
