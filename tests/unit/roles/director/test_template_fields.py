# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the director role's templates write for each input, one input changed at a time.

Rendered in Python by tests/unit/lib/director_render.py (the role's own templates, model and role
variables; test_render.py checks that it writes the role's bytes), so that every keyword and every
``{% if %}`` of keepalived.conf.j2 and its includes, the keepalived.service drop-in and the tmpfiles
entry is checked both ways without an ansible-playbook run. test_render.py and
test_keepalived_validate.py run the real role and keepalived -t on the seed topologies.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import (
    block, director_vars, inventory, render, render_conf)

INST = {'name': 'VI_1', 'interface': 'eth0', 'virtual_router_id': 51, 'master': 'd1'}
SVC = {'name': 'web', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'address': '10.0.0.21'}]}


def conf(instances=None, services=None, host='d1', all_vars=None, extra=None, directors=('d1', 'd2')):
    instances = [INST] if instances is None else instances
    services = [SVC] if services is None else services
    hostvars, groups = inventory(copy.deepcopy(instances), copy.deepcopy(services), directors, all_vars)
    return render_conf(hostvars, groups, host, extra)


def inst(**changes):
    return dict(INST, **changes)


def svc(**changes):
    return dict(SVC, **changes)


def lines(text):
    return [line.strip() for line in text.splitlines()]


# --- the whole file for the smallest cluster: one instance, one service, role defaults -----------

MINIMAL = '''#
# Ansible managed
#
# keepalived.conf of d1, rendered by lvs.cluster.director from
# lvs_vrrp_instances and lvs_virtual_services. Local edits are overwritten.

global_defs {
    router_id d1
    vrrp_version 3
    vrrp_garp_master_delay 5
    vrrp_garp_master_repeat 5
    vrrp_garp_master_refresh 5
    vrrp_garp_lower_prio_repeat 5
    vrrp_garp_lower_prio_delay 5
    enable_script_security
    script_user keepalived_script
}
# lvs-handover (keepalived.service drop-in) writes 1 while keepalived starts or stops: no VIP here.
track_file lvs_handover {
    file "/run/lvs-cluster/handover"
    weight 0
    init_file 0
}

# 1 while a director that takes VIPs back restarts or reloads: priority 1 (keepalived's floor; -254
# would mean FAULT), so that it does not preempt; the peer hands the VIPs over drained, then 0 again.
track_file lvs_pin {
    file "/run/lvs-cluster/pin"
    weight -253
    init_file 0
}

# playbooks/drain.yml writes 1 to a real server's file, undrain.yml 0: each real server below with a
# weight above 0 has a FILE_CHECK of weight minus its own, so 1 makes it quiescent (weight 0) without
# a reload. A missing file is created holding 0; a present one is kept across restarts and reloads.
track_file lvs_drain_10.0.0.21 {
    file "/var/lib/lvs-cluster/drain/10.0.0.21"
    init_file 0
}

vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 0.2
    version 3
    virtual_ipaddress {
        10.0.0.100/32 dev eth0
    }
    track_file {
        lvs_handover
        lvs_pin
    }
    notify "/usr/local/libexec/lvs-cluster/lvs-vrrp-notify /run/lvs-cluster/vrrp"
}
# virtual service web
virtual_server 10.0.0.100 80 {
    protocol TCP
    lvs_sched wlc
    lvs_method DR
    delay_loop 0.5

    real_server 10.0.0.21 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
        FILE_CHECK {
            track_file lvs_drain_10.0.0.21
            weight -1
        }
    }
}
'''


def test_minimal_cluster_whole_file():
    assert conf() == MINIMAL


def test_minimal_backup_director():
    text = conf(host='d2')
    assert text == MINIMAL.replace('keepalived.conf of d1', 'keepalived.conf of d2').replace(
        'router_id d1', 'router_id d2').replace('state MASTER', 'state BACKUP').replace('priority 150', 'priority 100')


def test_no_vrrp_instance_no_track_files():
    """A director without VRRP instances has nothing to hand over: no track_file blocks."""
    text = conf(instances=[], services=[])
    assert text == MINIMAL[:MINIMAL.index('# lvs-handover')]


# --- every keyword at once -------------------------------------------------------------------------

