# SPDX-License-Identifier: GPL-2.0-or-later
# hutch run by a real unprivileged user (made for the session, removed after it: see
# rootless.py): the state under $XDG_RUNTIME_DIR, --rootless, no cgroup where none is
# delegated (a warning, or an error naming the resources), and the parent writing the maps
# of the container's user namespace (needing the child's /proc entries while the child is
# still dumpable), after which the container process is non-dumpable and exec's processes
# cannot reach it.
import json
import os
import shutil

import pytest

from lib import parse_probe, wait_dead

pytestmark = [pytest.mark.rootless, pytest.mark.userns]

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))


def is_runc(rt):
    return os.path.basename(rt.binary) == "runc"


def create(rt, b, cid, test_dir, *extra):
    out = os.path.join(test_dir, cid + ".out")
    r = rt.detached("create", "--bundle", b.path, *extra, cid, out=out)
    return r, out


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


# --- cgroups where none is delegated ------------------------------------------------------


def test_no_delegated_cgroup_runs_without_one_and_says_so(rootless, rootless_bundle, test_dir):
    b = rootless_bundle(["/probe"])
    log = os.path.join(rootless.user.home, "log.json")
    facts, r = run_facts(rootless, b, "rl")
    assert facts["uid"] == "0"
    assert "runs without a cgroup" in r.stderr, r.stderr
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


# --- The parent writes the maps ------------------------------------------------------------


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


