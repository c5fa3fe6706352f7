# SPDX-License-Identifier: GPL-2.0-or-later
# containerd (through containerd-shim-runc-v2 and go-runc) driving the runtime end to end:
# ctr run, detached tasks, exec, kill, pause/resume, metrics, ps, exit statuses, terminals,
# a shared pid namespace (kill --all) and OOM events. The test
# starts its own containerd on a private socket, with root and state in a temporary directory,
# imports a local busybox image (podman save --format oci-archive), and removes it all at the
# end. Needs root, containerd, ctr and podman. HUTCH_E2E_RUNTIME=runc compares with runc.
import os
import re
import shutil
import subprocess
import time

import pytest

from engines import (IMAGE, Containerd, Podman, e2e_runtime, engine_dir, installed_file, make_rootfs_tar,
                     meson_install, name_factory, remove_tree, run_cmd)
from lib import is_alive

pytestmark = [
    pytest.mark.engines,
    pytest.mark.skipif(not all(shutil.which(b) for b in ("containerd", "ctr", "containerd-shim-runc-v2", "podman")),
                       reason="containerd, ctr, containerd-shim-runc-v2 and podman are needed"),
]


@pytest.fixture(scope="module")
def oci_archive(probe_path, runtime_path):
    """The busybox image as an OCI archive, made with a throwaway private podman store."""
    base = engine_dir("hutch-e2e-image-")
    pm = Podman(os.path.join(base, "podman"), runtime_path)
    out = engine_dir("hutch-e2e-archive-")
    try:
        tar = make_rootfs_tar(base, probe_path)
        pm.ok("import", tar, IMAGE)
        pm.ok("save", "--format", "oci-archive", "--output", os.path.join(out, "image.tar"), IMAGE)
    finally:
        pm.cleanup()
        remove_tree(base)
    yield os.path.join(out, "image.tar")
    remove_tree(out)


@pytest.fixture(scope="module")
def ctr(runtime_path, oci_archive):
    cd = Containerd(engine_dir("hutch-e2e-containerd-"), e2e_runtime(runtime_path))
    try:
        cd.ok("images", "import", oci_archive)
        yield cd
    finally:
        cd.cleanup()


@pytest.fixture
def cid(ctr, request):
    """Factory of container ids for this test; their tasks and containers are removed afterwards."""
    yield from name_factory(request, ctr.remove)


SERVER = ["sh", "-c", "trap 'echo got-term; exit 5' TERM; echo started; while :; do sleep 1 & wait; done"]


def start_detached(ctr, cid, tmp_path):
    log = tmp_path / "task.log"
    ctr.ok("run", "--detach", *ctr.runtime_args(), "--log-uri", "file://%s" % log, IMAGE, cid, *SERVER)
    deadline = time.monotonic() + 20
    while not (log.exists() and "started" in log.read_text()):
        assert time.monotonic() < deadline, "the task never printed 'started'"
        time.sleep(0.1)
    assert ctr.task_status(cid) == "RUNNING"
    return log


def wait_task_status(ctr, cid, status, timeout=10):
    deadline = time.monotonic() + timeout
    while ctr.task_status(cid) != status:
        assert time.monotonic() < deadline, "task %s is %s, expected %s" % (cid, ctr.task_status(cid), status)
        time.sleep(0.1)


def task_pid(ctr, cid):
    for line in ctr.ok("task", "ls").splitlines()[1:]:
        fields = line.split()
        if fields and fields[0] == cid:
            return int(fields[1])
    raise AssertionError("no task %s" % cid)


def test_run_rm_output(ctr, cid):
    c = cid()
    r = ctr("run", "--rm", *ctr.runtime_args(), "--env", "E2E=yes", IMAGE, c,
            "sh", "-c", "echo hello from $E2E; id -u; cat /proc/1/cmdline | tr '\\0' ' '")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["hello from yes", "0", "sh -c echo hello from $E2E; id -u; "
                                     "cat /proc/1/cmdline | tr '\\0' ' ' "]
    assert c not in ctr.ok("container", "ls", "--quiet").split()


def test_run_exit_status(ctr, cid):
    r = ctr("run", "--rm", *ctr.runtime_args(), IMAGE, cid(), "sh", "-c", "exit 3")
    assert r.returncode == 3, r.stderr


def test_run_missing_binary(ctr, cid):
    c = cid()
    r = ctr("run", "--rm", *ctr.runtime_args(), IMAGE, c, "/no/such/binary")
    assert r.returncode != 0
    # the shim reports the msg of the last line of the runtime's --log file
    assert "OCI runtime create failed" in r.stderr, r.stderr
    assert re.search("no such file or directory", r.stderr, re.I), r.stderr
    assert ctr.task_status(c) is None


def test_detached_task(ctr, cid, tmp_path):
    c = cid()
    log = start_detached(ctr, c, tmp_path)
    pid = task_pid(ctr, c)
    r = ctr("task", "exec", "--exec-id", "e1", c, "sh", "-c", "echo in-exec; exit 7")
    assert (r.returncode, r.stdout) == (7, "in-exec\n")
    r = ctr("task", "exec", "--exec-id", "e2", "--cwd", "/tmp", c, "pwd")
    assert (r.returncode, r.stdout) == (0, "/tmp\n")
    r = ctr("task", "exec", "--exec-id", "e4", "--user", "1000:1000", c, "id")
    assert (r.returncode, r.stdout.split()[:2]) == (0, ["uid=1000(user)", "gid=1000(user)"]), r.stderr
    r = ctr("task", "exec", "--exec-id", "e3", c, "/no/such/binary")
    assert r.returncode != 0 and re.search("no such file or directory", r.stderr, re.I), r.stderr
    ps = ctr.ok("task", "ps", c)
    pids = [int(line.split()[0]) for line in ps.splitlines()[1:] if line.split()]
    assert pid in pids and len(pids) >= 2, ps  # sh and its sleep
    # SIGTERM reaches the init's handler; the task's exit status is what it returned
    ctr.ok("task", "kill", c)
    wait_task_status(ctr, c, "STOPPED")
    assert "got-term" in log.read_text()
    r = ctr("task", "delete", c)
    assert r.returncode == 0, r.stderr
    assert "exit code 5" in r.stderr, r.stderr


