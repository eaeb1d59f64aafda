# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the model accepts, keepalived accepts: edge inventories near keepalived's cross-field
rules (check_data.c validate_check_config) and formats, rendered with the role's templates
(tests/unit/lib/keepalived_render.py) and validated by the role's own validate command
(keepalived-validate, the real keepalived -t). The preflight or the model refuses the inventory
(a problem, a ModelError), or keepalived -t accepts the file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import importlib.util
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    'lvs_test_model_properties', os.path.join(HERE, '..', '..', 'plugins', 'module_utils', 'test_model_properties.py'))
props = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(props)
VALIDATE = os.path.join(props.REPO, 'roles', 'director', 'files', 'libexec', 'keepalived-validate')

pytestmark = pytest.mark.skipif(shutil.which('keepalived') is None or shutil.which('unshare') is None,
                                reason='needs the real keepalived and unshare (the test runner installs them)')

# (label, kind, field, value); the base inventory is test_model_properties' (weights 2 and 1,
# quorum 1), without its sync group.
CASES = [
    ('base inventory', 'svc', 'name', 'web'),
    ('quorum above the sum of weights', 'svc', 'quorum', 4),
    ('quorum equal to the sum of weights', 'svc', 'quorum', 3),
    ('hysteresis equal to quorum', 'svc', 'hysteresis', 1),
    ('every real server weight 0', 'svc', 'real_servers', [{'host': 'web1', 'weight': 0}]),
    ('no real servers', 'svc', 'real_servers', []),
    ('UDP payload ending in ff', 'svc', 'UDP_CHECK.payload', '0aff'),
    ('UDP require_reply ending in ff', 'svc', 'UDP_CHECK.require_reply', '0aFF'),
    ('HTTP status code 600', 'svc', 'checker.status_code', 600),
    ('advert_int 40.96 (VRRPv3)', 'inst', 'advert_int', 40.96),
    ('preempt_delay 1001', 'inst', 'preempt_delay', 1001),
    ('garp_master_delay 4295', 'inst', 'garp_master_delay', 4295),
    ('virtual_router_id 256', 'inst', 'virtual_router_id', 256),
    ('label of 16 characters', 'inst', 'extra_vips.0.label', 'eth0:abcdefghijk'),
    ('persistence_timeout 2678401', 'svc', 'persistence_timeout', 2678401),
    ('misc_timeout 4295', 'svc', 'MISC_CHECK.misc_timeout', 4295),
    ('sync group of one instance', 'inst', 'sync_group', 'G1'),
]


@pytest.fixture(scope='module')
def verdicts(tmp_path_factory, keepalived_script_user):
    base = tmp_path_factory.mktemp('model-keepalived')
    files, result = [], {}
    for index, (label, kind, field, value) in enumerate(CASES):
        services, instances = props.inventory(kind, field, value)
        if field != 'sync_group':
            instances[0].pop('sync_group', None)   # keepalived refuses a sync group of one instance
        variables = props.VARIABLES['dir1']
        problems = props.check_preflight(services, instances)['problems']
        if problems:
            result[label] = ('refused', problems)
            continue
        try:
            view = props.model.director_view(services, instances, 'dir1', props.DIRECTORS, props.HOSTVARS,
                                             props.keepalived_render.settings(variables))
        except props.model.ModelError as err:
            result[label] = ('refused', str(err))
            continue
        path = os.path.join(str(base), '%02d.conf' % index)
        with open(path, 'w') as handle:
            handle.write(props.keepalived_render.render(view, variables))
        files.append((label, path))
    script = ('for i in eth0 eth1; do ip link add $i type veth peer name p$i && ip link set $i up; done; '
              'for f in "$@"; do "%s" "$f" > "$f.out" 2>&1; echo $? > "$f.rc"; done' % VALIDATE)
    subprocess.run(['unshare', '-n', 'sh', '-c', script, 'sh'] + [p for _l, p in files], check=True)
    for label, path in files:
        with open(path + '.rc') as handle:
            rc = int(handle.read())
        with open(path + '.out', errors='replace') as handle:
            result[label] = ('accepted' if rc == 0 else 'keepalived refused (rc %d)' % rc, handle.read())
    return result


@pytest.mark.parametrize('label', [c[0] for c in CASES])
def test_model_or_keepalived(verdicts, label):
    verdict, detail = verdicts[label]
    if label == 'base inventory':
        assert verdict == 'accepted', detail
    assert verdict in ('refused', 'accepted'), 'the preflight and the model accepted %s and keepalived -t refused it:\n%s' % (label, detail)
