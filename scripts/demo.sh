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
# hutch keeps the cgroup parent a container made (the bundle's default /hutch/<id>), as runc
# keeps a cgroupsPath's parents: the demo takes back one it made, leaving the host as it was
parents() { ls -d /sys/fs/cgroup/hutch /sys/fs/cgroup/*/hutch 2>/dev/null || true; }
before=$(parents)
set +e
"$hutch" run --bundle "$REPO/bundles/busybox" "$id" </dev/null
rc=$?
set -e
"$hutch" delete --force "$id" >/dev/null 2>&1 || true
for d in $(parents); do
	grep -qxF "$d" <<<"$before" || rmdir "$d" 2>/dev/null || true
done
[ $rc -eq 0 ] || die "the container failed (exit status $rc)"
step "done: the container had its own hostname, pid 1 and mount table"
