# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""labctl: a real-IPVS lab for lvs.cluster tests on hosts whose kernel lacks IPVS.

Boots a Debian 12 qemu guest (stock kernel, ip_vs modules, rootful podman) with
no network path outward and exposes its podman API on a local unix socket, so
molecule's podman driver on the host creates its containers inside the guest.
See README.md beside this file. Python 3 standard library only.

  labctl detect          print "local" (this kernel has IPVS) or "guest"
  labctl build           build/refresh the cached guest image (no-op when current)
  labctl up              build if needed, boot, wait for ssh + podman API, forward socket
  labctl env             print `export` lines for the running lab
  labctl ssh [cmd...]    run a command in the guest (a shell without cmd)
  labctl status          show image, VM, ssh, podman API state (rc 0 = up and healthy)
  labctl down            stop the VM and the forward, remove sockets and run files
"""

import fcntl
import ipaddress
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
LABCTL = os.path.join(HERE, "labctl")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "recipe"))
import build as recipe  # noqa: E402  (recipe/build.py: everything that shapes the image)

GUEST_SOCKET = "/run/podman/podman.sock"
DEFAULT_SUBNET = "10.88.0.0/16"      # podman's default network in the guest
KVM_PROBE_TIMEOUT = 20               # s for KVM to reach the initramfs, else TCG
SSH_TIMEOUT = 300                    # s from qemu start to sshd answering
API_TIMEOUT = 120                    # s for the podman API through the forward
INITRAMFS_MARK = "LVSLAB-INITRAMFS: started"


def log(msg):
    print("labctl: " + msg, file=sys.stderr, flush=True)


def die(msg, rc=1):
    log(msg)
    sys.exit(rc)


class Lab:
    """Paths and settings; all from the environment, with defaults."""

    def __init__(self):
        env = os.environ
        self.cache = os.path.abspath(os.path.expanduser(
            env.get("LVS_LAB_CACHE") or "~/.cache/lvs-cluster/lab"))
        self.run = os.path.abspath(env.get("LVS_LAB_RUN") or os.path.join(self.cache, "run"))
        self.mirror = env.get("LVS_LAB_MIRROR") or "http://deb.debian.org/debian"
        self.mem = int(env.get("LVS_LAB_MEM") or 4096)
        self.smp = int(env.get("LVS_LAB_SMP") or 2)
        self.accel = env.get("LVS_LAB_ACCEL") or "auto"
        self.disk_size = env.get("LVS_LAB_DISK_SIZE") or recipe.DEFAULT_DISK_SIZE
        self.subnet = str(ipaddress.ip_network(env.get("LVS_LAB_SUBNET") or DEFAULT_SUBNET))
        self.port_wanted = int(env.get("LVS_LAB_SSH_PORT") or 0)
        self.key = os.path.join(self.cache, "ssh", "id_ed25519")
        self.ssh_config = os.path.join(self.run, "ssh_config")
        self.podman_sock = os.path.join(self.run, "podman.sock")
        self.control = os.path.join(self.run, "cm-%C")
        self.qemu_pid = os.path.join(self.run, "qemu.pid")
        self.forward_pid = os.path.join(self.run, "forward.pid")
        self.state_file = os.path.join(self.run, "state.json")
        self.console = os.path.join(self.run, "console.log")
        self.disk = os.path.join(self.run, "disk.qcow2")
        if self.accel not in ("auto", "kvm", "tcg"):
            die("LVS_LAB_ACCEL must be auto, kvm or tcg (got %r)" % self.accel, 2)
        if len(self.podman_sock) > 100:
            die("socket path too long for unix sockets: %s (set LVS_LAB_RUN shorter)" % self.podman_sock, 2)

    # -- state -------------------------------------------------------------

    def state(self):
        try:
            with open(self.state_file) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def write_state(self, st):
        tmp = self.state_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f, indent=2)
        os.replace(tmp, self.state_file)

    def lock(self, name):
        os.makedirs(self.run if name == "run" else self.cache, exist_ok=True)
        path = os.path.join(self.run if name == "run" else self.cache, "." + name + ".lock")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    # -- image -------------------------------------------------------------

    def pubkey(self):
        if not os.path.exists(self.key):
            os.makedirs(os.path.dirname(self.key), mode=0o700, exist_ok=True)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lvs-cluster-lab",
                            "-f", self.key], check=True)
        with open(self.key + ".pub") as f:
            return f.read()

    def image_key(self):
        return recipe.recipe_key(self.mirror, self.pubkey(), self.disk_size)

    def image_dir(self, key=None):
        return os.path.join(self.cache, "images", key or self.image_key())

    def image_meta(self, key=None):
        try:
            with open(os.path.join(self.image_dir(key), "meta.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


# ---------------------------------------------------------------- processes

def pid_alive(pid, needle):
    """True if pid runs and its command line contains needle (guards pid reuse)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, ValueError):
        return False
    return needle in cmdline


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def stop_pid(path, needle, name):
    pid = read_pid(path)
    if pid and pid_alive(pid, needle):
        os.kill(pid, signal.SIGTERM)
        for dummy in range(100):
            if not pid_alive(pid, needle):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
        log("stopped %s (pid %d)" % (name, pid))
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_tools(tools):
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        die("missing host tools: %s (Debian: apt-get install debootstrap qemu-system-x86 qemu-utils "
            "e2fsprogs podman openssh-client)" % " ".join(missing))