FULL_INSTANCES = [
    {'name': 'VI_WEB', 'interface': 'eth0', 'virtual_router_id': 60, 'master': 'd1', 'advert_int': 0.5,
     'preempt_delay': 0, 'garp_master_delay': 3, 'garp_master_refresh': 60, 'track_interfaces': ['eth2', 'eth1'],
     'track_scripts': ['chk_b', 'chk_a'], 'notify_master': '/bin/nm', 'notify_backup': '/bin/nb',
     'notify_fault': '/bin/nf', 'notify_stop': '/bin/ns',
     'extra_vips': [{'address': '10.0.0.250', 'prefix': 24, 'dev': 'eth0', 'label': 'eth0:vip'}, '2001:db8::7'],
     'unicast_peers': ['10.0.0.12']},
    {'name': 'VI_V2', 'interface': 'eth1', 'virtual_router_id': 61, 'master': 'd2', 'version': 2, 'auth_pass': 'secret',
     'nopreempt': True, 'notify': '/bin/notify'},
]
FULL_SERVICES = [
    {'name': 'web', 'vip': '10.0.0.100', 'port': 443, 'vrrp_instance': 'VI_WEB', 'scheduler': 'mh',
     'scheduler_flags': ['mh-port'], 'method': 'TUN', 'delay_loop': 2, 'persistence_timeout': 600,
     'persistence_granularity': '255.255.255.0', 'quorum': 1, 'hysteresis': 0, 'quorum_up': '/bin/qu',
     'quorum_down': '/bin/qd', 'virtualhost': 'www.example.com', 'alpha': True, 'omega': True, 'ha_suspend': True,
     'inhibit_on_failure': True, 'sorry_server': {'address': '10.0.0.30', 'port': 8443, 'method': 'DR', 'inhibit': True},
     'checker': {'type': 'HTTP_GET', 'http_protocol': '1.1',
                 'urls': [{'path': '/a', 'status_code': 200, 'virtualhost': 'a.example'}, {'path': '/b', 'digest': '640205B7B0FC66C1EA91C463FAC6334D'}]},
     'real_servers': [
         {'address': '10.0.0.22', 'weight': 0, 'notify_up': '/bin/up', 'notify_down': '/bin/down'},
         {'address': '10.0.0.21', 'port': 8443,
          'checker': {'type': 'MISC_CHECK', 'misc_path': '/bin/p', 'misc_dynamic': True}}]},
    {'name': 'dns', 'vip': '10.0.1.53', 'port': 53, 'protocol': 'UDP', 'vrrp_instance': 'VI_V2',
     'sorry_server': {'address': '10.0.1.30'}, 'real_servers': [{'address': '10.0.1.21'}]},
    {'name': 'm6', 'fwmark': 9, 'vips': ['2001:db8::100'], 'vrrp_instance': 'VI_WEB',
     'real_servers': [{'address': '2001:db8::31'}]},
    {'name': 'm4', 'fwmark': 7, 'vips': ['10.0.0.101'], 'vrrp_instance': 'VI_WEB', 'checker': 'NONE',
     'real_servers': [{'address': '10.0.0.31'}]},
]
FULL_VARS = {
    'director_notification_emails': ['b@x', 'a@x'], 'director_notification_email_from': 'lvs@x',
    'director_smtp_server': '127.0.0.1', 'director_smtp_connect_timeout': 20, 'director_smtp_alert': True,
    'director_vrrp_mcast_group4': '224.0.0.19', 'director_vrrp_skip_check_adv_addr': True,
    'director_vrrp_garp_master_refresh': 0, 'director_vrrp_garp_master_delay': 1, 'director_vrrp_garp_master_repeat': 2,
    'director_vrrp_garp_lower_prio_repeat': 3, 'director_vrrp_garp_lower_prio_delay': 4,
    'director_lvs_sync_daemon': {'interface': 'eth0', 'instance': 'VI_WEB', 'id': 5},
    'director_lvs_timeouts': {'udp': 300, 'tcp': 900, 'tcpfin': 120},
    'director_vrrp_scripts': [{'name': 'chk_b', 'script': '/bin/b'},
                              {'name': 'chk_a', 'script': '/bin/a', 'interval': 1, 'timeout': 2, 'weight': -20, 'rise': 2,
                               'fall': 3, 'user': 'nobody'}],
}

