/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The order of the rootfs steps (runtime-spec config.md "Mounts",
 * config-linux.md "Default Devices", "Masked Paths", "Readonly Paths"). */
#include "linux/rootfs.h"
#include "linux/cgroupfs.h"
#include "linux/dev.h"
#include "linux/mount.h"
#include "linux/pivot.h"
#include "linux/sysctl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

struct prep {
	const struct rootfs_opts *o;
	int rootfd;
	bool dev_bound; /* /dev is bind-mounted: devices come from there */
};

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
		return herr_msg(err, "linux.rootfsPropagation: unknown value \"%s\"", name);
	return 0;
}

static const char *root_propagation(const struct rootfs_opts *o)
{
	return o->spec->linux_ ? o->spec->linux_->rootfsPropagation : NULL;
}

/* --- One entry of mounts[] ---------------------------------------------------- */

static bool is_type(const char *type, const char *want)
{
	return type && strcmp(type, want) == 0;
}

static bool is_bind(const struct spec_mount *m, const struct mount_opts *mo)
{
	return mount_opts_is_bind(mo) || is_type(m->type, "bind");
}

/* A symlink in the image must not steer a mount into procfs, where it could
 * cover e.g. /proc/self/attr/current (CVE-2019-19921). Allowed: proc itself,
 * binds from procfs, and the files lxcfs-style tools overlay. */
static int check_proc_target(int rootfd, const char *dest, const char *type, const char *source,
                             struct hutch_error **err)
{
	static const char *const allowed[] = {
	    "/proc/cpuinfo", "/proc/diskstats",
	    "/proc/meminfo", "/proc/stat",
	    "/proc/swaps",   "/proc/uptime",
	    "/proc/loadavg", "/proc/slabinfo",
	    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};
	struct statfs sfs;
	_cleanup_close_ int fd = fs_open_in_root(rootfd, dest, O_PATH, err);

	if (fd < 0)
		return -1;
	if (fstatfs(fd, &sfs) < 0)
		return herr_errno(err, errno, "statfs");
	if (sfs.f_type != PROC_SUPER_MAGIC || is_type(type, "proc"))
		return 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(dest, allowed[i]) == 0)
			return 0;
	if (source && statfs(source, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC)
		return 0;
	return herr_msg(err, "the target is inside procfs; refusing to mount there");
}

/* A destination other than "/" that resolves to the root itself (an image
 * with /proc -> /) would cover the whole rootfs: refuse it. */
static int check_not_root(int rootfd, int targetfd, const char *dest, struct hutch_error **err)
{
	struct stat a, b;

	if (dest[strspn(dest, "/")] == '\0')
		return 0;
	if (fstat(rootfd, &a) < 0 || fstat(targetfd, &b) < 0)
		return herr_errno(err, errno, "stat");
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return herr_msg(err, "the destination resolves to the container's root "
		                     "(through a symlink in the rootfs?)");
	return 0;
}

/* The user namespace an idmap bind maps to: one made from the mount's own
 * mappings (*ret_owned: the caller closes it), else the container's. */
static int pick_userns(const struct spec_mount *m, int container_userns, int *ret_fd,
                       bool *ret_owned, struct hutch_error **err)
{
	*ret_owned = false;
	if (m->n_uidMappings || m->n_gidMappings) {
		*ret_owned = true;
		return mount_userns_from_mappings(m->uidMappings, m->n_uidMappings, m->gidMappings,
		                                  m->n_gidMappings, ret_fd, err);
	}
	if (container_userns < 0)
		return herr_msg(err, "idmap: the mount has no uidMappings/gidMappings and the "
		                     "container has no user namespace");
	*ret_fd = container_userns;
	return 0;
}

static char *bind_source(const char *bundle, const struct spec_mount *m)
{
	return m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
}

/* An idmapped tree of m's source, detached. */
static int idmap_tree(const struct spec_mount *m, const char *source, const struct mount_opts *mo,
                      int container_userns, int *ret_fd, struct hutch_error **err)
{
	_cleanup_close_ int owned = -1;
	int userns = -1;
	bool is_owned = false;

	if (pick_userns(m, container_userns, &userns, &is_owned, err) < 0)
		return -1;
	if (is_owned)
		owned = userns;
	return mount_idmapped_tree(source, mo, userns, ret_fd, err);
}

static int do_bind(struct prep *p, size_t i, const char *dest, const struct mount_opts *mo,
                   struct hutch_error **err)
{
	const struct spec_mount *m = &p->o->spec->mounts[i];
	_cleanup_free_ char *source = NULL;
	_cleanup_close_ int tree = -1;
	struct stat st;
	int r;

