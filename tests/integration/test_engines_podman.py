# SPDX-License-Identifier: GPL-2.0-or-later
# podman (through conmon) driving the runtime end to end: run, exec (also detached), logs,
# top, pause, update, stop, kill, rm, --preserve-fds, terminals and exit codes. Needs root, podman and conmon; the image is a
# local busybox rootfs imported into a private podman store that is removed at the end.
# HUTCH_E2E_RUNTIME=runc runs the same tests against runc.
import os
import re
import shutil
import time

import pytest

from engines import (IMAGE, Podman, e2e_runtime, engine_dir, installed_file, meson_install,
                     name_factory, run_cmd, with_image)
from lib import pty_run

pytestmark = [
    pytest.mark.engines,
    pytest.mark.skipif(not shutil.which("podman") or not shutil.which("conmon"),
                       reason="podman and conmon are not installed"),
]


@pytest.fixture(scope="module")
def podman(runtime_path, probe_path):
    base = engine_dir("hutch-e2e-podman-")
    yield from with_image(Podman(base, e2e_runtime(runtime_path)), base, probe_path)


@pytest.fixture
def name(podman, request):
    """Factory of container names for this test; the containers are removed afterwards."""
    yield from name_factory(request, lambda n: podman("rm", "--force", "--time", "0", n, timeout=60))


# A container that prints, then waits until SIGTERM and exits 0 (sh as pid 1 would ignore it).
SERVER = ["sh", "-c", "trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 1 & wait; done"]


def run_detached(podman, name, *args):
    cid = podman.ok("run", "--detach", "--name", name, *Podman.RUN_OPTS, *args, IMAGE, *SERVER).strip()
    deadline = time.monotonic() + 20
    while "started" not in podman("logs", name).stdout:
        assert time.monotonic() < deadline, "the container never printed 'started'"
        time.sleep(0.1)
    return cid


def host_cgroup_file(pid, controller, filename):
    """The host path of `filename` in the cgroup of pid (v1 controller or v2)."""
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return os.path.join("/sys/fs/cgroup", controller, path.lstrip("/"), filename)
            if ctrls == "" and os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                return os.path.join("/sys/fs/cgroup", path.lstrip("/"), filename)
    return None


def test_run_rm_output(podman, name):
    n = name()
    r = podman("run", "--rm", "--name", n, *Podman.RUN_OPTS, "--hostname", "e2e-host", "--env", "E2E=yes",
               IMAGE, "sh", "-c", "echo hello from $E2E; hostname; id -u; pwd")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["hello from yes", "e2e-host", "0", "/"]
    assert n not in podman.ok("ps", "--all", "--format", "{{.Names}}").split()


