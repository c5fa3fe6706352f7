# SPDX-License-Identifier: GPL-2.0-or-later
# OCI hooks: every type runs once, in lifecycle order, with the state JSON on stdin, args
# and env as given; createContainer runs in the container's namespaces before pivot_root
# (host paths) with the container's root as working directory, startContainer after it
# (container paths); hooks get the state on stdin, fds 0-2 only, and the runtime's environment
# when they set none; a failing or timed-out prestart/createRuntime/createContainer hook fails
# create and leaves nothing behind.
import json
import os
import subprocess
import time

import pytest

from lib import assert_nothing_left, parse_probe

pytestmark = pytest.mark.hooks

# Hooks whose paths are the host's: all but startContainer.
HOST_HOOKS = ("prestart", "createRuntime", "createContainer", "poststart", "poststop")
CONTAINER_HOOKS = ("startContainer",)
ORDER = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def _hook(name, log, state_dir, extra=""):
    """A hook that appends its name to log and saves its stdin (the state) in state_dir."""
    script = 'echo %s >> %s; cat > %s/%s.json; %s' % (name, log, state_dir, name, extra)
    return {"path": "/bin/sh", "args": ["sh", "-c", script]}


def hooked_bundle(bundle, args=("/probe", "exit", "0")):
    b = bundle(list(args))
    host_log = os.path.join(b.rootfs, "hooks.log")
    hooks = {}
    for name in HOST_HOOKS:
        hooks[name] = [_hook(name, host_log, b.path)]
    for name in CONTAINER_HOOKS:
        # runs in the container's namespaces: paths are the container's
        hooks[name] = [_hook(name, "/hooks.log", "")]
    b.config["hooks"] = hooks
    return b


def _read_log(b):
    path = os.path.join(b.rootfs, "hooks.log")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().split()


def test_all_hooks_run_in_order(bundle, container, runtime):
    if runtime.is_runc:
        pytest.xfail("runc 1.1 runs poststart during create (opencontainers/runc#4347)")
    b = hooked_bundle(bundle)
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    assert _read_log(b) == ["prestart", "createRuntime", "createContainer"]
    assert c.start().returncode == 0, r.stderr
    c.wait_status("stopped")
    assert c.delete().returncode == 0
    assert _read_log(b) == ORDER


def test_hooks_get_state_on_stdin(bundle, container):
    b = hooked_bundle(bundle, ["/probe", "sleep"])
    c = container(b)
    assert c.create().returncode == 0
    pid = c.pid
    assert c.start().returncode == 0
    assert c.delete(force=True).returncode == 0
    for name in HOST_HOOKS:
        with open(os.path.join(b.path, name + ".json")) as f:
            st = json.load(f)
        assert st["id"] == c.id, name
        assert os.path.realpath(st["bundle"]) == os.path.realpath(b.path), name
        assert st["ociVersion"].startswith("1."), name
        # createContainer runs inside the pid namespace, where the init may be pid 1
        if name not in ("poststop", "createContainer"):
            assert st["pid"] == pid, name
    for name in CONTAINER_HOOKS:
        with open(os.path.join(b.rootfs, name + ".json")) as f:
            st = json.load(f)
        assert st["id"] == c.id, name


def test_container_hooks_run_inside_container(bundle, container):
    b = bundle(["/probe", "exit", "0"])
    b.config["hostname"] = "hooked"
    b.config["hooks"] = {
        "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat /proc/self/mountinfo > %s/cc.out" % b.path]}],
        "prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "hostname > %s/pre.out" % b.path]}],
        "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "hostname > /sc.out; ls / > /ls.out"]}],
    }
    c = container(b)
    assert c.create().returncode == 0
    # createContainer sees the container's mounts (its mount namespace, before pivot_root)
    with open(os.path.join(b.path, "cc.out")) as f:
        points = [line.split()[4] for line in f]
    assert os.path.join(os.path.realpath(b.rootfs), "proc") in points
    with open(os.path.join(b.path, "pre.out")) as f:
        assert f.read().strip() == os.uname().nodename
    assert c.start().returncode == 0
    c.wait_status("stopped")
    with open(os.path.join(b.rootfs, "sc.out")) as f:
        assert f.read().strip() == "hooked"
    with open(os.path.join(b.rootfs, "ls.out")) as f:
        assert "probe" in f.read().split()


