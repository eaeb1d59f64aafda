# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the single-director scenario: the default scenario's ssh hosts, container control,
polling and digest, for this scenario's nodes."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os

import pytest

_spec = importlib.util.spec_from_file_location(
    'lvs_molecule_default', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'default', 'tests', 'conftest.py'))
common = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(common)

NODES = {'single-dir': '10.88.2.11', 'single-web1': '10.88.2.21', 'single-web2': '10.88.2.22',
         'single-client': '10.88.2.30'}
VIP = '10.88.2.100'

pytest_runtest_logreport = common.pytest_runtest_logreport


@pytest.fixture(scope='session')
def nodes():
    return {name: common._host(address) for name, address in NODES.items()}


@pytest.fixture(scope='session')
def containers():
    return common.Containers()
