# SPDX-License-Identifier: GPL-2.0-or-later
# The container's filesystem: root.readonly, maskedPaths, readonlyPaths, linux.devices and
# the default devices, bind and tmpfs mounts, and mount destinations that are symlinks
# (they must resolve inside the rootfs, never on the host).
import os
import subprocess

import pytest

from lib import mounts_under, parse_probe, stable_mounts

pytestmark = pytest.mark.mounts


def _run(container, b):
    c = container(b)
    r = c.run()
    return c, r


def test_root_readonly(bundle, container):
    b = bundle(["sh", "-c", "/probe write /newfile; /probe write /tmp/x"])
    b.config["root"]["readonly"] = True
    _, r = _run(container, b)
    assert "error=EROFS" in r.stdout, r.stdout + r.stderr
    assert not os.path.exists(os.path.join(b.rootfs, "newfile"))


def test_root_writable(bundle, container):
    b = bundle(["/probe", "write", "/newfile", "hello"])
    b.config["root"]["readonly"] = False
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(os.path.join(b.rootfs, "newfile")) as f:
        assert f.read() == "hello"


def test_readonly_root_keeps_dev_and_tmpfs_writable(bundle, container):
    b = bundle(["sh", "-c", "/probe write /dev/shm/x && /probe write /dev/null"])
    b.config["root"]["readonly"] = True
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.split() == ["ok", "ok"]


def test_masked_paths(bundle, container):
    # a masked file reads empty, a masked directory lists nothing; missing paths are skipped
    b = bundle(["sh", "-c", "echo version=$(wc -c < /proc/version); echo firmware=$(ls /sys/firmware | wc -l)"])
    b.linux["maskedPaths"] = ["/proc/version", "/sys/firmware", "/proc/does-not-exist"]
    assert os.path.getsize("/proc/version") == 0 and open("/proc/version").read()
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    facts = parse_probe(r.stdout)
    assert facts["version"] == "0"
    assert facts["firmware"] == "0"


def test_unmasked_paths_are_visible(bundle, container):
    b = bundle(["sh", "-c", "echo version=$(wc -c < /proc/version)"])
    b.linux["maskedPaths"] = []
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert int(parse_probe(r.stdout)["version"]) > 0


def test_readonly_paths(bundle, container):
    b = bundle(["sh", "-c", "/probe write /proc/sys/kernel/hostname x; /probe write /data/x; /probe write /other/x"])
    for d in ("/data", "/other"):
        b.config["mounts"].append({"destination": d, "type": "tmpfs", "source": "tmpfs"})
    b.linux["readonlyPaths"] = ["/proc/sys", "/data", "/does/not/exist"]
    _, r = _run(container, b)
    lines = r.stdout.splitlines()
    assert lines.count("error=EROFS") == 2, r.stdout + r.stderr
    assert lines[-1] == "ok"


def test_readonly_paths_still_readable(bundle, container):
    b = bundle(["cat", "/proc/sys/kernel/ostype"])
    b.linux["readonlyPaths"] = ["/proc/sys"]
    _, r = _run(container, b)
    assert r.returncode == 0 and r.stdout.strip() == "Linux", r.stdout + r.stderr


@pytest.mark.parametrize("path,major,minor", [
    ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7), ("/dev/random", 1, 8),
    ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
])
def test_default_devices(path, major, minor, bundle, container):
    _, r = _run(container, bundle(["/probe", "stat", path]))
    assert r.returncode == 0, r.stdout + r.stderr
    facts = parse_probe(r.stdout)
    assert facts["type"] == "chr"
    assert (int(facts["major"]), int(facts["minor"])) == (major, minor)
    assert facts["mode"] == "0666"


@pytest.mark.parametrize("link,target", [
    ("/dev/fd", "/proc/self/fd"), ("/dev/stdin", "/proc/self/fd/0"), ("/dev/stdout", "/proc/self/fd/1"),
    ("/dev/stderr", "/proc/self/fd/2"),
])
def test_default_dev_symlinks(link, target, bundle, container):
    _, r = _run(container, bundle(["readlink", link]))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == target


