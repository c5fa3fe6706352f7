# SPDX-License-Identifier: GPL-2.0-or-later
# Resource control on real cgroups: every linux.resources field the host supports is read back
# from the cgroup files after create, limits are enforced (pids, memory/OOM, devices), events
# and pause/resume. Runs unchanged on a v1/hybrid host and in the pure cgroup v2 VM (tests/vm);
# a check whose controller or file the host lacks is skipped with the reason. Needs root.
# Updates are in test_cgroup_update.py, placement and cleanup in test_cgroup_placement.py.
import json
import os
import shutil
import subprocess
import time

import pytest

from cgroup_host import CG_ROOT, HOST, MiB, cg_dir, cg_read, created, need, sleeper, v1
from lib import wait_dead

pytestmark = pytest.mark.cgroups

if HOST.mode == "none":
    pytest.skip("no cgroup hierarchy mounted under %s" % CG_ROOT, allow_module_level=True)


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


@pytest.mark.parametrize("key", ["pids.max", "cgroup.max.depth"])
def test_unified_refused_without_cgroup_v2(bundle, container, key):
    # runc refuses linux.resources.unified unless the host is pure cgroup v2, whatever the key:
    # the v2 side of a hybrid host would take cgroup.* keys
    if HOST.mode == "unified":
        pytest.skip("a cgroup v2 host accepts linux.resources.unified")
    c = container(sleeper(bundle, unified={key: "5"}))
    r = c.create()
    assert r.returncode != 0
    assert "linux.resources.unified" in r.stderr and "invalid configuration" in r.stderr, r.stderr


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
