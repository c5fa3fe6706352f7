#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail when a file of src/ includes a header its layer must not see.

The layers (docs/ARCHITECTURE.md): util/ sees only util/; spec/ sees util/ and
spec/; src/linux/ has two tiers. A building block (a file of src/linux/, or
the files of one folder such as cgroup/, one kernel concern each) sees util/,
spec/ and its own headers only, never another block's; files named alike up
to the first "_" are one block (seccomp.c, seccomp_listener.c and
seccomp_internal.h). An assembly (a folder of src/linux/setup/, which orders
blocks for one job) sees util/, spec/, the blocks and its own headers, never
another assembly's. Nothing in util/, spec/ or linux/ includes spawn/, core/ or
cmd/. Only "quoted" includes are project headers (src/ is on the quote path).

Usage: check-includes.py SOURCE_ROOT [FILE...] (FILE paths relative to src/,
to check given files instead of the tree: the self-test uses it). Prints one
line per violation and a summary; exits 1 on any violation."""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
ASSEMBLIES = "linux/setup/"


def block_of(rel):
    """The block a src/linux/ path (file or header) belongs to, or None for an
    assembly: a folder is one block, top-level files group by their stem up
    to the first '_'."""
    if rel.startswith(ASSEMBLIES):
        return None
    parts = rel.split("/")
    if len(parts) > 2:
        return parts[1]
    return os.path.splitext(parts[1])[0].split("_")[0]


def assembly_of(rel):
    return rel[len(ASSEMBLIES):].split("/")[0] if rel.startswith(ASSEMBLIES) else None


def verdict(rel, inc):
    """Why `rel` (a path under src/) may not include `inc`, or None."""
    layer, target = rel.split("/")[0], inc.split("/")[0]
    if not os.path.dirname(inc):
        return None  # a header beside the file (config.h, tests' own)
    if layer == "util":
        return None if target == "util" else "util/ includes only util/"
    if layer == "spec":
        return None if target in ("util", "spec") else "spec/ includes only util/ and spec/"
    if layer != "linux":
        return None
    if target in ("util", "spec"):
        return None
    if target != "linux":
        return "linux/ must not include %s/ (the layers above it)" % target
    mine, theirs = assembly_of(rel), assembly_of(inc)
    if mine is not None:
        if theirs is not None and theirs != mine:
            return "assembly %s includes assembly %s: assemblies call blocks only" % (mine, theirs)
        return None
    if theirs is not None:
        return "block %s includes assembly %s" % (block_of(rel), theirs)
    if block_of(inc) != block_of(rel):
        return "block %s includes block %s: blocks do not call each other" % (
            block_of(rel), block_of(inc))
    return None


# The check must refuse what it is meant to refuse, and pass what it allows.
SAMPLES = [
    ("linux/dev.c", "linux/mount.h", False),
    ("linux/cgroup/v2.c", "linux/caps.h", False),
    ("linux/caps.c", "linux/setup/process/process.h", False),
    ("linux/setup/rootfs/entry.c", "linux/setup/process/process.h", False),
    ("linux/ns.c", "spawn/sync.h", False),
    ("linux/setup/rootfs/entry.c", "core/state.h", False),
    ("util/fs.c", "spec/spec.h", False),
    ("spec/parse.c", "linux/mount.h", False),
    ("linux/seccomp_listener.c", "linux/seccomp.h", True),
    ("linux/seccomp_cache.c", "linux/seccomp_internal.h", True),
    ("linux/cgroup/v2.c", "linux/cgroup/internal.h", True),
    ("linux/setup/rootfs/prepare.c", "linux/dev.h", True),
    ("linux/setup/rootfs/prepare.c", "linux/setup/rootfs/internal.h", True),
    ("linux/caps.c", "util/str.h", True),
    ("spawn/child.c", "linux/setup/process/process.h", True),
]


def selftest():
    wrong = [(f, i) for f, i, allowed in SAMPLES if (verdict(f, i) is None) != allowed]
    for f, i in wrong:
        print("check-includes: self-test: wrong verdict for %s including %s" % (f, i))
    return not wrong


def sources(src):
    for d, _, files in os.walk(src):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), src)


def main(argv):
    if not selftest():
        return 1
    src = os.path.join(argv[1], "src")
    files = argv[2:] or sorted(sources(src))
    bad = 0
    for rel in files:
        with open(os.path.join(src, rel), encoding="utf-8") as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            why = verdict(rel, inc)
            if why:
                print("src/%s: #include \"%s\": %s" % (rel, inc, why))
                bad += 1
    print("%d files checked, %d violations" % (len(files), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
