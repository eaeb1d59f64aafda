# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every number range of the model at its edges, through ``model.director_view`` on a small
cluster: the lowest and highest value are accepted, one step beyond either is refused with the
field named. An off-by-one in model.RANGES or in the code that applies it fails here."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy

import pytest

from ansible_collections.lvs.cluster.plugins.module_utils import model

HOSTVARS = {'d1': {'lvs_address': '10.0.0.11'}, 'd2': {'lvs_address': '10.0.0.12'}}
INSTANCE = {'name': 'VI_1', 'interface': 'eth0', 'virtual_router_id': 51, 'master': 'd1'}
SERVICE = {'name': 'web', 'vip': '10.0.0.100', 'port': 80, 'real_servers': [{'address': '10.0.0.21'}]}


def _instance(key):
    def put(inst, svc, value):
        inst[key] = value
    return put


def _service(key):
    def put(inst, svc, value):
        svc[key] = value
    return put


def _real_server(key):
    def put(inst, svc, value):
        svc['real_servers'][0][key] = value
    return put


def _checker(key, **base):
    def put(inst, svc, value):
        svc['checker'] = dict(base, **{key: value})
    return put


def _priority(inst, svc, value):
    inst['priorities'] = {'d1': value}


def _advert_v2(inst, svc, value):
    inst.update(version=2, advert_int=value)


def _virtual_port(inst, svc, value):
    svc.update(port=value, persistence_timeout=60)
    svc['real_servers'][0]['port'] = 80


def _fwmark(inst, svc, value):
    svc.pop('vip')
    svc.pop('port')
    svc.update(fwmark=value, vips=['10.0.0.100'])


# RANGES key -> (how to put a value into the cluster, the field name the error names)
PLACES = {
    'virtual_router_id': (_instance('virtual_router_id'), 'virtual_router_id'),
    'priority': (_priority, 'priority'),
    'advert_int_v2': (_advert_v2, 'advert_int'),
    'advert_int_v3': (_instance('advert_int'), 'advert_int'),
    'preempt_delay': (_instance('preempt_delay'), 'preempt_delay'),
    'garp_master_delay': (_instance('garp_master_delay'), 'garp_master_delay'),
    'garp_master_refresh': (_instance('garp_master_refresh'), 'garp_master_refresh'),
    'port': (_real_server('port'), 'port'),
    'virtual_port': (_virtual_port, 'port'),
    'fwmark': (_fwmark, 'fwmark'),
    'weight': (_real_server('weight'), 'weight'),
    'threshold': (_real_server('uthreshold'), 'uthreshold'),
    'persistence_timeout': (_service('persistence_timeout'), 'persistence_timeout'),
    'delay_loop': (_service('delay_loop'), 'delay_loop'),
    'quorum': (_service('quorum'), 'quorum'),
    'hysteresis': (_service('hysteresis'), 'hysteresis'),
    'connect_timeout': (_checker('connect_timeout', type='TCP_CHECK'), 'connect_timeout'),
    'retry': (_checker('retry', type='TCP_CHECK'), 'retry'),
    'delay_before_retry': (_checker('delay_before_retry', type='TCP_CHECK'), 'delay_before_retry'),
    'warmup': (_checker('warmup', type='TCP_CHECK'), 'warmup'),
    'misc_timeout': (_checker('misc_timeout', type='MISC_CHECK', misc_path='/bin/true'), 'misc_timeout'),
    'status_code': (_checker('status_code', type='HTTP_GET', path='/'), 'status_code'),
}


def view(put, value):
    inst, svc = copy.deepcopy(INSTANCE), copy.deepcopy(SERVICE)
    put(inst, svc, value)
    return model.director_view([svc], [inst], 'd1', ['d1', 'd2'], copy.deepcopy(HOSTVARS), {'vrrp_version': 3})


def test_every_range_has_a_place():
    assert sorted(PLACES) == sorted(model.RANGES)


def _edges():
    for key in sorted(model.RANGES):
        if key in ('quorum', 'hysteresis', 'weight'):
            continue  # bounded by each other too (quorum <= sum of weights, hysteresis < quorum): test_model.py
        low, high, whole = model.RANGES[key]
        step = 1 if whole else min(0.001, low / 2.0) if low > 0 else 0.001
        yield key, low, high, (low - step, high + step)


EDGES = list(_edges())


@pytest.mark.parametrize('key, low, high, outside', EDGES)
def test_range_edges(key, low, high, outside):
    put, field = PLACES[key]
    for value in (low, high):
        view(put, value)   # accepted
    for value in outside:
        with pytest.raises(model.ModelError) as caught:
            view(put, value)
        assert field in str(caught.value), (key, value, str(caught.value))


def test_advert_int_range_follows_the_version():
    """VRRPv2: whole seconds 1..255; VRRPv3: steps of 0.01 s up to 40.95 (the version is known per
    director, so the instance is checked there)."""
    v2, v3 = PLACES['advert_int_v2'][0], PLACES['advert_int_v3'][0]
    assert view(v2, 1)['instances'][0]['advert_int'] == 1
    assert view(v2, 255)['instances'][0]['advert_int'] == 255
    assert view(v3, 40.95)['instances'][0]['advert_int'] == 40.95
    for put, value in ((v2, 0), (v2, 1.5), (v2, 256), (v3, 41), (v3, 0.015), (v3, 0.005)):
        with pytest.raises(model.ModelError, match='advert_int'):
            view(put, value)


@pytest.mark.parametrize('key, value', [('delay_loop', 0.00015), ('connect_timeout', 1.00001),
                                        ('preempt_delay', 0.12345), ('warmup', 2.00005)])
def test_more_decimal_places_than_keepalived_reads_are_refused(key, value):
    """keepalived_ranges allows 4 places (a smaller float would render as 1e-05, which keepalived
    refuses): the model holds the same."""
    put, field = PLACES[key]
    with pytest.raises(model.ModelError, match=field):
        view(put, value)
    view(put, round(value, 4))
