# SPDX-License-Identifier: GPL-2.0-or-later
# cgroups: the init is in linux.cgroupsPath when create returns (engines read stats from it
# right away), resources are written, pause/resume freeze and thaw the container, ps lists
# its processes, and delete removes the cgroup.
import json
import os
import subprocess
import time

import pytest

from lib import cgroup_dirs, cgroup_paths, kill_and_reap, pids_in_cgroup, wait_dead

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


@pytest.fixture
def own_cgroup(cgroup_parent):
    """Factory: a cgroup made here (every hierarchy), as an engine's pod cgroup would be;
    thawed, emptied and removed after the test. Returns (cgroupsPath, [dirs])."""
    made = []

    def make(name):
        path = "/%s/%s" % (cgroup_parent, name)
        dirs = cgroup_dirs(path)
        for d in dirs:
            os.makedirs(d, exist_ok=True)
            cpus = os.path.join(os.path.dirname(d), "cpuset.cpus")
            if os.path.exists(os.path.join(d, "cpuset.cpus")) and not read(os.path.join(d, "cpuset.cpus")):
                for f in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(d, f), "w") as out:
                        out.write(read(os.path.join(os.path.dirname(d), f)) or read(cpus))
        made.extend(dirs)
        return path, dirs

    yield make
    for d in made:
        for f, v in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            if os.path.exists(os.path.join(d, f)):
                with open(os.path.join(d, f), "w") as out:
                    out.write(v)
    for d in made:
        if os.path.exists(os.path.join(d, "cgroup.procs")):
            for pid in read(os.path.join(d, "cgroup.procs")).split():
                kill_and_reap(int(pid))
    for d in made:
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.05)


@pytest.mark.parametrize("freezer", ["freezer.state", "cgroup.freeze"])
def test_frozen_cgroup_is_refused_at_once(freezer, bundle, container, runtime, own_cgroup):
    # runc: "container's cgroup unexpectedly frozen"; placing the init there would leave it in
    # D state and create waiting for it for ever
    path, dirs = own_cgroup("ice-" + freezer.split(".")[0])
    files = [os.path.join(d, freezer) for d in dirs if os.path.exists(os.path.join(d, freezer))]
    if not files:
        pytest.skip("no %s on this host" % freezer)
    with open(files[0], "w") as f:
        f.write("FROZEN" if freezer == "freezer.state" else "1")
    b = bundle(["/probe", "sleep"])
    b.linux["cgroupsPath"] = path
    c = container(b)
    start = time.monotonic()
    r = c.run(detach=True, timeout=20)
    assert r.returncode != 0 and "container's cgroup unexpectedly frozen" in r.stderr, r.stderr
    assert time.monotonic() - start < 10
    assert "does not exist" in c.state().stderr
    assert pids_in_cgroup(path) == []


def test_non_empty_cgroup_is_used_with_a_warning(bundle, container, runtime, test_dir, own_cgroup):
    # as runc: engines reuse pod cgroups; the processes that were there first are not the
    # container's, and delete leaves them alone
    path, dirs = own_cgroup("pod")
    other = subprocess.Popen(["sleep", "1000"])
    try:
        for d in dirs:
            if os.path.exists(os.path.join(d, "cgroup.procs")):
                with open(os.path.join(d, "cgroup.procs"), "w") as f:
                    f.write(str(other.pid))
        b = bundle(["/probe", "sleep"])
        b.linux["cgroupsPath"] = path
        c = container(b)
        c._prepare()
        log = os.path.join(test_dir, "log.json")
        r = runtime.detached("--log", log, "--log-format", "json", "run", "-d", "--bundle", b.path,
                             c.id, out=c.out, err=c.err)
        assert r.returncode == 0, r.stderr
        with open(log) as f:
            warnings = [json.loads(l) for l in f if l.strip()]
        assert any(w["level"] == "warning" and "container's cgroup is not empty" in w["msg"]
                   for w in warnings), warnings
        assert c.status() == "running"
        assert path in cgroup_paths(c.pid).values()
        assert c.delete(force=True).returncode == 0
        assert other.poll() is None, "delete killed a process that was not the container's"
    finally:
        other.kill()
        other.wait()


def test_exec_into_a_container_with_limits_and_cgroups_path(bundle, container, runtime):
    # runc's "runc exec (limits + cgrouppath + permission on the cgroup dir) succeeds": the
    # exec'd process joins the container's cgroup, limits and all, and its output is all
    # that exec prints
    b = bundle(["/probe", "sleep"])
    b.linux["resources"]["pids"] = {"limit": 100}
    c = container(b)
    assert c.run(detach=True).returncode == 0
    r = runtime.cmd("exec", c.id, "sh", "-c", "echo cgroups_exec; cat /proc/self/cgroup")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "cgroups_exec", r.stdout
    assert any(line.endswith(":" + c.cgroups_path) for line in lines[1:]), r.stdout
