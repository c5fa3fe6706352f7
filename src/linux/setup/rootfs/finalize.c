/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the new root: /dev/console, process.cwd, sysctls, readonlyPaths,
 * maskedPaths (config-linux.md "Masked Paths", "Readonly Paths"), and the
 * read-only flags that wait until everything below them is made. */
#include "linux/setup/rootfs/internal.h"
#include "linux/sysctl.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int open_root(struct hutch_error **err)
{
	int fd = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? herr_errno(err, errno, "open /") : fd;
}

/* Clone what `source` refers to and mount it onto target, read-only when asked. */
static int bind_fd(struct rootfs *r, int source, bool recursive, bool ro, int target,
                   struct hutch_error **err)
{
	struct mount_opts mo = {.flags = ro ? MS_RDONLY : 0};
	_cleanup_close_ int tree = -1;

	if (mount_tree_clone(source, "", recursive, &tree, err) < 0 ||
	    mount_bind_tree(tree, target, &mo, err) < 0)
		return -1;
	return 0;
}

/* --- /dev/console ---------------------------------------------------------------- */

/* The file the pty goes onto: the regular file or character device already at
 * /dev/console, else a new regular file (O_EXCL: never a symlink's target). */
static int console_target(int dev, struct hutch_error **err)
{
	int fd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			close(fd);
			return herr_errno(err, errno, "stat /dev/console");
		}
		if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode))
			return fd;
		close(fd);
		if (S_ISDIR(st.st_mode))
			return herr_msg(err, "/dev/console is a directory");
		if (unlinkat(dev, "console", 0) < 0)
			return herr_errno(err, errno, "remove /dev/console");
	} else if (errno != ENOENT) {
		return herr_errno(err, errno, "open /dev/console");
	}
	fd = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return herr_errno(err, errno, "create /dev/console");
	return fd;
}

int rootfs_console(struct rootfs *r, int slave, struct hutch_error **err)
{
	_cleanup_close_ int root = open_root(err);
	_cleanup_close_ int dev = -1, target = -1;
	struct stat st;

	if (root < 0)
		return -1;
	dev = fs_create_in_root(root, "/dev", true, 0755, err);
	if (dev < 0)
		return herr_prefix(err, "/dev/console");
	if (fstat(dev, &st) < 0 || !S_ISDIR(st.st_mode))
		return herr_msg(err, "/dev/console: /dev is not a directory");
	target = console_target(dev, err);
	if (target < 0)
		return -1;
	if (bind_fd(r, slave, false, false, target, err) < 0)
		return herr_prefix(err, "bind the pty onto /dev/console");
	return 0;
}

/* --- Paths ------------------------------------------------------------------------- */

/* A bind of the path onto itself (with what is mounted below it), read-only:
 * made read-only while detached, so it is never writable there. */
static int make_readonly(struct rootfs *r, int root, const char *path, struct hutch_error **err)
{
	_cleanup_close_ int fd = fs_open_in_root_optional(root, path, O_PATH, err);

	if (fd < 0)
		return fd == FS_ABSENT ? 0 : -1;
	return bind_fd(r, fd, true, true, fd, err);
}

/* The container's /dev/null, once: it must be the character device 1:3, not a
 * symlink (CVE-2025-31133: /dev from a volume with null -> a procfs file made
 * masking bind that file, writable, over the masked path) nor anything else. */
static int dev_null(struct rootfs *r, int root, struct hutch_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (r->dev_null >= 0)
		return r->dev_null;
	fd = fs_open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		return herr_errno(err, errno, "stat /dev/null");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
		return herr_msg(err, "/dev/null is not the character device 1:3; refusing to mask "
		                     "with it");
	return r->dev_null = steal_fd(&fd);
}

/* Directories get an empty read-only tmpfs (one, cloned for each), files the
 * container's verified /dev/null. */
static int mask(struct rootfs *r, int root, const char *path, struct hutch_error **err)
{
	_cleanup_close_ int fd = fs_open_in_root_optional(root, path, O_PATH, err);
	struct mount_opts ro = {.flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC};
	struct stat st;
	int null;

	if (fd < 0)
		return fd == FS_ABSENT ? 0 : -1;
	if (fstat(fd, &st) < 0)
		return herr_errno(err, errno, "stat");
	if (!S_ISDIR(st.st_mode)) {
		null = dev_null(r, root, err);
		return null < 0 ? -1 : bind_fd(r, null, false, false, fd, err);
	}
	if (r->mask_dir >= 0)
		return bind_fd(r, r->mask_dir, false, true, fd, err);
	if (mount_fs("tmpfs", "tmpfs", "mode=0755", fd, &ro, &r->mask_dir, err) < 0)
		return herr_prefix(err, "mount an empty tmpfs");
	return 0;
}

/* process.cwd, made inside the root (a symlink on the way is followed inside
 * it) before the root may turn read-only. */
static int create_cwd(int root, const char *cwd, struct hutch_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!cwd || !*cwd)
		return 0;
	fd = fs_create_in_root(root, cwd, true, 0755, err);
	if (fd < 0)
		return herr_prefix(err, "create process.cwd");
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return herr_msg(err, "config.json: .process.cwd: %s is not a directory", cwd);
	return 0;
}

static int apply_later_ro(struct rootfs *r, struct hutch_error **err)
{
	for (size_t i = 0; i < r->n_later_ro; i++)
		if (mount_set_flags(r->later_ro[i], MS_RDONLY, 0, err) < 0)
			return herr_prefix(err, "make a read-only mount read-only");
	return 0;
}

int rootfs_finalize(struct rootfs *r, struct hutch_error **err)
{
	const struct spec_linux *l = r->o.spec->linux_;
	_cleanup_close_ int root = open_root(err);

	if (root < 0 || create_cwd(root, r->o.cwd, err) < 0)
		return -1;
	/* sysctls first: readonlyPaths usually includes /proc/sys */
	if (l && sysctl_apply(l->sysctl, l->n_sysctl, err) < 0)
		return -1;
	strv_foreach (path, l ? l->readonlyPaths : NULL) {
		if (make_readonly(r, root, *path, err) < 0)
			return herr_prefix(err, "make %s read-only", *path);
	}
	strv_foreach (path, l ? l->maskedPaths : NULL) {
		if (mask(r, root, *path, err) < 0)
			return herr_prefix(err, "mask %s", *path);
	}
	if (apply_later_ro(r, err) < 0)
		return -1;
	if (r->o.spec->root && r->o.spec->root->readonly) {
		if (!r->own_mntns)
			return herr_msg(err,
			                "config.json: .root.readonly: needs a mount namespace");
		if (mount_set_flags(root, MS_RDONLY, 0, err) < 0)
			return herr_prefix(err, "make the root read-only");
	}
	return 0;
}
