# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests of the inventory model at the edges (Hypothesis).

Every field of ``lvs_virtual_services`` and ``lvs_vrrp_instances`` gets hostile text (newlines,
quotes, braces, ``#``, ``!``, control characters, unicode, reader instructions, lines longer than
keepalived's 1024-byte buffer) and values of every YAML type. For each:

* ``model.director_view`` accepts it, and the keepalived.conf the role's templates render from
  that view, read back the way keepalived reads it (tests/unit/lib/keepalived_conf.py), has
  exactly the block tree the view describes (every field in its place, as its words); or it
  raises ``model.ModelError``. Never another exception.
* ``model.real_server_vips`` accepts it, and lvs-real-server.conf holds one ``ADDRESS/PREFIX
  DEVICE`` line per VIP and nothing else; or it raises ``model.ModelError``.
* ``preflight.check`` never raises: it returns its problems.

The budget is small and derandomised (the same examples on every run).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import datetime
import ipaddress
import os
import sys

import jinja2
import pytest

# hypothesis is a test requirement (tests/requirements.txt): missing, this module fails, not skips.
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from ansible.plugins.filter.core import comment  # noqa: E402
from ansible_collections.lvs.cluster.plugins.module_utils import model, preflight  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'lib'))
import keepalived_render  # noqa: E402
import keepalived_conf  # noqa: E402

REPO = keepalived_render.REPO
BUDGET = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

HOSTVARS = {
    'dir1': {'lvs_address': '10.88.0.11', 'director_interface': 'eth0'},
    'dir2': {'lvs_address': '10.88.0.12', 'director_interface': 'eth0'},
    'web1': {'lvs_address': '10.88.0.21'},
    'web2': {'lvs_address': '10.88.0.22'},
}
DIRECTORS = ['dir1', 'dir2']
REAL_SERVERS = ['web1', 'web2']
INSTANCE = {
    'name': 'VI_1', 'virtual_router_id': 51, 'master': 'dir1', 'interface': 'eth0',
    'track_interfaces': ['eth1'], 'track_scripts': ['chk'],
    'notify_master': '/usr/local/bin/notify master', 'notify_backup': '/usr/local/bin/notify backup',
    'notify_fault': '/usr/local/bin/notify fault', 'notify_stop': '/usr/local/bin/notify stop',
    'extra_vips': [{'address': '10.88.0.250', 'prefix': 24, 'dev': 'eth0', 'label': 'eth0:vip'}],
    'garp_master_delay': 5, 'garp_master_refresh': 10, 'preempt_delay': 5, 'advert_int': 1,
    'priorities': {'dir1': 150, 'dir2': 100}, 'unicast_peers': ['10.88.0.12'],
}
SERVICE = {
    'name': 'web', 'vip': '10.88.0.100', 'port': 80, 'protocol': 'TCP', 'scheduler': 'rr', 'method': 'DR',
    'persistence_timeout': 50, 'persistence_granularity': '255.255.255.0', 'delay_loop': 2,
    'quorum': 1, 'hysteresis': 0, 'quorum_up': '/usr/local/bin/up', 'quorum_down': '/usr/local/bin/down',
    'virtualhost': 'www.example.org', 'alpha': True, 'omega': False, 'ha_suspend': False,
    'inhibit_on_failure': False, 'vrrp_instance': 'VI_1', 'scheduler_flags': ['flag-1'],
    'sorry_server': {'address': '10.88.0.30', 'port': 80, 'method': 'DR', 'inhibit': True},
    'checker': {'type': 'HTTP_GET', 'path': '/health', 'status_code': 200, 'virtualhost': 'www.example.org',
                'connect_timeout': 2, 'connect_port': 80, 'retry': 2, 'delay_before_retry': 1,
                'digest': '640205b7b0fc66c1ea91c463fac6334d', 'http_protocol': '1.1'},
    'real_servers': [{'host': 'web1', 'weight': 2, 'notify_up': '/usr/local/bin/rs up',
                      'notify_down': '/usr/local/bin/rs down'},
                     {'host': 'web2', 'weight': 1}],
}
CHECKERS = {
    'MISC_CHECK': {'type': 'MISC_CHECK', 'misc_path': '/usr/local/bin/check web', 'misc_timeout': 5, 'user': 'nobody'},
    'DNS_CHECK': {'type': 'DNS_CHECK', 'dns_type': 'A', 'dns_name': 'www.example.org'},
    'SMTP_CHECK': {'type': 'SMTP_CHECK', 'helo_name': 'lb.example.org'},
    'UDP_CHECK': {'type': 'UDP_CHECK', 'payload': '0a0b', 'require_reply': '0a'},
}
DIRECTOR_VARS = {
    'director_vrrp_scripts': [{'name': 'chk', 'script': '/usr/local/bin/chk', 'interval': 2}],
    'director_notification_emails': ['ops@example.org'], 'director_notification_email_from': 'lb@example.org',
    'director_smtp_server': '127.0.0.1',
}

