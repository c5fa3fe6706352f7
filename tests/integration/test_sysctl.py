# SPDX-License-Identifier: GPL-2.0-or-later
# linux.sysctl: a sysctl is written only into a namespace of the container's own (as runc
# validates it): IPC sysctls need an IPC namespace, net.* a network namespace,
# kernel.hostname/kernel.domainname a UTS namespace; anything else is refused.
#
# Every runtime call here runs inside throw-away `unshare -n -i -u` namespaces, so that even
# a regression that wrote a sysctl into "the host's" namespaces would only touch those.
import subprocess

import pytest

pytestmark = pytest.mark.mounts

THROWAWAY = ["unshare", "-n", "-i", "-u"]


def _run(c, prefix=THROWAWAY):
    c._prepare()
    argv = prefix + c.runtime.argv("run", "--bundle", c.bundle.path, c.id)
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    print("$ %s\n-> rc=%s\nstdout: %s\nstderr: %s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def _host_value(key):
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        return f.read().strip()


def _throwaway_value(key):
    path = "/proc/sys/" + key.replace(".", "/")
    return subprocess.run(THROWAWAY + ["cat", path], capture_output=True, text=True).stdout


@pytest.mark.parametrize("key,value,drop,wording", [
    ("fs.mqueue.queues_max", "77", "ipc", "ipc namespace"),
    ("kernel.shmmax", "4096", "ipc", "ipc namespace"),
    ("kernel.sem", "250 32000 32 77", "ipc", "ipc namespace"),
    ("net.ipv4.ping_group_range", "0 7", "network", "network namespace"),
    ("net/ipv4/ip_forward", "1", "network", "network namespace"),
    ("kernel.domainname", "x.test", "uts", "UTS namespace"),
])
def test_sysctl_needs_the_containers_own_namespace(key, value, drop, wording, bundle, container):
    b = bundle(["true"])
    b.remove_namespace(drop)
    if drop == "uts":
        b.config.pop("hostname", None)
    b.linux["sysctl"] = {key: value}
    before = _throwaway_value(key)
    r = _run(container(b))
    assert r.returncode != 0, r.stdout
    assert "config.json: .linux.sysctl" in r.stderr and key in r.stderr, r.stderr
    assert wording in r.stderr, r.stderr
    assert _throwaway_value(key) == before


@pytest.mark.parametrize("key", ["kernel.pid_max", "vm.overcommit_memory", "fs.file-max",
                                 "kernel.core_pattern", "user.max_user_namespaces"])
def test_sysctl_not_namespaced_is_refused(key, bundle, container):
    # No namespace protects these: the value offered is the host's current one, so that a
    # runtime that wrongly wrote it would still change nothing.
    current = _host_value(key)
    b = bundle(["true"])
    b.linux["sysctl"] = {key: current}
    r = _run(container(b))
    assert _host_value(key) == current
    assert r.returncode != 0
    assert key in r.stderr and "not in a separate kernel namespace" in r.stderr, r.stderr


def test_sysctl_hostname_conflict(bundle, container):
    b = bundle(["true"])
    b.config["hostname"] = "one"
    b.linux["sysctl"] = {"kernel.hostname": "two"}
    r = _run(container(b))
    assert r.returncode != 0
    assert "kernel.hostname" in r.stderr and "hostname" in r.stderr, r.stderr


@pytest.mark.parametrize("key,value,path", [
    ("fs.mqueue.queues_max", "77", "/proc/sys/fs/mqueue/queues_max"),
    ("kernel.shm_rmid_forced", "1", "/proc/sys/kernel/shm_rmid_forced"),
    ("net.ipv4.ping_group_range", "0 7", "/proc/sys/net/ipv4/ping_group_range"),
    ("kernel.domainname", "sysctl.test", "/proc/sys/kernel/domainname"),
])
def test_sysctl_applied_in_own_namespace(key, value, path, bundle, container):
    b = bundle(["cat", path])
    b.linux["readonlyPaths"] = []
    b.linux["sysctl"] = {key: value}
    r = _run(container(b))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == value.split()


def test_sysctl_in_a_namespace_joined_by_path(bundle, container):
    """A namespace joined by path counts as the container's own (as in runc)."""
    first = container(bundle(["/probe", "sleep"]))
    assert _run_detached(first) == 0
    b = bundle(["cat", "/proc/sys/kernel/shm_rmid_forced"])
    b.linux["readonlyPaths"] = []
    b.add_namespace("ipc", "/proc/%d/ns/ipc" % first.pid)
    b.linux["sysctl"] = {"kernel.shm_rmid_forced": "1"}
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"


def _run_detached(c):
    return c.create().returncode