# ---------------------------------------------------------------- detect

def detect():
    """local when this kernel has IPVS (or can load it), else guest; LVS_LAB_MODE forces."""
    forced = os.environ.get("LVS_LAB_MODE")
    if forced in ("local", "guest"):
        return forced
    if forced:
        die("LVS_LAB_MODE must be local or guest (got %r)" % forced, 2)
    if not os.path.exists("/proc/net/ip_vs") and shutil.which("modprobe"):
        subprocess.run(["modprobe", "-q", "ip_vs"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return "local" if os.path.exists("/proc/net/ip_vs") else "guest"


def cmd_detect(lab, args):
    print(detect())
    return 0


# ---------------------------------------------------------------- local mode
# This kernel has IPVS: containers run on the host's own podman, reached over ssh
# directly. `up` puts the node image into the host's store and makes sure the host's
# podman can run privileged systemd containers; no VM, no forward.

HOST_PODMAN_DROPIN = "/etc/containers/containers.conf.d/50-lvs-cluster-lab.conf"


def host_podman(*args, check=False):
    env = {k: v for k, v in os.environ.items() if k not in ("CONTAINER_HOST", "CONTAINER_CONNECTION")}
    return subprocess.run(["podman"] + list(args), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=check)


def host_image_key():
    """The recipe key of the host's node images, None if one is missing or they differ."""
    keys = set()
    for image in recipe.NODE_SUITES:
        res = host_podman("image", "inspect", "--format",
                          '{{ index .Config.Labels "%s" }}' % recipe.RECIPE_LABEL, image)
        keys.add(res.stdout.strip() if res.returncode == 0 else None)
    return keys.pop() if len(keys) == 1 else None


def host_podman_runs():
    return host_podman("run", "--rm", "--privileged", "--network", "none", recipe.NODE_IMAGE, "/bin/true")


def fix_host_podman():
    """The fix lab-facts measured for rootful podman 4.3 without CAP_SYS_RESOURCE and with
    crun refusing hybrid cgroups: runc and lower default ulimits. A drop-in; idempotent."""
    text = ("# Written by lvs.cluster tests/lab/labctl (local mode): podman could not start a container.\n"
            "[containers]\n"
            'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n')
    if shutil.which("runc"):
        text += '\n[engine]\nruntime = "runc"\n'
    try:
        with open(HOST_PODMAN_DROPIN) as f:
            if f.read() == text:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(HOST_PODMAN_DROPIN), exist_ok=True)
    with open(HOST_PODMAN_DROPIN, "w") as f:
        f.write(text)
    log("wrote %s" % HOST_PODMAN_DROPIN)
    return True


def up_local(lab):
    need_tools(["podman", "ssh", "ssh-keygen"])
    t0 = time.monotonic()
    key = lab.image_key()
    built = False
    if host_image_key() != key:
        need_tools(["debootstrap", "chroot", "tar"])
        if os.geteuid() != 0:
            die("building the node image needs root (debootstrap, chroot)")
        fd = lab.lock("build")
        try:
            if host_image_key() != key:
                recipe.build_node_local(lab.cache, key, lab.mirror, lab.key + ".pub")
                built = True
        finally:
            os.close(fd)
    res = host_podman_runs()
    if res.returncode != 0:
        log("host podman cannot run the node image:\n" + res.stdout.strip())
        if fix_host_podman():
            res = host_podman_runs()
        if res.returncode != 0:
            die("host podman still cannot run %s:\n%s" % (recipe.NODE_IMAGE, res.stdout))
    fd = lab.lock("run")
    try:
        write_ssh_config(lab, 0, local=True)
        lab.write_state({"mode": "local", "image": key, "subnet": lab.subnet,
                         "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                         "timings_s": {"node_image_build": round(time.monotonic() - t0, 1) if built else 0}})
    finally:
        os.close(fd)
    log("local mode: this kernel has IPVS; containers run on the host's podman (%s ready)" % recipe.NODE_IMAGE)
    print_env_hint(lab)
    return 0


# ---------------------------------------------------------------- build

def ensure_image(lab):
    key = lab.image_key()
    meta = lab.image_meta(key)
    if meta:
        return key, meta, False
    need_tools(["debootstrap", "chroot", "apt-get", "apt-cache", "dpkg-deb", "tar", "mkfs.ext4", "podman"])
    if os.geteuid() != 0:
        die("building the lab image needs root (debootstrap, chroot)")
    fd = lab.lock("build")
    try:
        meta = lab.image_meta(key)
        if meta:
            return key, meta, False
        for name in os.listdir(lab.cache):
            if name.startswith("build-"):
                shutil.rmtree(os.path.join(lab.cache, name), ignore_errors=True)
        log("building guest image %s in %s (recipe changed or no cache)" % (key, lab.cache))
        meta = recipe.build(lab.cache, key, lab.mirror, lab.key + ".pub", lab.disk_size)[1]
        prune_images(lab, key)
        return key, meta, True
    finally:
        os.close(fd)


def prune_images(lab, keep):
    st = lab.state() or {}
    in_use = st.get("image") if qemu_running(lab) else None
    root = os.path.join(lab.cache, "images")
    for name in os.listdir(root):
        if name not in (keep, in_use):
            shutil.rmtree(os.path.join(root, name), ignore_errors=True)
            log("removed old image %s" % name)


def cmd_build(lab, args):
    key, meta, built = ensure_image(lab)
    if built:
        log("image %s built in %.0f s: %s" % (key, meta["timings_s"]["total"], json.dumps(meta["timings_s"])))
    else:
        log("image %s is current (built %s)" % (key, meta["built_at"]))
    print(lab.image_dir(key))
    return 0


# ---------------------------------------------------------------- ssh

# Networks that a molecule scenario creates besides podman's (molecule/default/prepare.yml: the NAT
# and the TUN real servers' networks); the guest's bridges reach them too.
SCENARIO_SUBNETS = ("10.89.0.0/24", "10.90.0.0/24")


def host_pattern(subnet):
    net = ipaddress.ip_network(subnet)
    octets = str(net.network_address).split(".")
    keep = min(net.prefixlen // 8, 3)
    return ".".join(octets[:keep] + ["*"] * (4 - keep))


# Every ssh connection of the lab: to the guest and to the containers. ConnectTimeout also bounds
# sshd's banner: a container's sshd on a starved TCG guest has taken more than 30 s to send it
# (molecule's rollout test, 2026-11-22).
SSH_DEFAULTS = """Host *
  User root
  IdentityFile {key}
  IdentitiesOnly yes
  BatchMode yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  ConnectTimeout 120
  ServerAliveInterval 15
  ServerAliveCountMax 20
"""


def host_patterns(lab):
    """ssh Host patterns of the containers: podman's network and the scenarios' own networks."""
    return " ".join(host_pattern(subnet) for subnet in (lab.subnet,) + SCENARIO_SUBNETS)


def write_ssh_config(lab, port, local=False):
    if local:
        text = ("""# Generated by tests/lab/labctl (local mode: this kernel has IPVS); rewritten on every `labctl up`.
# {pattern}: containers on this host's podman networks, reached directly.
""" + SSH_DEFAULTS).format(pattern=host_patterns(lab), key=lab.key)
    else:
        text = GUEST_SSH_CONFIG.format(run=lab.run, port=port, control=lab.control,
                                       pattern=host_patterns(lab), subnet=lab.subnet, key=lab.key)
    tmp = lab.ssh_config + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, lab.ssh_config)


GUEST_SSH_CONFIG = """# Generated by tests/lab/labctl for the lab in {run}; rewritten on every `labctl up`.
# guest: the qemu guest (sshd forwarded to 127.0.0.1:{port}), multiplexed.
# {pattern}: containers on the guest's podman network {subnet} (and the scenarios' own
# networks), reached through the guest (as
# channels of the guest's master: cheap, but a failure of that master fails every new container
# connection; the molecule tests try such an ssh failure again).
Host guest lvs-lab-guest
  HostName 127.0.0.1
  Port {port}
  HostKeyAlias lvs-lab-guest
  ControlMaster auto
  ControlPath {control}
  ControlPersist 30m

Host {pattern}
  ProxyJump guest

""" + SSH_DEFAULTS


def ssh_argv(lab, *args, mux=True, opts=()):
    argv = ["ssh", "-F", lab.ssh_config] + list(opts)
    if not mux:
        argv += ["-o", "ControlMaster=no", "-o", "ControlPath=none"]
    return argv + ["guest"] + list(args)


def guest_run(lab, command, timeout=120, check=True):
    res = subprocess.run(ssh_argv(lab, command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=timeout, check=False)
    if check and res.returncode != 0:
        die("guest command failed (rc %d): %s\n%s" % (res.returncode, command, res.stdout))
    return res


def ssh_ok(lab, timeout=15):
    try:
        res = subprocess.run(ssh_argv(lab, "true", mux=False, opts=("-o", "ConnectTimeout=5")),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0


# ---------------------------------------------------------------- podman API

def api_request(path, sock, timeout=10):
    """One HTTP/1.0 request over the forwarded unix socket; returns (status, body)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock)
        s.sendall(("GET %s HTTP/1.0\r\nHost: d\r\n\r\n" % path).encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, dummy, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body.decode(errors="replace")


def api_ok(lab):
    try:
        status, body = api_request("/_ping", lab.podman_sock)
    except OSError:
        return False
    return status == 200 and body.strip() == "OK"


def image_present(lab):
    """Every node image is in the guest's store."""
    for image in recipe.NODE_SUITES:
        try:
            status = api_request("/v4.0.0/libpod/images/%s/exists" % image, lab.podman_sock)[0]
        except OSError:
            return False
        if status != 204:
            return False
    return True


# ---------------------------------------------------------------- VM

def qemu_running(lab):
    pid = read_pid(lab.qemu_pid)
    return bool(pid) and pid_alive(pid, lab.disk)


def forward_running(lab):
    pid = read_pid(lab.forward_pid)
    return bool(pid) and pid_alive(pid, lab.podman_sock)


def accel_probe_key():
    qv = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE, text=True, check=False).stdout
    return "%s | %s" % (os.uname().release, qv.splitlines()[0] if qv else "?")


def qemu_argv(lab, image, port, accel):
    argv = ["qemu-system-x86_64", "-name", "lvs-lab", "-nodefaults", "-no-user-config",
            "-display", "none", "-machine", "pc", "-m", str(lab.mem), "-smp", str(lab.smp)]
    if accel == "kvm":
        argv += ["-accel", "kvm", "-cpu", "max"]
    else:
        argv += ["-accel", "tcg,thread=multi,tb-size=256", "-cpu", "max"]
    argv += [
        "-kernel", os.path.join(image, "vmlinuz"),
        "-initrd", os.path.join(image, "initrd.img"),
        "-append", "root=/dev/vda rw console=ttyS0 panic=-1 edd=off mitigations=off loglevel=4",
        "-drive", "file=%s,if=virtio,format=qcow2,cache=unsafe" % lab.disk,
        "-netdev", "user,id=mgmt,restrict=on,hostfwd=tcp:127.0.0.1:%d-:22" % port,
        "-device", "virtio-net-pci,netdev=mgmt",
        "-device", "virtio-rng-pci",
        "-serial", "file:" + lab.console,
        "-monitor", "none",
        "-no-reboot",
        "-pidfile", lab.qemu_pid,
    ]
    return argv


def start_qemu(lab, image, port, accel):
    for path in (lab.console, lab.disk, lab.qemu_pid):
        if os.path.exists(path):
            os.unlink(path)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                    os.path.join(image, "rootfs.raw"), lab.disk], check=True)
    with open(os.path.join(lab.run, "qemu.log"), "ab") as qlog:
        proc = subprocess.Popen(qemu_argv(lab, image, port, accel), stdin=subprocess.DEVNULL,
                                stdout=qlog, stderr=qlog, start_new_session=True)
    # -pidfile is written by qemu itself; ours as a fallback if it is slow to appear.
    for dummy in range(50):
        if read_pid(lab.qemu_pid):
            break
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    if not read_pid(lab.qemu_pid) and proc.poll() is None:
        with open(lab.qemu_pid, "w") as f:
            f.write("%d\n" % proc.pid)
    return proc


def console_has(lab, text):
    try:
        with open(lab.console, errors="replace") as f:
            return text in f.read()
    except OSError:
        return False


def console_tail(lab, n=30):
    try:
        with open(lab.console, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return "(no console log)"


def boot(lab, image, port):
    """Start qemu; KVM first when allowed and not known broken, else TCG. Returns accel."""
    probe_file = os.path.join(lab.cache, "accel.json")
    try:
        with open(probe_file) as f:
            probe = json.load(f)
    except (OSError, ValueError):
        probe = {}
    pkey = accel_probe_key()
    try_kvm = lab.accel == "kvm" or (
        lab.accel == "auto" and os.access("/dev/kvm", os.R_OK | os.W_OK)
        and not (probe.get("key") == pkey and probe.get("kvm") is False))
    if try_kvm:
        log("trying KVM (%d s to reach the initramfs)" % KVM_PROBE_TIMEOUT)
        proc = start_qemu(lab, image, port, "kvm")
        deadline = time.monotonic() + KVM_PROBE_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            if console_has(lab, INITRAMFS_MARK):
                with open(probe_file, "w") as f:
                    json.dump({"key": pkey, "kvm": True}, f)
                return "kvm", proc
            time.sleep(0.5)
        log("KVM did not boot; falling back to TCG (remembered in %s)" % probe_file)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if lab.accel == "kvm":
            die("LVS_LAB_ACCEL=kvm but KVM did not boot:\n" + console_tail(lab))
        with open(probe_file, "w") as f:
            json.dump({"key": pkey, "kvm": False}, f)
    proc = start_qemu(lab, image, port, "tcg")
    return "tcg", proc


def start_forward(lab):
    if os.path.exists(lab.podman_sock):
        os.unlink(lab.podman_sock)
    with open(os.path.join(lab.run, "forward.log"), "ab") as flog:
        proc = subprocess.Popen(
            ["ssh", "-F", lab.ssh_config, "-N", "-o", "ControlMaster=no", "-o", "ControlPath=none",
             "-o", "ExitOnForwardFailure=yes", "-o", "StreamLocalBindUnlink=yes",
             "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=20",
             "-L", "%s:%s" % (lab.podman_sock, GUEST_SOCKET), "guest"],
            stdin=subprocess.DEVNULL, stdout=flog, stderr=flog, start_new_session=True)
    with open(lab.forward_pid, "w") as f:
        f.write("%d\n" % proc.pid)
    return proc


def wait_api(lab, proc, timeout=API_TIMEOUT):
    """Wait for the podman API through the forward; restart the forward if it exits."""
    deadline = time.monotonic() + timeout
    restarts = 0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            if restarts >= 3:
                return False
            restarts += 1
            log("podman socket forward exited (rc %s), restarting it" % proc.returncode)
            time.sleep(1)
            proc = start_forward(lab)
            continue
        if api_ok(lab):
            return True
        time.sleep(0.5)
    return False


def cmd_up(lab, args):
    st = lab.state()
    if detect() == "local":
        if st and st.get("mode") != "local" and qemu_running(lab):
            die("a guest lab is up here: `labctl down` first")
        return up_local(lab)
    if st and st.get("mode") == "local":
        cleanup_run(lab, quiet=True)
    need_tools(["qemu-system-x86_64", "qemu-img", "ssh", "ssh-keygen"])
    t0 = time.monotonic()
    key, meta, built = ensure_image(lab)
    t_built = time.monotonic()
    fd = lab.lock("run")
    try:
        st = lab.state()
        if st and qemu_running(lab):
            if st.get("subnet") != lab.subnet:
                die("lab is up with subnet %s, not %s: run `labctl down` first" % (st.get("subnet"), lab.subnet))
            if st.get("image") != key:
                log("warning: the running lab uses image %s; the recipe now gives %s "
                    "(`labctl down && labctl up` to switch)" % (st.get("image"), key))
            write_ssh_config(lab, st["port"])
            if not ssh_ok(lab):
                die("lab VM runs (pid %d) but ssh does not answer; see %s" % (read_pid(lab.qemu_pid), lab.console))
            if not (forward_running(lab) and api_ok(lab)):
                stop_pid(lab.forward_pid, lab.podman_sock, "podman socket forward")
                if not wait_api(lab, start_forward(lab)):
                    die("podman API forward did not come up; see %s" % os.path.join(lab.run, "forward.log"))
                log("restarted the podman socket forward")
            log("lab already up (ssh 127.0.0.1:%d, %s)" % (st["port"], st["accel"]))
            print_env_hint(lab)
            return 0
        cleanup_run(lab, quiet=True)
        os.makedirs(lab.run, exist_ok=True)
        try:
            return start_lab(lab, key, meta, built, t0, t_built)
        except (SystemExit, KeyboardInterrupt, subprocess.SubprocessError):
            log("start failed: stopping what was started (logs kept in %s)" % lab.run)
            cleanup_run(lab, quiet=True)
            raise
    finally:
        os.close(fd)


def start_lab(lab, key, meta, built, t0, t_built):
    for name in ("forward.log", "qemu.log"):
        open(os.path.join(lab.run, name), "w").close()
    port = lab.port_wanted or free_port()
    write_ssh_config(lab, port)
    image = lab.image_dir(key)
    t_boot = time.monotonic()
    accel, proc = boot(lab, image, port)
    log("booting %s guest (kernel %s, %d MiB, %d vCPU), ssh on 127.0.0.1:%d"
        % (accel.upper(), meta["kernel_version"], lab.mem, lab.smp, port))
    deadline = time.monotonic() + SSH_TIMEOUT
    while not ssh_ok(lab):
        if proc.poll() is not None or not qemu_running(lab):
            die("qemu exited during boot:\n" + console_tail(lab))
        if time.monotonic() > deadline:
            die("no ssh after %d s; console tail:\n%s" % (SSH_TIMEOUT, console_tail(lab)))
        time.sleep(1)
    t_ssh = time.monotonic()
    log("ssh answers after %.1f s" % (t_ssh - t_boot))
    setup = ("set -e; mkdir -p /etc/containers/containers.conf.d; "
             "printf '[network]\\ndefault_subnet = \"%s\"\\n' > /etc/containers/containers.conf.d/50-lvs-lab.conf; "
             "systemctl stop podman.service 2>/dev/null || true; "
             "systemctl start podman.socket; test -S %s" % (lab.subnet, GUEST_SOCKET))
    guest_run(lab, setup)
    if not wait_api(lab, start_forward(lab)):
        die("podman API did not answer through %s; see %s"
            % (lab.podman_sock, os.path.join(lab.run, "forward.log")))
    if not image_present(lab):
        die("%s is not in the guest's image store" % " or ".join(recipe.NODE_SUITES))
    t_api = time.monotonic()
    st = {
        "mode": "guest", "image": key, "kernel": meta["kernel_version"], "accel": accel, "port": port,
        "subnet": lab.subnet, "mem_mib": lab.mem, "smp": lab.smp,
        "qemu_pid": read_pid(lab.qemu_pid), "forward_pid": read_pid(lab.forward_pid),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "timings_s": {
            "image_build": round(t_built - t0, 1) if built else 0,
            "boot_to_ssh": round(t_ssh - t_boot, 1),
            "ssh_to_podman_api": round(t_api - t_ssh, 1),
            "up_total": round(t_api - t0, 1),
        },
    }
    lab.write_state(st)
    log("lab up in %.1f s (boot to ssh %.1f s, podman API %.1f s later)"
        % (t_api - t0, t_ssh - t_boot, t_api - t_ssh))
    print_env_hint(lab)
    return 0


def print_env_hint(lab):
    log("ssh_config: %s" % lab.ssh_config)
    log('use it:     eval "$(%s env)"' % LABCTL)


# ---------------------------------------------------------------- down/status/env/ssh

def cleanup_run(lab, quiet=False):
    if not os.path.isdir(lab.run):
        return
    if os.path.exists(lab.ssh_config):
        subprocess.run(ssh_argv(lab, opts=("-O", "exit")),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20, check=False)
    stop_pid(lab.forward_pid, lab.podman_sock, "podman socket forward")
    stop_pid(lab.qemu_pid, lab.disk, "qemu")
    for name in os.listdir(lab.run):
        path = os.path.join(lab.run, name)
        if name.startswith("cm-") or name in ("podman.sock", "disk.qcow2", "state.json", "ssh_config"):
            try:
                os.unlink(path)
            except OSError:
                pass
    if not quiet:
        log("lab is down (logs kept in %s)" % lab.run)


def cmd_down(lab, args):
    fd = lab.lock("run")
    try:
        cleanup_run(lab)
    finally:
        os.close(fd)
    return 0


def cmd_status(lab, args):
    key = lab.image_key()
    meta = lab.image_meta(key)
    st = lab.state() or {}
    print("cache:        %s" % lab.cache)
    if st.get("mode") == "local":
        present = host_image_key()
        print("mode:         local (this kernel has IPVS: host podman, no guest)")
        state = "MISSING" if present is None else "current" if present == key else "present, STALE"
        print("node images:  %s %s" % (", ".join(recipe.NODE_SUITES), state))
        print("ssh_config:   %s" % lab.ssh_config)
        return 0 if present is not None else 1
    built = "built %s, kernel %s" % (meta["built_at"], meta["kernel_version"]) if meta else "not built"
    print("image:        %s (%s)" % (key, built))
    if not qemu_running(lab):
        print("vm:           down")
        return 3
    healthy = True
    print("vm:           up, pid %d, %s, %s MiB, %s vCPU, image %s%s" % (
        read_pid(lab.qemu_pid), st.get("accel", "?").upper(), st.get("mem_mib"), st.get("smp"),
        st.get("image"), "" if st.get("image") == key else " (STALE: recipe changed)"))
    s_ok = ssh_ok(lab)
    healthy &= s_ok
    print("ssh:          127.0.0.1:%s %s" % (st.get("port"), "ok" if s_ok else "NOT ANSWERING"))
    a_ok = forward_running(lab) and api_ok(lab)
    healthy &= a_ok
    print("podman api:   %s %s" % (lab.podman_sock, "ok" if a_ok else "DOWN"))
    if a_ok:
        print("node images:  %s %s" % (", ".join(recipe.NODE_SUITES), "present" if image_present(lab) else "MISSING"))
    print("subnet:       %s" % st.get("subnet"))
    print("ssh_config:   %s" % lab.ssh_config)
    print("timings (s):  %s" % json.dumps(st.get("timings_s", {})))
    if meta:
        print("image build (s): %s" % json.dumps(meta.get("timings_s", {})))
    return 0 if healthy else 1


def cmd_env(lab, args):
    st = lab.state()
    if st and st.get("mode") == "local":
        print("unset CONTAINER_HOST")
        exports = [("LVS_LAB_MODE", "local")]
    elif not st or not qemu_running(lab):
        log("the lab is not up (run `labctl up`)")
        return 3
    else:
        exports = [("LVS_LAB_MODE", "guest"), ("CONTAINER_HOST", "unix://" + lab.podman_sock),
                   ("LVS_LAB_GUEST_SSH_PORT", str(st["port"]))]
    exports += [
        ("LVS_LAB_SSH_CONFIG", lab.ssh_config),
        ("LVS_LAB_SSH_KEY", lab.key),
        ("LVS_LAB_NODE_IMAGE", recipe.NODE_IMAGE),
        ("LVS_LAB_NODE_IMAGE_TRIXIE", recipe.NODE_IMAGE_TRIXIE),
        ("LVS_LAB_SUBNET", st["subnet"]),
    ]
    for name, value in exports:
        print("export %s=%s" % (name, shlex.quote(value)))
    return 0


def cmd_ssh(lab, args):
    if (lab.state() or {}).get("mode") == "local":
        die("local mode: there is no guest (containers run on this host)", 2)
    if not qemu_running(lab):
        die("the lab is not up (run `labctl up`)", 3)
    argv = ["ssh", "-F", lab.ssh_config]
    if not args and sys.stdin.isatty():
        argv.append("-t")
    os.execvp("ssh", argv + ["guest"] + args)


COMMANDS = {
    "detect": cmd_detect, "build": cmd_build, "up": cmd_up, "env": cmd_env,
    "ssh": cmd_ssh, "status": cmd_status, "down": cmd_down,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__.split("\n\n", 1)[1], file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[1]](Lab(), argv[2:])
    except BrokenPipeError:  # e.g. `labctl status | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
