# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile containers trying the published mount and /proc escape classes (docs/SECURITY.md):
# each test sets up what an attacker controls (an image, a volume shared with another
# container, a container process racing the runtime) and checks from outside, or through a
# probe, that the runtime's mount or write never lands where the attacker steered it.
#
#  - CVE-2025-52881: runtime writes under /proc redirected into a file of the image.
#  - CVE-2019-19921: a symlink in the image steering a mount into procfs.
import os
import subprocess

import pytest

from lib import host_mounts

pytestmark = [pytest.mark.mounts, pytest.mark.attacks]


def test_sysctl_never_written_into_the_image(bundle, container, test_dir):
    """CVE-2025-52881: with no procfs mounted, the image plants /proc/sys/kernel/shmmax as a
    plain file. The sysctl must reach the kernel (the container's IPC namespace), never the
    file."""
    b = bundle(["/probe", "sleep"])
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] != "proc"]
    b.linux["maskedPaths"] = []
    b.linux["readonlyPaths"] = []
    fake = os.path.join(b.rootfs, "proc", "sys", "kernel")
    os.makedirs(fake)
    with open(os.path.join(fake, "shmmax"), "w") as f:
        f.write("image\n")
    b.linux["sysctl"] = {"kernel.shmmax": "123456789"}
    c = container(b)
    r = c.create()
    with open(os.path.join(fake, "shmmax")) as f:
        assert f.read() == "image\n", "the sysctl was written into the image's file"
    assert r.returncode == 0, r.stderr
    v = subprocess.run(["nsenter", "-t", str(c.pid), "--ipc", "cat", "/proc/sys/kernel/shmmax"],
                       capture_output=True, text=True)
    assert v.stdout.strip() == "123456789", v.stdout + v.stderr


def test_symlink_into_procfs_cannot_steer_a_mount(bundle, container, test_dir):
    """CVE-2019-19921: /mnt/attr in the image points into procfs; a bind mount on
    /mnt/attr/current would cover /proc/self/attr/current. It must be refused."""
    src = os.path.join(test_dir, "fake-attr")
    with open(src, "w") as f:
        f.write("unconfined")
    b = bundle(["cat", "/proc/self/attr/current"])
    os.makedirs(os.path.join(b.rootfs, "mnt"), exist_ok=True)
    os.symlink("/proc/self/attr", os.path.join(b.rootfs, "mnt", "attr"))
    b.config["mounts"].append({"destination": "/mnt/attr/current", "type": "bind",
                               "source": src, "options": ["bind"]})
    r = container(b).run()
    assert r.returncode != 0, r.stdout
    assert "procfs" in r.stderr, r.stderr


def test_dotdot_destination_stays_inside(bundle, container, test_dir):
    """`..` in a destination climbs no higher than the container's root."""
    outside = os.path.join(test_dir, "outside")
    os.mkdir(outside)
    b = bundle(["stat", "-f", "-c", "%T", "/escaped"])
    depth = b.rootfs.count("/") + 2
    b.config["mounts"].append({"destination": "/" + "../" * depth + "escaped", "type": "tmpfs",
                               "source": "tmpfs"})
    before = host_mounts()
    r = container(b).run()
    assert host_mounts() == before
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "tmpfs"
    assert os.path.isdir(os.path.join(b.rootfs, "escaped"))
    assert not os.path.exists("/escaped")
