# SPDX-License-Identifier: GPL-2.0-or-later
# list (table, json, -q), spec (its output runs unchanged apart from args, and runc's own
# `spec` bundle runs too), --version, and the --log file.
import json
import os
import shutil
import subprocess

import pytest

from lib import Bundle, cgroup_dirs, finish_receiver, parse_probe, start_receiver

pytestmark = pytest.mark.cli


def _two_containers(bundle, container):
    c1 = container(bundle(["/probe", "sleep"]))
    c2 = container(bundle(["/probe", "sleep"]))
    assert c1.create().returncode == 0
    assert c2.create().returncode == 0
    assert c2.start().returncode == 0
    return c1, c2


def test_list_quiet(bundle, container, runtime):
    c1, c2 = _two_containers(bundle, container)
    r = runtime.cmd("list", "-q")
    assert r.returncode == 0, r.stderr
    ids = r.stdout.split()
    assert c1.id in ids and c2.id in ids


def test_list_json(bundle, container, runtime):
    c1, c2 = _two_containers(bundle, container)
    r = runtime.cmd("list", "--format", "json")
    assert r.returncode == 0, r.stderr
    entries = {e["id"]: e for e in json.loads(r.stdout)}
    assert entries[c1.id]["status"] == "created"
    assert entries[c2.id]["status"] == "running"
    for c in (c1, c2):
        e = entries[c.id]
        assert e["pid"] == c.pid
        assert os.path.realpath(e["bundle"]) == os.path.realpath(c.bundle.path)


def test_list_table(bundle, container, runtime):
    c1, c2 = _two_containers(bundle, container)
    r = runtime.cmd("list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "PID", "STATUS"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if line.strip()}
    assert rows[c1.id][1] == str(c1.pid) and rows[c1.id][2] == "created"
    assert rows[c2.id][2] == "running"


def test_list_empty_root(runtime, test_dir):
    empty = os.path.join(test_dir, "empty-root")
    r = runtime.cmd("--root", empty, "list", "--format", "json", root=False)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) in (None, [])
    r = runtime.cmd("--root", empty, "list", "-q", root=False)
    assert r.returncode == 0 and r.stdout.strip() == ""


def test_version(runtime):
    r = runtime.cmd("--version", root=False)
    assert r.returncode == 0
    first = r.stdout.splitlines()[0]
    assert " version " in first
    assert "spec: 1." in r.stdout


def _spec_bundle(runtime, test_dir, cached_rootfs, name, *flags):
    path = os.path.join(test_dir, name)
    os.mkdir(path)
    r = runtime.cmd("spec", "--bundle", path, *flags, root=False)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    subprocess.run(["cp", "-a", cached_rootfs, os.path.join(path, "rootfs")], check=True)
    return Bundle(path, cfg)


def test_spec_writes_valid_default(runtime, test_dir, cached_rootfs):
    b = _spec_bundle(runtime, test_dir, cached_rootfs, "spec")
    cfg = b.config
    assert cfg["ociVersion"].startswith("1.")
    assert cfg["root"]["path"] == "rootfs"
    assert cfg["process"]["args"]
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert {"pid", "mount"} <= types
    # spec refuses to overwrite an existing config.json
    r = runtime.cmd("spec", "--bundle", b.path, root=False)
    assert r.returncode != 0


def _run_on_console(c, test_dir):
    """create with a console socket (the spec default has a terminal), start, collect output."""
    p, sock, out = start_receiver(test_dir)
    r = c.create(console_socket=sock)
    if r.returncode != 0:
        p.kill()
        p.wait()
    assert r.returncode == 0, r.stderr
    assert c.start().returncode == 0
    return parse_probe(finish_receiver(p, out))


def test_spec_output_runs_after_replacing_args(runtime, test_dir, cached_rootfs, container):
    b = _spec_bundle(runtime, test_dir, cached_rootfs, "spec")
    b.process["args"] = ["/probe"]
    c = container(b)
    if b.process.get("terminal"):
        facts = _run_on_console(c, test_dir)
    else:
        r = c.run()
        assert r.returncode == 0, r.stderr
        facts = parse_probe(r.stdout)
    assert facts["pid"] == "1"


