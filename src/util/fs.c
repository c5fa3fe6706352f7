/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whole-file helpers and atomic replace. */
#include "util/fs.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int fs_read_fd(int fd, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (!buf)
		buf = xcalloc(1, 1);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret = steal_ptr(&buf);
	return 0;
}

FILE *fs_fopen_read(const char *path)
{
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

int fs_read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len,
                    struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	if (fs_read_fd(fd, ret, ret_len) < 0)
		return herr_errno(err, errno, "read %s", path);
	return 0;
}

int fs_write_file_at(int dirfd, const char *path, const char *data, size_t len,
                     struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	if (fd < 0)
		return herr_errno(err, errno, "open %s", path);
	if (fs_write_all(fd, data, len) < 0)
		return herr_errno(err, errno, "write %s", path);
	return 0;
}

/* The bytes fs_write_file_atomic_at puts in the new file (fill_buf). */
struct buf {
	const char *data;
	size_t len;
};

static int fill_buf(int fd, void *arg)
{
	const struct buf *b = arg;

	return fs_write_all(fd, b->data, b->len);
}

/* Copy *srcfd from offset 0 to its end into dst (at its offset 0). */
static int copy_all(int dst, void *arg)
{
	int srcfd = *(const int *)arg;
	off_t in = 0, out = 0;
	bool same_fs = true;

	for (;;) {
		ssize_t n = same_fs ? copy_file_range(srcfd, &in, dst, &out, 1 << 30, 0)
		                    : sendfile(dst, srcfd, &in, 1 << 30);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* across filesystems (EXDEV), or not supported for them */
		if (!same_fs ||
		    (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP))
			return -1;
		same_fs = false;
	}
}

/* Write name's new contents into "<name>.tmp.<pid>" in dirfd, then rename it
 * over name: a reader sees the old file or the new one, never half of one. */
int fs_replace_atomic_at(int dirfd, const char *name, mode_t mode, int (*fill)(int fd, void *arg),
                         void *arg, struct hutch_error **err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", name, (int)getpid());
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return herr_errno(err, errno, "create %s", tmp);
	if (fill(fd, arg) < 0) {
		int e = errno;
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return herr_errno(err, e, "write %s", tmp);
	}
	close(fd);
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = errno;
		unlinkat(dirfd, tmp, 0);
		return herr_errno(err, e, "rename %s to %s", tmp, name);
	}
	return 0;
}

int fs_write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
                            struct hutch_error **err)
{
	struct buf b = {data, len};

	return fs_replace_atomic_at(dirfd, name, mode, fill_buf, &b, err);
}

int fs_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                         struct hutch_error **err)
{
	return fs_write_file_atomic_at(AT_FDCWD, path, data, len, mode, err);
}

int fs_copy_file_atomic_at(int dirfd, const char *name, int srcfd, mode_t mode,
                           struct hutch_error **err)
{
	return fs_replace_atomic_at(dirfd, name, mode, copy_all, &srcfd, err);
}

int fs_mkdir_p(const char *path, mode_t mode, struct hutch_error **err)
{
	_cleanup_free_ char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return herr_errno(err, errno, "mkdir %s", p);
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "mkdir %s", p);
	return 0;
}

/* --- Safe path resolution inside a root directory -------------------------
 * openat2(RESOLVE_IN_ROOT) when the kernel has it, else a component walk. */

#define FS_MAX_SYMLINKS 40 /* the kernel's MAXSYMLINKS */

/* Turn the O_PATH fd the walk produced into one opened with `flags`.
 * Directories reopen through "." (no procfs needed), other files through the
 * verified procfs. Consumes fd. */
static int reopen_fd(int fd, int flags)
{
	_cleanup_close_ int owned = fd;
	_cleanup_error_ struct hutch_error *err = NULL;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return -1;
	if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	if (flags & O_PATH)
		return steal_fd(&owned);
	if (S_ISLNK(st.st_mode)) {
		errno = ELOOP;
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return openat(fd, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	r = procfs_reopen(fd, flags & ~O_NOFOLLOW, &err);
	if (r < 0)
		errno = err->errnum ? err->errnum : EIO;
	return r;
}

/* The directories entered so far; fds[0] is (a dup of) the root, so ".."
 * pops and can never go above it. */
struct fd_stack {
	int *fds;
	size_t n, cap;
};

static void fd_stack_push(struct fd_stack *s, int fd)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->fds = xrealloc(s->fds, s->cap * sizeof(*s->fds));
	}
	s->fds[s->n++] = fd;
}

