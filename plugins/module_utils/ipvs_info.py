# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ipvsadm_info module returns: the table and the listings it asks for, merged.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_names import (
    dest_sort_key,
    spec_sort_key,
)
from ansible_collections.lvs.cluster.plugins.module_utils.ipvs_parse import (
    parse_counter,
    parse_daemon,
    parse_listing,
    parse_save,
    parse_timeout,
    table_to_list,
)

GATHER_CHOICES = ('stats', 'rates', 'thresholds', 'persistent_conns', 'timeouts', 'daemon')
_STATS_FIELDS = ('conns', 'inpkts', 'outpkts', 'inbytes', 'outbytes')
_RATE_FIELDS = ('cps', 'inpps', 'outpps', 'inbps', 'outbps')


def gather_info(ipvsadm, gather):
    """Read the table and what ``gather`` names -> dict for ipvsadm_info."""
    gather = set(gather)
    table = parse_save(ipvsadm.read('save'))
    services = table_to_list(table)
    index = {}
    for spec, out in zip(sorted(table.services, key=spec_sort_key), services):
        dkeys = sorted(table.dests[spec], key=dest_sort_key)
        index[spec] = (out, dict(zip(dkeys, out['real_servers'])))
    header = {}

    def merge(listing_text, on_service, on_dest):
        head, listed = parse_listing(listing_text)
        header.update(head)
        for spec, fields, dests in listed:
            if spec not in index:
                continue
            out, real_servers = index[spec]
            if on_service is not None:
                on_service(out, fields)
            for dkey, dfields in dests:
                if dkey in real_servers:
                    on_dest(real_servers[dkey], dfields)

    def counters(names, target):
        def fill(item, fields):
            item[target] = dict(zip(names, [parse_counter(v) for v in fields]))
        return fill

    def thresholds(rs, fields):
        rs['upper_threshold'], rs['lower_threshold'] = int(fields[0]), int(fields[1])
        rs['active_conns'], rs['inactive_conns'] = int(fields[2]), int(fields[3])

    def persistent(rs, fields):
        rs['persistent_conns'] = int(fields[1])
        rs['active_conns'], rs['inactive_conns'] = int(fields[2]), int(fields[3])

    if 'thresholds' in gather:
        merge(ipvsadm.read('thresholds'), None, thresholds)
    if 'persistent_conns' in gather:
        merge(ipvsadm.read('persistent_conns'), None, persistent)
    if 'stats' in gather:
        fill = counters(_STATS_FIELDS, 'stats')
        merge(ipvsadm.read('stats'), fill, fill)
    if 'rates' in gather:
        fill = counters(_RATE_FIELDS, 'rates')
        merge(ipvsadm.read('rates'), fill, fill)

    result = dict(services=services, gathered=sorted(gather))
    if header:
        result['ipvs'] = header
    if 'timeouts' in gather:
        result['timeouts'] = parse_timeout(ipvsadm.read('timeouts'))
    if 'daemon' in gather:
        result['daemons'] = parse_daemon(ipvsadm.read('daemon'))
    return result
