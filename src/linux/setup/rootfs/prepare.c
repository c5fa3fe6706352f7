/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The order of the rootfs steps (runtime-spec config.md "Mounts",
 * config-linux.md "Default Devices", "Rootfs Mount Propagation"), the state
 * they share, and the runtime side: bind trees, unmounting after a failure. */
#include "linux/setup/rootfs/internal.h"
#include "linux/dev.h"
#include "linux/setup/rootfs/pivot.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/mountinfo.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* --- State ------------------------------------------------------------------- */

static void push_fd(int **fds, size_t *n, int fd)
{
	*fds = xrealloc(*fds, (*n + 1) * sizeof(**fds));
	(*fds)[(*n)++] = fd;
}

int rootfs_set_root(struct rootfs *r, int fd, struct hutch_error **err)
{
	struct stat st;

	if (r->rootfd >= 0)
		close(r->rootfd);
	r->rootfd = fd;
	if (fstat(fd, &st) < 0)
		return herr_errno(err, errno, "stat the root");
	r->root_dev = st.st_dev;
	r->root_ino = st.st_ino;
	return 0;
}

void rootfs_later_ro(struct rootfs *r, int mnt)
{
	push_fd(&r->later_ro, &r->n_later_ro, mnt);
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

void rootfs_free(struct rootfs *r)
{
	if (!r)
		return;
	close_fds(r->later_ro, r->n_later_ro);
	if (r->rootfd >= 0)
		close(r->rootfd);
	if (r->mask_dir >= 0)
		close(r->mask_dir);
	if (r->dev_null >= 0)
		close(r->dev_null);
	free(r);
}

/* --- Propagation of "/" ------------------------------------------------------ */

/* Before pivot "/" must not be shared (the host would see our mounts, and
 * pivot_root(2) refuses shared mounts); a shared or unbindable rootfs gets
 * its final propagation after pivot. */
static int propagation(const char *name, unsigned long *ret_before, unsigned long *ret_after,
                       struct hutch_error **err)
{
	*ret_before = MS_PRIVATE;
	*ret_after = 0;
	if (!name || !*name || strcmp(name, "private") == 0 || strcmp(name, "rprivate") == 0)
		return 0;
	if (strcmp(name, "slave") == 0 || strcmp(name, "rslave") == 0)
		*ret_before = MS_SLAVE;
	else if (strcmp(name, "shared") == 0 || strcmp(name, "rshared") == 0)
		*ret_before = MS_SLAVE, *ret_after = MS_SHARED;
	else if (strcmp(name, "unbindable") == 0 || strcmp(name, "runbindable") == 0)
		*ret_after = MS_UNBINDABLE;
	else
		return herr_msg(err, "config.json: .linux.rootfsPropagation: unknown value \"%s\"",
		                name);
	return 0;
}

static const char *root_propagation(const struct rootfs_opts *o)
{
	return o->spec->linux_ ? o->spec->linux_->rootfsPropagation : NULL;
}

static int set_root_propagation(unsigned long flags, struct hutch_error **err)
{
	_cleanup_close_ int slash = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (slash < 0)
		return herr_errno(err, errno, "open /");
	return mount_set_propagation(slash, MS_REC | flags, err);
}

/* The mount the container's root starts as. In a mount namespace of our own:
 * "/" made private or slave, then the rootfs bound onto itself (a mount point
 * for pivot_root, and a boundary for the mounts below). In the caller's:
 * the rootfs directory as it is. */
static int prepare_root(struct rootfs *r, struct hutch_error **err)
{
	const struct rootfs_opts *o = &r->o;
	unsigned long before, after;
	_cleanup_close_ int target = openat(AT_FDCWD, o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int tree = -1;

	if (target < 0)
		return herr_errno(err, errno, "open the rootfs %s", o->rootfs);
	if (!r->own_mntns) {
		if (root_propagation(o))
			return herr_msg(
			    err, "config.json: .linux.rootfsPropagation: needs a mount namespace");
		return rootfs_set_root(r, steal_fd(&target), err);
	}
	if (propagation(root_propagation(o), &before, &after, err) < 0)
		return -1;
	if (set_root_propagation(before, err) < 0)
		return herr_prefix(err, "make / %s", before == MS_SLAVE ? "rslave" : "rprivate");
	if (mount_tree_clone(AT_FDCWD, o->rootfs, true, &tree, err) < 0 ||
	    rootfs_set_root(r, tree, err) < 0 || mount_attach(r->rootfd, target, err) < 0)
		return herr_prefix(err, "bind-mount the rootfs %s onto itself", o->rootfs);
	return 0;
}

/* --- Devices ------------------------------------------------------------------ */

static bool under_dev(const char *path)
{
	_cleanup_free_ char *clean = fs_clean_path(path);

	return strncmp(clean, "/dev/", 5) == 0;
}

/* The mount half of a device node bound from the host (dev.h). */
static int clone_host_node(const char *host_path, int *ret_tree, struct hutch_error **err)
{
	return mount_tree_clone(AT_FDCWD, host_path, false, ret_tree, err);
}

static int attach_host_node(int tree, int target, struct hutch_error **err)
{
	const struct mount_opts none = {0};

	return mount_bind_tree(tree, target, &none, err);
}

static const struct dev_host_bind host_bind = {clone_host_node, attach_host_node};

static int create_devices(struct rootfs *r, struct hutch_error **err)
{
	const struct spec_linux *l = r->o.spec->linux_;

	if (!r->dev_bound && dev_create_defaults(r->rootfd, &host_bind, err) < 0)
		return -1;
	for (size_t i = 0; l && i < l->n_devices; i++) {
		/* a /dev bound from the host has its nodes; never mknod there */
		if (r->dev_bound && l->devices[i].path && under_dev(l->devices[i].path))
			continue;
		if (dev_create(r->rootfd, &l->devices[i], &host_bind, err) < 0)
			return -1;
	}
	if (!r->dev_bound && dev_create_symlinks(r->rootfd, err) < 0)
		return -1;
	return 0;
}

/* --- Steps -------------------------------------------------------------------- */

int rootfs_prepare(const struct rootfs_opts *o, struct rootfs **ret, struct hutch_error **err)
{
	struct rootfs *r;

	if (!o->rootfs || o->rootfs[0] != '/')
		return herr_msg(err, "rootfs path must be absolute");
	r = xcalloc(1, sizeof(*r));
	r->o = *o;
	r->rootfd = r->mask_dir = r->dev_null = -1;
	r->own_mntns = spec_find_namespace(o->spec, SPEC_NS_MOUNT) != NULL;
	if (prepare_root(r, err) < 0)
		goto fail;
	for (size_t i = 0; i < o->spec->n_mounts; i++)
		if (rootfs_mount_entry(r, i, err) < 0)
			goto fail;
	if (create_devices(r, err) < 0)
		goto fail;
	*ret = r;
	return 0;
fail:
	rootfs_free(r);
	return -1;
}

int rootfs_pivot(struct rootfs *r, struct hutch_error **err)
{
	unsigned long before, after;

	if (!r->own_mntns)
		return pivot_switch_root(r->o.rootfs, PIVOT_CHROOT, err);
	if (propagation(root_propagation(&r->o), &before, &after, err) < 0)
		return -1;
	if (pivot_switch_root(r->o.rootfs, r->o.no_pivot ? PIVOT_MOVE : PIVOT_ROOT, err) < 0)
		return -1;
	if (after && set_root_propagation(after, err) < 0)
		return herr_prefix(err, "set the propagation of / to %s", root_propagation(&r->o));
	return 0;
}

/* --- Runtime side ------------------------------------------------------------ */

static bool is_bind(const struct spec_mount *m, const struct mount_opts *mo)
{
	return mount_opts_is_bind(mo) || (m->type && strcmp(m->type, "bind") == 0);
}

/* One bind's source, cloned (and idmapped) here; -1 left for the init when an
 * unprivileged runtime may not clone. */
static int bind_tree(const struct spec_mount *m, const struct mount_opts *mo, const char *bundle,
                     int container_userns, int *ret_fd, struct hutch_error **err)
{
	_cleanup_free_ char *source = rootfs_bind_source(bundle, m);
	_cleanup_close_ int tree = -1, owned = -1;
	int userns = -1;
	bool is_owned = false;

	if (mount_tree_clone(AT_FDCWD, source, mo->flags & MS_REC, &tree, err) < 0) {
		if ((*err)->errnum != EPERM || mo->idmap)
			return -1;
		herr_freep(err);
		return 0;
	}
	if (mo->idmap) {
		if (rootfs_pick_userns(m, container_userns, &userns, &is_owned, err) < 0)
			return -1;
		if (is_owned)
			owned = userns;
		if (mount_tree_idmap(tree, mo->idmap_recursive, userns, err) < 0)
			return herr_prefix(err, "%s", source);
	}
	*ret_fd = steal_fd(&tree);
	return 0;
}

int rootfs_bind_trees(const struct spec *s, const char *bundle, int container_userns_fd,
                      int **ret_fds, struct hutch_error **err)
{
	int *fds = xmalloc((s->n_mounts ? s->n_mounts : 1) * sizeof(*fds));

	for (size_t i = 0; i < s->n_mounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		struct mount_opts mo;
		int r = 0;

		mount_parse_options(m->options, &mo, err);
		if (m->type && strcmp(m->type, "bind") == 0)
			mo.flags |= MS_BIND;
		if (is_bind(m, &mo) && m->source)
			r = bind_tree(m, &mo, bundle, container_userns_fd, &fds[i], err);
		mount_opts_free(&mo);
		if (r < 0) {
			close_fds(fds, s->n_mounts);
			return herr_prefix(err, "mount %s on %s", m->source, m->destination);
		}
	}
	*ret_fds = fds;
	return 0;
}

/* --- Runtime side, after a failed create ---------------------------------------- */

struct rootfs_guard {
	char *rootfs;
	int *ids; /* mountinfo ids of what was mounted at or below rootfs before */
	size_t n;
};

/* Is the mount at `path` one the guard looks after? A rootfs of "/" is the
 * host's own tree: what else gets mounted there meanwhile is not ours to
 * undo, so only "/" itself counts. */
static bool in_rootfs(const char *path, const char *rootfs)
{
	return strcmp(rootfs, "/") == 0 ? strcmp(path, "/") == 0 : str_path_under(path, rootfs);
}

struct rootfs_guard *rootfs_guard_new(const char *rootfs)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	struct mountinfo mi = {0};
	struct rootfs_guard *g;

	if (mountinfo_read(&mi, &err) < 0)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->rootfs = xstrdup(rootfs);
	g->ids = xcalloc(mi.n ? mi.n : 1, sizeof(*g->ids));
	for (size_t i = 0; i < mi.n; i++)
		if (in_rootfs(mi.e[i].mount_point, rootfs))
			g->ids[g->n++] = mi.e[i].id;
	mountinfo_free(&mi);
	return g;
}

static bool guarded(const struct rootfs_guard *g, int id)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->ids[i] == id)
			return true;
	return false;
}

