/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The safe-mount layer (see mount.h): detached trees made with the new mount
 * API, flags set while detached, attached onto the caller's checked target
 * fd. The only file that calls the kernel's mount system calls. */
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

#define MS_ATIME_MASK (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
/* Flags that are per mount (mount_setattr), not per superblock. */
#define MS_PER_MOUNT                                                                               \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_ATIME_MASK | MS_NODIRATIME |            \
	 MS_NOSYMFOLLOW)

/* --- Primitives -------------------------------------------------------------- */

int mount_setattr_fd(int mnt, bool recursive, uint64_t set, uint64_t clr, int userns_fd,
                     struct hutch_error **err)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr};

	if (userns_fd >= 0)
		attr.userns_fd = (uint64_t)userns_fd;
	if (syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
	            &attr, sizeof(attr)) < 0)
		return herr_errno(err, errno, "mount_setattr");
	return 0;
}

int mount_set_propagation(int mnt, unsigned long ms_flags, struct hutch_error **err)
{
	struct mount_attr attr = {.propagation = ms_flags & ~(unsigned long)MS_REC};
	unsigned int at = AT_EMPTY_PATH | ((ms_flags & MS_REC) ? AT_RECURSIVE : 0);

	if (syscall(SYS_mount_setattr, mnt, "", at, &attr, sizeof(attr)) < 0)
		return herr_errno(err, errno, "set propagation");
	return 0;
}

int mount_tree_clone(int dirfd, const char *path, bool recursive, int *ret_tree,
                     struct hutch_error **err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	int tree;

	if (!*path)
		flags |= AT_EMPTY_PATH;
	tree = (int)syscall(SYS_open_tree, dirfd, path, flags);
	if (tree < 0)
		return herr_errno(err, errno, "open_tree %s", *path ? path : "(fd)");
	*ret_tree = tree;
	return 0;
}

int mount_tree_idmap(int tree, bool recursive, int userns_fd, struct hutch_error **err)
{
	if (userns_fd < 0)
		return herr_msg(err, "idmap: no user namespace to take the mapping from");
	if (mount_setattr_fd(tree, recursive, MOUNT_ATTR_IDMAP, 0, userns_fd, err) < 0)
		return herr_prefix(err, "idmap");
	return 0;
}

