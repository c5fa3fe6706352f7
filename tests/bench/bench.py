#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Side-by-side benchmark of hutch, crun and runc (when installed) and the
floor, `unshare -m -p -u -i -n -f /bin/true`. Run as root from anywhere:

    tests/bench/bench.py [--rounds 5] [--batch 50] [--quick] [--only run,exec,...]

Prints tables and asserts nothing (the machine is shared and noisy):

run       CPU ms (user+sys of the runtime and the children it waits for) and
          wall ms per container: `run` + `delete -f` of /bin/true from a
          busybox bundle, BATCH containers in a row per round, ROUNDS rounds
          with the runtimes interleaved (the order rotates every round);
          medians over the rounds with min-max, and ratios to hutch
exec      the same for `exec` of /bin/true into a running container
rss       peak RSS of every verb (create, start, state, list, ps, exec,
          events --stats, update, pause, resume, kill, delete, run, spec,
          features)
scale     create, state, list and delete with 10, 100, 1000 other containers
memlimit  run of /bin/true under a 512 KiB memory limit
parse     peak RSS of `create` of a bundle whose config.json is ~100 MB (a
          large annotations map; the rootfs is missing, so create fails right
          after parsing), and of hutch's parser alone (bench_parse, if built)

The runtimes are started by a small C launcher (spawn.c, compiled here) that
times them with wait4(2); see spawn.c for why. crun 1.8 refuses hybrid
cgroup hosts: there it runs in a private mount namespace with cgroup2 mounted
on /sys/fs/cgroup, and, without CAP_SYS_RESOURCE, with an LD_PRELOAD library
(memlock_preload.c, compiled here) that lets its RLIMIT_MEMLOCK raise pass.

--seccomp gives every runtime the Docker-default-sized profile from
tests/fixtures (hutch's compiled filter is cached under <root>/.seccomp-cache;
a "hutch cold-cache" line drops that cache before every container), then runs
bench_seccomp (when built) for the compile time alone.
"""
import argparse
import ctypes
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SECTIONS = ("run", "exec", "rss", "scale", "memlimit", "parse")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def compile_c(src, out, extra):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        sys.exit("bench.py: a C compiler is needed to build %s" % os.path.basename(src))
    subprocess.run([cc, "-O2", "-Wall", "-o", out, src] + extra, check=True)


def build_helpers(tmp):
    spawn = os.path.join(tmp, "spawn")
    try:  # static: its peak RSS, folded into the child's at exec, stays tiny
        compile_c(os.path.join(HERE, "spawn.c"), spawn, ["-static"])
    except subprocess.CalledProcessError:
        compile_c(os.path.join(HERE, "spawn.c"), spawn, [])
    return spawn


def cgroup_unified():
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def have_cap_sys_resource():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return bool(int(line.split()[1], 16) & (1 << 24))
    return False


def set_subreaper():
    """Orphans (created containers' inits) come to us and get reaped,
    instead of lingering as zombies under a PID 1 that reaps slowly."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


# --- bundles ---------------------------------------------------------------

def default_parents():
    """hutch's default cgroup parent (/hutch) in every hierarchy where it exists."""
    return set(os.path.realpath(d) for d in glob.glob("/sys/fs/cgroup/hutch") +
               glob.glob("/sys/fs/cgroup/*/hutch") if os.path.isdir(d))


def remove_default_parents(had):
    """Remove the /hutch parents this run's containers made (delete keeps them for the next
    container): the host is left as it was."""
    for d in default_parents() - had:
        try:
            os.rmdir(d)
        except OSError:
            pass


def busybox_rootfs():
    rootfs = os.path.join(REPO, "bundles", "busybox", "rootfs")
    if not os.path.exists(os.path.join(rootfs, "bin", "busybox")):
        subprocess.run([os.path.join(REPO, "bundles", "busybox", "make-rootfs.sh"), rootfs],
                       check=True, stdout=subprocess.DEVNULL)
    return rootfs


def base_config(args, seccomp):
    with open(os.path.join(REPO, "bundles", "busybox", "config.json")) as f:
        cfg = json.load(f)
    cfg["ociVersion"] = "1.0.2"  # the oldest in use: Debian 12's crun refuses newer ones
    cfg["root"] = {"path": busybox_rootfs(), "readonly": True}
    cfg["process"]["args"] = args
    cfg["process"]["terminal"] = False
    if seccomp:
        with open(os.path.join(REPO, "tests", "fixtures", "seccomp", "default-profile.json")) as f:
            prof = json.load(f)
        cfg["linux"]["seccomp"] = prof["linux"]["seccomp"] if "linux" in prof else prof
    return cfg


def write_bundle(tmp, name, cfg):
    bundle = os.path.join(tmp, "bundle-" + name)
    os.makedirs(bundle, exist_ok=True)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f)
    return bundle


