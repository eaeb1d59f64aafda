# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived.conf rendered in-process from the director role's own templates, for property tests.

The role renders ``roles/director/templates/keepalived.conf.j2`` with Ansible's template module;
this renders the same files with jinja2 and Ansible's own ``comment`` and ``bool`` filters, the
role's defaults (``defaults/main.yml``) and the variables of ``vars/main.yml`` the templates
read, evaluated the way Ansible would (native types). About a millisecond per render, against
seconds for a playbook run; ``test_director_render.py`` checks that both give the same bytes for
every seed topology.

Usage::

    import director_render
    variables = director_render.variables('d1', overrides={'director_vrrp_version': 2})
    view = model.director_view(services, instances, 'd1', ['d1', 'd2'], hostvars,
                               director_render.settings(variables))
    text = director_render.render(view, variables)

``variables(host, overrides)`` returns the role's variables for ``host`` (defaults, then
``overrides`` as host or extra vars); ``settings(variables)`` is ``director_settings`` (the
model's settings argument); ``context(view, variables)`` adds the view and what vars/main.yml
derives from it (what keepalived_conf.expected_tree reads); ``render(view, variables)`` is the file.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

import jinja2
import jinja2.nativetypes
import yaml

from ansible.plugins.filter.core import comment, to_bool

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
ROLE = os.path.join(REPO, 'roles', 'director')
TEMPLATES = os.path.join(ROLE, 'templates')
# ansible-core's default for the ansible_managed variable.
ANSIBLE_MANAGED = 'Ansible managed'
# vars/main.yml entries the templates read (others use lookups and hostvars the templates never need).
DERIVED = ('director_handover_pin_file', 'director_pinnable')


def _load(path):
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


DEFAULTS = _load(os.path.join(ROLE, 'defaults', 'main.yml'))
VARS = _load(os.path.join(ROLE, 'vars', 'main.yml'))

FILTERS = {
    'comment': comment,
    'bool': to_bool,
    'dirname': os.path.dirname,
}


def _environment(cls):
    # The template module's settings: trim_blocks, no lstrip_blocks; Jinja drops the last newline
    # of every template (included ones too) and Ansible puts the top template's back (render()).
    env = cls(loader=jinja2.FileSystemLoader(TEMPLATES), trim_blocks=True, lstrip_blocks=False,
              undefined=jinja2.StrictUndefined)
    env.filters.update(FILTERS)
    return env


_ENV = _environment(jinja2.Environment)
_NATIVE = _environment(jinja2.nativetypes.NativeEnvironment)
_TEMPLATE = _ENV.get_template('keepalived.conf.j2')
with open(os.path.join(TEMPLATES, 'keepalived.conf.j2')) as _handle:
    _SOURCE = _handle.read()
_NEWLINES = len(_SOURCE) - len(_SOURCE.rstrip('\n'))


def _evaluate(value, context):
    """A variable's value as Ansible templates it (native types), for strings holding Jinja."""
    if isinstance(value, str) and ('{{' in value or '{%' in value):
        return _NATIVE.from_string(value).render(**context)
    return value


def variables(inventory_hostname, overrides=None):
    """The director role's variables for ``inventory_hostname``: its defaults, then ``overrides``
    (host, group or extra vars), templated strings evaluated."""
    result = dict(DEFAULTS)
    result.update(overrides or {})
    result['inventory_hostname'] = inventory_hostname
    result.setdefault('ansible_managed', ANSIBLE_MANAGED)
    for key, value in list(result.items()):
        result[key] = _evaluate(value, result)
    return result


def settings(variables_):
    """``director_settings`` of vars/main.yml evaluated with ``variables_``: the model's settings."""
    return {key: _evaluate(value, variables_) for key, value in VARS['director_settings'].items()}


def context(view, variables_):
    """Everything the templates read: ``variables_``, ``director_view`` and the vars/main.yml
    entries derived from them (unless ``variables_`` sets them)."""
    result = dict(variables_)
    result['director_view'] = view
    for key in DERIVED:
        if key not in variables_:
            result[key] = _evaluate(VARS[key], result)
    return result


def render(view, variables_):
    """keepalived.conf for ``view`` with the role variables ``variables_`` (see :func:`variables`)."""
    text = _TEMPLATE.render(**context(view, variables_))
    missing = _NEWLINES - (len(text) - len(text.rstrip('\n')))
    return text + '\n' * max(0, missing)
