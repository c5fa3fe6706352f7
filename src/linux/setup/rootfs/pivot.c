/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pivot_root(".", "."), the MS_MOVE + chroot alternative, and plain chroot. */
#include "linux/setup/rootfs/pivot.h"
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/mountinfo.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * unmounting "." then removes it without needing a directory for it in the
 * rootfs (pivot_root(2), NOTES). */
static int pivot(const char *rootfs, struct hutch_error **err)
{
	_cleanup_close_ int oldroot = openat(AT_FDCWD, "/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int newroot = openat(AT_FDCWD, rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int old = -1;

	if (oldroot < 0)
		return herr_errno(err, errno, "open /");
	if (newroot < 0)
		return herr_errno(err, errno, "open %s", rootfs);
	if (fchdir(newroot) < 0)
		return herr_errno(err, errno, "chdir %s", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return herr_errno(err, errno, "pivot_root %s", rootfs);
	/* the kernel does not promise where cwd is after pivot_root: go to the
	 * old root explicitly, it is what we unmount */
	if (fchdir(oldroot) < 0)
		return herr_errno(err, errno, "chdir to the old root");
	old = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old < 0)
		return herr_errno(err, errno, "open the old root");
	/* rslave first: the unmount must not propagate to the host */
	if (mount_set_propagation(old, MS_SLAVE | MS_REC, err) < 0)
		return herr_prefix(err, "make the old root rslave");
	if (mount_detach_path(".", err) < 0)
		return herr_prefix(err, "the old root");
	if (chdir("/") < 0)
		return herr_errno(err, errno, "chdir /");
	return 0;
}

/* Take one host proc or sysfs mount out of sight: unmount it, or cover it
 * with an empty read-only tmpfs when it cannot be unmounted. mount_point is
 * the host's (from our mountinfo), not the container's. */
static int hide_one(const char *mount_point, struct hutch_error **err)
{
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, mount_point, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_error_ struct hutch_error *ignored = NULL;
	struct mount_opts ro = {.flags = MS_RDONLY};

	if (fd < 0)
		return 0; /* gone already */
	/* best effort: / was made rslave or rprivate by rootfs_prepare */
	(void)mount_set_propagation(fd, MS_SLAVE | MS_REC, &ignored);
	if (mount_detach_path(mount_point, &ignored) == 0)
		return 0;
	if (mount_fs("tmpfs", "tmpfs", NULL, fd, &ro, NULL, err) < 0)
		return herr_prefix(err, "hide %s", mount_point);
	return 0;
}

/* With chroot the host's mounts stay in the namespace, and the kernel allows
 * mounting a fresh proc or sysfs only if no visible one is more restricted
 * (fs/namespace.c, mount_too_revealing): hide the host's full proc and sysfs
 * mounts, covering any that cannot be unmounted. */
static int hide_host_procfs(const char *rootfs, struct hutch_error **err)
{
	struct mountinfo mi = {0};
	int r = 0;

	if (mountinfo_read(&mi, err) < 0)
		return -1;
	for (size_t i = mi.n; i-- > 0 && r == 0;) {
		const struct mountinfo_entry *e = &mi.e[i];
		if (strcmp(e->root, "/") != 0 || str_path_under(e->mount_point, rootfs) ||
		    (strcmp(e->fstype, "proc") != 0 && strcmp(e->fstype, "sysfs") != 0))
			continue;
		r = hide_one(e->mount_point, err);
	}
	mountinfo_free(&mi);
	return r;
}

static int enter_root(const char *rootfs, struct hutch_error **err)
{
	if (chroot(".") < 0)
		return herr_errno(err, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return herr_errno(err, errno, "chdir /");
	return 0;
}

static int move_root(const char *rootfs, struct hutch_error **err)
{
	_cleanup_close_ int newroot = -1, slash = -1;

	if (hide_host_procfs(rootfs, err) < 0)
		return -1;
	if (chdir(rootfs) < 0)
		return herr_errno(err, errno, "chdir %s", rootfs);
	newroot = openat(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	slash = openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (newroot < 0 || slash < 0)
		return herr_errno(err, errno, "open %s", rootfs);
	/* MS_MOVE of the rootfs mount onto "/" */
	if (mount_attach(newroot, slash, err) < 0)
		return herr_prefix(err, "move %s to /", rootfs);
	return enter_root(rootfs, err);
}

int pivot_switch_root(const char *rootfs, enum pivot_mode mode, struct hutch_error **err)
{
	switch (mode) {
	case PIVOT_ROOT:
		return pivot(rootfs, err);
	case PIVOT_MOVE:
		return move_root(rootfs, err);
	case PIVOT_CHROOT:
		break;
	}
	if (chdir(rootfs) < 0)
		return herr_errno(err, errno, "chdir %s", rootfs);
	return enter_root(rootfs, err);
}