def test_dev_ptmx_points_into_devpts(bundle, container):
    _, r = _run(container, bundle(["sh", "-c", "readlink /dev/ptmx; /probe stat /dev/pts/ptmx"]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0] == "pts/ptmx"


def test_linux_devices(bundle, container):
    b = bundle(["sh", "-c", "/probe stat /dev/mydev; echo zero=$(head -c 4 /dev/mydev | wc -c)"])
    b.linux["devices"] = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 5, "fileMode": 0o644,
                           "uid": 1000, "gid": 1000}]
    b.linux["resources"]["devices"] = [{"allow": False, "access": "rwm"},
                                       {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    facts = parse_probe(r.stdout)
    assert facts["type"] == "chr"
    assert (facts["major"], facts["minor"]) == ("1", "5")
    assert facts["mode"] == "0644"
    assert (facts["uid"], facts["gid"]) == ("1000", "1000")
    assert facts["zero"] == "4"


def test_device_cgroup_denies_unlisted_device(bundle, container):
    # mknod works (CAP_MKNOD), but the device cgroup default (deny all) forbids opening it.
    b = bundle(["sh", "-c", "mknod /tmp/sda b 8 0 && /probe write /tmp/sda x"])
    b.process["capabilities"] = {k: ["CAP_MKNOD"] for k in ("bounding", "effective", "permitted")}
    _, r = _run(container, b)
    assert "error=EPERM" in r.stdout, r.stdout + r.stderr


def test_bind_mount_readonly(bundle, container, test_dir):
    src = os.path.join(test_dir, "shared")
    os.mkdir(src)
    with open(os.path.join(src, "marker"), "w") as f:
        f.write("from-host")
    b = bundle(["sh", "-c", "cat /mnt/data/marker; echo; /probe write /mnt/data/new x"])
    b.config["mounts"].append({"destination": "/mnt/data", "type": "bind", "source": src,
                               "options": ["rbind", "ro"]})
    _, r = _run(container, b)
    assert r.stdout.startswith("from-host"), r.stdout + r.stderr
    assert "error=EROFS" in r.stdout
    assert not os.path.exists(os.path.join(src, "new"))


def test_bind_mount_writable(bundle, container, test_dir):
    src = os.path.join(test_dir, "shared")
    os.mkdir(src)
    b = bundle(["/probe", "write", "/mnt/data/new", "x"])
    b.config["mounts"].append({"destination": "/mnt/data", "type": "bind", "source": src,
                               "options": ["bind", "rw"]})
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert os.path.exists(os.path.join(src, "new"))


def test_tmpfs_mount_with_options(bundle, container):
    b = bundle(["sh", "-c", "grep ' /scratch ' /proc/self/mountinfo; /probe write /scratch/f x"])
    b.config["mounts"].append({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                               "options": ["nosuid", "nodev", "mode=700", "size=1m"]})
    _, r = _run(container, b)
    assert r.returncode == 0, r.stdout + r.stderr
    line = r.stdout.splitlines()[0]
    assert "tmpfs" in line and "nosuid" in line and "nodev" in line
    assert not os.path.exists(os.path.join(b.rootfs, "scratch", "f"))


def test_proc_symlink_to_root_stays_inside(bundle, container, test_dir):
    # /proc -> / in the rootfs: a runtime must not follow it out of the rootfs. Either it
    # refuses, or procfs lands inside the container (never over the host's /).
    b = bundle(["sh", "-c", "ls /bin/busybox && cat /proc/self/mountinfo"])
    os.rmdir(os.path.join(b.rootfs, "proc"))
    os.symlink("/", os.path.join(b.rootfs, "proc"))
    before = stable_mounts(test_dir)
    c = container(b)
    r = c.run()
    if r.returncode == 0:
        assert "/bin/busybox" in r.stdout
    else:
        assert "proc" in r.stderr
    assert stable_mounts(test_dir) == before
    assert os.path.islink(os.path.join(b.rootfs, "proc"))


def test_bind_mount_onto_symlink_pointing_outside(bundle, container, test_dir):
    # rootfs/escape -> <host dir>: the bind mount must land on the path resolved inside the
    # rootfs, so the host directory stays untouched.
    outside = os.path.join(test_dir, "outside")
    os.mkdir(outside)
    src = os.path.join(test_dir, "src")
    os.mkdir(src)
    with open(os.path.join(src, "marker"), "w") as f:
        f.write("inside")
    b = bundle(["sh", "-c", "cat /escape/marker"])
    os.symlink(outside, os.path.join(b.rootfs, "escape"))
    b.config["mounts"].append({"destination": "/escape", "type": "bind", "source": src, "options": ["bind"]})
    before = stable_mounts(test_dir)
    c = container(b)
    r = c.run()
    assert stable_mounts(test_dir) == before
    assert os.listdir(outside) == []
    if r.returncode == 0:
        assert r.stdout == "inside"
        # what was created for the mount point lies inside the rootfs
        assert os.path.isdir(os.path.join(b.rootfs, outside.lstrip("/")))


def test_relative_symlink_escape_stays_inside(bundle, container, test_dir):
    outside = os.path.join(test_dir, "outside")
    os.mkdir(outside)
    # the symlink climbs far enough to leave the rootfs if it were resolved on the host
    b = bundle(["stat", "-f", "-c", "%T", "/mnt/t/"])
    os.makedirs(os.path.join(b.rootfs, "mnt"))
    depth = b.rootfs.count("/") + 1
    os.symlink("../" * depth + outside.lstrip("/"), os.path.join(b.rootfs, "mnt", "t"))
    b.config["mounts"].append({"destination": "/mnt/t", "type": "tmpfs", "source": "tmpfs"})
    before = stable_mounts(test_dir)
    c = container(b)
    r = c.run()
    assert stable_mounts(test_dir) == before
    assert os.listdir(outside) == []
    if r.returncode == 0:
        # the tmpfs sits where the link leads inside the container
        assert r.stdout.strip() == "tmpfs", r.stdout + r.stderr
    else:
        assert r.stderr.strip()


# --- Behaviour that external conformance suites check ---------------------------------------

def _run_in(c, prefix, *extra):
    """`run` of container c with the runtime started under `prefix` (e.g. a throw-away
    `unshare -m`), so that whatever it does to its namespaces stays in them."""
    c._prepare()
    argv = prefix + c.runtime.argv("run", "--bundle", c.bundle.path, *extra, c.id)
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    print("$ %s\n-> rc=%s\nstdout: %s\nstderr: %s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


PRIVATE_MNTNS = ["unshare", "-m", "--propagation", "private"]


def test_no_mount_namespace_runs_in_the_callers(bundle, container):
    """config-linux.md: a namespace that is not listed is inherited. Without a mount namespace
    the container runs in the caller's (a throw-away one here), chrooted into its rootfs, with
    its mounts made there."""
    b = bundle(["sh", "-c", "ls /probe; cat /proc/self/mountinfo | wc -l; /probe stat /dev/null"])
    b.remove_namespace("mount")
    r = _run_in(container(b), PRIVATE_MNTNS)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "/probe"
    facts = parse_probe(r.stdout)
    assert (facts["type"], facts["major"], facts["minor"]) == ("chr", "1", "3")
    assert mounts_under(b.rootfs) == []


def test_no_mount_namespace_refuses_what_cannot_work(bundle, container):
    """A read-only root needs a mount namespace of its own (it would change the caller's)."""
    b = bundle(["true"])
    b.remove_namespace("mount")
    b.config["root"]["readonly"] = True
    r = _run_in(container(b), PRIVATE_MNTNS)
    assert r.returncode != 0
    assert "root.readonly" in r.stderr and "mount namespace" in r.stderr, r.stderr


def test_no_mount_namespace_failed_create_leaves_no_mount(bundle, container):
    """Without a mount namespace the mounts go into the caller's; a create that fails after
    them (here: no such executable) takes them away again, and only them: what an engine
    mounted on the rootfs before (a bind standing for its overlay) stays."""
    b = bundle(["/no/such/program"])
    b.remove_namespace("mount")
    c = container(b)
    c._prepare()
    run = " ".join(c.runtime.argv("run", "--bundle", c.bundle.path, c.id))
    script = ('mount --bind {r} {r} && {run}; '
              'echo "on=$(awk \'$5 == "{r}"\' /proc/self/mountinfo | wc -l)"; '
              'echo "below=$(awk \'index($5, "{r}/") == 1\' /proc/self/mountinfo | wc -l)"'
              ).format(r=b.rootfs, run=run)
    r = subprocess.run(PRIVATE_MNTNS + ["sh", "-c", script], capture_output=True, text=True,
                       timeout=60)
    assert "no such file or directory" in r.stderr, r.stderr
    assert "on=1" in r.stdout and "below=0" in r.stdout, r.stdout + r.stderr


def test_readonly_root_without_proc(bundle, container):
    """root.readonly does not depend on the container's /proc (none is mounted here)."""
    b = bundle(["/probe", "write", "/x"])
    b.config["root"]["readonly"] = True
    b.config["mounts"] = [m for m in b.config["mounts"] if m["type"] != "proc"]
    b.linux["maskedPaths"] = []
    b.linux["readonlyPaths"] = []
    r = container(b).run()
    assert "error=EROFS" in r.stdout, r.stdout + r.stderr


def test_missing_cwd_created_before_root_goes_readonly(bundle, container):
    b = bundle(["sh", "-c", "pwd"])
    b.config["root"]["readonly"] = True
    b.process["cwd"] = "/work/dir"
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "/work/dir"
    assert os.path.isdir(os.path.join(b.rootfs, "work", "dir"))


def test_missing_cwd_created_inside_the_root(bundle, container, test_dir):
    """A cwd through a symlink that points out of the rootfs is created inside it."""
    outside = os.path.join(test_dir, "outside")
    os.mkdir(outside)
    b = bundle(["pwd"])
    os.symlink(outside, os.path.join(b.rootfs, "escape"))
    b.process["cwd"] = "/escape/sub"
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert os.listdir(outside) == []
    assert os.path.isdir(os.path.join(b.rootfs, outside.lstrip("/"), "sub"))


def test_bind_on_root_listed_first(bundle, container, test_dir, cached_rootfs):
    """A bind mount on / listed first: the usual mounts go on top of it (as runc)."""
    other = os.path.join(test_dir, "other-root")
    subprocess.run(["cp", "-a", cached_rootfs, other], check=True)
    with open(os.path.join(other, "marker"), "w") as f:
        f.write("other")
    b = bundle(["sh", "-c", "cat /marker; echo; /probe"])
    b.config["mounts"].insert(0, {"destination": "/", "type": "bind", "source": other,
                                  "options": ["rbind", "rw"]})
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("other\n")
    mounts = parse_probe(r.stdout)["mount"]
    assert "/proc" in mounts and "/dev" in mounts and "/sys" in mounts, mounts


def test_tmpfs_keeps_the_mode_of_the_directory_it_covers(bundle, container):
    b = bundle(["/probe", "stat", "/scratch"])
    os.mkdir(os.path.join(b.rootfs, "scratch"))
    os.chmod(os.path.join(b.rootfs, "scratch"), 0o712)
    b.config["mounts"].append({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"})
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert parse_probe(r.stdout)["mode"] == "0712"


def test_tmpfs_mode_option_wins(bundle, container):
    b = bundle(["/probe", "stat", "/scratch"])
    os.mkdir(os.path.join(b.rootfs, "scratch"))
    os.chmod(os.path.join(b.rootfs, "scratch"), 0o712)
    b.config["mounts"].append({"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
                               "options": ["mode=0750"]})
    r = container(b).run()
    assert parse_probe(r.stdout)["mode"] == "0750", r.stdout + r.stderr


@pytest.mark.parametrize("path,where", [("/dev/slash/", "/dev/slash"), ("//dev//double", "/dev/double"),
                                        ("/dev/./dot", "/dev/dot")])
def test_device_paths_are_normalised(path, where, bundle, container):
    b = bundle(["/probe", "stat", where])
    b.linux["devices"] = [{"path": path, "type": "c", "major": 1, "minor": 5}]
    r = container(b).run()
    assert r.returncode == 0, r.stdout + r.stderr
    facts = parse_probe(r.stdout)
    assert (facts["type"], facts["major"], facts["minor"]) == ("chr", "1", "5")


def test_readonly_dev_gets_its_submounts_and_devices(bundle, container):
    """A read-only /dev: /dev/pts, /dev/shm, the devices and the /dev symlinks are made first,
    then /dev goes read-only (runc's order)."""
    b = bundle(["sh", "-c", "/probe stat /dev/null; ls /dev/pts/ptmx; readlink /dev/fd; "
                            "/probe write /dev/new; grep ' /dev ' /proc/self/mountinfo"])
    dev = next(m for m in b.config["mounts"] if m["destination"] == "/dev")
    dev["options"].append("ro")
    r = container(b).run()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "type=chr" in r.stdout and "/dev/pts/ptmx" in r.stdout and "/proc/self/fd" in r.stdout
    assert "error=EROFS" in r.stdout
    assert " ro," in r.stdout.splitlines()[-1]


def test_readonly_tmpfs_with_a_mount_under_it(bundle, container):
    b = bundle(["sh", "-c", "/probe write /data/x; /probe write /data/sub/x"])
    b.config["mounts"] += [
        {"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]},
        {"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"},
    ]
    r = container(b).run()
    assert r.returncode == 0 or "error=" in r.stdout, r.stderr
    assert r.stdout.splitlines() == ["error=EROFS", "errno=30", "msg=open /data/x: Read-only file system", "ok"], \
        r.stdout + r.stderr


@pytest.mark.parametrize("dest", ["/proc", "/sys"])
def test_symlinked_proc_or_sys_is_refused(dest, bundle, container, test_dir):
    b = bundle(["true"])
    path = os.path.join(b.rootfs, dest.lstrip("/"))
    os.rmdir(path)
    os.mkdir(os.path.join(b.rootfs, "elsewhere"))
    os.symlink("/elsewhere", path)
    r = container(b).run()
    assert r.returncode != 0
    assert "must be mounted on ordinary directory" in r.stderr and dest in r.stderr, r.stderr


HOST_ID = 100000


def test_userns_bind_source_under_root_only_directory(bundle, container, test_dir):
    """The runtime, not the mapped container user, opens bind sources: a source under a 0700
    (or 0000) root-owned host directory mounts in a user namespace mapped to unprivileged ids."""
    locked = os.path.join(test_dir, "locked")
    os.makedirs(os.path.join(locked, "data"))
    with open(os.path.join(locked, "data", "f"), "w") as f:
        f.write("secret-ok")
    os.chmod(os.path.join(locked, "data", "f"), 0o644)
    os.chmod(locked, 0o000)
    b = bundle(["cat", "/mnt/data/f"])
    os.makedirs(os.path.join(b.rootfs, "mnt", "data"))  # the mapped root cannot create it
    b.add_namespace("user")
    b.linux["uidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": 65536}]
    b.linux["gidMappings"] = [{"containerID": 0, "hostID": HOST_ID, "size": 65536}]
    b.config["root"]["readonly"] = True
    b.config["mounts"].append({"destination": "/mnt/data", "type": "bind",
                               "source": os.path.join(locked, "data"), "options": ["rbind", "ro"]})
    try:
        r = container(b).run()
    finally:
        os.chmod(locked, 0o700)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "secret-ok"
