# SPDX-License-Identifier: GPL-2.0-or-later
# features: the JSON engines read to decide what to ask for. Its shape, and that what it
# announces works (every announced namespace can be created).
import os

import pytest

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