	if (!m->source)
		return herr_msg(err, "a bind mount needs a source");
	source = bind_source(p->o->bundle, m);
	if (stat(source, &st) < 0)
		return herr_errno(err, errno, "stat %s", source);
	_cleanup_close_ int fd = fs_create_in_root(p->rootfd, dest, S_ISDIR(st.st_mode),
	                                           S_ISDIR(st.st_mode) ? 0755 : 0644, err);
	if (fd < 0 || check_not_root(p->rootfd, fd, dest, err) < 0 ||
	    check_proc_target(p->rootfd, dest, NULL, source, err) < 0)
		return -1;
	if (mo->idmap && p->o->mount_fds && p->o->mount_fds[i] >= 0)
		r = mount_attach_tree(p->o->mount_fds[i], p->rootfd, dest, mo, err);
	else if (mo->idmap)
		r = idmap_tree(m, source, mo, p->o->userns_fd, &tree, err) < 0
		        ? -1
		        : mount_attach_tree(tree, p->rootfd, dest, mo, err);
	else
		r = mount_bind(source, p->rootfd, dest, mo, -1, err);
	if (r == 0 && strcmp(dest, "/dev") == 0)
		p->dev_bound = true;
	return r;
}

/* Without the privilege to mount sysfs or mqueue afresh (a user namespace
 * that does not own the network / IPC namespace), bind the host's. */
static int userns_fallback(struct prep *p, const char *type, const char *dest,
                           const struct mount_opts *mo, struct hutch_error **err)
{
	struct mount_opts b = *mo;
	const char *source = is_type(type, "sysfs") ? "/sys" : "/dev/mqueue";

	b.flags |= MS_BIND | MS_REC;
	b.tmpcopyup = b.idmap = false;
	herr_freep(err);
	return mount_bind(source, p->rootfd, dest, &b, -1, err);
}

static int do_fs(struct prep *p, const struct spec_mount *m, const char *dest,
                 const struct mount_opts *mo, struct hutch_error **err)
{
	const char *type = m->type;
	const char *extra = NULL;
	_cleanup_free_ char *devpts = NULL;

	if (mo->idmap)
		return herr_msg(err, "idmap and ridmap are supported on bind mounts only");
	_cleanup_close_ int fd = fs_create_in_root(p->rootfd, dest, true, 0755, err);
	if (fd < 0 || check_not_root(p->rootfd, fd, dest, err) < 0 ||
	    check_proc_target(p->rootfd, dest, type, NULL, err) < 0)
		return -1;
	if (is_type(type, "devpts")) {
		bool has_new = mo->data && strstr(mo->data, "newinstance");
		bool has_ptmx = mo->data && strstr(mo->data, "ptmxmode=");
		devpts =
		    xasprintf("%s%s%s", has_new ? "" : "newinstance",
		              !has_new && !has_ptmx ? "," : "", has_ptmx ? "" : "ptmxmode=0666");
		extra = *devpts ? devpts : NULL;
	}
	if (mount_fs(m->source ? m->source : (type ? type : "none"), type, p->rootfd, dest, mo,
	             extra, err) == 0)
		return 0;
	if ((*err)->errnum == EPERM && p->o->in_userns &&
	    (is_type(type, "sysfs") || is_type(type, "mqueue")))
		return userns_fallback(p, type, dest, mo, err);
	return -1;
}

static int mount_entry(struct prep *p, size_t i, struct hutch_error **err)
{
	const struct spec_mount *m = &p->o->spec->mounts[i];
	_cleanup_free_ char *dest = NULL;
	struct mount_opts mo;
	int r;

	if (!m->destination || !*m->destination)
		return herr_msg(err, "mounts[%zu]: no destination", i);
	/* relative destinations are deprecated, and relative to "/" */
	dest =
	    m->destination[0] == '/' ? xstrdup(m->destination) : xasprintf("/%s", m->destination);
	if (mount_parse_options(m->options, &mo, err) < 0)
		return -1;
	if (is_type(m->type, "bind"))
		mo.flags |= MS_BIND;
	if (is_bind(m, &mo))
		r = do_bind(p, i, dest, &mo, err);
	else if (is_type(m->type, "cgroup"))
		r = cgroupfs_mount(p->rootfd, dest, &mo, p->o->has_cgroupns, p->o->rootfs, err);
	else
		r = do_fs(p, m, dest, &mo, err);
	if (r < 0)
		herr_prefix(err, "mount %s (%s) on %s", m->source ? m->source : "none",
		            m->type ? m->type : "bind", dest);
	mount_opts_free(&mo);
	return r;
}

/* --- Steps -------------------------------------------------------------------- */

static int create_devices(struct prep *p, struct hutch_error **err)
{
	const struct spec_linux *l = p->o->spec->linux_;

	if (!p->dev_bound && dev_create_defaults(p->rootfd, err) < 0)
		return -1;
	for (size_t i = 0; l && i < l->n_devices; i++) {
		/* a /dev bound from the host has its nodes; never mknod there */
		if (p->dev_bound && l->devices[i].path &&
		    strncmp(l->devices[i].path, "/dev/", 5) == 0)
			continue;
		if (dev_create(p->rootfd, &l->devices[i], err) < 0)
			return -1;
	}
	if (!p->dev_bound && dev_create_symlinks(p->rootfd, err) < 0)
		return -1;
	return 0;
}