FULL_BLOCKS = [
    ('global_defs', '''global_defs {
    router_id d1
    notification_email {
        a@x
        b@x
    }
    notification_email_from lvs@x
    smtp_server 127.0.0.1
    smtp_connect_timeout 20
    smtp_alert
    vrrp_mcast_group4 224.0.0.19
    vrrp_version 3
    vrrp_skip_check_adv_addr
    vrrp_garp_master_delay 1
    vrrp_garp_master_repeat 2
    vrrp_garp_lower_prio_repeat 3
    vrrp_garp_lower_prio_delay 4
    enable_script_security
    script_user keepalived_script
    lvs_sync_daemon eth0 inst VI_WEB id 5
    lvs_timeouts tcp 900 tcpfin 120 udp 300
}'''),
    ('vrrp_script chk_a', '''vrrp_script chk_a {
    script "/bin/a"
    interval 1
    timeout 2
    weight -20
    rise 2
    fall 3
    user nobody
}'''),
    ('vrrp_script chk_b', '''vrrp_script chk_b {
    script "/bin/b"
    interval 2
}'''),
    # no drain file for 10.0.0.22: weight 0 (keepalived would read a track file of weight 0 as up/down)
    ('track_file lvs_drain_2001:db8::31', '''track_file lvs_drain_2001:db8::31 {
    file "/var/lib/lvs-cluster/drain/2001:db8::31"
    init_file 0
}'''),
    ('vrrp_instance VI_V2', '''vrrp_instance VI_V2 {
    state BACKUP
    interface eth1
    virtual_router_id 61
    priority 100
    advert_int 1
    version 2
    nopreempt
    authentication {
        auth_type PASS
        auth_pass secret
    }
    virtual_ipaddress {
        10.0.1.53/32 dev eth1
    }
    track_file {
        lvs_handover
        lvs_pin
    }
    notify "/bin/notify"
}'''),
    ('vrrp_instance VI_WEB', '''vrrp_instance VI_WEB {
    state BACKUP
    interface eth0
    virtual_router_id 60
    priority 150
    advert_int 0.5
    version 3
    preempt_delay 0
    garp_master_delay 3
    garp_master_refresh 60
    unicast_src_ip 10.0.0.11
    unicast_peer {
        10.0.0.12
    }
    virtual_ipaddress {
        10.0.0.100/32 dev eth0
        10.0.0.101/32 dev eth0
        10.0.0.250/24 dev eth0 label eth0:vip
    }
    virtual_ipaddress_excluded {
        2001:db8::7/128 dev eth0
        2001:db8::100/128 dev eth0
    }
    track_interface {
        eth1
        eth2
    }
    track_script {
        chk_a
        chk_b
    }
    track_file {
        lvs_handover
        lvs_pin
    }
    notify "/usr/local/libexec/lvs-cluster/lvs-vrrp-notify /run/lvs-cluster/vrrp"
    notify_master "/bin/nm"
    notify_backup "/bin/nb"
    notify_fault "/bin/nf"
    notify_stop "/bin/ns"
}'''),
    ('virtual_server 10.0.0.100 443', '''virtual_server 10.0.0.100 443 {
    protocol TCP
    lvs_sched mh
    lvs_method TUN
    mh-port
    delay_loop 2
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    quorum 1
    hysteresis 0
    quorum_up "/bin/qu"
    quorum_down "/bin/qd"
    virtualhost www.example.com
    alpha
    omega
    ha_suspend
    inhibit_on_failure
    sorry_server 10.0.0.30 8443
    sorry_server_lvs_method DR
    sorry_server_inhibit

    real_server 10.0.0.21 8443 {
        weight 1
        inhibit_on_failure
        MISC_CHECK {
            misc_path "/bin/p"
            misc_dynamic
        }
        FILE_CHECK {
            track_file lvs_drain_10.0.0.21
            weight -1
        }
    }

    real_server 10.0.0.22 443 {
        weight 0
        inhibit_on_failure
        notify_up "/bin/up"
        notify_down "/bin/down"
        HTTP_GET {
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
            http_protocol 1.1
            url {
                path /a
                status_code 200
                virtualhost a.example
            }
            url {
                path /b
                digest 640205b7b0fc66c1ea91c463fac6334d
            }
        }
    }
}'''),
    ('virtual_server 10.0.1.53 53', '''virtual_server 10.0.1.53 53 {
    protocol UDP
    lvs_sched wlc
    lvs_method DR
    delay_loop 0.5
    sorry_server 10.0.1.30 53

    real_server 10.0.1.21 53 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
        FILE_CHECK {
            track_file lvs_drain_10.0.1.21
            weight -1
        }
    }
}'''),
    ('virtual_server fwmark 7', '''virtual_server fwmark 7 {
    lvs_sched wlc
    lvs_method DR
    delay_loop 0.5

    real_server 10.0.0.31 0 {
        weight 1
        FILE_CHECK {
            track_file lvs_drain_10.0.0.31
            weight -1
        }
    }
}'''),
    ('virtual_server fwmark 9', '''virtual_server fwmark 9 {
    ip_family inet6
    lvs_sched wlc
    lvs_method DR
    delay_loop 0.5

    real_server 2001:db8::31 0 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 0.5
        }
        FILE_CHECK {
            track_file lvs_drain_2001:db8::31
            weight -1
        }
    }
}'''),
]


@pytest.fixture(scope='module')
def full():
    return conf(FULL_INSTANCES, FULL_SERVICES, all_vars=FULL_VARS)


@pytest.mark.parametrize('header, expected', FULL_BLOCKS, ids=[b[0] for b in FULL_BLOCKS])
def test_every_keyword(full, header, expected):
    assert block(full, header) == expected


def test_every_keyword_blocks_in_order(full):
    """Scripts, track files, sync groups, instances, services: in that order, sorted by name / address."""
    headers = [line for line in full.splitlines() if line.endswith('{') and not line.startswith(' ')]
    assert headers == ['global_defs {', 'vrrp_script chk_a {', 'vrrp_script chk_b {', 'track_file lvs_handover {',
                       'track_file lvs_pin {', 'track_file lvs_drain_10.0.0.21 {', 'track_file lvs_drain_10.0.0.31 {',
                       'track_file lvs_drain_10.0.1.21 {', 'track_file lvs_drain_2001:db8::31 {', 'vrrp_instance VI_V2 {', 'vrrp_instance VI_WEB {',
                       'virtual_server 10.0.0.100 443 {', 'virtual_server 10.0.1.53 53 {', 'virtual_server fwmark 7 {',
                       'virtual_server fwmark 9 {']
    for name in ('web', 'dns', 'm4', 'm6'):
        assert '\n# virtual service %s\nvirtual_server ' % name in full


