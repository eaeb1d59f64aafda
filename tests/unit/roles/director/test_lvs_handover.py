# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""lvs-handover, the keepalived.service drop-in's helper: the track file it writes and, at stop,
the drain (a tc SYN filter) and the wait until this director no longer holds a VIP. A stub ``ip``
replays recorded ``ip -o addr show`` output of the lab's master and backup (fixtures/ip); a stub
``tc`` logs its arguments."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SCRIPT = os.path.join(REPO, 'roles', 'director', 'files', 'libexec', 'lvs-handover')
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'ip')
VIP = '10.88.0.100'
SYN_FILTER = 'filter add dev eth0 ingress protocol ip pref 4242 flower ip_proto tcp dst_ip %s tcp_flags 0x2/0x12 action drop'


@pytest.fixture
def host(tmp_path):
    """A PATH with a stub ``ip`` printing the file ``addrs`` (copied from a fixture) and a stub
    ``tc`` appending its arguments to ``tc.log``; returns a function running lvs-handover there."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    addrs = tmp_path / 'addrs'
    tc_log = tmp_path / 'tc.log'
    (bin_dir / 'ip').write_text('#!/bin/sh\n[ "$*" = "-o addr show" ] || exit 9\ncat %s\n' % addrs)
    (bin_dir / 'tc').write_text('#!/bin/sh\necho "$*" >> %s\n' % tc_log)
    for name in ('ip', 'tc'):
        os.chmod(str(bin_dir / name), 0o755)
    env = dict(os.environ, PATH='%s:%s' % (bin_dir, os.environ['PATH']))

    def run(*args, **kwargs):
        if 'fixture' in kwargs:
            shutil.copy(os.path.join(FIXTURES, kwargs['fixture']), str(addrs))
        started = time.monotonic()
        proc = subprocess.run([SCRIPT] + [str(a) for a in args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, check=False)
        return proc.returncode, proc.stdout, time.monotonic() - started

    run.popen = lambda *args: subprocess.Popen([SCRIPT] + [str(a) for a in args], env=env, stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT, universal_newlines=True)
    run.addrs = addrs
    run.tc = lambda: tc_log.read_text().splitlines() if tc_log.exists() else []
    return run


def test_hold_and_release_write_the_track_file(host, tmp_path):
    track = tmp_path / 'run' / 'lvs-cluster' / 'handover'
    assert host('hold', track)[0] == 0
    assert track.read_text() == '1\n'
    assert host('release', track)[0] == 0
    assert track.read_text() == '0\n'
    assert host.tc() == []


# A process named keepalived with an inotify watch on a directory, as keepalived's VRRP process has
# on its track files' directory once it has read them.
# It prints the name of each file closed after writing (IN_CLOSE_WRITE), as keepalived would see it.
WATCHER = r"""
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"keepalived", 0, 0, 0)    # PR_SET_NAME
fd = libc.inotify_init1(0)
wd = libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x8 | 0x200 | 0xc0)
print("watching" if fd >= 0 and wd >= 0 else "failed", flush=True)
while True:
    data = os.read(fd, 4096)
    while data:
        dummy, mask, dummy, size = struct.unpack("iIII", data[:16])
        if mask & 0x8:
            print(data[16:16 + size].rstrip(b"\0").decode(), flush=True)
        data = data[16 + size:]
"""


@pytest.fixture
def watcher():
    """Starts a "keepalived" watching a directory; stops it at the end of the test."""
    procs = []

    def start(directory):
        proc = subprocess.Popen([sys.executable, '-c', WATCHER, str(directory)], stdout=subprocess.PIPE,
                                universal_newlines=True)
        procs.append(proc)
        assert proc.stdout.readline().strip() == 'watching'
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def closed_after_writing(proc, wait):
    """The names the watcher has printed ``wait`` seconds from now (it is stopped then)."""
    time.sleep(wait)
    proc.kill()
    return proc.stdout.read().split()


def test_release_at_start_waits_until_keepalived_watches_the_track_file(host, tmp_path, watcher):
    """keepalived reads a track file, then watches it: a 0 written in between would be lost."""
    track = tmp_path / 'run' / 'handover'
    assert host('hold', track)[0] == 0
    release = host.popen('release', track, 10)
    time.sleep(0.5)
    assert release.poll() is None and track.read_text() == '1\n'
    watcher(track.parent)
    out = release.communicate(timeout=5)[0]
    assert release.returncode == 0, out
    assert 'keepalived watches %s after' % track in out and 'may take their VIPs' in out, out
    assert track.read_text() == '0\n'


def test_release_gives_up_waiting_for_a_watch_elsewhere(host, tmp_path, watcher):
    track = tmp_path / 'run' / 'handover'
    assert host('hold', track)[0] == 0
    watcher(tmp_path)    # keepalived watching another directory
    rc, out, took = host('release', track, 1)
    assert rc == 0 and 'keepalived does not watch %s after 1s; releasing anyway' % track in out, out
    assert track.read_text() == '0\n'
    assert took >= 0.98


def test_release_of_a_watched_file_does_not_wait_and_writes_twice(host, tmp_path, watcher):
    """A reload reads the file and adds its watch anew, while the old watch is still there: the
    second write, 0.5 s after the first, lands after that window if the first fell into it."""
    track = tmp_path / 'run' / 'handover'
    assert host('hold', track)[0] == 0
    seen = watcher(track.parent)
    rc, out, took = host('release', track, 10)
    assert rc == 0 and 'keepalived watches' not in out and 'may take their VIPs' in out, out
    assert track.read_text() == '0\n'
    assert 0.5 <= took < 1.5
    assert closed_after_writing(seen, 1.0) == ['handover', 'handover']


def test_stop_on_a_backup_neither_drains_nor_waits(host, tmp_path):
    track = tmp_path / 'handover'
    rc, out, took = host('stop', track, 10, 0.5, VIP, fixture='dir2-backup.txt')
    assert rc == 0 and 'no VIP here' in out, out
    assert track.read_text() == '1\n'
    assert host.tc() == []
    assert took < 0.5


def fault_after(host, track, delay):
    """A thread doing what keepalived does once it reads 1 from the track file: FAULT, the VIP
    deleted ``delay`` seconds later. Returns it and a dict with what tc had done at the FAULT and
    at the VIP's deletion."""
    seen = {}

    def vrrp_releases():
        deadline = time.monotonic() + 10
        while not (track.exists() and track.read_text() == '1\n') and time.monotonic() < deadline:
            time.sleep(0.02)
        seen['tc_at_fault'] = host.tc()
        time.sleep(delay)
        seen['tc_at_release'] = host.tc()
        shutil.copy(os.path.join(FIXTURES, 'dir2-backup.txt'), str(host.addrs))

    shutil.copy(os.path.join(FIXTURES, 'dir1-master.txt'), str(host.addrs))
    releaser = threading.Thread(target=vrrp_releases)
    releaser.start()
    return releaser, seen


