# SPDX-License-Identifier: GPL-2.0-or-later
# File descriptors: nothing but stdio reaches the container unless --preserve-fds N passes
# fds 3..3+N-1 (engines use it for sockets and pipes); no fd of the runtime is reachable as
# the cwd (CVE-2024-21626).
import os
import subprocess

import pytest

from lib import parse_probe
from test_userns import userns_bundle

pytestmark = pytest.mark.lifecycle


def _create_with_fds(c, test_dir, preserve):
    """create from a shell that opens fds 3 and 4 first, as an engine would hand them over."""
    c._prepare()
    a, b = os.path.join(test_dir, "fd3"), os.path.join(test_dir, "fd4")
    for p in (a, b):
        open(p, "w").close()
    argv = c.runtime.argv("create", "--bundle", c.bundle.path, *preserve, c.id)
    script = 'exec 3>>"$1" 4>>"$2"; shift 2; exec "$@"'
    with open(c.out, "ab") as out, open(c.err, "ab") as err:
        r = subprocess.run(["sh", "-c", script, "sh", a, b] + argv, stdin=subprocess.DEVNULL,
                           stdout=out, stderr=err, timeout=60)
    return r.returncode


def test_no_fd_leaks_into_container(bundle, container, test_dir):
    c = container(bundle(["/probe"]))
    assert _create_with_fds(c, test_dir, []) == 0, c.stderr_output()
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert parse_probe(c.output())["fd"] == ["0", "1", "2"]


def test_preserve_fds(bundle, container, test_dir):
    c = container(bundle(["sh", "-c", "/probe; echo via-fd3 >&3; echo via-fd4 >&4"]))
    assert _create_with_fds(c, test_dir, ["--preserve-fds", "2"]) == 0, c.stderr_output()
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert sorted(parse_probe(c.output())["fd"]) == ["0", "1", "2", "3", "4"]
    with open(os.path.join(test_dir, "fd3")) as f:
        assert f.read() == "via-fd3\n"
    with open(os.path.join(test_dir, "fd4")) as f:
        assert f.read() == "via-fd4\n"


def test_preserve_one_fd_closes_the_next(bundle, container, test_dir):
    c = container(bundle(["/probe"]))
    assert _create_with_fds(c, test_dir, ["--preserve-fds", "1"]) == 0, c.stderr_output()
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert sorted(parse_probe(c.output())["fd"]) == ["0", "1", "2", "3"]


@pytest.mark.parametrize("fd", range(3, 12))
def test_cwd_through_a_runtime_fd_fails(fd, bundle, container, runtime):
    # CVE-2024-21626: a cwd of /proc/self/fd/N reaches whatever directory the runtime still
    # holds open as fd N when it chdirs. None may be open then: create fails, or the process
    # runs in the container's own tree.
    b = bundle(["/probe"])
    b.process["cwd"] = "/proc/self/fd/%d" % fd
    c = container(b)
    r = c.create()
    if r.returncode == 0:
        assert c.start().returncode == 0
        c.wait_status("stopped")
        cwd = parse_probe(c.output()).get("cwd", "")
        assert not cwd.startswith("error") and "/" in cwd, cwd
        assert os.path.realpath(c.bundle.rootfs) not in cwd
    else:
        assert "cwd" in r.stderr, r.stderr


@pytest.mark.parametrize("fd", range(3, 12))
def test_exec_cwd_through_a_runtime_fd_fails(fd, bundle, container, runtime):
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0 and c.start().returncode == 0
    r = runtime.cmd("exec", "--cwd", "/proc/self/fd/%d" % fd, c.id, "/probe")
    assert r.returncode != 0 and "cwd" in r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("fd", range(3, 12))
def test_cwd_through_an_idmapped_tree_fd_fails(fd, bundle, container, test_dir):
    # In a user namespace the runtime builds idmapped bind-mount trees on the host side and
    # passes them to the init as fds: whatever the init still holds when it chdirs to the cwd
    # must not lead outside the container (they are closed once attached).
    src = os.path.join(test_dir, "shared")
    os.makedirs(src, exist_ok=True)
    b = userns_bundle(bundle, ["/probe"])
    b.config.setdefault("mounts", []).append(
        {"destination": "/tmp", "type": "bind", "source": src, "options": ["bind", "rw", "idmap"]})
    b.process["cwd"] = "/proc/self/fd/%d" % fd
    c = container(b)
    r = c.run()
    if r.returncode == 0:
        cwd = parse_probe(r.stdout).get("cwd", "")
        assert cwd.startswith("/") and "unreachable" not in cwd, r.stdout
    else:
        assert "cwd" in r.stderr, r.stderr
