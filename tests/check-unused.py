#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fail when a function of src/ that is not static is used by nothing in src/.

Exact, because it reads the compiled objects rather than the text: a function
counts as used when some object of hutch (libhutch and main.c, as listed in the
build's compile_commands.json) holds a relocation against it - a call, or its
address taken for a table or a cleanup attribute. The objects are built
position-independent (meson's default for static libraries), so a call inside
the defining file is a relocation too. The tests do not count: a function only
they call belongs in the tests, or is dead, unless KEEP below names it and why.

Usage: check-unused.py BUILD_DIR SOURCE_ROOT. Prints TAP-like lines and one
"N passed, N failed" line; exits 1 when something is unused."""

import json
import os
import subprocess
import sys


# Kept with nothing in src/ calling them, each for a reason.
KEEP = {
    # config.json from a text in memory: the parser's entry for the unit tests and the
    # fuzzer; hutch itself streams the file (spec_load_fd), which is the same parser
    "spec_parse",
    # in a build against musl, what the C library and the distribution's static libraries
    # call: the allocator's entries (util/alloc.c) and glibc's checked printf and memcpy
    # that libseccomp, libcap and yajl were compiled to call (util/libc_compat.c)
    "malloc", "free", "calloc", "realloc", "aligned_alloc", "memalign", "posix_memalign",
    "malloc_usable_size", "__fprintf_chk", "__sprintf_chk", "__asprintf_chk", "__memcpy_chk",
}


def readelf(flag, obj):
    out = subprocess.run(["readelf", "-W", flag, obj], check=True, capture_output=True,
                         text=True).stdout
    return out.splitlines()


def defined_functions(obj):
    """Global functions defined in obj: Num: Value Size Type Bind Vis Ndx Name."""
    found = set()
    for line in readelf("-s", obj):
        f = line.split()
        if len(f) == 8 and f[3] == "FUNC" and f[4] == "GLOBAL" and f[6] != "UND":
            found.add(f[7])
    return found


def referenced_symbols(obj):
    """Symbols named by obj's relocations: Offset Info Type Value Name [+ addend]."""
    found = set()
    for line in readelf("-r", obj):
        f = line.split()
        if len(f) >= 5 and f[2].startswith("R_"):
            found.add(f[4])
    return found


def hutch_objects(build, src):
    with open(os.path.join(build, "compile_commands.json")) as fp:
        commands = json.load(fp)
    helper = os.path.join(src, "spawn", "helper") + os.sep
    objs = []
    for c in commands:
        source = os.path.realpath(os.path.join(c["directory"], c["file"]))
        # hutch-init (spawn/helper) is a program of its own, without libc
        if source.startswith(src + os.sep) and not source.startswith(helper):
            objs.append(os.path.join(c["directory"], c["output"]))
    return objs


def main():
    build, root = sys.argv[1], os.path.realpath(sys.argv[2])
    objs = hutch_objects(build, os.path.join(root, "src"))
    if not objs:
        print("no objects of src/ found in compile_commands.json")
        return 1
    defined, used = {}, set()
    for obj in objs:
        for name in defined_functions(obj):
            defined[name] = obj
        used |= referenced_symbols(obj)
    unused = sorted(n for n in defined if n not in used and n != "main" and n not in KEEP)
    for name in unused:
        where = os.path.basename(defined[name]).replace("src_", "").replace(".o", "")
        print(f"not ok - {name} ({where}) is called by nothing in src/: make it static or "
              "remove it")
    print(f"{len(defined) - len(unused)} passed, {len(unused)} failed")
    return 1 if unused else 0


if __name__ == "__main__":
    sys.exit(main())
