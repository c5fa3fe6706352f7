# SPDX-License-Identifier: GPL-2.0-or-later
# File descriptors: nothing but stdio reaches the container unless --preserve-fds N passes
# fds 3..3+N-1 (engines use it for sockets and pipes).
import os
import subprocess

import pytest

from lib import parse_probe

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
