# SPDX-License-Identifier: GPL-2.0-or-later
# A create that fails - bad config, missing rootfs, a mount that cannot be made - reports an
# error and leaves nothing behind: no state, no mount, no process, no cgroup. Also: what a
# valid config may contain that must not fail (newer 1.x ociVersion, unknown keys).
import json
import os
import shutil
import subprocess

import pytest

from lib import assert_nothing_left, cgroup_dirs, is_alive, wait_dead

pytestmark = pytest.mark.lifecycle


def failing_create(c, runtime):
    r = c.create()
    assert r.returncode != 0
    assert r.stderr.strip(), "a failed create must say why"
    assert_nothing_left(c, runtime)
    return r


def test_missing_rootfs(bundle, container, runtime):
    b = bundle(["/probe"], rootfs=False)
    failing_create(container(b), runtime)


def test_missing_config(bundle, container, runtime):
    b = bundle(["/probe"])
    c = container(b)
    c._prepare()
    os.unlink(os.path.join(b.path, "config.json"))
    r = runtime.detached("create", "--bundle", b.path, c.id, out=c.out, err=c.err)
    assert r.returncode != 0
    assert_nothing_left(c, runtime)


def test_config_not_json(bundle, container, runtime):
    b = bundle(["/probe"])
    c = container(b)
    c._prepare()
    with open(os.path.join(b.path, "config.json"), "w") as f:
        f.write("{ this is not json")
    r = runtime.detached("create", "--bundle", b.path, c.id, out=c.out, err=c.err)
    assert r.returncode != 0
    assert_nothing_left(c, runtime)


def test_bind_mount_of_missing_source(bundle, container, runtime, test_dir):
    b = bundle(["/probe"])
    b.config["mounts"].append({"destination": "/mnt/x", "type": "bind",
                               "source": os.path.join(test_dir, "no-such-dir"), "options": ["bind"]})
    failing_create(container(b), runtime)


def test_unknown_mount_type(bundle, container, runtime):
    b = bundle(["/probe"])
    b.config["mounts"].append({"destination": "/mnt/x", "type": "nosuchfs", "source": "none"})
    failing_create(container(b), runtime)


def test_unknown_namespace_type(bundle, container, runtime):
    b = bundle(["/probe"])
    b.linux["namespaces"].append({"type": "nosuchns"})
    failing_create(container(b), runtime)


def test_unknown_rlimit(bundle, container, runtime):
    b = bundle(["/probe"])
    b.process["rlimits"] = [{"type": "RLIMIT_NOSUCH", "soft": 1, "hard": 1}]
    failing_create(container(b), runtime)


def test_missing_process_args(bundle, container, runtime):
    b = bundle(["/probe"])
    b.process["args"] = []
    failing_create(container(b), runtime)


def test_namespace_path_that_does_not_exist(bundle, container, runtime):
    b = bundle(["/probe"])
    b.add_namespace("network", "/proc/999999999/ns/net")
    failing_create(container(b), runtime)


def test_user_namespace_without_mappings(bundle, container, runtime):
    b = bundle(["/probe"])
    b.add_namespace("user")
    failing_create(container(b), runtime)


def test_newer_oci_version_is_accepted(bundle, container):
    b = bundle(["/probe"])
    b.config["ociVersion"] = "1.9.0"
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "pid=1" in r.stdout.splitlines()


def test_unknown_keys_are_ignored(bundle, container):
    b = bundle(["/probe"])
    b.config["org.example.future"] = {"x": 1}
    b.process["somethingNew"] = True
    b.linux["notYetSpecified"] = [1, 2]
    b.config["mounts"][0]["extra"] = "y"
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "pid=1" in r.stdout.splitlines()


