/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mknod (or bind-mount from the host, through the caller's dev_host_bind)
 * the container's device nodes, and the /dev symlinks, all resolved inside
 * the container's root. */
#include "linux/dev.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

struct dev_node {
	const char *path; /* inside the container */
	mode_t type;      /* S_IFCHR, S_IFBLK, S_IFIFO */
	unsigned int major, minor;
	mode_t perm;
	uid_t uid;
	gid_t gid;
	bool replace; /* a wrong file there is ours to replace (default devices) */
};

static const struct dev_node default_devices[] = {
    {"/dev/null", S_IFCHR, 1, 3, 0666, 0, 0, true},
    {"/dev/zero", S_IFCHR, 1, 5, 0666, 0, 0, true},
    {"/dev/full", S_IFCHR, 1, 7, 0666, 0, 0, true},
    {"/dev/random", S_IFCHR, 1, 8, 0666, 0, 0, true},
    {"/dev/urandom", S_IFCHR, 1, 9, 0666, 0, 0, true},
    {"/dev/tty", S_IFCHR, 5, 0, 0666, 0, 0, true},
};

/* What happened to a node (the non-negative returns of the helpers below). */
enum { NODE_CREATED, NODE_KEPT, NODE_BOUND, NODE_REPLACE, NODE_EXISTS };

/* Split path into its parent (created inside the root) and last component. */
static int open_parent(int rootfd, const char *path, const char **ret_name,
                       struct hutch_error **err)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	const char *name = slash ? slash + 1 : path;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return herr_msg(err, "%s: not a file path", path);
	*ret_name = name;
	return fs_create_in_root(rootfd, *dir ? dir : "/", true, 0755, err);
}

static bool node_matches(const struct stat *st, const struct dev_node *n)
{
	if ((st->st_mode & S_IFMT) != n->type)
		return false;
	return n->type == S_IFIFO ||
	       (major(st->st_rdev) == n->major && minor(st->st_rdev) == n->minor);
}

/* A file is there already: keep it when it is the device, else replace it
 * (default devices) or refuse (config-linux.md: "MUST generate an error"). */
static int check_existing(int dirfd, const char *name, const struct stat *st,
                          const struct dev_node *n, struct hutch_error **err)
{
	if (node_matches(st, n))
		return NODE_KEPT;
	if (!n->replace || S_ISDIR(st->st_mode))
		return herr_msg(err, "a different file already exists at %s", n->path);
	if (unlinkat(dirfd, name, 0) < 0)
		return herr_errno(err, errno, "remove %s", n->path);
	return NODE_REPLACE;
}

/* mknod is refused in a user namespace: bind the host's node over an empty
 * file instead. Runs before pivot, so n->path is the host's own node; it must
 * be the device asked for (a config naming a host file as a "device" gets
 * nothing). The target is created here (O_EXCL, never through a symlink). */
static int bind_from_host(int dirfd, const char *name, const struct dev_node *n,
                          const struct dev_host_bind *b, struct hutch_error **err)
{
	_cleanup_close_ int target =
	    openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	_cleanup_close_ int tree = -1;
	struct stat st;

	if (target < 0)
		return herr_errno(err, errno, "create %s", n->path);
	if (b->clone(n->path, &tree, err) < 0)
		return herr_prefix(err, "bind-mount %s from the host", n->path);
	if (fstat(tree, &st) < 0 || !node_matches(&st, n))
		return herr_msg(err, "bind-mount %s from the host: it is not that device", n->path);
	if (b->attach(tree, target, err) < 0)
		return herr_prefix(err, "bind-mount %s from the host", n->path);
	return NODE_BOUND;
}

/* mknod, with the umask cleared by the caller (the mode is n->perm);
 * NODE_EXISTS when something is there already. */
static int make_node(int dirfd, const char *name, const struct dev_node *n,
                     const struct dev_host_bind *b, struct hutch_error **err)
{
	if (mknodat(dirfd, name, n->type | (n->perm & 07777), makedev(n->major, n->minor)) == 0)
		return NODE_CREATED;
	if (errno == EEXIST)
		return NODE_EXISTS;
	if (errno == EPERM)
		return bind_from_host(dirfd, name, n, b, err);
	return herr_errno(err, errno, "mknod %s", n->path);
}

/* Owner and mode, set through an fd on the node after checking it is the
 * node (the directory may be a volume another container renames in: a name
 * swapped for a symlink must not get a host file chmod'ed). */
static int set_owner_mode(int dirfd, const char *name, const struct dev_node *n, bool chmod,
                          struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return herr_errno(err, errno, "open %s", n->path);
	if (!node_matches(&st, n))
		return herr_msg(err, "%s changed while it was being made", n->path);
	if (fchownat(fd, "", n->uid, n->gid, AT_EMPTY_PATH) < 0)
		return herr_errno(err, errno, "chown %s", n->path);
	if (chmod && fs_chmod_fd(fd, n->perm & 07777, err) < 0)
		return herr_prefix(err, "%s", n->path);
	return 0;
}

/* A node we just made is the device with our owner: unless n wants another
 * owner, nothing is left to do (one stat, no fd). */
static bool created_as_asked(int dirfd, const char *name, const struct dev_node *n)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && node_matches(&st, n) &&
	       st.st_uid == n->uid && st.st_gid == n->gid;
}

