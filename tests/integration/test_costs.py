# SPDX-License-Identifier: GPL-2.0-or-later
# What one container costs, measured from outside: the system calls the runtime and the
# container's init make (strace) for a `run` of the default test container, by kind, and the
# peak memory of create with a big config. The bounds hold the savings of the performance work
# in place (docs/PERFORMANCE.md); each one is well below what the code made before and leaves
# room for small changes.
import glob
import os
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.perf

_CALL = re.compile(r"^(\d+) +(?:<\.\.\. (\w+) resumed>|(\w+)\()")


class Trace:
    """strace -f output: per pid, the system calls in order as (name, line)."""

    def __init__(self, path):
        self.calls = {}
        with open(path) as f:
            for line in f:
                m = _CALL.match(line)
                if m and not m.group(2):  # a call split by another pid counts once
                    self.calls.setdefault(int(m.group(1)), []).append((m.group(3), line))

    def init_setup(self):
        """The container init's calls from its clone to the exec of the runtime's helper: the
        runtime's own work inside the container."""
        for pid, calls in self.calls.items():
            names = [n for n, _ in calls]
            if "execveat" in names:
                return calls[:names.index("execveat")]
        raise AssertionError("no execveat of the helper in the trace")

    def runtime(self):
        """The calls of the runtime process itself (the first pid, which execs the runtime)."""
        first = next(iter(self.calls))
        return self.calls[first]


def count(calls, *names):
    return sum(1 for n, _ in calls if n in names)


def matching(calls, pattern, *names):
    return [line for n, line in calls if (not names or n in names) and re.search(pattern, line)]


