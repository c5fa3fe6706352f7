/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's root filesystem, in three steps run by the container init
 * (the child, in its new mount namespace): prepare (mounts and devices, on
 * the host's view), pivot (after the createContainer hooks), finalize. */
#ifndef HUTCH_LINUX_ROOTFS_H
#define HUTCH_LINUX_ROOTFS_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

struct rootfs_opts {
	const struct spec *spec; /* root, mounts, linux.{devices,rootfsPropagation,
	                            maskedPaths,readonlyPaths,sysctl} */
	const char *bundle;      /* absolute; relative bind sources are taken from it */
	const char *rootfs;      /* absolute path of root.path */
	bool no_pivot;           /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool in_userns;          /* the init is in a new user namespace (enables fallbacks:
	                            sysfs/mqueue bind-mounted from the host when mounting them
	                            fresh is refused) */
	int userns_fd;           /* the container's user namespace, for idmap/ridmap mounts
	                            without their own mappings; -1 when none */
	const int *mount_fds;    /* optional, one per spec->mounts[i]: a detached idmapped tree
	                            from rootfs_idmap_trees to attach for that idmap/ridmap bind
	                            (-1: build it here, which needs host privileges). NULL: all -1 */
	bool has_cgroupns;       /* the init is in a new cgroup namespace */
};

/* Step 1, in the init after it has entered its new mount namespace (and its
 * cgroups), before the createContainer hooks. In order:
 * make "/" recursively slave or private per linux.rootfsPropagation (default
 * rprivate) so nothing propagates back to the host; bind the rootfs onto
 * itself (pivot_root needs a mount point); each of spec->mounts in order
 * (bind/rbind sources relative to the bundle; proc, sysfs, tmpfs, mqueue,
 * devpts with newinstance,ptmxmode=0666, cgroup, anything else passed
 * through); unless /dev is bind-mounted: the default devices,
 * linux.devices, /dev/ptmx and the /dev symlinks.
 * Every target is resolved inside the rootfs (symlinks cannot lead out).
 * Errors carry context: "mount proc (proc) on /proc: <cause>". */
int rootfs_prepare(const struct rootfs_opts *o, struct hutch_error **err);

/* Host side, before step 1, for a container in a user namespace: the kernel
 * idmaps a mount only for a caller privileged over the source filesystem,
 * which the init no longer is. For each idmap/ridmap bind in s->mounts, clone
 * and idmap its source: with the mount's own uidMappings/gidMappings, else to
 * container_userns_fd (e.g. /proc/<init>/ns/user, maps already written).
 * *ret_fds gets a malloc'd array of s->n_mounts fds, -1 for other mounts;
 * pass it as rootfs_opts.mount_fds in the init (e.g. over SCM_RIGHTS), then
 * close the fds and free the array. */
int rootfs_idmap_trees(const struct spec *s, const char *bundle, int container_userns_fd,
                       int **ret_fds, struct hutch_error **err);

/* Step 2, after the createContainer hooks: switch root (pivot_root, or
 * MS_MOVE + chroot with no_pivot), then apply a shared or unbindable
 * rootfsPropagation to the new "/". Leaves the cwd at "/". */
int rootfs_pivot(const struct rootfs_opts *o, struct hutch_error **err);

/* Step 3, right after rootfs_pivot, inside the new root: linux.sysctl,
 * readonlyPaths (bind onto itself, remount ro), maskedPaths (directories get
 * a read-only empty tmpfs, files /dev/null), then root.readonly. Missing
 * masked or read-only paths are skipped. */
int rootfs_finalize(const struct rootfs_opts *o, struct hutch_error **err);

#endif
