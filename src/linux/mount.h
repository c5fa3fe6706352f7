/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mount options (the runtime-spec's Linux mount option table) and the mount
 * primitives built on them: mounts on fds resolved inside a root, the
 * bind-then-remount dance, propagation, recursive attributes, idmapped mounts. */
#ifndef HUTCH_LINUX_MOUNT_H
#define HUTCH_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Bind-mount host path `source` onto `dest` inside rootfd (which must exist;
 * see fs_create_in_root). MS_REC when o has rbind. Then, in this order: an
 * idmap (when o->idmap: the bind is made with open_tree + mount_setattr
 * MOUNT_ATTR_IDMAP against userns_fd, which must then be >= 0), the flags via
 * MS_REMOUNT|MS_BIND (keeping flags the source mount has locked, e.g. nodev
 * in a user namespace), the propagation changes and the recursive attributes.
 * Errors name the failing step. */
int mount_bind(const char *source, int rootfd, const char *dest, const struct mount_opts *o,
               int userns_fd, struct hutch_error **err);

/* Clone host path `source` (recursively when o has rbind) as a detached tree
 * and idmap it (recursively for ridmap) to userns_fd; *ret_fd gets the tree.
 * The kernel idmaps a mount only for a caller privileged over the source
 * filesystem, so for a container in a user namespace this runs on the host
 * side and the init attaches the tree with mount_attach_tree. */
int mount_idmapped_tree(const char *source, const struct mount_opts *o, int userns_fd, int *ret_fd,
                        struct hutch_error **err);

/* Attach a detached tree (mount_idmapped_tree) on dest inside rootfd, then
 * apply o's flags, propagation and recursive attributes as mount_bind does.
 * tree_fd is not closed. */
int mount_attach_tree(int tree_fd, int rootfd, const char *dest, const struct mount_opts *o,
                      struct hutch_error **err);

/* mount(2) a filesystem of `type` from `source` on dest inside rootfd, with
 * o->flags (propagation and bind bits stripped) and o->data, then apply the
 * propagation changes and recursive attributes. `extra_data` (may be NULL) is
 * appended to o->data (e.g. "newinstance,ptmxmode=0666" for devpts). With
 * o->tmpcopyup, the directory's previous contents are copied into the new
 * mount before any read-only flag is applied. */
int mount_fs(const char *source, const char *type, int rootfd, const char *dest,
             const struct mount_opts *o, const char *extra_data, struct hutch_error **err);

/* Propagation changes (in order) then recursive attributes of o, on the mount
 * at dest. Used by mount_bind/mount_fs; exported for callers that mount by
 * other means (cgroup trees). */
int mount_apply_post(int rootfd, const char *dest, const struct mount_opts *o,
                     struct hutch_error **err);

/* Change the per-mount flags of the mount whose root fd refers to with
 * MS_REMOUNT|MS_BIND: start from its current flags, drop `clear`, add `set`
 * (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime flags, MS_NOSYMFOLLOW).
 * On EPERM, retries once keeping the flags the kernel locks in a user
 * namespace (nosuid, nodev, noexec, ro, atime). */
int mount_remount_flags(int mntfd, unsigned long set, unsigned long clear,
                        struct hutch_error **err);

/* mount_setattr(2) on fd with AT_EMPTY_PATH (plus AT_RECURSIVE when
 * `recursive`). userns_fd >= 0 is passed for MOUNT_ATTR_IDMAP. */
int mount_setattr_fd(int fd, bool recursive, uint64_t set, uint64_t clr, int userns_fd,
                     struct hutch_error **err);

/* Create a user namespace with the given mappings (the caller must be
 * privileged over the IDs: host root or their owner) and return an O_CLOEXEC
 * fd on it in *ret_fd, for idmapped mounts. Forks a short-lived helper. */
int mount_userns_from_mappings(const struct spec_id_mapping *uids, size_t n_uids,
                               const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                               struct hutch_error **err);

#endif
