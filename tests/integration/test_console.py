# SPDX-License-Identifier: GPL-2.0-or-later
# process.terminal with --console-socket: the runtime sends the pty master over the unix
# socket (SCM_RIGHTS); the container's stdio is the slave; output and input go through it.
import os
import socket
import time

import pytest

from lib import assert_nothing_left, finish_receiver, parse_probe, pty_run, start_receiver

pytestmark = pytest.mark.console

def test_console_socket_receives_pty_master(bundle, container, test_dir):
    b = bundle(["/probe"])
    b.process["terminal"] = True
    p, sock, out = start_receiver(test_dir)
    c = container(b)
    r = c.create(console_socket=sock)
    assert r.returncode == 0, r.stderr
    assert c.start().returncode == 0
    text = finish_receiver(p, out)
    assert p.returncode == 0
    facts = parse_probe(text)
    assert facts["stdin_tty"] == "1" and facts["stdout_tty"] == "1", text
    assert facts["pid"] == "1"
    # nothing went to the create's own stdout
    assert "pid=" not in c.output()


def test_console_input_reaches_container(bundle, container, test_dir):
    b = bundle(["sh", "-c", "read line; echo got:$line"])
    b.process["terminal"] = True
    p, sock, out = start_receiver(test_dir, "--input", "hello\n")
    c = container(b)
    assert c.create(console_socket=sock).returncode == 0
    assert c.start().returncode == 0
    assert "got:hello" in finish_receiver(p, out)


def test_console_size(bundle, container, test_dir):
    b = bundle(["stty", "size"])
    b.process["terminal"] = True
    b.process["consoleSize"] = {"height": 33, "width": 111}
    p, sock, out = start_receiver(test_dir)
    c = container(b)
    assert c.create(console_socket=sock).returncode == 0
    assert c.start().returncode == 0
    assert "33 111" in finish_receiver(p, out)


def test_console_is_controlling_terminal(bundle, container, test_dir):
    b = bundle(["sh", "-c", "echo tty=$(tty); cat /proc/self/stat"])
    b.process["terminal"] = True
    p, sock, out = start_receiver(test_dir)
    c = container(b)
    assert c.create(console_socket=sock).returncode == 0
    assert c.start().returncode == 0
    text = finish_receiver(p, out)
    assert "tty=/dev/pts/0" in text, text
    stat = text.split("\n")[1]
    assert ")" in stat, repr(text)
    tty_nr = int(stat[stat.rindex(")") + 2:].split()[4])
    assert tty_nr != 0, "no controlling terminal"


def test_terminal_without_console_socket_fails_create(bundle, container, runtime):
    b = bundle(["/probe"])
    b.process["terminal"] = True
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert "does not exist" in c.state().stderr


def test_console_socket_without_terminal_fails_or_is_ignored(bundle, container, test_dir):
    # runc refuses a console socket when process.terminal is false
    b = bundle(["/probe"])
    sock = os.path.join(test_dir, "unused.sock")
    c = container(b)
    r = c.create(console_socket=sock)
    if r.returncode == 0:
        assert c.start().returncode == 0
        c.wait_status("stopped")
        assert "pid=1" in c.output()


def test_foreground_run_proxies_the_terminal(bundle, container, runtime):
    # like `docker run -it`: hutch's own terminal is proxied to the container's pty
    b = bundle(["sh", "-c", "stty -echo; echo ready; read line; echo got:$line; "
                "[ -t 0 ] && echo stdin-is-tty; exit 7"])
    b.process["terminal"] = True
    c = container(b)
    c._prepare()
    code, out = pty_run([runtime.binary, "--root", runtime.root, "run", "--bundle", b.path, c.id],
                         b"hello\r")
    assert b"got:hello" in out, out
    assert b"stdin-is-tty" in out, out
    assert code == 7, out


def test_create_with_console_socket_releases_its_output_pipes(runtime, bundle, container, test_dir):
    # containerd's shim (go-runc) reads create's stdout and stderr to EOF: the init waiting for
    # start must not hold a copy of them once the pty is its stdio
    b = bundle(["sh", "-c", "echo started"])
    b.process["terminal"] = True
    p, sock, out = start_receiver(test_dir)
    c = container(b)
    c._prepare()
    r = runtime.cmd("create", "--bundle", b.path, "--console-socket", sock, c.id, timeout=15)
    assert r.returncode == 0, r.stderr
    c.known_pids.add(c.state_json()["pid"])
    assert c.start().returncode == 0
    assert "started" in finish_receiver(p, out)


def test_console_socket_that_never_accepts_is_an_error(bundle, container, runtime, test_dir):
    # a receiver that is there but never takes the connection (its backlog full): create gives
    # up with an error naming the socket instead of hanging, and leaves nothing behind
    path = os.path.join(test_dir, "stuck.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(0)
    fillers = []
    try:
        while len(fillers) < 16:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
            except BlockingIOError:
                s.close()
                break
            fillers.append(s)
        b = bundle(["/probe"])
        b.process["terminal"] = True
        c = container(b)
        start = time.monotonic()
        r = c.create(console_socket=path, timeout=60)
        assert r.returncode > 0 and path in r.stderr, r.stderr
        assert time.monotonic() - start < 30
        assert_nothing_left(c, runtime)
    finally:
        for s in fillers:
            s.close()
        srv.close()


def test_console_socket_without_receiver_is_an_error(bundle, container, runtime, test_dir):
    # the receiver is gone: its socket file is left, nobody listens
    path = os.path.join(test_dir, "gone.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.close()
    b = bundle(["/probe"])
    b.process["terminal"] = True
    c = container(b)
    r = c.create(console_socket=path, timeout=60)
    assert r.returncode > 0 and path in r.stderr and "refused" in r.stderr, r.stderr
    assert_nothing_left(c, runtime)
