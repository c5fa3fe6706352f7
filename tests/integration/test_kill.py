# SPDX-License-Identifier: GPL-2.0-or-later
# kill: numeric and named signals, the SIGTERM default, --all, and the not-running errors.
import os
import time

import pytest

from lib import is_alive, wait_dead

pytestmark = pytest.mark.lifecycle


@pytest.mark.parametrize("sig,num", [
    ("USR1", 10), ("SIGUSR1", 10), ("10", 10), ("HUP", 1), ("SIGHUP", 1), ("2", 2), ("SIGTERM", 15),
    (None, 15),
])
def test_kill_delivers_signal(sig, num, bundle, container):
    c = container(bundle(["/probe", "signal-wait"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_output("ready")
    r = c.kill(sig)
    assert r.returncode == 0, r.stderr
    c.wait_output("signal=%d\n" % num)
    c.wait_status("stopped")


@pytest.mark.parametrize("sig", ["KILL", "SIGKILL", "9"])
def test_kill_sigkill_stops_running_container(sig, bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    pid = c.pid
    assert c.kill(sig).returncode == 0
    assert wait_dead(pid)
    c.wait_status("stopped")


def test_kill_created_container(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    pid = c.pid
    r = c.kill("KILL")
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    c.wait_status("stopped")
    assert c.delete().returncode == 0


def test_kill_invalid_signal_fails(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    for bad in ("NOSUCHSIG", "SIGFOO", "-3", "99999"):
        r = c.kill(bad)
        assert r.returncode != 0, bad
    assert c.status() == "running"


def test_kill_stopped_container_fails(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    r = c.kill("KILL")
    assert r.returncode != 0
    assert "not running" in r.stderr or "stopped" in r.stderr, r.stderr


def _spawn_children_script():
    # Two background children record their pids (host pids when there is no pid namespace).
    return ["sh", "-c", "/probe sleep & echo $! > /pids; /probe sleep & echo $! >> /pids; "
                        "echo started; exec /probe sleep"]


def _read_pids(b, timeout=10.0):
    path = os.path.join(b.rootfs, "pids")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                pids = [int(x) for x in f.read().split()]
            if len(pids) == 2:
                return pids
        time.sleep(0.05)
    raise AssertionError("children never recorded their pids")


def test_kill_all_in_host_pid_namespace(bundle, container):
    # containerd sends `kill --all ID 9` when the init of a container sharing the host's pid
    # namespace exits: every process of the container must die.
    b = bundle(_spawn_children_script())
    b.remove_namespace("pid")
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_output("started")
    children = _read_pids(b)
    for p in children:
        c.known_pids.add(p)
        assert is_alive(p)
    r = c.kill("KILL", all=True)
    assert r.returncode == 0, r.stderr
    for p in children + [c.pid]:
        assert wait_dead(p), p
    c.wait_status("stopped")


def test_kill_all_with_pid_namespace(bundle, container):
    c = container(bundle(_spawn_children_script()))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_output("started")
    pid = c.pid
    r = c.kill("KILL", all=True)
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    c.wait_status("stopped")


def test_kill_signal_0_checks_liveness(bundle, container):
    # as kill(2) and runc: signal 0 delivers nothing and succeeds while the init lives
    c = container(bundle(["/probe", "signal-wait"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_output("ready")
    r = c.kill("0")
    assert r.returncode == 0, r.stderr
    time.sleep(0.2)
    assert "signal=" not in c.output()
    assert c.status() == "running"
    assert c.kill("KILL").returncode == 0
    c.wait_status("stopped")
    r = c.kill("0")
    assert r.returncode != 0 and "not running" in r.stderr, r.stderr


def test_kill_of_a_paused_container(bundle, container, runtime):
    # as runc: a signal waits for resume (the container stays paused), SIGKILL thaws it to die
    c = container(bundle(["/probe", "signal-wait"]))
    assert c.run(detach=True).returncode == 0
    c.wait_output("ready")
    assert runtime.cmd("pause", c.id).returncode == 0
    assert c.kill("TERM").returncode == 0
    time.sleep(0.3)
    assert c.status() == "paused"
    assert "signal=" not in c.output()
    assert runtime.cmd("resume", c.id).returncode == 0
    c.wait_output("signal=15")
    c.wait_status("stopped")
    c2 = container(bundle(["/probe", "sleep"]))
    assert c2.run(detach=True).returncode == 0
    pid = c2.pid
    assert runtime.cmd("pause", c2.id).returncode == 0
    assert c2.kill("KILL").returncode == 0
    assert wait_dead(pid)
    c2.wait_status("stopped")