static void fd_stack_pop_to(struct fd_stack *s, size_t n)
{
	while (s->n > n)
		close(s->fds[--s->n]);
}

static void fd_stack_free(struct fd_stack *s)
{
	fd_stack_pop_to(s, 0);
	free(s->fds);
}

/* procfs magic links (/proc/PID/fd/N, exe, cwd, root, ns/...) read as absolute
 * paths or "type:[inode]"; procfs' ordinary symlinks (self, mounts, net) are
 * relative. Following a magic link would jump to an object outside the root. */
static bool is_magic_link(int linkfd, const char *target)
{
	struct statfs sfs;

	if (fstatfs(linkfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	return target[0] == '/' || strchr(target, ':') != NULL;
}

static bool only_slashes(const char *s)
{
	return s[strspn(s, "/")] == '\0';
}

enum walk_create { WALK_NONE, WALK_DIR, WALK_FILE };

/* Create the missing component `name` in dirfd: a parent directory, or the
 * last component as asked. EEXIST (lost a race) is fine. */
static int walk_create_missing(int dirfd, const char *name, bool last, enum walk_create create,
                               mode_t mode)
{
	if (!last || create == WALK_DIR) {
		if (mkdirat(dirfd, name, last ? mode : 0755) < 0 && errno != EEXIST)
			return -1;
		return 0;
	}
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

/* Replace the walk's remaining path with "<target>/<rest>". */
static char *splice_symlink(int linkfd, const char *rest, bool *ret_absolute)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target) - 1);

	if (n < 0)
		return NULL;
	target[n] = '\0';
	if (is_magic_link(linkfd, target)) {
		errno = ELOOP;
		return NULL;
	}
	*ret_absolute = target[0] == '/';
	return xasprintf("%s/%s", target, rest);
}

/* One step of the walk: open component `name` of the directory on top of the
 * stack without following it, creating it when asked. Returns an O_PATH fd. */
static int walk_open_component(struct fd_stack *st, const char *name, bool last,
                               enum walk_create create, mode_t mode)
{
	int top = st->fds[st->n - 1];
	int fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create != WALK_NONE) {
		if (walk_create_missing(top, name, last, create, mode) < 0)
			return -1;
		fd = openat(top, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd;
}

/* Resolve path under rootfd one component at a time, never letting the kernel
 * follow a symlink. Returns an O_PATH fd, or -1 with errno set. */
static int walk_in_root(int rootfd, const char *path, enum walk_create create, bool nofollow_last,
                        mode_t mode)
{
	_cleanup_free_ char *todo = xstrdup(path);
	struct fd_stack st = {0};
	size_t pos = 0;
	int links = 0, ret = -1;
	char name[NAME_MAX + 1];

	int root = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (root < 0)
		return -1;
	fd_stack_push(&st, root);
	for (;;) {
		pos += strspn(todo + pos, "/");
		size_t len = strcspn(todo + pos, "/");
		if (len == 0)
			break;
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto out;
		}
		memcpy(name, todo + pos, len);
		name[len] = '\0';
		pos += len;
		bool last = only_slashes(todo + pos);
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			fd_stack_pop_to(&st, st.n > 1 ? st.n - 1 : 1);
			continue;
		}
		_cleanup_close_ int fd = walk_open_component(&st, name, last, create, mode);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) < 0)
			goto out;
		if (S_ISLNK(sb.st_mode) && !(last && nofollow_last)) {
			bool absolute = false;
			if (++links > FS_MAX_SYMLINKS) {
				errno = ELOOP;
				goto out;
			}
			char *next = splice_symlink(fd, todo + pos, &absolute);
			if (!next)
				goto out;
			free(todo);
			todo = next;
			pos = 0;
			if (absolute)
				fd_stack_pop_to(&st, 1);
			continue;
		}
		if (!last && !S_ISDIR(sb.st_mode)) {
			errno = ENOTDIR;
			goto out;
		}
		fd_stack_push(&st, steal_fd(&fd));
	}
	ret = fcntl(st.fds[st.n - 1], F_DUPFD_CLOEXEC, 3);
