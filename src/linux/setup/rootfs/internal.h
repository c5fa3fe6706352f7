/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the rootfs steps (prepare.c, entry.c, finalize.c). */
#ifndef HUTCH_LINUX_SETUP_ROOTFS_INTERNAL_H
#define HUTCH_LINUX_SETUP_ROOTFS_INTERNAL_H

#include "linux/mount.h"

#include <sys/types.h>
#include "linux/setup/rootfs/rootfs.h"

struct rootfs {
	struct rootfs_opts o;
	int rootfd;     /* the container's root: the top mount at o.rootfs */
	dev_t root_dev; /* its stat, for the check that a target is not the root */
	ino_t root_ino;
	bool own_mntns; /* linux.namespaces lists "mount" */
	bool dev_bound; /* /dev is bind-mounted: devices come from there */
	int *later_ro;  /* mounts made read-only by rootfs_finalize */
	size_t n_later_ro;
	int mask_dir; /* the first masked directory's tmpfs, cloned for the others */
	int dev_null; /* the verified /dev/null masked files are bound from */
};

/* Make fd (consumed) the root the mounts are resolved in. */
int rootfs_set_root(struct rootfs *r, int fd, struct hutch_error **err);

/* Make mnt (consumed) read-only in rootfs_finalize. */
void rootfs_later_ro(struct rootfs *r, int mnt);

/* Mount r->o.spec->mounts[i] (entry.c). */
int rootfs_mount_entry(struct rootfs *r, size_t i, struct hutch_error **err);

/* The user namespace an idmap bind of m maps to: one made from the mount's
 * own mappings (*ret_owned: the caller closes it), else container_userns. */
int rootfs_pick_userns(const struct spec_mount *m, int container_userns, int *ret_fd,
                       bool *ret_owned, struct hutch_error **err);

/* m's source, relative ones taken from the bundle (malloc'd). */
char *rootfs_bind_source(const char *bundle, const struct spec_mount *m);

#endif
