# SPDX-License-Identifier: GPL-2.0-or-later
# The process object: capabilities (all five sets), rlimits (lowered only: this host lacks
# CAP_SYS_RESOURCE), user/groups/umask, cwd, env, noNewPrivileges, oomScoreAdj, and a
# seccomp filter; where the runtime's warnings go; the session of the init and of exec, and
# loopback in a new network namespace.
import json
import os
import shutil
import subprocess

import pytest

from lib import assert_nothing_left, parse_probe

pytestmark = pytest.mark.process

CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE, CAP_CHOWN, CAP_SYS_ADMIN = 5, 10, 29, 0, 21


def mask(*caps):
    return "%016x" % sum(1 << c for c in caps)


def probe_run(container, b):
    r = container(b).run()
    assert r.returncode == 0, r.stdout + r.stderr
    return parse_probe(r.stdout)


def test_default_capabilities(bundle, container):
    f = probe_run(container, bundle(["/probe"]))
    want = mask(CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE)
    assert f["CapEff"] == want
    assert f["CapPrm"] == want
    assert f["CapBnd"] == want
    # The kernel only raises ambient capabilities that are also inheritable; the default
    # (like runc spec's) lists none as inheritable.
    assert f["CapInh"] == mask()
    assert f["CapAmb"] == mask()


def test_ambient_capabilities(bundle, container):
    b = bundle(["/probe"])
    b.process["user"] = {"uid": 1000, "gid": 1000}
    b.process["capabilities"] = {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
                                 for k in ("bounding", "effective", "permitted", "inheritable", "ambient")}
    f = probe_run(container, b)
    # ambient capabilities survive the switch to a non-root user and the execve
    want = mask(CAP_KILL, CAP_NET_BIND_SERVICE)
    assert f["uid"] == "1000"
    assert f["CapAmb"] == want
    assert f["CapEff"] == want


def test_capability_sets_are_independent(bundle, container):
    b = bundle(["/probe"])
    b.process["capabilities"] = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_SYS_ADMIN"],
        "permitted": ["CAP_CHOWN", "CAP_KILL"],
        "effective": ["CAP_CHOWN", "CAP_KILL"],
        "inheritable": ["CAP_KILL"],
    }
    f = probe_run(container, b)
    # (for uid 0 the execve makes effective equal to permitted anyway)
    assert f["CapBnd"] == mask(CAP_CHOWN, CAP_KILL, CAP_SYS_ADMIN)
    assert f["CapPrm"] == mask(CAP_CHOWN, CAP_KILL)
    assert f["CapEff"] == mask(CAP_CHOWN, CAP_KILL)
    assert f["CapInh"] == mask(CAP_KILL)
    assert f["CapAmb"] == mask()


def test_no_capabilities(bundle, container):
    b = bundle(["/probe"])
    b.process["capabilities"] = {}
    f = probe_run(container, b)
    for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"):
        assert f[key] == mask(), key


def test_dropped_capability_is_enforced(bundle, container):
    # without CAP_CHOWN even root cannot chown
    b = bundle(["sh", "-c", "touch /f && chown 1000 /f; echo rc=$?"])
    f = probe_run(container, b)
    assert f["rc"] != "0"


def test_unknown_capability_is_a_warning(bundle, container):
    # config.md: capabilities that cannot be mapped are logged as a warning, not a failure
    b = bundle(["/probe"])
    b.process["capabilities"] = {k: ["CAP_KILL", "CAP_NOT_A_CAP"] for k in ("bounding", "effective", "permitted")}
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert "CAP_NOT_A_CAP" in r.stderr
    assert parse_probe(r.stdout)["CapBnd"] == mask(CAP_KILL)


def _log_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f.read().splitlines() if line.strip()]