# --- issue 15's gaps: advert_int, ha_suspend, several track_interface, the start state ------------

@pytest.mark.parametrize('instance, all_vars, expected', [
    ({}, {}, '0.2'),                                        # director_advert_int's default (VRRPv3)
    ({}, {'director_advert_int': 3}, '3'),
    ({'advert_int': 0.5}, {}, '0.5'),                       # the instance's own wins
    ({'advert_int': 2}, {'director_advert_int': 0.3}, '2'),
    ({'version': 2}, {}, '1'),                              # VRRPv2: whole seconds, 0.2 rounds up
    ({'version': 2}, {'director_advert_int': 1.5}, '2'),
    ({}, {'director_vrrp_version': 2, 'director_advert_int': 2.5}, '3'),
    ({'version': 2, 'advert_int': 4}, {}, '4'),
])
def test_advert_int(instance, all_vars, expected):
    text = block(conf([inst(**instance)], all_vars=all_vars), 'vrrp_instance VI_1')
    assert lines(text).count('advert_int %s' % expected) == 1, text
    assert len([line for line in lines(text) if line.startswith('advert_int')]) == 1


def test_advert_int_of_each_instance():
    text = conf([inst(advert_int=0.4), inst(name='VI_2', virtual_router_id=52, advert_int=1.2)],
                [svc(vrrp_instance='VI_1'), svc(name='two', vip='10.0.0.102', vrrp_instance='VI_2')])
    assert 'advert_int 0.4' in block(text, 'vrrp_instance VI_1 ') and 'advert_int 1.2' in block(text, 'vrrp_instance VI_2 ')


def test_sub_second_advert_int_needs_vrrp3():
    with pytest.raises(AnsibleFilterError, match='advert_int 0.5'):
        conf([inst(version=2, advert_int=0.5)])


@pytest.mark.parametrize('flag', ['alpha', 'omega', 'ha_suspend', 'inhibit_on_failure'])
def test_service_flags_one_at_a_time(flag):
    """Each flag alone: its keyword in the service block, none of the others."""
    text = block(conf(services=[svc(**{flag: True})]), 'virtual_server 10.0.0.100 80')
    flags = [line for line in lines(text) if line in ('alpha', 'omega', 'ha_suspend', 'inhibit_on_failure')]
    # inhibit_on_failure of the service is also every real server's default
    assert flags == [flag] * (2 if flag == 'inhibit_on_failure' else 1), text
    off = block(conf(services=[svc(**{flag: False})]), 'virtual_server 10.0.0.100 80')
    assert flag not in off


def test_ha_suspend_per_service():
    text = conf(services=[svc(ha_suspend=True), svc(name='other', port=81)])
    assert 'ha_suspend' in block(text, 'virtual_server 10.0.0.100 80 ')
    assert 'ha_suspend' not in block(text, 'virtual_server 10.0.0.100 81 ')


@pytest.mark.parametrize('interfaces, expected', [
    (['eth1'], ['eth1']),
    (['eth3', 'eth1', 'eth2'], ['eth1', 'eth2', 'eth3']),   # sorted, one per line, all of them
    ([], None),
])
def test_track_interfaces(interfaces, expected):
    text = block(conf([inst(track_interfaces=interfaces)]), 'vrrp_instance VI_1')
    if expected is None:
        assert 'track_interface' not in text
        return
    assert block(text, 'track_interface {') == 'track_interface {\n%s\n    }' % '\n'.join(
        '        %s' % name for name in expected)


@pytest.mark.parametrize('scripts', [['chk_one'], ['chk_b', 'chk_a']])
def test_track_scripts(scripts):
    defined = [{'name': name, 'script': '/bin/true'} for name in scripts]
    text = block(conf([inst(track_scripts=scripts)], all_vars={'director_vrrp_scripts': defined}), 'vrrp_instance VI_1')
    assert block(text, 'track_script {') == 'track_script {\n%s\n    }' % '\n'.join(
        '        %s' % name for name in sorted(scripts))


# (instance changes, director variables) -> state of d1 (the master), state of d2, keywords of d1
START_STATES = [
    ({}, {}, 'MASTER', 'BACKUP', []),
    ({'master': 'd2'}, {}, 'BACKUP', 'MASTER', []),
    # keepalived ignores nopreempt / preempt_delay on a director that starts MASTER
    ({'nopreempt': True}, {}, 'BACKUP', 'BACKUP', ['nopreempt']),
    ({'nopreempt': True, 'master': 'd2'}, {}, 'BACKUP', 'BACKUP', ['nopreempt']),
    ({'preempt_delay': 30}, {}, 'BACKUP', 'BACKUP', ['preempt_delay 30']),
    ({'preempt_delay': 0}, {}, 'BACKUP', 'BACKUP', ['preempt_delay 0']),
    ({'nopreempt': False}, {}, 'MASTER', 'BACKUP', []),
    # strict VRRP: only the address owner (priority 255) may start MASTER
    ({}, {'director_vrrp_strict': True}, 'BACKUP', 'BACKUP', []),
    ({'priorities': {'d1': 255, 'd2': 100}}, {'director_vrrp_strict': True}, 'MASTER', 'BACKUP', []),
    ({'priorities': {'d1': 255, 'd2': 100}, 'nopreempt': True}, {'director_vrrp_strict': True}, 'BACKUP', 'BACKUP',
     ['nopreempt']),
]


