# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""keepalived.conf rendered in-process from the director role's own templates, for property tests.

A thin front of :mod:`director_render` (the one in-process renderer of the roles' templates: its
Jinja environment, Ansible's filters, native evaluation of templated variables) for tests that
start from a model view rather than an inventory: the role's defaults (``defaults/main.yml``)
under the given variables, and the entries of ``vars/main.yml`` the templates read. About a
millisecond per render, against seconds for a playbook run; ``test_director_render.py`` checks
that both give the same bytes for every seed topology.

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

import director_render

REPO = director_render.REPO
ROLE = os.path.join(director_render.ROLES, 'director')
DEFAULTS = director_render.load_yaml(os.path.join(ROLE, 'defaults', 'main.yml'))
VARS = director_render.load_yaml(os.path.join(ROLE, 'vars', 'main.yml'))
# vars/main.yml entries the templates read (others use lookups and hostvars the templates never need).
DERIVED = ('director_handover_pin_file', 'director_pinnable')


def variables(inventory_hostname, overrides=None):
    """The director role's variables for ``inventory_hostname``: its defaults, then ``overrides``
    (host, group or extra vars), templated strings evaluated."""
    result = dict(DEFAULTS)
    result.update(overrides or {})
    result.update(inventory_hostname=inventory_hostname)
    result.setdefault('ansible_managed', director_render.ANSIBLE_MANAGED)
    return director_render.resolve(result)


def settings(variables_):
    """``director_settings`` of vars/main.yml evaluated with ``variables_``: the model's settings."""
    return director_render.evaluate(VARS['director_settings'], variables_)


def context(view, variables_):
    """Everything the templates read: ``variables_``, ``director_view`` and the vars/main.yml
    entries derived from them (unless ``variables_`` sets them)."""
    result = dict(variables_)
    result['director_view'] = view
    for key in DERIVED:
        if key not in variables_:
            result[key] = director_render.evaluate(VARS[key], result)
    return result


def render(view, variables_):
    """keepalived.conf for ``view`` with the role variables ``variables_`` (see :func:`variables`)."""
    return director_render.render('keepalived.conf.j2', context(view, variables_))
