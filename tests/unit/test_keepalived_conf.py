# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/unit/lib/keepalived_conf.py reads keepalived.conf as keepalived's reader does."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'lib'))
import keepalived_conf as kc  # noqa: E402

N = kc.Node


@pytest.mark.parametrize('text,tree', [
    ('a b\n', [N(['a', 'b'])]),
    ('a {\n  b 1\n}\n', [N(['a'], [N(['b', '1'])])]),
    ('a { b 1 }\n', [N(['a'], [N(['b', '1'])])]),                 # braces split lines anywhere
    ('a {b}c\n', [N(['a'], [N(['b'])]), N(['c'])]),
    ('a "x } # y" z\n', [N(['a', 'x } # y', 'z'])]),             # quoted: one word, no comment, no brace
    ('a b # c } d\n', [N(['a', 'b'])]),
    ('a b ! c\n', [N(['a', 'b'])]),
    ('a \\#b\n', [N(['a', '#b'])]),
    ('a\tb\x0bc\x0cd\re\n', [N(['a', 'b', 'c', 'd', 'e'])]),
    ('a b\x00c } d\n', [N(['a', 'b'])]),                           # NUL ends the C string
    ('a "b c"d\n', [N(['a', 'b c', 'd'])]),
    ('x ' + 'a' * 1030 + '\n', [N(['x', 'a' * 1021]), N(['a' * 9])]),   # fgets(1024) splits long lines
])
def test_parse(text, tree):
    assert kc.parse(text) == tree


@pytest.mark.parametrize('text', ['a "b\n', 'a \\"b"\n', '}\n', 'a {\n', '{\n', '@host a\n', '$X=1\n',
                                  'include /x\n', '~SEQ(i,1,2)\n', 'a {\n}\n}\n'])
def test_what_keepalived_reports(text):
    with pytest.raises(kc.ConfError):
        kc.parse(text)


def test_diff():
    assert kc.diff([N(['a'], [N(['b'])])], [N(['a'], [N(['b'])])]) is None
    assert 'unexpected' in kc.diff([N(['a']), N(['b'])], [N(['a'])])
    assert 'opens' in kc.diff([N(['a'], [])], [N(['a'])])
    assert "('c',)" in kc.diff([N(['a'], [N(['c'])])], [N(['a'], [N(['b'])])])
