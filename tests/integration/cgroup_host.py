# SPDX-License-Identifier: GPL-2.0-or-later
# How this host mounts cgroups, and the helpers the cgroup test modules share: which
# controllers and files exist, where a container's cgroup files are, a sleeping container with
# resources, and what is left under a session's cgroup parent.
import os

import pytest

from lib import cgroup_dirs, cgroup_paths

CG_ROOT = "/sys/fs/cgroup"
MiB = 1024 * 1024


class Host:
    """How this host mounts cgroups: mode, v1 controller mounts, the cgroup2 mount."""

    def __init__(self):
        self.v1 = {}  # controller -> mount point
        self.v2 = None
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                sep = fields.index("-")
                fstype, mnt, opts = fields[sep + 1], fields[4], fields[sep + 3]
                if fstype == "cgroup2" and mnt.startswith(CG_ROOT):
                    self.v2 = mnt
                elif fstype == "cgroup" and mnt.startswith(CG_ROOT):
                    for o in opts.split(","):
                        if o not in ("rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec") \
                                and "=" not in o:
                            self.v1[o] = mnt
        if self.v2 == CG_ROOT:
            self.mode = "unified"
        elif self.v1:
            self.mode = "hybrid" if self.v2 else "legacy"
        else:
            self.mode = "none"
        self._probed = {}

    def v2_controllers(self):
        if not self.v2:
            return set()
        with open(os.path.join(self.v2, "cgroup.subtree_control")) as f:
            return set(f.read().split())

    def has(self, controller):
        return controller in self.v1 or controller in self.v2_controllers()

    def has_file(self, controller, name):
        """Whether a non-root cgroup of this host has the file `name` of `controller`."""
        key = (controller, name)
        if key not in self._probed:
            self._probed[key] = self._probe_file(controller, name)
        return self._probed[key]

    def _probe_file(self, controller, name):
        bases = []
        if controller in self.v1:
            bases.append(self.v1[controller])
        if controller in self.v2_controllers():
            bases.append(self.v2)
        for base in bases:
            d = os.path.join(base, "hutch-probe-%d" % os.getpid())
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
            try:
                if os.path.exists(os.path.join(d, name)):
                    return True
            finally:
                os.rmdir(d)
        return False


HOST = Host()


def need(controller, *files):
    if not HOST.has(controller):
        pytest.skip("the %s controller is not available on this %s host" % (controller, HOST.mode))
    for f in files:
        if not HOST.has_file(controller, f):
            pytest.skip("this %s host has no %s file" % (HOST.mode, f))


def cg_dir(pid, controller):
    """The container's directory holding `controller`'s files (v1 mount, else cgroup2)."""
    paths = cgroup_paths(pid)
    if controller in HOST.v1 and controller in paths:
        return os.path.join(HOST.v1[controller], paths[controller].lstrip("/"))
    if HOST.v2 and "" in paths:
        return os.path.join(HOST.v2, paths[""].lstrip("/"))
    raise AssertionError("process %d has no cgroup for %s: %s" % (pid, controller, paths))


def cg_read(pid, controller, name):
    with open(os.path.join(cg_dir(pid, controller), name)) as f:
        return f.read().strip()


def v1(controller):
    return controller in HOST.v1


def sleeper(bundle, **resources):
    b = bundle(["/probe", "sleep"])
    b.linux["resources"].update(resources)
    return b


def created(container, b):
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    return c


def left_cgroups(cgroup_parent):
    """Directories left under this session's cgroup parent, in every hierarchy."""
    left = []
    for d in cgroup_dirs("/" + cgroup_parent):
        if os.path.isdir(d):
            left += [os.path.join(d, e) for e in os.listdir(d) if os.path.isdir(os.path.join(d, e))]
    return left


def cg_dir_path(controller, path):
    base = HOST.v1.get(controller) or HOST.v2
    return os.path.join(base, path.lstrip("/"))