# (field, where it lives, the checker type it needs): every field an operator writes.
SERVICE_FIELDS = [
    'name', 'vip', 'port', 'protocol', 'scheduler', 'method', 'persistence_timeout', 'persistence_granularity',
    'delay_loop', 'quorum', 'hysteresis', 'quorum_up', 'quorum_down', 'virtualhost', 'alpha', 'omega',
    'ha_suspend', 'inhibit_on_failure', 'vrrp_instance', 'scheduler_flags', 'managed_by', 'sorry_server',
    'checker', 'real_servers',
    'sorry_server.address', 'sorry_server.port', 'sorry_server.method', 'sorry_server.inhibit',
    'scheduler_flags.0',
    'checker.type', 'checker.path', 'checker.status_code', 'checker.virtualhost', 'checker.connect_timeout',
    'checker.connect_port', 'checker.connect_ip', 'checker.bindto', 'checker.bind_port', 'checker.retry',
    'checker.delay_before_retry', 'checker.warmup', 'checker.delay_loop', 'checker.alpha',
    'checker.log_all_failures', 'checker.digest', 'checker.http_protocol', 'checker.fast_recovery',
    'checker.urls', 'checker.nb_get_retry',
    'MISC_CHECK.misc_path', 'MISC_CHECK.misc_timeout', 'MISC_CHECK.misc_dynamic', 'MISC_CHECK.user',
    'DNS_CHECK.dns_type', 'DNS_CHECK.dns_name', 'SMTP_CHECK.helo_name', 'UDP_CHECK.payload',
    'UDP_CHECK.require_reply',
    'real_servers.0', 'real_servers.0.host', 'real_servers.0.address', 'real_servers.0.port',
    'real_servers.0.weight', 'real_servers.0.notify_up', 'real_servers.0.notify_down',
    'real_servers.0.inhibit_on_failure', 'real_servers.0.checker', 'real_servers.0.uthreshold',
]
INSTANCE_FIELDS = [
    'name', 'interface', 'virtual_router_id', 'master', 'priorities', 'priorities.dir1', 'advert_int', 'version',
    'nopreempt', 'preempt_delay', 'auth_type', 'auth_pass', 'unicast', 'unicast_peers', 'unicast_peers.0',
    'track_interfaces', 'track_interfaces.0', 'track_scripts', 'track_scripts.0', 'notify_master',
    'notify_backup', 'notify_fault', 'notify_stop', 'notify', 'sync_group', 'extra_vips', 'extra_vips.0',
    'extra_vips.0.address', 'extra_vips.0.prefix', 'extra_vips.0.dev', 'extra_vips.0.label',
    'garp_master_delay', 'garp_master_refresh',
]
FIELDS = [('svc', f) for f in SERVICE_FIELDS] + [('inst', f) for f in INSTANCE_FIELDS]
TEXT_FIELDS = [f for f in FIELDS if f[1] not in (
    'alpha', 'omega', 'ha_suspend', 'inhibit_on_failure', 'sorry_server', 'checker', 'real_servers',
    'real_servers.0', 'priorities', 'unicast_peers', 'track_interfaces', 'track_scripts', 'extra_vips',
    'scheduler_flags', 'checker.urls')]

# Text that tries to leave its place: newlines, quotes, braces, comments, reader instructions.
ATTACKS = [
    'x\n}\nvrrp_instance EVIL {\n    notify_master "/bin/evil"\n}\n',
    'x" notify_master "/bin/evil', 'x}', '{', '}', 'a b', '"', '#x', '!x', 'x # y', 'x ! y', '\\#x', 'x\\',
    '\\"', 'x\ny', 'x\ry', 'x\x00y', 'x\x0by', 'x\x0cy', '\tx', '@dir1 x', '$X=1', '~SEQ(i,1,3)', 'include /etc/x',
    '10.0.0.1/32 lo\n10.6.6.6/32 lo', '10.88.0.100/32 lo  # web\n10.6.6.6/32 lo', 'é', '\u2028', '\ufeff',
    'x' * 1100, '/bin/true ' + 'a' * 1010 + ' } vrrp_instance EVIL { ', 'eth0 label x', '', ' ',
]
SPECIALS = '\n\r\t\x00\x0b\x0c "\'{}#!\\$@~;|&<>*?/:.,=-_é\u2028'
hostile_text = st.one_of(
    st.sampled_from(ATTACKS),
    st.text(alphabet=st.sampled_from(SPECIALS + 'abcxyz019'), max_size=12),
    st.text(max_size=8),
    st.builds(lambda a, b: a + b, st.sampled_from(['/usr/bin/x ', 'eth0', 'web', '10.88.0.1', '200']),
              st.sampled_from(ATTACKS)),
)
yaml_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2 ** 70, max_value=2 ** 70),
    st.floats(allow_nan=True, allow_infinity=True), hostile_text,
    st.dates(min_value=datetime.date(1, 1, 1)), st.just(0o755), st.just('yes'), st.just('0755'),
)
yaml_value = st.recursive(yaml_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), inner, max_size=3)),
    max_leaves=6)


