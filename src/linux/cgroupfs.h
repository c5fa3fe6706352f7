/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's view of the cgroup filesystem: a mount of type "cgroup". */
#ifndef HUTCH_LINUX_CGROUPFS_H
#define HUTCH_LINUX_CGROUPFS_H

#include <stdbool.h>

#include "linux/mount.h"
#include "util/error.h"

/* Mount the cgroup hierarchy on target (a directory the caller resolved inside
 * the rootfs and checked), mirroring the host:
 * - pure cgroup v2: one cgroup2 mount;
 * - v1 or hybrid: a tmpfs with one directory per v1 hierarchy (named like the
 *   host's, e.g. "cpu,cpuacct", with symlinks for each controller of a
 *   combined one) plus "unified" cgroup2 on hybrid hosts.
 * With has_cgroupns the hierarchies are mounted fresh (the namespace shows the
 * container's cgroup as the root); otherwise the container's own cgroup
 * directories, read from /proc/self/cgroup (the caller must already be in its
 * cgroups), are bind-mounted from the host's mount points (so: before
 * pivot_root). Mounts get nosuid,nodev,noexec; the hierarchies also ro when o
 * has MS_RDONLY. *ret_top gets the top mount (the tmpfs, or the cgroup2
 * mount), which has o's propagation and recursive attributes but is left
 * writable: the caller applies MS_RDONLY to it once nothing more will be
 * mounted below. `rootfs` (absolute) is used to ignore the host's mounts
 * inside the container's rootfs. */
int cgroupfs_mount(int target, const struct mount_opts *o, bool has_cgroupns, const char *rootfs,
                   int *ret_top, struct hutch_error **err);

#endif