def test_run_stdin(podman, name):
    r = podman("run", "--rm", "--interactive", "--name", name(), *Podman.RUN_OPTS, IMAGE, "tr", "a-z", "A-Z",
               input="shout\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "SHOUT\n"


@pytest.mark.parametrize("cmd,code", [
    (["sh", "-c", "exit 3"], 3),
    (["/etc/passwd"], 126),  # not executable
    (["/no/such/binary"], 127),
    (["no-such-command"], 127),
])
def test_run_exit_code(podman, name, cmd, code):
    r = podman("run", "--rm", "--name", name(), *Podman.RUN_OPTS, IMAGE, *cmd)
    assert r.returncode == code, r.stderr
    if code >= 126:
        # podman reads the runtime's error from its --log file: one JSON object naming the cause
        assert re.search("permission denied|no such file or directory|executable file not found",
                         r.stderr, re.I), r.stderr


def test_detached_exec_logs_top(podman, name):
    n = name()
    run_detached(podman, n)
    assert podman.inspect(n, "{{.State.Status}}") == "running"
    assert podman.ok("exec", n, "sh", "-c", "echo in-exec; echo err >&2; cat /proc/1/cmdline | tr '\\0' ' '") \
        .splitlines() == ["in-exec", "sh -c %s " % SERVER[2]]
    r = podman("exec", "--env", "X=42", "--workdir", "/tmp", n, "sh", "-c", 'echo "$X $(pwd)"; exit 7')
    assert (r.returncode, r.stdout) == (7, "42 /tmp\n")
    assert podman("exec", n, "/no/such/binary").returncode == 127
    assert podman("exec", n, "/etc/passwd").returncode == 126
    assert podman("exec", "--user", "1000:1000", n, "id").stdout.startswith("uid=1000(user) gid=1000(user)")
    assert podman.ok("logs", n).startswith("started\n")
    top = podman.ok("top", n)
    assert "trap" in top and "sleep 1" in top, top


def test_exec_detach(podman, name):
    n = name()
    run_detached(podman, n)
    podman.ok("exec", "--detach", n, "sh", "-c", "echo detached > /tmp/mark")
    deadline = time.monotonic() + 10
    while podman("exec", n, "cat", "/tmp/mark").stdout != "detached\n":
        assert time.monotonic() < deadline, "the detached exec never ran"
        time.sleep(0.1)


def test_run_preserve_fds(podman, name, tmp_path):
    # conmon hands fds 3.. to the runtime, which passes --preserve-fds on to the container
    (tmp_path / "a").write_text("first\n")
    (tmp_path / "b").write_text("second\n")
    argv = ["sh", "-c", 'exec "$@" 3<"%s" 4<"%s"' % (tmp_path / "a", tmp_path / "b"), "sh"] + podman.argv(
        "run", "--rm", "--preserve-fds", "2", "--name", name(), *Podman.RUN_OPTS, IMAGE,
        "sh", "-c", "cat <&3; cat <&4; ls /proc/self/fd")
    r = run_cmd(argv, env=podman.env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["first", "second"], r.stdout
    # stdio, the two fds, and ls's own directory fd: nothing else leaked in
    assert sorted(int(x) for x in lines[2:]) == [0, 1, 2, 3, 4, 5], r.stdout


def test_pause_unpause(podman, name):
    n = name()
    run_detached(podman, n)
    pid = int(podman.inspect(n, "{{.State.Pid}}"))
    podman.ok("pause", n)
    assert podman.inspect(n, "{{.State.Status}}") == "paused"
    freezer = host_cgroup_file(pid, "freezer", "freezer.state") or host_cgroup_file(pid, "", "cgroup.freeze")
    if freezer and os.path.exists(freezer):
        with open(freezer) as f:
            assert f.read().strip() in ("FROZEN", "1")
    podman.ok("unpause", n)
    assert podman.inspect(n, "{{.State.Status}}") == "running"
    assert podman.ok("exec", n, "echo", "alive") == "alive\n"


def test_update_memory(podman, name):
    if podman("update", "--help").returncode != 0:
        pytest.skip("this podman has no `update` command")
    n = name()
    run_detached(podman, n, "--memory", "256m")
    pid = int(podman.inspect(n, "{{.State.Pid}}"))
    podman.ok("update", "--memory", "128m", n)
    path = host_cgroup_file(pid, "memory", "memory.limit_in_bytes")
    if not path or not os.path.exists(path):
        path = host_cgroup_file(pid, "", "memory.max")
    if not path or not os.path.exists(path):
        pytest.skip("no memory controller for the container's cgroup on this host")
    with open(path) as f:
        assert int(f.read()) == 128 << 20


def test_stop_rm(podman, name):
    n = name()
    cid = run_detached(podman, n)
    t0 = time.monotonic()
    podman.ok("stop", "--time", "20", n)
    assert time.monotonic() - t0 < 15, "stop needed SIGKILL: SIGTERM did not reach the container"
    assert podman.inspect(n, "{{.State.Status}}") == "exited"
    assert podman.inspect(n, "{{.State.ExitCode}}") == "0"
    assert "got-term" in podman.ok("logs", n)
    podman.ok("rm", n)
    assert cid not in podman.ok("ps", "--all", "--no-trunc", "--format", "{{.ID}}")
    # the runtime's state of the container is gone too (podman's cleanup may still be running)
    deadline = time.monotonic() + 10
    while os.path.exists(os.path.join(podman.state, cid)):
        assert time.monotonic() < deadline, "state of %s left in %s: %s" % (
            cid, podman.state, os.listdir(os.path.join(podman.state, cid)))
        time.sleep(0.2)


def test_kill_signal_exit_code(podman, name):
    n = name()
    run_detached(podman, n)
    podman.ok("kill", "--signal", "KILL", n)
    t0 = time.monotonic()
    assert podman.ok("wait", n).strip() == "137"
    # conmon's exit command (`podman container cleanup`) marked it exited: podman waits 20 s
    # for that before it gives up
    assert time.monotonic() - t0 < 10, "podman's cleanup of the container failed"
    assert podman.inspect(n, "{{.State.Status}}") == "exited"


def test_run_tty(podman, name):
    code, out = pty_run(podman.argv("run", "--rm", "--interactive", "--tty", "--name", name(), *Podman.RUN_OPTS,
                                    IMAGE, "sh", "-c", "tty; stty size; exit 4"), rows=33, cols=101)
    assert code == 4
    text = out.decode(errors="replace")
    assert re.search(r"/dev/pts/\d+\r\n", text), text
    assert "33 101\r\n" in text


def test_exec_tty(podman, name):
    n = name()
    run_detached(podman, n)
    code, out = pty_run(podman.argv("exec", "--interactive", "--tty", n, "sh", "-c", "tty; stty size; exit 5"),
                        rows=40, cols=120)
    assert code == 5
    text = out.decode(errors="replace")
    assert re.search(r"/dev/pts/\d+\r\n", text), text
    assert "40 120\r\n" in text


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return meson_install(str(tmp_path_factory.mktemp("destdir")))


def test_podman_finds_hutch_by_name(podman, name, installed, runtime_path, tmp_path):
    # with the drop-in meson installs, `podman --runtime hutch` finds hutch by name and treats
    # it as a runtime that logs JSON: a failure shows hutch's own message, once
    if os.path.basename(podman.runtime) != "hutch":
        pytest.skip("the engines drive %s, not hutch" % podman.runtime)
    with open(installed_file(installed, "containers/containers.conf.d", "hutch.conf")) as f:
        text = f.read()
    paths = re.search(r'^hutch = \[(.*)\]', text, re.M).group(1)
    # the drop-in names the installed binary; this test runs the one being built
    conf = tmp_path / "containers.conf"
    conf.write_text(text.replace(paths.split(",")[0], '"%s"' % runtime_path, 1))
    env = dict(podman.env, CONTAINERS_CONF=str(conf))
    args = podman.global_args[:podman.global_args.index("--runtime")]

    r = run_cmd(args + ["--runtime", "hutch", "info", "--format", "{{.Host.OCIRuntime.Name}} "
                        "{{.Host.OCIRuntime.Path}}"], env=env)
    assert r.returncode == 0 and r.stdout.split() == ["hutch", runtime_path], r.stdout + r.stderr
    r = run_cmd(args + ["--runtime", "hutch", "run", "--rm", "--name", name(), *Podman.RUN_OPTS,
                        IMAGE, "/probe"], env=env)
    assert r.returncode == 0 and "pid=1" in r.stdout.splitlines(), r.stderr
    r = run_cmd(args + ["--runtime", "hutch", "run", "--rm", "--name", name(), *Podman.RUN_OPTS,
                        IMAGE, "/no/such/program"], env=env)
    assert r.returncode == 127, r.stderr
    # read from hutch's JSON log: once, not also with podman's "hutch: " in front of the stderr
    # copy ("hutch: hutch: exec: ...") as for a runtime that does not log JSON
    assert r.stderr.count("no such file or directory") == 1, r.stderr
    assert "hutch: hutch:" not in r.stderr, r.stderr
