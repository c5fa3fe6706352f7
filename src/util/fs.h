/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File helpers: whole-file read/write, atomic replace, mkdir -p, and safe
 * path resolution inside a root directory. */
#ifndef HUTCH_UTIL_FS_H
#define HUTCH_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Read a whole file (NUL-terminated, malloc'd); *ret_len optional. dirfd may be AT_FDCWD. */
int fs_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, struct hutch_error **err);
/* Write data to an existing file (O_WRONLY|O_TRUNC), e.g. a cgroup or /proc knob. */
int fs_write_file_at(int dirfd, const char *path, const char *data, size_t len, struct hutch_error **err);
/* Write via <path>.tmp + fsync-free rename, so readers never see half a file. */
int fs_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct hutch_error **err);
/* mkdir -p with `mode`; existing directories are fine. */
int fs_mkdir_p(const char *path, mode_t mode, struct hutch_error **err);
/* Write all of buf to fd, retrying on EINTR/short writes. -1 with errno on failure. */
int fs_write_all(int fd, const void *buf, size_t len);

#endif
