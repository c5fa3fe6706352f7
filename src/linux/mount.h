/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount options (the runtime-spec's Linux mount option table) and the
 * safe-mount layer every mount of hutch goes through.
 *
 * The layer mounts only onto targets given as file descriptors. The caller
 * resolves a destination once, inside the container's root (util/fs.h: no
 * symlink leads out of it, no magic link is followed, what is missing is
 * created), checks what it got, and passes that fd: the mount lands on that
 * very file or directory, whatever is renamed or swapped meanwhile
 * (CVE-2021-30465). Mounts are built detached with the new mount API
 * (open_tree, or fsopen + fsconfig + fsmount), get their flags while still
 * detached (mount_setattr), and are attached with move_mount and
 * MOVE_MOUNT_T_EMPTY_PATH; propagation and later read-only changes are
 * mount_setattr with AT_EMPTY_PATH on the mount's own fd. No path is ever
 * handed to mount(2), and nothing here depends on /proc.
 *
 * This file's implementation (linux/mount.c) is the only code that calls
 * mount(2), umount2(2), open_tree, fsopen, fsconfig, fsmount, move_mount or
 * mount_setattr (util/procfs.c makes its own detached procfs instance, never
 * attached). tests/check-mount-calls.sh, a meson test, fails when any other
 * file does: a new mount call site has to come through here. */
#ifndef HUTCH_LINUX_MOUNT_H
#define HUTCH_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#ifndef MOUNT_ATTR_RDONLY /* a C library without the new mount API's names (musl) */
#include <linux/mount.h>
#endif

#include "spec/spec.h"
#include "util/error.h"

/* A parsed `options` array. Set/clear pairs are last-wins (["ro","rw"] is rw). */
struct mount_opts {
	unsigned long
	    flags; /* MS_* to set, incl. MS_BIND (bind), MS_BIND|MS_REC (rbind), MS_REMOUNT */
	unsigned long clear; /* MS_* the options explicitly turned off (rw, suid, dev, exec, ...) */
	unsigned long *propagation; /* MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE}[|MS_REC], in order */
	size_t n_propagation;
	uint64_t rec_set; /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE): rro, rnosuid, ... */
	uint64_t rec_clr;
	bool tmpcopyup;       /* copy the directory's contents into the new tmpfs */
	bool idmap;           /* idmap or ridmap */
	bool idmap_recursive; /* ridmap */
	char *data;           /* unrecognised options joined with ","; NULL when none */
};

/* Parse a NULL-terminated options vector (may be NULL) into *ret (zeroed
 * first; free with mount_opts_free). Unknown options go to ret->data verbatim.
 * Never fails today; returns 0 (-1 with *err reserved for future checks). */
int mount_parse_options(char *const *options, struct mount_opts *ret, struct hutch_error **err);
void mount_opts_free(struct mount_opts *o);

/* Every option name mount_parse_options recognises (flags, propagation,
 * recursive attributes, tmpcopyup, idmap, ridmap), NULL-terminated, static:
 * the "mountOptions" of `hutch features`. */
const char *const *mount_known_options(void);

static inline bool mount_opts_is_bind(const struct mount_opts *o)
{
	return (o->flags & 4096 /* MS_BIND */) != 0;
}

/* --- Detached trees ---------------------------------------------------------
 * A tree is an fd on a mount that is not attached anywhere yet (the caller
 * owns it; closing it unattached discards the mount). */

/* Clone what is at dirfd/path (path "" for dirfd itself, e.g. an O_PATH fd
 * from the caller's resolution; otherwise path is resolved as open(2) would,
 * so give only trusted host paths), with what is mounted below it when
 * `recursive` (rbind). open_tree(OPEN_TREE_CLONE). */
int mount_tree_clone(int dirfd, const char *path, bool recursive, int *ret_tree,
                     struct hutch_error **err);

