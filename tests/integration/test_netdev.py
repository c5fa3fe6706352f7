# SPDX-License-Identifier: GPL-2.0-or-later
# linux.netDevices (config-linux.md "Network Devices"): host interfaces moved into the
# container's network namespace, renamed, with their addresses, and up. Needs root: the
# tests create dummy interfaces on the host and always delete them afterwards.
import os
import subprocess

import pytest

from lib import assert_nothing_left

HOST_DEV = "hutchdummy0"
HOST_ADDR = "10.123.0.2/24"


def host_has(dev):
    return os.path.exists("/sys/class/net/" + dev)


@pytest.fixture
def dummy(features):
    if not features.get("linux", {}).get("netDevices", {}).get("enabled"):
        pytest.skip("runtime does not announce linux.netDevices")
    if os.geteuid() != 0:
        pytest.skip("needs root")
    made = []

    def make(name=HOST_DEV, addr=HOST_ADDR):
        peer = name + "p"
        for n in (name, peer):
            subprocess.run(["ip", "link", "del", n], stderr=subprocess.DEVNULL)
        made.extend([name, peer])
        r = subprocess.run(["ip", "link", "add", name, "type", "dummy"], stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            # kernels without the dummy driver: one end of a veth pair (the peer stays here)
            subprocess.run(["ip", "link", "add", name, "type", "veth", "peer", "name", peer], check=True)
        if addr:
            subprocess.run(["ip", "addr", "add", addr, "dev", name], check=True)
        return name

    yield make
    # a virtual device moved into a container dies with its namespace (and a veth's peer with
    # it); whatever is left on the host is ours
    for name in made:
        subprocess.run(["ip", "link", "del", name], stderr=subprocess.DEVNULL)


def net_bundle(bundle, devices, args):
    b = bundle(args)
    b.linux["netDevices"] = devices
    return b


def test_device_moved_renamed_with_address_and_up(dummy, bundle, container):
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}},
                   ["sh", "-c", "/probe; echo ADDR-START; ip addr show dev eth9; echo ADDR-DONE; sleep 60"])
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    # moved at create: gone from the host before the container even starts
    assert not host_has(HOST_DEV)
    assert c.start().returncode == 0
    out = c.wait_output("ADDR-DONE")
    assert "eth9" in c.facts()["net"]
    ip = out.split("ADDR-START", 1)[1]
    assert "inet 10.123.0.2/24" in ip, ip
    assert ",UP" in ip or "<UP" in ip, ip
    assert not host_has(HOST_DEV)
    assert c.kill("KILL").returncode == 0
    c.wait_status("stopped")
    assert c.delete().returncode == 0


def test_device_keeps_its_name_without_name(dummy, bundle, container):
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {}}, ["ip", "-o", "addr", "show", "dev", HOST_DEV])
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "inet 10.123.0.2/24" in r.stdout, r.stdout


def test_template_name(dummy, bundle, container):
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {"name": "net%d"}},
                   ["sh", "-c", "ip -o addr show dev net0; ip -o link show dev net0"])
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "net0" in r.stdout and "inet 10.123.0.2/24" in r.stdout, r.stdout
    assert not host_has(HOST_DEV)


def test_missing_device_fails_naming_it(dummy, bundle, container):
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}, "hutchmissing0": {}}, ["/probe"])
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert "hutchmissing0" in r.stderr and "does not exist" in r.stderr, r.stderr
    assert_nothing_left(c, c.runtime)
    # nothing was moved: the existing device is still on the host, untouched
    assert host_has(HOST_DEV)
    ip = subprocess.run(["ip", "-o", "addr", "show", "dev", HOST_DEV], capture_output=True, text=True)
    assert "10.123.0.2/24" in ip.stdout


def test_existing_name_in_container_fails(dummy, bundle, container):
    dummy()
    # every new network namespace has "lo"
    b = net_bundle(bundle, {HOST_DEV: {"name": "lo"}}, ["/probe"])
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert HOST_DEV in r.stderr and "already exists" in r.stderr, r.stderr
    assert_nothing_left(c, c.runtime)
    assert host_has(HOST_DEV)


def test_ipv6_address_kept(dummy, bundle, container):
    dummy()
    subprocess.run(["ip", "addr", "add", "fd00:123::2/64", "dev", HOST_DEV, "nodad"], check=True)
    b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}}, ["ip", "-o", "addr", "show", "dev", "eth9"])
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "inet 10.123.0.2/24" in r.stdout and "inet6 fd00:123::2/64" in r.stdout, r.stdout


def test_netns_joined_by_path_keeps_the_device(dummy, bundle, container):
    dummy()
    ns = "hutch-netdev-%d" % os.getpid()
    subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}}, ["ip", "-o", "addr", "show", "dev", "eth9"])
        b.remove_namespace("network")
        b.add_namespace("network", "/run/netns/" + ns)
        r = container(b).run()
        assert r.returncode == 0, r.stderr
        assert "inet 10.123.0.2/24" in r.stdout, r.stdout
        # the namespace outlives the container, and the device stays in it
        ip = subprocess.run(["ip", "-n", ns, "-o", "addr", "show", "dev", "eth9"],
                            capture_output=True, text=True)
        assert "10.123.0.2/24" in ip.stdout, ip.stdout + ip.stderr
        assert not host_has(HOST_DEV)
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)


def test_with_user_namespace(dummy, bundle, container):
    # the network namespace then belongs to the container's user namespace
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}}, ["ip", "-o", "addr", "show", "dev", "eth9"])
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    b.config["root"]["readonly"] = True
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "inet 10.123.0.2/24" in r.stdout, r.stdout


def test_new_netns_while_joining_another_namespace(dummy, bundle, container):
    # a namespace given by path makes the init unshare its network namespace itself, after
    # it was started: the devices must still land there
    dummy()
    b = net_bundle(bundle, {HOST_DEV: {"name": "eth9"}}, ["ip", "-o", "addr", "show", "dev", "eth9"])
    b.remove_namespace("ipc")
    b.add_namespace("ipc", "/proc/%d/ns/ipc" % os.getpid())
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "inet 10.123.0.2/24" in r.stdout, r.stdout
