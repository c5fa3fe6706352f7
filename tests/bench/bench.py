#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Start-up benchmark: wall time and peak memory of `run` (create, start,
wait, delete) of a container running /bin/true, for hutch and, when
installed, runc and crun. Prints figures; asserts nothing (the machine is
shared and noisy). Run as root from anywhere:

    tests/bench/bench.py [--runs N] [--seccomp]

--seccomp gives every runtime the Docker-default-sized profile from
tests/fixtures and measures hutch three ways: without the profile, with it
and an empty compiled-filter cache (<root>/.seccomp-cache removed before each
run, so every run compiles and writes an entry), and with it and a warm
cache. The difference between the last two is what the cache saves; then
bench_seccomp (when built) times the compile alone, in-process.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_bundle(tmp, seccomp):
    rootfs = os.path.join(REPO, "bundles", "busybox", "rootfs")
    if not os.path.exists(os.path.join(rootfs, "bin", "busybox")):
        subprocess.run([os.path.join(REPO, "bundles", "busybox", "make-rootfs.sh"), rootfs],
                       check=True, stdout=subprocess.DEVNULL)
    bundle = os.path.join(tmp, "bundle")
    os.makedirs(bundle)
    with open(os.path.join(REPO, "bundles", "busybox", "config.json")) as f:
        cfg = json.load(f)
    cfg["ociVersion"] = "1.0.2"  # the oldest in use: Debian 12's crun refuses newer ones
    cfg["root"] = {"path": rootfs, "readonly": True}
    cfg["process"]["args"] = ["/bin/true"]
    cfg["process"]["terminal"] = False
    if seccomp:
        with open(os.path.join(REPO, "tests", "fixtures", "seccomp", "default-profile.json")) as f:
            prof = json.load(f)
        cfg["linux"]["seccomp"] = prof["linux"]["seccomp"] if "linux" in prof else prof
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(cfg, f)
    return bundle


def peak_rss_kib(cmd):
    """Peak RSS of one run of cmd (wait4 rusage of the direct child)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.execv(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    return ru.ru_maxrss, status


def bench(name, binary, bundle, runs, tmp, before_each=None):
    root = os.path.join(tmp, "state-" + name)
    times, rss = [], []
    for i in range(runs):
        if before_each:
            before_each(root)
        cid = "bench-%s-%d" % (name, i)
        cmd = [binary, "--root", root, "run", "--bundle", bundle, cid]
        t0 = time.perf_counter()
        kib, status = peak_rss_kib(cmd)
        times.append((time.perf_counter() - t0) * 1000)
        rss.append(kib)
        if status != 0:
            print("  %s: run failed (status %d); skipping" % (name, status))
            subprocess.run([binary, "--root", root, "delete", "-f", cid],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return None
    return times, rss


def drop_cache(root):
    shutil.rmtree(os.path.join(root, ".seccomp-cache"), ignore_errors=True)


def warm_cache(binary, bundle, root):
    """One unmeasured run so that the measured ones hit the cache."""
    subprocess.run([binary, "--root", root, "run", "--bundle", bundle, "bench-warm"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def report(name, r):
    if not r:
        return
    times, rss = r
    times.sort()
    print("%-16s %10.2f %10.2f %10.2f %14d" % (
        name, statistics.median(times), times[int(len(times) * 0.9) - 1], times[0], max(rss)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seccomp", action="store_true",
                    help="use the Docker-default-sized profile from tests/fixtures")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench.py: run as root")
    hutch = os.environ.get("HUTCH", os.path.join(REPO, "build", "hutch"))
    others = [(o, shutil.which(o)) for o in ("runc", "crun") if shutil.which(o)]
    fixture = os.path.join(REPO, "tests", "fixtures", "seccomp", "default-profile.json")
    with tempfile.TemporaryDirectory(prefix="hutch-bench-") as tmp:
        bundle = make_bundle(os.path.join(tmp, "sc" if a.seccomp else "plain"), a.seccomp)
        print("run of /bin/true, %d runs each%s" % (a.runs, ", with seccomp" if a.seccomp else ""))
        print("%-16s %10s %10s %10s %14s" % ("runtime", "median ms", "p90 ms", "min ms", "peak RSS KiB"))
        if a.seccomp:
            plain = make_bundle(os.path.join(tmp, "plain"), False)
            report("hutch no-seccomp", bench("hutch-plain", hutch, plain, a.runs, tmp))
            report("hutch cold-cache", bench("hutch-cold", hutch, bundle, a.runs, tmp, drop_cache))
            warm_cache(hutch, bundle, os.path.join(tmp, "state-hutch-warm"))
            report("hutch warm-cache", bench("hutch-warm", hutch, bundle, a.runs, tmp))
        else:
            report("hutch", bench("hutch", hutch, bundle, a.runs, tmp))
        for name, binary in others:
            report(name, bench(name, binary, bundle, a.runs, tmp))
    seccomp_bench = os.path.join(REPO, "build", "tests", "bench", "bench_seccomp")
    if a.seccomp and os.path.exists(seccomp_bench):
        print()
        subprocess.run([seccomp_bench, fixture])


if __name__ == "__main__":
    main()
