# SPDX-License-Identifier: GPL-2.0-or-later
# Where containers' processes go in the cgroup tree and that nothing is left there: the cgroup
# namespace root, ps, kill --all, the disabled and systemd managers, and failed or repeated
# creates leaving no cgroup. Runs on a v1/hybrid host and in the pure cgroup v2 VM (tests/vm),
# whose systemd variant runs the systemd driver's test. Needs root.
import json
import os
import signal
import subprocess
import time

import pytest

from cgroup_host import (CG_ROOT, HOST, MiB, cg_dir_path, cg_read, created, left_cgroups,
                         sleeper, v1)
from lib import cgroup_dirs, cgroup_paths, remove_cgroup_trees, wait_dead

pytestmark = pytest.mark.cgroups

if HOST.mode == "none":
    pytest.skip("no cgroup hierarchy mounted under %s" % CG_ROOT, allow_module_level=True)


# ---------------------------------------------------------------- placement and cleanup


def test_cgroup_namespace_root(bundle, container, require_namespace):
    require_namespace("cgroup")
    b = bundle(["/probe"])
    b.add_namespace("cgroup")
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stderr
    lines = [x.split("=", 1)[1] for x in r.stdout.splitlines() if x.startswith("cgroup=")]
    assert lines, r.stdout
    for line in lines:
        path = line.split(":", 2)[2]
        assert path == "/", lines


def test_ps_lists_init_host_pid(bundle, container, runtime):
    c = created(container, sleeper(bundle))
    assert c.start().returncode == 0
    r = runtime.cmd("ps", "--format", "json", c.id)
    assert r.returncode == 0, r.stderr
    pids = json.loads(r.stdout)
    assert c.pid in pids, pids


def test_many_create_delete_cycles_leave_nothing(bundle, container, runtime, cgroup_parent):
    b = bundle(["/probe", "sleep"])
    n = int(os.environ.get("HUTCH_CGROUP_CYCLES", "100"))
    c = container(b, id="cycle")
    for i in range(n):
        r = c.create()
        assert r.returncode == 0, "cycle %d: %s" % (i, r.stderr)
        r = c.delete(force=True)
        assert r.returncode == 0, "cycle %d: %s" % (i, r.stderr)
    assert left_cgroups(cgroup_parent) == []


def test_delete_keeps_the_parents_create_made(bundle, container, cgroup_parent):
    """As with runc, delete removes the container's own cgroup and leaves the parents its
    create made: the next container under them makes one directory, not the chain (and its
    v1 cpuset), and a parent is never removed under a concurrent create of a sibling."""
    parent = "/%s/kept-parent/sub" % cgroup_parent
    try:
        for i in range(2):
            b = bundle(["/probe", "exit", "0"])
            c = container(b, id="kept-%d" % i)
            b.linux["cgroupsPath"] = "%s/%s" % (parent, c.id)
            r = c.run()
            assert r.returncode == 0, r.stderr
            assert [d for d in cgroup_dirs(c.cgroups_path) if os.path.exists(d)] == []
            for d in cgroup_dirs(parent):
                subdirs = [e for e in os.listdir(d) if os.path.isdir(os.path.join(d, e))]
                assert subdirs == [], (d, subdirs)
    finally:
        remove_cgroup_trees("/%s/kept-parent" % cgroup_parent)


def test_failed_create_removes_the_parents_it_made(bundle, container, cgroup_parent):
    """A create that fails after making its cgroup takes back the parents it made itself,
    and only those: an existing parent stays."""
    existing = "/%s/existing-parent" % cgroup_parent
    try:
        b = bundle(["/probe", "exit", "0"])
        c = container(b, id="made-existing")
        b.linux["cgroupsPath"] = "%s/%s" % (existing, c.id)
        assert c.run().returncode == 0
        b = bundle(["/probe", "sleep"])
        b.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
        c = container(b)
        b.linux["cgroupsPath"] = "%s/new-a/new-b/%s" % (existing, c.id)
        assert c.create().returncode != 0
        for d in cgroup_dirs(existing):
            assert os.path.isdir(d), d
        for d in cgroup_dirs(existing + "/new-a"):
            assert not os.path.exists(d), d
    finally:
        remove_cgroup_trees(existing)


