# SPDX-License-Identifier: GPL-2.0-or-later
# Resource control on real cgroups: every linux.resources field the host supports is read back
# from the cgroup files after create, limits are enforced (pids, memory/OOM, devices), update,
# events, pause/resume, ps, cgroup namespaces, and nothing is left behind. Runs unchanged on a
# v1/hybrid host and in the pure cgroup v2 VM (tests/vm); a check whose controller or file the
# host lacks is skipped with the reason. Needs root.
import ctypes
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from lib import cgroup_dirs, cgroup_paths, wait_dead

pytestmark = pytest.mark.cgroups

CG_ROOT = "/sys/fs/cgroup"
MiB = 1024 * 1024


class Host:
    """How this host mounts cgroups: mode, v1 controller mounts, the cgroup2 mount."""

    def __init__(self):
        self.v1 = {}  # controller -> mount point
        self.v2 = None
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                sep = fields.index("-")
                fstype, mnt, opts = fields[sep + 1], fields[4], fields[sep + 3]
                if fstype == "cgroup2" and mnt.startswith(CG_ROOT):
                    self.v2 = mnt
                elif fstype == "cgroup" and mnt.startswith(CG_ROOT):
                    for o in opts.split(","):
                        if o not in ("rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec") \
                                and "=" not in o:
                            self.v1[o] = mnt
        if self.v2 == CG_ROOT:
            self.mode = "unified"
        elif self.v1:
            self.mode = "hybrid" if self.v2 else "legacy"
        else:
            self.mode = "none"
        self._probed = {}

    def v2_controllers(self):
        if not self.v2:
            return set()
        with open(os.path.join(self.v2, "cgroup.subtree_control")) as f:
            return set(f.read().split())

    def has(self, controller):
        return controller in self.v1 or controller in self.v2_controllers()

    def has_file(self, controller, name):
        """Whether a non-root cgroup of this host has the file `name` of `controller`."""
        key = (controller, name)
        if key not in self._probed:
            self._probed[key] = self._probe_file(controller, name)
        return self._probed[key]

    def _probe_file(self, controller, name):
        bases = []
        if controller in self.v1:
            bases.append(self.v1[controller])
        if controller in self.v2_controllers():
            bases.append(self.v2)
        for base in bases:
            d = os.path.join(base, "hutch-probe-%d" % os.getpid())
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
            try:
                if os.path.exists(os.path.join(d, name)):
                    return True
            finally:
                os.rmdir(d)
        return False


HOST = Host()
if HOST.mode == "none":
    pytest.skip("no cgroup hierarchy mounted under %s" % CG_ROOT, allow_module_level=True)


def need(controller, *files):
    if not HOST.has(controller):
        pytest.skip("the %s controller is not available on this %s host" % (controller, HOST.mode))
    for f in files:
        if not HOST.has_file(controller, f):
            pytest.skip("this %s host has no %s file" % (HOST.mode, f))


def cg_dir(pid, controller):
    """The container's directory holding `controller`'s files (v1 mount, else cgroup2)."""
    paths = cgroup_paths(pid)
    if controller in HOST.v1 and controller in paths:
        return os.path.join(HOST.v1[controller], paths[controller].lstrip("/"))
    if HOST.v2 and "" in paths:
        return os.path.join(HOST.v2, paths[""].lstrip("/"))
    raise AssertionError("process %d has no cgroup for %s: %s" % (pid, controller, paths))


def cg_read(pid, controller, name):
    with open(os.path.join(cg_dir(pid, controller), name)) as f:
        return f.read().strip()


def v1(controller):
    return controller in HOST.v1


def sleeper(bundle, **resources):
    b = bundle(["/probe", "sleep"])
    b.linux["resources"].update(resources)
    return b


def created(container, b):
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    return c


def left_cgroups(cgroup_parent):
    """Directories left under this session's cgroup parent, in every hierarchy."""
    left = []
    for d in cgroup_dirs("/" + cgroup_parent):
        if os.path.isdir(d):
            left += [os.path.join(d, e) for e in os.listdir(d) if os.path.isdir(os.path.join(d, e))]
    return left


# ---------------------------------------------------------------- read back after create


