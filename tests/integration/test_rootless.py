# SPDX-License-Identifier: GPL-2.0-or-later
# hutch run by a real unprivileged user (made for the session, removed after it: see
# rootless.py): the state under $XDG_RUNTIME_DIR, --rootless, no cgroup where none is
# delegated (a warning, or an error naming the resources), the verbs and terminals without a
# cgroup, and id mappings: the caller's own ids written directly (by the parent, while the
# child is still dumpable; the container process is non-dumpable afterwards and exec's
# processes cannot reach it), several ranges through newuidmap/newgidmap; the mounts and
# devices a user namespace allows, and privileged settings failing clearly.
import json
import os
import shutil
import subprocess
import sys

import pytest

from lib import RECVTTY, host_ids, parse_probe, pty_run, wait_dead

pytestmark = [pytest.mark.rootless, pytest.mark.userns]

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))


def is_runc(rt):
    return os.path.basename(rt.binary) == "runc"


def create(rt, b, cid, test_dir, *extra):
    out = os.path.join(test_dir, cid + ".out")
    r = rt.detached("create", "--bundle", b.path, *extra, cid, out=out)
    return r, out


def mountinfo(pid):
    """{mount point: (per-mount options, fstype)} of the process's mount namespace."""
    found = {}
    with open("/proc/%d/mountinfo" % pid) as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            found[fields[4]] = (set(fields[5].split(",")), right.split()[0])
    return found


def run_facts(rt, b, cid, *extra):
    """Foreground run of the probe; its facts."""
    r = rt.cmd("run", "--bundle", b.path, *extra, cid)
    assert r.returncode == 0, r.stderr
    return parse_probe(r.stdout), r


# --- State --------------------------------------------------------------------------------


