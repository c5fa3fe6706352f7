# SPDX-License-Identifier: GPL-2.0-or-later
# The lifecycle of runtime.md: create -> created (with a pid) -> start -> running -> the
# process exits -> stopped -> delete, and the state JSON at each step.
import json
import os
import time

import pytest

from lib import is_alive, wait_dead

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
