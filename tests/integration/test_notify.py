# SPDX-License-Identifier: GPL-2.0-or-later
# sd_notify passthrough (as runc does it): with NOTIFY_SOCKET in the runtime's environment the
# container gets NOTIFY_SOCKET=/run/notify/notify.sock, and `start` (or `run`) relays the
# container's READY= line, with MAINPID, to the host socket. Needs root.
import os
import socket
import subprocess
import time

import pytest

from lib import parse_probe

pytestmark = pytest.mark.lifecycle


@pytest.fixture
def host_socket(test_dir):
    """A datagram socket standing in for systemd's notify socket: (path, socket)."""
    path = os.path.join(test_dir, "notify.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.settimeout(10)
    yield path, s
    s.close()


def notify_env(path):
    return dict(os.environ, NOTIFY_SOCKET=path)


def received(sock):
    """The relayed lines: READY=... and MAINPID=..., in one datagram or two (runc)."""
    lines = []
    while not any(x.startswith("MAINPID=") for x in lines):
        lines += sock.recv(4096).decode().splitlines()
    return lines


def test_start_relays_ready_with_mainpid(runtime, bundle, container, host_socket):
    path, sock = host_socket
    b = bundle(["sh", "-c", "sleep 0.7; /probe sd-notify 'STATUS=warming up'; "
                "/probe sd-notify READY=1; exec sleep 60"])
    c = container(b)
    c._prepare()
    env = notify_env(path)
    r = runtime.detached("create", "--bundle", b.path, c.id, out=c.out, err=c.err, env=env)
    assert r.returncode == 0, r.stderr
    pid = c.state_json()["pid"]
    c.known_pids.add(pid)
    t0 = time.monotonic()
    start = subprocess.Popen(runtime.argv("start", c.id), env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # meanwhile the container is running and other calls do not wait for it to be ready
        time.sleep(0.1)
        r = runtime.cmd("state", c.id, timeout=5)
        assert r.returncode == 0 and '"running"' in r.stdout, r.stderr
        assert start.poll() is None
    finally:
        _, err = start.communicate(timeout=30)
    assert start.returncode == 0, err
    # start returns once the container is ready, as with runc
    assert time.monotonic() - t0 >= 0.6
    assert received(sock) == ["READY=1", "MAINPID=%d" % pid]


def test_container_sees_its_own_socket(runtime, bundle, container, host_socket):
    path, sock = host_socket
    # (runc's foreground run waits for READY before it does anything else)
    b = bundle(["sh", "-c", "/probe; /probe sd-notify READY=1 >/dev/null"])
    c = container(b)
    c._prepare()
    r = runtime.cmd("run", "--bundle", b.path, c.id, env=notify_env(path))
    assert r.returncode == 0, r.stderr
    facts = parse_probe(r.stdout)
    assert "NOTIFY_SOCKET=/run/notify/notify.sock" in facts["env"], facts["env"]
    assert "/run/notify" in facts["mount"], facts["mount"]


def test_foreground_run_relays_ready(runtime, bundle, container, host_socket, test_dir):
    path, sock = host_socket
    b = bundle(["sh", "-c", "/probe sd-notify READY=1 && exit 3"])
    c = container(b)
    c._prepare()
    p = subprocess.Popen(runtime.argv("run", "--bundle", b.path, c.id), env=notify_env(path),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 3, err
    assert out == "ok\n"
    # the runtime in the foreground is the main process systemd should watch
    assert received(sock) == ["READY=1", "MAINPID=%d" % p.pid]


def test_no_notify_socket_no_mount(runtime, bundle, container):
    b = bundle(["/probe"])
    c = container(b)
    c._prepare()
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    r = runtime.cmd("run", "--bundle", b.path, c.id, env=env)
    assert r.returncode == 0, r.stderr
    facts = parse_probe(r.stdout)
    assert not any(e.startswith("NOTIFY_SOCKET=") for e in facts["env"])
    assert "/run/notify" not in facts["mount"]


def test_abstract_host_socket(runtime, bundle, container, test_dir):
    # systemd may hand out an abstract socket, written "@name"
    name = "hutch-notify-test-%d" % os.getpid()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(10)
    try:
        b = bundle(["sh", "-c", "/probe sd-notify READY=1"])
        c = container(b)
        c._prepare()
        r = runtime.cmd("run", "--detach", "--bundle", b.path, c.id, env=notify_env("@" + name))
        assert r.returncode == 0, r.stderr
        assert received(sock)[0] == "READY=1"
    finally:
        sock.close()
