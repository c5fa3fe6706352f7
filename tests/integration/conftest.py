# SPDX-License-Identifier: GPL-2.0-or-later
# Fixtures for hutch's integration tests: the runtime under test, a per-session state root,
# bundles made from a cached busybox rootfs plus the probe, and a cleanup that runs after
# every test (delete --force, kill leftovers, check that no mount or cgroup is left behind).
#
# The runtime comes from $HUTCH_RUNTIME (e.g. /usr/sbin/runc); without it, the hutch built in
# $HUTCH_BUILD_DIR (default: <repo>/build). The probe comes from $HUTCH_PROBE, else from the
# build dir, else it is compiled with tests/probe/build.sh. Set HUTCH_KEEP=1 to keep the
# session directory for debugging. All of this needs root.
import json
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from lib import (
    Bundle,
    Container,
    Runtime,
    cgroup_dirs,
    default_config,
    is_alive,
    kill_and_reap,
    mounts_under,
    pids_in_cgroup,
    remove_cgroup_trees,
    state_dirs,
)
from rootless import rootless, rootless_bundle, rootless_user  # noqa: F401 (fixtures)

REPO = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build"))


def pytest_report_header(config):
    return "runtime: %s" % _runtime_path()


def _runtime_path():
    return os.environ.get("HUTCH_RUNTIME") or os.path.join(BUILD_DIR, "hutch")


@pytest.fixture(scope="session")
def runtime_path():
    """Absolute path of the runtime binary under test."""
    path = _runtime_path()
    if not os.access(path, os.X_OK):
        pytest.exit("runtime %s not found or not executable: build hutch first "
                    "(meson setup build && ninja -C build) or set HUTCH_RUNTIME" % path, 2)
    if os.geteuid() != 0:
        pytest.exit("the integration tests need root", 2)
    return os.path.realpath(path)


@pytest.fixture(scope="session")
def session_dir():
    """A world-traversable scratch directory (user-namespaced inits must reach the rootfs)."""
    d = tempfile.mkdtemp(prefix="hutch-it-")
    os.chmod(d, 0o755)
    yield d
    if os.environ.get("HUTCH_KEEP") != "1" and not mounts_under(d):
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def cgroup_parent(session_dir):
    """Parent of every test container's cgroupsPath, unique per session so that concurrent
    sessions never share cgroups; removed at the end with what tests made under it. hutch's
    default parent (/hutch, kept by delete as an engine's parent is) goes too when this
    session made it."""
    name = os.path.basename(session_dir)
    had_default = [d for d in cgroup_dirs("/hutch") if os.path.isdir(d)]
    yield name
    remove_cgroup_trees("/" + name)
    for d in cgroup_dirs("/hutch"):
        if d not in had_default:
            try:
                os.rmdir(d)
            except OSError:
                pass


@pytest.fixture(scope="session")
def state_root(session_dir):
    """The --root passed to every runtime call of this session."""
    d = os.path.join(session_dir, "state")
    os.mkdir(d, 0o700)
    return d


@pytest.fixture(scope="session")
def probe_path(session_dir):
    """The static probe binary, built by meson or compiled here."""
    candidates = [os.environ.get("HUTCH_PROBE"), os.path.join(BUILD_DIR, "tests", "probe", "probe")]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    out = os.path.join(session_dir, "probe")
    subprocess.run([os.path.join(REPO, "tests", "probe", "build.sh"), out], check=True)
    return out


