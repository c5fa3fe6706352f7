# SPDX-License-Identifier: GPL-2.0-or-later
# What every call of the runtime loads: the shared objects mapped by the verbs engines call
# all the time. hutch is one static executable (none), or with -Dstatic=false libc alone:
# the systemd cgroup driver speaks D-Bus itself, so libsystemd (and the compression and
# crypto libraries it pulls in) is loaded by no call, and nothing is loaded later (no NSS
# module, no dlopen).
import os

import pytest

pytestmark = pytest.mark.startup

LIBC = ("libc.so.6", "ld-linux-x86-64.so.2")


def _loaded(stderr):
    """Shared objects the dynamic loader mapped, from LD_DEBUG=files output (none for a
    static executable: it has no loader to print them)."""
    names = set()
    for line in stderr.splitlines():
        # "   1234:\tfile=libc.so.6 [0];  needed by /path/hutch [0]"
        # "   1234:\tfile=libsystemd.so.0 [0];  dynamically loaded by ..."
        if "file=" in line and ("needed by" in line or "dynamically loaded by" in line):
            names.add(line.split("file=", 1)[1].split()[0])
    return names


def test_verbs_load_nothing_but_libc(bundle, container, runtime):
    env = dict(os.environ, LD_DEBUG="files")
    c = container(bundle(["/probe", "sleep"]))
    c._prepare()
    calls = [
        runtime.detached("create", "--bundle", c.bundle.path, c.id, out=c.out, err=c.err, env=env),
        runtime.cmd("state", c.id, env=env),
        runtime.cmd("start", c.id, env=env),
        runtime.cmd("list", env=env),
        runtime.cmd("exec", c.id, "/probe", "exit", "0", env=env),
        runtime.cmd("kill", c.id, "KILL", env=env),
        runtime.cmd("delete", "--force", c.id, env=env),
    ]
    for r in calls:
        assert r.returncode == 0, r.stderr
        extra = sorted(n for n in _loaded(r.stderr) if n not in LIBC)
        assert not extra, "%s loaded %s" % (r.args[3:], extra)
