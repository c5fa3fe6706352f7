# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers and fixtures for the rootless tests: a real unprivileged user made for the session
# (`useradd -m`: a home, and a 65536-id range in /etc/subuid and /etc/subgid) and removed after
# it, its XDG_RUNTIME_DIR, the runtime run as that user (optionally from inside a cgroup
# delegated to it, as systemd's Delegate=yes does), and bundles the user owns. After every test
# each of the user's containers is removed with `delete --force` and the test fails if a state
# directory or a process of the user (its uid or its subordinate ids) is left.
import json
import os
import pwd
import secrets
import shutil
import subprocess
import time

import pytest

from lib import Bundle, kill_and_reap, live_pids, log_result, run_captured

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _subids(path, name, uid):
    """The first "name:start:count" (or "uid:start:count") range of path, or None."""
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[0] in (name, str(uid)):
                    return int(parts[1]), int(parts[2])
    except FileNotFoundError:
        pass
    return None


def _shadow_tool(argv):
    """useradd/userdel, retried while another session holds /etc/passwd's lock."""
    for attempt in range(50):
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode == 0 or "lock" not in r.stderr:
            return r
        time.sleep(0.1 + attempt * 0.02)
    return r


class User:
    """An unprivileged user made for the tests."""

    def __init__(self, name):
        pw = pwd.getpwnam(name)
        self.name, self.uid, self.gid, self.home = name, pw.pw_uid, pw.pw_gid, pw.pw_dir
        self.subuid = _subids("/etc/subuid", name, self.uid)
        self.subgid = _subids("/etc/subgid", name, self.uid)
        self.xdg = None

    def owns(self, uid):
        """True for the user's own uid and its subordinate ones."""
        if uid == self.uid:
            return True
        return bool(self.subuid) and self.subuid[0] <= uid < self.subuid[0] + self.subuid[1]

    def processes(self):
        """Live processes (zombies count as dead) whose real uid is the user's or a subordinate."""
        return live_pids("status", lambda text: self.owns(
            next(int(l.split()[1]) for l in text.splitlines() if l.startswith("Uid:"))))


def make_user(session_dir):
    name = "hutch-rl-%s" % secrets.token_hex(4)
    r = _shadow_tool(["useradd", "--create-home", "--shell", "/bin/sh", name])
    assert r.returncode == 0, "useradd %s: %s" % (name, r.stderr)
    u = User(name)
    u.xdg = os.path.join(session_dir, "xdg-" + name)
    os.mkdir(u.xdg, 0o700)
    os.chown(u.xdg, u.uid, u.gid)
    return u


def remove_user(u):
    for pid in u.processes():
        kill_and_reap(pid)
    _shadow_tool(["userdel", "--remove", "--force", u.name])
    if u.xdg:
        shutil.rmtree(u.xdg, ignore_errors=True)


