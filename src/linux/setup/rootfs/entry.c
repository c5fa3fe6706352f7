/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One entry of mounts[]: resolve its destination once inside the root, check
 * what it resolved to, mount onto that fd through linux/mount.h. */
#include "linux/setup/rootfs/cgroupfs.h"
#include "linux/idmap.h"
#include "linux/setup/rootfs/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

struct entry {
	const struct spec_mount *m;
	size_t i;
	const char *dest; /* absolute */
	bool on_root;     /* dest is "/" itself */
	struct mount_opts mo;
};

static bool is_type(const char *type, const char *want)
{
	return type && strcmp(type, want) == 0;
}

static bool only_slashes(const char *s)
{
	return s[strspn(s, "/")] == '\0';
}

char *rootfs_bind_source(const char *bundle, const struct spec_mount *m)
{
	return m->source[0] == '/' ? xstrdup(m->source) : xasprintf("%s/%s", bundle, m->source);
}

int rootfs_pick_userns(const struct spec_mount *m, int container_userns, int *ret_fd,
                       bool *ret_owned, struct hutch_error **err)
{
	*ret_owned = false;
	if (m->n_uidMappings || m->n_gidMappings) {
		*ret_owned = true;
		return idmap_userns_new(m->uidMappings, m->n_uidMappings, m->gidMappings,
		                        m->n_gidMappings, ret_fd, err);
	}
	if (container_userns < 0)
		return herr_msg(err, "idmap: the mount has no uidMappings/gidMappings and the "
		                     "container has no user namespace");
	*ret_fd = container_userns;
	return 0;
}

/* --- Checks on the resolved target -------------------------------------------- */

/* A symlink in the image must not steer a mount into procfs, where it could
 * cover e.g. /proc/self/attr/current (CVE-2019-19921). Allowed: proc itself,
 * binds from procfs, and the files lxcfs-style tools overlay. The check is on
 * the very fd that is then mounted on. */
static int check_proc_target(int target, const char *dest, bool fresh_proc, bool source_is_proc,
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

	if (fstatfs(target, &sfs) < 0)
		return herr_errno(err, errno, "statfs");
	if (sfs.f_type != PROC_SUPER_MAGIC || fresh_proc || source_is_proc)
		return 0;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (strcmp(dest, allowed[i]) == 0)
			return 0;
	return herr_msg(err, "the target is inside procfs; refusing to mount there");
}

/* A destination other than "/" that resolves to the root itself (an image
 * with /proc -> /) would cover the whole rootfs: refuse it. */
static int check_not_root(const struct rootfs *r, const struct stat *target, const struct entry *e,
                          struct hutch_error **err)
{
	if (e->on_root)
		return 0;
	if (r->root_dev == target->st_dev && r->root_ino == target->st_ino)
		return herr_msg(err, "the destination resolves to the container's root "
		                     "(through a symlink in the rootfs?)");
	return 0;
}

/* Check what fd resolved to; *st gets its stat. Consumes fd on failure. */
static int checked(struct rootfs *r, int fd, const struct entry *e, bool fresh_proc,
                   bool source_is_proc, struct stat *st, struct hutch_error **err)
{
	if (fstat(fd, st) < 0) {
		herr_errno(err, errno, "stat");
	} else if (check_not_root(r, st, e, err) == 0 &&
	           check_proc_target(fd, e->dest, fresh_proc, source_is_proc, err) == 0) {
		return fd;
	}
	close(fd);
	return -1;
}

/* The target, created when missing (a directory, or an empty file for a file
 * bind), then checked; *st gets its stat. */
static int open_target(struct rootfs *r, const struct entry *e, bool dir, bool fresh_proc,
                       bool source_is_proc, struct stat *st, struct hutch_error **err)
{
	int fd = fs_create_in_root(r->rootfd, e->dest, dir, dir ? 0755 : 0644, err);

	if (fd < 0)
		return -1;
	return checked(r, fd, e, fresh_proc, source_is_proc, st, err);
}

/* proc and sysfs go on a real directory, never onto whatever a symlink in
 * the image points at (runc's wording): what is there is opened without
 * following a last symlink (so it is the target itself when it is a
 * directory); a missing one is created as a directory. */
static int open_ordinary_dir(struct rootfs *r, const struct entry *e, bool fresh_proc,
                             struct stat *st, struct hutch_error **err)
{
	int fd = fs_open_in_root_optional(r->rootfd, e->dest, O_PATH | O_NOFOLLOW, err);

	if (fd == -1)
		return -1;
	if (fd == FS_ABSENT)
		return open_target(r, e, true, fresh_proc, false, st, err);
	if (checked(r, fd, e, fresh_proc, false, st, err) < 0)
		return -1;
	if (!S_ISDIR(st->st_mode)) {
		close(fd);
		return herr_msg(err, "filesystem \"%s\" must be mounted on ordinary directory",
		                e->m->type);
	}
	return fd;
}

