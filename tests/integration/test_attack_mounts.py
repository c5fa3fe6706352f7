# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile containers trying the published mount and /proc escape classes (docs/SECURITY.md):
# each test sets up what an attacker controls (an image, a volume shared with another
# container, a container process racing the runtime) and checks from outside, or through a
# probe, that the runtime's mount or write never lands where the attacker steered it.
#
#  - CVE-2021-30465: a mount destination swapped between a directory and a symlink while the
#    runtime mounts (two containers sharing a volume; the attacker runs tests/attack/mount_swap).
#  - CVE-2025-31133: maskedPaths through a /dev/null that is a symlink into procfs.
#  - CVE-2025-52565: /dev/console made through a symlink in the image.
#  - CVE-2025-52881: runtime writes under /proc redirected into a file of the image.
#  - CVE-2019-19921: a symlink in the image steering a mount into procfs.
import os
import shutil
import subprocess

import pytest

from lib import finish_receiver, parse_probe, stable_mounts, start_receiver

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))

pytestmark = [pytest.mark.mounts, pytest.mark.attack]

SWAP_ATTEMPTS = 120


@pytest.fixture(scope="session")
def mount_swap(session_dir):
    """The static attacker program tests/attack/mount_swap.c (built by meson, else here)."""
    built = os.path.join(BUILD_DIR, "tests", "attack", "mount_swap")
    if os.access(built, os.X_OK):
        return built
    out = os.path.join(session_dir, "mount_swap")
    subprocess.run(["cc", "-std=gnu11", "-O2", "-static", "-o", out,
                    os.path.join(REPO, "tests", "attack", "mount_swap.c")], check=True)
    return out


def _mountpoints(facts):
    return facts.get("mount", [])


def test_mount_target_swap_race_never_lands_in_procfs(bundle, container, test_dir, mount_swap):
    """CVE-2021-30465: container A loops renameat2(RENAME_EXCHANGE) between vol/d (a
    directory) and vol/l (a symlink to /proc/sys/kernel) while container B is created with a
    bind mount on /vol/d. Over many attempts B's bind must land on the directory or be
    refused; it must never cover B's /proc/sys/kernel."""
    vol = os.path.join(test_dir, "volume")
    os.mkdir(vol)
    os.mkdir(os.path.join(vol, "d"))
    os.symlink("/proc/sys/kernel", os.path.join(vol, "l"))
    src = os.path.join(test_dir, "src")
    os.mkdir(src)
    with open(os.path.join(src, "planted"), "w") as f:
        f.write("x")

    a = bundle(["/mount_swap", "/vol/d", "/vol/l"])
    shutil.copy2(mount_swap, os.path.join(a.rootfs, "mount_swap"))
    a.config["mounts"].append({"destination": "/vol", "type": "bind", "source": vol,
                               "options": ["rbind", "rw"]})
    attacker = container(a)
    assert attacker.run(detach=True).returncode == 0
    attacker.wait_output("swapping")

    b = bundle(["/probe"])
    b.linux["readonlyPaths"] = []
    b.config["mounts"] += [
        {"destination": "/vol", "type": "bind", "source": vol, "options": ["rbind", "rw"]},
        {"destination": "/vol/d", "type": "bind", "source": src, "options": ["bind", "ro"]},
    ]
    landed, on_dir, refused = [], 0, 0
    for i in range(SWAP_ATTEMPTS):
        r = container(b, id="victim-%d" % i).run()
        if r.returncode != 0:
            refused += 1
            assert "Traceback" not in r.stderr
            continue
        mounts = _mountpoints(parse_probe(r.stdout))
        if "/proc/sys/kernel" in mounts:
            landed.append(i)
        elif "/vol/d" in mounts:
            on_dir += 1
    attacker.kill(9)
    assert not landed, "the bind landed on /proc/sys/kernel in attempts %s (of %d; %d on the " \
        "directory, %d refused)" % (landed, SWAP_ATTEMPTS, on_dir, refused)
    assert on_dir > 0, "no attempt mounted at all (%d refused)" % refused
    assert os.listdir(src) == ["planted"]


