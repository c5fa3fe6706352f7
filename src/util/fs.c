/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-file helpers and atomic replace. */
#include "util/fs.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fs_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len, struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return herr_errno(err, errno, "read %s", path);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (!buf)
		buf = xcalloc(1, 1);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = steal_ptr(&buf);
	return 0;
}

int fs_write_file_at(int dirfd, const char *path, const char *data, size_t len, struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	if (fs_write_all(fd, data, len) < 0)
		return herr_errno(err, errno, "write %s", path);
	return 0;
}

int fs_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct hutch_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return herr_errno(err, errno, "create %s", tmp);
	if (fs_write_all(fd, data, len) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return herr_errno(err, e, "write %s", tmp);
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return herr_errno(err, e, "rename %s to %s", tmp, path);
	}
	return 0;
}

int fs_mkdir_p(const char *path, mode_t mode, struct hutch_error **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return herr_errno(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "mkdir %s", p);
	return 0;
}
