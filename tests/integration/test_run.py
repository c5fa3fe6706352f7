# SPDX-License-Identifier: GPL-2.0-or-later
# run: foreground exit codes (N, 128+signal), output, --detach, --keep, and removal after exit.
import os
import subprocess
import time

import pytest

from lib import wait_dead

pytestmark = pytest.mark.lifecycle


@pytest.mark.parametrize("code", [0, 1, 3, 42, 255])
def test_run_returns_exit_code(code, bundle, container):
    c = container(bundle(["/probe", "exit", str(code)]))
    r = c.run()
    assert r.returncode == code, r.stderr


def test_run_prints_container_output(bundle, container):
    b = bundle(["/probe"])
    b.config["hostname"] = "runout"
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stderr
    assert "hostname=runout" in r.stdout
    assert "pid=1" in r.stdout.splitlines()


def test_run_removes_container_after_exit(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.run().returncode == 0
    r = c.state()
    assert r.returncode != 0
    assert "does not exist" in r.stderr


def test_run_keep_leaves_stopped_container(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.run("--keep").returncode == 0
    assert c.status() == "stopped"
    assert c.delete().returncode == 0


def test_run_detach(bundle, container):
    c = container(bundle(["/probe", "signal-wait"]))
    r = c.run(detach=True)
    assert r.returncode == 0, r.stderr
    c.wait_output("ready")
    assert c.status() == "running"
    assert c.kill("USR2").returncode == 0
    c.wait_output("signal=12")
    c.wait_status("stopped")
    assert c.delete().returncode == 0


def test_run_detach_pid_file(bundle, container, test_dir):
    pid_file = os.path.join(test_dir, "run.pid")
    c = container(bundle(["/probe", "sleep"]))
    assert c.run(detach=True, pid_file=pid_file).returncode == 0
    with open(pid_file) as f:
        assert int(f.read()) == c.pid


def _run_in_background(runtime, c, *extra):
    c._prepare()
    out = open(c.out, "wb")
    p = subprocess.Popen(runtime.argv("run", "--bundle", c.bundle.path, *extra, c.id),
                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = runtime.cmd("state", c.id)
        if r.returncode == 0 and '"running"' in r.stdout:
            c.known_pids.add(c.pid)
            return p
        time.sleep(0.05)
    p.kill()
    p.wait()
    raise AssertionError("run never reached running: " + c.output())


def test_run_killed_by_sigkill_exits_137(bundle, container, runtime):
    c = container(bundle(["/probe", "sleep"]))
    p = _run_in_background(runtime, c)
    assert c.kill("KILL").returncode == 0
    assert p.wait(timeout=20) == 128 + 9


def test_run_killed_by_sigterm_without_pid_namespace_exits_143(bundle, container, runtime):
    # Outside a pid namespace the process is no namespace init, so SIGTERM's default action kills it.
    b = bundle(["/probe", "sleep"])
    b.remove_namespace("pid")
    c = container(b)
    p = _run_in_background(runtime, c)
    assert c.kill("TERM").returncode == 0
    assert p.wait(timeout=20) == 128 + 15


def test_run_reaps_its_container(bundle, container, runtime):
    # A foreground run waits for the init: once run returns the init is gone, not a zombie.
    c = container(bundle(["/probe", "sleep"]))
    p = _run_in_background(runtime, c)
    pid = c.pid
    assert c.kill("KILL").returncode == 0
    p.wait(timeout=20)
    assert wait_dead(pid, 5)
    assert not os.path.exists("/proc/%d" % pid) or open("/proc/%d/stat" % pid).read().split(")")[1].split()[0] != "Z"


def test_run_exec_failure_fails(bundle, container):
    c = container(bundle(["/does-not-exist"]))
    r = c.run()
    assert r.returncode != 0
    err = r.stderr.lower()
    assert "no such file or directory" in err or "executable file not found" in err, r.stderr
    assert "does not exist" in c.state().stderr


def test_run_not_executable_fails_with_permission_denied(bundle, container):
    b = bundle(["/etc/passwd"])
    c = container(b)
    r = c.run()
    assert r.returncode != 0
    assert "permission denied" in r.stderr.lower(), r.stderr
