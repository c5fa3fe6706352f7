/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounting the cgroup filesystem inside the container: cgroup2, or a tmpfs of
 * v1 hierarchies laid out like the host's. */
#include "linux/cgroupfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#define CG_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* One line of /proc/self/cgroup: "ID:controllers:path". */
struct cg_line {
	char *controllers; /* "cpu,cpuacct", "name=systemd", "" for v2 */
	char *path;
};

struct cg_ctx {
	int rootfd;
	const char *dest;
	unsigned long flags; /* CG_FLAGS plus MS_RDONLY when asked */
	bool has_cgroupns;
	struct cg_line *lines;
	size_t n_lines;
};

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int read_self_cgroup(struct cg_ctx *c, struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;

	if (procfs_read("self/cgroup", &text, NULL, err) < 0)
		return -1;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (!b)
			return herr_msg(err, "/proc/self/cgroup: malformed line \"%s\"", line);
		c->lines = xrealloc(c->lines, (c->n_lines + 1) * sizeof(*c->lines));
		c->lines[c->n_lines].controllers = xstrndup(a + 1, (size_t)(b - a - 1));
		c->lines[c->n_lines].path = xstrdup(b + 1);
		c->n_lines++;
	}
	return 0;
}

static void free_lines(struct cg_ctx *c)
{
	for (size_t i = 0; i < c->n_lines; i++) {
		free(c->lines[i].controllers);
		free(c->lines[i].path);
	}
	free(c->lines);
}

static bool opts_have(const char *opts, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = opts; p && *p;) {
		size_t len = strcspn(p, ",");
		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* The /proc/self/cgroup line of a hierarchy: all its controllers appear in the
 * mount's superblock options. v2 is the line with no controllers. */
static const struct cg_line *find_line(const struct cg_ctx *c, const struct mountinfo_entry *e)
{
	bool v2 = strcmp(e->fstype, "cgroup2") == 0;

	for (size_t i = 0; i < c->n_lines; i++) {
		const char *ctl = c->lines[i].controllers;
		bool all = *ctl != '\0';
		if (v2 || !all) {
			if (v2 && !all)
				return &c->lines[i];
			continue;
		}
		for (const char *p = ctl; *p && all;) {
			size_t len = strcspn(p, ",");
			_cleanup_free_ char *w = xstrndup(p, len);
			all = opts_have(e->super_opts, w);
			p += len + (p[len] == ',');
		}
		if (all)
			return &c->lines[i];
	}
	return NULL;
}

/* Bind the container's own directory of the hierarchy mounted at e. */
static int bind_own(const struct cg_ctx *c, const struct mountinfo_entry *e, const char *sub,
                    struct hutch_error **err)
{
	const struct cg_line *l = find_line(c, e);
	char path[FS_FD_PATH_MAX];
	const char *rel = "";
	_cleanup_free_ char *source = NULL;

	if (l && path_under(l->path, e->root))
		rel = l->path + (strcmp(e->root, "/") == 0 ? 0 : strlen(e->root));
	source = xasprintf("%s%s", e->mount_point, rel);
	_cleanup_close_ int fd = fs_open_in_root(c->rootfd, sub, O_PATH, err);
	if (fd < 0)
		return -1;
	if (mount(source, fs_fd_path(fd, path), NULL, MS_BIND, NULL) < 0)
		return herr_errno(err, errno, "bind %s on %s", source, sub);
	_cleanup_close_ int top = fs_open_in_root(c->rootfd, sub, O_PATH, err);
	if (top < 0 || mount_remount_flags(top, c->flags, 0, err) < 0)
		return herr_prefix(err, "%s", sub);
	return 0;
}

/* Mount hierarchy e fresh at sub (in a cgroup namespace), else bind. */
static int mount_hierarchy(const struct cg_ctx *c, const struct mountinfo_entry *e, const char *sub,
                           struct hutch_error **err)
{
	bool v2 = strcmp(e->fstype, "cgroup2") == 0;
	const struct cg_line *l = find_line(c, e);
	_cleanup_free_ char *data = NULL;
	char path[FS_FD_PATH_MAX];

	_cleanup_close_ int fd = fs_create_in_root(c->rootfd, sub, true, 0755, err);
	if (fd < 0)
		return -1;
	if (!c->has_cgroupns)
		return bind_own(c, e, sub, err);
	if (!v2 && l)
		data = str_has_prefix(l->controllers, "name=")
		           ? xasprintf("none,%s", l->controllers)
		           : xstrdup(l->controllers);
	else if (!v2)
		return herr_msg(err, "%s: no /proc/self/cgroup entry for %s", sub, e->mount_point);
	if (mount(e->fstype, fs_fd_path(fd, path), e->fstype, c->flags, data) == 0)
		return 0;
	if (errno != EPERM && errno != EBUSY)
		return herr_errno(err, errno, "mount %s on %s", e->fstype, sub);
	return bind_own(c, e, sub, err);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* "cpu,cpuacct" gets the symlinks cpu and cpuacct, as on the host. */
static int link_controllers(int dirfd, const char *name, struct hutch_error **err)
{
	if (!strchr(name, ','))
		return 0;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, ",");
		_cleanup_free_ char *w = xstrndup(p, len);
		if (!str_has_prefix(w, "name=") && symlinkat(name, dirfd, w) < 0 && errno != EEXIST)
			return herr_errno(err, errno, "symlink %s -> %s", w, name);
		p += len + (p[len] == ',');
	}
	return 0;
}

