# SPDX-License-Identifier: GPL-2.0-or-later
# User namespace: uid/gid mappings (uid 0 inside is host uid 100000), the maps the kernel
# shows, and files created by the container owned by the mapped ids on the host.
import os

import pytest

from lib import host_ids

pytestmark = [pytest.mark.namespaces, pytest.mark.userns]

HOST_ID = 100000
SIZE = 65536


def userns_bundle(bundle, args, chown=False):
    b = bundle(args)
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": SIZE}]
    if chown:
        for root, dirs, files in os.walk(b.rootfs):
            for name in dirs + files:
                p = os.path.join(root, name)
                st = os.lstat(p)
                os.lchown(p, st.st_uid + HOST_ID, st.st_gid + HOST_ID)
        os.lchown(b.rootfs, HOST_ID, HOST_ID)
    else:
        # Nothing is chowned: the rootfs stays root-owned and world-readable, so the
        # mapped root can read and execute but not write it.
        b.config["root"]["readonly"] = True
    return b


def test_uid_mapping_inside_and_outside(bundle, container):
    b = userns_bundle(bundle, ["sh", "-c", "/probe; exec /probe sleep"])
    c = container(b)
    r = c.create()
    assert r.returncode == 0, r.stderr
    assert c.start().returncode == 0
    c.wait_output("fd=")
    facts = c.facts()
    assert facts["uid"] == "0" and facts["euid"] == "0" and facts["gid"] == "0"
    ids = host_ids(c.pid)
    assert ids["U"] == [HOST_ID] * 4
    assert ids["G"] == [HOST_ID] * 4
    assert os.readlink("/proc/%d/ns/user" % c.pid) != os.readlink("/proc/self/ns/user")


def test_uid_map_files(bundle, container):
    c = container(userns_bundle(bundle, ["/probe", "sleep"]))
    assert c.create().returncode == 0
    with open("/proc/%d/uid_map" % c.pid) as f:
        assert f.read().split() == ["0", str(HOST_ID), str(SIZE)]
    with open("/proc/%d/gid_map" % c.pid) as f:
        assert f.read().split() == ["0", str(HOST_ID), str(SIZE)]


def test_exec_joins_the_user_namespace(bundle, container, runtime):
    # exec into a container with a user namespace of its own: the process is in it, as the
    # container's root
    c = container(userns_bundle(bundle, ["/probe", "sleep"]))
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    r = runtime.cmd("exec", c.id, "sh", "-c", "cat /proc/self/uid_map; id -u")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["0", str(HOST_ID), str(SIZE)], r.stdout
    assert lines[1] == "0", r.stdout


def test_non_root_user_inside_user_namespace(bundle, container):
    b = userns_bundle(bundle, ["sh", "-c", "/probe; exec /probe sleep"])
    b.process["user"] = {"uid": 1000, "gid": 1000}
    c = container(b)
    assert c.create().returncode == 0
    assert c.start().returncode == 0
    c.wait_output("fd=")
    assert c.facts()["uid"] == "1000"
    assert host_ids(c.pid)["U"][0] == HOST_ID + 1000


def test_files_created_are_owned_by_mapped_ids(bundle, container):
    b = userns_bundle(bundle, ["/probe", "write", "/made-inside", "x"], chown=True)
    c = container(b)
    r = c.run()
    assert r.returncode == 0, r.stdout + r.stderr
    st = os.stat(os.path.join(b.rootfs, "made-inside"))
    assert (st.st_uid, st.st_gid) == (HOST_ID, HOST_ID)


def test_unmapped_root_cannot_write_root_owned_rootfs(bundle, container):
    b = userns_bundle(bundle, ["/probe", "write", "/tmp/x", "x"])
    b.config["root"]["readonly"] = False
    os.chmod(os.path.join(b.rootfs, "tmp"), 0o755)
    c = container(b)
    r = c.run()
    assert r.returncode != 0
    assert "error=EACCES" in r.stdout or "error=EROFS" in r.stdout, r.stdout


@pytest.mark.parametrize("option", [None, "idmap", "ridmap"])
def test_idmapped_bind_mount_in_user_namespace(bundle, container, test_dir, option):
    # Files owned by host root show up as nobody in a user namespace, unless the
    # bind mount is idmapped with the container's mapping: then they are root's.
    # The idmapped tree has to be built by the runtime on the host side (a
    # process inside the user namespace is not privileged over the source).
    src = os.path.join(test_dir, "shared")
    os.mkdir(src)
    with open(os.path.join(src, "file"), "w") as f:
        f.write("x")
    os.chown(os.path.join(src, "file"), 0, 0)
    b = userns_bundle(bundle, ["/probe", "stat", "/tmp/file"])
    opts = ["bind", "rw"] + ([option] if option else [])
    b.config.setdefault("mounts", []).append(
        {"destination": "/tmp", "type": "bind", "source": src, "options": opts})
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    owner = [l for l in r.stdout.splitlines() if l.startswith("uid=")]
    assert owner, r.stdout
    assert owner[0] == ("uid=0" if option else "uid=65534"), r.stdout