@pytest.mark.parametrize('changes, all_vars, master_state, backup_state, keywords', START_STATES)
def test_start_state(changes, all_vars, master_state, backup_state, keywords):
    first = block(conf([inst(**changes)], all_vars=all_vars, host='d1'), 'vrrp_instance VI_1')
    second = block(conf([inst(**changes)], all_vars=all_vars, host='d2'), 'vrrp_instance VI_1')
    assert lines(first)[1] == 'state %s' % master_state
    assert lines(second)[1] == 'state %s' % backup_state
    for text in (first, second):
        found = [line for line in lines(text) if line.split(' ')[0] in ('nopreempt', 'preempt_delay')]
        assert found == keywords, text


@pytest.mark.parametrize('changes, d1, d2', [
    ({}, 150, 100),
    ({'priorities': {'d1': 200, 'd2': 50}}, 200, 50),
    ({'master': 'd2'}, 100, 150),
])
def test_priorities(changes, d1, d2):
    assert 'priority %d\n' % d1 in block(conf([inst(**changes)], host='d1'), 'vrrp_instance VI_1')
    assert 'priority %d\n' % d2 in block(conf([inst(**changes)], host='d2'), 'vrrp_instance VI_1')


# --- the other optional keywords, each off and on --------------------------------------------------

@pytest.mark.parametrize('changes, present, absent', [
    ({}, [], ['authentication', 'unicast', 'garp_master', 'virtual_ipaddress_excluded', 'track_script', 'notify_']),
    ({'version': 2, 'auth_pass': 'pw'}, ['authentication {\n        auth_type PASS\n        auth_pass pw\n    }'], []),
    ({'version': 2, 'auth_pass': 'pw', 'auth_type': 'AH'}, ['auth_type AH\n'], ['PASS']),
    ({'garp_master_delay': 0, 'garp_master_refresh': 0}, ['garp_master_delay 0\n', 'garp_master_refresh 0\n'], []),
    ({'garp_master_delay': 2}, ['    garp_master_delay 2\n'], ['garp_master_refresh']),
    ({'garp_master_refresh': 9}, ['    garp_master_refresh 9\n'], ['garp_master_delay']),
    ({'unicast': True}, ['unicast_src_ip 10.0.0.11\n', 'unicast_peer {\n        10.0.0.12\n    }'], []),
    ({'unicast_peers': ['10.0.0.13', '10.0.0.12']},
     ['unicast_src_ip 10.0.0.11\n', 'unicast_peer {\n        10.0.0.12\n        10.0.0.13\n    }'], []),
    ({'extra_vips': [{'address': '10.0.0.5', 'prefix': 24, 'dev': 'eth1', 'label': 'eth1:v'}]},
     ['        10.0.0.5/24 dev eth1 label eth1:v\n        10.0.0.100/32 dev eth0\n    }'], ['excluded']),
    ({'extra_vips': ['2001:db8::5']}, ['virtual_ipaddress_excluded {\n        2001:db8::5/128 dev eth0\n    }'], []),
    ({'notify_stop': '/bin/s', 'notify_fault': '/bin/f'}, ['    notify_fault "/bin/f"\n    notify_stop "/bin/s"\n}'],
     ['notify_master', 'notify_backup']),
    ({'notify': '/bin/all'}, ['    notify "/bin/all"\n}'], ['lvs-vrrp-notify']),
])
def test_instance_keywords(changes, present, absent):
    text = block(conf([inst(**changes)]), 'vrrp_instance VI_1')
    for fragment in present:
        assert fragment in text, (fragment, text)
    for fragment in absent:
        assert fragment not in text, (fragment, text)


@pytest.mark.parametrize('changes, field', [
    ({'notify_master': ''}, 'notify_master'),
    ({'extra_vips': [{'address': '10.0.0.5', 'prefix': 24, 'dev': 'eth0', 'label': ''}]}, 'label'),
    ({'extra_vips': [{'address': '2001:db8::5', 'prefix': 64, 'dev': 'eth0', 'label': ''}]}, 'label'),
    ({'version': 2, 'auth_pass': ''}, 'auth_pass'),
    ({'version': 3, 'auth_pass': 'pw'}, 'VRRPv3 has no authentication'),   # keepalived would drop it
])
def test_settings_refused_rather_than_rendered_empty(changes, field):
    """An empty keyword (``notify_master ""``, ``label``) never reaches keepalived.conf: the model
    refuses it and names the field."""
    with pytest.raises(AnsibleFilterError, match=field):
        conf([inst(**changes)])


