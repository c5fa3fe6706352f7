# SPDX-License-Identifier: GPL-2.0-or-later
# End-to-end helpers: podman (with conmon) and containerd (with its runc shim) driving the
# runtime under test. Everything they make lives under one temporary directory per module:
# podman gets its own --root/--runroot/--tmpdir/storage.conf (the runtime keeps its default
# --root, see Podman); containerd runs as a private daemon on its own socket with root, state
# and the runtime's --root under that dir. Cleanup also kills what a failed test left behind.
#
# $HUTCH_E2E_RUNTIME picks the runtime the engines drive ("runc", "crun" or a path); without
# it, the runtime of the rest of the suite (the built hutch, or $HUTCH_RUNTIME). Running the
# same tests with HUTCH_E2E_RUNTIME=runc shows whether a difference is the runtime's.
import os
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time

import pytest

from lib import cgroup_dirs, kill_and_reap, live_pids, mounts_under, remove_cgroup_dirs

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
IMAGE = "localhost/hutch-e2e-busybox:latest"


def e2e_runtime(default):
    """The runtime binary the engines drive: $HUTCH_E2E_RUNTIME (name or path) or default."""
    want = os.environ.get("HUTCH_E2E_RUNTIME")
    if not want:
        return default
    path = want if "/" in want else shutil.which(want) or shutil.which(want, path="/usr/sbin:/usr/bin")
    if not path or not os.access(path, os.X_OK):
        pytest.exit("HUTCH_E2E_RUNTIME=%s: no such runtime" % want, 2)
    return os.path.realpath(path)


def log_result(argv, r):
    # Printed output is shown by pytest when a test fails.
    print("$ %s\n-> rc=%s\nstdout: %s\nstderr: %s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))


def run_cmd(argv, timeout=120, input=None, env=None):
    """Run argv with captured text output; a timeout becomes returncode -1."""
    try:
        r = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        r = subprocess.CompletedProcess(argv, -1, out, err + "\n[timed out]")
    log_result(argv, r)
    return r


def make_rootfs_tar(workdir, probe):
    """A tarball of the busybox rootfs (bundles/busybox/make-rootfs.sh) plus /probe."""
    rootfs = os.path.join(workdir, "rootfs")
    subprocess.run([os.path.join(REPO, "bundles", "busybox", "make-rootfs.sh"), rootfs],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copy2(probe, os.path.join(rootfs, "probe"))
    os.chmod(os.path.join(rootfs, "probe"), 0o755)
    tar = os.path.join(workdir, "rootfs.tar")
    with tarfile.open(tar, "w") as t:
        for entry in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, entry), arcname=entry)
    shutil.rmtree(rootfs)
    return tar


def with_image(pm, base, probe, image=IMAGE):
    """Yield podman pm with the busybox rootfs plus /probe imported as `image`; pm's store is
    removed afterwards. For a module fixture: `yield from with_image(...)`."""
    try:
        tar = make_rootfs_tar(base, probe)
        os.chmod(tar, 0o644)  # a rootless podman reads it as its user
        pm.ok("import", tar, image)
        os.unlink(tar)
        yield pm
    finally:
        pm.cleanup()


def pids_mentioning(text):
    """Live processes whose command line contains text (shims and runtime calls of one engine)."""
    return live_pids("cmdline", lambda raw: text in raw.replace(b"\0", b" ").decode(
        errors="replace"), binary=True)


def pids_in_cgroup_tree(dirs):
    """Processes in the cgroup directories dirs or below."""
    pids = set()
    for d in dirs:
        for top, _, files in os.walk(d):
            if "cgroup.procs" in files:
                try:
                    with open(os.path.join(top, "cgroup.procs")) as f:
                        pids.update(int(x) for x in f.read().split())
                except (OSError, ValueError):
                    pass
    return sorted(pids)


def unmount_under(path):
    for m in reversed(mounts_under(path)):
        subprocess.run(["umount", "-l", m], stderr=subprocess.DEVNULL)


def remove_tree(path):
    unmount_under(path)
    if not mounts_under(path):
        shutil.rmtree(path, ignore_errors=True)


