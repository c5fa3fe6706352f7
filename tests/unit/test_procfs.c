/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/procfs.c: the handle is a real procfs root, "self" is
 * expanded rather than followed, and nothing mounted over /proc or below it
 * can redirect a read or write. The hostile cases run in a child in a user
 * and mount namespace of its own (no root needed, the host is untouched). */
#include "tap.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn in a child that owns a user and a mount namespace, with /proc
 * tampered by `tamper`; returns what fn returned (0/1), or -1 when the
 * namespaces cannot be made (reported as a skip). */
static int in_private_ns(int (*tamper)(void), int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		char map[64];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			_exit(100);
		int fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "0 %u 1", uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			_exit(100);
		close(fd);
		snprintf(map, sizeof(map), "0 %u 1", gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			_exit(100);
		close(fd);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || tamper() < 0)
			_exit(100);
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 100 ? -1 : WEXITSTATUS(status);
}

static int tamper_tmpfs_over_proc(void)
{
	return mount("tmpfs", "/proc", "tmpfs", 0, NULL);
}

static int tamper_bind_over_hostname(void)
{
	return mount("/dev/null", "/proc/sys/kernel/hostname", NULL, MS_BIND, NULL);
}

/* exit 0 when the handle was refused with a message naming /proc */
static int expect_no_handle(void)
{
	struct hutch_error *err = NULL;

	if (procfs_root(&err) >= 0)
		return 1;
	printf("# %s\n", err->msg);
	fflush(stdout);
	return strstr(err->msg, "/proc is not a procfs") ? 0 : 1;
}

/* exit 0 when the overmounted file cannot be opened, with EXDEV */
static int expect_exdev(void)
{
	struct hutch_error *err = NULL;

	if (procfs_open("sys/kernel/hostname", O_RDONLY, &err) >= 0)
		return 1;
	printf("# %s\n", err->msg);
	fflush(stdout);
	return err->errnum == EXDEV ? 0 : 1;
}

static void report(int r, const char *what)
{
	if (r < 0)
		ok(1, "# SKIP %s: no user namespace here", what);
	else
		ok(r == 0, "%s", what);
}

static void test_hostile(void)
{
	/* before this process takes its own handle: the children must make theirs */
	report(in_private_ns(tamper_tmpfs_over_proc, expect_no_handle),
	       "a tmpfs on /proc is refused as the handle");
	report(in_private_ns(tamper_bind_over_hostname, expect_exdev),
	       "a bind mount over a procfs file is not crossed");
}

static void test_handle(void)
{
	struct hutch_error *err = NULL;
	_cleanup_free_ char *status = NULL;
	_cleanup_free_ char *want = xasprintf("\nPid:\t%d\n", (int)getpid());
	int fd = procfs_root(&err);

	ok(fd >= 0, "the handle opens (%s)", err ? err->msg : "ok");
	ok(procfs_root(&err) == fd && procfs_root_fd() == fd, "the handle is made once");
	ok(procfs_read("self/status", &status, NULL, &err) == 0 && strstr(status, want),
	   "self/status is this process's");
	ok(procfs_read("thread-self/status", &status, NULL, &err) == 0, "thread-self expands");
	herr_freep(&err);
	ok(procfs_open("mounts", O_RDONLY, &err) < 0 && err->errnum == ELOOP,
	   "symlinks below /proc are not followed (mounts -> self/mounts)");
	herr_freep(&err);
	ok(procfs_open("self/cwd/etc", O_RDONLY, &err) < 0 && err->errnum == ELOOP,
	   "magic links are not followed");
	herr_freep(&err);
	ok(procfs_open("self/../..", O_RDONLY, &err) < 0, "no climbing out");
	herr_freep(&err);
}

static void test_reopen(void)
{
	struct hutch_error *err = NULL;
	_cleanup_close_ int path = open("/proc/self/status", O_PATH | O_CLOEXEC);
	_cleanup_close_ int fd = procfs_reopen(path, O_RDONLY, &err);
	char c;

	ok(fd >= 0 && read(fd, &c, 1) == 1, "an O_PATH fd reopens for reading");
	herr_freep(&err);
}

int main(void)
{
	test_hostile();
	test_handle();
	test_reopen();
	return done_testing();
}