def test_masked_path_through_symlinked_dev_null_is_refused(bundle, container, test_dir):
    """CVE-2025-31133: /dev comes from a volume in which `null` is a symlink to a procfs file.
    Masking a file binds /dev/null over it; following the symlink would bind that procfs file
    over /proc/keys instead (readable and, for other files, writable). The runtime must refuse
    a mask source that is not the character device 1:3."""
    dev = os.path.join(test_dir, "devvol")
    os.mkdir(dev)
    os.symlink("/proc/sys/kernel/ostype", os.path.join(dev, "null"))
    b = bundle(["cat", "/proc/keys"])
    b.config["mounts"] = [m for m in b.config["mounts"] if not m["destination"].startswith("/dev")]
    b.config["mounts"].append({"destination": "/dev", "type": "bind", "source": dev,
                               "options": ["rbind", "rw"]})
    b.linux["maskedPaths"] = ["/proc/keys"]
    r = container(b).run()
    assert "Linux" not in r.stdout, "/proc/keys shows the symlink's target: the mask followed it"
    assert r.returncode != 0, r.stdout + r.stderr
    assert "/dev/null" in r.stderr and "1:3" in r.stderr, r.stderr
    assert os.path.islink(os.path.join(dev, "null"))


def test_masked_path_uses_the_real_dev_null(bundle, container):
    """The mask of a file is the container's /dev/null (a character device 1:3), read empty."""
    b = bundle(["sh", "-c", "/probe stat /proc/keys; echo size=$(wc -c < /proc/keys)"])
    b.linux["maskedPaths"] = ["/proc/keys"]
    r = container(b).run()
    assert r.returncode == 0, r.stdout + r.stderr
    facts = parse_probe(r.stdout)
    assert (facts["type"], facts["major"], facts["minor"]) == ("chr", "1", "3")
    assert facts["size"] == "0"


def _console_run(bundle, container, test_dir, args, prepare=None):
    b = bundle(args)
    b.process["terminal"] = True
    if prepare:
        prepare(b)
    p, sock, out = start_receiver(test_dir)
    c = container(b)
    r = c.create(console_socket=sock)
    if r.returncode != 0:
        p.kill()
        p.wait()
        return r, ""
    assert c.start().returncode == 0
    return r, finish_receiver(p, out)


def test_dev_console_is_the_pty(bundle, container, test_dir):
    """With process.terminal, /dev/console is the container's pty (as runc makes it)."""
    r, text = _console_run(bundle, container, test_dir,
                           ["sh", "-c", "/probe stat /dev/console; echo tty=$(tty)"])
    assert r.returncode == 0, r.stderr
    facts = parse_probe(text.replace("\r", ""))
    assert facts.get("type") == "chr", text
    assert facts["major"] == "136", text  # a /dev/pts slave
    assert facts["tty"].startswith("/dev/pts/"), text
    assert facts["minor"] == facts["tty"].rsplit("/", 1)[1], text


def test_dev_console_never_follows_a_symlink(bundle, container, test_dir):
    """CVE-2025-52565: the image's /dev/console is a symlink to a file of the rootfs; the pty
    must be mounted on a regular file created in /dev, never on the symlink's target."""
    def prepare(b):
        # /dev is the image's own directory (no tmpfs), with the devpts the pty needs
        b.config["mounts"] = [m for m in b.config["mounts"]
                              if m["destination"] not in ("/dev", "/dev/shm", "/dev/mqueue")]
        os.makedirs(os.path.join(b.rootfs, "dev", "pts"), exist_ok=True)
        with open(os.path.join(b.rootfs, "target"), "w") as f:
            f.write("intact")
        os.symlink("/target", os.path.join(b.rootfs, "dev", "console"))

    r, text = _console_run(bundle, container, test_dir,
                           ["sh", "-c", "/probe stat /target; echo; /probe stat /dev/console"],
                           prepare)
    assert r.returncode == 0, r.stderr
    text = text.replace("\r", "")
    target, console = text.split("\n\n", 1)
    assert parse_probe(target)["type"] == "reg", text
    assert parse_probe(console)["type"] == "chr", text
    assert parse_probe(console)["major"] == "136", text


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
    before = stable_mounts(test_dir)
    r = container(b).run()
    assert stable_mounts(test_dir) == before
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "tmpfs"
    assert os.path.isdir(os.path.join(b.rootfs, "escaped"))
    assert not os.path.exists("/escaped")
