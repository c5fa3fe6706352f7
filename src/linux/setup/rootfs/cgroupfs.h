/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's view of the cgroup filesystem: a mount of type "cgroup". */
#ifndef HUTCH_LINUX_SETUP_ROOTFS_CGROUPFS_H
#define HUTCH_LINUX_SETUP_ROOTFS_CGROUPFS_H

#include <stdbool.h>

#include "linux/mount.h"
#include "util/error.h"

/* The container's place in one hierarchy. */
struct cgroupfs_hier {
	bool v2;
	const char *controllers; /* v1: "cpu,cpuacct", "name=systemd"; v2: "" */
	const char *mount;       /* the host's mount point, absolute */
	const char *path;        /* the container's cgroup in it, "/..." */
};

/* Mount the cgroup hierarchy on target (a directory the caller resolved inside
 * the rootfs and checked), mirroring the host:
 * - pure cgroup v2: one cgroup2 mount;
 * - v1 or hybrid: a tmpfs with one directory per v1 hierarchy (named like the
 *   host's, e.g. "cpu,cpuacct", with symlinks for each controller of a
 *   combined one) plus "unified" cgroup2 on hybrid hosts.
 * With `own` (n_own > 0: the container's directory in each hierarchy, from
 * the runtime's cgroup), each is a bind of that directory from the host's
 * mount point, as runc does on v1: no mountinfo or /proc read, no new cgroup
 * superblock mount (on v1 the kernel walks every cgroup of the host for one),
 * and the same view with or without a cgroup namespace (whose root is that
 * directory), so it may come before the namespace is made. Without `own`
 * (no cgroup manager): with has_cgroupns the hierarchies are mounted fresh
 * (the namespace must exist: it shows the container's cgroup as the root);
 * otherwise the caller's cgroup directories, read from /proc/self/cgroup,
 * are bound. Either way the host's mount points are used (so: before
 * pivot_root). Mounts get nosuid,nodev,noexec; the hierarchies also ro when
 * o has MS_RDONLY. *ret_top gets the top mount (the tmpfs, or the cgroup2
 * mount), which has o's propagation and recursive attributes but is left
 * writable: the caller applies MS_RDONLY to it once nothing more will be
 * mounted below. `rootfs` (absolute) is used to ignore the host's mounts
 * inside the container's rootfs. */
int cgroupfs_mount(int target, const struct mount_opts *o, bool has_cgroupns,
                   const struct cgroupfs_hier *own, size_t n_own, const char *rootfs, int *ret_top,
                   struct hutch_error **err);

#endif