def test_unicast_on_a_lone_director():
    """unicast: true with no other director has no peer: no unicast section at all."""
    text = block(conf([inst(unicast=True)], directors=('d1',)), 'vrrp_instance VI_1')
    assert 'unicast' not in text


def test_sync_group():
    text = conf([inst(sync_group='G'), inst(name='VI_0', virtual_router_id=50, sync_group='G', interface='eth1'),
                 inst(name='VI_2', virtual_router_id=52, interface='eth2')],
                [svc(vrrp_instance='VI_1')])
    assert block(text, 'vrrp_sync_group G') == 'vrrp_sync_group G {\n    group {\n        VI_0\n        VI_1\n    }\n}'
    assert text.count('vrrp_sync_group') == 1
    assert '    init_file 0\n}\n\nvrrp_sync_group G {\n' in text
    # keepalived ignores weighted track files in sync groups: no pin then
    assert 'lvs_pin' not in text
    for name in ('VI_0', 'VI_1', 'VI_2'):
        assert block(block(text, 'vrrp_instance %s ' % name), 'track_file {') == 'track_file {\n        lvs_handover\n    }'


@pytest.mark.parametrize('all_vars, extra, handover, pin, hook', [
    ({}, {}, True, True, True),
    ({'director_handover': False}, {}, False, False, True),
    ({'director_vrrp_state_dir': ''}, {}, True, True, False),
    ({}, {'director_handover_file': '/run/x/hand'}, True, True, True),
])
def test_handover_pin_and_state_hook(all_vars, extra, handover, pin, hook):
    text = conf(all_vars=all_vars, extra=extra)
    instance = block(text, 'vrrp_instance VI_1')
    handover_file = extra.get('director_handover_file', '/run/lvs-cluster/handover')
    if handover:
        assert block(text, 'track_file lvs_handover') == (
            'track_file lvs_handover {\n    file "%s"\n    weight 0\n    init_file 0\n}' % handover_file)
    else:
        assert 'lvs_handover' not in text and 'track_file {' not in instance
    if pin:
        assert block(text, 'track_file lvs_pin') == (
            'track_file lvs_pin {\n    file "%s/pin"\n    weight -253\n    init_file 0\n}' % handover_file.rsplit('/', 1)[0])
        assert 'track_file {\n        lvs_handover\n        lvs_pin\n    }' in instance
    else:
        assert 'lvs_pin' not in text
    if hook:
        assert 'notify "/usr/local/libexec/lvs-cluster/lvs-vrrp-notify /run/lvs-cluster/vrrp"\n' in instance
    else:
        assert 'notify' not in instance


@pytest.mark.parametrize('all_vars, present, absent', [
    ({}, [], ['notification_email', 'smtp', 'vrrp_mcast_group4', 'vrrp_strict', 'vrrp_skip_check_adv_addr',
              'lvs_sync_daemon', 'lvs_timeouts']),
    ({'director_vrrp_strict': True}, ['    vrrp_strict\n'], []),
    ({'director_enable_script_security': False}, ['    script_user keepalived_script\n'], ['enable_script_security']),
    ({'director_script_user': 'ka'}, ['    script_user ka\n'], []),
    ({'director_router_id': 'R1'}, ['    router_id R1\n'], ['router_id d1']),
    ({'director_vrrp_garp_master_refresh': 0}, [], ['vrrp_garp_master_refresh']),
    ({'director_vrrp_garp_master_refresh': 7}, ['    vrrp_garp_master_refresh 7\n'], []),
    ({'director_smtp_server': 'mail'}, ['    smtp_server mail\n    smtp_connect_timeout 30\n'], ['smtp_alert']),
    ({'director_notification_email_from': 'x@y'}, ['    notification_email_from x@y\n'], ['notification_email {']),
    ({'director_lvs_sync_daemon': {'interface': 'eth1', 'instance': 'VI_1'}}, ['    lvs_sync_daemon eth1 inst VI_1\n'],
     [' id ']),
    ({'director_lvs_timeouts': {'tcpfin': 60}}, ['    lvs_timeouts tcpfin 60\n'], []),
    ({'director_vrrp_version': 2}, ['    vrrp_version 2\n'], []),
])
def test_global_defs(all_vars, present, absent):
    text = block(conf(all_vars=all_vars), 'global_defs')
    for fragment in present:
        assert fragment in text, (fragment, text)
    for fragment in absent:
        assert fragment not in text, (fragment, text)


