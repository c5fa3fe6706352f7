/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers to read and write cgroup files, and to collect the pids of a
 * cgroup tree. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cg_open_write(const char *dir, const char *file, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	int fd = openat(AT_FDCWD, path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	return fd;
}

int cg_write_fd(int fd, const char *dir, const char *file, const char *value,
                struct hutch_error **err)
{
	/* cgroup files take one value per write(2): never split it. */
	ssize_t w = write(fd, value, strlen(value));

	if (w < 0)
		return herr_errno(err, errno, "write \"%s\" to %s/%s", value, dir, file);
	if ((size_t)w != strlen(value))
		return herr_msg(err, "write \"%s\" to %s/%s: short write", value, dir, file);
	return 0;
}

int cg_write(const char *dir, const char *file, const char *value, struct hutch_error **err)
{
	_cleanup_close_ int fd = cg_open_write(dir, file, err);

	return fd < 0 ? -1 : cg_write_fd(fd, dir, file, value, err);
}

int cg_writef(const char *dir, const char *file, struct hutch_error **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	_cleanup_free_ char *v = xvasprintf(fmt, ap);
	va_end(ap);
	return cg_write(dir, file, v, err);
}

int cg_read(const char *dir, const char *file, char **ret, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);

	return fs_read_file_at(AT_FDCWD, path, ret, NULL, err);
}

static int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	size_t len = strcspn(s, " \n");
	_cleanup_free_ char *t = xstrndup(s, len);

	if (strcmp(t, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (str_to_u64(t, &v) < 0)
		return -1;
	*ret = v;
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret, struct hutch_error **err)
{
	_cleanup_free_ char *s = NULL;

	if (cg_read(dir, file, &s, err) < 0)
		return -1;
	if (parse_u64(s, ret) < 0)
		return herr_msg(err, "%s/%s: not a number: \"%.*s\"", dir, file,
		                (int)strcspn(s, "\n"), s);
	return 0;
}

int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *ret,
                struct hutch_error **err)
{
	_cleanup_free_ char *s = NULL;
	size_t klen = strlen(key);

	if (cg_read(dir, file, &s, err) < 0)
		return -1;
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return parse_u64(line + klen + 1, ret) < 0
			           ? herr_msg(err, "%s/%s: bad value for %s", dir, file, key)
			           : 0;
		line = nl ? nl + 1 : NULL;
	}
	return herr_errno(err, ENOENT, "%s/%s: no key %s", dir, file, key);
}

bool cg_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);

	return access(path, F_OK) == 0;
}

int cg_collect_pids(const char *dir, pid_t **pids, size_t *n, struct hutch_error **err)
{
	_cleanup_free_ char *s = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (cg_read(dir, "cgroup.procs", &s, err) < 0)
		return -1;
	for (char *tok = strtok(s, "\n"); tok; tok = strtok(NULL, "\n")) {
		long long v;
		if (str_to_i64(tok, &v) < 0 || v <= 0)
			continue;
		*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
		(*pids)[(*n)++] = (pid_t)v;
	}
	d = opendir(dir);
	if (!d)
		return cg_gone(errno) ? 0 : herr_errno(err, errno, "opendir %s", dir);
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
		if (cg_collect_pids(sub, pids, n, err) < 0) {
			if (cg_gone((*err)->errnum)) {
				herr_freep(err);
				*err = NULL;
				continue;
			}
			return -1;
		}
	}
	return 0;
}

const char *cg_limit_str(int64_t v, char buf[static 24])
{
	if (v < 0)
		return "max";
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}