# keepalived lets the VIP go 0.1 s after FAULT: the filter stays until then. Or only after 1 s: the
# filter is lifted 0.5 s after it was added, the VIP still here (a client retries a dropped SYN
# after 1 s: that retry must not be dropped again).
@pytest.mark.parametrize('release_after,lifted_first', [(0.1, False), (1.0, True)])
def test_stop_on_the_master_drains_hands_over_and_cleans_up(host, tmp_path, release_after, lifted_first):
    track = tmp_path / 'handover'
    releaser, seen = fault_after(host, track, release_after)
    rc, out, took = host('stop', track, 10, 0.2, VIP)
    releaser.join()
    assert rc == 0 and 'VIPs handed over' in out, out
    assert ('new connections let through again' in out) == lifted_first, out
    # the SYN filter was in place before the FAULT (for the drain time), gone at the end
    assert seen['tc_at_fault'] == ['qdisc add dev eth0 clsact', SYN_FILTER % VIP]
    assert ('filter del dev eth0 ingress pref 4242' in seen['tc_at_release']) == lifted_first
    assert host.tc()[2:4] == ['filter del dev eth0 ingress pref 4242', 'filter del dev eth0 ingress pref 4243']
    assert not os.path.exists(str(track) + '.drain')
    assert 0.2 + release_after - 0.02 <= took < 5


def test_yield_hands_over_like_a_stop_and_stays_in_fault(host, tmp_path):
    """restart.yml on the peer of a director it restarted pinned: the same drained hand-over,
    then FAULT (track file 1) until ``release``."""
    track = tmp_path / 'handover'
    releaser, seen = fault_after(host, track, 0.1)
    rc, out, took = host('yield', track, 10, 0.2, VIP)
    releaser.join()
    assert rc == 0 and 'VIPs handed over' in out and out.rstrip().endswith('FAULT until release'), out
    assert 'stopping keepalived' not in out
    assert seen['tc_at_fault'] == ['qdisc add dev eth0 clsact', SYN_FILTER % VIP]
    assert not os.path.exists(str(track) + '.drain')
    assert track.read_text() == '1\n'
    assert host('release', track)[0] == 0
    assert track.read_text() == '0\n'


def test_stop_gives_up_after_the_timeout_never_fails_and_cleans_up(host, tmp_path):
    track = tmp_path / 'handover'
    rc, out, took = host('stop', track, 1, 0, VIP, fixture='dir1-master.txt')
    assert rc == 0
    assert 'VIP still here after 1s: %s' % VIP in out, out
    assert took >= 0.98    # /proc/uptime counts in centiseconds
    assert 'filter del dev eth0 ingress pref 4242' in host.tc()
    assert not os.path.exists(str(track) + '.drain')


def test_hold_removes_a_filter_left_by_a_stop_cut_short(host, tmp_path):
    track = tmp_path / 'handover'
    (tmp_path / 'handover.drain').write_text('eth0\n')
    assert host('hold', track)[0] == 0
    assert host.tc()[:2] == ['filter del dev eth0 ingress pref 4242', 'filter del dev eth0 ingress pref 4243']
    assert not (tmp_path / 'handover.drain').exists()


@pytest.mark.parametrize('vip', ['10.88.0.10', '10.88.0.1', '10.88.0.1000', 'fe80::e8e2:35ff:fe1c:aed'])
def test_only_whole_addresses_match(host, tmp_path, vip):
    rc, out, took = host('stop', tmp_path / 'handover', 10, 0, vip, fixture='dir1-master.txt')
    assert rc == 0 and 'no VIP here' in out, out


def test_ipv6_vip(host, tmp_path):
    rc, out, took = host('stop', tmp_path / 'handover', 1, 0, '::1', VIP, fixture='dir2-backup.txt')
    assert 'VIP still here after 1s: ::1' in out, out
    assert 'filter add dev lo ingress protocol ipv6 pref 4243 flower ip_proto tcp dst_ip ::1 tcp_flags 0x2/0x12 action drop' in host.tc()


@pytest.mark.parametrize('args', [(), ('hold',), ('bogus', '/tmp/x'), ('stop', '/tmp/x', 10), ('yield', '/tmp/x', 10),
                                  ('release', '/tmp/x', '1s')])
def test_usage(host, args):
    rc, out, took = host(*args)
    assert rc == 2 and 'usage' in out
