/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Switching the calling process's root to the container's rootfs. */
#ifndef HUTCH_LINUX_SETUP_ROOTFS_PIVOT_H
#define HUTCH_LINUX_SETUP_ROOTFS_PIVOT_H

#include <stdbool.h>

#include "util/error.h"

enum pivot_mode {
	PIVOT_ROOT,   /* pivot_root(".", ".") then a detached unmount of the old root */
	PIVOT_MOVE,   /* --no-pivot: MS_MOVE of rootfs onto "/", then chroot */
	PIVOT_CHROOT, /* no mount namespace of our own: chroot only */
};

/* Make `rootfs` (absolute) the root of the calling process.
 * PIVOT_ROOT (rootfs must be a mount point, which rootfs_prepare ensures by
 * bind-mounting it onto itself): pivot_root(".", ".") then a detached
 * unmount of the old root, made rslave first so the unmount does not
 * propagate to the host. Must run in a private mount namespace.
 * PIVOT_MOVE, for roots pivot_root refuses (e.g. an initramfs): detach the
 * host's proc and sysfs mounts (so the kernel's "mount too revealing" check
 * judges only the container's), move rootfs onto "/" and chroot; the rest of
 * the host's mounts stay in the namespace, hidden below the new root. Must
 * run in a private mount namespace.
 * PIVOT_CHROOT, in the caller's own mount namespace: chroot alone (nothing is
 * unmounted or moved there).
 * The working directory is "/" afterwards. */
int pivot_switch_root(const char *rootfs, enum pivot_mode mode, struct hutch_error **err);

#endif