/* The mount on top at `rel` inside rootfd, reached without following any
 * symlink: mountinfo's mount points are canonical, so a symlink on the way
 * means the tree changed under us, and it is left alone. */
static int open_mount_point(int rootfd, const char *rel)
{
	struct open_how how = {
	    .flags = O_PATH | O_CLOEXEC,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	rel += strspn(rel, "/");
	return (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how, sizeof(how));
}

int rootfs_guard_rollback(const struct rootfs_guard *g)
{
	_cleanup_error_ struct hutch_error *err = NULL;
	_cleanup_close_ int rootfd = -1;
	struct mountinfo mi = {0};
	int left = 0;

	if (!g)
		return 0;
	rootfd = openat(AT_FDCWD, g->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || mountinfo_read(&mi, &err) < 0)
		return 1;
	/* mountinfo lists a mount after the one it sits on: newest first */
	for (size_t i = mi.n; i-- > 0;) {
		const struct mountinfo_entry *e = &mi.e[i];
		if (!in_rootfs(e->mount_point, g->rootfs) || guarded(g, e->id))
			continue;
		_cleanup_close_ int fd =
		    open_mount_point(rootfd, e->mount_point + strlen(g->rootfs));
		if (fd < 0 || mount_detach_fd(fd, &err) < 0) {
			herr_freep(&err);
			left++;
		}
	}
	mountinfo_free(&mi);
	return left;
}

void rootfs_guard_free(struct rootfs_guard *g)
{
	if (!g)
		return;
	free(g->rootfs);
	free(g->ids);
	free(g);
}
