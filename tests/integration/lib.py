# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the integration tests: running the runtime, bundles, containers, probe output,
# and host-side checks (process liveness that counts zombies as dead, mounts, cgroups).
import copy
import json
import os
import re
import signal
import subprocess
import sys
import time

DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

# Shaped like `runc spec` output, with what tests need: no terminal, a writable rootfs, the
# probe as the process.
_DEFAULT_CONFIG = {
    "ociVersion": "1.3.0",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["/probe"],
        "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {k: list(DEFAULT_CAPS) for k in ("bounding", "effective", "permitted", "ambient")},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": False},
    "hostname": "hutch-test",
    "mounts": [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
         "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    ],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
        "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                        "/proc/scsi"],
        "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
}

# Probe keys that repeat (one line per item).
PROBE_LISTS = ("env", "mount", "net", "cgroup", "fd")


def default_config():
    return copy.deepcopy(_DEFAULT_CONFIG)


def parse_probe(text):
    """key=value lines from the probe -> dict; list keys map to lists."""
    facts = {k: [] for k in PROBE_LISTS}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key in PROBE_LISTS:
            facts[key].append(value)
        else:
            facts[key] = value
    return facts


def proc_state(pid):
    """The state letter of /proc/PID/stat, or None if there is no such process."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rindex(")") + 2]


def host_ids(pid):
    """A process's uids and gids as the host sees them: {"U": [real, effective, saved, fs],
    "G": [...]}."""
    ids = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("Uid:", "Gid:")):
                ids[line[0]] = [int(x) for x in line.split()[1:]]
    return ids


def is_alive(pid):
    """True if pid runs; a zombie (init of this host does not reap promptly) counts as dead."""
    return proc_state(pid) not in (None, "Z", "X")


def wait_dead(pid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def kill_and_reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    wait_dead(pid, 5)


def _unescape(path):
    return path.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def host_mounts():
    """Mount points of the calling process's mount namespace."""
    with open("/proc/self/mountinfo") as f:
        return [_unescape(line.split()[4]) for line in f]


def stable_mounts(test_dir):
    """The host's mount points, less those other test suites on this machine make and remove
    meanwhile under their own /tmp directories or /run/netns: a leak of ours lands elsewhere,
    or under this session's directory, which is kept."""
    session = os.path.dirname(test_dir)
    return [m for m in host_mounts() if not ((m.startswith("/tmp/") and not m.startswith(session + "/"))
                                             or m.startswith("/run/netns"))]


def mounts_under(path):
    path = os.path.realpath(path)
    return [m for m in host_mounts() if m == path or m.startswith(path + "/")]


def cgroup_dirs(cgroups_path):
    """Every host directory a runtime may create for cgroupsPath (v1 controllers and v2)."""
    if not cgroups_path or ":" in cgroups_path:
        return []
    rel = cgroups_path.lstrip("/")
    dirs = set()
    base = "/sys/fs/cgroup"
    if os.path.exists(os.path.join(base, "cgroup.controllers")):
        dirs.add(os.path.join(base, rel))
    else:
        for entry in os.listdir(base):
            top = os.path.realpath(os.path.join(base, entry))
            if os.path.isdir(top):
                dirs.add(os.path.join(top, rel))
    return sorted(dirs)


def remove_cgroup_dirs(dirs):
    """rmdir each of the cgroup directories dirs and everything below them, deepest first (a
    directory still in use stays); what is left is returned."""
    left = []
    for top in dirs:
        for d, _, _ in sorted(os.walk(top, topdown=False), key=lambda w: -w[0].count("/")):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                left.append(d)
    return left


def remove_cgroup_trees(cgroups_path):
    """remove_cgroup_dirs of cgroups_path in every hierarchy."""
    return remove_cgroup_dirs(cgroup_dirs(cgroups_path))


def live_pids(name, match, binary=False):
    """Live processes (zombies count as dead) other than this one whose
    /proc/PID/<name> satisfies match(content); a file that cannot be read or
    parsed does not match."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/%s" % (entry, name), "rb" if binary else "r") as f:
                hit = match(f.read())
        except (OSError, IndexError, ValueError, StopIteration):
            continue
        if hit and is_alive(int(entry)):
            found.append(int(entry))
    return found


def pids_in_cgroup(cgroups_path):
    """Live host processes whose /proc/PID/cgroup names cgroups_path in any hierarchy."""
    if not cgroups_path:
        return []
    return live_pids("cgroup", lambda text: cgroups_path in
                     [line.split(":", 2)[2] for line in text.splitlines()])


def state_dirs(root):
    """Container state directories under --root (other files there are the runtime's own)."""
    return [e for e in os.listdir(root) if not e.startswith(".") and os.path.isdir(os.path.join(root, e))]


def assert_nothing_left(c, runtime, pid=None):
    """After a failed create: no state, no listing, no mount, no process, no cgroup."""
    assert "does not exist" in c.state().stderr
    assert not os.path.exists(os.path.join(runtime.root, c.id))
    assert c.id not in runtime.cmd("list", "-q").stdout.split()
    assert mounts_under(c.bundle.path) == []
    assert pids_in_cgroup(c.cgroups_path) == []
    assert [d for d in cgroup_dirs(c.cgroups_path) if os.path.isdir(d)] == []
    if pid:
        assert wait_dead(pid, 5), "init %d survived a failed create" % pid


RECVTTY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "helpers", "recvtty.py")