def test_init_warnings_go_to_the_log_not_the_container(bundle, container, runtime, test_dir):
    # The init's own warnings (here: an unknown capability, parsed inside the container
    # process) belong to --log in its format; the container's stdio is the workload's.
    log = os.path.join(test_dir, "log.json")
    b = bundle(["/probe"])
    b.process["capabilities"] = {k: ["CAP_KILL", "CAP_NOT_A_CAP"] for k in ("bounding", "effective", "permitted")}
    c = container(b)
    c._prepare()
    r = runtime.detached("--log", log, "--log-format", "json", "create", "--bundle", b.path, c.id,
                         out=c.out, err=c.err)
    assert r.returncode == 0, r.stderr
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert "CAP_NOT_A_CAP" not in c.stderr_output() + c.output()
    warnings = [l for l in _log_lines(log) if l["level"] == "warning"]
    assert any("CAP_NOT_A_CAP" in l["msg"] for l in warnings), warnings


def test_exec_warnings_go_to_the_log_not_the_process(bundle, container, runtime, test_dir):
    log = os.path.join(test_dir, "log.json")
    c = container(bundle(["/probe", "sleep"]))
    assert c.create().returncode == 0 and c.start().returncode == 0
    r = runtime.cmd("--log", log, "--log-format", "json", "exec", "--cap", "CAP_NOT_A_CAP", c.id,
                    "/probe")
    assert r.returncode == 0, r.stderr
    assert "CAP_NOT_A_CAP" not in r.stdout + r.stderr
    assert any("CAP_NOT_A_CAP" in l["msg"] for l in _log_lines(log) if l["level"] == "warning")


def _spec_config(runtime, b):
    """The config `spec` writes, with the probe instead of an interactive shell."""
    r = runtime.cmd("spec", "--bundle", b.path, root=False)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(b.path, "config.json")) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    return cfg


def test_default_spec_runs_silently(bundle, container, runtime):
    # A user's first container (and every exec into it) says nothing but its own output:
    # the default capabilities are consistent, as runc spec's (no inheritable, no ambient)
    b = bundle(["/probe"])
    b.config = _spec_config(runtime, b)
    b.config["process"]["args"] = ["/probe"]
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    f = parse_probe(r.stdout)
    assert f["CapEff"] == f["CapPrm"] == mask(CAP_KILL, CAP_NET_BIND_SERVICE, CAP_AUDIT_WRITE)
    assert f["CapInh"] == f["CapAmb"] == mask()
    b.config["process"]["args"] = ["/probe", "sleep"]
    c = container(b)
    r = c.run(detach=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = runtime.cmd("exec", c.id, "/probe", "exit", "0")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert c.stderr_output() == ""


def test_ambient_listed_without_inheritable_is_not_a_warning(bundle, container):
    # config.md lets a config list ambient capabilities the kernel cannot raise (not
    # inheritable); runc leaves them out silently
    b = bundle(["/probe"])
    b.process["capabilities"]["ambient"] = ["CAP_KILL"]
    b.process["capabilities"].pop("inheritable", None)
    r = container(b).run()
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert parse_probe(r.stdout)["CapAmb"] == mask()


def test_rlimits_lowered(bundle, container):
    b = bundle(["/probe"])
    b.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
        {"type": "RLIMIT_MSGQUEUE", "soft": 4096, "hard": 8192},
    ]
    f = probe_run(container, b)
    assert f["rlimit.NOFILE"] == "512:1000"
    assert f["rlimit.CORE"] == "0:0"
    assert f["rlimit.NPROC"] == "300:400"
    assert f["rlimit.MSGQUEUE"] == "4096:8192"


def test_rlimit_soft_above_hard_fails(bundle, container):
    b = bundle(["/probe"])
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 2000, "hard": 1000}]
    r = container(b).run()
    assert r.returncode != 0


def test_duplicate_rlimit_fails(bundle, container, runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 does not reject duplicate rlimits")
    b = bundle(["/probe"])
    # the second entry only lowers the first: nothing but the duplicate check can reject it
    b.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 200},
                            {"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100}]
    r = container(b).run()
    assert r.returncode != 0


def test_user_uid_gid_and_additional_gids(bundle, container):
    b = bundle(["/probe"])
    b.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20, 1000]}
    f = probe_run(container, b)
    assert (f["uid"], f["euid"], f["gid"], f["egid"]) == ("1000", "1000", "1000", "1000")
    assert {"10", "20", "1000"} <= set(f["groups"].split(","))