def write_big_bundle(tmp, mib):
    """A config.json of about `mib` MiB: a valid config plus a large
    annotations map (1 KiB values), naming a rootfs that does not exist."""
    cfg = base_config(["/bin/true"], False)
    cfg["root"] = {"path": os.path.join(tmp, "no-such-rootfs")}
    value = "v" * 1024
    cfg["annotations"] = {"org.example.key.%08d" % i: value
                          for i in range(mib * 1024 * 1024 // (len(value) + 32))}
    return write_bundle(tmp, "big", cfg)


# --- runtimes --------------------------------------------------------------

class Runtime:
    """A runtime binary, its own state root, and how the launcher starts it."""

    def __init__(self, name, binary, tmp, spawn_opts=(), label=None):
        self.name, self.binary = name, binary
        self.root = os.path.join(tmp, "state-" + name)
        self.spawn_opts = list(spawn_opts)
        self.label = label or name
        self.failed = None

    def cmd(self, *args):
        return [self.binary, "--root", self.root] + list(args)


def version_label(name, binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
        words = out.split("\n")[0].split()
        return "%s %s" % (name, words[2].split("+")[0]) if len(words) > 2 else name
    except OSError:
        return name


class CrunNamespace:
    """A private mount namespace with cgroup2 on /sys/fs/cgroup, held open
    by a sleeping process, for crun on a host that is not pure cgroup v2."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             "mount -t cgroup2 cgroup2 /sys/fs/cgroup && echo ready && exec sleep 1000000"],
            stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            self.close()
            raise RuntimeError("cannot mount cgroup2 in a private mount namespace")
        self.path = "/proc/%d/ns/mnt" % self.proc.pid

    def close(self):
        self.proc.kill()
        self.proc.wait()


def find_runtimes(a, tmp, state):
    hutch = a.hutch or os.environ.get("HUTCH") or os.path.join(
        os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build")), "hutch")
    want = a.runtimes.split(",")
    out, cleanup = [], []
    view = []  # --mntns of the cgroup2 view, made on first need

    def v2_view():
        if not view:
            ns = CrunNamespace()
            cleanup.append(ns)
            view.extend(["--mntns", ns.path])
        return list(view)

    base = v2_view() if a.v2_view and not cgroup_unified() else []
    if "hutch" in want:
        out.append(Runtime("hutch", hutch, state, base, version_label("hutch", hutch)))
    for k, other in enumerate(a.compare or []):
        out.append(Runtime("hutch-%d" % k, other, state, base, os.path.basename(other)[:22]))
    if "crun" in want and shutil.which("crun"):
        opts = v2_view() if not cgroup_unified() else []
        if not have_cap_sys_resource():
            so = os.path.join(tmp, "memlock_preload.so")
            compile_c(os.path.join(HERE, "memlock_preload.c"), so, ["-shared", "-fPIC", "-ldl"])
            opts += ["--env", "LD_PRELOAD=" + so]
        out.append(Runtime("crun", shutil.which("crun"), state, opts,
                           version_label("crun", shutil.which("crun"))))
    if "runc" in want and shutil.which("runc"):
        out.append(Runtime("runc", shutil.which("runc"), state, base,
                           version_label("runc", shutil.which("runc"))))
    # results are kept by label: two builds both named "hutch" need two
    seen = set()
    for rt in out:
        label, k = rt.label, 1
        while rt.label in seen:
            k += 1
            rt.label = "%s #%d" % (label, k)
        seen.add(rt.label)
    return out, cleanup


# --- measuring -------------------------------------------------------------

class Launcher:
    def __init__(self, spawn):
        self.spawn = spawn

    def _launch(self, opts, cmds, count, cwd, env=None):
        argv = [self.spawn, "--count", str(count)] + list(opts) + ["--"]
        for i, c in enumerate(cmds):
            argv += ([";;"] if i else []) + c
        p = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
        reap()
        return p

    def run(self, opts, cmds, count=1, cwd=None):
        """Run the commands `count` times; returns, per iteration, a list of
        (status, cpu_ms, wall_ms, maxrss_kib), one per command."""
        p = self._launch(opts, cmds, count, cwd)
        if p.returncode != 0:
            raise RuntimeError("launcher failed: %s" % p.stderr.strip())
        out = [[None] * len(cmds) for _ in range(count)]
        for line in p.stdout.split("\n"):
            if line:
                i, c, rc, cpu, wall, rss = (int(x) for x in line.split())
                out[i][c] = (rc, cpu / 1000, wall / 1000, rss)
        return out


    def error(self, rt, args):
        """The last line of a failing command's stderr (the command is run
        once more, the same way, with its stderr kept)."""
        p = self._launch(rt.spawn_opts, [rt.cmd(*args)], 1, None,
                         dict(os.environ, BENCH_STDERR="1"))
        lines = [x for x in p.stderr.strip().split("\n") if x]
        return lines[-1][:120] if lines else "no message"


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_range(xs):
    return "%7.2f (%.2f-%.2f)" % (med(xs), min(xs), max(xs)) if xs else "%7s" % "-"


def per_container(rows):
    """Sum CPU and wall over the commands of every iteration; per container."""
    n = len(rows)
    return (sum(c[1] for r in rows for c in r) / n, sum(c[2] for r in rows for c in r) / n)


# --- sections --------------------------------------------------------------

def interleaved(lines, rounds, measure):
    """measure(line, round) -> (cpu, wall) per container, or raises."""
    res = {ln.label: ([], []) for ln in lines}
    for r in range(rounds):
        k = r % len(lines)
        for ln in lines[k:] + lines[:k]:
            if ln.failed:
                continue
            try:
                cpu, wall = measure(ln, r)
            except RuntimeError as e:
                ln.failed = str(e)
                continue
            res[ln.label][0].append(cpu)
            res[ln.label][1].append(wall)
    return res


def print_ratio_table(title, lines, res):
    print("\n" + title)
    print("%-22s %-24s %-24s %9s %9s" % ("", "CPU ms", "wall ms", "CPU/hutch", "wall/hutch"))
    ref = res.get(lines[0].label) if lines and lines[0].name == "hutch" else None
    for ln in lines:
        cpu, wall = res[ln.label]
        if ln.failed or not cpu:
            print("%-22s failed: %s" % (ln.label, ln.failed))
            continue
        rc = "%9.2f" % (med(cpu) / med(ref[0])) if ref and ref[0] else "%9s" % "-"
        rw = "%9.2f" % (med(wall) / med(ref[1])) if ref and ref[1] else "%9s" % "-"
        print("%-22s %-24s %-24s %s %s" % (ln.label, fmt_range(cpu), fmt_range(wall), rc, rw))


class Floor:
    name = label = "floor (unshare)"
    failed = None
    spawn_opts = []


def section_run(L, rts, bundle, a, state):
    lines = list(rts) + [Floor()]
    if a.seccomp and rts and rts[0].name == "hutch":
        cold = Runtime("hutch-cold", rts[0].binary, state, label="hutch cold-cache")
        lines.insert(1, cold)

    def measure(ln, r):
        if isinstance(ln, Floor):
            rows = L.run([], [["unshare", "-m", "-p", "-u", "-i", "-n", "-f", "/bin/true"]],
                         a.batch)
        elif ln.name == "hutch-cold":
            rows = []
            for i in range(a.batch):  # one launcher call per container: the cache goes first
                shutil.rmtree(os.path.join(ln.root, ".seccomp-cache"), ignore_errors=True)
                cid = "%s-%d-%d" % (ln.name, r, i)
                rows += L.run(ln.spawn_opts, [ln.cmd("run", "--bundle", bundle, cid),
                                              ln.cmd("delete", "-f", cid)])
        else:
            cid = "%s-%d-{}" % (ln.name, r)
            rows = L.run(ln.spawn_opts, [ln.cmd("run", "--bundle", bundle, cid),
                                         ln.cmd("delete", "-f", cid)], a.batch)
        bad = [x for x in rows if x[0][0] != 0]
        if bad:
            raise RuntimeError("run exited %d: %s" % (
                bad[0][0][0], L.error(ln, ["run", "--bundle", bundle, "%s-probe-%d" % (ln.name, r)])
                if not isinstance(ln, Floor) else ""))
        return per_container(rows)

    res = interleaved(lines, a.rounds, measure)
    print_ratio_table("run + delete -f of /bin/true, per container: median (min-max) of %d "
                      "rounds of %d%s" % (a.rounds, a.batch, ", with seccomp" if a.seccomp else ""),
                      lines, res)


def start_sleeper(L, rt, bundle, cid):
    rows = L.run(rt.spawn_opts, [rt.cmd("create", "--bundle", bundle, cid),
                                 rt.cmd("start", cid)])
    if rows[0][0][0] != 0 or rows[0][1][0] != 0:
        raise RuntimeError("create/start: %s" % L.error(rt, ["state", cid]))


def section_exec(L, rts, sleeper, a):
    ok = []
    for rt in rts:
        try:
            start_sleeper(L, rt, sleeper, rt.name + "-exec")
            ok.append(rt)
        except RuntimeError as e:
            rt.failed = str(e)

    def measure(rt, r):
        rows = L.run(rt.spawn_opts, [rt.cmd("exec", rt.name + "-exec", "/bin/true")], a.exec_batch)
        if any(x[0][0] != 0 for x in rows):
            raise RuntimeError("exec: %s" % L.error(rt, ["exec", rt.name + "-exec", "/bin/true"]))
        return per_container(rows)

    res = interleaved(ok, a.rounds, measure)
    for rt in ok:
        L.run(rt.spawn_opts, [rt.cmd("delete", "-f", rt.name + "-exec")])
    print_ratio_table("exec of /bin/true into a running container: median (min-max) of %d "
                      "rounds of %d" % (a.rounds, a.exec_batch), rts, {
                          rt.label: res.get(rt.label, ([], [])) for rt in rts})
    for rt in rts:
        rt.failed = None


VERBS = [  # (verb, args from (sleeper bundle, /bin/true bundle, container id))
    ("create", lambda b, t, i: ["create", "--bundle", b, i]),
    ("start", lambda b, t, i: ["start", i]),
    ("state", lambda b, t, i: ["state", i]),
    ("list", lambda b, t, i: ["list"]),
    ("ps --format json", lambda b, t, i: ["ps", "--format", "json", i]),  # as engines call it
    ("exec", lambda b, t, i: ["exec", i, "/bin/true"]),
    ("events --stats", lambda b, t, i: ["events", "--stats", i]),
    ("update", lambda b, t, i: ["update", "--pids-limit", "1000", i]),
    ("pause", lambda b, t, i: ["pause", i]),
    ("resume", lambda b, t, i: ["resume", i]),
    ("kill", lambda b, t, i: ["kill", i, "KILL"]),
    ("delete", lambda b, t, i: ["delete", i]),
    ("run", lambda b, t, i: ["run", "--bundle", t, i + "-run"]),
    ("spec", lambda b, t, i: ["spec"]),
    ("features", lambda b, t, i: ["features"]),
]


def section_rss(L, rts, sleeper, true_bundle, tmp):
    cols = {}
    for rt in rts:
        specdir = os.path.join(tmp, "spec-" + rt.name)
        os.makedirs(specdir, exist_ok=True)
        cmds = [rt.cmd(*f(sleeper, true_bundle, rt.name + "-rss")) for _, f in VERBS]
        # one at a time: kill must have landed before delete, spec needs its own cwd
        col = []
        for (verb, _), c in zip(VERBS, cmds):
            if verb == "delete":
                time.sleep(0.2)
            if verb == "spec" and os.path.exists(os.path.join(specdir, "config.json")):
                os.unlink(os.path.join(specdir, "config.json"))
            col.append(L.run(rt.spawn_opts, [c], cwd=specdir)[0][0])
        L.run(rt.spawn_opts, [rt.cmd("delete", "-f", rt.name + "-rss")])
        cols[rt.label] = col
    print("\npeak RSS per verb, MiB ('!': the verb failed)")
    print("%-16s" % "" + "".join("%14s" % rt.label for rt in rts))
    for k, (verb, _) in enumerate(VERBS):
        cells = []
        for rt in rts:
            rc, _, _, rss = cols[rt.label][k]
            cells.append("%13.2f%s" % (rss / 1024, "!" if rc else " "))
        print("%-16s" % verb + "".join(cells))


def section_scale(L, rts, true_bundle, a):
    counts = [int(x) for x in a.scale.split(",") if x]
    ops = ("create", "state", "list", "delete")
    res = {}
    for rt in rts:
        have = 0
        for n in counts:
            if n > have:  # fill: stopped containers (run -d of /bin/true)
                rows = L.run(rt.spawn_opts, [rt.cmd("run", "-d", "--bundle", true_bundle,
                                                    "%s-fill%d-{}" % (rt.name, n))], n - have)
                if any(x[0][0] != 0 for x in rows):
                    res[(rt.label, n)] = None
                    break
                have = n
            probe = rt.name + "-probe{}"
            rows = L.run(rt.spawn_opts, [rt.cmd("create", "--bundle", true_bundle, probe),
                                         rt.cmd("state", probe),
                                         rt.cmd("list"),
                                         rt.cmd("delete", "-f", probe)], a.scale_reps)
            res[(rt.label, n)] = [(med([r[k][1] for r in rows]), med([r[k][2] for r in rows]))
                                  for k in range(len(ops))]
        prev = 0
        for n in counts:  # clean up, stage by stage
            if n > prev:
                L.run(rt.spawn_opts, [rt.cmd("delete", "-f", "%s-fill%d-{}" % (rt.name, n))],
                      n - prev)
                prev = n
    print("\ncost with N existing (stopped) containers: CPU ms / wall ms, median of %d"
          % a.scale_reps)
    print("%-8s" % "" + "".join("%-*s" % (15 * len(counts), rt.label) for rt in rts))
    print("%-8s" % "N" + "".join("%-15s" % n for _ in rts for n in counts))
    for k, op in enumerate(ops):
        cells = []
        for rt in rts:
            for n in counts:
                v = res.get((rt.label, n))
                cells.append("%-15s" % ("%.1f / %.1f" % v[k] if v else "failed"))
        print("%-8s" % op + "".join(cells))


def section_memlimit(L, rts, tmp, a):
    cfg = base_config(["/bin/true"], False)
    cfg["linux"].setdefault("resources", {})["memory"] = {"limit": 512 * 1024}
    bundle = write_bundle(tmp, "memlimit", cfg)
    print("\nrun + delete -f of /bin/true under a 512 KiB memory limit (%s), %d containers"
          % ("cgroup v2" if cgroup_unified() else
             "cgroup2 view of a hybrid host: only its v2 controllers" if a.v2_view else
             "cgroup v1 memory controller", a.exec_batch))
    for rt in rts:
        rows = L.run(rt.spawn_opts, [rt.cmd("run", "--bundle", bundle, rt.name + "-mem{}"),
                                     rt.cmd("delete", "-f", rt.name + "-mem{}")], a.exec_batch)
        good = [r for r in rows if r[0][0] == 0]
        line = "%-22s %d/%d ran" % (rt.label, len(good), len(rows))
        if good:
            cpu, wall = per_container(good)
            line += ", CPU %.2f ms, wall %.2f ms, peak RSS %.2f MiB" % (
                cpu, wall, max(r[0][3] for r in good) / 1024)
        if len(good) < len(rows):
            line += "; %s" % L.error(rt, ["run", "--bundle", bundle, rt.name + "-memprobe"])
            L.run(rt.spawn_opts, [rt.cmd("delete", "-f", rt.name + "-memprobe")])
        print(line)


def section_parse(L, rts, tmp, a):
    bundle = write_big_bundle(tmp, a.parse_mib)
    size = os.path.getsize(os.path.join(bundle, "config.json"))
    print("\npeak RSS parsing a %.1f MiB config.json (annotations of 1 KiB values)"
          % (size / 2**20))
    for rt in rts:
        row = L.run(rt.spawn_opts, [rt.cmd("create", "--bundle", bundle, rt.name + "-big")])[0][0]
        L.run(rt.spawn_opts, [rt.cmd("delete", "-f", rt.name + "-big")])
        print("%-34s %8.1f MiB  %5.2f x the file  %8.0f ms%s" % (
            rt.label + " create", row[3] / 1024, row[3] * 1024 / size, row[2],
            "" if row[0] else "  (did not fail: the rootfs is missing?)"))
    bp = os.path.join(os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build")),
                      "tests", "bench", "bench_parse")
    if os.path.exists(bp):
        row = L.run([], [[bp, os.path.join(bundle, "config.json")]])[0][0]
        print("%-34s %8.1f MiB  %5.2f x the file  %8.0f ms%s" % (
            "hutch parser alone (bench_parse)", row[3] / 1024, row[3] * 1024 / size, row[2],
            "" if row[0] == 0 else "  (failed)"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    ap.add_argument("--batch", type=int, default=50, help="containers per round (default 50)")
    ap.add_argument("--exec-batch", type=int, default=20,
                    help="execs per round, containers under the memory limit (default 20)")
    ap.add_argument("--scale", default="10,100,1000", help="existing containers (default 10,100,1000)")
    ap.add_argument("--scale-reps", type=int, default=10, help="repetitions per scale point")
    ap.add_argument("--parse-mib", type=int, default=100, help="size of the big config.json")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections: " + ",".join(SECTIONS))
    ap.add_argument("--runtimes", default="hutch,crun,runc")
    ap.add_argument("--hutch", help="hutch binary (default $HUTCH or $HUTCH_BUILD_DIR/hutch)")
    ap.add_argument("--compare", action="append", metavar="BINARY",
                    help="another hutch binary (e.g. a build of main) measured alongside")
    ap.add_argument("--quick", action="store_true",
                    help="3 rounds of 10, 10 execs, scale 10,100, a 20 MiB config")
    ap.add_argument("--v2-view", action="store_true",
                    help="on a hybrid host, run every runtime with cgroup2 on /sys/fs/cgroup")
    ap.add_argument("--seccomp", action="store_true",
                    help="give every container the Docker-default-sized seccomp profile")
    a = ap.parse_args()
    if a.quick:
        a.rounds, a.batch, a.exec_batch, a.scale, a.scale_reps, a.parse_mib = 3, 10, 10, "10,100", 5, 20
    if os.geteuid() != 0:
        sys.exit("bench.py: run as root")
    sections = a.only.split(",")
    set_subreaper()
    # State roots on tmpfs, as /run is on real hosts: on a disk filesystem the
    # churn of state files makes inode allocation the cost that grows.
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    had_parents = default_parents()
    with tempfile.TemporaryDirectory(prefix="hutch-bench-") as tmp, \
            tempfile.TemporaryDirectory(prefix="hutch-bench-state-", dir=shm) as state:
        L = Launcher(build_helpers(tmp))
        rts, cleanup = find_runtimes(a, tmp, state)
        try:
            true_bundle = write_bundle(tmp, "true", base_config(["/bin/true"], a.seccomp))
            sleeper = write_bundle(tmp, "sleep", base_config(["sleep", "1000000"], a.seccomp))
            with open("/proc/loadavg") as f:
                load = f.read().split()[0]
            print("hutch bench: kernel %s, %s cgroups, %d CPUs, load %s; %s" % (
                os.uname().release, "unified" if cgroup_unified() else
                "cgroup2 view of a hybrid host" if a.v2_view else "hybrid/legacy",
                os.cpu_count(), load, ", ".join(rt.label for rt in rts)))
            if "run" in sections:
                section_run(L, rts, true_bundle, a, state)
            if "exec" in sections:
                section_exec(L, rts, sleeper, a)
            if "rss" in sections:
                section_rss(L, rts, sleeper, true_bundle, tmp)
            if "scale" in sections:
                section_scale(L, rts, true_bundle, a)
            if "memlimit" in sections:
                section_memlimit(L, rts, tmp, a)
            if "parse" in sections and a.parse_mib > 0:
                section_parse(L, rts, tmp, a)
        finally:
            for c in cleanup:
                c.close()
            reap()
            remove_default_parents(had_parents)
    seccomp_bench = os.path.join(os.environ.get("HUTCH_BUILD_DIR", os.path.join(REPO, "build")),
                                 "tests", "bench", "bench_seccomp")
    if a.seccomp and os.path.exists(seccomp_bench):
        print()
        subprocess.run([seccomp_bench,
                        os.path.join(REPO, "tests", "fixtures", "seccomp", "default-profile.json")])


if __name__ == "__main__":
    main()
