#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build hutch and run the default busybox bundle with it, showing what the container sees.
# For a fresh Debian 12 machine, as root: installs what is missing with apt-get.
# Usage: scripts/demo.sh   (HUTCH_RUNTIME=/path/to/runtime runs the bundle with another runtime)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_root
apt_install "${BUILD_DEPS[@]}" busybox-static
build -Dwerror=false

step "making the busybox rootfs"
"$REPO/bundles/busybox/make-rootfs.sh" >/dev/null || die "make-rootfs.sh failed"

hutch=${HUTCH_RUNTIME:-$BUILD/hutch}
id=hutch-demo-$$
step "host view: hostname $(hostname), this shell is pid $$, $(wc -l </proc/self/mountinfo) mounts"
step "running bundles/busybox with $hutch run $id"
set +e
"$hutch" run --bundle "$REPO/bundles/busybox" "$id" </dev/null
rc=$?
set -e
"$hutch" delete --force "$id" >/dev/null 2>&1 || true
[ $rc -eq 0 ] || die "the container failed (exit status $rc)"
step "done: the container had its own hostname, pid 1 and mount table"