/* n at `name` in dirfd (its parent, resolved inside the root), the umask
 * cleared by the caller: mknod first, and only when something is there
 * already, look at it. */
static int dev_make_in(int dirfd, const char *name, const struct dev_node *n,
                       const struct dev_host_bind *b, struct hutch_error **err)
{
	struct stat st;
	int r = make_node(dirfd, name, n, b, err);

	if (r == NODE_EXISTS) {
		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return herr_errno(err, errno, "stat %s", n->path);
		r = check_existing(dirfd, name, &st, n, err);
		if (r == NODE_REPLACE && (r = make_node(dirfd, name, n, b, err)) == NODE_EXISTS)
			return herr_errno(err, EEXIST, "mknod %s", n->path);
	}
	if (r < 0)
		return -1;
	if (r == NODE_BOUND || (r == NODE_CREATED && created_as_asked(dirfd, name, n)))
		return 0;
	return set_owner_mode(dirfd, name, n, r == NODE_KEPT, err);
}

static int dev_make(int rootfd, const struct dev_node *n, const struct dev_host_bind *b,
                    struct hutch_error **err)
{
	const char *name = NULL;
	_cleanup_close_ int dirfd = open_parent(rootfd, n->path, &name, err);
	mode_t old;
	int r;

	if (dirfd < 0)
		return -1;
	old = umask(0);
	r = dev_make_in(dirfd, name, n, b, err);
	umask(old);
	return r;
}

/* All in /dev: one resolution of it and one umask change for all of them. */
int dev_create_defaults(int rootfd, const struct dev_host_bind *b, struct hutch_error **err)
{
	_cleanup_close_ int dev = fs_create_in_root(rootfd, "/dev", true, 0755, err);
	mode_t old;
	int r = 0;

	if (dev < 0)
		return herr_prefix(err, "create the default devices");
	old = umask(0);
	for (size_t i = 0; r == 0 && i < sizeof(default_devices) / sizeof(default_devices[0]); i++)
		if ((r = dev_make_in(dev, default_devices[i].path + 5, &default_devices[i], b,
		                     err)) < 0)
			herr_prefix(err, "create device %s", default_devices[i].path);
	umask(old);
	return r;
}

static int device_type(const char *t, mode_t *ret)
{
	if (!t || t[1] != '\0')
		return -1;
	switch (t[0]) {
	case 'c':
	case 'u':
		*ret = S_IFCHR;
		return 0;
	case 'b':
		*ret = S_IFBLK;
		return 0;
	case 'p':
		*ret = S_IFIFO;
		return 0;
	}
	return -1;
}

int dev_create(int rootfd, const struct spec_device *d, const struct dev_host_bind *b,
               struct hutch_error **err)
{
	_cleanup_free_ char *path = d->path ? fs_clean_path(d->path) : NULL;
	struct dev_node n = {
	    .path = path,
	    .major = (unsigned int)d->major,
	    .minor = (unsigned int)d->minor,
	    .perm = d->fileMode.set ? (mode_t)d->fileMode.value : 0666,
	    .uid = d->uid.set ? (uid_t)d->uid.value : 0,
	    .gid = d->gid.set ? (gid_t)d->gid.value : 0,
	};

	if (!d->path || d->path[0] != '/')
		return herr_msg(err, "device path %s: must be absolute",
		                d->path ? d->path : "(null)");
	if (device_type(d->type, &n.type) < 0)
		return herr_msg(err, "device %s: unknown type \"%s\"", d->path,
		                d->type ? d->type : "");
	if (dev_make(rootfd, &n, b, err) < 0)
		return herr_prefix(err, "create device %s", path);
	return 0;
}

/* Create symlink /dev/name -> target in dev unless something exists there;
 * with `replace`, whatever is there (not a directory) is removed first. */
static int make_symlink(int dev, const char *name, const char *target, bool replace,
                        struct hutch_error **err)
{
	if (replace && unlinkat(dev, name, 0) < 0 && errno != ENOENT)
		return herr_errno(err, errno, "remove /dev/%s", name);
	if (symlinkat(target, dev, name) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "symlink /dev/%s -> %s", name, target);
	return 0;
}

int dev_create_symlinks(int rootfd, struct hutch_error **err)
{
	static const char *const links[][2] = {
	    {"fd", "/proc/self/fd"},
	    {"stdin", "/proc/self/fd/0"},
	    {"stdout", "/proc/self/fd/1"},
	    {"stderr", "/proc/self/fd/2"},
	};
	_cleanup_close_ int dev = fs_create_in_root(rootfd, "/dev", true, 0755, err);
	struct hutch_error *ignored = NULL;
	int kcore;

	if (dev < 0)
		return herr_prefix(err, "/dev symlinks");
	if (make_symlink(dev, "ptmx", "pts/ptmx", true, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (make_symlink(dev, links[i][0], links[i][1], false, err) < 0)
			return -1;
	kcore = fs_open_in_root_optional(rootfd, "/proc/kcore", O_PATH, &ignored);
	herr_free(ignored);
	if (kcore < 0)
		return 0;
	close(kcore);
	return make_symlink(dev, "core", "/proc/kcore", false, err);
}
