/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysctl keys to /proc/sys paths, and writing them. */
#include "linux/sysctl.h"
#include "util/cleanup.h"
#include "util/procfs.h"
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

/* Through the runtime's verified procfs, never the container's /proc: with
 * no procfs mounted there, or a file planted at /proc/sys/..., the value
 * would land in the image (CVE-2025-52881). /proc/sys/{net,kernel,fs/mqueue}
 * show the namespaces of the writer, i.e. the container's. */
static int sysctl_write(const char *key, const char *value, struct hutch_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *file = NULL;

	if (sysctl_key_to_path(key, &path, err) < 0)
		return -1;
	file = xasprintf("sys/%s", path);
	if (procfs_write(file, value, strlen(value), err) < 0)
		return herr_prefix(err, "sysctl %s = \"%s\"", key, value);
	return 0;
}

int sysctl_apply(const struct spec_kv *kv, size_t n, struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++)
		if (sysctl_write(kv[i].key, kv[i].value ? kv[i].value : "", err) < 0)
			return -1;
	return 0;
}
