# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the lvs.cluster lab guest image from Debian's archive only.

Imported by ../labctl. Everything that decides what the image contains lives in
this directory (recipe/), and the cache key is a hash over all of its files plus
the build inputs (suite, mirror, ssh public key), so editing any of them makes
the next `labctl build`/`labctl up` rebuild.

Output (one directory per cache key, written last-step-atomically):
  vmlinuz       Debian's stock kernel (linux-image-amd64 of the suite)
  initrd.img    busybox-static initramfs that loads virtio/ext4 and switch_roots
  rootfs.raw    sparse ext4 image (mkfs.ext4 -d), guest root; its podman store
                already holds the node images: localhost/lvs-node:latest (Debian 12,
                the guest's suite) and localhost/lvs-node-trixie:latest (Debian 13)
  meta.json     kernel version, timings, inputs (written last = build complete)
"""

import gzip
import hashlib
import json
import lzma
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

RECIPE_DIR = os.path.dirname(os.path.abspath(__file__))

SUITE = "bookworm"
NODE_IMAGE = "localhost/lvs-node:latest"
# Debian 13 nodes beside Debian 12 ones in one scenario: both keepalived versions (2.2.7, 2.3.3)
# and a mixed-version cluster, on the guest's one kernel.
NODE_IMAGE_TRIXIE = "localhost/lvs-node-trixie:latest"
NODE_SUITES = {NODE_IMAGE: SUITE, NODE_IMAGE_TRIXIE: "trixie"}
RECIPE_LABEL = "lvs.cluster.lab.recipe"

# The container image Ansible manages in tests: systemd as PID 1, reached over ssh.
NODE_PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "python3", "python3-apt",
    "openssh-server", "keepalived", "ipvsadm", "nginx", "iproute2",
    "iputils-ping", "iputils-arping", "curl", "procps", "nftables",
    "rsyslog", "logrotate",
]
# The qemu guest: systemd, sshd and rootful podman with netavark.
GUEST_PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "kmod", "openssh-server",
    "podman", "crun", "conmon", "netavark", "aardvark-dns", "iptables",
    "golang-github-containers-common", "containers-storage",
    "iproute2", "ipvsadm", "procps", "curl",
]
# Modules the initramfs loads (with their dependencies) before mounting root.
INITRAMFS_MODULES = ["virtio_pci", "virtio_blk", "virtio_net", "ext4"]

DEFAULT_DISK_SIZE = "10G"


def log(msg):
    print("labctl: " + msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Run a command, fail loudly with its output tail if it fails."""
    check = kw.pop("check", True)
    try:
        return subprocess.run(cmd, check=check, **kw)
    except subprocess.CalledProcessError as exc:
        detail = ""
        for stream in (exc.stdout, exc.stderr):
            if stream:
                text = stream.decode(errors="replace") if isinstance(stream, bytes) else stream
                detail += text[-3000:]
        raise SystemExit("labctl: command failed (rc %s): %s\n%s" % (exc.returncode, " ".join(cmd), detail))


def recipe_key(mirror, pubkey_text, disk_size):
    """Hash of every recipe file plus the build inputs: the image cache key."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(RECIPE_DIR)):
        path = os.path.join(RECIPE_DIR, name)
        if not os.path.isfile(path) or name.endswith((".pyc", "~")):
            continue
        h.update(b"file\0" + name.encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read())
    inputs = {"suite": SUITE, "node_suites": NODE_SUITES, "mirror": mirror, "pubkey": pubkey_text.strip(), "disk_size": disk_size}
    h.update(json.dumps(inputs, sort_keys=True).encode())
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- cpio (newc)

class Cpio:
    """Minimal writer for the newc cpio format the kernel unpacks as initramfs."""

    def __init__(self):
        self.chunks = []
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08x" % v for v in fields)
        self.chunks.append(hdr + name_b)
        self._pad()
        self.chunks.append(data)
        self._pad()

    def _pad(self):
        size = sum(len(c) for c in self.chunks)
        self.chunks.append(b"\0" * ((4 - size % 4) % 4))

    def directory(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0, nlink=1)
        return b"".join(self.chunks)


# ------------------------------------------------------------------ the build

def _debootstrap(root, packages, mirror, debs_dir, suite=SUITE):
    os.makedirs(debs_dir, exist_ok=True)
    run(["debootstrap", "--variant=minbase", "--components=main",
         "--cache-dir=" + debs_dir, "--include=" + ",".join(packages),
         suite, root, mirror], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _node_roots(work):
    """Where each node image's root is built: {image: directory}."""
    return dict((image, os.path.join(work, "node-root-" + suite)) for image, suite in NODE_SUITES.items())


def _parallel(jobs):
    """Run ``jobs`` (callables) side by side; the first SystemExit of any of them is raised."""
    errors = []

    def wrap(job):
        try:
            job()
        except SystemExit as exc:
            errors.append(str(exc))
    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(errors[0])


def _debootstrap_nodes(roots, mirror, debs, extra=()):
    """Every node root (and the ``extra`` jobs) side by side: debootstrap is mostly single-threaded
    dpkg work. Separate .deb caches: two debootstraps must not write the same file at once."""
    jobs = [lambda image=image, root=root: _debootstrap(root, NODE_PACKAGES, mirror,
                                                        os.path.join(debs, "node-" + NODE_SUITES[image]),
                                                        NODE_SUITES[image])
            for image, root in roots.items()]
    _parallel(jobs + list(extra))


def _apt_download(pkg, dest):
    """apt-get download from the host's Debian sources (refresh lists once if stale)."""
    for attempt in (1, 2):
        res = subprocess.run(["apt-get", "download", pkg], cwd=dest, check=False,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if res.returncode == 0:
            break
        if attempt == 1:
            log("apt-get download %s failed, running apt-get update once" % pkg)
            run(["apt-get", "update", "-qq"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        else:
            raise SystemExit("labctl: apt-get download %s failed:\n%s" % (pkg, res.stdout.decode(errors="replace")))
    debs = [f for f in os.listdir(dest) if f.startswith(pkg + "_") and f.endswith(".deb")]
    if len(debs) != 1:
        raise SystemExit("labctl: expected one .deb for %s in %s, found %s" % (pkg, dest, debs))
    return os.path.join(dest, debs[0])


def _kernel_package():
    out = run(["apt-cache", "depends", "--important", "linux-image-amd64"],
              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("Depends:") and "linux-image-" in line:
            return line.split(":", 1)[1].strip()
    raise SystemExit("labctl: cannot resolve linux-image-amd64 (apt-cache depends said:\n%s)" % out)


def _podman_import(node_root, podman, env, key, image=NODE_IMAGE):
    """tar the node rootfs into `podman import` as ``image`` (labelled with the recipe key)."""
    tar = subprocess.Popen(
        ["tar", "-C", node_root, "--numeric-owner", "--one-file-system",
         "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*",
         "--exclude=./run/*", "--exclude=./tmp/*", "-cf", "-", "."],
        stdout=subprocess.PIPE)
    imp = subprocess.run(
        podman + ["import",
                  "--change", 'CMD ["/sbin/init"]',
                  "--change", "STOPSIGNAL=SIGRTMIN+3",
                  "--change", "ENV container=podman",
                  "--change", "LABEL %s=%s" % (RECIPE_LABEL, key),
                  "-", image],
        stdin=tar.stdout, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    tar.stdout.close()
    if tar.wait() != 0 or imp.returncode != 0:
        raise SystemExit("labctl: podman import of the node image failed:\n%s" % imp.stdout.decode(errors="replace"))
    out = run(podman + ["images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"], env=env,
              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
    if image not in out:
        raise SystemExit("labctl: %s missing from the store after import:\n%s" % (image, out))
    return out.strip()


def _import_node_images(node_roots, guest_root, work, key):
    """Put each node rootfs into the guest's podman store as its image (``node_roots``: {image: root}).

    Uses the host's podman against a storage root inside the guest rootfs, with a
    private containers.conf (no change to the host's /etc/containers). Only the
    image store is kept: libpod's database records host paths and is removed,
    the guest's podman creates its own on first use.
    """
    graph = os.path.join(guest_root, "var/lib/containers/storage")
    os.makedirs(graph, exist_ok=True)
    # podman refuses a runroot longer than 50 characters: keep it in a short tmp dir.
    short = tempfile.mkdtemp(prefix="lvslab-")
    runroot, tmpdir = os.path.join(short, "run"), os.path.join(short, "tmp")
    conf = os.path.join(work, "containers.conf")
    storage_conf = os.path.join(work, "storage.conf")
    with open(conf, "w") as f:
        f.write('[engine]\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n')
    with open(storage_conf, "w") as f:
        f.write('[storage]\ndriver = "overlay"\nrunroot = "%s"\ngraphroot = "%s"\n' % (runroot, graph))
    env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage_conf)
    podman = ["podman", "--root", graph, "--runroot", runroot, "--tmpdir", tmpdir,
              "--storage-driver", "overlay", "--events-backend", "none",
              "--cgroup-manager", "cgroupfs"]
    try:
        for image, root in node_roots.items():
            out = _podman_import(root, podman, env, key, image)
    finally:
        shutil.rmtree(short, ignore_errors=True)
    # Host-specific state: libpod's bolt DB holds the host's graph/run roots, and
    # the network backend choice is the guest's to make.
    shutil.rmtree(os.path.join(graph, "libpod"), ignore_errors=True)
    os.unlink(os.path.join(graph, "defaultNetworkBackend"))
    return out


def build_node_local(cache, key, mirror, pubkey_path):
    """Local mode (this kernel has IPVS): the node images into the host's own podman store."""
    work = os.path.join(cache, "build-node-" + key)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t0 = time.monotonic()
    roots = _node_roots(work)
    log("build: debootstrap nodes (%s) ..." % ", ".join(sorted(NODE_SUITES.values())))
    _debootstrap_nodes(roots, mirror, os.path.join(cache, "debs"))
    for image, root in roots.items():
        run([os.path.join(RECIPE_DIR, "node-setup.sh"), root, pubkey_path])
        out = _podman_import(root, ["podman"], dict(os.environ), key, image)
    shutil.rmtree(work, ignore_errors=True)
    log("build: node images in the host's podman store in %.1f s" % (time.monotonic() - t0))
    return out


def _install_kernel(guest_root, work, debs):
    kpkg = _kernel_package()
    kdeb = _apt_download(kpkg, debs)
    kdir = os.path.join(work, "kernel")
    run(["dpkg-deb", "-x", kdeb, kdir])
    versions = os.listdir(os.path.join(kdir, "lib/modules"))
    if len(versions) != 1:
        raise SystemExit("labctl: unexpected module dirs in %s: %s" % (kdeb, versions))
    kver = versions[0]
    shutil.copytree(os.path.join(kdir, "lib/modules", kver),
                    os.path.join(guest_root, "lib/modules", kver), symlinks=True)
    run(["chroot", guest_root, "depmod", kver])
    return kpkg, kver, os.path.join(kdir, "boot", "vmlinuz-" + kver)


def _make_initramfs(guest_root, kver, work, debs, dest):
    bdeb = _apt_download("busybox-static", debs)
    bdir = os.path.join(work, "busybox")
    run(["dpkg-deb", "-x", bdeb, bdir])
    order = []
    for mod in INITRAMFS_MODULES:
        out = run(["chroot", guest_root, "modprobe", "-S", kver, "--show-depends", mod],
                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] == "insmod" and parts[1] not in order:
                order.append(parts[1])
    cpio = Cpio()
    for d in ("bin", "dev", "proc", "sys", "newroot", "modules"):
        cpio.directory(d)
    cpio.chardev("dev/console", 5, 1)
    with open(os.path.join(bdir, "bin/busybox"), "rb") as f:
        cpio.file("bin/busybox", f.read(), 0o755)
    cpio.symlink("bin/sh", "busybox")
    with open(os.path.join(RECIPE_DIR, "init"), "rb") as f:
        cpio.file("init", f.read(), 0o755)
    names = []
    for path in order:
        with open(os.path.join(guest_root, path.lstrip("/")), "rb") as f:
            data = f.read()
        name = os.path.basename(path)
        if name.endswith(".xz"):
            data, name = lzma.decompress(data), name[:-3]
        cpio.file("modules/" + name, data)
        names.append(name)
    cpio.file("modules.order", ("\n".join(names) + "\n").encode())
    with open(dest, "wb") as f:
        f.write(gzip.compress(cpio.finish(), compresslevel=6))
    return names


def build(cache, key, mirror, pubkey_path, disk_size):
    """Build the image for `key` into cache/images/key; return its directory."""
    images = os.path.join(cache, "images")
    final = os.path.join(images, key)
    work = os.path.join(cache, "build-" + key)
    debs = os.path.join(cache, "debs")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.makedirs(debs, exist_ok=True)
    timings = {}
    t_all = time.monotonic()

    def step(name, func, *args):
        t0 = time.monotonic()
        log("build: %s ..." % name)
        res = func(*args)
        timings[name] = round(time.monotonic() - t0, 1)
        log("build: %s done in %.1f s" % (name, timings[name]))
        return res

    node_roots = _node_roots(work)
    guest_root = os.path.join(work, "guest-root")
    t0 = time.monotonic()
    log("build: debootstrap nodes (%s) + guest (parallel) ..." % ", ".join(sorted(NODE_SUITES.values())))
    _debootstrap_nodes(node_roots, mirror, debs,
                       [lambda: _debootstrap(guest_root, GUEST_PACKAGES, mirror, os.path.join(debs, "guest"))])
    timings["debootstrap nodes+guest"] = round(time.monotonic() - t0, 1)
    log("build: debootstrap nodes + guest done in %.1f s" % timings["debootstrap nodes+guest"])
    for image, root in node_roots.items():
        step("configure node " + NODE_SUITES[image], run, [os.path.join(RECIPE_DIR, "node-setup.sh"), root, pubkey_path])
    images_out = step("import node images", _import_node_images, node_roots, guest_root, work, key)
    for root in node_roots.values():
        shutil.rmtree(root)
    kpkg, kver, vmlinuz = step("kernel", _install_kernel, guest_root, work, debs)
    step("configure guest", run, [os.path.join(RECIPE_DIR, "guest-setup.sh"), guest_root, pubkey_path])
    out = os.path.join(work, "out")
    os.makedirs(out)
    shutil.copy(vmlinuz, os.path.join(out, "vmlinuz"))
    mods = step("initramfs", _make_initramfs, guest_root, kver, work, debs, os.path.join(out, "initrd.img"))
    step("mkfs.ext4 -d", run, ["mkfs.ext4", "-q", "-F", "-L", "lvslab", "-d", guest_root,
                               os.path.join(out, "rootfs.raw"), disk_size])
    timings["total"] = round(time.monotonic() - t_all, 1)
    meta = {
        "key": key, "suite": SUITE, "mirror": mirror, "kernel_package": kpkg,
        "kernel_version": kver, "initramfs_modules": mods, "node_images": NODE_SUITES,
        "node_image_store": images_out, "disk_size": disk_size,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "timings_s": timings,
    }
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    shutil.rmtree(final, ignore_errors=True)
    os.makedirs(images, exist_ok=True)
    os.rename(out, final)
    shutil.rmtree(work, ignore_errors=True)
    return final, meta