class RootlessRuntime:
    """The runtime binary run as `user`, with its XDG_RUNTIME_DIR (`xdg`, default the one made
    for the session), from `cgroup` (a directory the user was delegated) when given, through
    `prefix` (e.g. systemd-run) when given. No --root: the default, $XDG_RUNTIME_DIR/hutch."""

    def __init__(self, binary, user, cgroup=None, xdg=None, prefix=()):
        self.binary, self.user, self.cgroup = binary, user, cgroup
        self.xdg, self.prefix = xdg or user.xdg, list(prefix)
        self.globals = []

    @property
    def root(self):
        return os.path.join(self.xdg, "hutch")

    def env(self, **extra):
        e = {"PATH": PATH, "HOME": self.user.home, "USER": self.user.name,
             "LOGNAME": self.user.name, "XDG_RUNTIME_DIR": self.xdg}
        for k, v in extra.items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return e

    def _preexec(self):
        # Still root here: enter the delegated cgroup first (the move needs write access to the
        # common ancestor's cgroup.procs), then become the user for good.
        if self.cgroup:
            with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        os.setgroups([])
        os.setresgid(self.user.gid, self.user.gid, self.user.gid)
        os.setresuid(self.user.uid, self.user.uid, self.user.uid)

    def argv(self, *args):
        return self.prefix + [self.binary] + self.globals + [str(a) for a in args]

    def run_as(self, argv, env=None, timeout=60, input=None, cwd=None, **kw):
        """Any program as the user (the same way as the runtime), output captured as text."""
        return run_captured(argv, timeout=timeout, input=input, cwd=cwd or self.user.home,
                            env=env or self.env(), preexec_fn=self._preexec, **kw)

    def cmd(self, *args, env=None, timeout=60, input=None, cwd=None):
        return self.run_as(self.argv(*args), env=env, timeout=timeout, input=input, cwd=cwd)

    def detached(self, *args, out, err=None, env=None, timeout=60, pass_fds=()):
        """A verb whose container keeps the stdio: files, so the call returns with the runtime.
        Returns a CompletedProcess with what the runtime wrote (stderr: err's new text)."""
        argv = self.argv(*args)
        err = err or out + ".err"
        with open(out, "ab") as fo, open(err, "ab") as fe:
            start = fe.tell()
            try:
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe, timeout=timeout,
                                   env=env or self.env(), cwd=self.user.home, pass_fds=pass_fds,
                                   preexec_fn=self._preexec)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc = -1
        with open(err, "rb") as f:
            f.seek(start)
            text = f.read().decode(errors="replace")
        r = subprocess.CompletedProcess(argv, rc, "", text)
        log_result(argv, r)
        return r

    def state(self, cid):
        r = self.cmd("state", cid)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def wait_status(self, cid, status, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            current = self.state(cid)["status"]
            if current == status:
                return
            assert time.monotonic() < deadline, "%s is %s, expected %s" % (cid, current, status)
            time.sleep(0.05)


def rootless_config(rt, args):
    """`spec --rootless` as the user, with no terminal and `args` as the process."""
    d = os.path.join(rt.user.home, "spec-%s" % secrets.token_hex(4))
    os.mkdir(d)
    os.chown(d, rt.user.uid, rt.user.gid)
    r = rt.cmd("spec", "--rootless", "--bundle", d)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    shutil.rmtree(d)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = list(args)
    return cfg


def chown_tree(path, uid, gid):
    for dirpath, dirnames, filenames in os.walk(path):
        os.lchown(dirpath, uid, gid)
        for n in dirnames + filenames:
            os.lchown(os.path.join(dirpath, n), uid, gid)


@pytest.fixture(scope="session")
def rootless_user(session_dir):
    """A real unprivileged user with subordinate ids, for the session."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("needs root and useradd to make an unprivileged user")
    u = make_user(session_dir)
    try:
        yield u
    finally:
        remove_user(u)


@pytest.fixture
def rootless(runtime_path, rootless_user):
    """The runtime as the session's unprivileged user; cleans up after the test."""
    rt = RootlessRuntime(runtime_path, rootless_user)
    yield rt
    rootless_cleanup(rt)


def rootless_cleanup(rt, before_process_check=None):
    """delete --force every container of rt; fail on state or a process of the user left
    (`before_process_check` runs first, e.g. to stop the user's own service manager)."""
    problems = []
    ids = set()
    r = rt.cmd("list", "-q", timeout=30)
    if r.returncode == 0:
        ids.update(r.stdout.split())
    if os.path.isdir(rt.root):
        ids.update(e for e in os.listdir(rt.root) if not e.startswith("."))
    for cid in sorted(ids):
        rt.cmd("delete", "--force", cid, timeout=30)
    left = [e for e in os.listdir(rt.root) if not e.startswith(".")] if os.path.isdir(rt.root) else []
    if left:
        problems.append("state left under %s: %s" % (rt.root, left))
        for e in left:
            shutil.rmtree(os.path.join(rt.root, e), ignore_errors=True)
    if before_process_check:
        before_process_check()
    deadline = time.monotonic() + 5
    while rt.user.processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in rt.user.processes():
        problems.append("process %d of %s still alive after delete --force" % (pid, rt.user.name))
        kill_and_reap(pid)
    assert not problems, "; ".join(problems)


@pytest.fixture
def rootless_bundle(rootless, test_dir, cached_rootfs):
    """Factory: rootless_bundle(args, name=None) -> Bundle owned by the user, configured by
    `spec --rootless` (terminal off, `args` as the process)."""
    count = [0]

    def make(args, name=None):
        count[0] += 1
        path = os.path.join(test_dir, name or "rl-bundle%d" % count[0])
        os.mkdir(path, 0o755)
        subprocess.run(["cp", "-a", cached_rootfs, os.path.join(path, "rootfs")], check=True)
        chown_tree(path, rootless.user.uid, rootless.user.gid)
        b = Bundle(path, rootless_config(rootless, args))
        b.save()
        return b

    return make
