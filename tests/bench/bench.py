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


class Case:
    """One line of the table: a runtime, a bundle and its own state root."""

    def __init__(self, label, binary, bundle, tmp, before_each=None):
        self.label, self.binary, self.bundle = label, binary, bundle
        self.root = os.path.join(tmp, "state-%s" % label.replace(" ", "-"))
        self.before_each = before_each
        self.times, self.rss, self.failed = [], [], False

    def run_once(self, i):
        if self.failed:
            return
        if self.before_each:
            self.before_each(self.root)
        cid = "bench-%d" % i
        cmd = [self.binary, "--root", self.root, "run", "--bundle", self.bundle, cid]
        t0 = time.perf_counter()
        kib, status = peak_rss_kib(cmd)
        self.times.append((time.perf_counter() - t0) * 1000)
        self.rss.append(kib)
        if status != 0:
            print("  %s: run failed (status %d); skipping" % (self.label, status))
            subprocess.run([self.binary, "--root", self.root, "delete", "-f", cid],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.failed = True

    def report(self):
        if self.failed or not self.times:
            return
        t = sorted(self.times)
        print("%-16s %10.2f %10.2f %10.2f %14d" % (
            self.label, statistics.median(t), t[max(int(len(t) * 0.9) - 1, 0)], t[0], max(self.rss)))


def drop_cache(root):
    shutil.rmtree(os.path.join(root, ".seccomp-cache"), ignore_errors=True)


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
        if a.seccomp:
            plain = make_bundle(os.path.join(tmp, "plain"), False)
            cases = [Case("hutch no-seccomp", hutch, plain, tmp),
                     Case("hutch cold-cache", hutch, bundle, tmp, drop_cache),
                     Case("hutch warm-cache", hutch, bundle, tmp)]
            cases[2].run_once(-1)  # fills the cache; not counted
            cases[2].times, cases[2].rss = [], []
        else:
            cases = [Case("hutch", hutch, bundle, tmp)]
        cases += [Case(name, binary, bundle, tmp) for name, binary in others]
        # interleaved, so that load changes on a shared machine hit every case alike
        for i in range(a.runs):
            for c in cases:
                c.run_once(i)
        print("run of /bin/true, %d runs each%s" % (a.runs, ", with seccomp" if a.seccomp else ""))
        print("%-16s %10s %10s %10s %14s" % ("runtime", "median ms", "p90 ms", "min ms", "peak RSS KiB"))
        for c in cases:
            c.report()
    seccomp_bench = os.path.join(REPO, "build", "tests", "bench", "bench_seccomp")
    if a.seccomp and os.path.exists(seccomp_bench):
        print()
        subprocess.run([seccomp_bench, fixture])


if __name__ == "__main__":
    main()
