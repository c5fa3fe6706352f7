# SPDX-License-Identifier: GPL-2.0-or-later
# Illegal transitions, duplicate and invalid ids, and unknown ids: each must fail with the
# wording engines match on, and must leave nothing behind.
import os

import pytest

from lib import state_dirs, wait_dead

pytestmark = pytest.mark.lifecycle


def test_start_twice_fails(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    r = c.start()
    assert r.returncode != 0
    err = r.stderr.lower()
    assert "not created" in err or "already running" in err, r.stderr
    assert c.status() == "running"


def test_start_stopped_container_fails(bundle, container):
    c = container(bundle(["/probe", "exit", "0"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    r = c.start()
    assert r.returncode != 0
    err = r.stderr.lower()
    assert "cannot start a container that has stopped" in err or "not created" in err, r.stderr


def test_delete_running_without_force_fails(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    r = c.delete()
    assert r.returncode != 0
    assert "cannot delete container" in r.stderr and "not stopped" in r.stderr, r.stderr
    assert c.status() == "running"


def test_delete_force_kills_running_container(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    pid = c.pid
    r = c.delete(force=True)
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    assert "does not exist" in c.state().stderr


def test_delete_created_container_without_force(bundle, container):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    pid = c.pid
    r = c.delete()
    assert r.returncode == 0, r.stderr
    assert wait_dead(pid)
    assert "does not exist" in c.state().stderr


def test_delete_force_of_unknown_container_succeeds(runtime):
    # as with runc: podman's exit command and `podman rm` race to delete the same container,
    # and the loser must not fail (podman then leaves the container "stopped")
    r = runtime.cmd("delete", "--force", "no-such-container")
    assert r.returncode == 0, r.stderr


def test_delete_of_unknown_container_says_does_not_exist(runtime):
    # containerd ignores a delete failure that says "does not exist"
    r = runtime.cmd("delete", "no-such-container")
    assert r.returncode != 0 and "does not exist" in r.stderr, r.stderr


def test_duplicate_id_fails_and_keeps_first(bundle, container):
    b = bundle(["/probe", "sleep"])
    c1 = container(b, id="dup-id")
    assert c1.create().returncode == 0
    pid = c1.pid
    c2 = container(bundle(["/probe", "sleep"]), id="dup-id")
    r = c2.create()
    assert r.returncode != 0
    assert "exists" in r.stderr.lower(), r.stderr
    st = c1.state_json()
    assert st["pid"] == pid and st["status"] == "created"
    assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path)


def test_run_with_duplicate_id_fails(bundle, container):
    c1 = container(bundle(["/probe", "sleep"]), id="dup-run")
    assert c1.create().returncode == 0
    c2 = container(bundle(["/probe", "exit", "0"]), id="dup-run")
    r = c2.run()
    assert r.returncode != 0
    assert "exists" in r.stderr.lower(), r.stderr
    assert c1.status() == "created"


@pytest.mark.parametrize("bad_id", ["../x", "a/b", "", "..", ".", "/abs"])
def test_invalid_id_rejected(bad_id, bundle, container, runtime, test_dir):
    c = container(bundle(["/probe", "sleep"]), id=bad_id)
    before = set(os.listdir(os.path.dirname(runtime.root)))
    r = c.create()
    assert r.returncode != 0
    assert r.stderr.strip()
    assert state_dirs(runtime.root) == []
    assert set(os.listdir(os.path.dirname(runtime.root))) == before
    assert not os.path.exists(os.path.join(runtime.root, "..", "x"))


VERBS_ON_ID = [
    ["start"],
    ["state"],
    ["kill"],
    ["kill", "--all"],
    ["delete"],
    ["pause"],
    ["resume"],
    ["ps"],
    ["exec"],
    ["update", "--pids-limit", "10"],
    ["events"],
]


@pytest.mark.parametrize("verb", VERBS_ON_ID, ids=lambda v: "-".join(v))
def test_verb_on_unknown_id_says_does_not_exist(verb, runtime):
    args = list(verb) + ["no-such-container"]
    if verb[0] == "exec":
        args.append("true")
    r = runtime.cmd(*args, timeout=20)
    assert r.returncode != 0
    assert "does not exist" in r.stderr, r.stderr


def test_concurrent_starts_are_serialised(bundle, container, runtime):
    # the per-container lock: of several simultaneous starts exactly one runs it
    import subprocess
    c = container(bundle(["/probe", "sleep", "30"]))
    assert c.create().returncode == 0
    procs = [subprocess.Popen([runtime.binary, "--root", runtime.root, "start", c.id],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(6)]
    results = [(p.wait(timeout=30), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert sum(1 for rc, _ in results if rc == 0) == 1, results
    for rc, err in results:
        assert rc == 0 or "already running" in err or "has stopped" in err, err
    assert c.delete(force=True).returncode == 0


def test_failed_exec_exits_255_unlike_the_process(bundle, container, runtime, test_dir):
    # engines tell "the runtime failed" (255, as runc) from "the process exited 1"
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    r = runtime.cmd("exec", c.id, "/probe", "exit", "1")
    assert r.returncode == 1, r.stderr
    r = runtime.cmd("exec", "--pid-file", os.path.join(test_dir, "no-such-dir", "pid"), c.id, "true")
    assert r.returncode == 255, r.stderr
    assert "exec failed" in r.stderr, r.stderr
    assert runtime.cmd("pause", c.id).returncode == 0
    r = runtime.cmd("exec", c.id, "true")
    assert r.returncode == 255 and "paused" in r.stderr, r.stderr
    assert runtime.cmd("resume", c.id).returncode == 0
    r = runtime.cmd("exec", "no-such-container", "true")
    assert r.returncode == 255 and "does not exist" in r.stderr, r.stderr


SECCOMP_ARCHS = ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64",
                 "SCMP_ARCH_ARM"]


def test_start_container_hook_runs_under_the_seccomp_filter(bundle, container):
    # as runc: a startContainer hook runs in the container, under its filter, so a hook that
    # makes a forbidden call fails the run (noNewPrivileges true: the filter is loaded last)
    b = bundle(["/bin/true"])
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": SECCOMP_ARCHS,
                          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}
    b.config["hooks"] = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /dev/shm/foo"]}]}
    assert b.process["noNewPrivileges"] is True
    r = container(b).run()
    assert r.returncode != 0
    assert "startContainer" in r.stderr, r.stderr
    assert "bad system call" in r.stderr.lower() or "signal 31" in r.stderr, r.stderr


@pytest.mark.parametrize("path,wording", [
    ("/no/such/agent.sock", "failed to connect with seccomp agent"),
    ("@abstract-agent", "expected an absolute path"),
    ("", "required when SCMP_ACT_NOTIFY is used"),
])
def test_seccomp_listener_without_an_agent_is_an_error(path, wording, bundle, container, runtime):
    b = bundle(["/bin/true"])
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": SECCOMP_ARCHS,
                          "listenerPath": path,
                          "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}
    c = container(b)
    r = c.run()
    assert r.returncode != 0 and wording in r.stderr, r.stderr
    assert "does not exist" in c.state().stderr


def test_seccomp_notify_on_write_is_refused(bundle, container):
    # the container's setup writes before the agent holds the listener fd: notifying write
    # would wait for ever (runc refuses it with the same words)
    b = bundle(["/bin/true"])
    b.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": SECCOMP_ARCHS,
                          "listenerPath": "/run/agent.sock",
                          "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}
    r = container(b).run(timeout=20)
    assert r.returncode > 0
    assert "SCMP_ACT_NOTIFY cannot be used for the write syscall" in r.stderr, r.stderr


@pytest.mark.parametrize("change,message", [
    (lambda b: b.linux.setdefault("resources", {}).update({"pids": {"limit": "10"}}),
     "config.json: .linux.resources.pids.limit: expected integer, got string"),
    (lambda b: b.process.update({"rlimits": [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]}),
     'config.json: .process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"'),
    (lambda b: b.process.update({"cwd": "/etc/passwd"}),
     "config.json: .process.cwd: /etc/passwd is not a directory"),
    (lambda b: b.process.update({"selinuxLabel": "system_u:system_r:container_t:s0"})
     if not os.path.exists("/sys/fs/selinux/enforce") else pytest.skip("SELinux is enabled"),
     "config.json: .process.selinuxLabel: SELinux is not enabled on this host"),
], ids=["parser", "name-table", "container-side", "runtime-side"])
def test_config_errors_name_the_field_one_way(change, message, bundle, container):
    # whoever finds it - the parser, the checks, the runtime or the container's set-up - an
    # error about a field of config.json names it as "config.json: .path: ..." (STYLE.md)
    b = bundle(["/bin/true"])
    change(b)
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert r.stderr == "hutch: " + message + "\n", r.stderr
    assert "does not exist" in c.state().stderr
