/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verified procfs handle and the openat2 walk below it. This file makes
 * its own detached procfs instance (fsopen/fsmount) or copy (open_tree); it
 * never attaches a mount anywhere (that is linux/mount.c's job). */
#include "util/procfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PROC_ROOT_INO 1 /* fs/proc/internal.h */

/* Every walk below the handle: no mount crossed, no link followed, no "..". */
#define PROCFS_RESOLVE                                                                             \
	(RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static int root_fd = -1;

/* A procfs instance of our own: a detached mount nobody else holds, so
 * nothing can be mounted on any of its files. Needs CAP_SYS_ADMIN over the
 * pid namespace (root); -1 otherwise. */
static int candidate_fsmount(void)
{
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);

	if (fs < 0 || syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return -1;
	return (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
	                    MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

/* A detached copy of the /proc mount alone: what is mounted below /proc in
 * our namespace is left behind (no AT_RECURSIVE). Needs CAP_SYS_ADMIN over
 * the mount namespace. */
static int candidate_clone(void)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, "/proc",
	                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
}

static int candidate_open(void)
{
	return openat(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* A procfs root whose "self" is us: not a tmpfs or a file tree planted at
 * /proc, not a subdirectory bound there, not the procfs of another pid
 * namespace (where "self" is absent or another process). */
static int verify_root(int fd, const char *what, struct hutch_error **err)
{
	struct statfs sfs;
	struct stat st;
	char self[32];
	long long pid = 0;
	ssize_t n;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return herr_errno(err, errno, "%s: stat", what);
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return herr_msg(err, "%s is not a procfs (filesystem type %#lx)", what,
		                (unsigned long)sfs.f_type);
	if (st.st_ino != PROC_ROOT_INO)
		return herr_msg(err, "%s is not the root of a procfs", what);
	n = readlinkat(fd, "self", self, sizeof(self) - 1);
	if (n < 0)
		return herr_errno(err, errno, "%s: read its \"self\" link", what);
	self[n] = '\0';
	if (str_to_i64(self, &pid) < 0 || pid != (long long)getpid())
		return herr_msg(err, "%s belongs to another pid namespace", what);
	return 0;
}

/* /proc of the caller comes first: it is the runtime's own mount namespace,
 * where a container cannot mount, and it costs one open(2); a private
 * instance or copy costs an RCU grace period when released (~50 us). What is
 * mounted below /proc is never crossed (RESOLVE_NO_XDEV), so it cannot
 * redirect a write, only make it fail. */
int procfs_root(struct hutch_error **err)
{
	static const struct {
		int (*open)(void);
		const char *what;
	} candidates[] = {
	    {candidate_open, "/proc"},
	    {candidate_fsmount, "a new procfs instance"},
	    {candidate_clone, "a copy of the /proc mount"},
	};
	_cleanup_error_ struct hutch_error *why = NULL;

	if (root_fd >= 0)
		return root_fd;
	/* when all fail, say why /proc itself was refused: the others are
	 * fallbacks that only root may take */
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		_cleanup_error_ struct hutch_error *e = NULL;
		int fd = candidates[i].open();
		if (fd < 0)
			herr_errno(&e, errno, "%s", candidates[i].what);
		else if (verify_root(fd, candidates[i].what, &e) == 0)
			return root_fd = fd;
		if (fd >= 0)
			close(fd);
		if (!why)
			why = steal_ptr(&e);
	}
	return herr_msg(err, "no trustworthy procfs to write to (%s)", why->msg);
}

int procfs_root_fd(void)
{
	return root_fd;
}

/* "self/..." and "thread-self/..." -> "<pid>/..." and "<pid>/task/<tid>/...",
 * as the handle reads its own links (no link is followed). */
static char *expand_self(int root, const char *path, struct hutch_error **err)
{
	static const char *const links[] = {"thread-self", "self"};
	char target[64];

	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(links[i]);
		if (strncmp(path, links[i], len) != 0 || (path[len] != '/' && path[len] != '\0'))
			continue;
		ssize_t n = readlinkat(root, links[i], target, sizeof(target) - 1);
		if (n < 0) {
			herr_errno(err, errno, "procfs: read /proc/%s", links[i]);
			return NULL;
		}
		target[n] = '\0';
		return xasprintf("%s%s", target, path + len);
	}
	return xstrdup(path);
}

/* openat2 below dirfd with PROCFS_RESOLVE, then check the result is procfs.
 * `shown` is the path for messages. */
static int open_beneath(int dirfd, const char *path, const char *shown, int flags,
                        struct hutch_error **err)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = PROCFS_RESOLVE,
	};
	struct statfs sfs;
	int fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd < 0) {
		int e = errno;
		return herr_errno(err, e, "procfs: open /proc/%s%s", shown,
		                  e == EXDEV   ? " (something is mounted over it)"
		                  : e == ELOOP ? " (through a symlink)"
		                               : "");
	}
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return herr_msg(err, "procfs: /proc/%s is not on procfs", shown);
	}
	return fd;
}

int procfs_open(const char *path, int flags, struct hutch_error **err)
{
	int root = procfs_root(err);
	_cleanup_free_ char *real = NULL;

	if (root < 0)
		return -1;
	real = expand_self(root, path, err);
	if (!real)
		return -1;
	return open_beneath(root, real, path, flags, err);
}

int procfs_open_at(int dirfd, const char *path, int flags, struct hutch_error **err)
{
	return open_beneath(dirfd, path, path, flags, err);
}

static int write_fd(int fd, const char *path, const char *data, size_t len,
                    struct hutch_error **err)
{
	/* procfs knobs take one write: a short write is an error, not a retry */
	ssize_t w = write(fd, data, len);

	if (w < 0)
		return herr_errno(err, errno, "write /proc/%s", path);
	if ((size_t)w != len)
		return herr_msg(err, "write /proc/%s: short write (%zd of %zu bytes)", path, w,
		                len);
	return 0;
}

int procfs_write(const char *path, const char *data, size_t len, struct hutch_error **err)
{
	_cleanup_close_ int fd = procfs_open(path, O_WRONLY, err);

	if (fd < 0)
		return -1;
	return write_fd(fd, path, data, len, err);
}

int procfs_write_at(int dirfd, const char *path, const char *data, size_t len,
                    struct hutch_error **err)
{
	_cleanup_close_ int fd = procfs_open_at(dirfd, path, O_WRONLY, err);

	if (fd < 0)
		return -1;
	return write_fd(fd, path, data, len, err);
}

int procfs_read(const char *path, char **ret, size_t *ret_len, struct hutch_error **err)
{
	_cleanup_close_ int fd = procfs_open(path, O_RDONLY, err);

	if (fd < 0)
		return -1;
	if (fs_read_fd(fd, ret, ret_len) < 0)
		return herr_errno(err, errno, "read /proc/%s", path);
	return 0;
}

int procfs_reopen(int fd, int flags, struct hutch_error **err)
{
	_cleanup_close_ int dir = procfs_open("self/fd", O_PATH | O_DIRECTORY, err);
	char name[16];
	int r;

	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "%d", fd);
	/* the one magic link followed: our own fd entry, in a verified procfs */
	r = openat(dir, name, flags | O_CLOEXEC);
	if (r < 0)
		return herr_errno(err, errno, "reopen fd %d through procfs", fd);
	return r;
}
