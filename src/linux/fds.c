/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The close-on-exec sweep before the execve. */
#include "linux/fds.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int cloexec_walk(int from, const int *keep, size_t n_keep, struct hutch_error **err)
{
	int fd = procfs_open("self/fd", O_RDONLY | O_DIRECTORY, err);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -1 : herr_errno(err, errno, "open /proc/self/fd");
	}
	while ((de = readdir(d))) {
		unsigned long long v;
		bool kept = false;

		if (str_to_u64(de->d_name, &v) < 0 || v < (unsigned long long)from ||
		    (int)v == dirfd(d))
			continue;
		for (size_t i = 0; i < n_keep; i++)
			kept = kept || keep[i] == (int)v;
		if (!kept && fcntl((int)v, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
			return herr_errno(err, errno, "set close-on-exec on fd %llu", v);
	}
	return 0;
}

int fds_cloexec_from(int from, const int *keep, size_t n_keep, struct hutch_error **err)
{
	_cleanup_free_ int *sorted = xcalloc(n_keep + 1, sizeof(int));
	size_t n = 0;
	unsigned int lo = (unsigned int)from;

	for (size_t i = 0; i < n_keep; i++)
		if (keep[i] >= from)
			sorted[n++] = keep[i];
	qsort(sorted, n, sizeof(int), cmp_int);
	for (size_t i = 0; i <= n; i++) {
		unsigned int hi = i < n ? (unsigned int)sorted[i] : ~0U;

		if (hi > lo && syscall(SYS_close_range, lo, hi - 1, CLOSE_RANGE_CLOEXEC) < 0) {
			if (errno == ENOSYS || errno == EINVAL)
				return cloexec_walk(from, keep, n_keep, err);
			return herr_errno(err, errno, "close_range %u-%u", lo, hi - 1);
		}
		if (i < n)
			lo = hi + 1;
	}
	return 0;
}
