# SPDX-License-Identifier: GPL-2.0-or-later
# What every call of the runtime loads: the shared objects mapped by the verbs engines call
# all the time. libsystemd (and the compression and crypto libraries it pulls in) belongs to
# the systemd cgroup driver alone; the other calls must not pay for loading it.
import os

import pytest

pytestmark = pytest.mark.startup

# libsystemd and its dependencies on Debian 12
SYSTEMD_ONLY = ("libsystemd", "libgcrypt", "libgpg-error", "liblzma", "libzstd", "liblz4")


def _loaded(stderr):
    """Shared objects the dynamic loader mapped, from LD_DEBUG=files output."""
    names = set()
    for line in stderr.splitlines():
        # "   1234:\tfile=libc.so.6 [0];  needed by /path/hutch [0]"
        if "file=" in line and "needed by" in line:
            names.add(line.split("file=", 1)[1].split()[0])
        # "   1234:\tfile=libsystemd.so.0 [0];  dynamically loaded by ..."
        elif "file=" in line and "dynamically loaded by" in line:
            names.add(line.split("file=", 1)[1].split()[0])
    return names


def test_verbs_do_not_load_libsystemd(bundle, container, runtime):
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
        loaded = _loaded(r.stderr)
        if not loaded:
            pytest.skip("the runtime is not dynamically linked (no LD_DEBUG output)")
        bad = sorted(n for n in loaded if n.startswith(SYSTEMD_ONLY))
        assert not bad, "%s loaded %s" % (r.args[3:], bad)