def test_failed_create_can_be_retried_with_same_id(bundle, container, runtime, test_dir):
    b = bundle(["/probe", "exit", "0"])
    b.config["mounts"].append({"destination": "/mnt/x", "type": "bind",
                               "source": os.path.join(test_dir, "later"), "options": ["bind"]})
    c = container(b)
    failing_create(c, runtime)
    os.mkdir(os.path.join(test_dir, "later"))
    r = c.create()
    assert r.returncode == 0, r.stderr
    assert c.status() == "created"


def test_mount_label_without_selinux_is_a_clear_error(bundle, container, runtime):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is enabled on this host")
    b = bundle(["/probe"])
    b.linux["mountLabel"] = "system_u:object_r:container_file_t:s0"
    c = container(b)
    r = c.create()
    assert r.returncode != 0 and ".linux.mountLabel" in r.stderr, r.stderr
    assert_nothing_left(c, runtime)


def _half_created(c, runtime):
    """After a create that was killed: state and list show the container, delete --force
    removes every trace of it, and its id can be used again."""
    st = c.state()
    assert st.returncode == 0, st.stderr
    assert json.loads(st.stdout)["status"] in ("stopped", "creating"), st.stdout
    assert c.id in runtime.cmd("list", "-q").stdout.split()
    r = c.delete(force=True)
    assert r.returncode == 0, r.stderr
    assert_nothing_left(c, runtime)
    r = c.create()
    assert r.returncode == 0, r.stderr
    assert c.status() == "created"


@pytest.mark.skipif(not shutil.which("strace"), reason="strace not installed")
def test_create_killed_at_clone3_can_be_deleted(bundle, container, runtime):
    # SIGKILL exactly when create clones the init: the state directory and the cgroup exist,
    # the init does not
    c = container(bundle(["/probe", "sleep"]))
    c._prepare()
    argv = ["strace", "-o", "/dev/null", "-e", "trace=clone3", "-e", "inject=clone3:signal=KILL"]
    argv += runtime.argv("create", "--bundle", c.bundle.path, c.id)
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, r.stderr
    assert os.path.isdir(os.path.join(runtime.root, c.id))
    _half_created(c, runtime)


def test_create_killed_after_the_init_started_can_be_deleted(bundle, container, runtime, test_dir):
    # a prestart hook kills create once the init exists, after putting one more process into
    # the container's cgroup: delete --force must kill that one too
    b = bundle(["/probe", "sleep"])
    c = container(b)
    c._prepare()
    procs = [os.path.join(d, "cgroup.procs") for d in cgroup_dirs(c.cgroups_path)]
    pid_file = os.path.join(test_dir, "straggler.pid")
    script = ('sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > "$1"; shift; '
              'for f in "$@"; do [ -e "$f" ] && echo $! > "$f"; done; kill -9 $PPID')
    b.config["hooks"] = {"prestart": [{"path": "/bin/sh",
                                       "args": ["sh", "-c", script, "sh", pid_file] + procs}]}
    r = c.create()
    assert r.returncode != 0
    with open(pid_file) as f:
        straggler = int(f.read())
    c.known_pids.add(straggler)
    assert is_alive(straggler)
    b.config.pop("hooks")
    _half_created(c, runtime)
    assert wait_dead(straggler)


def test_memory_limit_too_low_says_so(bundle, container, runtime):
    # the kernel takes the limit for the empty cgroup and then OOM-kills the init as it is
    # set up: say what failed (runc: "unable to set memory limit to 1 ..."), not just that the
    # init went away
    b = bundle(["/probe"])
    b.linux["resources"]["memory"] = {"limit": 1}
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert "unable to set memory limit to 1" in r.stderr and "OOM" in r.stderr, r.stderr
    assert_nothing_left(c, runtime)


def test_rootfs_that_is_a_file_says_so(bundle, container, runtime):
    b = bundle(["/probe"], rootfs=False)
    with open(os.path.join(b.path, "rootfs"), "w") as f:
        f.write("not a directory\n")
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert ".root.path" in r.stderr and "Not a directory" in r.stderr, r.stderr
    assert_nothing_left(c, runtime)