def test_state_lives_under_xdg_runtime_dir(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    r, _ = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    assert os.path.isfile(os.path.join(rootless.user.xdg, "hutch", "rl", "state.json"))
    assert rootless.cmd("list", "-q").stdout.split() == ["rl"]
    assert rootless.state("rl")["status"] == "created"
    assert rootless.cmd("delete", "rl").returncode == 0
    assert not os.path.exists(os.path.join(rootless.user.xdg, "hutch", "rl"))


def test_state_needs_a_usable_xdg_runtime_dir(rootless, test_dir):
    r = rootless.cmd("list", env=rootless.env(XDG_RUNTIME_DIR=None))
    assert r.returncode != 0
    assert "XDG_RUNTIME_DIR is not set" in r.stderr and "--root" in r.stderr, r.stderr
    r = rootless.cmd("list", env=rootless.env(XDG_RUNTIME_DIR="run/user"))
    assert r.returncode != 0 and "not an absolute path" in r.stderr, r.stderr
    r = rootless.cmd("list", env=rootless.env(XDG_RUNTIME_DIR=test_dir))
    assert r.returncode != 0 and "belongs to uid 0" in r.stderr, r.stderr
    missing = os.path.join(rootless.user.xdg, "missing")
    r = rootless.cmd("list", env=rootless.env(XDG_RUNTIME_DIR=missing))
    assert r.returncode != 0 and missing in r.stderr and "No such file" in r.stderr, r.stderr
    # --root needs no XDG_RUNTIME_DIR, nor does spec (it keeps no state)
    own = os.path.join(rootless.user.home, "state")
    r = rootless.cmd("--root", own, "list", env=rootless.env(XDG_RUNTIME_DIR=None))
    assert r.returncode == 0, r.stderr
    r = rootless.cmd("spec", "--rootless", env=rootless.env(XDG_RUNTIME_DIR=None))
    assert r.returncode == 0, r.stderr
    os.unlink(os.path.join(rootless.user.home, "config.json"))


def test_rootless_flag_takes_auto_true_false(rootless, rootless_bundle):
    r = rootless.cmd("--rootless", "maybe", "list")
    assert r.returncode != 0 and "expected auto, true or false" in r.stderr, r.stderr
    for v in ("auto", "true", "false"):
        assert rootless.cmd("--rootless", v, "list").returncode == 0


def test_spec_rootless_is_runcs(rootless):
    # `spec --rootless` as runc writes it, for the same user: a user namespace mapping the user
    # to root, no network namespace, /sys bound from the host, devpts without gid=5, no
    # linux.resources; only the version, the hostname and runc < 1.2's ambient set differ
    runc = shutil.which("runc") or "/usr/sbin/runc"
    if not os.access(runc, os.X_OK):
        pytest.skip("runc is not installed")
    specs = []
    for binary in (rootless.binary, runc):
        d = os.path.join(rootless.user.home, "spec-" + os.path.basename(binary))
        os.mkdir(d)
        os.chown(d, rootless.user.uid, rootless.user.gid)
        r = rootless.run_as([binary, "spec", "--rootless", "--bundle", d])
        assert r.returncode == 0, r.stderr
        with open(os.path.join(d, "config.json")) as f:
            specs.append(json.load(f))
        shutil.rmtree(d)
    ours, theirs = specs
    for cfg in specs:
        del cfg["ociVersion"], cfg["hostname"]
        cfg["process"]["capabilities"].pop("ambient", None)  # runc 1.2 dropped it too
    assert ours == theirs
    assert ours["linux"]["uidMappings"] == [{"containerID": 0, "hostID": rootless.user.uid, "size": 1}]


# --- cgroups where none is delegated ------------------------------------------------------


def test_no_delegated_cgroup_runs_without_one_and_says_so(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe"])
    log = os.path.join(rootless.user.home, "log.json")
    facts, r = run_facts(rootless, b, "rl")
    assert facts["uid"] == "0"
    assert "runs without a cgroup" in r.stderr, r.stderr
    # engines map "permission denied" in a runtime's stderr to exit code 126: a warning must not
    # hand them those words for a later, different failure
    assert "permission denied" not in r.stderr.lower(), r.stderr
    # with --log the warning goes there, once, and the run still succeeds
    r = rootless.cmd("--log", log, "--log-format", "json", "run", "--bundle", b.path, "rl2")
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        lines = [json.loads(line) for line in f]
    assert [e["level"] for e in lines] == ["warning"], lines
    assert "runs without a cgroup" in lines[0]["msg"]


def test_rootless_false_makes_the_cgroup_error_fatal(rootless, rootless_bundle):
    b = rootless_bundle(["/probe"])
    r = rootless.cmd("--rootless", "false", "run", "--bundle", b.path, "rl")
    assert r.returncode != 0
    assert "cgroup" in r.stderr and "Permission denied" in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []


def test_resources_without_a_cgroup_fail_naming_them(rootless, rootless_bundle):
    b = rootless_bundle(["/probe"])
    b.config["linux"]["resources"] = {"pids": {"limit": 50}, "memory": {"limit": 64 << 20},
                                      "devices": [{"allow": False, "access": "rwm"}]}
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl")
    assert r.returncode != 0
    assert "linux.resources.memory" in r.stderr and "linux.resources.pids" in r.stderr, r.stderr
    assert "linux.resources.devices" not in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []
    assert not os.path.exists(os.path.join(rootless.root, "rl"))


# --- The verbs ------------------------------------------------------------------------------


def test_verbs_without_a_cgroup(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    r, out = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    pid = rootless.state("rl")["pid"]
    assert rootless.cmd("start", "rl").returncode == 0
    rootless.wait_status("rl", "running")
    # exec joins every namespace, as root of the container's user namespace
    r = rootless.cmd("exec", "rl", "/probe")
    assert r.returncode == 0, r.stderr
    facts = parse_probe(r.stdout)
    assert facts["uid"] == "0" and facts["pid"] != "1"
    r = rootless.detached("exec", "--detach", "rl", "/probe", "sleep", out=out)
    assert r.returncode == 0, r.stderr
    # ps finds the container's processes by its pid namespace
    r = rootless.cmd("ps", "--format", "json", "rl")
    assert r.returncode == 0, r.stderr
    pids = json.loads(r.stdout)
    assert pid in pids and len(pids) == 2, pids
    assert "sleep" in rootless.cmd("ps", "rl").stdout
    # nothing can freeze a container without a cgroup: say so
    r = rootless.cmd("pause", "rl")
    assert r.returncode != 0 and "no cgroup" in r.stderr, r.stderr
    assert rootless.state("rl")["status"] == "running"
    listed = json.loads(rootless.cmd("list", "--format", "json").stdout)
    assert [(c["id"], c["status"]) for c in listed] == [("rl", "running")]
    # kill --all reaches the exec'd process too
    assert rootless.cmd("kill", "--all", "rl", "KILL").returncode == 0
    for p in pids:
        assert wait_dead(p), p
    rootless.wait_status("rl", "stopped")
    assert rootless.cmd("delete", "rl").returncode == 0
    assert rootless.cmd("list", "-q").stdout.split() == []


def test_kill_signals_the_init(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    r, _ = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    pid = rootless.state("rl")["pid"]
    assert rootless.cmd("start", "rl").returncode == 0
    assert rootless.cmd("kill", "rl", "0").returncode == 0
    assert rootless.cmd("kill", "rl", "KILL").returncode == 0
    assert wait_dead(pid)
    rootless.wait_status("rl", "stopped")
    r = rootless.cmd("kill", "rl", "KILL")
    assert r.returncode != 0 and "container not running" in r.stderr, r.stderr
    assert rootless.cmd("delete", "rl").returncode == 0


def test_delete_force_kills_a_running_container(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    out = os.path.join(test_dir, "rl.out")
    assert rootless.detached("run", "--detach", "--bundle", b.path, "rl", out=out).returncode == 0
    pid = rootless.state("rl")["pid"]
    assert rootless.detached("exec", "--detach", "rl", "/probe", "sleep", out=out).returncode == 0
    pids = json.loads(rootless.cmd("ps", "--format", "json", "rl").stdout)
    assert len(pids) == 2
    assert rootless.cmd("delete", "--force", "rl").returncode == 0
    for p in [pid] + pids:
        assert wait_dead(p), p


def test_disabled_manager_finds_processes_the_same_way(runtime, bundle, container):
    # root with --cgroup-manager disabled has no cgroup either: ps, kill --all and pause go
    # the same way as rootless without a delegated cgroup
    b = bundle(["/probe", "sleep"])
    c = container(b)
    c._prepare()
    r = runtime.detached("--cgroup-manager", "disabled", "run", "--detach", "--bundle", b.path,
                         c.id, out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    r = runtime.detached("exec", "--detach", c.id, "/probe", "sleep", out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    pids = json.loads(runtime.cmd("ps", "--format", "json", c.id).stdout)
    assert c.pid in pids and len(pids) == 2, pids
    r = runtime.cmd("pause", c.id)
    assert r.returncode != 0 and "no cgroup" in r.stderr, r.stderr
    assert c.kill("KILL", all=True).returncode == 0
    for p in pids:
        assert wait_dead(p), p


def _receiver(rt, test_dir, *extra):
    """recvtty as the user, on a socket in a directory the user owns."""
    d = os.path.join(test_dir, "tty")
    os.mkdir(d)
    os.chown(d, rt.user.uid, rt.user.gid)
    sock, out = os.path.join(d, "console.sock"), os.path.join(d, "console.out")
    p = subprocess.Popen([sys.executable, RECVTTY, sock, "--out", out, *extra], stdin=subprocess.DEVNULL,
                         preexec_fn=rt._preexec, env=rt.env())
    for _ in range(500):
        if os.path.exists(sock) or p.poll() is not None:
            break
        subprocess.run(["sleep", "0.02"])
    assert os.path.exists(sock), "recvtty did not start"
    return p, sock, out


def test_console_socket(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo tty:yes; id -u"])
    b.config["process"]["terminal"] = True
    b.save()
    p, sock, out = _receiver(rootless, test_dir)
    r = rootless.cmd("run", "--detach", "--console-socket", sock, "--bundle", b.path, "rl")
    assert r.returncode == 0, r.stderr
    p.wait(timeout=20)
    with open(out, "rb") as f:
        text = f.read().decode(errors="replace")
    assert "tty:yes" in text and "\n0" in text.replace("\r", ""), text


def test_exec_with_a_terminal(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    log = os.path.join(test_dir, "rl.out")
    assert rootless.detached("run", "--detach", "--bundle", b.path, "rl", out=log).returncode == 0
    p, sock, out = _receiver(rootless, test_dir)
    r = rootless.cmd("exec", "--tty", "--detach", "--console-socket", sock, "rl", "sh", "-c",
                     "[ -t 0 ] && echo exec-tty:yes")
    assert r.returncode == 0, r.stderr
    p.wait(timeout=20)
    with open(out, "rb") as f:
        assert "exec-tty:yes" in f.read().decode(errors="replace")


def test_foreground_run_proxies_the_terminal(rootless, rootless_bundle):
    b = rootless_bundle(["sh", "-c", "stty -echo; echo ready; read line; echo got:$line; exit 3"])
    b.config["process"]["terminal"] = True
    b.save()

    def as_the_user():
        rootless._preexec()
        os.chdir(rootless.user.home)
        return rootless.env()

    code, out = pty_run(rootless.argv("run", "--bundle", b.path, "rl"), b"hello\r",
                        child=as_the_user)
    assert b"got:hello" in out, out
    assert code == 3, out


# --- ID mappings ---------------------------------------------------------------------------


def test_own_ids_are_mapped_directly(rootless, rootless_bundle, test_dir):
    if is_runc(rootless):
        pytest.skip("checks hutch's helper")
    b = rootless_bundle(["/probe"])
    attacker = os.path.join(BUILD_DIR, "tests", "attack", "proc1_open")
    shutil.copy2(attacker, os.path.join(b.rootfs, "proc1_open"))
    os.chown(os.path.join(b.rootfs, "proc1_open"), rootless.user.uid, rootless.user.gid)
    r, out = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    pid = rootless.state("rl")["pid"]
    with open("/proc/%d/uid_map" % pid) as f:
        assert f.read().split() == ["0", str(rootless.user.uid), "1"]
    with open("/proc/%d/setgroups" % pid) as f:
        assert f.read().strip() == "deny"
    assert os.readlink("/proc/%d/exe" % pid).startswith("/memfd:hutch-init")
    # processes exec'd into the container cannot reach the init's /proc entries
    r = rootless.cmd("exec", "rl", "/proc1_open")
    assert r.returncode == 0, r.stderr
    for line in r.stdout.splitlines():
        assert line.partition("=")[2] in ("EACCES", "EPERM"), line
    assert rootless.cmd("start", "rl").returncode == 0
    assert wait_dead(pid)
    with open(out) as f:
        facts = parse_probe(f.read())
    assert facts["uid"] == "0" and facts["NoNewPrivs"] == "1", facts


def _two_ranges(user, ranges):
    start, size = ranges
    return [{"containerID": 0, "hostID": user.uid if ranges is user.subuid else user.gid, "size": 1},
            {"containerID": 1, "hostID": start, "size": size}]


def test_several_ranges_go_through_newuidmap(rootless, rootless_bundle, test_dir):
    u = rootless.user
    if not u.subuid or not u.subgid or not shutil.which("newuidmap"):
        pytest.skip("needs subordinate ids and newuidmap (uidmap)")
    b = rootless_bundle(["sh", "-c", "/probe; exec /probe sleep"])
    b.config["linux"]["uidMappings"] = _two_ranges(u, u.subuid)
    b.config["linux"]["gidMappings"] = _two_ranges(u, u.subgid)
    b.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10]}
    b.save()
    r, out = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    pid = rootless.state("rl")["pid"]
    with open("/proc/%d/uid_map" % pid) as f:
        assert [line.split() for line in f] == [["0", str(u.uid), "1"],
                                                ["1", str(u.subuid[0]), str(u.subuid[1])]]
    with open("/proc/%d/gid_map" % pid) as f:
        assert [line.split() for line in f] == [["0", str(u.gid), "1"],
                                                ["1", str(u.subgid[0]), str(u.subgid[1])]]
    assert rootless.cmd("start", "rl").returncode == 0
    for _ in range(200):
        with open(out) as f:
            if "fd=" in f.read():
                break
        subprocess.run(["sleep", "0.05"])
    with open(out) as f:
        facts = parse_probe(f.read())
    assert facts["uid"] == "1000" and facts["gid"] == "1000", facts
    assert "10" in facts["groups"].split(","), facts
    ids = host_ids(rootless.state("rl")["pid"])
    assert ids["U"][0] == u.subuid[0] + 999 and ids["G"][0] == u.subgid[0] + 999, ids


@pytest.mark.parametrize("which", ["uid", "gid"])
def test_range_not_delegated_names_the_file(rootless, rootless_bundle, which):
    u = rootless.user
    if not u.subuid or not u.subgid or not shutil.which("newuidmap"):
        pytest.skip("needs subordinate ids and newuidmap (uidmap)")
    b = rootless_bundle(["/probe"])
    b.config["linux"]["uidMappings"] = _two_ranges(u, u.subuid)
    b.config["linux"]["gidMappings"] = _two_ranges(u, u.subgid)
    key = which + "Mappings"
    start, size = u.subuid if which == "uid" else u.subgid
    b.config["linux"][key][1]["hostID"] = start + size  # just past the user's range
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl")
    assert r.returncode != 0
    assert "/etc/sub%s" % which in r.stderr, r.stderr
    assert ("linux.%s[1]" % key) in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []


def test_user_namespace_without_mappings_maps_the_caller_to_root(rootless, rootless_bundle, test_dir):
    if is_runc(rootless):
        pytest.skip("runc refuses a user namespace without mappings; crun maps the caller")
    b = rootless_bundle(["sh", "-c", "/probe; exec /probe sleep"])
    del b.config["linux"]["uidMappings"]
    del b.config["linux"]["gidMappings"]
    b.save()
    r, out = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    pid = rootless.state("rl")["pid"]
    with open("/proc/%d/uid_map" % pid) as f:
        assert f.read().split() == ["0", str(rootless.user.uid), "1"]
    with open("/proc/%d/gid_map" % pid) as f:
        assert f.read().split() == ["0", str(rootless.user.gid), "1"]


def test_user_namespace_without_mappings_as_root(runtime, bundle, container):
    # the same for root: the caller (uid 0) is root inside, and nothing else is mapped
    if runtime.is_runc:
        pytest.skip("runc refuses a user namespace without mappings; crun maps the caller")
    b = bundle(["/probe", "sleep"])
    b.add_namespace("user")
    for m in b.config["mounts"]:
        if m["type"] == "devpts":
            m["options"].remove("gid=5")  # group 5 is not mapped
    c = container(b)
    assert c.create().returncode == 0
    with open("/proc/%d/uid_map" % c.pid) as f:
        assert f.read().split() == ["0", "0", "1"]


# --- Mounts, devices and privileged settings ------------------------------------------------


def test_sysfs_without_a_network_namespace_is_bound_from_the_host(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe", "sleep"])
    for m in b.config["mounts"]:
        if m["destination"] == "/sys":
            m.update(type="sysfs", source="sysfs", options=["nosuid", "noexec", "nodev", "ro"])
    assert not any(n["type"] == "network" for n in b.config["linux"]["namespaces"])
    b.save()
    r, _ = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    mi = mountinfo(rootless.state("rl")["pid"])
    opts, fstype = mi["/sys"]
    assert fstype == "sysfs" and {"ro", "nosuid", "nodev", "noexec"} <= opts, mi["/sys"]
    # an rbind: the host's mounts below /sys come along
    assert any(p.startswith("/sys/") for p in mi), sorted(mi)


@pytest.mark.parametrize("form", ["rbind", "sysfs"])
def test_a_read_only_sys_is_read_only_below_too(rootless, rootless_bundle, test_dir, form):
    """CVE-2023-25809: `ro` on the host's /sys, bound recursively (spec --rootless's rbind, or
    a sysfs mount the user namespace may not make afresh), reaches the mounts below it: without
    a cgroup mount of its own the container would see the host's cgroup hierarchies writable,
    where the user owns part of the tree."""
    b = rootless_bundle(["/probe", "sleep"])
    b.config["mounts"] = [m for m in b.config["mounts"] if m["destination"] != "/sys/fs/cgroup"]
    for m in b.config["mounts"]:
        if m["destination"] == "/sys" and form == "sysfs":
            m.update(type="sysfs", source="sysfs", options=["nosuid", "noexec", "nodev", "ro"])
        elif m["destination"] == "/sys":
            assert "rbind" in m["options"] and "ro" in m["options"], m
    b.save()
    r, _ = create(rootless, b, "rl", test_dir)
    assert r.returncode == 0, r.stderr
    mi = mountinfo(rootless.state("rl")["pid"])
    below = {p: v for p, v in mi.items() if p == "/sys" or p.startswith("/sys/")}
    assert any(p.startswith("/sys/fs/cgroup") for p in below), sorted(below)
    writable = {p: sorted(opts) for p, (opts, _) in below.items() if "ro" not in opts}
    assert writable == {}, writable


def test_remounts_keep_the_flags_the_kernel_locks(rootless, rootless_bundle, test_dir, cached_rootfs):
    # The bundle lives on a tmpfs mounted nosuid,nodev,noatime in a throw-away mount namespace:
    # a user namespace may not drop those flags, so root.readonly and the bind mounts (one of
    # them asking for "dev" and "suid") must keep them instead of failing with EPERM.
    u = rootless.user
    b = rootless_bundle(["/probe", "sleep"])
    b.config["root"]["readonly"] = True
    b.config["mounts"].append({"destination": "/data", "type": "bind", "source": "data",
                               "options": ["rbind", "ro"]})
    b.config["mounts"].append({"destination": "/data2", "type": "bind", "source": "data",
                               "options": ["rbind", "rw", "dev", "suid"]})
    b.save()
    script = ("mount -t tmpfs -o nosuid,nodev,noatime,mode=755 tmpfs \"$B\" && cp -a \"$C\" \"$B/rootfs\" "
              "&& cp \"$CFG\" \"$B/config.json\" && mkdir \"$B/data\" && chown -R $U:$G \"$B\" "
              "&& exec setpriv --reuid=$U --regid=$G --clear-groups -- \"$@\"")
    mnt = os.path.join(test_dir, "locked")
    os.mkdir(mnt)
    env = dict(rootless.env(), B=mnt, C=cached_rootfs, CFG=os.path.join(b.path, "config.json"),
               U=str(u.uid), G=str(u.gid))
    argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
            *rootless.argv("run", "--bundle", mnt, "rl")]
    b.config["process"]["args"] = ["sh", "-c", "cat /proc/self/mountinfo"]
    b.save()
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd="/")
    print(r.stdout, r.stderr)
    assert r.returncode == 0, r.stderr
    mi = {}
    for line in r.stdout.splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) > 5:
            mi[fields[4]] = set(fields[5].split(","))
    assert {"ro", "nosuid", "nodev", "noatime"} <= mi["/"], mi.get("/")
    assert {"ro", "nosuid", "nodev", "noatime"} <= mi["/data"], mi.get("/data")
    assert {"rw", "nosuid", "nodev", "noatime"} <= mi["/data2"], mi.get("/data2")


def test_devices_are_bound_from_the_host(rootless, rootless_bundle, test_dir):
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this host")
    st = os.stat("/dev/fuse")
    b = rootless_bundle(["sh", "-c", "/probe stat /dev/fuse; /probe stat /dev/null"])
    b.config["linux"]["devices"] = [{"path": "/dev/fuse", "type": "c", "major": os.major(st.st_rdev),
                                     "minor": os.minor(st.st_rdev), "fileMode": 0o666}]
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.split("type=")[1:]
    assert len(blocks) == 2, r.stdout
    fuse, null = (parse_probe("type=" + x) for x in blocks)
    assert fuse["type"] == "chr" and (fuse["major"], fuse["minor"]) == (
        str(os.major(st.st_rdev)), str(os.minor(st.st_rdev))), fuse
    assert null["type"] == "chr" and (null["major"], null["minor"]) == ("1", "3"), null


def test_oom_score_adj_below_the_callers_fails_clearly(rootless, rootless_bundle):
    with open("/proc/self/oom_score_adj") as f:
        current = int(f.read())
    b = rootless_bundle(["sh", "-c", "cat /proc/self/oom_score_adj"])
    b.config["process"]["oomScoreAdj"] = min(current + 100, 1000)
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl")
    assert r.returncode == 0 and r.stdout.strip() == str(min(current + 100, 1000)), r.stderr
    if current <= -1000:
        return
    b.config["process"]["oomScoreAdj"] = current - 1
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl2")
    assert r.returncode != 0
    assert "is below the current" in r.stderr and "CAP_SYS_RESOURCE" in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []


def test_rlimit_above_the_hard_limit_fails_clearly(rootless, rootless_bundle):
    import resource
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    b = rootless_bundle(["/probe"])
    b.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 64, "hard": hard + 1}]
    b.save()
    r = rootless.cmd("run", "--bundle", b.path, "rl")
    assert r.returncode != 0
    assert "RLIMIT_NOFILE" in r.stderr and "hard" in r.stderr, r.stderr
    assert rootless.cmd("list", "-q").stdout.split() == []
