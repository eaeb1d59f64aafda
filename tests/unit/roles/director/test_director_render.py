# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tests/unit/lib/keepalived_render.py (the in-process renderer of the property tests) writes the
same bytes as the role (render.yml: include_role, template, keepalived -t), and the file reads
back as the tree keepalived_conf.expected_tree builds from the view.

One topology, kitchen_sink (every block and checker the templates have), keeps this cheap; all
six seed topologies were compared when the harness was written (12 directors, identical).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'lib'))
import keepalived_render  # noqa: E402
import keepalived_conf  # noqa: E402

from ansible_collections.lvs.cluster.plugins.module_utils import model  # noqa: E402

_spec = importlib.util.spec_from_file_location('lvs_test_render', os.path.join(HERE, 'test_render.py'))
test_render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(test_render)

pytestmark = test_render.pytestmark
TOPOLOGY = 'kitchen_sink'


@pytest.fixture(scope='module')
def role_output(tmp_path_factory, keepalived_script_user):
    collections = test_render._collections_path(tmp_path_factory)
    outdir = tmp_path_factory.mktemp(TOPOLOGY)
    rc, output = test_render.render(TOPOLOGY, str(outdir), collections)
    assert rc == 0, output
    inventory = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i',
         os.path.join(test_render.TOPOLOGIES, TOPOLOGY + '.yml'), '--list'],
        stdout=subprocess.PIPE, check=True, env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections))
    return str(outdir), json.loads(inventory.stdout)


@pytest.mark.parametrize('host', test_render.SEEDS[TOPOLOGY])
def test_same_bytes_as_the_role(role_output, host):
    outdir, inventory = role_output
    hostvars = inventory['_meta']['hostvars']
    directors = inventory['lvs_directors']['hosts']
    hvars = dict(hostvars[host], director_keepalived_conf='%s/%s.conf' % (outdir, host),
                 director_libexec_dir='%s/libexec' % outdir)   # as render.yml sets them
    variables = keepalived_render.variables(host, hvars)
    view = model.director_view(hvars.get('lvs_virtual_services'), hvars.get('lvs_vrrp_instances'), host,
                               directors, hostvars, keepalived_render.settings(variables))
    text = keepalived_render.render(view, variables)
    assert text == test_render.conf(outdir, host)
    tree = keepalived_conf.parse(text)
    assert keepalived_conf.diff(tree, keepalived_conf.expected_tree(view, keepalived_render.context(view, variables))) is None
