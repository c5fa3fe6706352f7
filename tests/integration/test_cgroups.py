# SPDX-License-Identifier: GPL-2.0-or-later
# cgroups: the init is in linux.cgroupsPath when create returns (engines read stats from it
# right away), resources are written, pause/resume freeze and thaw the container, ps lists
# its processes, and delete removes the cgroup.
import json
import os
import time

import pytest

from lib import cgroup_paths, wait_dead

pytestmark = pytest.mark.cgroups


def _cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    return None


def cgroup_file(pid, controller, *names):
    """The first existing file among names in the container's cgroup for controller (v1), or in
    its cgroup2 directory."""
    paths = cgroup_paths(pid)
    dirs = []
    if controller in paths:
        dirs.append(os.path.join("/sys/fs/cgroup", controller, paths[controller].lstrip("/")))
    if "" in paths and _cgroup2_mount():
        dirs.append(os.path.join(_cgroup2_mount(), paths[""].lstrip("/")))
    for d in dirs:
        for n in names:
            if os.path.exists(os.path.join(d, n)):
                return os.path.join(d, n)
    pytest.skip("no %s file among %s in %s" % (controller, names, dirs))


def read(path):
    with open(path) as f:
        return f.read().strip()


def test_init_in_cgroup_when_create_returns(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    paths = cgroup_paths(c.pid)
    want = c.cgroups_path
    placed = [ctrl for ctrl, p in paths.items() if p == want]
    assert placed, paths
    for ctrl in ("pids", "memory", "freezer"):
        if ctrl in paths:
            assert paths[ctrl] == want, (ctrl, paths)


def test_delete_removes_cgroup(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    d = os.path.dirname(cgroup_file(c.pid, "pids", "pids.max"))
    assert os.path.isdir(d)
    assert c.delete(force=True).returncode == 0
    assert not os.path.exists(d)


def test_pids_limit(bundle, container):
    b = bundle(["/probe", "sleep"])
    b.linux["resources"]["pids"] = {"limit": 20}
    c = container(b)
    assert c.create().returncode == 0
    assert read(cgroup_file(c.pid, "pids", "pids.max")) == "20"


def test_memory_limit(bundle, container):
    b = bundle(["/probe", "sleep"])
    b.linux["resources"]["memory"] = {"limit": 64 * 1024 * 1024}
    c = container(b)
    assert c.create().returncode == 0
    assert read(cgroup_file(c.pid, "memory", "memory.limit_in_bytes", "memory.max")) == str(64 * 1024 * 1024)


def test_cpu_shares(bundle, container):
    b = bundle(["/probe", "sleep"])
    b.linux["resources"]["cpu"] = {"shares": 512, "quota": 50000, "period": 100000}
    c = container(b)
    assert c.create().returncode == 0
    path = cgroup_file(c.pid, "cpu", "cpu.shares", "cpu.max")
    if path.endswith("cpu.shares"):
        assert read(path) == "512"
        assert read(os.path.join(os.path.dirname(path), "cpu.cfs_quota_us")) == "50000"
    else:
        assert read(path) == "50000 100000"


def _counter(b):
    try:
        with open(os.path.join(b.rootfs, "tmp", "count")) as f:
            return int(f.read() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def _wait_counting(b, timeout=10.0):
    deadline = time.monotonic() + timeout
    while _counter(b) < 2:
        assert time.monotonic() < deadline, "the counter never started"
        time.sleep(0.05)


def test_pause_and_resume(bundle, container):
    b = bundle(["/probe", "count", "/tmp/count"])
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    _wait_counting(b)
    r = c.runtime.cmd("pause", c.id)
    assert r.returncode == 0, r.stderr
    assert c.status() == "paused"
    frozen = _counter(b)
    time.sleep(0.4)
    assert _counter(b) == frozen
    r = c.runtime.cmd("resume", c.id)
    assert r.returncode == 0, r.stderr
    assert c.status() == "running"
    time.sleep(0.4)
    assert _counter(b) > frozen


def test_pause_of_paused_or_stopped_fails(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert c.runtime.cmd("pause", c.id).returncode != 0
    assert c.runtime.cmd("resume", c.id).returncode != 0


def test_delete_force_of_paused_container(bundle, container):
    b = bundle(["/probe", "count", "/tmp/count"])
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    _wait_counting(b)
    assert c.runtime.cmd("pause", c.id).returncode == 0
    pid = c.pid
    r = c.delete(force=True)
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)


def test_ps_lists_container_processes(bundle, container):
    c = container(bundle(["sh", "-c", "/probe sleep & exec /probe sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    pid = c.pid
    deadline = time.monotonic() + 10
    while True:
        r = c.runtime.cmd("ps", "--format", "json", c.id)
        assert r.returncode == 0, r.stderr
        pids = json.loads(r.stdout)
        if len(pids) >= 2:
            break
        assert time.monotonic() < deadline, pids
        time.sleep(0.05)
    assert pid in pids
