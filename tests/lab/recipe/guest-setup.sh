#!/bin/sh
# Configure the lab guest's root filesystem (runs on the host as root).
# Usage: guest-setup.sh ROOT PUBKEY_FILE
# The kernel modules are copied in by labctl before this script runs.
set -eu
ROOT=$1
PUBKEY=$2

in_root() { chroot "$ROOT" "$@"; }

echo lvs-lab > "$ROOT/etc/hostname"
cat > "$ROOT/etc/hosts" <<'HOSTS'
127.0.0.1 localhost
127.0.1.1 lvs-lab
::1 localhost ip6-localhost ip6-loopback
HOSTS
printf '/dev/vda / ext4 rw,noatime 0 0\n' > "$ROOT/etc/fstab"
: > "$ROOT/etc/machine-id"

# Management network: qemu user networking (restrict=on), static address, no DNS.
# A plain unit, not systemd-networkd: without udev, networkd leaves links pending.
cat > "$ROOT/etc/systemd/system/lvs-lab-net.service" <<'UNIT'
[Unit]
Description=lvs lab management network (static, qemu user net)
DefaultDependencies=no
After=systemd-modules-load.service
Before=network.target ssh.service
Wants=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/sbin/ip link set lo up
ExecStart=/sbin/ip link set eth0 up
ExecStart=/sbin/ip addr replace 10.0.2.15/24 dev eth0
ExecStart=/sbin/ip route replace default via 10.0.2.2

[Install]
WantedBy=multi-user.target
UNIT
: > "$ROOT/etc/resolv.conf"

# IPVS (all schedulers of Debian 12's kernel), IP-in-IP for LVS/TUN, and what podman uses.
cat > "$ROOT/etc/modules-load.d/lvs-lab.conf" <<'MODS'
ip_vs
ip_vs_rr
ip_vs_wrr
ip_vs_lc
ip_vs_wlc
ip_vs_lblc
ip_vs_lblcr
ip_vs_dh
ip_vs_sh
ip_vs_sed
ip_vs_nq
ip_vs_fo
ip_vs_ovf
ip_vs_mh
ipip
dummy
overlay
bridge
veth
MODS

# root over ssh by key only.
install -d -m 0700 "$ROOT/root/.ssh"
install -m 0600 "$PUBKEY" "$ROOT/root/.ssh/authorized_keys"
cat > "$ROOT/etc/ssh/sshd_config.d/lvs-lab.conf" <<'SSHD'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
MaxSessions 200
MaxStartups 200:30:400
SSHD
rm -f "$ROOT"/etc/ssh/ssh_host_*
in_root ssh-keygen -A

# A throwaway guest: keep the journal in memory (no flush to disk at boot).
mkdir -p "$ROOT/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' > "$ROOT/etc/systemd/journald.conf.d/lvs-lab.conf"

# podman: API socket, fast exits under TCG (exec monitors otherwise linger 300 s).
mkdir -p "$ROOT/etc/containers"
cat > "$ROOT/etc/containers/containers.conf" <<'CONF'
[containers]
log_driver = "k8s-file"

[engine]
exit_command_delay = 5
events_logger = "file"

[network]
network_backend = "netavark"
CONF
# The packaged CNI config would make podman pick CNI, whose plugins are not installed.
rm -f "$ROOT"/etc/cni/net.d/*.conflist
mkdir -p "$ROOT/etc/systemd/system/podman.service.d"
cat > "$ROOT/etc/systemd/system/podman.service.d/lvs-lab.conf" <<'UNIT'
[Service]
ExecStart=
ExecStart=/usr/bin/podman --log-level=warning system service --time=0
UNIT

# No udev in this image: gettys would wait 90 s for their devices.
for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
    getty.target apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-networkd-wait-online.service \
    podman-auto-update.timer podman-auto-update.service podman-restart.service ipvsadm.service \
    modprobe@drm.service modprobe@fuse.service modprobe@loop.service modprobe@dm_mod.service \
    modprobe@efi_pstore.service systemd-journal-flush.service; do
  ln -sf /dev/null "$ROOT/etc/systemd/system/$unit"
done
in_root systemctl enable lvs-lab-net.service ssh.service podman.socket >/dev/null 2>&1
in_root systemctl set-default multi-user.target >/dev/null

rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/*

# Boot report on the serial console (console.log on the host): addresses, routes, listeners.
cat > "$ROOT/etc/systemd/system/lvs-lab-report.service" <<'UNIT'
[Unit]
Description=lvs lab boot report on the console
After=network.target ssh.service podman.socket

[Service]
Type=oneshot
StandardOutput=tty
TTYPath=/dev/ttyS0
ExecStart=/bin/sh -c 'echo "LVSLAB-REPORT: begin"; ip -br link; ip -br addr; ip route; ss -ltnx | grep -E ":22 |podman"; lsmod | grep -c "^ip_vs"; echo "LVSLAB-REPORT: end"'

[Install]
WantedBy=multi-user.target
UNIT
in_root systemctl enable lvs-lab-report.service >/dev/null 2>&1
