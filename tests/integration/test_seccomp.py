# SPDX-License-Identifier: GPL-2.0-or-later
# linux.seccomp, each effect checked from inside a real container: errno rules and
# defaultErrnoRet, allow lists that still run busybox sh, argument filters, KILL_PROCESS,
# TRAP, LOG, user notification with an agent on listenerPath, the Docker-default-sized
# profile, malformed profiles failing `create` cleanly, `exec` under the container's
# profile, and both load orders (noNewPrivileges true and false).
import json
import os
import subprocess
import sys
import time

import pytest

from lib import cgroup_dirs, parse_probe, pids_in_cgroup

pytestmark = pytest.mark.seccomp

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
EPERM, EACCES, SIGSYS = 1, 13, 31

# What busybox sh, the probe and the runtime's init (between loading the filter and execve,
# in either order) need on x86_64. Anything else gets the default action.
ALLOW = [
    # memory, process start-up and exit
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "arch_prctl", "set_tid_address",
    "set_robust_list", "rseq", "prlimit64", "getrlimit", "getrandom", "futex", "execve",
    "execveat", "exit", "exit_group", "uname", "sysinfo", "sched_getaffinity", "sched_yield",
    # files
    "read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "close",
    "close_range", "stat", "fstat", "lstat", "newfstatat", "statx", "lseek", "access",
    "faccessat", "faccessat2", "readlink", "readlinkat", "getdents64", "fcntl", "ioctl", "dup",
    "dup2", "dup3", "pipe", "pipe2", "getcwd", "chdir", "fchdir", "umask", "statfs", "fstatfs",
    "poll", "ppoll", "select", "pselect6",
    # processes and signals
    "clone", "clone3", "fork", "vfork", "wait4", "waitid", "kill", "tgkill", "getpid",
    "getppid", "gettid", "getpgrp", "getpgid", "setpgid", "getsid", "setsid", "rt_sigaction",
    "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "sigaltstack", "nanosleep",
    "clock_nanosleep", "clock_gettime", "gettimeofday", "time", "times", "alarm", "pause",
    # identity (the init switches user and drops capabilities under an early-loaded filter)
    "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
    "setuid", "setgid", "setresuid", "setresgid", "setgroups", "capget", "capset", "prctl",
    # the sync socket to the runtime
    "sendmsg", "recvmsg", "sendto", "recvfrom",
]


def profile(default="SCMP_ACT_ALLOW", syscalls=(), **extra):
    p = {"defaultAction": default, "architectures": list(ARCHES), "syscalls": list(syscalls)}
    p.update(extra)
    return p


def rule(names, action, **extra):
    r = {"names": list(names), "action": action}
    r.update(extra)
    return r


def allow_list(default="SCMP_ACT_ERRNO", **extra):
    return profile(default, [rule(ALLOW, "SCMP_ACT_ALLOW")], **extra)


DENY_MKDIR = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=EPERM)])


def run_probe(container, b):
    r = container(b).run()
    return r, parse_probe(r.stdout)


def test_mkdir_denied_inside_works_on_host(bundle, container, test_dir):
    b = bundle(["/probe", "mkdir", "/newdir"])
    b.linux["seccomp"] = DENY_MKDIR
    r, f = run_probe(container, b)
    assert f.get("error") == "EPERM", r.stdout + r.stderr
    assert not os.path.exists(os.path.join(b.rootfs, "newdir"))
    # the host runs without the filter
    os.mkdir(os.path.join(test_dir, "host-dir"))


def test_errno_default_with_allow_list_runs_sh(bundle, container):
    b = bundle(["sh", "-c", "echo from-sh; /probe; /probe mkdir /denied"])
    b.linux["seccomp"] = allow_list()
    r, f = run_probe(container, b)
    assert "from-sh" in r.stdout, r.stdout + r.stderr
    assert f["Seccomp"] == "2"
    # mkdir is not on the list: the default action, EPERM without defaultErrnoRet
    assert f.get("error") == "EPERM", r.stdout + r.stderr