class Podman:
    """podman with private storage and run directory, driving one runtime.

    The runtime keeps its default --root (/run/<name>): conmon's exit command (`podman
    container cleanup`) does not pass podman's --runtime-flag on, so a private runtime root
    would make the cleanup look for the container elsewhere. Container ids are unique, and
    cleanup() only deletes those this podman made."""

    # This host lacks CAP_SYS_RESOURCE: podman's default rlimits would need to raise them.
    RUN_OPTS = ["--network", "none", "--log-driver", "k8s-file",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]

    def __init__(self, base, runtime):
        self.base = base
        self.runtime = runtime
        d = {k: os.path.join(base, k) for k in ("root", "runroot", "tmp", "volumes")}
        for path in d.values():
            os.makedirs(path, mode=0o700, exist_ok=True)
        conf = os.path.join(base, "storage.conf")
        with open(conf, "w") as f:
            f.write('[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' % (d["runroot"], d["root"]))
        empty = os.path.join(base, "containers.conf")
        open(empty, "w").close()
        self.env = dict(os.environ, CONTAINERS_STORAGE_CONF=conf, CONTAINERS_CONF=empty)
        self.state = os.path.join("/run", os.path.basename(runtime))
        self.had_parent = any(os.path.isdir(d) for d in cgroup_dirs("/libpod_parent"))
        self.global_args = [
            "podman", "--root", d["root"], "--runroot", d["runroot"], "--tmpdir", d["tmp"],
            "--volumepath", d["volumes"], "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs",
            "--events-backend", "none", "--runtime", runtime,
        ]

    def argv(self, *args):
        return self.global_args + [str(a) for a in args]

    def __call__(self, *args, timeout=120, input=None):
        return run_cmd(self.argv(*args), timeout=timeout, input=input, env=self.env)

    def ok(self, *args, timeout=120, input=None):
        r = self(*args, timeout=timeout, input=input)
        assert r.returncode == 0, "podman %s failed (rc %s): %s" % (" ".join(args), r.returncode, r.stderr)
        return r.stdout

    def inspect(self, name, fmt):
        return self.ok("inspect", "--format", fmt, name).strip()

    def cleanup(self):
        ids = self("ps", "--all", "--no-trunc", "--quiet", timeout=60).stdout.split()
        self("rm", "--all", "--force", "--time", "0", timeout=180)
        self("rmi", "--all", "--force", timeout=180)
        self("system", "reset", "--force", timeout=180)
        for cid in ids:
            if os.path.isdir(os.path.join(self.state, cid)):
                run_cmd([self.runtime, "--root", self.state, "delete", "--force", cid], timeout=30)
        # whatever a failed test left: conmon and runtime calls (their command lines name our
        # directory), then the containers' processes (cgroupfs: /libpod_parent/libpod-<id>)
        for pid in pids_mentioning(self.base):
            print("cleanup: killing leftover %d" % pid)
            kill_and_reap(pid)
        for cid in ids:
            dirs = cgroup_dirs("/libpod_parent/libpod-" + cid)
            for pid in pids_in_cgroup_tree(dirs):
                print("cleanup: killing leftover container process %d" % pid)
                kill_and_reap(pid)
            remove_cgroup_dirs(dirs)
        # the cgroupfs manager's parent (conmon's cgroup is under it), when podman made it
        if not self.had_parent:
            remove_cgroup_dirs(cgroup_dirs("/libpod_parent"))
        remove_tree(self.base)


