#!/bin/sh
# Configure the lvs-node container root filesystem (runs on the host as root).
# Usage: node-setup.sh ROOT PUBKEY_FILE
# Containers run /sbin/init (systemd) privileged; Ansible reaches them over ssh.
set -eu
ROOT=$1
PUBKEY=$2

in_root() { chroot "$ROOT" "$@"; }

: > "$ROOT/etc/machine-id"
: > "$ROOT/etc/resolv.conf"
install -d -m 0700 "$ROOT/root/.ssh"
install -m 0600 "$PUBKEY" "$ROOT/root/.ssh/authorized_keys"
cat > "$ROOT/etc/ssh/sshd_config.d/lvs-lab.conf" <<'SSHD'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
MaxSessions 50
SSHD
rm -f "$ROOT"/etc/ssh/ssh_host_*
in_root ssh-keygen -A
# OpenSSH 9.8 and newer (Debian 13) penalise a source address whose connections fail or outlast
# LoginGraceTime, refusing it for up to 10 minutes ("kex_exchange_identification: Connection
# closed by remote host"). Every connection here comes from the guest's bridge address, and while
# a dozen containers boot under TCG the first ones time out: off (older sshd rejects the option).
sshd_version=$(in_root dpkg-query -W -f "\${Version}" openssh-server)
if in_root dpkg --compare-versions "$sshd_version" ge 1:9.8; then
  echo 'PerSourcePenalties no' >> "$ROOT/etc/ssh/sshd_config.d/lvs-lab.conf"
fi

# Units a container does not need, masked: each start costs CPU under TCG on every container boot
# (a scenario's create, the restart tests): one node container booted to multi-user in 13.0 s with
# these masks, 17.1 s without (2026-12-07, the lab guest otherwise idle). ipvsadm.service is
# Debian's init script, which with its defaults (AUTO=false, DAEMON=none) does nothing; modprobe@
# and the kernel file systems' mounts have nothing to do in a container. systemd-modules-load and
# systemd-sysctl stay: they read the roles' modules-load.d and sysctl.d files at boot.
for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
    getty.target apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-networkd-wait-online.service \
    systemd-logind.service ipvsadm.service modprobe@.service dev-hugepages.mount \
    sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount proc-sys-fs-binfmt_misc.automount systemd-binfmt.service \
    systemd-update-utmp.service systemd-update-utmp-runlevel.service; do
  ln -sf /dev/null "$ROOT/etc/systemd/system/$unit"
done
in_root systemctl enable ssh.service >/dev/null 2>&1
# Ansible's module calls cost half the CPU with the bytecode of their zip kept (the module says
# why and what was measured); a .pth line loads it in every Python of the node.
install -m 0644 "$(dirname "$0")/lvs_lab_zipcache.py" "$ROOT/usr/lib/python3/dist-packages/lvs_lab_zipcache.py"
echo 'import lvs_lab_zipcache' > "$ROOT/usr/lib/python3/dist-packages/lvs_lab_zipcache.pth"
in_root systemctl set-default multi-user.target >/dev/null

rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
  "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
  "$ROOT"/var/log/*.log
