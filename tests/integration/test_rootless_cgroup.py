# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless with a delegated cgroup v2 subtree, as systemd's Delegate=yes gives a user: a cgroup
# directory chowned to the user with its cgroup.procs, cgroup.subtree_control and
# cgroup.threads, made here for the test (and removed after), the runtime called from a
# cgroup inside it (as from a user's systemd service). Needs a pure cgroup v2 host with the
# pids and memory controllers: the test VM (tests/vm/run-integration.sh); elsewhere it skips.
import json
import os
import secrets
import shutil
import subprocess
import time

import pytest

from lib import Bundle, parse_probe, wait_dead
from rootless import RootlessRuntime, chown_tree, rootless_cleanup, rootless_config

pytestmark = [pytest.mark.rootless, pytest.mark.cgroups]

CG = "/sys/fs/cgroup"
DELEGATED_FILES = ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads")


def _read(path):
    with open(path) as f:
        return f.read()


def _delegate(path, user):
    os.mkdir(path)
    for p in (path,) + tuple(os.path.join(path, f) for f in DELEGATED_FILES):
        os.chown(p, user.uid, user.gid)


def _remove_tree(path):
    """Kill what is left in the subtree, then remove it bottom-up."""
    if not os.path.isdir(path):
        return
    try:
        with open(os.path.join(path, "cgroup.kill"), "w") as f:
            f.write("1")
    except OSError:
        pass
    for dirpath, dirnames, _ in sorted(os.walk(path), key=lambda e: -e[0].count("/")):
        for _ in range(100):
            try:
                os.rmdir(dirpath)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)


@pytest.fixture
def delegated(runtime_path, rootless_user):
    """(runtime as the user from <subtree>/session, the subtree's path)."""
    if not os.path.exists(os.path.join(CG, "cgroup.controllers")):
        pytest.skip("needs a pure cgroup v2 host (the test VM: tests/vm/run-integration.sh)")
    enabled = _read(os.path.join(CG, "cgroup.subtree_control")).split()
    if not {"pids", "memory"} <= set(enabled):
        pytest.skip("the pids and memory controllers are not enabled at the cgroup root")
    base = os.path.join(CG, "hutch-rl-%s" % secrets.token_hex(4))
    _delegate(base, rootless_user)
    _delegate(os.path.join(base, "session"), rootless_user)
    rt = RootlessRuntime(runtime_path, rootless_user, cgroup=os.path.join(base, "session"))
    done = False
    try:
        yield rt, base
        rootless_cleanup(rt)
        done = True
        left = sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))
        assert left == ["session"], "cgroups left in the delegated subtree: %s" % left
    finally:
        if not done:  # the test failed: still remove its containers
            for cid in rt.cmd("list", "-q").stdout.split():
                rt.cmd("delete", "--force", cid)
        _remove_tree(base)


def make_bundle(rt, test_dir, cached_rootfs, args, resources=None):
    path = os.path.join(test_dir, "dl-bundle-%s" % secrets.token_hex(3))
    os.mkdir(path, 0o755)
    subprocess.run(["cp", "-a", cached_rootfs, os.path.join(path, "rootfs")], check=True)
    chown_tree(path, rt.user.uid, rt.user.gid)
    b = Bundle(path, rootless_config(rt, args))
    if resources:
        b.config["linux"]["resources"] = resources
    b.save()
    return b


@pytest.fixture
def dbundle(delegated, test_dir, cached_rootfs):
    def make(args, resources=None):
        return make_bundle(delegated[0], test_dir, cached_rootfs, args, resources)

    return make


def start(rt, b, cid, test_dir):
    out = os.path.join(test_dir, cid + ".out")
    r = rt.detached("run", "--detach", "--bundle", b.path, cid, out=out)
    assert r.returncode == 0, r.stderr
    return out


def cgroup_of(pid):
    return _read("/proc/%d/cgroup" % pid).strip().split("::", 1)[1]


