# SPDX-License-Identifier: GPL-2.0-or-later
# `update` on real cgroups: flags and --resources, checked as create checks resources, side by
# side with runc (its own update tests' steps, where runc is installed), the cgroup v2 pairs
# runc 1.2 expects, realtime budgets, and device rules kept around the defaults. Runs on a
# v1/hybrid host and in the pure cgroup v2 VM (tests/vm). Needs root.
import ctypes
import json
import os
import shutil
import subprocess
import time

import pytest

from cgroup_host import CG_ROOT, HOST, MiB, cg_dir, cg_read, created, need, sleeper, v1
from lib import cgroup_dirs

pytestmark = pytest.mark.cgroups

if HOST.mode == "none":
    pytest.skip("no cgroup hierarchy mounted under %s" % CG_ROOT, allow_module_level=True)


# ---------------------------------------------------------------- update


def test_update_flags(bundle, container, runtime):
    need("memory")
    need("pids")
    need("cpu")
    c = created(container, sleeper(bundle, memory={"limit": 64 * MiB}, pids={"limit": 50}))
    assert c.start().returncode == 0
    r = runtime.cmd("update", "--memory", "48m", "--pids-limit", "40", "--cpu-quota", "20000", c.id)
    assert r.returncode == 0, r.stderr
    if v1("memory"):
        assert cg_read(c.pid, "memory", "memory.limit_in_bytes") == str(48 * MiB)
    else:
        assert cg_read(c.pid, "memory", "memory.max") == str(48 * MiB)
    assert cg_read(c.pid, "pids", "pids.max") == "40"
    if v1("cpu"):
        assert cg_read(c.pid, "cpu", "cpu.cfs_quota_us") == "20000"
    else:
        assert cg_read(c.pid, "cpu", "cpu.max").split()[0] == "20000"
    r = runtime.cmd("update", "--pids-limit", "-1", c.id)
    assert r.returncode == 0, r.stderr
    assert cg_read(c.pid, "pids", "pids.max") == "max"


def test_update_refuses_intel_rdt_and_changes_nothing(bundle, container, runtime):
    # runc's RDT flags are known, and refused with the reason, not as unknown options; the
    # pids limit given beside them is not applied
    need("pids")
    c = created(container, sleeper(bundle, pids={"limit": 50}))
    for flag in ("--l3-cache-schema", "--mem-bw-schema"):
        r = runtime.cmd("update", "--pids-limit", "40", flag, "L3:0=f", c.id)
        assert r.returncode != 0
        assert "update: %s: Intel RDT (resctrl) is not supported by this build" % flag in r.stderr
        assert cg_read(c.pid, "pids", "pids.max") == "50"


def test_update_resources_file(bundle, container, runtime, test_dir):
    need("memory")
    need("pids")
    c = created(container, sleeper(bundle, pids={"limit": 50}))
    path = os.path.join(test_dir, "resources.json")
    with open(path, "w") as f:
        json.dump({"memory": {"limit": 40 * MiB}, "pids": {"limit": 25}}, f)
    r = runtime.cmd("update", "--resources", path, c.id)
    assert r.returncode == 0, r.stderr
    name = "memory.limit_in_bytes" if v1("memory") else "memory.max"
    assert cg_read(c.pid, "memory", name) == str(40 * MiB)
    assert cg_read(c.pid, "pids", "pids.max") == "25"
    r = runtime.cmd("update", "--resources", "-", c.id, input='{"pids": {"limit": 30}}')
    assert r.returncode == 0, r.stderr
    assert cg_read(c.pid, "pids", "pids.max") == "30"


def test_update_is_checked_as_create_checks_resources(bundle, container, runtime):
    # update --resources gets the checks config.json's linux.resources gets, before anything
    # is written: a bad device rule fails the update whole, the pids limit beside it included
    need("pids")
    c = created(container, sleeper(bundle, pids={"limit": 50}))
    bad = {"pids": {"limit": 30}, "devices": [{"allow": False, "access": "rwx"}]}
    r = runtime.cmd("update", "--resources", "-", c.id, input=json.dumps(bad))
    assert r.returncode != 0
    assert "resources: .devices[0].access: invalid access \"rwx\"" in r.stderr
    assert cg_read(c.pid, "pids", "pids.max") == "50"