def _put(data, path, value):
    """Set ``path`` ('a.b.0') in ``data``; missing containers are created."""
    keys = path.split('.')
    node = data
    for key in keys[:-1]:
        key = int(key) if key.isdigit() else key
        if isinstance(node, list):
            node = node[key]
        else:
            if not isinstance(node.get(key), (dict, list)):
                node[key] = {}
            node = node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def inventory(kind, field, value):
    """(services, instances) with ``value`` in ``field``."""
    services = [copy.deepcopy(SERVICE)]
    instances = [copy.deepcopy(INSTANCE)]
    head = field.split('.', 1)[0]
    if head in CHECKERS:
        services[0]['checker'] = copy.deepcopy(CHECKERS[head])
        field = 'checker.' + field.split('.', 1)[1]
    if field in ('auth_pass', 'auth_type') and kind == 'inst':
        instances[0]['version'] = 2
        instances[0].setdefault('auth_pass', 'secret')
    _put(services[0] if kind == 'svc' else instances[0], field, value)
    return services, instances


def director_variables(director):
    return keepalived_render.variables(director, dict(DIRECTOR_VARS, **HOSTVARS[director]))


VARIABLES = {d: director_variables(d) for d in DIRECTORS}


def check_director(services, instances, director='dir1', variables=None):
    """director_view accepts and the rendered tree is the view's, or it raises ModelError."""
    variables = variables or VARIABLES[director]
    try:
        view = model.director_view(services, instances, director, DIRECTORS, HOSTVARS,
                                   keepalived_render.settings(variables))
    except model.ModelError:
        return None
    text = keepalived_render.render(view, variables)
    try:
        parsed = keepalived_conf.parse(text)
    except keepalived_conf.ConfError as err:
        raise AssertionError('the model accepted it, and keepalived cannot read the file: %s\n%s' % (err, text))
    expected = keepalived_conf.expected_tree(view, keepalived_render.context(view, variables))
    difference = keepalived_conf.diff(parsed, expected)
    assert difference is None, 'the model accepted it, and a value left its place: %s\n%s' % (difference, text)
    return view


REAL_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(REPO, 'roles', 'real_server', 'templates')),
                              trim_blocks=True, undefined=jinja2.StrictUndefined)
REAL_ENV.filters['comment'] = comment
REAL_TEMPLATE = REAL_ENV.get_template('lvs-real-server.conf.j2')


def check_real_server(services, host='web1'):
    """real_server_vips accepts and lvs-real-server.conf holds exactly its VIPs, or ModelError."""
    try:
        vips = model.real_server_vips(services, host, HOSTVARS)
    except model.ModelError:
        return None
    text = REAL_TEMPLATE.render(real_server_vips=vips, real_server_gateway='', ansible_managed='Ansible managed')
    # lvs-real-server read_config: lines split at \n, everything after # dropped, then words.
    lines = [line.split('#', 1)[0].split() for line in text.split('\n')]
    lines = [words for words in lines if words]
    expected = [['%s/%d' % (v['address'], 128 if ':' in v['address'] else 32), v['device']] for v in vips]
    assert lines == expected, 'a value added or changed a line of lvs-real-server.conf:\n%s' % text
    for v in vips:
        ipaddress.ip_address(v['address'])
    return vips


def check_preflight(services, instances):
    hostvars = {name: dict(hv, lvs_virtual_services=services, lvs_vrrp_instances=instances)
                for name, hv in HOSTVARS.items()}
    result = preflight.check(services, instances, hostvars, DIRECTORS, REAL_SERVERS)
    assert isinstance(result, dict) and 'problems' in result
    return result