class Containerd:
    """A private containerd daemon (own socket, root and state) and ctr in one namespace."""

    def __init__(self, base, runtime):
        self.base = base
        self.runtime = runtime
        self.namespace = "hutch-e2e-%d" % os.getpid()
        self.sock = os.path.join(base, "containerd.sock")
        self.runc_root = os.path.join(base, "runc-root")
        os.makedirs(self.runc_root, mode=0o700)
        self.config = os.path.join(base, "config.toml")
        with open(self.config, "w") as f:
            f.write(_CONTAINERD_CONFIG.format(base=base, sock=self.sock))
        self.log = open(os.path.join(base, "containerd.log"), "wb")
        self.proc = subprocess.Popen(["containerd", "--config", self.config], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("containerd exited with %s: %s" % (self.proc.returncode, self.daemon_log()))
            if os.path.exists(self.sock) and subprocess.run(
                    self.argv("version"), capture_output=True, timeout=10).returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError("containerd did not come up: %s" % self.daemon_log())
            time.sleep(0.1)

    def daemon_log(self):
        with open(os.path.join(self.base, "containerd.log"), errors="replace") as f:
            return f.read()[-4000:]

    def argv(self, *args):
        return ["ctr", "--address", self.sock, "--namespace", self.namespace] + [str(a) for a in args]

    def __call__(self, *args, timeout=120):
        return run_cmd(self.argv(*args), timeout=timeout)

    def ok(self, *args, timeout=120):
        r = self(*args, timeout=timeout)
        assert r.returncode == 0, "ctr %s failed (rc %s): %s" % (" ".join(args), r.returncode, r.stderr)
        return r.stdout

    def runtime_args(self):
        """ctr run flags that make the shim drive the runtime under test."""
        return ["--runc-binary", self.runtime, "--runc-root", self.runc_root]

    def task_status(self, cid):
        for line in self.ok("task", "ls").splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == cid:
                return fields[2]
        return None

    def remove(self, cid):
        """Kill and delete the task, then the container; errors are ignored (cleanup)."""
        if self.task_status(cid) not in (None, "STOPPED"):
            self("task", "kill", "--signal", "SIGKILL", cid, timeout=30)
            deadline = time.monotonic() + 10
            while self.task_status(cid) not in (None, "STOPPED") and time.monotonic() < deadline:
                time.sleep(0.1)
        self("task", "delete", "--force", cid, timeout=30)
        self("container", "delete", cid, timeout=30)

    def cleanup(self):
        try:
            if self.proc.poll() is None:
                for line in self("container", "ls", "--quiet").stdout.split():
                    self.remove(line)
                for ref in self("image", "ls", "--quiet").stdout.split():
                    self("image", "remove", ref)
        finally:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.log.close()
            # whatever a failed test left: shims and runtime calls (their command lines name
            # our directory), then the containers' processes (cgroups /<namespace>/<id>)
            for pid in pids_mentioning(self.base):
                print("cleanup: killing leftover %d" % pid)
                kill_and_reap(pid)
            dirs = cgroup_dirs("/" + self.namespace)
            for pid in pids_in_cgroup_tree(dirs):
                print("cleanup: killing leftover container process %d" % pid)
                kill_and_reap(pid)
            remove_cgroup_dirs(dirs)
            remove_tree(self.base)


_CONTAINERD_CONFIG = """\
version = 2
root = "{base}/root"
state = "{base}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "{sock}"

[ttrpc]
  address = "{sock}.ttrpc"

[debug]
  address = "{sock}.debug"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{base}/opt"
"""


def engine_dir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    return d


def meson_install(dest):
    """`meson install` of the build under test into the staging directory dest (DESTDIR): the
    files as they would land on the host (engine drop-ins), without touching it."""
    build = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))
    r = run_cmd(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"],
                timeout=300)
    if r.returncode != 0:
        pytest.skip("meson install failed: %s" % r.stderr)
    return dest


def installed_file(dest, folder, name):
    """The file `name` that meson installed in a directory ending with `folder`."""
    for top, _, files in os.walk(dest):
        if top.endswith(folder) and name in files:
            return os.path.join(top, name)
    pytest.fail("meson install put no %s in a %s directory" % (name, folder))


def name_factory(request, remove):
    """A generator fixture body: yields make() giving this test's container names
    ("e2e-<test>-N"); afterwards calls remove(name) for each."""
    made = []
    base = re.sub(r"[^a-z0-9]", "-", request.node.name.lower().replace("test_", ""))[:40]

    def make():
        made.append("e2e-%s-%d" % (base, len(made) + 1))
        return made[-1]

    yield make
    for n in made:
        remove(n)
