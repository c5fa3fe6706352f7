/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounting the cgroup filesystem inside the container: cgroup2, or a tmpfs of
 * v1 hierarchies laid out like the host's. */
#include "linux/setup/rootfs/cgroupfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* One line of /proc/self/cgroup: "ID:controllers:path". */
struct cg_line {
	char *controllers; /* "cpu,cpuacct", "name=systemd", "" for v2 */
	char *path;
};

struct cg_ctx {
	bool has_cgroupns;
	unsigned long flags; /* CG_FLAGS plus MS_RDONLY when asked, for the hierarchies */
	struct cg_line *lines;
	size_t n_lines;
};

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

/* Bind source (a host path: we are before pivot_root) onto dir. */
static int bind_dir(const char *source, int dir, const struct mount_opts *mo, int *ret_mnt,
                    struct hutch_error **err)
{
	_cleanup_close_ int tree = -1;

	if (mount_tree_clone(AT_FDCWD, source, false, &tree, err) < 0 ||
	    mount_bind_tree(tree, dir, mo, err) < 0)
		return herr_prefix(err, "bind %s", source);
	if (ret_mnt)
		*ret_mnt = steal_fd(&tree);
	return 0;
}

/* Bind the container's own directory of the hierarchy mounted at e onto dir. */
static int bind_own(const struct cg_ctx *c, const struct mountinfo_entry *e, int dir,
                    const struct mount_opts *mo, int *ret_mnt, struct hutch_error **err)
{
	const struct cg_line *l = find_line(c, e);
	const char *rel = "";
	_cleanup_free_ char *source = NULL;

	if (l && str_path_under(l->path, e->root))
		rel = l->path + (strcmp(e->root, "/") == 0 ? 0 : strlen(e->root));
	source = xasprintf("%s%s", e->mount_point, rel);
	return bind_dir(source, dir, mo, ret_mnt, err);
}

