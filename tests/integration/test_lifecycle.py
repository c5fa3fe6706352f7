# SPDX-License-Identifier: GPL-2.0-or-later
# The lifecycle of runtime.md: create -> created (with a pid) -> start -> running -> the
# process exits -> stopped -> delete, and the state JSON at each step.
import json
import os
import subprocess
import time

import pytest

from lib import assert_nothing_left, is_alive, parse_probe, wait_dead

pytestmark = pytest.mark.lifecycle


def test_full_lifecycle(bundle, container):
    b = bundle(["/probe", "signal-wait"])
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    st = c.state_json()
    assert st["status"] == "created"
    assert st["id"] == c.id
    pid = st["pid"]
    assert pid > 0 and is_alive(pid)
    # create must not run the user's process yet
    time.sleep(0.2)
    assert "ready" not in c.output()

    r = c.start()
    assert r.returncode == 0, r.stderr
    c.wait_output("ready")
    st = c.state_json()
    assert st["status"] == "running"
    assert st["pid"] == pid

    r = c.kill("TERM")
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    assert c.wait_status("stopped")
    assert "signal=15" in c.output()

    r = c.delete()
    assert r.returncode == 0, r.stderr
    r = c.state()
    assert r.returncode != 0
    assert "does not exist" in r.stderr


def test_process_exit_makes_container_stopped(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert c.delete().returncode == 0


def test_state_json_fields(bundle, container):
    b = bundle(["/probe", "sleep"])
    b.config["annotations"] = {"org.example.key": "value"}
    c = container(b)
    assert c.create().returncode == 0
    st = c.state_json()
    for key in ("ociVersion", "id", "status", "pid", "bundle"):
        assert key in st, key
    assert st["ociVersion"].startswith("1.")
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)
    assert st["status"] == "created"
    assert isinstance(st["pid"], int)
    # Engines (CRI-O) read these too.
    assert "created" in st
    if "rootfs" in st:
        assert os.path.realpath(st["rootfs"]) == os.path.realpath(b.rootfs)
    assert st.get("annotations", {}).get("org.example.key") == "value"


