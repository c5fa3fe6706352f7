/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's own view of procfs: one handle, verified to be a real procfs
 * root that nothing is mounted on, through which every read or write under
 * /proc by the runtime and by the container init goes. A container that
 * controls its /proc (no procfs mounted, a file planted in the image, a
 * symlink, a bind mount racing the runtime) cannot redirect these writes
 * (CVE-2025-52881, CVE-2019-16884). */
#ifndef HUTCH_UTIL_PROCFS_H
#define HUTCH_UTIL_PROCFS_H

#include <stddef.h>

#include "util/error.h"

/* The handle: an O_PATH, close-on-exec fd on the root of a procfs of the
 * caller's pid namespace, made on first use and kept for the life of the
 * process. Clones inherit it, so the runtime takes it before cloning the
 * container init and the init never looks at the container's /proc. In order
 * of preference: /proc of the caller's mount namespace, a private procfs
 * instance (fsopen("proc") + fsmount), a detached copy of the /proc mount
 * without its submounts (open_tree OPEN_TREE_CLONE). A candidate is accepted
 * only if fstatfs says PROC_SUPER_MAGIC, it is the procfs root inode, and its
 * "self" names the caller. Returns the fd (owned here: do not close it) or -1
 * with *err saying why none was accepted. */
int procfs_root(struct hutch_error **err);

/* The handle's fd number if procfs_root() made it, else -1: a child that
 * closes the fds it inherited keeps this one. */
int procfs_root_fd(void);

/* Open `path` below the handle with open(2) `flags` (O_CLOEXEC is added).
 * path is relative to the procfs root: "sys/kernel/hostname",
 * "self/oom_score_adj", "thread-self/attr/exec", "1234/uid_map". A leading
 * "self" or "thread-self" is replaced by the caller's own entry as the handle
 * reads it (its pid in the handle's pid namespace) instead of being followed
 * as a symlink. The walk is openat2(2) with RESOLVE_BENEATH, RESOLVE_NO_XDEV,
 * RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS: it fails (EXDEV, ELOOP)
 * rather than cross into a mount made on a procfs file or follow a link, and
 * the result is checked to be on procfs. Returns the fd or -1 with *err
 * "procfs: open /proc/<path>: <cause>". */
int procfs_open(const char *path, int flags, struct hutch_error **err);

/* procfs_open relative to dirfd, a directory opened by procfs_open (e.g.
 * "1234" for /proc/1234); "self" prefixes are not rewritten here. */
int procfs_open_at(int dirfd, const char *path, int flags, struct hutch_error **err);

/* Write data to procfs file `path` (procfs_open with O_WRONLY) in one write(2),
 * as the kernel's knobs expect. Errors name the file. */
int procfs_write(const char *path, const char *data, size_t len, struct hutch_error **err);

/* procfs_write relative to a directory from procfs_open. */
int procfs_write_at(int dirfd, const char *path, const char *data, size_t len,
                    struct hutch_error **err);

/* Read a whole procfs file (NUL-terminated, malloc'd into *ret; *ret_len
 * optional). */
int procfs_read(const char *path, char **ret, size_t *ret_len, struct hutch_error **err);

/* Reopen `fd` with `flags` through its /proc/<pid>/fd/<fd> entry of the
 * handle (the only magic link followed, and only by this function): e.g. a
 * regular file resolved with O_PATH, opened for reading. */
int procfs_reopen(int fd, int flags, struct hutch_error **err);

#endif
