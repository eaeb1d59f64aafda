# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The director (and real_server) role's templates rendered in Python: milliseconds instead of an ansible-playbook run.

``render_conf(inventory_vars, host, ...)`` renders roles/director/templates/keepalived.conf.j2 the
way ``tasks/render.yml`` does: ``director_view`` from the lvs.cluster filter (the same model code),
the role defaults under the inventory, the role vars (vars/main.yml, templated the way Ansible
would: native types) over both, Ansible's own filters (``comment``, ``bool`` ...), and the template
module's Jinja settings (trim_blocks, the source's trailing newlines kept). test_render.py checks that this gives
the role's bytes for every seed topology; the unit tests of the templates use it to change one
input at a time.

A variable of vars/main.yml that cannot be computed here (lookups of files on the controller) is
left out; the templates do not use those.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import os

import jinja2
import yaml
from jinja2.nativetypes import NativeEnvironment

from ansible.plugins.filter import core as filter_core
from ansible.plugins.filter import mathstuff
from ansible.plugins.test import core as test_core
from ansible_collections.lvs.cluster.plugins.filter import lvs as lvs_filters

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
ROLES = os.path.join(REPO, 'roles')
TOPOLOGIES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'topologies')
ANSIBLE_MANAGED = 'Ansible managed'   # ansible-core's default DEFAULT_MANAGED_STR

# Ansible's own filters (comment, bool, combine, dirname ...) and tests where Jinja has none of the
# name (Ansible's default, map ... expect its own templar), and the collection's.
_FILTERS = dict((name, func) for name, func in dict(filter_core.FilterModule().filters(),
                                                    **mathstuff.FilterModule().filters()).items()
                if name not in jinja2.Environment().filters)
_FILTERS.update({
    'lvs.cluster.director_view': lvs_filters.director_view,
    'lvs.cluster.real_server_vips': lvs_filters.real_server_vips,
    'lvs.cluster.real_server_methods': lvs_filters.real_server_methods,
    'lvs.cluster.real_server_gateway': lvs_filters.real_server_gateway,
    'lvs.cluster.real_server_kernel': lvs_filters.real_server_kernel,
})
_TESTS = dict((name, func) for name, func in test_core.TestModule().tests().items()
              if name not in jinja2.Environment().tests)


def load_yaml(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


_yaml = load_yaml


_ENVIRONMENTS = {}


def environment(role):
    """A Jinja environment over ``roles/<role>/templates`` set up as the template module sets it."""
    if role not in _ENVIRONMENTS:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLES, role, 'templates')),
                                 trim_blocks=True, undefined=jinja2.StrictUndefined)
        env.filters.update(_FILTERS)
        env.tests.update(_TESTS)
        _ENVIRONMENTS[role] = env
    return _ENVIRONMENTS[role]


_COMPILED = {}


def _native_template(value):
    """``value`` compiled once by a Jinja environment that keeps native types (as Ansible's)."""
    if value not in _COMPILED:
        env = NativeEnvironment(undefined=jinja2.StrictUndefined)
        env.filters.update(_FILTERS)
        env.tests.update(_TESTS)
        env.globals['lookup'] = _no_lookup
        _COMPILED[value] = env.from_string(value)
    return _COMPILED[value]


def _no_lookup(*args, **kwargs):
    raise jinja2.UndefinedError('lookup() is not available in the fast renderer')


def _template_value(value, variables):
    """``value`` with every string that holds a template evaluated natively (as Ansible does)."""
    if isinstance(value, str):
        if '{{' in value or '{%' in value:
            return _native_template(value).render(variables)
        return value
    if isinstance(value, dict):
        return dict((key, _template_value(item, variables)) for key, item in value.items())
    if isinstance(value, list):
        return [_template_value(item, variables) for item in value]
    return value


def evaluate(value, variables):
    """``value`` (a variable's definition) as Ansible templates it with ``variables``: native types."""
    return _template_value(value, variables)


def resolve(variables):
    """Every templated variable evaluated, in dependency order; those that cannot be are dropped."""
    done = dict((k, v) for k, v in variables.items() if _plain(v))
    pending = dict((k, v) for k, v in variables.items() if k not in done)
    while pending:
        progress = False
        for key in list(pending):
            try:
                done[key] = _template_value(pending[key], done)
            except (jinja2.UndefinedError, jinja2.TemplateAssertionError):
                continue
            del pending[key]
            progress = True
        if not progress:
            break
    return done


def _plain(value):
    if isinstance(value, str):
        return '{{' not in value and '{%' not in value
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