def test_update_of_stopped_container_fails(bundle, container, runtime):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert runtime.cmd("update", "--pids-limit", "10", c.id).returncode != 0


# ---------------------------------------------------------------- update, side by side with runc

RUNC = shutil.which("runc")

# The files runc's own update tests read, where this host has them.
UPDATE_FILES = {
    "memory": ["memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.memsw.limit_in_bytes",
               "memory.max", "memory.low", "memory.swap.max"],
    "cpu": ["cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.weight", "cpu.max"],
    "cpuset": ["cpuset.cpus"],
    "pids": ["pids.max"],
}

# runc's tests/integration/update.bats, as runc and hutch both take it: (argv of update, stdin).
UPDATE_STEPS = [
    (["--cpuset-cpus", "1"], None),
    (["--memory", "67108864"], None),
    (["--memory", "50M"], None),
    (["--memory-reservation", "33554432"], None),
    (["--memory-swap", "-1"], None),
    (["--memory", "52428800", "--memory-swap", "96468992"], None),
    (["--memory-swap", "96468992"], None),
    (["--memory", "-1"], None),
    (["--pids-limit", "10"], None),
    (["--pids-limit", "-1"], None),
    (["-r", "-"], '{"memory": {"limit": 33554432, "reservation": 25165824}, "cpu": {"shares": 100,'
                  ' "quota": 500000, "period": 1000000, "cpus": "0"}, "pids": {"limit": 20}}'),
    (["--cpu-period", "900000", "--cpu-quota", "600000", "--cpu-share", "200", "--memory", "67108864",
      "--memory-reservation", "33554432", "--pids-limit", "10"], None),
    (["--memory", "30M", "--memory-swap", "50M"], None),
    (["--memory", "60M", "--memory-swap", "80M"], None),
    (["--cpu-period", "800000"], None),
    (["--cpu-quota", "500000"], None),
    (["--cpu-quota", "-1"], None),
    (["--cpu-share", "300"], None),
    (["-r", "-"], '{"cpu": {"shares": 100, "quota": 500000, "period": 1000000}}'),
    (["--cpu-quota", "-1", "--cpu-period", "100000"], None),
    (["--cpu-quota", "30000"], None),
]


