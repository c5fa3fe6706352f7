# SPDX-License-Identifier: GPL-2.0-or-later
# exec: a second process joins a running container (its namespaces, cgroup and root), gets
# its own args/env/cwd/user and CPU affinity, and its exit code comes back (CRI-O runs exec
# synchronously).
import json
import os
import re
import shutil
import subprocess

import pytest

from lib import cgroup_dirs, parse_probe, wait_dead

pytestmark = pytest.mark.exec


@pytest.fixture
def running(bundle, container):
    b = bundle(["/probe", "sleep"])
    b.config["hostname"] = "exec-host"
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    return c


def test_exec_joins_container(running):
    r = running.runtime.cmd("exec", running.id, "/probe")
    assert r.returncode == 0, r.stderr
    f = parse_probe(r.stdout)
    assert f["hostname"] == "exec-host"
    assert f["pid"] != "1"
    assert f["net"] == ["lo"]
    # same cgroups as the init (no cgroup namespace here, so the paths compare directly)
    with open("/proc/%d/cgroup" % running.pid) as cg:
        assert f["cgroup"] == cg.read().splitlines()


@pytest.mark.parametrize("code", [0, 5, 77])
def test_exec_exit_code(code, running):
    r = running.runtime.cmd("exec", running.id, "/probe", "exit", str(code))
    assert r.returncode == code, r.stderr


def test_exec_env_cwd_user(running):
    r = running.runtime.cmd("exec", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1000",
                            running.id, "/probe")
    assert r.returncode == 0, r.stderr
    f = parse_probe(r.stdout)
    assert "FOO=bar" in f["env"]
    assert f["cwd"] == "/tmp"
    assert (f["uid"], f["gid"]) == ("1000", "1000")


# CVE-2022-29162: `exec --cap` must not give the process inheritable capabilities (runc
# 1.1.2 stopped that), and raises ambient ones only where the process already has an
# inheritable set to raise them from (the default config has none).
def test_exec_cap_is_not_inheritable(running):
    cap_sys_admin = 1 << 21
    r = running.runtime.cmd("exec", "--cap", "CAP_SYS_ADMIN", running.id, "/probe")
    assert r.returncode == 0, r.stderr
    f = parse_probe(r.stdout)
    assert int(f["CapEff"], 16) & cap_sys_admin
    assert int(f["CapBnd"], 16) & cap_sys_admin
    assert int(f["CapInh"], 16) == 0, f["CapInh"]
    assert int(f["CapAmb"], 16) == 0, f["CapAmb"]


