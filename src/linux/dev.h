/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device nodes and /dev symlinks inside the container's root
 * (config-linux.md "Devices", "Default Devices"; runtime-linux.md). */
#ifndef HUTCH_LINUX_DEV_H
#define HUTCH_LINUX_DEV_H

#include "spec/spec.h"
#include "util/error.h"

/* Where mknod is refused (EPERM: a user namespace), a node is the host's own,
 * bind-mounted onto an empty file. This block mounts nothing itself: the
 * caller (the rootfs assembly, through linux/mount.h) supplies the two steps.
 * clone: a detached clone (the caller owns *ret_tree) of the host's node at
 * host_path, a trusted host path (the runtime is still before pivot_root);
 * this block checks it is the device asked for before attach puts `tree`
 * onto the empty file `target`. */
struct dev_host_bind {
	int (*clone)(const char *host_path, int *ret_tree, struct hutch_error **err);
	int (*attach)(int tree, int target, struct hutch_error **err);
};

/* Create /dev/{null,zero,full,random,urandom,tty} under rootfd (the rootfs,
 * before pivot: the host's /dev must still be reachable at /dev) as root-owned
 * 0666 nodes. A file of the wrong kind already there is replaced. When mknod
 * is not permitted (EPERM: a user namespace), the host's node is bind-mounted
 * onto an empty file instead, through b. */
int dev_create_defaults(int rootfd, const struct dev_host_bind *b, struct hutch_error **err);

/* Create one linux.devices entry at its path in clean form ("/dev//x/" is
 * "/dev/x"): mknod with type/major/minor, fileMode (default 0666), uid/gid
 * (default 0), or the bind fallback (b) from the same path on the host (which
 * must be that device). An existing node of the same type and numbers is kept
 * (mode and owner updated through an fd on it); anything else there is an
 * error. */
int dev_create(int rootfd, const struct spec_device *d, const struct dev_host_bind *b,
               struct hutch_error **err);

/* /dev/ptmx -> pts/ptmx (replacing a node there), /dev/fd -> /proc/self/fd,
 * /dev/std{in,out,err} -> /proc/self/fd/{0,1,2}, and /dev/core -> /proc/kcore
 * when the container's /proc/kcore exists. Existing entries other than ptmx
 * are left alone. */
int dev_create_symlinks(int rootfd, struct hutch_error **err);

#endif