def test_hook_args_and_env(bundle, container):
    b = bundle(["/probe", "exit", "0"])
    out = os.path.join(b.path, "hook.out")
    b.config["hooks"] = {"prestart": [{
        "path": "/bin/sh",
        "args": ["sh", "-c", 'echo "$0|$1|$HOOK_VAR|$PATH" > %s' % out, "arg zero", "arg one"],
        "env": ["HOOK_VAR=hello", "PATH=/hookpath"],
    }]}
    c = container(b)
    assert c.create().returncode == 0
    with open(out) as f:
        assert f.read().strip() == "arg zero|arg one|hello|/hookpath"


def test_several_hooks_of_one_type_run_in_order(bundle, container):
    b = bundle(["/probe", "exit", "0"])
    log = os.path.join(b.path, "multi.log")
    b.config["hooks"] = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "echo %d >> %s" % (i, log)]}
                                           for i in range(3)]}
    c = container(b)
    assert c.create().returncode == 0
    with open(log) as f:
        assert f.read().split() == ["0", "1", "2"]


@pytest.mark.parametrize("hook", ["prestart", "createRuntime", "createContainer"])
def test_failing_hook_fails_create_and_leaves_nothing(hook, bundle, container, runtime):
    b = bundle(["/probe", "sleep"])
    log = os.path.join(b.path, "fail.json")
    b.config["hooks"] = {hook: [{"path": "/bin/sh", "args": ["sh", "-c", "cat > %s; exit 7" % log]}]}
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert r.stderr.strip()
    pid = None
    if os.path.exists(log):
        with open(log) as f:
            text = f.read()
        if text and hook != "createContainer":
            pid = json.loads(text).get("pid")
    assert_nothing_left(c, runtime, pid)


def test_hook_timeout_fails_create(bundle, container, runtime):
    b = bundle(["/probe", "sleep"])
    b.config["hooks"] = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    c = container(b)
    t0 = time.monotonic()
    r = c.create()
    assert r.returncode != 0
    assert time.monotonic() - t0 < 20
    assert_nothing_left(c, runtime)


def test_missing_hook_binary_fails_create(bundle, container, runtime):
    b = bundle(["/probe", "sleep"])
    b.config["hooks"] = {"createRuntime": [{"path": "/no/such/hook"}]}
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert_nothing_left(c, runtime)


def test_poststop_runs_on_delete_of_created_container(bundle, container):
    b = bundle(["/probe", "sleep"])
    log = os.path.join(b.path, "poststop.log")
    b.config["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "echo ran >> %s" % log]}]}
    c = container(b)
    assert c.create().returncode == 0
    assert not os.path.exists(log)
    assert c.delete().returncode == 0
    with open(log) as f:
        assert f.read().split() == ["ran"]


def test_poststart_waits_for_a_slow_start_container_hook(bundle, container, runtime):
    # poststart runs after the user process started: a startContainer hook that takes
    # its time must still come first (start waits for the init's exec)
    if runtime.binary.endswith("/runc"):
        pytest.xfail("runc 1.1 runs poststart during create (opencontainers/runc#4347)")
    b = hooked_bundle(bundle)
    b.config["hooks"]["startContainer"] = [
        {"path": "/bin/sh", "args": ["sh", "-c", "sleep 0.5; echo startContainer >> /hooks.log"]}]
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    assert _read_log(b)[:5] == ORDER[:5]


def _with_fds(test_dir, argv):
    """argv run from a shell that opens fds 3 and 4 first, as a caller that leaks fds would."""
    leak = os.path.join(test_dir, "leaked")
    return ["sh", "-c", 'exec 3>>"$1" 4>>"$1"; shift; exec "$@"', "sh", leak] + argv


def _run_with_fds(runtime, test_dir, c, *args):
    argv = _with_fds(test_dir, runtime.argv(*args))
    with open(c.out, "ab") as out, open(c.err, "ab") as err:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, timeout=60)


@pytest.mark.attack
def test_hooks_get_only_stdio(bundle, container, runtime, test_dir):
    # runtime.md: a hook gets the state on stdin; nothing else of the runtime or its caller
    # (here fds 3 and 4 of the caller) may reach it
    b = bundle(["/probe", "exit", "0"])
    probe = os.path.join(b.rootfs, "probe")
    hooks = {}
    for name in HOST_HOOKS:
        out = os.path.join(b.path, name + ".fds")
        hooks[name] = [{"path": "/bin/sh", "args": ["sh", "-c", "exec %s > %s" % (probe, out)]}]
    hooks["startContainer"] = [{"path": "/bin/sh", "args": ["sh", "-c", "exec /probe > /startContainer.fds"]}]
    b.config["hooks"] = hooks
    c = container(b)
    c._prepare()
    assert _run_with_fds(runtime, test_dir, c, "create", "--bundle", b.path, c.id).returncode == 0, \
        c.stderr_output()
    assert _run_with_fds(runtime, test_dir, c, "start", c.id).returncode == 0, c.stderr_output()
    c.wait_status("stopped")
    assert _run_with_fds(runtime, test_dir, c, "delete", c.id).returncode == 0, c.stderr_output()
    outs = {name: os.path.join(b.path, name + ".fds") for name in HOST_HOOKS}
    outs["startContainer"] = os.path.join(b.rootfs, "startContainer.fds")
    for name, path in outs.items():
        with open(path) as f:
            assert parse_probe(f.read())["fd"] == ["0", "1", "2"], name


def test_hooks_without_env_get_the_runtimes(bundle, container, runtime):
    # config.md: env has the semantics of environ, so a hook that sets none inherits the
    # runtime's environment (runc and crun do the same)
    b = bundle(["/probe", "exit", "0"])
    hooks = {}
    for name in HOST_HOOKS:
        out = os.path.join(b.path, name + ".env")
        hooks[name] = [{"path": "/bin/sh", "args": ["sh", "-c", 'echo "$HOOK_TEST_VAR" > %s' % out]}]
    hooks["startContainer"] = [{"path": "/bin/sh",
                                "args": ["sh", "-c", 'echo "$HOOK_TEST_VAR" > /startContainer.env']}]
    b.config["hooks"] = hooks
    c = container(b)
    c._prepare()
    env = dict(os.environ, HOOK_TEST_VAR="from-the-runtime")
    r = runtime.detached("create", "--bundle", b.path, c.id, out=c.out, err=c.err, env=env)
    assert r.returncode == 0, r.stderr
    assert runtime.cmd("start", c.id, env=env).returncode == 0
    c.wait_status("stopped")
    assert runtime.cmd("delete", c.id, env=env).returncode == 0
    outs = {name: os.path.join(b.path, name + ".env") for name in HOST_HOOKS}
    outs["startContainer"] = os.path.join(b.rootfs, "startContainer.env")
    for name, path in outs.items():
        with open(path) as f:
            assert f.read().strip() == "from-the-runtime", name


def test_create_container_hook_runs_in_the_container_root(bundle, container, test_dir):
    # runc runs createContainer hooks with the container's root as working directory: a
    # relative path in the hook resolves inside the container (before pivot_root, its host
    # path)
    b = bundle(["/probe", "exit", "0"])
    out = os.path.join(test_dir, "cc.cwd")
    b.config["hooks"] = {"createContainer": [
        {"path": "/bin/sh", "args": ["sh", "-c", "pwd -P > %s; test -x probe && echo found >> %s" % (out, out)]}]}
    c = container(b)
    assert c.create().returncode == 0, c.stderr_output()
    with open(out) as f:
        assert f.read().split() == [os.path.realpath(b.rootfs), "found"]


def test_container_side_hooks_never_run_the_runtime_binary(bundle, container):
    # A startContainer hook's path resolves in the container, so a hostile image can make it a
    # "#!/proc/self/exe" script: the kernel then runs whatever the hook's process is. The
    # runtime starts such hooks through its sealed helper, which refuses to be a script
    # interpreter; the runtime's own binary must never run in there (CVE-2019-5736).
    b = bundle(["/probe", "exit", "0"])
    with open(os.path.join(b.rootfs, "hook"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(os.path.join(b.rootfs, "hook"), 0o755)
    b.config["hooks"] = {"startContainer": [{"path": "/hook"}]}
    c = container(b)
    assert c.create().returncode == 0, c.stderr_output()
    r = c.start()
    assert r.returncode != 0
    assert "hutch-init: part of the hutch container runtime" in r.stderr, r.stderr


def test_container_side_hooks_get_a_state_larger_than_a_message(bundle, container, test_dir):
    # the state handed to the container side has every annotation: 200 KiB of them do not fit
    # in one message of the runtime's protocol and go through a sealed memfd
    b = bundle(["/probe", "exit", "0"])
    b.config["annotations"] = {"org.example.a%04d" % i: "x" * 1000 for i in range(200)}
    out = os.path.join(test_dir, "cc.state")
    b.config["hooks"] = {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "cat > %s" % out]}]}
    c = container(b)
    assert c.create().returncode == 0, c.stderr_output()
    with open(out) as f:
        state = json.load(f)
    assert state["id"] == c.id and state["annotations"] == b.config["annotations"]