def test_default_errno_ret(bundle, container):
    b = bundle(["/probe", "mkdir", "/denied"])
    b.linux["seccomp"] = allow_list(defaultErrnoRet=EACCES)
    r, f = run_probe(container, b)
    assert f.get("error") == "EACCES", r.stdout + r.stderr


def test_errno_ret_of_a_rule(bundle, container):
    b = bundle(["/probe", "mkdir", "/denied"])
    b.linux["seccomp"] = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO",
                                                errnoRet=EACCES)])
    r, f = run_probe(container, b)
    assert f.get("error") == "EACCES", r.stdout + r.stderr


@pytest.mark.parametrize("persona,want", [(0, "ok"), (8, "EPERM")])
def test_argument_filter(persona, want, bundle, container):
    # personality is allowed only for PER_LINUX (0); 8 (PER_LINUX32) hits the default
    b = bundle(["/probe", "personality", str(persona)])
    b.linux["seccomp"] = profile("SCMP_ACT_ERRNO", [
        rule(ALLOW, "SCMP_ACT_ALLOW"),
        rule(["personality"], "SCMP_ACT_ALLOW", args=[{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]),
    ])
    r, f = run_probe(container, b)
    if want == "ok":
        assert r.returncode == 0 and "ok" in r.stdout.split(), r.stdout + r.stderr
    else:
        assert f.get("error") == want, r.stdout + r.stderr


def test_masked_eq_argument_filter(bundle, container):
    # deny personality values with bit 3 set, whatever the rest
    b = bundle(["sh", "-c", "/probe personality 0; /probe personality 0x0108"])
    b.linux["seccomp"] = profile(syscalls=[rule(
        ["personality"], "SCMP_ACT_ERRNO", errnoRet=EACCES,
        args=[{"index": 0, "value": 8, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}])])
    r = container(b).run()
    lines = r.stdout.split()
    assert lines[0] == "ok" and "error=EACCES" in lines, r.stdout + r.stderr


def test_kill_process(bundle, container):
    b = bundle(["/probe", "mkdir", "/killed"])
    b.linux["seccomp"] = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_KILL_PROCESS")])
    r = container(b).run()
    assert r.returncode == 128 + SIGSYS, r.stdout + r.stderr
    assert "ok" not in r.stdout.split()


def test_kill_thread_ends_the_single_threaded_init(bundle, container):
    # SCMP_ACT_KILL is KILL_THREAD; the init has one thread, so it dies by SIGSYS too
    b = bundle(["/probe", "mkdir", "/killed"])
    b.linux["seccomp"] = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_KILL")])
    r = container(b).run()
    assert r.returncode == 128 + SIGSYS, r.stdout + r.stderr


def test_newer_syscalls_get_enosys(bundle, container):
    # with a refusing default, numbers above the highest one the profile names answer ENOSYS
    # (so libc falls back), holes below it get the default action
    top = 450  # set_mempolicy_home_node, newer than anything in ALLOW
    b = bundle(["sh", "-c", "/probe syscall %d; /probe syscall 170" % top])
    b.linux["seccomp"] = allow_list(defaultErrnoRet=EACCES)
    r = container(b).run()
    errors = [line for line in r.stdout.split() if line.startswith("error=")]
    assert errors == ["error=ENOSYS", "error=EACCES"], r.stdout + r.stderr


def test_filter_flags(bundle, container, features):
    flags = features.get("linux", {}).get("seccomp", {}).get("supportedFlags", [])
    want = [f for f in ("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                        "SECCOMP_FILTER_FLAG_LOG") if f in flags]
    if not want:
        pytest.skip("the runtime announces no supported seccomp flags")
    b = bundle(["/probe", "mkdir", "/denied"])
    b.linux["seccomp"] = dict(DENY_MKDIR, flags=want)
    r, f = run_probe(container, b)
    assert f.get("error") == "EPERM", r.stdout + r.stderr


def test_trap_delivers_sigsys(bundle, container):
    b = bundle(["/probe", "sigsys-mkdir", "/trapped"])
    b.linux["seccomp"] = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_TRAP")])
    r, f = run_probe(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f["sigsys"] == f["mkdir_nr"]
    assert not os.path.exists(os.path.join(b.rootfs, "trapped"))


def test_log_lets_the_call_through(bundle, container):
    b = bundle(["/probe", "mkdir", "/logged"])
    b.linux["seccomp"] = profile(syscalls=[rule(["mkdir", "mkdirat"], "SCMP_ACT_LOG")])
    r = container(b).run()
    assert r.returncode == 0 and r.stdout.split() == ["ok"], r.stdout + r.stderr
    assert os.path.isdir(os.path.join(b.rootfs, "logged"))


@pytest.fixture
def agent(test_dir):
    """Factory: agent(value) -> (socket path, result path); the agent is killed at the end."""
    procs = []

    def start(value):
        sock = os.path.join(test_dir, "agent.sock")
        out = os.path.join(test_dir, "agent.json")
        p = subprocess.Popen([sys.executable, os.path.join(REPO, "tests", "helpers", "seccomp_agent.py"),
                              sock, out, str(value)], stdout=subprocess.PIPE, text=True)
        procs.append(p)
        assert p.stdout.readline().strip() == "ready"
        return sock, out, p

    yield start
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait()


@pytest.mark.parametrize("nnp,user,flags", [
    (True, 0, []),
    (False, 0, []),
    # a listener from a filter loaded before the switch to another user, with the flags
    # that only apply to listeners
    (False, 1000, ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]),
])
def test_notify_agent_answers(nnp, user, flags, bundle, container, agent, features):
    supported = features.get("linux", {}).get("seccomp", {}).get("supportedFlags", [])
    if any(f not in supported for f in flags):
        pytest.skip("the runtime does not support %s here" % flags)
    sock, out, proc = agent(4242)
    b = bundle(["sh", "-c", "/probe getppid; /probe mkdir /notified; /probe"])
    b.process["noNewPrivileges"] = nnp
    b.process["user"] = {"uid": user, "gid": user}
    b.linux["seccomp"] = profile(
        syscalls=[rule(["getppid", "mkdir", "mkdirat"], "SCMP_ACT_NOTIFY")],
        listenerPath=sock, listenerMetadata="test-metadata", flags=flags)
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stdout + r.stderr
    f = parse_probe(r.stdout)
    # the agent's answers, not the kernel's: a made-up parent, a mkdir that did nothing
    assert f["getppid"] == "4242"
    assert "ok" in r.stdout.split()
    assert not os.path.exists(os.path.join(b.rootfs, "notified"))
    assert f["Seccomp"] == "2"
    proc.wait(timeout=30)
    with open(out) as fh:
        got = json.load(fh)
    st = got["state"]
    assert got["fds"] == 1
    assert st["ociVersion"]
    assert st["fds"] == ["seccompFd"]
    assert st["metadata"] == "test-metadata"
    assert isinstance(st["pid"], int) and st["pid"] > 0
    assert st["state"]["id"] == c.id
    assert st["state"]["pid"] == st["pid"]
    assert os.path.realpath(st["state"]["bundle"]) == os.path.realpath(b.path)
    assert len(got["answered"]) >= 2


def test_notify_without_agent_fails_create_cleanly(bundle, container, state_root, test_dir):
    sock = os.path.join(test_dir, "nobody-listens.sock")
    b = bundle(["/probe", "getppid"])
    b.linux["seccomp"] = profile(syscalls=[rule(["getppid"], "SCMP_ACT_NOTIFY")], listenerPath=sock)
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert sock in r.stderr, r.stderr
    assert c.state().returncode != 0
    assert c.id not in os.listdir(state_root)
    assert not [d for d in cgroup_dirs(c.cgroups_path) if os.path.isdir(d)]
    assert not pids_in_cgroup(c.cgroups_path)


@pytest.mark.parametrize("nnp", [True, False])
def test_default_profile_runs_sh_and_probe(nnp, bundle, container):
    with open(os.path.join(REPO, "tests", "fixtures", "seccomp", "default-profile.json")) as fh:
        prof = json.load(fh)["linux"]["seccomp"]
    assert sum(len(r["names"]) for r in prof["syscalls"]) > 300
    b = bundle(["sh", "-c", "echo from-sh; ls / >/dev/null && /probe"])
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = prof
    r, f = run_probe(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "from-sh" in r.stdout
    assert f["Seccomp"] == "2"


@pytest.mark.parametrize("where,bad,path", [
    ("action", "SCMP_ACT_FOO", ".linux.seccomp.syscalls[1].action"),
    ("arch", "SCMP_ARCH_PDP11", ".linux.seccomp.architectures[1]"),
    ("op", "SCMP_CMP_ALMOST", ".linux.seccomp.syscalls[1].args[0].op"),
])
def test_malformed_profile_fails_create_cleanly(where, bad, path, bundle, container, state_root):
    p = profile(syscalls=[rule(["getpid"], "SCMP_ACT_ALLOW"),
                          rule(["personality"], "SCMP_ACT_ERRNO",
                               args=[{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}])])
    if where == "action":
        p["syscalls"][1]["action"] = bad
    elif where == "arch":
        p["architectures"] = ["SCMP_ARCH_X86_64", bad]
    else:
        p["syscalls"][1]["args"][0]["op"] = bad
    b = bundle(["/probe", "sleep"])
    b.linux["seccomp"] = p
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert path in r.stderr and bad in r.stderr, r.stderr
    # nothing behind: no state, no cgroup, no process
    assert c.state().returncode != 0
    assert c.id not in os.listdir(state_root)
    assert not [d for d in cgroup_dirs(c.cgroups_path) if os.path.isdir(d)]
    assert not pids_in_cgroup(c.cgroups_path)
    rootfs = os.path.realpath(b.rootfs)
    for pid in os.listdir("/proc"):
        try:
            assert os.readlink("/proc/%s/root" % pid) != rootfs, "process %s lives in the rootfs" % pid
        except (OSError, ValueError):
            pass


def wait_running(c, timeout=10.0):
    deadline = time.monotonic() + timeout
    while c.status() != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize("nnp", [True, False])
def test_exec_gets_the_container_profile(nnp, bundle, container, runtime):
    b = bundle(["/probe", "sleep"])
    b.process["noNewPrivileges"] = nnp
    b.linux["seccomp"] = DENY_MKDIR
    c = container(b)
    assert c.run(detach=True).returncode == 0
    wait_running(c)
    r = runtime.cmd("exec", c.id, "/probe")
    assert r.returncode == 0, r.stdout + r.stderr
    assert parse_probe(r.stdout)["Seccomp"] == "2"
    r = runtime.cmd("exec", c.id, "/probe", "mkdir", "/from-exec")
    assert parse_probe(r.stdout).get("error") == "EPERM", r.stdout + r.stderr
    assert not os.path.exists(os.path.join(b.rootfs, "from-exec"))


@pytest.mark.parametrize("nnp", [True, False])
@pytest.mark.parametrize("user", [0, 1000])
def test_strict_allow_list_both_orders(nnp, user, bundle, container):
    # noNewPrivileges false loads the filter before the init drops capabilities and switches
    # user, so those calls run under it; true loads it right before execve
    b = bundle(["sh", "-c", "echo from-sh; /probe"])
    b.process["noNewPrivileges"] = nnp
    b.process["user"] = {"uid": user, "gid": user, "additionalGids": [user + 1]}
    b.linux["seccomp"] = allow_list(defaultErrnoRet=EACCES)
    r, f = run_probe(container, b)
    assert r.returncode == 0 and "from-sh" in r.stdout, r.stdout + r.stderr
    assert f["Seccomp"] == "2"
    assert f["NoNewPrivs"] == ("1" if nnp else "0")
    assert f["uid"] == str(user)
    assert f["CapEff"] == ("%016x" % ((1 << 5) | (1 << 10) | (1 << 29)) if user == 0 else "0" * 16)