@pytest.fixture
def traced(runtime, container, bundle, test_dir):
    """traced(bundle=None, verb=("run",)) -> Trace of that verb on a container of the
    default test bundle (/probe exit 0)."""
    if runtime.is_runc or not shutil.which("strace"):
        pytest.skip("counts hutch's own system calls with strace")

    def trace(b=None, argv=None):
        c = container(b or bundle(["/probe", "exit", "0"]))
        c._prepare()
        out = os.path.join(test_dir, "strace-%s.txt" % c.id)
        args = argv(c) if argv else ["run", "--bundle", c.bundle.path, c.id]
        r = subprocess.run(["strace", "-f", "-qq", "-o", out, "--"] + runtime.argv(*args),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return Trace(out)

    return trace


def test_capabilities_in_few_calls(traced):
    """The bounding set is dropped without being read around the drop (it was read twice, 41
    prctl calls each time), and the other sets go in one capget and one capset."""
    setup = traced().init_setup()
    assert count(setup, "prctl") <= 50, matching(setup, "", "prctl")
    assert count(setup, "capget") <= 1 and count(setup, "capset") == 1


def test_mount_targets_and_devices_in_few_calls(traced):
    """A mount target that exists is resolved and checked in three calls (openat2, fstat,
    fstatfs), one whose parent exists in five; the default devices share one resolution of /dev
    and one umask change, and a node is checked with one stat. Before: a component walk per
    missing target (dup, openat and fstat per component) and about 12 calls per device."""
    setup = traced().init_setup()
    assert count(setup, "umask") <= 3, matching(setup, "", "umask")
    assert count(setup, "fcntl") <= 5, matching(setup, "", "fcntl")
    assert count(setup, "newfstatat") <= 25, matching(setup, "", "newfstatat")
    assert count(setup, "mknodat") == 6
    assert count(setup, "openat2") <= 40, matching(setup, "", "openat2")


def test_cgroup_hierarchies_bound_not_mounted(traced, bundle):
    """/sys/fs/cgroup in the container is made of binds of the container's own cgroup
    directories, known from the runtime's cgroup, also with a cgroup namespace: no new cgroup
    superblock mount (on cgroup v1 each walks every cgroup of the host under the cgroup lock),
    and no read of mountinfo or /proc/self/cgroup in the init."""
    b = bundle(["/probe", "exit", "0"])
    b.linux["namespaces"].append({"type": "cgroup"})
    setup = traced(b).init_setup()
    assert not matching(setup, r'"cgroup2?"', "fsopen"), matching(setup, "", "fsopen")
    assert not matching(setup, r"mountinfo|/self/cgroup|[0-9]/cgroup\"", "openat", "openat2", "open")
    assert matching(setup, r"/sys/fs/cgroup", "open_tree")


def test_run_reads_its_config_once_and_writes_its_state_twice(traced):
    """run parses config.json once (its start and delete steps take the spec create parsed,
    not the state directory's copy), writes state.json twice (after the cgroup exists, then
    "created"; the pid in between only for prestart/createRuntime hooks), reads /proc/PID/stat
    twice (create's start time, delete's liveness check) and never the time zone. Before:
    three reads of config.json, four state.json writes, four /proc/PID/stat reads, and
    /etc/localtime."""
    rt = traced().runtime()
    assert not matching(rt, "localtime"), matching(rt, "localtime")
    reads = [ln for ln in matching(rt, r"config\.json\"", "openat", "open") if "O_RDONLY" in ln]
    assert len(reads) == 1, reads
    assert len(matching(rt, r"state\.json", "rename", "renameat", "renameat2")) == 2
    assert len(matching(rt, r"/proc/\d+/stat\"", "openat", "open")) <= 2


def test_delete_waits_for_the_init_on_a_pidfd(traced, bundle):
    """delete --force of a created container wakes when the killed init is gone (a pidfd
    polls readable), instead of reading /proc/PID/stat every 5 ms. An init that is dead already
    when delete looks is not waited for at all: a few tries see one that is not."""
    def create_then_delete(c):
        r = c.create()
        assert r.returncode == 0, r.stderr
        return ["delete", "--force", c.id]

    for _ in range(10):
        rt = traced(bundle(["/probe", "sleep"]), argv=create_then_delete).runtime()
        # (a sleep elsewhere is legitimate: a cgroup rmdir retried on EBUSY)
        assert len(matching(rt, r"/proc/\d+/stat\"", "openat", "open")) <= 2
        pidfds = [re.search(r"= (\d+)", ln).group(1) for ln in matching(rt, r"= \d+", "pidfd_open")]
        if any(re.search(r"fd=(%s)," % "|".join(pidfds), ln)
               for ln in matching(rt, r"events=POLLIN", "poll", "ppoll")) if pidfds else False:
            return
    pytest.fail("no poll on a pidfd in 10 deletes: %s" % matching(rt, "", "pidfd_open", "poll"))


def test_create_holds_a_big_config_once(bundle, container, runtime, test_dir):
    """create parses config.json as it reads it, copies the file into the state directory in
    the kernel, and writes state.json (which repeats the annotations) as it generates it: a
    config of 32 MiB peaks at about its parsed size. Before: the text was held while it was
    parsed and state.json was generated in memory (2.1 times the file, more for state.json)."""
    launcher = os.path.join(os.environ.get("HUTCH_BUILD_DIR", os.path.join(
        os.path.dirname(__file__), "..", "..", "build")), "tests", "bench", "bench_spawn")
    if runtime.is_runc or not os.access(launcher, os.X_OK):
        pytest.skip("needs hutch and the bench launcher (peak RSS of the runtime alone)")
    b = bundle(["/probe", "sleep"])
    b.config["annotations"] = {"org.example.key.%08d" % i: "v" * 1024 for i in range(32 * 1000)}
    c = container(b)
    c._prepare()
    size = os.path.getsize(os.path.join(b.path, "config.json"))
    r = subprocess.run([launcher, "--"] + runtime.argv("create", "--bundle", b.path, c.id),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    _, _, rc, _, _, rss_kib = (int(x) for x in r.stdout.split())
    assert rc == 0, r.stderr
    assert c.state_json()["annotations"] == b.config["annotations"]
    assert rss_kib * 1024 < 1.5 * size, "peak RSS %.1f MiB for a %.1f MiB config" % (
        rss_kib / 1024, size / 2**20)


def _v2_root():
    for d in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        if os.path.exists(os.path.join(d, "cgroup.controllers")):
            return d
    return None


def test_no_pid_written_to_the_v2_cgroup_it_was_born_in(traced):
    """The init is cloned into its cgroup v2 directory (CLONE_INTO_CGROUP): writing its pid
    to that cgroup.procs afterwards changed nothing but waited for an RCU grace period (the
    first writer of the kernel's cgroup_threadgroup_rwsem does): 5-20 ms of wall time here for
    a container started on its own, on a pure cgroup v2 host all of it."""
    v2 = _v2_root()
    if not v2:
        pytest.skip("no cgroup v2 hierarchy on this host")
    rt = traced().runtime()
    assert matching(rt, "CLONE_INTO_CGROUP", "clone3")
    writes = [ln for ln in matching(rt, '"' + re.escape(v2) + r'/[^"]*cgroup\.procs"', "openat", "open")
              if "O_WRONLY" in ln]
    assert not writes, writes


def test_init_places_itself_in_its_v1_cgroups(traced):
    """On cgroup v1 the init moves itself into its cgroups by writing 0 to each hierarchy's
    `tasks`: a thread that moves itself is moved without the kernel's cgroup_threadgroup_rwsem,
    whose first writer waits for an RCU grace period (5-15 ms here) when the runtime writes the
    init's pid to cgroup.procs. The runtime writes no pid there any more."""
    t = traced()
    rt, setup = t.runtime(), t.init_setup()
    v1 = [d for d in glob.glob("/sys/fs/cgroup/*") if os.path.exists(os.path.join(d, "tasks"))]
    if not v1:
        pytest.skip("no cgroup v1 hierarchy on this host")
    assert not [ln for ln in matching(rt, r"cgroup\.procs\"", "openat", "open") if "O_WRONLY" in ln]
    moved = [ln for ln in matching(setup, r"/tasks\"", "openat", "open") if "O_WRONLY" in ln]
    assert len(moved) == len(set(os.path.realpath(d) for d in v1)), (moved, v1)


def test_cgroup_files_opened_per_container(traced, bundle):
    """The runtime opens few cgroup files per container (each open of one costs about 16 us
    here): a leaf it just made is not searched for processes nor read for OOM kills, the
    cgroup v2 controllers are found delegated with two reads (not two per level), cpuset.cpus
    and cpuset.mems are kept as the kernel copied them (hutch's own parent has
    cgroup.clone_children), and delete reads no realtime budget of the siblings when the
    parent has none. Before: 27 on this hybrid host; with the default path (/hutch/<id>)."""
    def run_default_path():
        b = bundle(["/probe", "exit", "0"])
        b.linux["cgroupsPath"] = ""
        return traced(b).runtime()

    run_default_path()  # the first container under /hutch may set it up
    rt = run_default_path()
    opened = matching(rt, r'"/sys/fs/cgroup/[^"]*"', "openat", "open")
    assert len(opened) <= 16, opened


def test_run_makes_and_removes_only_its_own_cgroup(traced, bundle):
    """Under a parent that exists (the default /hutch, made by the first container and kept,
    as runc keeps a cgroupsPath's parents), `run` makes and removes one directory per
    hierarchy, its own. Before: the last container out removed /hutch from every hierarchy,
    and the next one made it again and filled its cpuset (on this hybrid host 20 mkdir and
    20 rmdir per container instead of 10 and 10)."""
    def run_default_path():
        b = bundle(["/probe", "exit", "0"])
        b.linux["cgroupsPath"] = ""
        t = traced(b)
        return t.runtime()

    run_default_path()
    rt = run_default_path()
    made = [re.search(r'"([^"]*)"', ln).group(1) for ln in matching(rt, r"= 0$", "mkdir")
            if "/sys/fs/cgroup" in ln]
    removed = [re.search(r'"([^"]*)"', ln).group(1) for ln in matching(rt, r"= 0$", "rmdir")
               if "/sys/fs/cgroup" in ln]
    assert made and sorted(made) == sorted(removed), (made, removed)
    assert len(set(os.path.basename(d) for d in made)) == 1, made


def test_init_stops_for_hooks_only_when_it_has_some(traced, bundle):
    """The init stops at the HOOKS step (a message to the runtime, then a wait for its
    answer: two wake-ups of the other side, 0.2-0.5 ms here) only when the runtime has work
    there: prestart or createRuntime hooks, a reader of the state (container-side hooks, a
    seccomp listener), linux.netDevices. Before: every create stopped there."""
    setup = traced().init_setup()
    assert count(setup, "sendmsg") == 0, matching(setup, "", "sendmsg")
    b = bundle(["/probe", "exit", "0"])
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/true"}]}
    setup = traced(b).init_setup()
    assert count(setup, "sendmsg") == 1, matching(setup, "", "sendmsg")