out:
	fd_stack_free(&st);
	return ret;
}

int fs_open_in_root_walk(int rootfd, const char *path, int flags, struct hutch_error **err)
{
	int fd = walk_in_root(rootfd, path, WALK_NONE, flags & O_NOFOLLOW, 0);

	if (fd >= 0)
		fd = reopen_fd(fd, flags);
	if (fd < 0)
		return herr_errno(err, errno, "resolve %s", path);
	return fd;
}

/* fs_open_in_root without the error object: the fd, or -1 with errno. */
static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = -1;

	if (*path == '\0')
		path = ".";
	/* EAGAIN: a concurrent rename raced with ".." resolution; retry. */
	for (int i = 0; i < 32; i++) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	if (fd >= 0)
		return (int)fd;
	if (errno != ENOSYS && errno != E2BIG)
		return -1;
	/* a kernel without openat2: the walk (its error only for its errno) */
	_cleanup_error_ struct hutch_error *e = NULL;
	fd = fs_open_in_root_walk(rootfd, path, flags, &e);
	if (fd < 0)
		errno = e->errnum;
	return (int)fd;
}

int fs_open_in_root(int rootfd, const char *path, int flags, struct hutch_error **err)
{
	int fd = open_in_root(rootfd, path, flags);

	if (fd < 0)
		return herr_errno(err, errno, "resolve %s", path);
	return fd;
}

int fs_open_in_root_optional(int rootfd, const char *path, int flags, struct hutch_error **err)
{
	int fd = open_in_root(rootfd, path, flags);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return FS_ABSENT;
	return herr_errno(err, errno, "resolve %s", path);
}

/* The usual missing target, e.g. /dev/pts in a fresh /dev: its parent exists.
 * Resolve the parent inside the root, create the last component there and
 * open what is there now without following a symlink (RESOLVE_NO_SYMLINKS:
 * ELOOP) and, for a directory, only a directory. -1 when any step does not
 * go that way (a missing parent, a dangling symlink where the last component
 * goes, "." or "..", a race): the caller then walks, which handles all of
 * them. */
static int create_in_parent(int rootfd, const char *path, bool dir, mode_t mode)
{
	const char *end = path + strlen(path), *name;
	struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
	                       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1;
	char last[NAME_MAX + 1];

	while (end > path && end[-1] == '/')
		end--;
	name = end;
	while (name > path && name[-1] != '/')
		name--;
	if (end == name || (size_t)(end - name) > NAME_MAX)
		return -1;
	memcpy(last, name, (size_t)(end - name));
	last[end - name] = '\0';
	if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return -1;
	parent = name > path ? xstrndup(path, (size_t)(name - path)) : xstrdup(".");
	pfd = (int)syscall(SYS_openat2, rootfd, parent, &how, sizeof(how));
	if (pfd < 0)
		return -1;
	if (dir ? mkdirat(pfd, last, mode) < 0
	        : walk_create_missing(pfd, last, true, WALK_FILE, mode) < 0)
		return -1; /* EEXIST here: a dangling symlink, for the walk to follow */
	how.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, pfd, last, &how, sizeof(how));
}

int fs_create_in_root(int rootfd, const char *path, bool dir, mode_t mode, struct hutch_error **err)
{
	int fd = fs_open_in_root_optional(rootfd, path, O_PATH, err);

	/* the usual cases, a target that exists or one whose parent does, in a
	 * few calls; the walk creates whatever else is missing */
	if (fd != FS_ABSENT)
		return fd;
	fd = create_in_parent(rootfd, path, dir, mode);
	if (fd >= 0)
		return fd;
	fd = walk_in_root(rootfd, path, dir ? WALK_DIR : WALK_FILE, false, mode);
	if (fd < 0)
		return herr_errno(err, errno, "create %s", path);
	return fd;
}