static int mount_v1_tree(const struct cg_ctx *c, const struct mountinfo *mi, const bool *wanted,
                         struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];
	_cleanup_close_ int fd = fs_create_in_root(c->rootfd, c->dest, true, 0755, err);

	if (fd < 0)
		return -1;
	if (mount("tmpfs", fs_fd_path(fd, path), "tmpfs", CG_FLAGS, "mode=755") < 0)
		return herr_errno(err, errno, "mount tmpfs");
	_cleanup_close_ int top = fs_open_in_root(c->rootfd, c->dest, O_PATH | O_DIRECTORY, err);
	if (top < 0)
		return -1;
	for (size_t i = 0; i < mi->n; i++) {
		if (!wanted[i])
			continue;
		const char *name = base_name(mi->e[i].mount_point);
		_cleanup_free_ char *sub = xasprintf("%s/%s", c->dest, name);
		if (mount_hierarchy(c, &mi->e[i], sub, err) < 0 ||
		    link_controllers(top, name, err) < 0)
			return -1;
	}
	if ((c->flags & MS_RDONLY) && mount_remount_flags(top, c->flags, 0, err) < 0)
		return herr_prefix(err, "make tmpfs read-only");
	return 0;
}

static bool is_cgroup(const struct mountinfo_entry *e, const char *rootfs)
{
	return (strcmp(e->fstype, "cgroup") == 0 || strcmp(e->fstype, "cgroup2") == 0) &&
	       !path_under(e->mount_point, rootfs);
}

/* Does p sit directly in the directory holding `sibling`? */
static bool same_dir(const char *p, const char *sibling)
{
	const char *a = strrchr(p, '/'), *b = strrchr(sibling, '/');

	return a && b && a - p == b - sibling && strncmp(p, sibling, (size_t)(a - p)) == 0;
}

/* The host's cgroup mounts worth mirroring: outside the rootfs, the first per
 * mount point and, with v1 present, only those next to the first v1 one (the
 * /sys/fs/cgroup/<name> layout). Returns how many v1 ones there are (the v2
 * one in *ret_v2), or -1 when there is no cgroup mount at all. */
static int pick_mounts(const struct mountinfo *mi, const char *rootfs, bool *wanted, size_t *ret_v2)
{
	const char *v1_sibling = NULL;
	int v1 = 0;
	bool any = false;

	for (size_t i = 0; i < mi->n && !v1_sibling; i++)
		if (is_cgroup(&mi->e[i], rootfs) && strcmp(mi->e[i].fstype, "cgroup") == 0)
			v1_sibling = mi->e[i].mount_point;
	for (size_t i = 0; i < mi->n; i++) {
		const struct mountinfo_entry *e = &mi->e[i];
		if (!is_cgroup(e, rootfs) || (v1_sibling && !same_dir(e->mount_point, v1_sibling)))
			continue;
		bool dup = false;
		for (size_t j = 0; j < i && !dup; j++)
			dup = wanted[j] && strcmp(mi->e[j].mount_point, e->mount_point) == 0;
		if (dup)
			continue;
		wanted[i] = any = true;
		if (strcmp(e->fstype, "cgroup") == 0)
			v1++;
		else if (*ret_v2 == (size_t)-1 || strcmp(e->mount_point, "/sys/fs/cgroup") == 0)
			*ret_v2 = i;
	}
	return any ? v1 : -1;
}

int cgroupfs_mount(int rootfd, const char *dest, const struct mount_opts *o, bool has_cgroupns,
                   const char *rootfs, struct hutch_error **err)
{
	struct cg_ctx c = {rootfd, dest, CG_FLAGS | (o->flags & MS_RDONLY), has_cgroupns};
	struct mountinfo mi = {0};
	_cleanup_free_ bool *wanted = NULL;
	size_t v2 = (size_t)-1;
	int r = -1, n_v1;

	if (mountinfo_read(&mi, err) < 0)
		return -1;
	wanted = xcalloc(mi.n, sizeof(*wanted));
	n_v1 = pick_mounts(&mi, rootfs, wanted, &v2);
	if (n_v1 < 0)
		herr_msg(err, "no cgroup filesystem mounted on the host");
	else if (read_self_cgroup(&c, err) == 0) {
		if (n_v1 == 0)
			r = mount_hierarchy(&c, &mi.e[v2], dest, err);
		else
			r = mount_v1_tree(&c, &mi, wanted, err);
	}
	if (r == 0)
		r = mount_apply_post(rootfd, dest, o, err);
	free_lines(&c);
	mountinfo_free(&mi);
	return r;
}
