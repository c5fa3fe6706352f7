# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless podman end to end: the session's unprivileged user (rootless.py: subordinate ids from
# useradd) runs podman with vfs storage, --network none and a locally imported busybox image,
# driving the installed hutch (`meson install` into a staging directory) and, side by side,
# runc: run, exec, stop, rm, exit codes. podman then calls the runtime inside its own user
# namespace, as root there: rootless detection, the state under $XDG_RUNTIME_DIR, no cgroup on
# a host that delegates none. Everything podman makes lives in a directory of the user's,
# removed at the end with the pause process podman leaves.
import os
import shutil
import subprocess
import time

import pytest

from engines import engine_dir, installed_file, meson_install, name_factory, remove_tree, with_image
from rootless import RootlessRuntime, chown_tree

pytestmark = [
    pytest.mark.engines,
    pytest.mark.rootless,
    pytest.mark.skipif(not shutil.which("podman") or not shutil.which("conmon"),
                       reason="podman and conmon are not installed"),
]

IMAGE = "localhost/hutch-e2e-rootless:latest"
OPTS = ["--network", "none", "--log-driver", "k8s-file"]
SERVER = ["sh", "-c", "trap 'echo got-term; exit 0' TERM; echo started; while :; do sleep 1 & wait; done"]


class RootlessPodman:
    """podman as the user, with its own storage and run directories, driving `runtime`."""

    def __init__(self, user, base, runtime):
        self.user, self.base, self.runtime = user, base, runtime
        d = {k: os.path.join(base, k) for k in ("root", "runroot", "tmp", "volumes", "xdg")}
        for path in d.values():
            os.makedirs(path, mode=0o700, exist_ok=True)
        conf = os.path.join(base, "storage.conf")
        with open(conf, "w") as f:
            f.write('[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' % (d["runroot"], d["root"]))
        open(os.path.join(base, "containers.conf"), "w").close()
        chown_tree(base, user.uid, user.gid)
        self.rt = RootlessRuntime("podman", user, xdg=d["xdg"])
        self.extra_env = {"CONTAINERS_STORAGE_CONF": conf,
                          "CONTAINERS_CONF": os.path.join(base, "containers.conf")}
        self.global_args = ["--root", d["root"], "--runroot", d["runroot"], "--tmpdir", d["tmp"],
                            "--volumepath", d["volumes"], "--storage-driver", "vfs",
                            "--cgroup-manager", "cgroupfs", "--events-backend", "none",
                            "--runtime", runtime]

    def __call__(self, *args, timeout=120, input=None):
        argv = ["podman"] + self.global_args + [str(a) for a in args]
        return self.rt.run_as(argv, env=self.rt.env(**self.extra_env), timeout=timeout, input=input)

    def ok(self, *args, timeout=120):
        r = self(*args, timeout=timeout)
        assert r.returncode == 0, "podman %s failed (rc %s): %s" % (" ".join(args), r.returncode, r.stderr)
        return r.stdout

    def cleanup(self):
        self("rm", "--all", "--force", "--time", "0", timeout=180)
        self("system", "reset", "--force", timeout=180)
        # the rootless pause process, conmon and anything a failed test left: all the user's
        for pid in self.user.processes():
            subprocess.run(["kill", "-9", str(pid)])
        deadline = time.monotonic() + 10
        while self.user.processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        # vfs layers are owned by the user's subordinate ids: root removes them
        remove_tree(self.base)


@pytest.fixture(scope="module")
def installed():
    dest = engine_dir("hutch-e2e-install-")  # 0755: the user must reach the binary
    meson_install(dest)
    yield installed_file(dest, "sbin", "hutch")
    shutil.rmtree(dest, ignore_errors=True)


def _runtimes():
    yield "hutch"
    if shutil.which("runc") or os.path.exists("/usr/sbin/runc"):
        yield "runc"


@pytest.fixture(scope="module", params=list(_runtimes()))
def podman(request, rootless_user, installed, probe_path):
    if not rootless_user.subuid or not shutil.which("newuidmap"):
        pytest.skip("rootless podman needs subordinate ids and newuidmap (uidmap)")
    runtime = installed if request.param == "hutch" else shutil.which("runc") or "/usr/sbin/runc"
    base = engine_dir("hutch-e2e-podman-rootless-")
    yield from with_image(RootlessPodman(rootless_user, base, runtime), base, probe_path, IMAGE)


@pytest.fixture
def name(podman, request):
    yield from name_factory(request, lambda n: podman("rm", "--force", "--time", "0", n, timeout=60))


def test_run_as_root_of_the_users_namespace(podman, name):
    r = podman("run", "--rm", "--name", name(), *OPTS, "--hostname", "rl-host", IMAGE,
               "sh", "-c", "id -u; hostname; cat /proc/self/uid_map")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:2] == ["0", "rl-host"], r.stdout
    # podman's user namespace: the user as root, its subordinate ids above
    maps = [line.split() for line in lines[2:]]
    u = podman.user
    assert maps == [["0", str(u.uid), "1"], ["1", str(u.subuid[0]), str(u.subuid[1])]], maps


@pytest.mark.parametrize("cmd,code", [(["sh", "-c", "exit 3"], 3), (["/no/such/binary"], 127)])
def test_exit_codes(podman, name, cmd, code):
    r = podman("run", "--rm", "--name", name(), *OPTS, IMAGE, *cmd)
    assert r.returncode == code, r.stderr


def test_detached_exec_stop_rm(podman, name):
    n = name()
    podman.ok("run", "--detach", "--name", n, *OPTS, IMAGE, *SERVER)
    deadline = time.monotonic() + 20
    while "started" not in podman("logs", n).stdout:
        assert time.monotonic() < deadline, "the container never printed 'started'"
        time.sleep(0.1)
    assert podman.ok("inspect", "--format", "{{.State.Status}}", n).strip() == "running"
    r = podman("exec", n, "sh", "-c", "echo in-exec; id -u; exit 7")
    assert (r.returncode, r.stdout) == (7, "in-exec\n0\n"), r.stderr
    # a subordinate id inside: uid 1000 of the container is the user's subuid + 999
    assert podman.ok("exec", "--user", "1000:1000", n, "id", "-u").strip() == "1000"
    podman.ok("exec", "--detach", n, "sh", "-c", "echo detached > /tmp/mark")
    deadline = time.monotonic() + 10
    while podman("exec", n, "cat", "/tmp/mark").stdout != "detached\n":
        assert time.monotonic() < deadline, "the detached exec never ran"
        time.sleep(0.1)
    podman.ok("stop", "--time", "10", n)
    assert podman.ok("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", n).split() == \
        ["exited", "0"]
    assert "got-term" in podman("logs", n).stdout
    podman.ok("rm", n)
    assert n not in podman.ok("ps", "--all", "--format", "{{.Names}}").split()