def start_receiver(test_dir, *extra):
    """Start tests/helpers/recvtty.py on test_dir/console.sock; returns (popen, socket, outfile)."""
    sock = os.path.join(test_dir, "console.sock")
    out = os.path.join(test_dir, "console.out")
    p = subprocess.Popen([sys.executable, RECVTTY, sock, "--out", out, *extra], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not os.path.exists(sock):
        assert time.monotonic() < deadline, "recvtty did not start"
        assert p.poll() is None, "recvtty exited"
        time.sleep(0.02)
    return p, sock, out


def finish_receiver(p, out, timeout=20):
    """Wait for the receiver (it ends when the container closes the pty); returns the text
    the container wrote, with the terminal's CRLF turned into LF."""
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        raise
    with open(out, "rb") as f:
        return f.read().decode(errors="replace").replace("\r\n", "\n")


def log_result(argv, r):
    # Printed output is shown by pytest when a test fails.
    print("$ %s\n-> rc=%s\nstdout: %s\nstderr: %s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))


def run_captured(argv, timeout=60, input=None, **kw):
    """Run argv with its output captured as text (stdin: input, or /dev/null); a timeout is
    rc -1 with "[timed out]" added to stderr. Logged for the test report."""
    try:
        r = subprocess.run(argv, input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        r = subprocess.CompletedProcess(argv, -1, e.stdout or "", (e.stderr or "") + "\n[timed out]")
        if isinstance(r.stdout, bytes):
            r.stdout = r.stdout.decode(errors="replace")
        if isinstance(r.stderr, bytes):
            r.stderr = r.stderr.decode(errors="replace")
    log_result(argv, r)
    return r


def pty_run(argv, send=None, timeout=60, child=None, rows=24, cols=80):
    """Run argv (searched in PATH) on a new pty of rows x cols as its controlling terminal;
    once it printed "ready", type `send` when given; collect the output until it
    closes the pty (killed after timeout s). child() runs in the forked child before the exec
    (e.g. to drop to another user) and may return the environment for the exec.
    Returns (exit code, output bytes)."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            env = child() if child else None
            os.execvpe(argv[0], argv, env if env is not None else os.environ)
        finally:
            os._exit(127)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if send is not None and b"ready" in out:
            os.write(fd, send)
            send = None
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    else:
        os.kill(pid, signal.SIGKILL)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print("$ %s (on a pty)\n-> rc=%s\noutput: %r" % (" ".join(argv), code, out))
    return code, out


class Runtime:
    """The runtime binary with the session's --root."""

    def __init__(self, binary, root):
        self.binary = binary
        self.root = root

    @property
    def is_runc(self):
        """True for runc, against which tests are checked; a few skip its known deviations."""
        return os.path.basename(self.binary) == "runc"

    def argv(self, *args, root=True):
        return [self.binary] + (["--root", self.root] if root else []) + [str(a) for a in args]

    def cmd(self, *args, root=True, timeout=60, input=None, cwd=None, env=None):
        return run_captured(self.argv(*args, root=root), timeout=timeout, input=input, cwd=cwd,
                            env=env)

    def detached(self, *args, out, err, timeout=60, pass_fds=(), env=None, cwd=None):
        """Run a verb whose container keeps the stdio: give it files, not pipes, so that the
        call returns when the runtime does. Returns CompletedProcess with what the runtime
        wrote to stdout/stderr (the container writes there later)."""
        argv = self.argv(*args)
        with open(out, "ab") as fo, open(err, "ab") as fe:
            start_out, start_err = fo.tell(), fe.tell()
            try:
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                   timeout=timeout, pass_fds=pass_fds, env=env, cwd=cwd)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc = -1
        r = subprocess.CompletedProcess(argv, rc, _read_from(out, start_out), _read_from(err, start_err))
        log_result(argv, r)
        return r


def _read_from(path, offset):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


class Bundle:
    """A bundle directory: path, rootfs, and config (a dict written to config.json by save())."""

    def __init__(self, path, config):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")
        self.config = config

    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config["linux"]

    def save(self):
        tmp = os.path.join(self.path, ".config.json.tmp")
        with open(tmp, "w") as f:
            json.dump(self.config, f, indent=2)
        os.rename(tmp, os.path.join(self.path, "config.json"))

    def set_namespaces(self, *types):
        self.linux["namespaces"] = [{"type": t} for t in types]

    def add_namespace(self, ns_type, path=None):
        entry = {"type": ns_type}
        if path:
            entry["path"] = path
        self.linux["namespaces"] = [n for n in self.linux["namespaces"] if n["type"] != ns_type] + [entry]

    def add_time_namespace(self, offset_secs):
        """A time namespace of its own whose boot and monotonic clocks run offset_secs ahead."""
        self.add_namespace("time")
        self.linux["timeOffsets"] = {"boottime": {"secs": offset_secs, "nanosecs": 0},
                                     "monotonic": {"secs": offset_secs, "nanosecs": 0}}

    def remove_namespace(self, ns_type):
        self.linux["namespaces"] = [n for n in self.linux["namespaces"] if n["type"] != ns_type]


class Container:
    """One container id on the runtime. Verbs return CompletedProcess; create and run --detach
    give the container files (out/err in the test dir) instead of pipes."""

    def __init__(self, runtime, cid, bundle, test_dir, cgroup_parent=None):
        self.runtime = runtime
        self.id = cid
        self.bundle = bundle
        safe = cid.replace("/", "_") or "empty"
        self.out = os.path.join(test_dir, safe + ".out")
        self.err = os.path.join(test_dir, safe + ".err")
        self.known_pids = set()
        self.cgroups_path = None
        self.cgroup_parent = cgroup_parent

    def _prepare(self):
        if self.bundle is None:
            return
        linux = self.bundle.config.setdefault("linux", {})
        if self.cgroup_parent and "cgroupsPath" not in linux:
            # invalid ids (tests of their rejection) still get a harmless path
            name = self.id if re.fullmatch(r"[A-Za-z0-9_+-][A-Za-z0-9_.+-]*", self.id) else "invalid-id"
            linux["cgroupsPath"] = "/%s/%s" % (self.cgroup_parent, name)
        self.cgroups_path = linux.get("cgroupsPath")
        self.bundle.save()

    def create(self, *extra, pid_file=None, console_socket=None, timeout=60, pass_fds=(), cwd=None):
        self._prepare()
        args = ["create", "--bundle", self.bundle.path]
        if pid_file:
            args += ["--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        r = self.runtime.detached(*args, *extra, self.id, out=self.out, err=self.err, timeout=timeout,
                                  pass_fds=pass_fds, cwd=cwd)
        self._learn_pid(os.path.join(cwd or ".", pid_file) if pid_file else None)
        return r

    def run(self, *extra, detach=False, pid_file=None, console_socket=None, timeout=60):
        """Foreground run returns the container's output in stdout/stderr; --detach uses files."""
        self._prepare()
        args = ["run", "--bundle", self.bundle.path]
        if pid_file:
            args += ["--pid-file", pid_file]
        if console_socket:
            args += ["--console-socket", console_socket]
        if detach:
            r = self.runtime.detached(*args, "--detach", *extra, self.id, out=self.out, err=self.err,
                                      timeout=timeout)
            self._learn_pid(pid_file)
            return r
        return self.runtime.cmd(*args, *extra, self.id, timeout=timeout)

    def _learn_pid(self, pid_file):
        if pid_file and os.path.exists(pid_file):
            with open(pid_file) as f:
                data = f.read().strip()
            if data.isdigit():
                self.known_pids.add(int(data))
        s = self.runtime.cmd("state", self.id)
        if s.returncode == 0:
            try:
                pid = json.loads(s.stdout).get("pid")
            except ValueError:
                return
            if pid:
                self.known_pids.add(pid)

    def start(self):
        return self.runtime.cmd("start", self.id)

    def state(self):
        return self.runtime.cmd("state", self.id)

    def state_json(self):
        r = self.state()
        assert r.returncode == 0, "state %s failed: %s" % (self.id, r.stderr)
        st = json.loads(r.stdout)
        if st.get("pid"):
            self.known_pids.add(st["pid"])
        return st

    def status(self):
        return self.state_json()["status"]

    @property
    def pid(self):
        return self.state_json()["pid"]

    def kill(self, sig=None, all=False):
        args = ["kill"] + (["--all"] if all else []) + [self.id] + ([str(sig)] if sig is not None else [])
        return self.runtime.cmd(*args)

    def delete(self, force=False):
        return self.runtime.cmd("delete", *(["--force"] if force else []), self.id)

    def wait_status(self, status, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            current = self.status()
            if current == status:
                return current
            if time.monotonic() > deadline:
                raise AssertionError("container %s is %s, expected %s" % (self.id, current, status))
            time.sleep(0.05)

    def output(self):
        with open(self.out, errors="replace") as f:
            return f.read()

    def stderr_output(self):
        with open(self.err, errors="replace") as f:
            return f.read()

    def wait_output(self, text, timeout=10.0):
        """Wait until the container's stdout contains text; returns the whole output."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.output() if os.path.exists(self.out) else ""
            if text in out:
                return out
            if time.monotonic() > deadline:
                raise AssertionError("container %s never printed %r; output so far: %r" % (self.id, text, out))
            time.sleep(0.05)

    def facts(self):
        """Probe facts from the container's stdout (after the probe printed them)."""
        return parse_probe(self.output())


def cgroup_paths(pid):
    """{controller: path} for the v1 lines and {'': path} for the v2 line of /proc/PID/cgroup."""
    paths = {}
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for ctrl in controllers.split(",") if controllers else [""]:
                paths[ctrl] = path
    return paths