@pytest.mark.parametrize('changes, present, absent', [
    ({'persistence_timeout': 1}, ['    persistence_timeout 1\n'], ['granularity']),
    ({'quorum': 1}, ['    quorum 1\n'], ['hysteresis', 'quorum_']),
    ({'hysteresis': 0}, ['    hysteresis 0\n'], ['quorum']),
    ({'quorum_down': '/bin/d'}, ['    quorum_down "/bin/d"\n'], ['quorum_up', 'quorum ']),
    ({'delay_loop': 7}, ['    delay_loop 7\n'], ['delay_loop 0.5']),
    ({'sorry_server': {'address': '10.0.0.9', 'port': 8080, 'inhibit': True}},
     ['    sorry_server 10.0.0.9 8080\n    sorry_server_inhibit\n'], ['sorry_server_lvs_method']),
    ({'scheduler_flags': ['sh-port', 'sh-fallback'], 'scheduler': 'sh'},
     ['    lvs_sched sh\n    lvs_method DR\n    sh-fallback\n    sh-port\n'], []),
    ({'method': 'NAT', 'protocol': 'SCTP'}, ['    protocol SCTP\n', '    lvs_method NAT\n'], []),
    ({'checker': {'type': 'TCP_CHECK', 'connect_port': 8080, 'connect_timeout': 4}},
     ['            connect_port 8080\n'], []),
    ({'checker': {'type': 'SSL_GET', 'enable_sni': True, 'urls': [{'path': '/h', 'status_code': [200, 204]}]}},
     ['        SSL_GET {\n', '            enable_sni\n', '                path /h\n                status_code 200 204\n'], []),
    ({'checker': {'type': 'DNS_CHECK', 'dns_type': 'soa', 'dns_name': 'example.com'}},
     ['            type SOA\n            name example.com\n'], []),
    ({'checker': 'NONE'}, ['        weight 1\n        FILE_CHECK {\n'], ['TCP_CHECK', 'HTTP_GET', 'MISC_CHECK', 'GET']),
    # the drain file's FILE_CHECK takes the weight to 0: minus the real server's own weight
    ({'real_servers': [{'address': '10.0.0.21', 'weight': 7}]},
     ['        FILE_CHECK {\n            track_file lvs_drain_10.0.0.21\n            weight -7\n        }\n'], []),
    # weight 0: no FILE_CHECK (keepalived reads a track file of weight 0 as up/down), no drain file
    ({'real_servers': [{'address': '10.0.0.21', 'weight': 0}, {'address': '10.0.0.22'}]},
     ['    real_server 10.0.0.21 80 {\n        weight 0\n        TCP_CHECK {\n'], ['lvs_drain_10.0.0.21']),
    ({'real_servers': [{'address': '10.0.0.21', 'weight': 7, 'inhibit_on_failure': True, 'notify_up': '/bin/u'}]},
     ['        weight 7\n        inhibit_on_failure\n        notify_up "/bin/u"\n        TCP_CHECK {\n'],
     ['notify_down']),
])
def test_virtual_server_keywords(changes, present, absent):
    text = block(conf(services=[svc(**changes)]), 'virtual_server ')
    for fragment in present:
        assert fragment in text, (fragment, text)
    for fragment in absent:
        assert fragment not in text, (fragment, text)


@pytest.mark.parametrize('changes, field', [
    ({'quorum_up': ''}, 'quorum_up'),
    ({'virtualhost': ''}, 'virtualhost'),
    ({'real_servers': [{'address': '10.0.0.21', 'notify_up': ''}]}, 'notify_up'),
])
def test_service_settings_refused_rather_than_rendered_empty(changes, field):
    with pytest.raises(AnsibleFilterError, match=field):
        conf(services=[svc(**changes)])


def test_no_delay_loop_when_director_delay_loop_is_null():
    """director_delay_loop: null leaves keepalived's own default: no delay_loop line."""
    text = block(conf(all_vars={'director_delay_loop': None}), 'virtual_server ')
    assert 'delay_loop' not in text
    text = conf([INST], [svc(delay_loop=4)], all_vars={'director_delay_loop': None})
    assert 'delay_loop 4\n' in block(text, 'virtual_server ')


def test_ipvsadm_managed_service_is_not_in_keepalived_conf():
    text = conf(services=[svc(), svc(name='static', port=81, managed_by='ipvsadm')])
    assert 'virtual_server 10.0.0.100 80 ' in text and '10.0.0.100 81' not in text and 'static' not in text


# --- the keepalived.service drop-in and the tmpfiles entry -----------------------------------------

def dropin(instances=None, services=None, host='d1', extra=None):
    instances = [INST] if instances is None else instances
    services = [SVC] if services is None else services
    hostvars, groups = inventory(copy.deepcopy(instances), copy.deepcopy(services))
    return render('keepalived-handover.conf.j2', director_vars(hostvars, groups, host, extra))


def test_handover_dropin():
    lib = '/usr/local/libexec/lvs-cluster/lvs-handover'
    text = dropin([inst(extra_vips=['2001:db8::5', '10.0.0.3'])])
    assert text == ('#\n# Ansible managed\n#\n'
                    '# Drop-in of keepalived.service (lvs.cluster.director, director_handover): keepalived takes its\n'
                    '# VIPs only once it has programmed IPVS, and hands them to a peer before it stops.\n'
                    '[Service]\n'
                    'ExecStartPre=-%s hold /run/lvs-cluster/handover\n'
                    'ExecStartPost=%s release /run/lvs-cluster/handover 30\n'
                    'ExecStop=%s stop /run/lvs-cluster/handover 10 0.1 10.0.0.3 10.0.0.100 2001:db8::5\n'
                    % (lib, lib, lib))


