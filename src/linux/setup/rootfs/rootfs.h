/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's root filesystem, in steps run by the container init: prepare
 * (mounts and devices, on the host's view), pivot (after the createContainer
 * hooks), console (with a terminal), finalize. The steps live in
 * linux/setup/rootfs/; every mount goes through linux/mount.h onto a target
 * resolved inside the root and checked. */
#ifndef HUTCH_LINUX_SETUP_ROOTFS_ROOTFS_H
#define HUTCH_LINUX_SETUP_ROOTFS_ROOTFS_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

struct cgroupfs_hier;

struct rootfs_opts {
	const struct spec *spec; /* root, mounts, linux.{namespaces,devices,rootfsPropagation,
	                            maskedPaths,readonlyPaths,sysctl} */
	const char *bundle;      /* absolute; relative bind sources are taken from it */
	const char *rootfs;      /* absolute path of root.path */
	const char *cwd;         /* process.cwd to create inside the root; NULL: none */
	bool no_pivot;           /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool in_userns;          /* the init is in a new user namespace (enables fallbacks:
	                            sysfs/mqueue bind-mounted from the host when mounting them
	                            fresh is refused) */
	int userns_fd;           /* the container's user namespace, for idmap/ridmap mounts
	                            without their own mappings; -1 when none */
	const int *mount_fds;    /* optional, one per spec->mounts[i]: a detached tree of that
	                            bind mount's source made by the runtime (rootfs_bind_trees;
	                            idmapped for idmap/ridmap), -1 to clone the source here.
	                            NULL: all -1. Not closed (a copy is attached) */
	bool has_cgroupns;       /* the init is in a new cgroup namespace */
	const struct cgroupfs_hier *cgroups; /* the container's cgroup directories, for a
	                                        mount of type "cgroup" (cgroupfs.h);
	                                        n_cgroups 0: none known */
	size_t n_cgroups;
};

/* What the steps share; made by rootfs_prepare. */
struct rootfs;
struct rootfs_guard;

/* Step 1, in the init after it has entered its namespaces (and its cgroups),
 * before the createContainer hooks. With a mount namespace of its own
 * (linux.namespaces lists "mount"): make "/" recursively slave or private per
 * linux.rootfsPropagation (default rprivate) so nothing propagates back to
 * the host, and bind the rootfs onto itself (pivot_root needs a mount point).
 * Without one, the container lives in the caller's mount namespace: "/" is
 * left alone and nothing is bound. Then each of spec->mounts in order
 * (bind/rbind sources relative to the bundle; proc, sysfs, tmpfs, mqueue,
 * devpts with newinstance,ptmxmode=0666, cgroup, anything else passed
 * through); unless /dev is bind-mounted: the default devices, linux.devices,
 * /dev/ptmx and the /dev symlinks. Every target is resolved once inside the
 * current root (a mount on "/" becomes the root the later mounts are made
 * in) and checked: never the root itself through a symlink, never inside
 * procfs (CVE-2019-19921) except for the files lxcfs-style tools cover, proc
 * and sysfs only on a real directory; the mount lands on that very target
 * (CVE-2021-30465). A tmpfs without mode= gets the mode of the directory it
 * covers. Filesystems asked to be read-only stay writable until
 * rootfs_finalize, so that what is mounted or created below them can be
 * (runc's order for a read-only /dev); bind mounts are read-only at once.
 * Errors carry context: "mount proc (proc) on /proc: <cause>". *ret: free
 * with rootfs_free. */
int rootfs_prepare(const struct rootfs_opts *o, struct rootfs **ret, struct hutch_error **err);

/* Runtime side, before step 1, for a container in a user namespace: the init
 * may lack the permission to reach a bind source (a root-only host directory)
 * and the kernel idmaps a mount only for a caller privileged over the source
 * filesystem. For each bind in s->mounts, clone its source here (open_tree),
 * and idmap the clone of idmap/ridmap binds: with the mount's own
 * uidMappings/gidMappings, else to container_userns_fd (e.g.
 * /proc/<init>/ns/user, maps already written). Where cloning is not permitted
 * (an unprivileged runtime) a plain bind is left to the init (-1). The init
 * keeps the flags these clones' sources have (ro, nosuid, nodev, noexec) as
 * the kernel would have locked them. *ret_fds gets a malloc'd array of
 * s->n_mounts fds, -1 for other mounts; pass it as rootfs_opts.mount_fds in
 * the init (e.g. over SCM_RIGHTS), then close the fds and free the array. */
int rootfs_bind_trees(const struct spec *s, const char *bundle, int container_userns_fd,
                      int **ret_fds, struct hutch_error **err);

/* Step 2, after the createContainer hooks: switch root (pivot_root, or MS_MOVE
 * + chroot with no_pivot, or chroot alone without a mount namespace of its
 * own), then apply a shared or unbindable rootfsPropagation to the new "/".
 * Leaves the cwd at "/". */
int rootfs_pivot(struct rootfs *r, struct hutch_error **err);

/* Step 3, with process.terminal, after rootfs_pivot: /dev/console is the pty
 * `slave` (an fd from the container's own devpts, see terminal_open):
 * bind-mounted onto a regular file created in the container's /dev with
 * O_CREAT|O_EXCL|O_NOFOLLOW, or onto the regular file or character device
 * already there; anything else there (a symlink, ...) is removed first, a
 * directory is an error. Never follows a symlink (CVE-2025-52565). */
int rootfs_console(struct rootfs *r, int slave, struct hutch_error **err);

/* Step 4, inside the new root: create process.cwd (inside the root, never
 * through a symlink out of it), linux.sysctl (through the verified procfs,
 * util/procfs.h), readonlyPaths (bind onto itself, read-only), maskedPaths
 * (directories get an empty read-only tmpfs, files the container's /dev/null,
 * which must be the character device 1:3: a symlink or any other file there
 * is an error, CVE-2025-31133), the read-only flag of the filesystems that
 * asked for it, then root.readonly. Missing masked or read-only paths are
 * skipped. Needs no /proc in the container. */
int rootfs_finalize(struct rootfs *r, struct hutch_error **err);

/* Close what r holds and free it (mounts stay). NULL is fine. */
void rootfs_free(struct rootfs *r);

/* Runtime side, for a container without a mount namespace of its own, whose
 * mounts go into the caller's namespace (the runtime's): before the clone,
 * note what is mounted at or below rootfs already (an engine's overlay, say);
 * NULL when mountinfo cannot be read. */
struct rootfs_guard *rootfs_guard_new(const char *rootfs);

/* After that create failed: unmount, lazily and newest first, what is
 * mounted at or below rootfs and was not there before. Each mount point is
 * resolved inside rootfs without following any symlink, so nothing outside
 * it can be touched. Best effort: returns how many mounts it could not take
 * away. g NULL: nothing to do. (With a mount namespace of its own the mounts
 * go with the namespace.) */
int rootfs_guard_rollback(const struct rootfs_guard *g);
void rootfs_guard_free(struct rootfs_guard *g);

#endif
