# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the director role writes and checks under lvs_single_director: the VIP list, the unit, the
converged check's lists (no keepalived package, unit or user), rendered by the fast renderer
(tests/unit/lib/director_render.py) from the role's defaults and vars."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.lvs.cluster.tests.unit.lib.director_render import director_vars, inventory, render

SERVICES = [
    {'name': 'www', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'address': '10.0.0.21'}]},
    {'name': 'v6', 'vip': '2001:db8::5/64', 'port': 443, 'real_servers': [{'address': '2001:db8::21'}]},
]


def single_vars(host_vars=None, extra=None, services=None):
    hostvars, groups = inventory([], SERVICES if services is None else services, directors=('d1',), all_vars={'lvs_single_director': True},
                                 host_vars={'d1': dict({'ansible_facts': {'default_ipv4': {'interface': 'ens3'}}},
                                                       **(host_vars or {}))})
    return director_vars(hostvars, groups, 'd1', extra)


def test_vip_list():
    text = render('director-vips.conf.j2', single_vars())
    assert text.splitlines()[-2:] == ['10.0.0.100/32 ens3', '2001:db8::5/64 ens3']


def test_vip_list_on_director_interface():
    text = render('director-vips.conf.j2', single_vars({'director_interface': 'bond0'}))
    assert text.splitlines()[-2:] == ['10.0.0.100/32 bond0', '2001:db8::5/64 bond0']


def test_unit_runs_the_script_from_the_validated_libexec_dir():
    text = render('lvs-director-vips.service.j2', single_vars(extra={'director_libexec_dir': '/opt/lvs'}))
    assert 'ExecStart=/opt/lvs/lvs-director-vips start\n' in text
    assert 'ExecReload=/opt/lvs/lvs-director-vips sync\n' in text
    assert 'ExecStop=/opt/lvs/lvs-director-vips stop\n' in text
    assert 'Environment=LVS_DIRECTOR_VIPS_CONF=/etc/lvs-cluster/director-vips.conf\n' in text
    assert 'WantedBy=multi-user.target' in text
    # ip and ipvsadm need CAP_NET_ADMIN, modprobe CAP_SYS_MODULE, arping's packet socket CAP_NET_RAW
    # (without it the gratuitous ARP fails at boot: the lab measured a 54 s outage then)
    bounding = [line for line in text.splitlines() if line.startswith('CapabilityBoundingSet=')]
    assert bounding == ['CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_MODULE'], bounding


@pytest.mark.parametrize('libexec', ['/opt/lvs %n', '/opt/$HOME', 'relative'])
def test_unit_values_pass_the_path_grammar(libexec):
    """A value that systemd would expand (%n, $HOME) never reaches the unit: the model refuses it."""
    with pytest.raises(Exception) as error:
        render('lvs-director-vips.service.j2', single_vars(extra={'director_libexec_dir': libexec}))
    assert 'director_libexec_dir' in str(error.value)


def test_no_keepalived_in_single_mode():
    variables = single_vars()
    assert 'keepalived' not in variables['director_packages_effective']
    # lvs-director-vips announces the VIPs it adds with arping
    assert variables['director_packages_effective'] == ['ipvsadm', 'iproute2', 'iputils-arping']
    assert variables['director_converged_services'] == ['lvs-director-vips.service']
    assert variables['director_converged_users'] == []
    # no keepalived file is checked for; without fwmark_ports, the fwmark unit and rules must be gone
    assert variables['director_converged_absent'] == ['/etc/systemd/system/lvs-cluster-fwmark.service',
                                                      '/etc/lvs-cluster/fwmark.nft']


def test_fwmark_ports_in_single_mode():
    """fwmark_ports marks packets without keepalived too: nft and its unit are checked."""
    marked = {'name': 'sticky', 'fwmark': 1, 'vips': ['10.0.0.101'], 'fwmark_ports': [80, 443],
              'persistence_timeout': 60, 'real_servers': [{'address': '10.0.0.21'}]}
    variables = single_vars(services=SERVICES + [marked])
    assert 'nftables' in variables['director_packages_effective']
    assert variables['director_converged_services'] == ['lvs-director-vips.service', 'lvs-cluster-fwmark.service']
    assert variables['director_converged_absent'] == []
    text = render('director-vips.conf.j2', variables)
    assert '10.0.0.101/32 ens3' in text.splitlines()
    assert 'tcp dport { 80, 443 }' in render('lvs-cluster-fwmark.nft.j2', variables)


def test_keepalived_mode_checks_that_no_single_unit_is_left():
    hostvars, groups = inventory([{'name': 'VI_1', 'virtual_router_id': 51, 'interface': 'eth0'}], SERVICES[:1])
    variables = director_vars(hostvars, groups, 'd1')
    assert variables['director_packages_effective'] == ['keepalived', 'ipvsadm', 'iproute2']
    assert variables['director_converged_services'] == ['keepalived.service']
    assert '/etc/systemd/system/lvs-director-vips.service' in variables['director_converged_absent']