def test_handover_dropin_settings_and_no_instance():
    text = dropin([], [], extra={'director_libexec_dir': '/opt/l', 'director_handover_file': '/run/h',
                                 'director_handover_timeout': 4, 'director_handover_drain': 0.5})
    # no instance: keepalived never watches the track file, release must not wait for it
    assert text.endswith('[Service]\nExecStartPre=-/opt/l/lvs-handover hold /run/h\n'
                         'ExecStartPost=/opt/l/lvs-handover release /run/h\n'
                         'ExecStop=/opt/l/lvs-handover stop /run/h 4 0.5 \n')


@pytest.mark.parametrize('extra, line', [
    ({}, 'd /run/lvs-cluster/vrrp 0755 keepalived_script keepalived_script -\n'),
    ({'director_vrrp_state_dir': '/run/s', 'director_script_user': 'ka'}, 'd /run/s 0755 ka ka -\n'),
])
def test_tmpfiles(extra, line):
    hostvars, groups = inventory([INST], [SVC])
    text = render('tmpfiles.conf.j2', director_vars(hostvars, groups, 'd1', extra))
    assert text == '#\n# Ansible managed\n#\n# The VRRP state hook (lvs-vrrp-notify) writes here as the script user.\n' + line


# --- the fwmark rules (fwmark_ports) ----------------------------------------------------------------

def fwmark_rules(services):
    hostvars, groups = inventory([INST], copy.deepcopy(services))
    return render('lvs-cluster-fwmark.nft.j2', director_vars(hostvars, groups, 'd1'))


def test_fwmark_rules_one_line_per_family_and_service():
    sticky = {'name': 'sticky', 'fwmark': 7, 'vips': ['2001:db8::1', '10.0.0.101'], 'fwmark_ports': [443, 80],
              'persistence_timeout': 60, 'real_servers': [{'address': '10.0.0.21'}]}
    dns = {'name': 'dns', 'fwmark': 3, 'protocol': 'UDP', 'vips': ['10.0.0.103'], 'fwmark_ports': [53],
           'real_servers': [{'address': '10.0.0.22'}]}
    theirs = {'name': 'theirs', 'fwmark': 9, 'vips': ['10.0.0.104'], 'real_servers': [{'address': '10.0.0.22'}]}
    text = fwmark_rules([SVC, sticky, dns, theirs])
    body = text[text.index('table inet lvs_cluster_fwmark\n'):]
    assert body == ('table inet lvs_cluster_fwmark\n'
                    'delete table inet lvs_cluster_fwmark\n'
                    'table inet lvs_cluster_fwmark {\n'
                    '\tchain prerouting {\n'
                    '\t\ttype filter hook prerouting priority mangle; policy accept;\n'
                    '\t\tip daddr { 10.0.0.103 } udp dport { 53 } meta mark set 3 comment "dns"\n'
                    '\t\tip daddr { 10.0.0.101 } tcp dport { 80, 443 } meta mark set 7 comment "sticky"\n'
                    '\t\tip6 daddr { 2001:db8::1 } tcp dport { 80, 443 } meta mark set 7 comment "sticky"\n'
                    '\t}\n'
                    '}\n')
    assert 'theirs' not in text and '10.0.0.104' not in text


def test_drain_files_one_per_address_with_a_weight():
    """One drain track file per real server address with a weight above 0 in some service, in the
    director_drain_dir; each real_server's FILE_CHECK subtracts that service's own weight."""
    services = [svc(real_servers=[{'address': '10.0.0.21', 'weight': 3}, {'address': '10.0.0.22', 'weight': 0}]),
                svc(name='alt', port=8080, real_servers=[{'address': '10.0.0.21', 'weight': 5}])]
    text = conf(services=services, extra={'director_drain_dir': '/srv/drain'})
    tops = [line for line in text.splitlines() if line.startswith('track_file lvs_drain')]
    assert tops == ['track_file lvs_drain_10.0.0.21 {']
    assert block(text, 'track_file lvs_drain_10.0.0.21') == (
        'track_file lvs_drain_10.0.0.21 {\n    file "/srv/drain/10.0.0.21"\n    init_file 0\n}')
    assert 'lvs_drain_10.0.0.22' not in text
    web, alt = block(text, 'virtual_server 10.0.0.100 80'), block(text, 'virtual_server 10.0.0.100 8080')
    assert lines(block(web, 'real_server 10.0.0.21 80'))[-5:] == [
        'FILE_CHECK {', 'track_file lvs_drain_10.0.0.21', 'weight -3', '}', '}']
    assert 'FILE_CHECK' not in block(web, 'real_server 10.0.0.22 80')
    assert 'weight -5' in block(alt, 'real_server 10.0.0.21 8080')
