/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's view of the cgroup filesystem: a mount of type "cgroup". */
#ifndef HUTCH_LINUX_CGROUPFS_H
#define HUTCH_LINUX_CGROUPFS_H

#include <stdbool.h>

#include "linux/mount.h"
#include "util/error.h"

/* Mount the cgroup hierarchy at dest inside rootfd, mirroring the host:
 * - pure cgroup v2: one cgroup2 mount;
 * - v1 or hybrid: a tmpfs with one directory per v1 hierarchy (named like the
 *   host's, e.g. "cpu,cpuacct", with symlinks for each controller of a
 *   combined one) plus "unified" cgroup2 on hybrid hosts.
 * With has_cgroupns the hierarchies are mounted fresh (the namespace shows the
 * container's cgroup as the root); otherwise the container's own cgroup
 * directories, read from /proc/self/cgroup (the caller must already be in its
 * cgroups), are bind-mounted. Mounts get nosuid,nodev,noexec, plus ro when o
 * has MS_RDONLY; o's propagation is applied to dest. `rootfs` (absolute) is
 * used to ignore mounts already made inside the container. */
int cgroupfs_mount(int rootfd, const char *dest, const struct mount_opts *o, bool has_cgroupns,
                   const char *rootfs, struct hutch_error **err);

#endif
