# SPDX-License-Identifier: GPL-2.0-or-later
# Each namespace type: the container gets its own (host-side inode differs) and it shows from
# inside (pid 1, hostname, only lo, a private /proc, cgroup root); a missing entry shares the
# host's; an entry with a path joins that namespace; the time namespace applies timeOffsets.
import os

import pytest

from lib import host_mounts

pytestmark = pytest.mark.namespaces

NS_FILES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup"}


def ns_inode(pid, ns_file):
    return os.readlink("/proc/%d/ns/%s" % (pid, ns_file))


def _running(bundle, container, args=("/probe", "sleep"), namespaces=None):
    b = bundle(list(args))
    if namespaces is not None:
        b.set_namespaces(*namespaces)
    c = container(b)
    assert c.create().returncode == 0
    return b, c


@pytest.mark.parametrize("ns_type", sorted(NS_FILES))
def test_namespace_is_new(ns_type, bundle, container):
    b = bundle(["/probe", "sleep"])
    b.add_namespace(ns_type)
    c = container(b)
    assert c.create().returncode == 0, c.stderr_output()
    ns_file = NS_FILES[ns_type]
    assert ns_inode(c.pid, ns_file) != ns_inode(os.getpid(), ns_file)


@pytest.mark.parametrize("ns_type", ["network", "ipc", "uts", "cgroup"])
def test_namespace_absent_shares_host(ns_type, bundle, container):
    b = bundle(["/probe", "sleep"])
    b.remove_namespace(ns_type)
    if ns_type == "uts":
        b.config.pop("hostname", None)
    c = container(b)
    assert c.create().returncode == 0
    ns_file = NS_FILES[ns_type]
    assert ns_inode(c.pid, ns_file) == ns_inode(os.getpid(), ns_file)


@pytest.mark.parametrize("ns_type", ["network", "ipc", "uts"])
def test_namespace_path_joins_existing(ns_type, bundle, container):
    _, first = _running(bundle, container)
    ns_file = NS_FILES[ns_type]
    b = bundle(["/probe", "sleep"])
    b.add_namespace(ns_type, "/proc/%d/ns/%s" % (first.pid, ns_file))
    if ns_type == "uts":
        b.config.pop("hostname", None)
    second = container(b)
    r = second.create()
    assert r.returncode == 0, r.stderr
    assert ns_inode(second.pid, ns_file) == ns_inode(first.pid, ns_file)


def test_pid_namespace_init_is_pid_1(bundle, container):
    c = container(bundle(["/probe"]))
    r = c.run()
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "pid=1" in lines
    assert "ppid=0" in lines


def test_uts_namespace_hostname(bundle, container):
    b = bundle(["/probe"])
    b.config["hostname"] = "box-one"
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stderr
    assert "hostname=box-one" in r.stdout.splitlines()
    assert os.uname().nodename != "box-one"


def test_uts_namespace_domainname(bundle, container, runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 does not set domainname")
    b = bundle(["/probe"])
    b.config["domainname"] = "example.test"
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stderr
    assert "domainname=example.test" in r.stdout.splitlines()


def test_network_namespace_has_only_loopback(bundle, container):
    b = bundle(["/probe"])
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_status("stopped")
    facts = c.facts()
    assert facts["net"] == ["lo"]


def test_mount_namespace_proc_not_visible_on_host(bundle, container):
    b, c = _running(bundle, container)
    assert c.start().returncode == 0
    inside = os.path.join(os.path.realpath(b.rootfs), "proc")
    assert inside not in host_mounts()
    # but the container sees its own /proc
    with open("/proc/%d/mountinfo" % c.pid) as f:
        assert any(line.split()[4] == "/proc" for line in f)


def test_ipc_namespace_isolates_sysv_ipc(bundle, container):
    c = container(bundle(["cat", "/proc/sysvipc/shm"]))
    r = c.run()
    assert r.returncode == 0, r.stderr
    # a fresh ipc namespace has no segments: only the header line
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].split()[0] == "key", r.stdout


def test_time_namespace_offsets(bundle, container, require_namespace):
    require_namespace("time")
    offset = 10 * 86400
    b = bundle(["cat", "/proc/uptime"])
    b.add_time_namespace(offset)
    c = container(b)
    with open("/proc/uptime") as f:
        host_before = float(f.read().split()[0])
    r = c.run()
    assert r.returncode == 0, r.stderr
    inside = float(r.stdout.split()[0])
    assert inside >= host_before + offset - 1
    assert inside < host_before + offset + 60
