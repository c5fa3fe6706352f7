# SPDX-License-Identifier: GPL-2.0-or-later
# A runtime run by an unprivileged user, on the config `spec --rootless` writes: the parent
# writes the maps of the container's user namespace (and so needs the child's /proc entries
# while the child is still dumpable), the container process is non-dumpable afterwards and
# exec's processes cannot reach it, and the user can exec into its created container. Run as
# a real unprivileged user made for the module and removed after it.
import json
import os
import pwd
import shutil
import subprocess

import pytest

from lib import parse_probe, wait_dead

pytestmark = [pytest.mark.userns, pytest.mark.attack]

USER = "hutch-it-rootless"
REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))


@pytest.fixture(scope="module")
def user():
    made = False
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)
        made = True
        pw = pwd.getpwnam(USER)
    yield pw
    if made:
        subprocess.run(["userdel", USER], check=False)


class Rootless:
    """The runtime as `user`, with a state root of its own."""

    def __init__(self, binary, pw, home):
        self.binary, self.pw, self.root = binary, pw, os.path.join(home, "state")
        os.mkdir(self.root, 0o700)
        os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def cmd(self, *args, out=None, cwd=None):
        argv = [self.binary, "--root", self.root, "--cgroup-manager", "disabled"] + list(args)
        kw = dict(user=self.pw.pw_uid, group=self.pw.pw_gid, extra_groups=[], timeout=60,
                  stdin=subprocess.DEVNULL, cwd=cwd, env={"PATH": "/usr/bin:/bin"})
        if out:
            with open(out, "ab") as f:
                r = subprocess.run(argv, stdout=f, stderr=f, **kw)
            with open(out, errors="replace") as f:
                r.stdout = f.read()
            r.stderr = r.stdout
        else:
            r = subprocess.run(argv, capture_output=True, text=True, **kw)
        print("$ %s\n-> rc=%s\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
        return r


@pytest.fixture
def rootless(runtime_path, user, test_dir):
    home = os.path.join(test_dir, "rootless")
    os.mkdir(home, 0o755)
    os.chown(home, user.pw_uid, user.pw_gid)
    rt = Rootless(runtime_path, user, home)
    yield rt
    for cid in os.listdir(rt.root):
        if not cid.startswith("."):
            rt.cmd("delete", "--force", cid)
    assert [e for e in os.listdir(rt.root) if not e.startswith(".")] == []


def rootless_bundle(rt, bundle, args):
    b = bundle(args)
    spec_dir = os.path.join(os.path.dirname(rt.root), "spec")
    os.mkdir(spec_dir)
    os.chown(spec_dir, rt.pw.pw_uid, rt.pw.pw_gid)
    r = rt.cmd("spec", "--rootless", "--bundle", spec_dir)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(spec_dir, "config.json")) as f:
        b.config = json.load(f)
    b.config["process"].update(terminal=False, args=list(args))
    b.save()
    return b


def test_rootless_create_exec_start(rootless, bundle, test_dir):
    if os.path.basename(rootless.binary) == "runc":
        pytest.skip("checks hutch's helper")
    b = rootless_bundle(rootless, bundle, ["/probe"])
    attacker = os.path.join(BUILD_DIR, "tests", "attack", "proc1_open")
    shutil.copy2(attacker, os.path.join(b.rootfs, "proc1_open"))
    out = os.path.join(test_dir, "c.out")
    r = rootless.cmd("create", "--bundle", b.path, "rl", out=out)
    assert r.returncode == 0, r.stdout
    st = json.loads(rootless.cmd("state", "rl").stdout)
    pid = st["pid"]
    try:
        # the parent (this user) wrote the maps: the init is root in its user namespace
        with open("/proc/%d/uid_map" % pid) as f:
            assert f.read().split()[:2] == ["0", str(rootless.pw.pw_uid)]
        assert os.readlink("/proc/%d/exe" % pid).startswith("/memfd:hutch-init")
        r = rootless.cmd("exec", "rl", "/proc1_open")
        assert r.returncode == 0, r.stderr
        for line in r.stdout.splitlines():
            key, _, value = line.partition("=")
            assert value in ("EACCES", "EPERM"), line
        assert rootless.cmd("start", "rl").returncode == 0
        assert wait_dead(pid)
        with open(out) as f:
            facts = parse_probe(f.read())
        assert facts["uid"] == "0" and facts["NoNewPrivs"] == "1", facts
    finally:
        rootless.cmd("delete", "--force", "rl")