@pytest.mark.parametrize("breakage", ["missing-bind-source", "failing-hook", "missing-binary"])
def test_failed_create_leaves_no_cgroup(bundle, container, cgroup_parent, breakage):
    """create fails after the cgroup exists (in the init's setup, in a hook): no cgroup, state
    or process is left (the fixture checks the last two)."""
    b = bundle(["/probe", "sleep"])
    b.linux["resources"]["pids"] = {"limit": 30}
    if breakage == "missing-bind-source":
        b.config["mounts"].append({"destination": "/mnt/x", "type": "bind",
                                   "source": os.path.join(b.path, "no-such-dir"), "options": ["bind"]})
    elif breakage == "failing-hook":
        b.config["hooks"] = {"createRuntime": [{"path": "/bin/false"}]}
    else:
        b.process["args"] = ["/no/such/binary"]
    c = container(b)
    r = c.create()
    if breakage == "missing-binary" and r.returncode == 0:
        # a missing binary may only fail at start, as runc's exec does
        c.start()
        c.delete(force=True)
    else:
        assert r.returncode != 0
    for d in cgroup_dirs(c.cgroups_path):
        assert not os.path.exists(d), d
    assert left_cgroups(cgroup_parent) == []


def test_cgroup_manager_disabled_creates_no_cgroup(bundle, container, runtime):
    b = sleeper(bundle, pids={"limit": 30})
    c = container(b)
    c._prepare()
    r = runtime.detached("--cgroup-manager", "disabled", "create", "--bundle", b.path, c.id,
                         out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    pid = c.pid
    mine = cgroup_paths(os.getpid())
    theirs = cgroup_paths(pid)
    for d in cgroup_dirs(c.cgroups_path):
        assert not os.path.exists(d), d
    assert theirs == mine
    r = runtime.cmd("--cgroup-manager", "disabled", "delete", "--force", c.id)
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)


def _systemd_running():
    return os.path.isdir("/run/systemd/system")


def test_systemd_cgroup_without_systemd_fails_clearly(bundle, container, runtime):
    if _systemd_running():
        pytest.skip("systemd runs on this host")
    b = bundle(["/probe", "sleep"])
    b.linux["cgroupsPath"] = "system.slice:hutch:sdtest"
    c = container(b)
    c._prepare()
    r = runtime.detached("--systemd-cgroup", "create", "--bundle", b.path, c.id, out=c.out, err=c.err)
    assert r.returncode != 0
    assert "systemd" in r.stderr and "not running" in r.stderr, r.stderr
    assert runtime.cmd("state", c.id).returncode != 0
    assert not os.path.exists(os.path.join(runtime.root, c.id))


def test_systemd_cgroup(bundle, container, runtime):
    """With systemd as PID 1 (e.g. the systemd variant of the VM): a transient scope holds the
    init, resources are applied, delete stops the scope."""
    if not _systemd_running():
        pytest.skip("systemd is not running on this host")
    name = "hutchsd%d" % os.getpid()
    unit = "hutch-%s.scope" % name
    b = sleeper(bundle, pids={"limit": 21}, memory={"limit": 64 * MiB})
    b.linux["cgroupsPath"] = "system.slice:hutch:%s" % name
    c = container(b)
    c._prepare()
    r = runtime.detached("--systemd-cgroup", "create", "--bundle", b.path, c.id, out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    pid = c.pid
    paths = cgroup_paths(pid)
    path = paths.get("pids") or paths[""]
    assert path == "/system.slice/" + unit, paths
    assert cg_read(pid, "pids", "pids.max") == "21"
    name = "memory.limit_in_bytes" if v1("memory") else "memory.max"
    assert cg_read(pid, "memory", name) == str(64 * MiB)
    # systemd knows the limits as unit properties too (a daemon-reload keeps them)
    show = subprocess.run(["systemctl", "show", "-p", "ActiveState", "-p", "TasksMax", unit],
                          capture_output=True, text=True)
    assert "ActiveState=active" in show.stdout.splitlines(), show
    assert "TasksMax=21" in show.stdout.splitlines(), show
    r = runtime.cmd("--systemd-cgroup", "delete", "--force", c.id)
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    deadline = time.monotonic() + 10
    while os.path.exists(cg_dir_path("pids", path)):
        assert time.monotonic() < deadline, "the scope's cgroup stayed after delete"
        time.sleep(0.05)


def test_kill_all_signals_every_process(bundle, container, runtime):
    c = created(container, bundle(["sh", "-c", "/probe sleep & /probe sleep & exec /probe sleep"]))
    assert c.start().returncode == 0
    deadline = time.monotonic() + 10
    while len(json.loads(runtime.cmd("ps", "--format", "json", c.id).stdout)) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pids = json.loads(runtime.cmd("ps", "--format", "json", c.id).stdout)
    assert runtime.cmd("kill", "--all", c.id, str(int(signal.SIGKILL))).returncode == 0
    for p in pids:
        assert wait_dead(p), p