def test_exec_process_file(running, test_dir):
    proc = {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["/probe", "exit", "9"],
            "env": ["PATH=/bin"], "cwd": "/"}
    path = os.path.join(test_dir, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    r = running.runtime.cmd("exec", "--process", path, running.id)
    assert r.returncode == 9, r.stderr


def test_exec_missing_binary_fails(running):
    r = running.runtime.cmd("exec", running.id, "/no/such/binary")
    assert r.returncode != 0
    err = r.stderr.lower()
    assert "no such file or directory" in err or "executable file not found" in err, r.stderr


def test_exec_detach_pid_file(running, test_dir):
    pid_file = os.path.join(test_dir, "exec.pid")
    r = running.runtime.detached("exec", "--detach", "--pid-file", pid_file, running.id, "/probe", "sleep",
                                 out=running.out, err=running.err)
    assert r.returncode == 0, r.stderr
    with open(pid_file) as f:
        pid = int(f.read())
    running.known_pids.add(pid)
    assert os.readlink("/proc/%d/ns/pid" % pid) == os.readlink("/proc/%d/ns/pid" % running.pid)
    assert os.readlink("/proc/%d/root" % pid) == "/"
    assert running.delete(force=True).returncode == 0
    assert wait_dead(pid)


@pytest.mark.skipif(not shutil.which("strace"), reason="strace not installed")
def test_exec_is_one_process_born_in_the_pid_namespace(running, test_dir):
    # the runtime enters the container's pid namespace for its child before the clone, so
    # the process is born there: no intermediate forks into it, one clone for the exec
    trace = os.path.join(test_dir, "exec.strace")
    r = subprocess.run(["strace", "-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o", trace] +
                       running.runtime.argv("exec", running.id, "/probe"),
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    f = parse_probe(r.stdout)
    assert f["pid"] not in ("", "1") and f["hostname"] == "exec-host"
    with open(trace) as t:
        clones = [line for line in t if re.search(r"\b(clone3?|v?fork)\(", line)]
    assert len(clones) == 1, clones


def test_exec_joins_time_namespace(bundle, container, runtime, require_namespace):
    # a container with a time namespace of its own: the exec'd process sees its clocks
    require_namespace("time")
    offset = 10 * 86400
    b = bundle(["/probe", "sleep"])
    b.add_time_namespace(offset)
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    with open("/proc/uptime") as f:
        host_before = float(f.read().split()[0])
    r = runtime.cmd("exec", c.id, "cat", "/proc/uptime")
    assert r.returncode == 0, r.stderr
    inside = float(r.stdout.split()[0])
    assert host_before + offset - 1 <= inside < host_before + offset + 60


def test_exec_in_stopped_container_fails(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    r = c.runtime.cmd("exec", c.id, "/probe")
    assert r.returncode != 0
    assert "not running" in r.stderr or "stopped" in r.stderr, r.stderr

def test_exec_into_sub_cgroup(bundle, container, runtime):
    b = bundle(["/probe", "sleep", "30"])
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    dirs = [d for d in cgroup_dirs(c.cgroups_path) if os.path.isdir(d)]
    assert dirs, "the container has no cgroup directory"
    for d in dirs:
        os.mkdir(os.path.join(d, "sub"))
        for knob in ("cpuset.cpus", "cpuset.mems"):  # v1 cpuset children start empty
            if os.path.exists(os.path.join(d, knob)):
                with open(os.path.join(d, knob)) as f:
                    value = f.read().strip()
                with open(os.path.join(d, "sub", knob), "w") as f:
                    f.write(value)
    try:
        r = runtime.cmd("exec", "--cgroup", "sub", c.id, "cat", "/proc/self/cgroup")
        assert r.returncode == 0, r.stderr
        lines = [l for l in r.stdout.splitlines() if l]
        assert lines and all(l.endswith("/sub") for l in lines if ":name=" not in l), r.stdout
        r = runtime.cmd("exec", "--cgroup", "nope", c.id, "true")
        assert r.returncode != 0 and "does not exist" in r.stderr, r.stderr
    finally:
        assert c.delete(force=True).returncode == 0
        for d in dirs:
            if os.path.isdir(os.path.join(d, "sub")):
                os.rmdir(os.path.join(d, "sub"))


def _cpus_allowed(status_text):
    for line in status_text.splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split(":", 1)[1].strip()
    return None


def _exec_with_affinity(runtime, c, test_dir, affinity):
    proc = {"terminal": False, "user": {"uid": 0, "gid": 0}, "args": ["cat", "/proc/self/status"],
            "env": ["PATH=/bin:/usr/bin"], "cwd": "/", "execCPUAffinity": affinity}
    path = os.path.join(test_dir, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    r = runtime.cmd("exec", "--process", path, c.id)
    assert r.returncode == 0, r.stderr
    return _cpus_allowed(r.stdout)


@pytest.fixture
def two_cpus():
    if len(os.sched_getaffinity(0)) < 2 or not {0, 1} <= os.sched_getaffinity(0):
        pytest.skip("needs CPUs 0 and 1")


def test_exec_cpu_affinity_initial(two_cpus, bundle, container, runtime, test_dir):
    # config.md: `initial` is where the process runs before it moves to the container's
    # cgroup; without a cgroup (--cgroup-manager disabled) nothing changes it afterwards, and
    # with no `final` the runtime must not touch it again
    b = bundle(["/probe", "sleep"])
    c = container(b)
    c._prepare()
    r = runtime.detached("--cgroup-manager", "disabled", "run", "--detach", "--bundle", b.path, c.id,
                         out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    c._learn_pid(None)
    assert _exec_with_affinity(runtime, c, test_dir, {"initial": "1"}) == "1"


def test_exec_cpu_affinity_final(two_cpus, running, runtime, test_dir):
    assert _exec_with_affinity(runtime, running, test_dir, {"initial": "1", "final": "0"}) == "0"
