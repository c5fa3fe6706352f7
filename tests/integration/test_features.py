# SPDX-License-Identifier: GPL-2.0-or-later
# features: the JSON engines read to decide what to ask for. Its shape, and that what it
# announces works (every announced namespace can be created).
import json
import os

import pytest

from lib import parse_probe

pytestmark = pytest.mark.cli

NS_FILES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt", "cgroup": "cgroup",
            "user": "user", "time": "time"}


def test_features_shape(features):
    if not features:
        pytest.fail("`features` printed no JSON")
    assert features["ociVersionMin"].startswith("1.")
    assert features["ociVersionMax"].startswith("1.")
    assert set(features.get("hooks", [])) <= {"prestart", "createRuntime", "createContainer", "startContainer",
                                             "poststart", "poststop"}
    assert isinstance(features.get("mountOptions", []), list)
    namespaces = features["linux"]["namespaces"]
    assert {"pid", "mount"} <= set(namespaces)
    assert set(namespaces) <= set(NS_FILES)


def test_announced_namespaces_work(features, bundle, container):
    namespaces = features.get("linux", {}).get("namespaces", [])
    if not namespaces:
        pytest.skip("no features")
    for ns_type in namespaces:
        b = bundle(["/probe", "sleep"])
        b.add_namespace(ns_type)
        if ns_type == "user":
            b.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
            b.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
            b.config["root"]["readonly"] = True
        c = container(b)
        r = c.create()
        assert r.returncode == 0, (ns_type, r.stderr)
        ns_file = NS_FILES[ns_type]
        assert os.readlink("/proc/%d/ns/%s" % (c.pid, ns_file)) != os.readlink("/proc/self/ns/%s" % ns_file)
        assert c.delete(force=True).returncode == 0


def _schema_dir():
    """runtime-spec's schema folder: $HUTCH_SPEC_SCHEMA, or ../shared/runtime-spec/schema
    beside the repository (a development checkout); None when neither exists."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for d in (os.environ.get("HUTCH_SPEC_SCHEMA"),
              os.path.join(os.path.dirname(repo), "shared", "runtime-spec", "schema")):
        if d and os.path.exists(os.path.join(d, "features-schema.json")):
            return d
    return None


def test_features_validate_against_schema(features):
    d = _schema_dir()
    if d is None:
        pytest.skip("runtime-spec schema not found (set HUTCH_SPEC_SCHEMA to its folder)")
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(d, "features-schema.json")) as f:
        schema = json.load(f)
    resolver = jsonschema.RefResolver("file://%s/" % d, schema)
    jsonschema.Draft4Validator(schema, resolver=resolver).validate(features)


def _kernel_last_cap():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        return int(f.read())


def test_announced_capabilities_are_exactly_the_kernels(features, bundle, container):
    caps = features["linux"]["capabilities"]
    last = _kernel_last_cap()
    # every capability of this kernel is announced (nothing that works is left out) ...
    assert len(caps) >= last + 1, caps
    # ... and every announced one this kernel has can be granted (CapBnd has its bit)
    b = bundle(["/probe"])
    usable = caps[:last + 1]
    for s in ("bounding", "effective", "permitted"):
        b.process["capabilities"][s] = usable
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    bnd = int(parse_probe(r.stdout)["CapBnd"], 16)
    # all of them, less what hutch itself lacks (this host withholds CAP_SYS_RESOURCE)
    with open("/proc/self/status") as f:
        own = int([l.split()[1] for l in f if l.startswith("CapBnd:")][0], 16)
    assert bnd == ((1 << (last + 1)) - 1) & own, hex(bnd)


BIND_ONLY = {"bind", "rbind", "shared", "rshared", "slave", "rslave", "private", "rprivate",
             "unbindable", "runbindable"}


def test_announced_mount_options_all_work(features, bundle, container, test_dir):
    # one container, one mount per announced option: create fails naming any that does not
    opts = [o for o in features["mountOptions"] if o not in ("idmap", "ridmap", "remount")]
    src = os.path.join(test_dir, "src")
    os.mkdir(src)
    b = bundle(["/probe"])
    for i, o in enumerate(opts):
        dest = "/tmp/m%d" % i
        if o in BIND_ONLY or o.startswith("r") and o[1:] in ("ro", "rw", "nosuid", "suid", "nodev",
                                                            "dev", "noexec", "exec", "atime",
                                                            "noatime", "diratime", "nodiratime",
                                                            "relatime", "norelatime",
                                                            "strictatime", "nostrictatime",
                                                            "symfollow", "nosymfollow"):
            m = {"destination": dest, "type": "bind", "source": src,
                 "options": ["rbind" if o != "bind" else "bind", o]}
        else:
            m = {"destination": dest, "type": "tmpfs", "source": "tmpfs", "options": [o]}
        b.config["mounts"].append(m)
    # remount: applies to a mount already there
    b.config["mounts"].append({"destination": "/tmp/re", "type": "tmpfs", "source": "tmpfs"})
    b.config["mounts"].append({"destination": "/tmp/re", "type": "tmpfs", "source": "tmpfs",
                               "options": ["remount", "ro"]})
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    # idmap and ridmap are exercised in test_userns.py (they need a user namespace)
    assert {"idmap", "ridmap"} <= set(features["mountOptions"])


def test_announced_seccomp_matches_what_is_tested(features):
    sc = features["linux"]["seccomp"]
    assert sc["enabled"] is True
    # each of these is exercised from inside a container in test_seccomp.py
    assert set(sc["actions"]) == {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                  "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
                                  "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}
    assert set(sc["operators"]) == {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
    assert "SCMP_ARCH_X86_64" in sc["archs"]


def test_unimplemented_features_are_not_announced(features, bundle, container):
    lx = features["linux"]
    assert lx["intelRdt"]["enabled"] is False
    # and asking for them fails clearly rather than being ignored
    b = bundle(["/probe"])
    b.linux["intelRdt"] = {"closID": "hutch-test"}
    r = container(b).create()
    assert r.returncode != 0 and "intelRdt" in r.stderr, r.stderr
    assert lx["cgroup"]["v1"] and lx["cgroup"]["v2"]
    # the systemd driver, rootful and through a user's systemd --user (test_cgroup_placement.py
    # and test_rootless_cgroup.py run both where systemd is PID 1: the VM's systemd boot)
    assert lx["cgroup"]["systemd"] is True and lx["cgroup"]["systemdUser"] is True
    assert lx["mountExtensions"]["idmap"]["enabled"] is True


def test_net_devices_announced(features):
    # exercised from inside containers in test_netdev.py
    assert features["linux"]["netDevices"]["enabled"] is True