/* A mount on "/" becomes the root the later mounts are resolved in (runc
 * mounts the rest on top of it). `later_ro`: rootfs_finalize makes it
 * read-only. Consumes mnt. */
static int attached(struct rootfs *r, const struct entry *e, int mnt, bool later_ro,
                    struct hutch_error **err)
{
	if (e->on_root) {
		if (later_ro)
			rootfs_later_ro(r, fcntl(mnt, F_DUPFD_CLOEXEC, 3));
		return rootfs_set_root(r, mnt, err);
	}
	if (later_ro)
		rootfs_later_ro(r, mnt);
	else
		close(mnt);
	return 0;
}

/* --- Binds ---------------------------------------------------------------------- */

static int source_tree(struct rootfs *r, const struct entry *e, int *ret_tree,
                       struct hutch_error **err)
{
	const int *given = r->o.mount_fds;
	_cleanup_free_ char *source = NULL;
	_cleanup_close_ int tree = -1, owned = -1;
	int userns = -1;
	bool is_owned = false;

	if (given && given[e->i] >= 0) {
		/* made by the runtime (rootfs_bind_trees): the caller keeps its fd */
		*ret_tree = fcntl(given[e->i], F_DUPFD_CLOEXEC, 3);
		return *ret_tree < 0 ? herr_errno(err, errno, "dup") : 0;
	}
	if (!e->m->source)
		return herr_msg(err, "a bind mount needs a source");
	source = rootfs_bind_source(r->o.bundle, e->m);
	if (mount_tree_clone(AT_FDCWD, source, e->mo.flags & MS_REC, &tree, err) < 0)
		return -1;
	if (e->mo.idmap) {
		if (rootfs_pick_userns(e->m, r->o.userns_fd, &userns, &is_owned, err) < 0)
			return -1;
		if (is_owned)
			owned = userns;
		if (mount_tree_idmap(tree, e->mo.idmap_recursive, userns, err) < 0)
			return herr_prefix(err, "%s", source);
	}
	*ret_tree = steal_fd(&tree);
	return 0;
}

/* "ro" on a recursive bind of sysfs reaches every mount below it: the host's
 * cgroup hierarchies (a rootless user owns its part of them), securityfs,
 * debugfs are host state that a read-only /sys is meant to keep out of
 * reach, though "ro" alone applies to the top mount only (CVE-2023-25809). */
static void sysfs_ro_recursive(struct mount_opts *mo, long f_type)
{
	if (f_type == SYSFS_MAGIC && (mo->flags & MS_RDONLY) && (mo->flags & MS_REC))
		mo->rec_set |= MOUNT_ATTR_RDONLY;
}

static int do_bind(struct rootfs *r, const struct entry *e, struct hutch_error **err)
{
	struct mount_opts mo = e->mo;
	int tree = -1;
	struct stat st;
	struct statfs sfs;

	if (source_tree(r, e, &tree, err) < 0)
		return -1;
	if (r->o.mount_fds && r->o.mount_fds[e->i] >= 0 && r->o.in_userns &&
	    mount_keep_source_flags(tree, &mo, err) < 0) {
		close(tree);
		return -1;
	}
	if (fstat(tree, &st) < 0 || fstatfs(tree, &sfs) < 0) {
		close(tree);
		return herr_errno(err, errno, "stat the source");
	}
	sysfs_ro_recursive(&mo, (long)sfs.f_type);
	_cleanup_close_ int target =
	    open_target(r, e, S_ISDIR(st.st_mode), false, sfs.f_type == PROC_SUPER_MAGIC, &st, err);
	if (target < 0 || mount_bind_tree(tree, target, &mo, err) < 0) {
		close(tree);
		return -1;
	}
	if (strcmp(e->dest, "/dev") == 0)
		r->dev_bound = true;
	return attached(r, e, tree, false, err);
}

/* --- Filesystems ---------------------------------------------------------------- */

static void append_option(char **data, const char *opt)
{
	char *n = xasprintf("%s%s%s", *data, **data ? "," : "", opt);

	free(*data);
	*data = n;
}

static bool has_option(const char *data, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = data; p && *p;) {
		if (strncmp(p, prefix, n) == 0)
			return true;
		p += strcspn(p, ",");
		p += *p == ',';
	}
	return false;
}

/* The options a filesystem gets: a tmpfs takes the mode of the directory it
 * covers unless it has a mode= of its own (runc), devpts always gets its own
 * instance with a usable ptmx. `target`: the stat of what it covers. */
static char *fs_data(const struct entry *e, const struct stat *target)
{
	const char *data = e->mo.data;
	char *out = xstrdup("");

	if (is_type(e->m->type, "tmpfs") && !has_option(data, "mode=")) {
		char mode[16];
		snprintf(mode, sizeof(mode), "mode=%04o", (unsigned)(target->st_mode & 07777));
		append_option(&out, mode);
	}
	if (data)
		append_option(&out, data);
	if (is_type(e->m->type, "devpts") && !(data && strstr(data, "newinstance")))
		append_option(&out, "newinstance");
	if (is_type(e->m->type, "devpts") && !(data && strstr(data, "ptmxmode=")))
		append_option(&out, "ptmxmode=0666");
	return out;
}

