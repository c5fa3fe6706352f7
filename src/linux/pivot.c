/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pivot_root(".", ".") and the MS_MOVE + chroot alternative. */
#include "linux/pivot.h"
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
	_cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);

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
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return herr_errno(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return herr_errno(err, errno, "unmount the old root");
	if (chdir("/") < 0)
		return herr_errno(err, errno, "chdir /");
	return 0;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* With chroot the host's mounts stay in the namespace, and the kernel allows
 * mounting a fresh proc or sysfs only if no visible one is more restricted
 * (fs/namespace.c, mount_too_revealing): hide the host's full proc and sysfs
 * mounts, covering any that cannot be unmounted. */
static int hide_host_procfs(const char *rootfs, struct hutch_error **err)
{
	struct mountinfo mi = {0};

	if (mountinfo_read(&mi, err) < 0)
		return -1;
	for (size_t i = mi.n; i-- > 0;) {
		const struct mountinfo_entry *e = &mi.e[i];
		if (strcmp(e->root, "/") != 0 || path_under(e->mount_point, rootfs) ||
		    (strcmp(e->fstype, "proc") != 0 && strcmp(e->fstype, "sysfs") != 0))
			continue;
		/* best effort: / was made rslave or rprivate by rootfs_prepare */
		(void)mount(NULL, e->mount_point, NULL, MS_SLAVE | MS_REC, NULL);
		if (umount2(e->mount_point, MNT_DETACH) == 0)
			continue;
		if (mount("tmpfs", e->mount_point, "tmpfs", MS_RDONLY, "size=0") < 0) {
			herr_errno(err, errno, "hide %s", e->mount_point);
			mountinfo_free(&mi);
			return -1;
		}
	}
	mountinfo_free(&mi);
	return 0;
}

static int move_root(const char *rootfs, struct hutch_error **err)
{
	if (hide_host_procfs(rootfs, err) < 0)
		return -1;
	if (chdir(rootfs) < 0)
		return herr_errno(err, errno, "chdir %s", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return herr_errno(err, errno, "move %s to /", rootfs);
	if (chroot(".") < 0)
		return herr_errno(err, errno, "chroot %s", rootfs);
	if (chdir("/") < 0)
		return herr_errno(err, errno, "chdir /");
	return 0;
}

int pivot_switch_root(const char *rootfs, bool no_pivot, struct hutch_error **err)
{
	return no_pivot ? move_root(rootfs, err) : pivot(rootfs, err);
}