/* Mount hierarchy e fresh on dir (in a cgroup namespace), else bind it. */
static int mount_hierarchy(const struct cg_ctx *c, const struct mountinfo_entry *e, int dir,
                           const struct mount_opts *mo, int *ret_mnt, struct hutch_error **err)
{
	bool v2 = strcmp(e->fstype, "cgroup2") == 0;
	const struct cg_line *l = find_line(c, e);
	_cleanup_free_ char *data = NULL;

	if (!c->has_cgroupns)
		return bind_own(c, e, dir, mo, ret_mnt, err);
	if (!v2 && l)
		data = str_has_prefix(l->controllers, "name=")
		           ? xasprintf("none,%s", l->controllers)
		           : xstrdup(l->controllers);
	else if (!v2)
		return herr_msg(err, "no /proc/self/cgroup entry for %s", e->mount_point);
	if (mount_fs(e->fstype, e->fstype, data, dir, mo, ret_mnt, err) == 0)
		return 0;
	if ((*err)->errnum != EPERM && (*err)->errnum != EBUSY)
		return herr_prefix(err, "mount %s", e->fstype);
	herr_freep(err);
	return bind_own(c, e, dir, mo, ret_mnt, err);
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

/* The directory for hierarchy `name` in the tmpfs. */
static int tree_dir(int tmpfs, const char *name, struct hutch_error **err)
{
	int dir;

	if (mkdirat(tmpfs, name, 0755) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "mkdir %s", name);
	dir = openat(tmpfs, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return dir < 0 ? herr_errno(err, errno, "open %s", name) : dir;
}

/* A tmpfs on target holding one directory per hierarchy (each mounted with
 * the hierarchy flags, read-only at once when asked). The tmpfs itself is
 * left writable in *ret_top: the caller makes it read-only once nothing more
 * is mounted below it. */
static int mount_v1_tree(const struct cg_ctx *c, const struct mountinfo *mi, const bool *wanted,
                         int target, const struct mount_opts *top, int *ret_top,
                         struct hutch_error **err)
{
	struct mount_opts leaf = {.flags = c->flags};
	_cleanup_close_ int tmpfs = -1;

	if (mount_fs("tmpfs", "tmpfs", "mode=755", target, top, &tmpfs, err) < 0)
		return herr_prefix(err, "mount tmpfs");
	for (size_t i = 0; i < mi->n; i++) {
		if (!wanted[i])
			continue;
		const char *name = base_name(mi->e[i].mount_point);
		_cleanup_close_ int dir = tree_dir(tmpfs, name, err);
		if (dir < 0)
			return -1;
		if (mount_hierarchy(c, &mi->e[i], dir, &leaf, NULL, err) < 0)
			return herr_prefix(err, "%s", name);
		if (link_controllers(tmpfs, name, err) < 0)
			return -1;
	}
	*ret_top = steal_fd(&tmpfs);
	return 0;
}

/* The container's own directories, bound: one onto target on a pure cgroup
 * v2 host, else a tmpfs laid out as mount_v1_tree's. */
static int bind_own_tree(const struct cgroupfs_hier *own, size_t n, int target,
                         const struct mount_opts *top, unsigned long flags, int *ret_top,
                         struct hutch_error **err)
{
	struct mount_opts leaf = {.flags = flags};
	_cleanup_close_ int tmpfs = -1;

	if (n == 1 && own[0].v2) {
		_cleanup_free_ char *source = xasprintf("%s%s", own[0].mount, own[0].path);
		return bind_dir(source, target, top, ret_top, err);
	}
	if (mount_fs("tmpfs", "tmpfs", "mode=755", target, top, &tmpfs, err) < 0)
		return herr_prefix(err, "mount tmpfs");
	for (size_t i = 0; i < n; i++) {
		const char *name = base_name(own[i].mount);
		_cleanup_free_ char *source = xasprintf("%s%s", own[i].mount, own[i].path);
		_cleanup_close_ int dir = tree_dir(tmpfs, name, err);
		if (dir < 0 || bind_dir(source, dir, &leaf, NULL, err) < 0)
			return herr_prefix(err, "%s", name);
		if (!own[i].v2 && link_controllers(tmpfs, name, err) < 0)
			return -1;
	}
	*ret_top = steal_fd(&tmpfs);
	return 0;
}

static bool is_cgroup(const struct mountinfo_entry *e, const char *rootfs)
{
	return (strcmp(e->fstype, "cgroup") == 0 || strcmp(e->fstype, "cgroup2") == 0) &&
	       !str_path_under(e->mount_point, rootfs);
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

int cgroupfs_mount(int target, const struct mount_opts *o, bool has_cgroupns,
                   const struct cgroupfs_hier *own, size_t n_own, const char *rootfs, int *ret_top,
                   struct hutch_error **err)
{
	struct cg_ctx c = {has_cgroupns, CG_FLAGS | (o->flags & MS_RDONLY)};
	struct mount_opts top = *o;
	struct mountinfo mi = {0};
	_cleanup_free_ bool *wanted = NULL;
	size_t v2 = (size_t)-1;
	int r = -1, n_v1;

	/* the top mount keeps o's propagation and recursive attributes; its
	 * read-only flag is the caller's to apply, after the mounts below it */
	top.flags = CG_FLAGS;
	top.clear = 0;
	top.tmpcopyup = false;
	if (n_own > 0)
		return bind_own_tree(own, n_own, target, &top, c.flags, ret_top, err);
	if (mountinfo_read(&mi, err) < 0)
		return -1;
	wanted = xcalloc(mi.n, sizeof(*wanted));
	n_v1 = pick_mounts(&mi, rootfs, wanted, &v2);
	if (n_v1 < 0)
		herr_msg(err, "no cgroup filesystem mounted on the host");
	else if (read_self_cgroup(&c, err) == 0) {
		if (n_v1 == 0)
			r = mount_hierarchy(&c, &mi.e[v2], target, &top, ret_top, err);
		else
			r = mount_v1_tree(&c, &mi, wanted, target, &top, ret_top, err);
	}
	free_lines(&c);
	mountinfo_free(&mi);
	return r;
}