/* A new filesystem of `type`: fsopen(type), "source" = source (may be NULL),
 * every comma-separated option of `data` (may be NULL; "key" is a flag,
 * "key=value" a string, double quotes keep commas in a value) and the
 * superblock flags of o (ro, sync, dirsync, lazytime, mand), then
 * fsmount with o's per-mount flags (ro, nosuid, nodev, noexec, atime,
 * nodiratime, nosymfollow). Errors carry the kernel's own message when it
 * gave one (fsconfig's log). */
int mount_tree_new(const char *type, const char *source, const char *data,
                   const struct mount_opts *o, int *ret_tree, struct hutch_error **err);

/* Idmap tree (recursively for ridmap) to the user namespace userns_fd. */
int mount_tree_idmap(int tree, bool recursive, int userns_fd, struct hutch_error **err);

/* --- Attaching and changing mounts ----------------------------------------- */

/* move_mount(tree -> target) with MOVE_MOUNT_F_EMPTY_PATH|T_EMPTY_PATH: the
 * mount goes onto the file `target` refers to (on top of what is mounted
 * there already). tree may also be an attached mount's root, which is then
 * moved (MS_MOVE). Afterwards `tree` refers to the attached mount. */
int mount_attach(int tree, int target, struct hutch_error **err);

/* Change the per-mount flags of the mount whose root mnt refers to (top mount
 * only; detached or attached): add `set`, drop `clear` (MS_RDONLY, MS_NOSUID,
 * MS_NODEV, MS_NOEXEC, atime flags, MS_NODIRATIME, MS_NOSYMFOLLOW). When the
 * kernel refuses (EPERM: flags a user namespace inherited locked), retries
 * once without clearing the flags the mount has and without touching atime. */
int mount_set_flags(int mnt, unsigned long set, unsigned long clear, struct hutch_error **err);

/* For a tree the runtime cloned for a container in a user namespace: the
 * kernel locks ro, nosuid, nodev, noexec and atime on mounts a user namespace
 * inherits (mount_namespaces(7)), but not on a tree cloned outside it. Drop
 * from o->clear the flags the tree has, so the options can add flags but not
 * remove the source's, as if they were locked. */
int mount_keep_source_flags(int tree, struct mount_opts *o, struct hutch_error **err);

/* mount_setattr(2) on mnt with AT_EMPTY_PATH (plus AT_RECURSIVE when
 * `recursive`). userns_fd >= 0 is passed for MOUNT_ATTR_IDMAP. */
int mount_setattr_fd(int mnt, bool recursive, uint64_t set, uint64_t clr, int userns_fd,
                     struct hutch_error **err);

/* One propagation change on mnt: MS_SHARED, MS_SLAVE, MS_PRIVATE or
 * MS_UNBINDABLE, with MS_REC for the whole tree below. */
int mount_set_propagation(int mnt, unsigned long ms_flags, struct hutch_error **err);

/* Unmount, lazily (MNT_DETACH), the mount at `path` (resolved by the kernel:
 * trusted paths only, e.g. "." after fchdir to the old root). */
int mount_detach_path(const char *path, struct hutch_error **err);

/* Unmount, lazily, the mount whose root mnt refers to (through its fd entry
 * in the verified procfs; the working directory is kept). */
int mount_detach_fd(int mnt, struct hutch_error **err);

/* --- Compositions for the rootfs ------------------------------------------- */

/* A bind mount of `tree` (a clone of the source: mount_tree_clone, made by
 * the runtime, idmapped or not) onto target, with o: the per-mount flags
 * (ro, nosuid, ...) and recursive attributes (rro, ...) are set while the
 * tree is detached, so it is never visible without them; then attach, then
 * o's propagation changes in order. */
int mount_bind_tree(int tree, int target, const struct mount_opts *o, struct hutch_error **err);

/* A new filesystem (mount_tree_new, with `data` as its options) onto target.
 * o->tmpcopyup copies target's contents (target must then be a directory)
 * into the new filesystem before it is attached and before it is made
 * read-only. Recursive attributes before attaching, propagation after.
 * *ret_mnt (optional) gets the attached mount's fd. */
int mount_fs(const char *type, const char *source, const char *data, int target,
             const struct mount_opts *o, int *ret_mnt, struct hutch_error **err);

#endif