def test_state_of_stopped_container_reports_no_live_pid(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    pid = c.pid
    assert c.start().returncode == 0
    assert wait_dead(pid)
    st = c.state_json()
    assert st["status"] == "stopped"
    # A dead init may linger as a zombie here; it must not be reported as running.
    assert st.get("pid", 0) == 0 or not is_alive(st["pid"])


def test_delete_removes_state_and_process(bundle, container, runtime):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    pid = c.pid
    assert c.delete().returncode == 0
    assert wait_dead(pid)
    assert not os.path.exists(os.path.join(runtime.root, c.id))
    r = runtime.cmd("list", "-q")
    assert c.id not in r.stdout.split()


def test_pid_file_written_with_init_pid(bundle, container, test_dir):
    pid_file = os.path.join(test_dir, "init.pid")
    c = container(bundle(["/probe", "sleep"]))
    assert c.create(pid_file=pid_file).returncode == 0
    with open(pid_file) as f:
        content = f.read()
    assert content.strip().isdigit()
    assert int(content) == c.pid
    # written atomically: no temporary file left next to it
    assert os.listdir(test_dir).count("init.pid") == 1
    leftovers = [e for e in os.listdir(test_dir) if e.startswith("init.pid") and e != "init.pid"]
    leftovers += [e for e in os.listdir(test_dir) if e.startswith(".init.pid")]
    assert leftovers == []


def test_pid_file_relative_path(bundle, container, test_dir):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create(pid_file="rel.pid", cwd=test_dir).returncode == 0
    with open(os.path.join(test_dir, "rel.pid")) as f:
        assert int(f.read()) == c.pid


def test_state_polls_between_create_and_start(bundle, container):
    # state may be polled any number of times between create and start
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    for _ in range(5):
        assert c.status() == "created"
    assert c.start().returncode == 0
    c.wait_status("stopped")


# What runtime.md's state section requires, as a JSON schema.
STATE_SCHEMA = {
    "type": "object",
    "required": ["ociVersion", "id", "status", "bundle"],
    "properties": {
        "ociVersion": {"type": "string", "pattern": r"^1\.\d+\.\d+"},
        "id": {"type": "string", "minLength": 1},
        "status": {"enum": ["creating", "created", "running", "stopped", "paused"]},
        "pid": {"type": "integer", "minimum": 0},
        "bundle": {"type": "string", "pattern": "^/"},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def test_state_matches_schema_in_every_status(bundle, container):
    jsonschema = pytest.importorskip("jsonschema")
    c = container(bundle(["/probe", "signal-wait"]))
    assert c.create().returncode == 0
    jsonschema.validate(c.state_json(), STATE_SCHEMA)
    assert c.start().returncode == 0
    c.wait_output("ready")
    st = c.state_json()
    jsonschema.validate(st, STATE_SCHEMA)
    assert st["status"] == "running" and st["pid"] > 0
    assert c.kill("KILL").returncode == 0
    c.wait_status("stopped")
    jsonschema.validate(c.state_json(), STATE_SCHEMA)


def test_state_prints_empty_annotations_as_an_empty_object(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    r = c.state()
    assert r.returncode == 0, r.stderr
    assert '"annotations": {}' in r.stdout, r.stdout
    assert json.loads(r.stdout)["annotations"] == {}


def test_preserve_fds_takes_only_fds_the_caller_had(bundle, container, runtime):
    # no fd 3 in the caller: hutch must not hand over one of its own fds in its place (that
    # once gave the container hutch's state directory lock and hung every later call)
    b = bundle(["/probe", "sleep"])
    c = container(b)
    c._prepare()
    r = runtime.cmd("run", "-d", "--preserve-fds", "1", "--bundle", b.path, c.id, timeout=20)
    assert r.returncode != 0, r.stderr
    assert "--preserve-fds 1" in r.stderr and "fd 3" in r.stderr, r.stderr
    assert runtime.cmd("list", "-q", timeout=10).returncode == 0
    assert_nothing_left(c, runtime)
    # the same for socket activation: LISTEN_FDS counts fds the caller must have
    env = dict(os.environ, LISTEN_FDS="1")
    argv = runtime.argv("create", "--bundle", b.path, c.id)
    r = subprocess.run(["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"] + argv, env=env,
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert r.returncode != 0 and "LISTEN_FDS=1" in r.stderr and "fd 3" in r.stderr, r.stderr
    assert_nothing_left(c, runtime)


def test_listen_fds_pass_to_the_init_as_runc_does(bundle, container, test_dir):
    # systemd socket activation of `hutch run`: LISTEN_FDS fds of this very process (LISTEN_PID)
    # go to the init as fds 3.., which sees LISTEN_FDS=n and LISTEN_PID=1
    b = bundle(["sh", "-c", "/probe; echo hello >&3"])
    c = container(b)
    c._prepare()
    sock = os.path.join(test_dir, "activation")
    open(sock, "w").close()
    argv = c.runtime.argv("run", "--bundle", b.path, c.id)
    script = 'exec 3>>"$1"; shift; LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"'
    r = subprocess.run(["sh", "-c", script, "sh", sock] + argv, capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    facts = parse_probe(r.stdout)
    assert sorted(facts["fd"]) == ["0", "1", "2", "3"], facts["fd"]
    assert "LISTEN_FDS=1" in facts["env"] and "LISTEN_PID=1" in facts["env"], facts["env"]
    with open(sock) as f:
        assert f.read() == "hello\n"


def test_exec_into_a_paused_container_does_not_hold_the_lock(bundle, container, runtime):
    # runc's exec --ignore-paused: the process joins the frozen cgroup and waits for resume; the
    # exec must not hold the container's lock meanwhile, or resume waits for it forever
    c = container(bundle(["/probe", "sleep"]))
    assert c.run(detach=True).returncode == 0
    assert runtime.cmd("pause", c.id).returncode == 0
    resume = subprocess.Popen(["sh", "-c", 'sleep 2; exec "$@"', "sh"] + runtime.argv("resume", c.id),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = runtime.cmd("exec", "--ignore-paused", c.id, "echo", "ok", timeout=30)
    out, err = resume.communicate(timeout=30)
    assert resume.returncode == 0, err
    assert r.returncode == 0 and r.stdout == "ok\n", r.stderr
    assert c.status() == "running"


def test_state_and_kill_do_not_wait_for_a_frozen_start(bundle, container, runtime):
    # start waits for the user process to run, but not under the lock: a container paused
    # before its process started can still be looked at, resumed and killed
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert runtime.cmd("pause", c.id).returncode == 0
    assert c.status() == "paused"
    assert runtime.cmd("resume", c.id, timeout=10).returncode == 0
    assert c.start().returncode == 0
    assert c.status() == "running"
    assert c.kill("KILL").returncode == 0
    c.wait_status("stopped")


def test_failing_poststart_hook_destroys_the_container(bundle, container, test_dir):
    # runtime.md lifecycle step 9: a failing poststart hook makes start fail, stops the
    # container and continues at step 12 (destroy) and 13 (poststop hooks)
    marker = os.path.join(test_dir, "poststop-ran")
    b = bundle(["/probe", "sleep"])
    b.config["hooks"] = {
        "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}],
        "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", 'echo x > "$1"', "sh", marker]}],
    }
    c = container(b)
    assert c.create().returncode == 0
    pid = c.pid
    r = c.start()
    assert r.returncode != 0 and "poststart" in r.stderr, r.stderr
    assert wait_dead(pid)
    assert "does not exist" in c.state().stderr
    assert os.path.exists(marker)


def test_state_during_create_says_creating_without_waiting(bundle, container, runtime, test_dir):
    # readers never wait for the container lock: a prestart hook (create holds the lock
    # meanwhile) can ask for the state and list, and sees the container "creating"
    out = os.path.join(test_dir, "seen")
    b = bundle(["/probe", "sleep"])
    c = container(b)
    script = '"$1" --root "$2" state "$3" > "$4" && "$1" --root "$2" list -q >> "$4"'
    b.config["hooks"] = {"prestart": [{"path": "/bin/sh", "timeout": 10,
                                       "args": ["sh", "-c", script, "sh", runtime.binary,
                                                runtime.root, c.id, out]}]}
    r = c.create(timeout=60)
    assert r.returncode == 0, r.stderr
    with open(out) as f:
        seen = f.read()
    assert json.loads(seen[:seen.rindex("}") + 1])["status"] == "creating", seen
    assert seen.split()[-1] == c.id, seen
    assert c.status() == "created"