/* Without the privilege to mount sysfs or mqueue afresh (a user namespace
 * that does not own the network / IPC namespace), bind the host's. */
static int userns_fallback(struct rootfs *r, const struct entry *e, int target,
                           struct hutch_error **err)
{
	struct mount_opts b = e->mo;
	const char *source = is_type(e->m->type, "sysfs") ? "/sys" : "/dev/mqueue";
	int tree = -1;

	b.flags |= MS_BIND | MS_REC;
	b.tmpcopyup = b.idmap = false;
	if (is_type(e->m->type, "sysfs"))
		sysfs_ro_recursive(&b, SYSFS_MAGIC);
	herr_freep(err);
	if (mount_tree_clone(AT_FDCWD, source, true, &tree, err) < 0)
		return -1;
	if (mount_bind_tree(tree, target, &b, err) < 0) {
		close(tree);
		return -1;
	}
	return attached(r, e, tree, false, err);
}

/* An explicit "remount" entry changes the flags of what is mounted there. */
static int do_remount(struct rootfs *r, const struct entry *e, struct hutch_error **err)
{
	_cleanup_close_ int target = fs_open_in_root(r->rootfd, e->dest, O_PATH, err);

	if (target < 0)
		return -1;
	return mount_set_flags(target, e->mo.flags, e->mo.clear, err);
}

static int do_fs(struct rootfs *r, const struct entry *e, struct hutch_error **err)
{
	const char *type = e->m->type;
	bool fresh_proc = is_type(type, "proc");
	struct mount_opts fo = e->mo;
	_cleanup_free_ char *data = NULL;
	struct stat st;
	int mnt = -1;

	if (!type || !*type)
		return herr_msg(err, "a mount needs a type (or a bind option)");
	if (e->mo.idmap)
		return herr_msg(err, "idmap and ridmap are supported on bind mounts only");
	if (e->mo.flags & MS_REMOUNT)
		return do_remount(r, e, err);
	_cleanup_close_ int target = fresh_proc || is_type(type, "sysfs")
	                                 ? open_ordinary_dir(r, e, fresh_proc, &st, err)
	                                 : open_target(r, e, true, false, false, &st, err);
	if (target < 0)
		return -1;
	data = fs_data(e, &st);
	/* read-only once what goes below it is made (rootfs_finalize) */
	fo.flags &= ~(unsigned long)MS_RDONLY;
	if (mount_fs(type, e->m->source ? e->m->source : type, data, target, &fo, &mnt, err) < 0) {
		if ((*err)->errnum == EPERM && r->o.in_userns &&
		    (is_type(type, "sysfs") || is_type(type, "mqueue")))
			return userns_fallback(r, e, target, err);
		return -1;
	}
	return attached(r, e, mnt, e->mo.flags & MS_RDONLY, err);
}

static int do_cgroup(struct rootfs *r, const struct entry *e, struct hutch_error **err)
{
	struct stat st;
	_cleanup_close_ int target = open_target(r, e, true, false, false, &st, err);
	int top = -1;

	if (target < 0 || cgroupfs_mount(target, &e->mo, r->o.has_cgroupns, r->o.cgroups,
	                                 r->o.n_cgroups, r->o.rootfs, &top, err) < 0)
		return -1;
	return attached(r, e, top, e->mo.flags & MS_RDONLY, err);
}

int rootfs_mount_entry(struct rootfs *r, size_t i, struct hutch_error **err)
{
	const struct spec_mount *m = &r->o.spec->mounts[i];
	_cleanup_free_ char *dest = NULL;
	struct entry e = {.m = m, .i = i};
	int rc;

	if (!m->destination || !*m->destination)
		return herr_msg(
		    err, "config.json: .mounts[%zu].destination: required field is missing", i);
	/* relative destinations are deprecated, and relative to "/" */
	dest =
	    m->destination[0] == '/' ? xstrdup(m->destination) : xasprintf("/%s", m->destination);
	e.dest = dest;
	e.on_root = only_slashes(dest);
	if (mount_parse_options(m->options, &e.mo, err) < 0)
		return -1;
	if (is_type(m->type, "bind"))
		e.mo.flags |= MS_BIND;
	if (mount_opts_is_bind(&e.mo))
		rc = do_bind(r, &e, err);
	else if (is_type(m->type, "cgroup"))
		rc = do_cgroup(r, &e, err);
	else
		rc = do_fs(r, &e, err);
	if (rc < 0)
		herr_prefix(err, "mount %s (%s) on %s", m->source ? m->source : "none",
		            m->type ? m->type : "bind", dest);
	mount_opts_free(&e.mo);
	return rc;
}