def test_the_base_inventory_is_accepted_everywhere():
    """The properties would prove nothing if the base inventory were refused."""
    for name, checker in [('HTTP_GET', None)] + sorted(CHECKERS.items()):
        services = [copy.deepcopy(SERVICE)]
        if checker:
            services[0]['checker'] = copy.deepcopy(checker)
        for director in DIRECTORS:
            assert check_director(services, [copy.deepcopy(INSTANCE)], director) is not None, name
        assert check_real_server(services), name
        assert check_preflight(services, [copy.deepcopy(INSTANCE)])['problems'] == [], name


@BUDGET
@given(field=st.sampled_from(TEXT_FIELDS), value=hostile_text)
def test_hostile_text_stays_in_its_place(field, value):
    services, instances = inventory(field[0], field[1], value)
    check_director(services, instances)
    check_real_server(services)


@BUDGET
@given(field=st.sampled_from(FIELDS), value=yaml_value)
def test_every_yaml_type_in_every_field(field, value):
    services, instances = inventory(field[0], field[1], value)
    check_director(services, instances)
    check_real_server(services)


@BUDGET
@given(field=st.sampled_from(FIELDS), value=yaml_value)
def test_preflight_never_raises(field, value):
    services, instances = inventory(field[0], field[1], value)
    check_preflight(services, instances)


@BUDGET
@given(services=yaml_value, instances=yaml_value)
def test_whole_variables_of_any_type(services, instances):
    """lvs_virtual_services / lvs_vrrp_instances themselves of any YAML type."""
    check_director(services, instances)
    check_real_server(services)
    check_preflight(services, instances)


# Fields that hold a list or a mapping, each given a value of every other YAML type: the cases a
# random budget meets rarely, checked one by one.
CONTAINER_FIELDS = [f for f in FIELDS if f[1] in (
    'sorry_server', 'checker', 'real_servers', 'real_servers.0', 'scheduler_flags', 'checker.urls',
    'real_servers.0.checker', 'priorities', 'unicast_peers', 'track_interfaces', 'track_scripts',
    'extra_vips', 'extra_vips.0')]
WRONG_TYPES = [None, True, 0, -1, 1.5, 'text', [], [None], {}, {'x': None}, datetime.date(2024, 1, 1)]


@pytest.mark.parametrize('field', CONTAINER_FIELDS, ids=['.'.join(f) for f in CONTAINER_FIELDS])
def test_containers_of_every_type(field):
    for value in WRONG_TYPES:
        services, instances = inventory(field[0], field[1], value)
        check_director(services, instances)
        check_real_server(services)
        check_preflight(services, instances)


# The director role's own variables that reach keepalived.conf (through director_view.settings).
ROLE_FIELDS = [
    'director_router_id', 'director_notification_emails', 'director_notification_emails.0',
    'director_notification_email_from', 'director_smtp_server', 'director_smtp_connect_timeout',
    'director_script_user', 'director_vrrp_mcast_group4', 'director_vrrp_version', 'director_advert_int',
    'director_delay_loop', 'director_vrrp_garp_master_delay', 'director_vrrp_garp_master_refresh',
    'director_vrrp_scripts', 'director_vrrp_scripts.0', 'director_vrrp_scripts.0.name',
    'director_vrrp_scripts.0.script', 'director_vrrp_scripts.0.interval', 'director_vrrp_scripts.0.weight',
    'director_vrrp_scripts.0.user', 'director_lvs_sync_daemon', 'director_lvs_sync_daemon.interface',
    'director_lvs_sync_daemon.instance', 'director_lvs_sync_daemon.id', 'director_lvs_timeouts',
    'director_lvs_timeouts.tcp', 'director_handover', 'director_handover_file', 'director_libexec_dir',
    'director_vrrp_state_dir', 'director_interface', 'director_vrrp_strict', 'director_enable_script_security',
]


def role_variables(field, value):
    overrides = copy.deepcopy(dict(DIRECTOR_VARS, **HOSTVARS['dir1']))
    overrides['director_lvs_sync_daemon'] = {'interface': 'eth0', 'instance': 'VI_1', 'id': 5}
    overrides['director_lvs_timeouts'] = {'tcp': 900}
    _put(overrides, field, value)
    return keepalived_render.variables('dir1', overrides)


@BUDGET
@given(field=st.sampled_from(ROLE_FIELDS), value=st.one_of(hostile_text, yaml_value))
def test_role_variables_stay_in_their_place(field, value):
    try:
        variables = role_variables(field, value)
    except Exception:   # a value Jinja itself cannot template (Ansible would fail the same way)
        return
    check_director([copy.deepcopy(SERVICE)], [copy.deepcopy(INSTANCE)], variables=variables)