def load_topology(name_or_path):
    """A one-file topology inventory (tests/unit/fixtures/topologies/NAME.yml) as plain data:
    ``(hostvars, groups)``, each host's variables merged as Ansible merges them (all, then its
    groups from the top down, then the host's own)."""
    path = name_or_path if os.path.sep in name_or_path else os.path.join(TOPOLOGIES, name_or_path + '.yml')
    hostvars, groups = {}, {'all': []}

    def walk(name, group, inherited):
        own = dict(inherited, **(group.get('vars') or {}))
        groups.setdefault(name, [])
        for host, hvars in (group.get('hosts') or {}).items():
            merged = dict(copy.deepcopy(own), **copy.deepcopy(hostvars.get(host, {})), **(hvars or {}))
            hostvars[host] = merged
            for members in (groups[name], groups['all']):
                if host not in members:
                    members.append(host)
        for child, sub in (group.get('children') or {}).items():
            walk(child, sub or {}, own)

    walk('all', _yaml(path)['all'], {})
    return hostvars, groups


def inventory(instances, services, directors=('d1', 'd2'), all_vars=None, host_vars=None):
    """``(hostvars, groups)`` of a small inventory: ``directors`` (lvs_address 10.0.0.11, .12 ...)
    sharing ``lvs_vrrp_instances``, ``lvs_virtual_services`` and ``all_vars``."""
    shared = dict(all_vars or {}, lvs_vrrp_instances=instances, lvs_virtual_services=services)
    hostvars = {}
    for index, host in enumerate(directors):
        hostvars[host] = dict(copy.deepcopy(shared), lvs_address='10.0.0.%d' % (11 + index),
                              **copy.deepcopy((host_vars or {}).get(host) or {}))
    return hostvars, {'all': list(directors), 'lvs_directors': list(directors)}


def role_vars(role, hostvars, groups, host, extra=None, facts=None):
    """The variables ``roles/<role>`` sees on ``host``: its defaults, the inventory's, its vars,
    ``facts`` (set_fact), ``extra`` (include_role vars) and the magic ones, each over the one before,
    every template in them evaluated (or left out when it cannot be)."""
    variables = _yaml(os.path.join(ROLES, role, 'defaults', 'main.yml'))
    variables.update(copy.deepcopy(hostvars[host]))
    variables.update(_yaml(os.path.join(ROLES, role, 'vars', 'main.yml')))
    variables.update(facts or {})
    variables.update(extra or {})
    variables.update(inventory_hostname=host, ansible_managed=ANSIBLE_MANAGED, groups=groups, hostvars=hostvars)
    resolved = resolve(variables)
    for key, value in (facts or {}).items():
        if key not in resolved:
            _template_value(value, resolved)   # raises the model's error
    return resolved


def director_vars(hostvars, groups, host, extra=None):
    """The variables the director role sees on ``host``, ``director_view`` computed as
    tasks/view.yml computes it. ``extra``: include_role vars, over everything."""
    tasks = _yaml(os.path.join(ROLES, 'director', 'tasks', 'view.yml'))
    view = [task for task in tasks if 'ansible.builtin.set_fact' in task][0]['ansible.builtin.set_fact']
    return role_vars('director', hostvars, groups, host, extra, {'director_view': view['director_view']})


def real_server_vars(hostvars, groups, host, extra=None):
    """The variables the real_server role sees on ``host`` (no facts gathered)."""
    return role_vars('real_server', hostvars, groups, host, extra)


def render(template, variables, role='director'):
    """The text of ``roles/<role>/templates/<template>`` for ``variables``.

    Jinja drops the last newline of every template, included ones too; the template module then
    gives the file back the trailing newlines its source has and the result lacks."""
    env = environment(role)
    source = env.loader.get_source(env, template)[0]
    text = env.get_template(template).render(variables)
    missing = (len(source) - len(source.rstrip('\n'))) - (len(text) - len(text.rstrip('\n')))
    return text + '\n' * max(0, missing)


def render_conf(hostvars, groups, host, extra=None):
    """keepalived.conf of ``host`` (see director_vars for the arguments)."""
    return render('keepalived.conf.j2', director_vars(hostvars, groups, host, extra))


def render_topology(name, host, extra=None):
    """keepalived.conf of ``host`` in a seed topology, as tests/unit/roles/director/render.yml writes it
    (pass ``extra`` = that playbook's director_libexec_dir for a byte-for-byte comparison)."""
    hostvars, groups = load_topology(name)
    return render_conf(hostvars, groups, host, extra)


def block(text, header):
    """The text of the block of ``text`` that starts with ``header`` (brace matched)."""
    start = text.index(header)
    depth = 0
    for pos in range(text.index('{', start), len(text)):
        depth += {'{': 1, '}': -1}.get(text[pos], 0)
        if depth == 0:
            return text[start:pos + 1]
    raise AssertionError('unbalanced block ' + header)
