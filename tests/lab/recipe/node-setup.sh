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

for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service \
    getty.target apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
    e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-networkd-wait-online.service \
    systemd-logind.service; do
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