def test_memory_limit_and_reservation(bundle, container):
    need("memory")
    c = created(container, sleeper(bundle, memory={"limit": 64 * MiB, "reservation": 32 * MiB}))
    if v1("memory"):
        assert cg_read(c.pid, "memory", "memory.limit_in_bytes") == str(64 * MiB)
        assert cg_read(c.pid, "memory", "memory.soft_limit_in_bytes") == str(32 * MiB)
    else:
        assert cg_read(c.pid, "memory", "memory.max") == str(64 * MiB)
        assert cg_read(c.pid, "memory", "memory.low") == str(32 * MiB)


def test_memory_swap(bundle, container):
    need("memory", "memory.memsw.limit_in_bytes" if v1("memory") else "memory.swap.max")
    c = created(container, sleeper(bundle, memory={"limit": 64 * MiB, "swap": 96 * MiB}))
    if v1("memory"):
        assert cg_read(c.pid, "memory", "memory.memsw.limit_in_bytes") == str(96 * MiB)
    else:
        # v2 limits swap alone: memory+swap minus memory
        assert cg_read(c.pid, "memory", "memory.swap.max") == str(32 * MiB)


def test_cpu_shares_quota_period(bundle, container):
    need("cpu")
    c = created(container, sleeper(bundle, cpu={"shares": 512, "quota": 30000, "period": 60000}))
    if v1("cpu"):
        assert cg_read(c.pid, "cpu", "cpu.shares") == "512"
        assert cg_read(c.pid, "cpu", "cpu.cfs_quota_us") == "30000"
        assert cg_read(c.pid, "cpu", "cpu.cfs_period_us") == "60000"
    else:
        assert cg_read(c.pid, "cpu", "cpu.max") == "30000 60000"
        # the OCI conversion of shares 512: 1 + ((512 - 2) * 9999) / 262142
        assert cg_read(c.pid, "cpu", "cpu.weight") == str(1 + (510 * 9999) // 262142)


def test_cpuset_cpus_and_mems(bundle, container):
    need("cpuset")
    c = created(container, sleeper(bundle, cpu={"cpus": "0", "mems": "0"}))
    assert cg_read(c.pid, "cpuset", "cpuset.cpus") == "0"
    assert cg_read(c.pid, "cpuset", "cpuset.mems") == "0"


def test_pids_limit(bundle, container):
    need("pids")
    c = created(container, sleeper(bundle, pids={"limit": 33}))
    assert cg_read(c.pid, "pids", "pids.max") == "33"


def _weight_file():
    if v1("blkio"):
        for f in ("blkio.weight", "blkio.bfq.weight"):
            if HOST.has_file("blkio", f):
                return "blkio", f
    elif HOST.has("io"):
        for f in ("io.bfq.weight", "io.weight"):
            if HOST.has_file("io", f):
                return "io", f
    return None, None


def test_blkio_weight(bundle, container):
    ctrl, f = _weight_file()
    if not f:
        pytest.skip("this %s host has no blkio/io weight file (no CFQ/BFQ scheduler)" % HOST.mode)
    c = created(container, sleeper(bundle, blockIO={"weight": 500}))
    value = cg_read(c.pid, ctrl, f)
    if ctrl == "blkio":
        assert value == "500"
    elif f == "io.bfq.weight":
        assert value.split()[-1] == "500", value
    else:
        # v2 io.weight maps 10..1000 onto 1..10000: 1 + (500 - 10) * 9999 / 990
        assert value.split()[-1] == str(1 + (490 * 9999) // 990), value


def test_hugepage_limits(bundle, container):
    if not os.path.isdir("/sys/kernel/mm/hugepages/hugepages-2048kB"):
        pytest.skip("no 2MB huge pages on this host")
    need("hugetlb")
    c = created(container, sleeper(bundle, hugepageLimits=[{"pageSize": "2MB", "limit": 4 * 2 * MiB}]))
    name = "hugetlb.2MB.limit_in_bytes" if v1("hugetlb") else "hugetlb.2MB.max"
    assert cg_read(c.pid, "hugetlb", name) == str(8 * MiB)


def test_memory_swappiness_and_oom_killer(bundle, container):
    if not v1("memory"):
        pytest.skip("swappiness and disableOOMKiller exist on cgroup v1 only (this host is %s)"
                    % HOST.mode)
    need("memory", "memory.swappiness")
    c = created(container, sleeper(bundle, memory={"limit": 64 * MiB, "swappiness": 10,
                                                    "disableOOMKiller": True}))
    assert cg_read(c.pid, "memory", "memory.swappiness") == "10"
    assert "oom_kill_disable 1" in cg_read(c.pid, "memory", "memory.oom_control").splitlines()


def test_cpu_burst_and_idle(bundle, container):
    need("cpu", "cpu.cfs_burst_us" if v1("cpu") else "cpu.max.burst")
    c = created(container, sleeper(bundle, cpu={"quota": 50000, "period": 100000, "burst": 20000}))
    assert cg_read(c.pid, "cpu", "cpu.cfs_burst_us" if v1("cpu") else "cpu.max.burst") == "20000"
    if not HOST.has_file("cpu", "cpu.idle"):
        pytest.skip("this %s host has no cpu.idle" % HOST.mode)
    c2 = created(container, sleeper(bundle, cpu={"idle": 1}))
    assert cg_read(c2.pid, "cpu", "cpu.idle") == "1"


def test_cpu_realtime(bundle, container):
    need("cpu", "cpu.rt_runtime_us")
    c = created(container, sleeper(bundle, cpu={"realtimePeriod": 1000000, "realtimeRuntime": 0}))
    assert cg_read(c.pid, "cpu", "cpu.rt_period_us") == "1000000"
    assert cg_read(c.pid, "cpu", "cpu.rt_runtime_us") == "0"


def _block_device():
    """major, minor of a whole disk of this host (not a loop or zram device), or None."""
    try:
        names = sorted(os.listdir("/sys/block"))
    except FileNotFoundError:
        return None
    for n in names:
        if n.startswith(("loop", "ram", "zram", "nbd")):
            continue
        with open("/sys/block/%s/dev" % n) as f:
            major, minor = f.read().strip().split(":")
        return int(major), int(minor)
    return None


def test_blkio_throttle(bundle, container):
    dev = _block_device()
    if not dev:
        pytest.skip("no disk on this host to throttle")
    if v1("blkio"):
        need("blkio", "blkio.throttle.read_bps_device")
    else:
        need("io", "io.max")
    major, minor = dev
    b = sleeper(bundle, blockIO={
        "throttleReadBpsDevice": [{"major": major, "minor": minor, "rate": MiB}],
        "throttleWriteIOPSDevice": [{"major": major, "minor": minor, "rate": 100}]})
    c = created(container, b)
    if v1("blkio"):
        assert "%d:%d %d" % (major, minor, MiB) in \
            cg_read(c.pid, "blkio", "blkio.throttle.read_bps_device").splitlines()
        assert "%d:%d 100" % (major, minor) in \
            cg_read(c.pid, "blkio", "blkio.throttle.write_iops_device").splitlines()
    else:
        line = "%d:%d rbps=%d wbps=max riops=max wiops=100" % (major, minor, MiB)
        assert line in cg_read(c.pid, "io", "io.max").splitlines()


def test_network_class_and_priorities(bundle, container):
    if not (v1("net_cls") and v1("net_prio")):
        pytest.skip("no net_cls/net_prio hierarchy on this %s host" % HOST.mode)
    b = sleeper(bundle, network={"classID": 0x100001, "priorities": [{"name": "lo", "priority": 5}]})
    c = created(container, b)
    assert cg_read(c.pid, "net_cls", "net_cls.classid") == str(0x100001)
    assert "lo 5" in cg_read(c.pid, "net_prio", "net_prio.ifpriomap").splitlines()


def test_unified(bundle, container):
    if HOST.mode != "unified":
        pytest.skip("linux.resources.unified needs a cgroup v2 host (this one is %s)" % HOST.mode)
    need("memory")
    need("pids")
    c = created(container, sleeper(bundle, unified={"memory.high": str(48 * MiB), "pids.max": "17"}))
    assert cg_read(c.pid, "memory", "memory.high") == str(48 * MiB)
    assert cg_read(c.pid, "pids", "pids.max") == "17"


def test_unified_refused_on_v1(bundle, container):
    if HOST.mode == "unified":
        pytest.skip("a cgroup v2 host accepts linux.resources.unified")
    c = container(sleeper(bundle, unified={"pids.max": "17"}))
    r = c.create()
    assert r.returncode != 0
    assert "unified" in r.stderr


def test_device_rules_in_devices_list(bundle, container):
    if not v1("devices"):
        pytest.skip("v2 device rules are a BPF program, checked by behaviour in test_device_access")
    b = sleeper(bundle, devices=[{"allow": False, "access": "rwm"},
                                 {"allow": True, "type": "b", "major": 7, "minor": 0, "access": "rw"}])
    c = created(container, b)
    rules = cg_read(c.pid, "devices", "devices.list").splitlines()
    assert "b 7:0 rw" in rules, rules
    assert "c 1:3 rwm" in rules, rules
    assert "a *:* rwm" not in rules, rules


# ---------------------------------------------------------------- enforcement


def test_device_access(bundle, container):
    """linux.devices makes the nodes; resources.devices decides which ones may be opened."""
    script = ("echo ok >/dev/null && echo null-ok; "
              "(exec 3</dev/xallowed) 2>&1; echo allowed-done; "
              "(exec 3</dev/xdenied) 2>&1; echo denied-done; "
              "mknod /dev/xmade b 7 2 && echo mknod-ok; (exec 3</dev/xmade) 2>&1; echo made-done")
    b = bundle(["sh", "-c", script])
    b.linux["devices"] = [
        {"path": "/dev/xallowed", "type": "b", "major": 7, "minor": 0, "fileMode": 0o600},
        {"path": "/dev/xdenied", "type": "b", "major": 7, "minor": 1, "fileMode": 0o600},
    ]
    b.linux["resources"]["devices"] = [
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "b", "major": 7, "minor": 0, "access": "rw"},
        {"allow": False, "type": "b", "major": 7, "minor": 1, "access": "rwm"},
    ]
    for k in ("bounding", "effective", "permitted"):
        b.process["capabilities"][k].append("CAP_MKNOD")
    c = container(b)
    r = c.run()
    out = r.stdout + r.stderr
    lines = out.splitlines()
    assert "null-ok" in lines, out
    allowed = lines[lines.index("null-ok") + 1:lines.index("allowed-done")]
    denied = lines[lines.index("allowed-done") + 1:lines.index("denied-done")]
    made = lines[lines.index("denied-done") + 1:]
    # b 7:0 is allowed by the cgroup: opening it may fail only for lack of a loop device
    assert not any("Operation not permitted" in x for x in allowed), out
    assert any("Operation not permitted" in x for x in denied), out
    # mknod is allowed (runc's default rules), opening what was made is not
    assert "mknod-ok" in made, out
    assert any("Operation not permitted" in x for x in made), out


def test_device_program_loaded_without_verifier_log(bundle, container, runtime, test_dir):
    """On cgroup v2 the device rules are a BPF program. It is loaded without asking for the
    verifier's log, which would have the kernel format a line for every instruction it checks
    on every create (the log is fetched only to explain a refused program). Seen with strace."""
    if v1("devices") or not HOST.v2:
        pytest.skip("device rules are a BPF program only on cgroup v2")
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    c = container(bundle(["/probe", "exit", "0"]))
    c._prepare()
    trace = os.path.join(test_dir, "bpf.trace")
    r = subprocess.run(["strace", "-f", "-o", trace, "-e", "trace=bpf", "-e", "signal=none"]
                       + runtime.argv("run", "--bundle", c.bundle.path, c.id),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with open(trace) as f:
        loads = [line for line in f if "BPF_PROG_LOAD" in line]
    assert loads, "no BPF_PROG_LOAD in the trace"
    assert all("log_level=0" in line for line in loads), loads


def _pids_hit_limit(pid):
    events = cg_read(pid, "pids", "pids.events")
    return int(events.split()[-1]) > 0


def test_fork_bomb_stops_at_pids_limit(bundle, container):
    need("pids", "pids.events")
    b = bundle()
    if os.path.exists("/usr/bin/bash"):
        # the classic bomb needs a shell that takes ":" as a function name (busybox's
        # does not): the host's bash, with the host's /usr bound read-only
        b.config["mounts"].append({"destination": "/usr", "type": "bind", "source": "/usr",
                                   "options": ["rbind", "ro"]})
        for d in ("lib", "lib64"):
            if not os.path.lexists(os.path.join(b.rootfs, d)):
                os.symlink("usr/" + d, os.path.join(b.rootfs, d))
        b.process["args"] = ["/usr/bin/bash", "-c", ":(){ :|:& };: 2>/dev/null; exec /probe sleep"]
    else:
        b.process["args"] = ["sh", "-c", "b(){ b|b& };b 2>/dev/null; exec /probe sleep"]
    b.linux["resources"]["pids"] = {"limit": 20}
    c = container(b)
    assert c.create().returncode == 0
    pid = c.pid
    d = cg_dir(pid, "pids")
    assert c.start().returncode == 0
    deadline = time.monotonic() + 20
    while not _pids_hit_limit(pid):
        assert time.monotonic() < deadline, "the fork bomb never reached pids.max"
        time.sleep(0.05)
    assert int(cg_read(pid, "pids", "pids.current")) <= 20
    # the host still forks
    for _ in range(5):
        assert subprocess.run(["true"]).returncode == 0
    r = c.delete(force=True)
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(d)
    assert wait_dead(pid)


def _oom_count(pid):
    if v1("memory"):
        text = cg_read(pid, "memory", "memory.oom_control")
    else:
        text = cg_read(pid, "memory", "memory.events")
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == "oom_kill":
            return int(v)
    return 0


def test_oom_kill_and_events(bundle, container, runtime):
    need("memory")
    # the hog is a child, so the init outlives it and events keeps watching
    hog = "sh -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'; echo hog-died; exec /probe sleep"
    b = bundle(["sh", "-c", hog])
    mem = {"limit": 32 * MiB}
    if HOST.has_file("memory", "memory.memsw.limit_in_bytes" if v1("memory") else "memory.swap.max"):
        mem["swap"] = 32 * MiB
    b.linux["resources"]["memory"] = mem
    c = container(b)
    assert c.create().returncode == 0
    pid = c.pid
    ev = subprocess.Popen(runtime.argv("events", "--interval", "200ms", c.id), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        assert c.start().returncode == 0
        c.wait_output("hog-died", timeout=60)
        assert _oom_count(pid) >= 1
        deadline = time.monotonic() + 10
        events = []
        os.set_blocking(ev.stdout.fileno(), False)
        buf = ""
        while not any(e.get("type") == "oom" for e in events):
            assert time.monotonic() < deadline, "no oom event; got %s" % events
            chunk = ev.stdout.read() or ""
            buf += chunk
            *done, buf = buf.split("\n")
            events += [json.loads(x) for x in done if x.strip()]
            time.sleep(0.1)
        oom = [e for e in events if e["type"] == "oom"][0]
        assert oom["id"] == c.id
        assert any(e["type"] == "stats" for e in events), events
    finally:
        ev.kill()
        ev.wait()
    r = runtime.cmd("events", "--stats", c.id)
    assert r.returncode == 0, r.stderr
    obj = json.loads(r.stdout)  # exactly one JSON object
    assert obj["type"] == "stats" and obj["id"] == c.id
    data = obj["data"]
    # runc's types/events.go Stats
    for key in ("cpu", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"):
        assert key in data, (key, sorted(data))
    assert data["memory"]["usage"]["limit"] == 32 * MiB, data["memory"]
    assert data["memory"]["usage"]["usage"] > 0, data["memory"]
    assert isinstance(data["memory"]["raw"], dict) and data["memory"]["raw"], data["memory"]
    assert "usage" in data["cpu"] and "total" in data["cpu"]["usage"], data["cpu"]
    if HOST.has("pids"):
        assert data["pids"]["current"] >= 1, data["pids"]
    # percpu is omitempty in runc (cgroup v2 has no per-CPU usage)
    assert isinstance(data["cpu"]["usage"].get("percpu", []), list), data["cpu"]
    assert "kernel" in data["cpu"]["usage"] and "user" in data["cpu"]["usage"], data["cpu"]
    assert c.delete(force=True).returncode == 0


def test_oom_of_the_init_is_reported(bundle, container, runtime):
    """The init itself is OOM-killed: events still reports it, then ends with the container."""
    need("memory")
    b = bundle(["sh", "-c", "a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done"])
    mem = {"limit": 24 * MiB}
    if HOST.has_file("memory", "memory.memsw.limit_in_bytes" if v1("memory") else "memory.swap.max"):
        mem["swap"] = 24 * MiB
    b.linux["resources"]["memory"] = mem
    c = container(b)
    assert c.create().returncode == 0
    ev = subprocess.Popen(runtime.argv("events", "--interval", "10s", c.id), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        assert c.start().returncode == 0
        out, err = ev.communicate(timeout=60)
    finally:
        ev.kill()
        ev.wait()
    events = [json.loads(x) for x in out.splitlines() if x.strip()]
    assert [e for e in events if e["type"] == "oom"], (events, err)
    c.wait_status("stopped")


def test_events_of_stopped_container_fails(bundle, container, runtime):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    r = runtime.cmd("events", "--stats", c.id)
    assert r.returncode != 0
    assert "not running" in r.stderr


def _counter(b):
    try:
        with open(os.path.join(b.rootfs, "tmp", "count")) as f:
            return int(f.read() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def test_pause_resume_counter(bundle, container, runtime):
    if not (HOST.has("freezer") or HOST.mode == "unified"):
        pytest.skip("no freezer on this %s host" % HOST.mode)
    b = bundle(["/probe", "count", "/tmp/count"])
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    deadline = time.monotonic() + 10
    while _counter(b) < 2:
        assert time.monotonic() < deadline, "the counter never started"
        time.sleep(0.05)
    assert runtime.cmd("pause", c.id).returncode == 0
    assert c.status() == "paused"
    frozen = _counter(b)
    time.sleep(0.5)
    assert _counter(b) == frozen
    assert c.status() == "paused"
    assert runtime.cmd("resume", c.id).returncode == 0
    assert c.status() == "running"
    deadline = time.monotonic() + 5
    while _counter(b) <= frozen:
        assert time.monotonic() < deadline, "the counter did not restart after resume"
        time.sleep(0.05)


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


def cg_dir_path(controller, path):
    base = HOST.v1.get(controller) or HOST.v2
    return os.path.join(base, path.lstrip("/"))


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


def test_unified_refused_on_a_hybrid_host_whatever_the_key(bundle, container):
    # the v2 side of a hybrid host would take cgroup.* keys; runc refuses unified there
    if HOST.mode == "unified":
        pytest.skip("a cgroup v2 host accepts linux.resources.unified")
    c = container(sleeper(bundle, unified={"cgroup.max.depth": "5"}))
    r = c.create()
    assert r.returncode != 0
    assert "linux.resources.unified" in r.stderr and "invalid configuration" in r.stderr, r.stderr


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


@pytest.mark.skipif(not shutil.which("strace"), reason="strace not installed")
def test_events_waits_on_kernel_notifications(bundle, container, runtime, test_dir):
    # events sleeps in poll(2) on the init's pidfd and the OOM notification, and wakes for
    # statistics only when they are due: no timer ticking in between, and it ends as soon as
    # the container does
    need("memory")
    c = created(container, sleeper(bundle))
    assert c.start().returncode == 0
    trace = os.path.join(test_dir, "events.strace")
    ev = subprocess.Popen(["strace", "-f", "-c", "-o", trace] +
                          runtime.argv("events", "--interval", "60s", c.id),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert c.kill("KILL").returncode == 0
        start = time.monotonic()
        out, err = ev.communicate(timeout=20)
        assert time.monotonic() - start < 3, "events outlived its container"
    finally:
        if ev.poll() is None:
            ev.kill()
            ev.wait()
    assert ev.returncode == 0, err
    assert [json.loads(x)["type"] for x in out.splitlines()] == ["stats"], out
    with open(trace) as f:
        calls = {}
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and fields[-1].isidentifier() and fields[3].isdigit():
                calls[fields[-1]] = int(fields[3])
    assert calls.get("nanosleep", 0) + calls.get("clock_nanosleep", 0) == 0, calls
    assert calls.get("poll", 0) + calls.get("ppoll", 0) <= 3, calls


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