def test_user_without_additional_gids_has_no_host_groups(bundle, container):
    b = bundle(["/probe"])
    b.process["user"] = {"uid": 1000, "gid": 1000}
    f = probe_run(container, b)
    assert set(filter(None, f["groups"].split(","))) <= {"1000"}


def test_umask(bundle, container):
    b = bundle(["/probe"])
    b.process["user"]["umask"] = 0o077
    assert probe_run(container, b)["umask"] == "0077"


def test_default_umask(bundle, container):
    assert probe_run(container, bundle(["/probe"]))["umask"] == "0022"


def test_cwd(bundle, container):
    b = bundle(["/probe"])
    b.process["cwd"] = "/tmp"
    assert probe_run(container, b)["cwd"] == "/tmp"


def test_env_is_exactly_passed(bundle, container):
    b = bundle(["/probe"])
    b.process["env"] = ["PATH=/bin:/usr/bin", "A=1", "B=two words", "EMPTY="]
    env = probe_run(container, b)["env"]
    for e in b.process["env"]:
        assert e in env
    assert not any(e.startswith("PYTEST") for e in env)


def test_args_are_passed_verbatim(bundle, container):
    b = bundle(["sh", "-c", 'for a in "$@"; do echo "arg=$a"; done', "sh", "a b", "", "$HOME", "*"])
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["arg=a b", "arg=", "arg=$HOME", "arg=*"]


def test_path_lookup_of_relative_command(bundle, container):
    b = bundle(["hostname"])
    b.config["hostname"] = "lookup"
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "lookup"


@pytest.mark.parametrize("nnp,want", [(True, "1"), (False, "0")])
def test_no_new_privileges(nnp, want, bundle, container):
    b = bundle(["/probe"])
    b.process["noNewPrivileges"] = nnp
    assert probe_run(container, b)["NoNewPrivs"] == want


def test_oom_score_adj(bundle, container):
    b = bundle(["/probe"])
    b.process["oomScoreAdj"] = 500
    assert probe_run(container, b)["oom_score_adj"] == "500"


@pytest.mark.seccomp
def test_seccomp_errno_filter(bundle, container):
    b = bundle(["sh", "-c", "/probe mkdir /tmp/d; /probe"])
    b.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    r = container(b).run()
    f = parse_probe(r.stdout)
    assert f["error"] == "EPERM", r.stdout + r.stderr
    assert f["Seccomp"] == "2"


def test_no_seccomp_by_default(bundle, container):
    assert probe_run(container, bundle(["/probe"]))["Seccomp"] == "0"


@pytest.mark.parametrize("field,value,lsm,enabled", [
    ("apparmorProfile", "hutch-test", "AppArmor", "/sys/module/apparmor/parameters/enabled"),
    ("selinuxLabel", "system_u:system_r:container_t:s0", "SELinux", "/sys/fs/selinux/enforce"),
])
def test_lsm_label_without_the_lsm_is_a_clear_error(bundle, container, runtime, field, value,
                                                    lsm, enabled):
    if os.path.exists(enabled):
        with open(enabled) as f:
            if f.read().strip() in ("Y", "0", "1"):
                pytest.skip("%s is enabled on this host" % lsm)
    b = bundle(["/probe"])
    b.process[field] = value
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert "process.%s" % field in r.stderr and "%s is not enabled" % lsm in r.stderr, r.stderr
    assert_nothing_left(c, runtime)


def _stat_ids(text):
    """(pid, pgrp, session) from a /proc/PID/stat line."""
    fields = text[text.rindex(")") + 2:].split()
    return text.split()[0], fields[2], fields[3]


