# SPDX-License-Identifier: GPL-2.0-or-later
# state.json records which process is the container's init. Whoever can rewrite it (a rootless
# user owns their state directory; a confused tool) must not be able to turn `state`, `kill`
# or `delete` against an unrelated process of the host: the record also holds the init's start
# time, and a pid whose process started at another time is not the container's.
import json
import os
import subprocess

import pytest

from lib import is_alive, kill_and_reap, proc_state

pytestmark = pytest.mark.attack


def rewrite_pid(runtime, cid, pid, start=None):
    path = os.path.join(runtime.root, cid, "state.json")
    with open(path) as f:
        st = json.load(f)
    real = st["pid"]
    st["pid"] = pid
    if start is not None:
        st["pidStart"] = start
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


def start_time(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def has_pidfs():
    # Linux 6.9+: a pidfd's inode number names one process for as long as the system runs;
    # before, every pidfd is the one anonymous inode
    fds = [os.pidfd_open(os.getpid()), os.pidfd_open(1)]
    try:
        return os.fstat(fds[0]).st_ino != os.fstat(fds[1]).st_ino
    finally:
        for fd in fds:
            os.close(fd)


@pytest.mark.skipif(not has_pidfs(), reason="no pidfs (Linux < 6.9): the pid and its 10 ms start "
                    "time are all a process is known by")
def test_a_pid_started_in_the_same_tick_is_not_the_init(bundle, container, runtime):
    # the start time has a 10 ms grain: a process started in the same tick as the init, named
    # with the init's start time, is still not the init (its pidfs inode differs)
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0 and c.start().returncode == 0
    victim = subprocess.Popen(["sleep", "300"])
    try:
        real = c.state_json()["pid"]
        c.known_pids.add(rewrite_pid(runtime, c.id, victim.pid, start=start_time(real)))
        st = json.loads(c.state().stdout)
        assert st["status"] == "stopped" and st["pid"] == 0, st
        r = runtime.cmd("kill", c.id, "KILL")
        assert r.returncode != 0 and "not running" in r.stderr, r.stderr
        runtime.cmd("delete", "--force", c.id)
        assert is_alive(victim.pid) and proc_state(victim.pid) != "Z"
    finally:
        kill_and_reap(victim.pid)