int mount_attach(int tree, int target, struct hutch_error **err)
{
	if (syscall(SYS_move_mount, tree, "", target, "",
	            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return herr_errno(err, errno, "move_mount");
	return 0;
}

int mount_detach_path(const char *path, struct hutch_error **err)
{
	if (umount2(path, MNT_DETACH) < 0)
		return herr_errno(err, errno, "unmount %s", path);
	return 0;
}

/* umount2 takes a path only: go through our own fd entry in the verified
 * procfs (relative to it, so nothing depends on where / or /proc are). */
int mount_detach_fd(int mnt, struct hutch_error **err)
{
	_cleanup_close_ int dir = procfs_open("self/fd", O_PATH | O_DIRECTORY, err);
	_cleanup_close_ int cwd = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[16];
	int r = 0;

	if (dir < 0)
		return -1;
	if (cwd < 0 || fchdir(dir) < 0)
		return herr_errno(err, errno, "unmount: enter /proc/self/fd");
	snprintf(name, sizeof(name), "%d", mnt);
	if (umount2(name, MNT_DETACH) < 0)
		r = herr_errno(err, errno, "unmount");
	if (fchdir(cwd) < 0 && r == 0)
		r = herr_errno(err, errno, "unmount: return to the working directory");
	return r;
}

/* --- Flags -------------------------------------------------------------------- */

/* MS_* per-mount flags as MOUNT_ATTR_* (atime is handled apart). */
static uint64_t ms_to_attr(unsigned long ms)
{
	uint64_t a = 0;

	if (ms & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (ms & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (ms & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (ms & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (ms & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	if (ms & MS_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	return a;
}

/* The atime mode the options ask for, or -1 to leave it: noatime,
 * strictatime and relatime name one; "norelatime" means full updates
 * (strictatime) and "atime"/"nostrictatime" the kernel default, relatime
 * (mount(8)). */
static int64_t atime_mode(unsigned long set, unsigned long clear)
{
	if (set & MS_NOATIME)
		return MOUNT_ATTR_NOATIME;
	if (set & MS_STRICTATIME)
		return MOUNT_ATTR_STRICTATIME;
	if (set & MS_RELATIME)
		return MOUNT_ATTR_RELATIME;
	if (clear & MS_RELATIME)
		return MOUNT_ATTR_STRICTATIME;
	if (clear & (MS_NOATIME | MS_STRICTATIME))
		return MOUNT_ATTR_RELATIME;
	return -1;
}

/* The mount's current per-mount flags (statfs(2) f_flags) as MS_*. */
static unsigned long current_flags(const struct statfs *sfs)
{
	unsigned long f = (unsigned long)sfs->f_flags;
	unsigned long ms = f & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

	if (f & ST_NOATIME)
		ms |= MS_NOATIME;
	if (f & ST_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (f & ST_NOSYMFOLLOW)
		ms |= MS_NOSYMFOLLOW;
	return ms;
}

static int set_flags_once(int mnt, unsigned long set, unsigned long clear, bool atime)
{
	struct mount_attr attr = {.attr_set = ms_to_attr(set), .attr_clr = ms_to_attr(clear)};
	int64_t mode = atime ? atime_mode(set, clear) : -1;

	if (mode >= 0) {
		attr.attr_clr |= MOUNT_ATTR__ATIME;
		attr.attr_set |= (uint64_t)mode;
	}
	attr.attr_clr &= ~attr.attr_set;
	return (int)syscall(SYS_mount_setattr, mnt, "", AT_EMPTY_PATH, &attr, sizeof(attr));
}

int mount_keep_source_flags(int tree, struct mount_opts *o, struct hutch_error **err)
{
	struct statfs sfs;

	if (fstatfs(tree, &sfs) < 0)
		return herr_errno(err, errno, "statfs");
	o->clear &= ~current_flags(&sfs);
	/* the atime mode is locked whatever it is */
	o->flags &= ~(unsigned long)MS_ATIME_MASK;
	o->clear &= ~(unsigned long)MS_ATIME_MASK;
	return 0;
}

int mount_set_flags(int mnt, unsigned long set, unsigned long clear, struct hutch_error **err)
{
	struct statfs sfs;

	set &= MS_PER_MOUNT;
	clear &= MS_PER_MOUNT;
	if (!(set | clear) || set_flags_once(mnt, set, clear, true) == 0)
		return 0;
	/* In a user namespace the kernel locks the flags a less privileged
	 * mount namespace inherited (mount_namespaces(7), "Restrictions on
	 * mount namespaces"): keep the ones the mount has, and its atime. */
	if (errno != EPERM || fstatfs(mnt, &sfs) < 0)
		return herr_errno(err, errno, "change mount flags");
	clear &= ~current_flags(&sfs);
	if (set_flags_once(mnt, set, clear, false) == 0)
		return 0;
	return herr_errno(err, errno, "change mount flags");
}

/* --- New filesystems ------------------------------------------------------------- */

/* Superblock flags that mount(2) would take from the same options. MS_SILENT
 * and MS_I_VERSION have no fsconfig name and are left out. */
static const struct {
	unsigned long ms;
	const char *name;
} sb_flags[] = {
    {MS_RDONLY, "ro"},         {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"},
    {MS_LAZYTIME, "lazytime"}, {MS_MANDLOCK, "mand"},
};

/* The kernel's own words about a failed fsconfig, when it logged any
 * (read(2) on the context fd gives "e <message>" lines). */
static void fs_log(int fs, char *buf, size_t size)
{
	char line[400];
	ssize_t n;

	buf[0] = '\0';
	while ((n = read(fs, line, sizeof(line) - 1)) > 0) {
		line[n] = '\0';
		if ((line[0] == 'e' || line[0] == 'w') && line[1] == ' ')
			snprintf(buf, size, " (%.*s)", (int)(size - 4), line + 2);
	}
}

/* A failed fsconfig/fsmount step, with the kernel's log message appended. */
static int fs_fail(int fs, const char *what, struct hutch_error **err)
{
	char log[512];
	int e = errno;

	fs_log(fs, log, sizeof(log));
	herr_errno(err, e, "%s", what);
	if (*log) {
		_cleanup_free_ char *msg = xasprintf("%s%s", (*err)->msg, log);
		herr_raw(err, e, msg);
	}
	return -1;
}

/* The next option of a comma-separated list (double quotes keep commas, as
 * in SELinux context="a,b"), malloc'd; NULL at the end. */
static char *next_option(const char **p)
{
	const char *s = *p + strspn(*p, ",");
	bool quoted = false;
	size_t i;

	if (!*s)
		return NULL;
	for (i = 0; s[i] && (quoted || s[i] != ','); i++)
		if (s[i] == '"')
			quoted = !quoted;
	*p = s + i;
	return xstrndup(s, i);
}

/* "key" is a flag, "key=value" a string (surrounding quotes removed). */
static int fs_param(int fs, char *opt)
{
	char *eq = strchr(opt, '=');
	char *v;
	size_t n;

	if (!eq)
		return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
	*eq = '\0';
	v = eq + 1;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opt, v, 0);
}

static int fs_configure(int fs, const char *source, const char *data, unsigned long flags,
                        struct hutch_error **err)
{
	if (source && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return fs_fail(fs, "source", err);
	for (const char *p = data ? data : "";;) {
		_cleanup_free_ char *opt = next_option(&p);
		if (!opt)
			break;
		_cleanup_free_ char *shown = xstrdup(opt);
		if (fs_param(fs, opt) < 0) {
			_cleanup_free_ char *what = xasprintf("option \"%s\"", shown);
			return fs_fail(fs, what, err);
		}
	}
	for (size_t i = 0; i < sizeof(sb_flags) / sizeof(sb_flags[0]); i++)
		if ((flags & sb_flags[i].ms) &&
		    syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, sb_flags[i].name, NULL, 0) < 0)
			return fs_fail(fs, sb_flags[i].name, err);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_fail(fs, "create", err);
	return 0;
}

int mount_tree_new(const char *type, const char *source, const char *data,
                   const struct mount_opts *o, int *ret_tree, struct hutch_error **err)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
	uint64_t attr = ms_to_attr(o->flags);
	int64_t atime = atime_mode(o->flags, o->clear);
	int mnt;

	if (fs < 0)
		return herr_errno(err, errno, "fsopen %s%s", type,
		                  errno == ENODEV ? " (no such filesystem type)" : "");
	if (fs_configure(fs, source, data, o->flags, err) < 0)
		return -1;
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
	                   attr | (uint64_t)(atime >= 0 ? atime : MOUNT_ATTR_RELATIME));
	if (mnt < 0)
		return fs_fail(fs, "fsmount", err);
	*ret_tree = mnt;
	return 0;
}

/* --- Compositions ----------------------------------------------------------------- */

static int apply_propagation(int mnt, const struct mount_opts *o, struct hutch_error **err)
{
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount_set_propagation(mnt, o->propagation[i], err) < 0)
			return -1;
	return 0;
}

static int apply_recursive(int tree, const struct mount_opts *o, struct hutch_error **err)
{
	if ((o->rec_set || o->rec_clr) &&
	    mount_setattr_fd(tree, true, o->rec_set, o->rec_clr, -1, err) < 0)
		return herr_prefix(err, "set recursive attributes");
	return 0;
}

int mount_bind_tree(int tree, int target, const struct mount_opts *o, struct hutch_error **err)
{
	if (mount_set_flags(tree, o->flags, o->clear, err) < 0 ||
	    apply_recursive(tree, o, err) < 0 || mount_attach(tree, target, err) < 0)
		return -1;
	return apply_propagation(tree, o, err);
}

/* tmpcopyup: what the covered directory holds, into the new filesystem. */
static int copy_up(int target, int tree, struct hutch_error **err)
{
	_cleanup_close_ int src = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dst = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (src < 0 || dst < 0)
		return herr_errno(err, errno, "tmpcopyup: open the directories");
	if (fs_copy_tree_at(src, dst, err) < 0)
		return herr_prefix(err, "tmpcopyup");
	return 0;
}

int mount_fs(const char *type, const char *source, const char *data, int target,
             const struct mount_opts *o, int *ret_mnt, struct hutch_error **err)
{
	struct mount_opts fresh = *o;
	_cleanup_close_ int tree = -1;

	/* tmpcopyup fills the filesystem while it is detached and writable */
	if (o->tmpcopyup)
		fresh.flags &= ~(unsigned long)MS_RDONLY;
	if (mount_tree_new(type, source, data, &fresh, &tree, err) < 0)
		return -1;
	if (o->tmpcopyup &&
	    (copy_up(target, tree, err) < 0 ||
	     ((o->flags & MS_RDONLY) && mount_set_flags(tree, MS_RDONLY, 0, err) < 0)))
		return -1;
	if (apply_recursive(tree, o, err) < 0 || mount_attach(tree, target, err) < 0 ||
	    apply_propagation(tree, o, err) < 0)
		return -1;
	if (ret_mnt)
		*ret_mnt = steal_fd(&tree);
	return 0;
}
