/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for util/fs.c: resolution inside a root never escapes it
 * (openat2 path and the component-walk fallback), creation, tree copy. */
#include "tap.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*open_fn)(int, const char *, int, struct hutch_error **);

static char tmpl[] = "/tmp/hutch-test-fs-XXXXXX";
static int rootfd = -1;

static void sh(const char *cmd)
{
	if (system(cmd) != 0)
		printf("# command failed: %s\n", cmd);
}

/* root/{etc/hostname, a/x, proc -> /, a/b -> ../../.., abs -> /etc,
 * loop -> loop, dangling -> /new/dir/file} */
static void build_tree(void)
{
	_cleanup_free_ char *cmd = NULL;

	if (!mkdtemp(tmpl))
		abort();
	cmd =
	    xasprintf("cd %s && mkdir -p etc a/x && echo inside > etc/hostname && "
	              "ln -s / proc && ln -s ../../.. a/b && ln -s /etc abs && ln -s loop loop && "
	              "ln -s /new/dir/file dangling && ln -s /proc/self/root magic",
	              tmpl);
	sh(cmd);
	rootfd = open(tmpl, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static bool same_file(int fd, const char *rel)
{
	struct stat a, b;
	int dfd = openat(rootfd, rel, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	bool same;

	if (dfd < 0)
		return false;
	same = fstat(fd, &a) == 0 && fstat(dfd, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
	close(dfd);
	return same;
}

static void check_resolve(open_fn fn, const char *name, const char *path, const char *want)
{
	struct hutch_error *err = NULL;
	int fd = fn(rootfd, path, O_PATH, &err);

	ok(fd >= 0 && same_file(fd, want), "%s: %s -> root/%s%s%s", name, path, want,
	   err ? ": " : "", err ? err->msg : "");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
}

static void check_fails(open_fn fn, const char *name, const char *path, int want_errno)
{
	struct hutch_error *err = NULL;
	int fd = fn(rootfd, path, O_PATH, &err);

	ok(fd < 0 && err && err->errnum == want_errno, "%s: %s fails with errno %d (got %d)", name,
	   path, want_errno, err ? err->errnum : 0);
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
}

static void test_resolver(open_fn fn, const char *name)
{
	check_resolve(fn, name, "/etc/hostname", "etc/hostname");
	check_resolve(fn, name, "/proc", ".");
	check_resolve(fn, name, "/proc/etc", "etc");
	check_resolve(fn, name, "proc/proc/proc/etc/hostname", "etc/hostname");
	check_resolve(fn, name, "/a/b", ".");
	check_resolve(fn, name, "/a/b/etc", "etc");
	check_resolve(fn, name, "/a/b/a/x", "a/x");
	check_resolve(fn, name, "../../../etc", "etc");
	check_resolve(fn, name, "/abs/hostname", "etc/hostname");
	check_resolve(fn, name, "/", ".");
	check_fails(fn, name, "/loop", ELOOP);
	check_fails(fn, name, "/dangling", ENOENT);
	check_fails(fn, name, "/etc/hostname/x", ENOTDIR);

	/* reading through the resolved fd gives the file inside the root */
	struct hutch_error *err = NULL;
	int fd = fn(rootfd, "/proc/etc/hostname", O_RDONLY, &err);
	char buf[32] = "";
	ok(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && strcmp(buf, "inside\n") == 0,
	   "%s: read through proc -> / stays inside", name);
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fn(rootfd, "/proc", O_PATH | O_NOFOLLOW, &err);
	struct stat st;
	ok(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "%s: O_NOFOLLOW keeps last link",
	   name);
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
}

static void test_magic(void)
{
	struct hutch_error *err = NULL;
	int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = fs_open_in_root_walk(procfd, "self/root", O_PATH, &err);

	ok(fd < 0 && err && err->errnum == ELOOP, "walk refuses procfs magic links");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_open_in_root(procfd, "self/root", O_PATH, &err);
	ok(fd < 0 && err && err->errnum == ELOOP, "openat2 refuses procfs magic links");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	close(procfd);
}

static void test_create(void)
{
	struct hutch_error *err = NULL;
	struct stat st;
	int fd;

	fd = fs_create_in_root(rootfd, "/proc/sys/kernel", true, 0755, &err);
	ok(fd >= 0 && same_file(fd, "sys/kernel"), "mkdir -p through proc -> / stays inside");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/dangling", false, 0644, &err);
	ok(fd >= 0 && same_file(fd, "new/dir/file") && fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
	   "dangling symlink target created inside as a file");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/a/b/a/b/x/y/", true, 0700, &err);
	ok(fd >= 0 && same_file(fd, "x/y") && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0700,
	   "created directory has the mode asked for");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/etc/hostname/z", true, 0755, &err);
	ok(fd < 0 && err && err->errnum == ENOTDIR, "creating under a file fails");
	herr_freep(&err);
}

/* The short way for a missing last component whose parent exists: the
 * parent is still resolved inside the root, and a symlink where the last
 * component goes still leads to the walk, which follows it inside. */
static void test_create_in_parent(void)
{
	_cleanup_free_ char *cmd = xasprintf("cd %s && ln -s /made/by/link dangling-dir", tmpl);
	struct hutch_error *err = NULL;
	struct stat st;
	int fd;

	sh(cmd);
	fd = fs_create_in_root(rootfd, "/etc/newdir", true, 0711, &err);
	ok(fd >= 0 && same_file(fd, "etc/newdir") && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) &&
	       (st.st_mode & 0777) == 0711,
	   "directory made in its existing parent, with its mode");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/a/b/etc/newfile", false, 0600, &err);
	ok(fd >= 0 && same_file(fd, "etc/newfile") && fstat(fd, &st) == 0 && S_ISREG(st.st_mode),
	   "parent through a/b -> ../../.. resolved inside the root");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/proc/fromlink", true, 0755, &err);
	ok(fd >= 0 && same_file(fd, "fromlink"), "parent through proc -> / resolved inside");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/dangling-dir", true, 0755, &err);
	ok(fd >= 0 && same_file(fd, "made/by/link") && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode),
	   "dangling symlink in an existing parent: its target made inside, as a directory");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
	fd = fs_create_in_root(rootfd, "/etc/newdir/..", true, 0755, &err);
	ok(fd >= 0 && same_file(fd, "etc"), "a last \"..\" is resolved, not created");
	if (fd >= 0)
		close(fd);
	herr_freep(&err);
}

static void test_copy(void)
{
	_cleanup_free_ char *cmd =
	    xasprintf("cd %s && mkdir -p cp/src/sub cp/dst && "
	              "echo data > cp/src/sub/f && chmod 4711 cp/src/sub/f && "
	              "ln -s ../x cp/src/link && mkfifo cp/src/fifo",
	              tmpl);
	struct hutch_error *err = NULL;
	struct stat st;
	char buf[16] = "";

	sh(cmd);
	int src = openat(rootfd, "cp/src", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dst = openat(rootfd, "cp/dst", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r = fs_copy_tree_at(src, dst, &err);
	ok(r == 0, "copy tree%s%s", err ? ": " : "", err ? err->msg : "");
	ok(fstatat(dst, "sub/f", &st, 0) == 0 && (st.st_mode & 07777) == 04711,
	   "regular file copied with set-id mode");
	int fd = openat(dst, "sub/f", O_RDONLY | O_CLOEXEC);
	ok(fd >= 0 && read(fd, buf, sizeof(buf) - 1) == 5 && strcmp(buf, "data\n") == 0,
	   "file content copied");
	if (fd >= 0)
		close(fd);
	ok(readlinkat(dst, "link", buf, sizeof(buf)) == 4 && memcmp(buf, "../x", 4) == 0,
	   "symlink copied as a symlink");
	ok(fstatat(dst, "fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISFIFO(st.st_mode),
	   "fifo copied");
	herr_freep(&err);
	close(src);
	close(dst);
}

static void clean(const char *in, const char *want)
{
	_cleanup_free_ char *got = fs_clean_path(in);

	ok(strcmp(got, want) == 0, "clean \"%s\" -> \"%s\" (got \"%s\")", in, want, got);
}

static void test_clean_path(void)
{
	clean("/dev/x", "/dev/x");
	clean("/dev/x/", "/dev/x");
	clean("//dev//x", "/dev/x");
	clean("/dev/./x", "/dev/x");
	clean("/dev/../x", "/x");
	clean("/../../x", "/x");
	clean("/", "/");
	clean("", ".");
	clean("a/../..", "..");
	clean("a/./b/", "a/b");
}

static void test_chmod_fd(void)
{
	_cleanup_free_ char *path = xasprintf("%s/etc/hostname", tmpl);
	_cleanup_close_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct hutch_error *err = NULL;
	struct stat st;

	ok(fd >= 0 && fs_chmod_fd(fd, 0604, &err) == 0 && stat(path, &st) == 0 &&
	       (st.st_mode & 07777) == 0604,
	   "chmod through an O_PATH fd (%s)", err ? err->msg : "ok");
	herr_freep(&err);
}

/* fs_open_in_root_optional through the resolver tests: FS_ABSENT stands in
 * for the ENOENT error the other two return, and comes without one. */
static int open_optional(int root, const char *path, int flags, struct hutch_error **err)
{
	int fd = fs_open_in_root_optional(root, path, flags, err);

	if (fd == FS_ABSENT && !*err)
		return herr_errno(err, ENOENT, "absent %s", path);
	return fd == FS_ABSENT ? -1 : fd;
}

int main(void)
{
	_cleanup_free_ char *cmd = NULL;

	build_tree();
	test_resolver(fs_open_in_root, "openat2");
	test_resolver(fs_open_in_root_walk, "walk");
	test_resolver(open_optional, "optional");
	test_magic();
	test_create();
	test_create_in_parent();
	test_copy();
	test_clean_path();
	test_chmod_fd();
	cmd = xasprintf("rm -rf %s", tmpl);
	sh(cmd);
	return done_testing();
}
