/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers: whole-file read/write, atomic replace, mkdir -p, and safe
 * path resolution inside a root directory. */
#ifndef HUTCH_UTIL_FS_H
#define HUTCH_UTIL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "util/error.h"

/* fopen(path, "re") in one system call with any C library (musl's fopen
 * follows O_CLOEXEC with an fcntl); NULL with errno. */
FILE *fs_fopen_read(const char *path);
/* Read a whole file (NUL-terminated, malloc'd); *ret_len optional. dirfd may be AT_FDCWD. */
int fs_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len,
                    struct hutch_error **err);
/* Read what is left of fd into a malloc'd NUL-terminated buffer; *ret_len
 * optional. -1 with errno on failure. */
int fs_read_fd(int fd, char **ret, size_t *ret_len);
/* Write data to an existing file (O_WRONLY|O_TRUNC), e.g. a cgroup or /proc knob. */
int fs_write_file_at(int dirfd, const char *path, const char *data, size_t len,
                     struct hutch_error **err);
/* Write via <path>.tmp + fsync-free rename, so readers never see half a file. */
int fs_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                         struct hutch_error **err);
/* The same for `name` in the directory dirfd (no path lookup from "/";
 * AT_FDCWD is fs_write_file_atomic). */
int fs_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                            struct hutch_error **err);
/* The same with what fill(fd, arg) writes into the new file: 0, or -1 with
 * errno (the new file is then removed and the old one stays). */
int fs_replace_atomic_at(int dirfd, const char *name, mode_t mode, int (*fill)(int fd, void *arg),
                         void *arg, struct hutch_error **err);
/* The same with the whole content of the regular file srcfd (from offset 0;
 * its own offset is left alone), copied in the kernel (copy_file_range, or
 * sendfile across filesystems): never held in memory. */
int fs_copy_file_atomic_at(int dirfd, const char *name, int srcfd, mode_t mode,
                           struct hutch_error **err);
/* mkdir -p with `mode`; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct hutch_error **err);
/* Write all of buf to fd, retrying on EINTR/short writes. -1 with errno on failure. */
int fs_write_all(int fd, const void *buf, size_t len);

/* --- Safe path resolution inside a root directory ------------------------
 * These treat `rootfd` as "/": absolute symlinks restart at rootfd, ".." never
 * climbs above it, and procfs magic links (/proc/PID/fd/N, .../exe, ...) are
 * refused with ELOOP, so an untrusted image cannot redirect a path to the host.
 * All returned fds are O_CLOEXEC and owned by the caller. */

/* Open `path` (absolute or relative, both taken from rootfd) with open(2)
 * `flags` (O_PATH, O_RDONLY|O_DIRECTORY, O_WRONLY, ...; O_CREAT is not
 * supported, O_NOFOLLOW applies to the last component). Uses openat2(2)
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS and falls back to a component walk
 * when the kernel lacks it. Returns the fd, or -1 with *err "resolve <path>:
 * <cause>" whose errnum is the cause (ENOENT when something is missing). */
int fs_open_in_root(int rootfd, const char *path, int flags, struct hutch_error **err);
/* The same for callers to whom a missing path is an answer rather than an
 * error (masked paths that are not there, mount targets still to be made):
 * FS_ABSENT when something on the way does not exist (ENOENT), without
 * building a message, which costs more than the lookup. */
#define FS_ABSENT (-2)
int fs_open_in_root_optional(int rootfd, const char *path, int flags, struct hutch_error **err);

/* The component-walk fallback of fs_open_in_root, exported so tests can
 * exercise it on kernels that have openat2. Same contract. */
int fs_open_in_root_walk(int rootfd, const char *path, int flags, struct hutch_error **err);

/* Like `mkdir -p` of path's parents inside rootfd, then create the last
 * component as a directory (dir=true) or an empty regular file, each with
 * `mode`, unless something already exists there. Dangling symlinks on the way
 * are followed inside the root and their targets created. Whatever already
 * exists is accepted as is (the caller checks the type with fstat). Returns an
 * O_PATH fd on the result, or -1 with *err as for fs_open_in_root. */
int fs_create_in_root(int rootfd, const char *path, bool dir, mode_t mode,
                      struct hutch_error **err);

/* The lexical clean form of path (malloc'd): no "//", no "." components, no
 * trailing slash, ".." folded into its parent and never above "/" of an
 * absolute path ("/dev//x/" -> "/dev/x", "/../a" -> "/a", "" -> "."). */
char *fs_clean_path(const char *path);

/* chmod the file fd refers to (O_PATH fds too), never through a name that
 * could have been swapped for a symlink: fchmodat2(AT_EMPTY_PATH) (Linux
 * 6.6), else through the fd's entry in the verified procfs. */
int fs_chmod_fd(int fd, mode_t mode, struct hutch_error **err);

/* Copy the contents of directory srcfd into directory dstfd, recursively:
 * directories, regular files, symlinks, device nodes and fifos, keeping mode,
 * owner and timestamps (sockets are skipped). Both fds must be real (not
 * O_PATH) directory fds; they are not closed. -1 with *err naming the entry. */
int fs_copy_tree_at(int srcfd, int dstfd, struct hutch_error **err);

#endif