def test_the_container_gets_a_cgroup_in_the_delegated_subtree(delegated, dbundle, test_dir):
    rt, base = delegated
    b = dbundle(["/probe", "sleep"], {"memory": {"limit": 64 << 20}, "pids": {"limit": 64},
                                      "devices": [{"allow": False, "access": "rwm"}]})
    out = start(rt, b, "dl", test_dir)
    assert "without a cgroup" not in _read(out + ".err")
    pid = rt.state("dl")["pid"]
    rel = "/" + os.path.relpath(base, CG)
    # next to the caller's own cgroup (<subtree>/session), runc's rule
    assert cgroup_of(pid) == rel + "/dl"
    assert _read(os.path.join(base, "dl", "memory.max")).strip() == str(64 << 20)
    assert _read(os.path.join(base, "dl", "pids.max")).strip() == "64"
    # ps reads the cgroup; exec's process joins it
    r = rt.detached("exec", "--detach", "dl", "/probe", "sleep", out=out)
    assert r.returncode == 0, r.stderr
    pids = json.loads(rt.cmd("ps", "--format", "json", "dl").stdout)
    assert len(pids) == 2 and pid in pids, pids
    procs = sorted(int(p) for p in _read(os.path.join(base, "dl", "cgroup.procs")).split())
    assert procs == sorted(pids)
    # update and events work on it
    assert rt.cmd("update", "--pids-limit", "20", "dl").returncode == 0
    assert _read(os.path.join(base, "dl", "pids.max")).strip() == "20"
    r = rt.cmd("events", "--stats", "dl")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["data"]["pids"]["current"] == 2
    assert rt.cmd("delete", "--force", "dl").returncode == 0
    for p in pids:
        assert wait_dead(p)
    assert not os.path.exists(os.path.join(base, "dl"))


def test_pause_and_resume_freeze_the_delegated_cgroup(delegated, dbundle, test_dir):
    rt, base = delegated
    b = dbundle(["/probe", "sleep"])
    start(rt, b, "dl", test_dir)
    assert rt.cmd("pause", "dl").returncode == 0
    assert rt.state("dl")["status"] == "paused"
    assert "frozen 1" in _read(os.path.join(base, "dl", "cgroup.events"))
    assert rt.cmd("resume", "dl").returncode == 0
    assert rt.state("dl")["status"] == "running"
    assert "frozen 0" in _read(os.path.join(base, "dl", "cgroup.events"))
    # a paused container still dies on kill KILL and delete
    assert rt.cmd("pause", "dl").returncode == 0
    assert rt.cmd("delete", "--force", "dl").returncode == 0


def test_a_pids_limit_stops_a_fork_bomb(delegated, dbundle, test_dir):
    rt, base = delegated
    limit = 32
    # the classic bomb, each shell starting two more, as the container's init: the pids
    # controller refuses forks at the limit ("can't fork", which ends a shell), so the bomb
    # dies out instead of taking the machine. RLIMIT_NPROC is a second net (per user, so
    # loose) should the limit ever not hold.
    b = dbundle(["sh", "-c", "echo bombing; f() { f & f & wait; }; while :; do f; done"],
                {"pids": {"limit": limit}})
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NPROC", "soft": 1024, "hard": 1024},
                                      {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]
    b.save()
    out = start(rt, b, "bomb", test_dir)
    cg = os.path.join(base, "bomb")
    deadline = time.monotonic() + 60
    while rt.state("bomb")["status"] == "running" and time.monotonic() < deadline:
        assert int(_read(os.path.join(cg, "pids.current"))) <= limit
        time.sleep(0.05)
    assert rt.state("bomb")["status"] == "stopped", "the bomb was not stopped"
    events = dict(line.split() for line in _read(os.path.join(cg, "pids.events")).splitlines())
    assert int(events["max"]) > 0, events
    if os.path.exists(os.path.join(cg, "pids.peak")):
        assert int(_read(os.path.join(cg, "pids.peak"))) == limit
    text = _read(out) + _read(out + ".err")
    assert "bombing" in text and "can't fork" in text, text[-500:]
    assert rt.cmd("delete", "--force", "bomb", timeout=60).returncode == 0
    assert not os.path.exists(cg)