def test_kill_status(ctr, cid, tmp_path):
    c = cid()
    start_detached(ctr, c, tmp_path)
    ctr.ok("task", "kill", "--signal", "SIGKILL", c)
    wait_task_status(ctr, c, "STOPPED")
    r = ctr("task", "delete", c)
    assert r.returncode == 0, r.stderr
    assert "exit code 137" in r.stderr, r.stderr


def test_pause_resume(ctr, cid, tmp_path):
    c = cid()
    log = start_detached(ctr, c, tmp_path)
    ctr.ok("task", "pause", c)
    assert ctr.task_status(c) == "PAUSED"
    # a frozen task prints nothing: the loop would print on every SIGTERM-free second otherwise
    ctr.ok("task", "resume", c)
    assert ctr.task_status(c) == "RUNNING"
    r = ctr("task", "exec", "--exec-id", "after-resume", c, "echo", "alive")
    assert (r.returncode, r.stdout) == (0, "alive\n")
    assert "got-term" not in log.read_text()


def test_metrics(ctr, cid, tmp_path):
    c = cid()
    start_detached(ctr, c, tmp_path)
    out = ctr.ok("task", "metrics", c)
    assert c in out
    # the init is already in its cgroup: the shim reads the stats straight from it
    m = re.search(r"^pids\.current\s+(\d+)", out, re.M)
    assert m and int(m.group(1)) >= 1, out
    assert re.search(r"^memory\.", out, re.M), out


def test_exec_tty(ctr, cid, tmp_path):
    from lib import pty_run
    c = cid()
    start_detached(ctr, c, tmp_path)
    code, out = pty_run(ctr.argv("task", "exec", "--tty", "--exec-id", "tty", c, "sh", "-c", "tty; exit 6"))
    assert code == 6
    assert re.search(rb"/dev/pts/\d+\r*\n", out), out


def test_run_tty(ctr, cid):
    from lib import pty_run
    code, out = pty_run(ctr.argv("run", "--rm", "--tty", *ctr.runtime_args(), IMAGE, cid(),
                                 "sh", "-c", "tty; exit 2"))
    assert code == 2
    assert re.search(rb"/dev/pts/\d+\r*\n", out), out


def test_shared_pid_namespace_kill_all(ctr, cid):
    # With the host's pid namespace the shim runs `kill --all ID 9` when the init exits, so
    # what the init left running goes with it.
    r = ctr("run", "--rm", *ctr.runtime_args(), "--with-ns", "pid:/proc/%d/ns/pid" % os.getpid(), IMAGE, cid(),
            "sh", "-c", "sleep 300 & echo $!")
    assert r.returncode == 0, r.stderr
    orphan = int(r.stdout.split()[-1])
    deadline = time.monotonic() + 10
    while is_alive(orphan):
        assert time.monotonic() < deadline, "the init's child %d survived the task" % orphan
        time.sleep(0.1)


def test_oom_event(ctr, cid):
    # the shim watches the memory cgroup the runtime put the init in when create returned
    events = subprocess.Popen(ctr.argv("events"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        time.sleep(0.3)
        c = cid()
        r = ctr("run", "--rm", *ctr.runtime_args(), "--memory-limit", str(32 << 20), IMAGE, c,
                "sh", "-c", "head -c 300000000 /dev/zero | tail")
        assert r.returncode == 137, r.stderr
        time.sleep(0.5)
    finally:
        events.terminate()
        out = events.communicate(timeout=10)[0]
    print(out)
    assert re.search(r"/tasks/oom\b.*%s" % c, out), out


def test_containerd_runtime_handler_from_the_installed_dropin(tmp_path):
    # meson installs a CRI runtime handler "hutch" (the runc v2 shim with hutch as its binary,
    # what a Kubernetes RuntimeClass with handler: hutch selects); containerd 1.x reads it
    # through imports
    dropin = installed_file(meson_install(str(tmp_path / "dest")), "containerd/conf.d", "hutch.toml")
    config = tmp_path / "config.toml"
    config.write_text('version = 2\nimports = ["%s"]\nroot = "%s"\nstate = "%s"\n'
                      % (dropin, tmp_path / "root", tmp_path / "state"))
    r = run_cmd(["containerd", "--config", str(config), "config", "dump"], timeout=60)
    assert r.returncode == 0, r.stderr
    # the dump: the handler's table, then its options table, each key on a line of its own
    handler = re.search(r'\.runtimes\.hutch\]\n((?:[ \t]+\w+ = .*\n)+)', r.stdout)
    options = re.search(r'\.runtimes\.hutch\.options\]\n((?:[ \t]+\w+ = .*\n)+)', r.stdout)
    assert handler and options, r.stdout
    assert 'runtime_type = "io.containerd.runc.v2"' in handler.group(1), handler.group(1)
    assert re.search(r'BinaryName = "[^"]*/sbin/hutch"', options.group(1)), options.group(1)
