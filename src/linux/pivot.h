/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Switching the calling process's root to the container's rootfs. */
#ifndef HUTCH_LINUX_PIVOT_H
#define HUTCH_LINUX_PIVOT_H

#include <stdbool.h>

#include "util/error.h"

/* Make `rootfs` (absolute; a mount point, which rootfs_prepare ensures by
 * bind-mounting it onto itself) the root of the caller's mount namespace.
 * Default: pivot_root(".", ".") then a detached unmount of the old root,
 * made rslave first so the unmount does not propagate to the host.
 * no_pivot: for roots pivot_root refuses (e.g. an initramfs): detach the
 * host's proc and sysfs mounts (so the kernel's "mount too revealing" check
 * judges only the container's), MS_MOVE rootfs onto "/" and chroot; the rest
 * of the host's mounts stay in the namespace, hidden below the new root.
 * The working directory is "/" afterwards. Must run in a private mount
 * namespace. */
int pivot_switch_root(const char *rootfs, bool no_pivot, struct hutch_error **err);

#endif