def test_exec_from_outside_the_subtree_runs_outside_its_cgroup(delegated, dbundle, test_dir):
    rt, base = delegated
    b = dbundle(["/probe", "sleep"])
    start(rt, b, "dl", test_dir)
    outside = RootlessRuntime(rt.binary, rt.user)  # from the root cgroup: not the user's
    r = outside.cmd("exec", "dl", "/probe")
    assert r.returncode == 0, r.stderr
    assert "runs outside the container's cgroup" in r.stderr, r.stderr
    assert parse_probe(r.stdout)["uid"] == "0"
    r = outside.cmd("--rootless", "false", "exec", "dl", "/probe")
    assert r.returncode != 0 and "Permission denied" in r.stderr, r.stderr


# --- With systemd: the user's systemd --user instance over its bus ----------------------------


@pytest.fixture
def user_manager(runtime_path, rootless_user):
    """The runtime as the user with --systemd-cgroup, its user manager (user@UID.service)
    started for the test, called from a scope of that manager (systemd-run --user --scope),
    as an engine's rootless runtime is."""
    if not os.path.isdir("/run/systemd/system") or not shutil.which("systemd-run"):
        pytest.skip("needs systemd as PID 1 (the test VM's systemd boot: run-integration.sh)")
    if not os.path.exists(os.path.join(CG, "cgroup.controllers")):
        pytest.skip("needs a pure cgroup v2 host")
    unit = "user@%d.service" % rootless_user.uid
    r = subprocess.run(["systemctl", "start", unit], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot start %s: %s" % (unit, r.stderr))
    xdg = "/run/user/%d" % rootless_user.uid
    rt = RootlessRuntime(runtime_path, rootless_user, xdg=xdg,
                         prefix=["systemd-run", "--user", "--scope", "--quiet", "--"])
    try:
        for _ in range(100):
            if os.path.exists(os.path.join(xdg, "bus")):
                break
            time.sleep(0.05)
        rt.globals = ["--systemd-cgroup"]
        yield rt
        rootless_cleanup(rt, lambda: subprocess.run(["systemctl", "stop", unit]))
    finally:
        subprocess.run(["systemctl", "stop", unit])


def test_systemd_cgroup_goes_through_the_user_manager(user_manager, test_dir, cached_rootfs):
    rt = user_manager
    b = make_bundle(rt, test_dir, cached_rootfs, ["/probe", "sleep"], {"pids": {"limit": 40}})
    out = start(rt, b, "sd", test_dir)
    assert "without a cgroup" not in _read(out + ".err")
    pid = rt.state("sd")["pid"]
    manager = "/user.slice/user-%d.slice/user@%d.service" % (rt.user.uid, rt.user.uid)
    # runc's default for rootless: the user manager's user.slice, unit <prefix>-<id>.scope
    assert cgroup_of(pid) == manager + "/user.slice/hutch-sd.scope"
    r = rt.run_as(["systemctl", "--user", "show", "-p", "TasksMax", "hutch-sd.scope"],
                  env=rt.env(DBUS_SESSION_BUS_ADDRESS="unix:path=%s/bus" % rt.xdg))
    assert r.stdout.strip() == "TasksMax=40", r.stdout + r.stderr
    dirpath = CG + manager + "/user.slice/hutch-sd.scope"
    assert _read(os.path.join(dirpath, "pids.max")).strip() == "40"
    assert rt.cmd("pause", "sd").returncode == 0
    assert "frozen 1" in _read(os.path.join(dirpath, "cgroup.events"))
    assert rt.cmd("resume", "sd").returncode == 0
    assert rt.cmd("delete", "--force", "sd").returncode == 0
    assert wait_dead(pid)
    for _ in range(100):
        if not os.path.exists(dirpath):
            break
        time.sleep(0.05)
    assert not os.path.exists(dirpath)


def test_systemd_cgroup_without_a_user_bus_says_so(rootless, rootless_bundle):
    # no systemd --user instance for this user: nothing to talk to
    b = rootless_bundle(["/probe"])
    r = rootless.cmd("--systemd-cgroup", "run", "--bundle", b.path, "rl")
    assert r.returncode != 0
    assert "systemd" in r.stderr, r.stderr
    if os.path.isdir("/run/systemd/system"):
        assert "no systemd --user instance" in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []
