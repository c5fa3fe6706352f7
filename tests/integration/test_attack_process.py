# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile containers against the runtime's own processes: the CVE-2019-5736 overwrite of the
# host binary through /proc/<pid>/exe of a process the runtime starts in the container, and a
# process that `exec` joins reaching the created init's /proc entries (its exe, exec.fifo,
# start.err, the runtime's socket). The attacker programs are static binaries built from
# tests/attack/ and copied into the rootfs.
import hashlib
import os
import shutil
import stat

import pytest

from lib import Runtime

pytestmark = pytest.mark.attack

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))
DENIED = ("EACCES", "EPERM")


def install_attacker(b, name):
    src = os.path.join(BUILD_DIR, "tests", "attack", name)
    if not os.access(src, os.X_OK):
        pytest.fail("attack program %s not built (meson builds tests/attack)" % src)
    dst = os.path.join(b.rootfs, name)
    shutil.copy2(src, dst)
    os.chmod(dst, 0o755)
    return "/" + name


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def facts(text):
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out.setdefault(key, []).append(value)
    return out


def test_host_binary_not_writable_through_proc_self_exe(bundle, container, runtime, test_dir):
    # CVE-2019-5736: `exec` a "#!/proc/self/exe" script into a running container while a
    # watcher inside opens /proc/<pid>/exe of every process naming it and writes through it
    # once ETXTBSY clears. The runtime under attack is a copy of the one under test, so the
    # build output is never at risk.
    copy = os.path.join(test_dir, "runtime-copy")
    shutil.copy2(runtime.binary, copy)
    before = sha256(copy)
    rt = Runtime(copy, runtime.root)
    b = bundle()
    watcher = install_attacker(b, "exe_overwrite")
    with open(os.path.join(b.rootfs, "evil"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(os.path.join(b.rootfs, "evil"), 0o755)
    b.process["args"] = [watcher, "/evil", "30", "/stop"]
    c = container(b)
    c.runtime = rt
    assert c.run(detach=True).returncode == 0
    c.wait_output("ready")
    for _ in range(30):
        r = rt.cmd("exec", c.id, "/evil")
        assert r.returncode != 0  # whatever runs as the interpreter refuses "/evil"
        if "exe_open=" in c.output():
            break
    for _ in range(5):  # a few more tries once the watcher has caught one
        rt.cmd("exec", c.id, "/evil")
    open(os.path.join(b.rootfs, "stop"), "w").close()
    out = c.wait_output("done", timeout=40)
    f = facts(out)
    assert f.get("seen"), "the watcher never saw a process naming /evil: %r" % out
    assert "write" not in f or "ok" not in f["write"], out
    assert sha256(copy) == before, "the runtime binary was modified: %r" % out
    for target in f.get("exe", []):
        assert os.path.realpath(copy) not in target, out


def test_created_init_is_closed_to_processes_that_exec_joins(bundle, container, runtime):
    # In the created state the init is still the runtime's; a process that `exec` joins must
    # not reach its /proc entries: not its exe (the host binary), not its fds (exec.fifo,
    # start.err in the state directory, the runtime's socket), not its environment.
    b = bundle(["/probe", "sleep"])
    attacker = install_attacker(b, "proc1_open")
    c = container(b)
    assert c.create().returncode == 0
    if not runtime.is_runc:
        assert os.readlink("/proc/%d/exe" % c.pid).startswith("/memfd:hutch-init")
    r = runtime.cmd("exec", c.id, attacker)
    assert r.returncode == 0, r.stderr
    f = facts(r.stdout)
    assert {"exe_path", "exe_read", "exe_readlink", "environ", "fd0", "fd1", "fd2"} <= set(f), r.stdout
    for key, values in f.items():
        assert values[0] in DENIED, "%s: %s" % (key, values[0])
    assert c.start().returncode == 0
    assert c.status() == "running"


def test_proc_self_exe_script_runs_the_sealed_helper(bundle, container, runtime):
    # "#!/proc/self/exe" exec'd in a container runs whatever the exec'ing process is: never the
    # host's runtime binary, which would run a verb; the sealed helper refuses the arguments.
    if runtime.is_runc:
        pytest.skip("checks hutch's helper")
    b = bundle(["/probe", "sleep"])
    with open(os.path.join(b.rootfs, "evil"), "w") as f:
        f.write("#!/proc/self/exe\n")
    os.chmod(os.path.join(b.rootfs, "evil"), stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP)
    c = container(b)
    assert c.run(detach=True).returncode == 0
    r = runtime.cmd("exec", c.id, "/evil")
    assert r.returncode == 126, r.stderr
    assert "hutch-init: part of the hutch container runtime" in r.stderr, r.stderr