class RuncContainer:
    """The same bundle run by runc, with its own --root, for side-by-side checks."""

    def __init__(self, b, test_dir, cgroups_path):
        self.root = os.path.join(test_dir, "runc-root")
        self.id = "runc-" + os.path.basename(cgroups_path)
        b.linux["cgroupsPath"] = cgroups_path
        b.save()
        self.bundle = b
        self.cgroups_path = cgroups_path
        self.log = os.path.join(test_dir, "runc.out")

    def cmd(self, *args, input=None):
        return subprocess.run([RUNC, "--root", self.root] + list(args), input=input, text=True,
                              capture_output=True, timeout=60,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def run_detached(self):
        with open(self.log, "ab") as out:
            return subprocess.run([RUNC, "--root", self.root, "run", "-d", "--bundle", self.bundle.path,
                                   self.id], stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=60)

    def pid(self):
        return json.loads(self.cmd("state", self.id).stdout)["pid"]

    def remove(self):
        self.cmd("delete", "--force", self.id)
        for d in cgroup_dirs(self.cgroups_path):
            if os.path.isdir(d):
                os.rmdir(d)


@pytest.fixture
def runc_container(test_dir, cgroup_parent):
    if not RUNC:
        pytest.skip("runc is not installed")
    made = []

    def make(b, name):
        rc = RuncContainer(b, test_dir, "/%s/%s" % (cgroup_parent, name))
        made.append(rc)
        return rc

    yield make
    for rc in made:
        rc.remove()


def _update_files(pid):
    seen = {}
    for ctrl, names in UPDATE_FILES.items():
        if not HOST.has(ctrl):
            continue
        d = cg_dir(pid, ctrl)
        for n in names:
            if os.path.exists(os.path.join(d, n)):
                with open(os.path.join(d, n)) as f:
                    seen[n] = f.read().strip()
    return seen


def _update_bundle(bundle):
    return sleeper(bundle, memory={"limit": 33554432, "reservation": 25165824},
                   cpu={"shares": 100, "quota": 500000, "period": 1000000}, pids={"limit": 20})


def test_update_writes_what_runc_writes(bundle, container, runtime, runc_container):
    # runc's update tests, step by step, on a runc container and a hutch one made from the same
    # config: each step must succeed or fail alike and leave the same cgroup files
    if HOST.mode == "unified":
        pytest.skip("the runc installed here (1.1) does not lay a cgroup v2 update over the old "
                    "values, as runc 1.2 does: test_update_v2_as_runc_expects checks those")
    need("memory")
    need("pids")
    need("cpu")
    c = created(container, _update_bundle(bundle))
    assert c.start().returncode == 0
    rc = runc_container(_update_bundle(bundle), "runc-side")
    r = rc.run_detached()
    assert r.returncode == 0, open(rc.log).read()
    assert _update_files(c.pid) == _update_files(rc.pid())
    for argv, stdin in UPDATE_STEPS:
        if "--cpuset-cpus" in argv and os.cpu_count() < 2:
            continue
        theirs = rc.cmd("update", *argv, rc.id, input=stdin)
        ours = runtime.cmd("update", *argv, c.id, input=stdin)
        assert (ours.returncode == 0) == (theirs.returncode == 0), (argv, ours.stderr, theirs.stderr)
        assert _update_files(c.pid) == _update_files(rc.pid()), argv


def _set_subreaper(on):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1 if on else 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_children(timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


# runc's update.bats on cgroup v2: (update argv, the files it expects afterwards).
V2_UPDATE_EXPECTED = [
    (["--cpu-period", "900000"], {"cpu.max": "500000 900000"}),
    (["--cpu-quota", "600000"], {"cpu.max": "600000 900000"}),
    (["--cpu-quota", "-1"], {"cpu.max": "max 900000"}),
    (["--cpu-share", "200"], {"cpu.weight": str(1 + (200 - 2) * 9999 // 262142)}),
    (["--cpu-quota", "-1", "--cpu-period", "100000"], {"cpu.max": "max 100000"}),
    (["--cpu-quota", "30000"], {"cpu.max": "30000 100000"}),
    (["--memory", "52428800", "--memory-swap", "96468992"],
     {"memory.max": "52428800", "memory.swap.max": str(96468992 - 52428800)}),
    (["--memory-swap", "-1"], {"memory.swap.max": "max"}),
    (["--memory-swap", "62914560"], {"memory.swap.max": str(62914560 - 52428800)}),
    (["--memory", "-1"], {"memory.max": "max", "memory.swap.max": "max"}),
    (["--memory", "30M", "--memory-swap", "50M"],
     {"memory.max": str(30 * MiB), "memory.swap.max": str(20 * MiB)}),
    (["--memory", "60M", "--memory-swap", "80M"],
     {"memory.max": str(60 * MiB), "memory.swap.max": str(20 * MiB)}),
]


def test_update_v2_as_runc_expects(bundle, container, runtime):
    # cgroup v2 writes a limit pair as one file (cpu.max) or as a difference (memory.swap.max =
    # swap - limit): an update of one half needs the other one in place, as runc 1.2 lays
    # updates over the values before
    if HOST.mode != "unified":
        pytest.skip("cgroup v2 files (this host is %s)" % HOST.mode)
    need("memory", "memory.swap.max")
    need("cpu")
    c = created(container, _update_bundle(bundle))
    assert c.start().returncode == 0
    assert cg_read(c.pid, "cpu", "cpu.max") == "500000 1000000"
    for argv, want in V2_UPDATE_EXPECTED:
        r = runtime.cmd("update", *argv, c.id)
        assert r.returncode == 0, (argv, r.stderr)
        for name, value in want.items():
            assert cg_read(c.pid, name.split(".")[0], name) == value, (argv, name)


@pytest.fixture
def rt_budget(cgroup_parent):
    """A parent cgroup with the root's realtime budget (runc's update test writes it the same
    way: a new v1 cpu cgroup has none), taken back after the test. A dead container's cgroup
    keeps its budget until its init is reaped, and this host's PID 1 reaps late: the test
    reaps the inits itself, as a child subreaper."""
    base = HOST.v1.get("cpu")
    if not base or not os.path.exists(os.path.join(base, "cpu.rt_runtime_us")):
        pytest.skip("this %s host has no cpu.rt_runtime_us" % HOST.mode)
    parent = "/%s/rt" % cgroup_parent
    dirs = [os.path.join(base, cgroup_parent), os.path.join(base, cgroup_parent, "rt")]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
        for f in ("cpu.rt_period_us", "cpu.rt_runtime_us"):
            with open(os.path.join(base, f)) as src, open(os.path.join(d, f), "w") as dst:
                dst.write(src.read())
    _set_subreaper(True)
    cleanups = []
    yield parent, cleanups
    for fn in cleanups:
        fn()
    _reap_children()
    _set_subreaper(False)
    # a removed cgroup's budget is given back when the kernel releases it, a moment later
    for d in reversed(dirs):
        deadline = time.monotonic() + 10
        while True:
            try:
                with open(os.path.join(d, "cpu.rt_runtime_us"), "w") as f:
                    f.write("0")
                break
            except OSError:
                assert time.monotonic() < deadline, "the realtime budget of %s stays taken" % d
                time.sleep(0.1)
    for d in cgroup_dirs(parent):
        if os.path.isdir(d):
            os.rmdir(d)


def test_update_realtime_as_runc(bundle, container, runtime, runc_container, rt_budget):
    # runc's "update rt period and runtime" with budgets that fit twice in the parent, plus a
    # move to a shorter period that the kernel refuses until the runtime is lowered (runc
    # retries the period after the runtime): same results, same cgroup files
    parent, cleanups = rt_budget
    steps = [(["-r", "-"], '{"cpu": {"realtimeRuntime": 200001}}'),
             (["-r", "-"], '{"cpu": {"realtimePeriod": 800001, "realtimeRuntime": 200001}}'),
             (["--cpu-rt-period", "900001", "--cpu-rt-runtime", "300001"], None)]
    rc = runc_container(sleeper(bundle), "rt/runc")
    assert rc.run_detached().returncode == 0, open(rc.log).read()
    b = sleeper(bundle)
    b.linux["cgroupsPath"] = parent + "/hutch"
    c = created(container, b)
    assert c.start().returncode == 0
    cleanups += [rc.remove, lambda: c.delete(force=True)]
    for argv, stdin in steps:
        theirs = rc.cmd("update", *argv, rc.id, input=stdin)
        ours = runtime.cmd("update", *argv, c.id, input=stdin)
        assert theirs.returncode == 0, (argv, theirs.stderr)
        assert ours.returncode == 0, (argv, ours.stderr)
        for f in ("cpu.rt_period_us", "cpu.rt_runtime_us"):
            assert cg_read(c.pid, "cpu", f) == cg_read(rc.pid(), "cpu", f), (argv, f)
    # runc 1.2's retry of the period (the runc 1.1 installed here refuses this one)
    r = runtime.cmd("update", "--cpu-rt-period", "400000", "--cpu-rt-runtime", "100000", c.id)
    assert r.returncode == 0, r.stderr
    assert cg_read(c.pid, "cpu", "cpu.rt_period_us") == "400000"
    assert cg_read(c.pid, "cpu", "cpu.rt_runtime_us") == "100000"


def test_update_with_device_rules_keeps_the_defaults(bundle, container, runtime, test_dir):
    # an update's device rules go between the default deny-all and the default allows (v1:
    # devices.list; v2: the new eBPF program), never instead of them
    script = ("while :; do for d in null xallowed xdenied; do "
              "if (exec 3<>/dev/$d) 2>/tmp/err; then echo $d:ok; "
              "elif grep -q 'not permitted' /tmp/err; then echo $d:denied; else echo $d:other; fi; "
              "done; echo round; sleep 0.2; done")
    b = bundle(["sh", "-c", script])
    b.linux["devices"] = [
        {"path": "/dev/xallowed", "type": "c", "major": 1, "minor": 9 + 100, "fileMode": 0o666},
        {"path": "/dev/xdenied", "type": "c", "major": 1, "minor": 9 + 101, "fileMode": 0o666},
    ]
    c = created(container, b)
    assert c.start().returncode == 0
    path = os.path.join(test_dir, "devices.json")
    with open(path, "w") as f:
        json.dump({"devices": [{"allow": True, "type": "c", "major": 1, "minor": 109,
                                "access": "rw"}]}, f)
    r = runtime.cmd("update", "--resources", path, c.id)
    assert r.returncode == 0, r.stderr
    if v1("devices"):
        rules = cg_read(c.pid, "devices", "devices.list").splitlines()
        assert "a *:* rwm" not in rules, rules
        assert "c 1:3 rwm" in rules and "c 1:109 rw" in rules, rules
        assert "c 1:110 rwm" not in rules, rules
    # the container's own view: after the update, one whole round of opens
    out = c.output()
    n = out.count("round")
    deadline = time.monotonic() + 10
    while c.output().count("round") < n + 2:
        assert time.monotonic() < deadline, c.output()
        time.sleep(0.1)
    last = c.output().split("round")[-2].split()
    assert "null:ok" in last and "xdenied:denied" in last, last
    # the allowed node (1:109) exists in no driver: opening it may fail, but not for the cgroup
    assert "xallowed:denied" not in last, last


def _rt_group_sched():
    base = HOST.v1.get("cpu")
    return base if base and os.path.exists(os.path.join(base, "cpu.rt_runtime_us")) else None


def _without_cgroups_path(c):
    """Write the bundle with no linux.cgroupsPath: hutch's default /hutch/<id>."""
    c._prepare()
    del c.bundle.linux["cgroupsPath"]
    c.cgroups_path = "/hutch/" + c.id
    c.bundle.save()


def test_realtime_in_the_default_cgroup(bundle, container, runtime):
    # /hutch, the default parent, has no realtime budget of its own on a v1 host: hutch gives it
    # what its containers ask for, and takes it back when they are gone
    base = _rt_group_sched()
    if not base:
        pytest.skip("no realtime group scheduling (cpu.rt_runtime_us) on this %s host" % HOST.mode)
    b = bundle(["sh", "-c", "cat /proc/self/sched"])
    b.linux["resources"]["cpu"] = {"realtimeRuntime": 100000, "realtimePeriod": 1000000}
    b.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}
    c = container(b)
    _without_cgroups_path(c)
    before = open(os.path.join(base, "hutch", "cpu.rt_runtime_us")).read().strip() \
        if os.path.isdir(os.path.join(base, "hutch")) else "0"
    r = runtime.cmd("run", "--bundle", b.path, c.id)
    assert r.returncode == 0, r.stderr
    policy = [line.split(":")[1].strip() for line in r.stdout.splitlines() if line.startswith("policy")]
    assert policy == ["1"], r.stdout  # SCHED_FIFO
    assert not os.path.exists(os.path.join(base, "hutch", c.id))
    if os.path.isdir(os.path.join(base, "hutch")):
        with open(os.path.join(base, "hutch", "cpu.rt_runtime_us")) as f:
            assert f.read().strip() == before


def test_rt_scheduler_without_a_budget_is_a_clear_error(bundle, container, runtime):
    if not _rt_group_sched():
        pytest.skip("no realtime group scheduling (cpu.rt_runtime_us) on this %s host" % HOST.mode)
    b = bundle(["/probe"])
    b.process["scheduler"] = {"policy": "SCHED_RR", "priority": 5}
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert ".process.scheduler.policy" in r.stderr and "realtimeRuntime" in r.stderr, r.stderr