char *fs_clean_path(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	bool absolute = path[0] == '/';
	char **parts = NULL;
	size_t n = 0;
	char *out, *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0 && n > 0 && strcmp(parts[n - 1], "..") != 0) {
			n--;
			continue;
		}
		if (strcmp(c, "..") == 0 && absolute)
			continue; /* ".." of "/" is "/" */
		parts = xrealloc(parts, (n + 1) * sizeof(*parts));
		parts[n++] = c;
	}
	out = xstrdup(absolute ? "/" : (n ? "" : "."));
	for (size_t i = 0; i < n; i++) {
		char *next = xasprintf("%s%s%s", out, i ? "/" : "", parts[i]);
		free(out);
		out = next;
	}
	free(parts);
	return out;
}

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

int fs_chmod_fd(int fd, mode_t mode, struct hutch_error **err)
{
	_cleanup_close_ int dir = -1;
	char name[16];

	if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL && errno != EBADF)
		return herr_errno(err, errno, "chmod");
	/* before Linux 6.6: the fd's own entry in the verified procfs */
	dir = procfs_open("self/fd", O_PATH | O_DIRECTORY, err);
	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "%d", fd);
	if (fchmodat(dir, name, mode, 0) < 0)
		return herr_errno(err, errno, "chmod");
	return 0;
}

/* --- Tree copy ----------------------------------------------------------- */

static int copy_file_data(int srcdir, int dstdir, const char *name, mode_t mode)
{
	_cleanup_close_ int in = openat(srcdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];

	if (in < 0)
		return -1;
	out =
	    openat(dstdir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0)
		return -1;
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		if (fs_write_all(out, buf, (size_t)r) < 0)
			return -1;
	}
}

static int copy_subdir(int srcdir, int dstdir, const char *name, mode_t mode,
                       struct hutch_error **err)
{
	_cleanup_close_ int s = -1, d = -1;

	if (mkdirat(dstdir, name, mode & 07777) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "mkdir %s", name);
	s = openat(srcdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = openat(dstdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return herr_errno(err, errno, "open %s", name);
	if (fs_copy_tree_at(s, d, err) < 0)
		return herr_prefix(err, "%s", name);
	return 0;
}

static int copy_entry(int srcdir, int dstdir, const char *name, struct hutch_error **err)
{
	struct stat st;
	char target[PATH_MAX];
	int r = 0;

	if (fstatat(srcdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return herr_errno(err, errno, "stat %s", name);
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		if (copy_subdir(srcdir, dstdir, name, st.st_mode, err) < 0)
			return -1;
		break;
	case S_IFREG:
		r = copy_file_data(srcdir, dstdir, name, st.st_mode);
		break;
	case S_IFLNK: {
		ssize_t n = readlinkat(srcdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return herr_errno(err, errno, "readlink %s", name);
		target[n] = '\0';
		r = symlinkat(target, dstdir, name);
		break;
	}
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
		r = mknodat(dstdir, name, st.st_mode, st.st_rdev);
		break;
	default:
		return 0; /* sockets belong to a process, not to the image */
	}
	if (r < 0)
		return herr_errno(err, errno, "copy %s", name);
	/* chown before chmod: chown clears the set-id bits */
	if (fchownat(dstdir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return herr_errno(err, errno, "chown %s", name);
	if (!S_ISLNK(st.st_mode) && fchmodat(dstdir, name, st.st_mode & 07777, 0) < 0)
		return herr_errno(err, errno, "chmod %s", name);
	struct timespec ts[2] = {st.st_atim, st.st_mtim};
	if (utimensat(dstdir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return herr_errno(err, errno, "set times of %s", name);
	return 0;
}

int fs_copy_tree_at(int srcfd, int dstfd, struct hutch_error **err)
{
	int dup_fd = openat(srcfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (dup_fd < 0)
		return herr_errno(err, errno, "open directory");
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return herr_errno(err, errno, "open directory");
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (copy_entry(srcfd, dstfd, de->d_name, err) < 0)
			return -1;
	}
	if (errno)
		return herr_errno(err, errno, "read directory");
	return 0;
}