@pytest.fixture(scope="session")
def cached_rootfs(session_dir, probe_path):
    """A busybox rootfs with /probe, built once per session and copied into each bundle."""
    d = os.path.join(session_dir, "rootfs-cache")
    subprocess.run([os.path.join(REPO, "bundles", "busybox", "make-rootfs.sh"), d],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.copy2(probe_path, os.path.join(d, "probe"))
    os.chmod(os.path.join(d, "probe"), 0o755)
    return d


@pytest.fixture
def test_dir(session_dir, request):
    """A directory for this test's bundles and files."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)[:60]
    d = tempfile.mkdtemp(prefix=name + "-", dir=session_dir)
    os.chmod(d, 0o755)
    return d


@pytest.fixture
def runtime(runtime_path, state_root):
    return Runtime(runtime_path, state_root)


@pytest.fixture
def bundle(test_dir, cached_rootfs):
    """Factory: bundle(args=[...], name=None) -> Bundle with a copied rootfs and a config dict.

    Tweak b.config (a plain dict shaped like config.json) before creating the container; it is
    written to config.json on every create/run (or call b.save())."""
    count = [0]

    def make(args=None, name=None, rootfs=True):
        count[0] += 1
        path = os.path.join(test_dir, name or "bundle%d" % count[0])
        os.mkdir(path)
        os.chmod(path, 0o755)
        if rootfs:
            subprocess.run(["cp", "-a", cached_rootfs, os.path.join(path, "rootfs")], check=True)
        cfg = default_config()
        if args is not None:
            cfg["process"]["args"] = list(args)
        return Bundle(path, cfg)

    return make


@pytest.fixture
def container(runtime, test_dir, request, _cleanup, cgroup_parent):
    """Factory: container(bundle, id=None) -> Container bound to the session's runtime and root."""
    count = [0]
    base = re.sub(r"[^A-Za-z0-9_.-]", "-", request.node.name.replace("test_", ""))[:40]

    def make(b, id=None):
        count[0] += 1
        cid = id if id is not None else "%s-%d" % (base, count[0])
        c = Container(runtime, cid, b, test_dir, cgroup_parent=cgroup_parent)
        _cleanup.append(c)
        return c

    return make


@pytest.fixture
def _cleanup(runtime, state_root, test_dir):
    """Runs after every test that made containers, whether it passed or not."""
    made = []
    yield made
    problems = []
    ids = set(c.id for c in made if c.id and "/" not in c.id and c.id not in (".", ".."))
    ids.update(state_dirs(state_root))
    r = runtime.cmd("list", "-q", timeout=30)
    if r.returncode == 0:
        ids.update(r.stdout.split())
    for cid in sorted(ids):
        runtime.cmd("delete", "--force", cid, timeout=30)
    pids = set()
    for c in made:
        pids.update(c.known_pids)
    for c in made:
        pids.update(pids_in_cgroup(c.cgroups_path))
    for pid in sorted(pids):
        if is_alive(pid):
            problems.append("process %d still alive after delete --force" % pid)
            kill_and_reap(pid)
    left = state_dirs(state_root)
    if left:
        problems.append("state left under %s: %s" % (state_root, left))
        for e in left:
            shutil.rmtree(os.path.join(state_root, e), ignore_errors=True)
    for c in made:
        for d in cgroup_dirs(c.cgroups_path):
            if os.path.isdir(d):
                problems.append("cgroup left behind: %s" % d)
                try:
                    os.rmdir(d)
                except OSError:
                    pass
    m = mounts_under(test_dir)
    if m:
        problems.append("mounts left on the host under %s: %s" % (test_dir, m))
        for path in reversed(m):
            subprocess.run(["umount", "-l", path], stderr=subprocess.DEVNULL)
    assert not problems, "; ".join(problems)


@pytest.fixture(scope="session")
def features(runtime_path):
    """The runtime's `features` JSON ({} if it has none): tests of optional features skip
    when the runtime does not announce them."""
    r = subprocess.run([runtime_path, "features"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return {}
    try:
        return json.loads(r.stdout)
    except ValueError:
        return {}


@pytest.fixture
def require_namespace(features):
    def check(ns_type):
        if ns_type not in features.get("linux", {}).get("namespaces", []):
            pytest.skip("runtime does not announce the %s namespace in `features`" % ns_type)
    return check