def test_spec_rootless_is_valid_json(runtime, test_dir):
    path = os.path.join(test_dir, "rootless")
    os.mkdir(path)
    r = runtime.cmd("spec", "--rootless", "--bundle", path, root=False)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    assert "user" in {n["type"] for n in cfg["linux"]["namespaces"]}
    assert cfg["linux"]["uidMappings"] and cfg["linux"]["gidMappings"]


@pytest.mark.skipif(not shutil.which("runc"), reason="runc not installed")
def test_runc_spec_bundle_runs(test_dir, cached_rootfs, container):
    path = os.path.join(test_dir, "runc-spec")
    os.mkdir(path)
    subprocess.run(["runc", "spec", "--bundle", path], check=True)
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    subprocess.run(["cp", "-a", cached_rootfs, os.path.join(path, "rootfs")], check=True)
    b = Bundle(path, cfg)
    b.process["args"] = ["/probe"]
    facts = _run_on_console(container(b), test_dir)
    assert facts["hostname"] == "runc"
    assert facts["pid"] == "1"


def test_log_file_json_on_failure(runtime, test_dir):
    log = os.path.join(test_dir, "log.json")
    r = runtime.cmd("--log", log, "--log-format", "json", "state", "no-such-container")
    assert r.returncode != 0
    with open(log) as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    assert lines
    last = json.loads(lines[-1])
    assert last["level"] == "error"
    assert "does not exist" in last["msg"]


def test_failing_call_leaves_exactly_one_json_object(runtime, bundle, container, test_dir):
    # podman reads the whole --log file as one JSON object when a call fails, so a
    # warning logged on the way (deprecated kernel memory limit) must not be there too
    log = os.path.join(test_dir, "log.json")
    b = bundle(["/nonexistent"])
    b.linux.setdefault("resources", {})["memory"] = {"kernel": 64 << 20}
    c = container(b)
    c._prepare()
    r = runtime.cmd("--log", log, "--log-format", "json", "run", "--bundle", b.path, c.id)
    assert r.returncode != 0
    with open(log) as f:
        obj = json.load(f)
    assert obj["level"] == "error" and "no such file or directory" in obj["msg"], obj
    assert set(obj) == {"level", "msg", "time"}


def test_successful_call_keeps_its_warnings_in_the_log(runtime, bundle, container, test_dir):
    log = os.path.join(test_dir, "log.json")
    b = bundle(["/probe"])
    b.linux.setdefault("resources", {})["memory"] = {"kernel": 64 << 20}
    c = container(b)
    c._prepare()
    r = runtime.cmd("--log", log, "--log-format", "json", "run", "--bundle", b.path, c.id)
    assert r.returncode == 0, r.stderr
    with open(log) as f:
        lines = [json.loads(l) for l in f.read().splitlines() if l.strip()]
    assert any(l["level"] == "warning" and "kernel" in l["msg"] for l in lines), lines


def test_options_after_the_container_id(bundle, container, runtime, test_dir):
    # runc takes a verb's options anywhere on the line (but exec, ps and kill stop at the id:
    # what follows it is the command, ps's options or the signal)
    b = bundle(["/probe", "sleep"])
    c = container(b)
    c._prepare()
    r = runtime.detached("run", c.id, "--bundle", b.path, "-d", out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    c.known_pids.add(c.pid)
    r = runtime.cmd("update", c.id, "--pids-limit", "42")
    assert r.returncode == 0, r.stderr
    pids_dir = [d for d in cgroup_dirs(c.cgroups_path) if os.path.exists(os.path.join(d, "pids.max"))]
    with open(os.path.join(pids_dir[0], "pids.max")) as f:
        assert f.read().strip() == "42"
    r = runtime.cmd("list", "--format", "json")
    assert r.returncode == 0 and c.id in r.stdout, r.stderr
    r = runtime.cmd("state", c.id, "--help")
    assert r.returncode == 0 and "Usage: hutch state" in r.stdout, r.stderr
    r = runtime.cmd("delete", c.id, "--force")
    assert r.returncode == 0, r.stderr
    assert "does not exist" in c.state().stderr


def test_exec_and_kill_keep_what_follows_the_id(bundle, container, runtime):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    r = runtime.cmd("exec", c.id, "echo", "-d", "--help")
    assert r.returncode == 0 and r.stdout.strip() == "-d --help", r.stderr
    # kill: a word after the id is the signal, never an option
    r = runtime.cmd("kill", c.id, "--all")
    assert r.returncode != 0 and "signal" in r.stderr, r.stderr
    assert c.status() == "running"