int rootfs_prepare(const struct rootfs_opts *o, struct hutch_error **err)
{
	struct prep p = {o, -1, false};
	unsigned long before, after;
	int r = -1;

	if (!o->rootfs || o->rootfs[0] != '/')
		return herr_msg(err, "rootfs path must be absolute");
	if (propagation(root_propagation(o), &before, &after, err) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | before, NULL) < 0)
		return herr_errno(err, errno, "make / %s",
		                  before == MS_SLAVE ? "rslave" : "rprivate");
	if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return herr_errno(err, errno, "bind-mount the rootfs %s onto itself", o->rootfs);
	p.rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p.rootfd < 0)
		return herr_errno(err, errno, "open %s", o->rootfs);
	for (size_t i = 0; i < o->spec->n_mounts; i++)
		if (mount_entry(&p, i, err) < 0)
			goto out;
	r = create_devices(&p, err);
out:
	close(p.rootfd);
	return r;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

int rootfs_idmap_trees(const struct spec *s, const char *bundle, int container_userns_fd,
                       int **ret_fds, struct hutch_error **err)
{
	int *fds = xmalloc((s->n_mounts ? s->n_mounts : 1) * sizeof(*fds));

	for (size_t i = 0; i < s->n_mounts; i++)
		fds[i] = -1;
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct spec_mount *m = &s->mounts[i];
		_cleanup_free_ char *source = NULL;
		struct mount_opts mo;
		int r = 0;

		mount_parse_options(m->options, &mo, err);
		if (is_type(m->type, "bind"))
			mo.flags |= MS_BIND;
		if (mo.idmap && is_bind(m, &mo) && m->source) {
			source = bind_source(bundle, m);
			r = idmap_tree(m, source, &mo, container_userns_fd, &fds[i], err);
		}
		mount_opts_free(&mo);
		if (r < 0) {
			close_all(fds, s->n_mounts);
			return herr_prefix(err, "mount %s on %s", m->source, m->destination);
		}
	}
	*ret_fds = fds;
	return 0;
}

int rootfs_pivot(const struct rootfs_opts *o, struct hutch_error **err)
{
	unsigned long before, after;

	if (propagation(root_propagation(o), &before, &after, err) < 0)
		return -1;
	if (pivot_switch_root(o->rootfs, o->no_pivot, err) < 0)
		return -1;
	if (after && mount(NULL, "/", NULL, MS_REC | after, NULL) < 0)
		return herr_errno(err, errno, "set the propagation of / to %s",
		                  root_propagation(o));
	return 0;
}

/* Resolve a masked or read-only path. Returns the O_PATH fd, -1 with *err
 * on failure, or -2 when the path does not exist (those are skipped). */
static int open_optional(int rootfd, const char *path, struct hutch_error **err)
{
	int fd = fs_open_in_root(rootfd, path, O_PATH, err);

	if (fd >= 0 || (*err)->errnum != ENOENT)
		return fd;
	herr_freep(err);
	return -2;
}

static int make_readonly(int rootfd, const char *path, struct hutch_error **err)
{
	char fdpath[FS_FD_PATH_MAX];
	_cleanup_close_ int fd = open_optional(rootfd, path, err);

	if (fd < 0)
		return fd == -2 ? 0 : -1;
	if (mount(fs_fd_path(fd, fdpath), fdpath, NULL, MS_BIND | MS_REC, NULL) < 0)
		return herr_errno(err, errno, "bind");
	_cleanup_close_ int top = fs_open_in_root(rootfd, path, O_PATH, err);
	if (top < 0 || mount_remount_flags(top, MS_RDONLY, 0, err) < 0)
		return -1;
	return 0;
}

static int mask(int rootfd, const char *path, struct hutch_error **err)
{
	char fdpath[FS_FD_PATH_MAX];
	_cleanup_close_ int fd = open_optional(rootfd, path, err);
	struct stat st;

	if (fd < 0)
		return fd == -2 ? 0 : -1;
	if (fstat(fd, &st) < 0)
		return herr_errno(err, errno, "stat");
	fs_fd_path(fd, fdpath);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", fdpath, "tmpfs", MS_RDONLY, "size=0") < 0)
			return herr_errno(err, errno, "mount an empty tmpfs");
	} else if (mount("/dev/null", fdpath, NULL, MS_BIND, NULL) < 0) {
		return herr_errno(err, errno, "bind /dev/null");
	}
	return 0;
}

int rootfs_finalize(const struct rootfs_opts *o, struct hutch_error **err)
{
	const struct spec_linux *l = o->spec->linux_;
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return herr_errno(err, errno, "open /");
	/* sysctls first: readonlyPaths usually includes /proc/sys */
	if (l && sysctl_apply(l->sysctl, l->n_sysctl, err) < 0)
		return -1;
	strv_foreach (path, l ? l->readonlyPaths : NULL) {
		if (make_readonly(rootfd, *path, err) < 0)
			return herr_prefix(err, "make %s read-only", *path);
	}
	strv_foreach (path, l ? l->maskedPaths : NULL) {
		if (mask(rootfd, *path, err) < 0)
			return herr_prefix(err, "mask %s", *path);
	}
	if (o->spec->root && o->spec->root->readonly &&
	    mount_remount_flags(rootfd, MS_RDONLY, 0, err) < 0)
		return herr_prefix(err, "make the root read-only");
	return 0;
}
