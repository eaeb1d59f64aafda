# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/unit/conftest.py: under CI=true a test that skips (a tool it needs is missing) fails."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

SKIPPING = '''
import shutil
import pytest

@pytest.mark.skipif(shutil.which('no-such-tool-here') is None, reason='needs no-such-tool-here')
def test_needs_a_missing_tool():
    pass

def test_runs():
    pass
'''


@pytest.mark.parametrize('ci, rc, words', [
    ('true', 1, '1 passed, 1 error'),  # a skip in setup (skipif) fails there: an error
    ('', 0, '1 passed, 1 skipped'),
])
def test_a_skip_fails_under_ci_only(tmp_path, ci, rc, words):
    shutil.copy(os.path.join(HERE, 'conftest.py'), str(tmp_path / 'conftest.py'))
    (tmp_path / 'test_skipping.py').write_text(SKIPPING)
    env = dict(os.environ, CI=ci)
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == rc, proc.stdout
    assert words in proc.stdout, proc.stdout
    if ci:
        assert 'skipped under CI=true, which counts as a failure: Skipped: needs no-such-tool-here' in proc.stdout