def test_init_and_exec_get_their_own_session(bundle, container, runtime):
    # runc calls setsid for the init and for exec: inside, pgrp == session == the pid, not 0
    # (a session leader outside the pid namespace)
    b = bundle(["sh", "-c", "cat /proc/self/stat; exec /probe sleep"])
    c = container(b)
    assert c.run(detach=True).returncode == 0
    pid, pgrp, sid = _stat_ids(c.wait_output(")"))
    assert pid != "1"  # cat, a child of the init's shell: in the shell's group and session
    assert (pgrp, sid) == ("1", "1")
    r = runtime.cmd("exec", c.id, "cat", "/proc/self/stat")
    assert r.returncode == 0, r.stderr
    pid, pgrp, sid = _stat_ids(r.stdout)
    assert pid != "1" and pgrp == pid and sid == pid, r.stdout


def test_loopback_is_up_in_a_new_network_namespace(bundle, container):
    # as runc: lo of a network namespace the container gets is up (IFF_UP|IFF_LOOPBACK)
    b = bundle(["cat", "/sys/class/net/lo/flags"])
    r = container(b).run()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0x9"


def test_file_capabilities_with_no_new_privileges_as_non_root(bundle, container):
    # With no_new_privs, a non-root program with file capabilities gets those of them the
    # process was permitted before its execve (capabilities(7)). The runtime's own last step
    # (its helper program) must not shrink that set first: as runc without an intermediate.
    b = bundle(["/probe-cap"])
    shutil.copy2(os.path.join(b.rootfs, "probe"), os.path.join(b.rootfs, "probe-cap"))
    subprocess.run(["setcap", "cap_net_bind_service,cap_kill+ep", os.path.join(b.rootfs, "probe-cap")],
                   check=True)
    b.process["user"] = {"uid": 1000, "gid": 1000}
    caps = ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]
    b.process["capabilities"] = {"bounding": caps + ["CAP_KILL"], "permitted": caps, "effective": caps}
    b.process["noNewPrivileges"] = True
    f = probe_run(container, b)
    assert f["uid"] == "1000" and f["NoNewPrivs"] == "1"
    # CAP_KILL: in the file's set but not permitted before; CAP_CHOWN: not in the file's set
    assert f["CapPrm"] == f["CapEff"] == mask(CAP_NET_BIND_SERVICE), f
    assert f["CapAmb"] == mask() and f["CapInh"] == mask()


def _seccomp(rules):
    return {"defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "syscalls": rules}


@pytest.mark.parametrize("action,expect", [
    ("SCMP_ACT_ERRNO", "must allow execveat"),
    ("SCMP_ACT_KILL_PROCESS", "killed by signal 31 (SIGSYS)"),
])
def test_early_seccomp_denying_execveat_fails_create_clearly(action, expect, bundle, container,
                                                             runtime):
    # noNewPrivileges false: the filter goes in before the capabilities are dropped, so the
    # runtime's last step (execveat of its helper) runs under it; a profile that forbids it
    # is a clear error of create, not a container that dies after start.
    if runtime.is_runc:
        pytest.skip("the message is hutch's")
    b = bundle(["/probe"])
    b.process["noNewPrivileges"] = False
    b.linux["seccomp"] = _seccomp([{"names": ["execveat"], "action": action}])
    c = container(b)
    r = c.create()
    assert r.returncode != 0
    assert expect in r.stderr, r.stderr
    assert_nothing_left(c, runtime)


def test_late_seccomp_sees_only_the_programs_execve(bundle, container):
    # noNewPrivileges true: the helper loads the filter as its very last step, so calls the
    # runtime makes before (prctl, fcntl, ppoll on exec.fifo, capset, execveat) are not
    # filtered, and the program's own execve (not execveat) is the first call that is
    b = bundle(["/probe", "exit", "0"])
    b.process["noNewPrivileges"] = True
    names = ["prctl", "fcntl", "ppoll", "poll", "capset", "execveat", "memfd_create"]
    b.linux["seccomp"] = _seccomp([{"names": names, "action": "SCMP_ACT_KILL_PROCESS"}])
    c = container(b)
    assert c.create().returncode == 0, c.stderr_output()
    assert c.start().returncode == 0
    c.wait_status("stopped")
    assert c.stderr_output() == ""
