# SPDX-License-Identifier: GPL-2.0-or-later
# state.json records which process is the container's init. Whoever can rewrite it (a rootless
# user owns their state directory; a confused tool) must not be able to turn `state`, `kill`
# or `delete` against an unrelated process of the host: the record also holds the init's start
# time, and a pid whose process started at another time is not the container's.
import json
import os
import subprocess

import pytest

from lib import is_alive, kill_and_reap

pytestmark = pytest.mark.attack


def rewrite_pid(runtime, cid, pid):
    path = os.path.join(runtime.root, cid, "state.json")
    with open(path) as f:
        st = json.load(f)
    real = st["pid"]
    st["pid"] = pid
    with open(path + ".new", "w") as f:
        json.dump(st, f)
    os.rename(path + ".new", path)
    return real


def test_tampered_pid_never_reaches_another_process(bundle, container, runtime):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0 and c.start().returncode == 0
    victim = subprocess.Popen(["sleep", "300"])
    try:
        c.known_pids.add(rewrite_pid(runtime, c.id, victim.pid))
        # the record names a process that is not the init: the container reads as stopped
        st = json.loads(c.state().stdout)
        assert st["status"] == "stopped" and st["pid"] == 0, st
        r = runtime.cmd("kill", c.id, "KILL")
        assert r.returncode != 0 and "not running" in r.stderr, r.stderr
        assert is_alive(victim.pid)
        runtime.cmd("delete", "--force", c.id)
        assert is_alive(victim.pid)
    finally:
        kill_and_reap(victim.pid)
