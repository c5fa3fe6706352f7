/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl keys to /proc/sys paths, and writing them. */
#include "linux/sysctl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int sysctl_key_to_path(const char *key, char **ret, struct hutch_error **err)
{
	size_t first = strcspn(key, "./");
	bool dotted = key[first] != '/';
	_cleanup_free_ char *path = xstrdup(key);

	if (dotted)
		for (char *p = path; *p; p++)
			if (*p == '.')
				*p = '/';
	/* every component must be a plain name: no "", ".", ".." */
	for (const char *c = path;;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return herr_msg(err, "sysctl \"%s\": invalid key", key);
		if (c[len] == '\0')
			break;
		c += len + 1;
	}
	*ret = steal_ptr(&path);
	return 0;
}

static int sysctl_write(int procsys, const char *key, const char *value, struct hutch_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;

	if (sysctl_key_to_path(key, &path, err) < 0)
		return -1;
	fd = fs_open_in_root(procsys, path, O_WRONLY | O_TRUNC | O_NOFOLLOW, err);
	if (fd < 0)
		return herr_prefix(err, "sysctl %s", key);
	if (fs_write_all(fd, value, strlen(value)) < 0)
		return herr_errno(err, errno, "sysctl %s: write \"%s\"", key, value);
	return 0;
}

int sysctl_apply(const struct spec_kv *kv, size_t n, struct hutch_error **err)
{
	_cleanup_close_ int procsys = -1;

	if (n == 0)
		return 0;
	procsys = open("/proc/sys", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procsys < 0)
		return herr_errno(err, errno, "sysctl: open /proc/sys");
	for (size_t i = 0; i < n; i++)
		if (sysctl_write(procsys, kv[i].key, kv[i].value ? kv[i].value : "", err) < 0)
			return -1;
	return 0;
}
