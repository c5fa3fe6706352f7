/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Linux mount option table, and mounts onto targets resolved inside a root
 * (through /proc/self/fd/N, so the kernel never walks an untrusted path). */
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif

/* Flags mount(MS_REMOUNT|MS_BIND) changes on one mount. */
#define MS_PER_MOUNT                                                                               \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_NOSYMFOLLOW)
#define MS_ATIME_MASK  (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)
#define MS_PROPAGATION (MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE)

/* --- The option table ---------------------------------------------------- */

enum opt_kind {
	OPT_SET,      /* MS_* flag to set */
	OPT_CLEAR,    /* MS_* flag to clear */
	OPT_PROP,     /* propagation change, applied after the mount */
	OPT_REC_SET,  /* MOUNT_ATTR_* to set recursively */
	OPT_REC_CLR,  /* MOUNT_ATTR_* to clear recursively */
	OPT_REC_TIME, /* recursive atime mode (an enum in mount_setattr, not bits) */
	OPT_COPYUP,
	OPT_IDMAP,
	OPT_RIDMAP,
};

static const struct mount_option {
	const char *name;
	enum opt_kind kind;
	unsigned long flag;
} mount_options[] = {
    {"defaults", OPT_SET, 0},
    {"ro", OPT_SET, MS_RDONLY},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"nosuid", OPT_SET, MS_NOSUID},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"nodev", OPT_SET, MS_NODEV},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"noexec", OPT_SET, MS_NOEXEC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"sync", OPT_SET, MS_SYNCHRONOUS},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_SET, MS_DIRSYNC},
    {"remount", OPT_SET, MS_REMOUNT},
    {"mand", OPT_SET, MS_MANDLOCK},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"noatime", OPT_SET, MS_NOATIME},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"nodiratime", OPT_SET, MS_NODIRATIME},
    {"relatime", OPT_SET, MS_RELATIME},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"strictatime", OPT_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"lazytime", OPT_SET, MS_LAZYTIME},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"iversion", OPT_SET, MS_I_VERSION},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"silent", OPT_SET, MS_SILENT},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"bind", OPT_SET, MS_BIND},
    {"rbind", OPT_SET, MS_BIND | MS_REC},
    {"shared", OPT_PROP, MS_SHARED},
    {"rshared", OPT_PROP, MS_SHARED | MS_REC},
    {"slave", OPT_PROP, MS_SLAVE},
    {"rslave", OPT_PROP, MS_SLAVE | MS_REC},
    {"private", OPT_PROP, MS_PRIVATE},
    {"rprivate", OPT_PROP, MS_PRIVATE | MS_REC},
    {"unbindable", OPT_PROP, MS_UNBINDABLE},
    {"runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_REC_CLR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_REC_CLR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_REC_CLR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_REC_CLR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_REC_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    /* mount_setattr(2): the atime setting is a value under MOUNT_ATTR__ATIME;
     * "no<x>" falls back to the kernel default, relatime, except norelatime
     * which (as in mount(8)) means full atime updates. */
    {"rnoatime", OPT_REC_TIME, MOUNT_ATTR_NOATIME},
    {"ratime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME},
    {"tmpcopyup", OPT_COPYUP, 0},
    {"idmap", OPT_IDMAP, 0},
    {"ridmap", OPT_RIDMAP, 0},
};

#define N_MOUNT_OPTIONS (sizeof(mount_options) / sizeof(mount_options[0]))

const char *const *mount_known_options(void)
{
	static const char *names[N_MOUNT_OPTIONS + 1];

	if (!names[0])
		for (size_t i = 0; i < N_MOUNT_OPTIONS; i++)
			names[i] = mount_options[i].name;
	return names;
}

static const struct mount_option *option_find(const char *name)
{
	for (size_t i = 0; i < N_MOUNT_OPTIONS; i++)
		if (strcmp(mount_options[i].name, name) == 0)
			return &mount_options[i];
	return NULL;
}

static void data_append(char **data, const char *s)
{
	char *n = *data ? xasprintf("%s,%s", *data, s) : xstrdup(s);

	free(*data);
	*data = n;
}

static void option_apply(struct mount_opts *o, const struct mount_option *mo)
{
	switch (mo->kind) {
	case OPT_SET:
		o->flags |= mo->flag;
		o->clear &= ~mo->flag;
		break;
	case OPT_CLEAR:
		o->flags &= ~mo->flag;
		o->clear |= mo->flag;
		break;
	case OPT_PROP:
		o->propagation =
		    xrealloc(o->propagation, (o->n_propagation + 1) * sizeof(*o->propagation));
		o->propagation[o->n_propagation++] = mo->flag;
		break;
	case OPT_REC_SET:
		o->rec_set |= mo->flag;
		o->rec_clr &= ~mo->flag;
		break;
	case OPT_REC_CLR:
		o->rec_clr |= mo->flag;
		o->rec_set &= ~mo->flag;
		break;
	case OPT_REC_TIME:
		o->rec_clr |= MOUNT_ATTR__ATIME;
		o->rec_set = (o->rec_set & ~(uint64_t)MOUNT_ATTR__ATIME) | mo->flag;
		break;
	case OPT_COPYUP:
		o->tmpcopyup = true;
		break;
	case OPT_IDMAP:
		o->idmap = true;
		break;
	case OPT_RIDMAP:
		o->idmap = o->idmap_recursive = true;
		break;
	}
}

int mount_parse_options(char *const *options, struct mount_opts *ret, struct hutch_error **err)
{
	memset(ret, 0, sizeof(*ret));
	strv_foreach (opt, options) {
		const struct mount_option *mo = option_find(*opt);

		if (mo)
			option_apply(ret, mo);
		else if (**opt)
			data_append(&ret->data, *opt);
	}
	return 0;
}

void mount_opts_free(struct mount_opts *o)
{
	free(o->propagation);
	free(o->data);
	memset(o, 0, sizeof(*o));
}

/* --- Primitives ---------------------------------------------------------- */

static int sys_mount_setattr(int dfd, const char *path, unsigned int flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

int mount_setattr_fd(int fd, bool recursive, uint64_t set, uint64_t clr, int userns_fd,
                     struct hutch_error **err)
{
	struct mount_attr attr = {.attr_set = set, .attr_clr = clr};

	if (userns_fd >= 0)
		attr.userns_fd = (uint64_t)userns_fd;
	if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr) < 0)
		return herr_errno(err, errno, "mount_setattr");
	return 0;
}

/* The mount now on top of dest (re-resolved: an fd taken before a mount still
 * points at the covered directory). */
static int open_mount(int rootfd, const char *dest, struct hutch_error **err)
{
	return fs_open_in_root(rootfd, dest, O_PATH, err);
}

static unsigned long statfs_to_ms(unsigned long f)
{
	unsigned long ms = f & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

	if (f & ST_NOATIME)
		ms |= MS_NOATIME;
	if (f & ST_NODIRATIME)
		ms |= MS_NODIRATIME;
	if (f & ST_RELATIME)
		ms |= MS_RELATIME;
	if (f & ST_NOSYMFOLLOW)
		ms |= MS_NOSYMFOLLOW;
	if (!(ms & (MS_NOATIME | MS_RELATIME)))
		ms |= MS_STRICTATIME;
	return ms;
}

int mount_remount_flags(int mntfd, unsigned long set, unsigned long clear, struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];
	struct statfs sfs;
	unsigned long cur, flags;

	if (fstatfs(mntfd, &sfs) < 0)
		return herr_errno(err, errno, "statfs");
	cur = statfs_to_ms((unsigned long)sfs.f_flags);
	flags = cur;
	if ((set | clear) & MS_ATIME_MASK)
		flags &= ~MS_ATIME_MASK;
	flags = (flags & ~clear) | (set & MS_PER_MOUNT);
	fs_fd_path(mntfd, path);
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
		return 0;
	/* In a user namespace the kernel locks the flags a less privileged mount
	 * namespace inherited (mount_namespaces(7), "restrictions"); keep them. */
	unsigned long locked =
	    cur & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_ATIME_MASK | MS_NODIRATIME);
	if (errno == EPERM && (flags | locked) != flags) {
		if (locked & MS_ATIME_MASK)
			flags &= ~MS_ATIME_MASK;
		flags |= locked;
		if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0)
			return 0;
	}
	return herr_errno(err, errno, "remount");
}

int mount_apply_post(int rootfd, const char *dest, const struct mount_opts *o,
                     struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];

	if (o->n_propagation == 0 && o->rec_set == 0 && o->rec_clr == 0)
		return 0;
	_cleanup_close_ int fd = open_mount(rootfd, dest, err);
	if (fd < 0)
		return -1;
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount(NULL, fs_fd_path(fd, path), NULL, o->propagation[i], NULL) < 0)
			return herr_errno(err, errno, "set propagation");
	if ((o->rec_set || o->rec_clr) &&
	    mount_setattr_fd(fd, true, o->rec_set, o->rec_clr, -1, err) < 0)
		return herr_prefix(err, "set recursive attributes");
	return 0;
}

int mount_idmapped_tree(const char *source, const struct mount_opts *o, int userns_fd, int *ret_fd,
                        struct hutch_error **err)
{
	unsigned int rec = (o->flags & MS_REC) ? AT_RECURSIVE : 0;
	_cleanup_close_ int tree = -1;

	if (userns_fd < 0)
		return herr_msg(err, "idmap: no user namespace to take the mapping from");
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
	                    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (tree < 0)
		return herr_errno(err, errno, "open_tree %s", source);
	if (mount_setattr_fd(tree, o->idmap_recursive, MOUNT_ATTR_IDMAP, 0, userns_fd, err) < 0)
		return herr_prefix(err, "idmap %s", source);
	*ret_fd = steal_fd(&tree);
	return 0;
}

/* After the bind: a bind mount ignores every flag but MS_REC, so apply the
 * rest with a bind remount (mount(2), "Creating a bind mount"), then the
 * propagation and recursive attributes. */
static int finish_bind(int rootfd, const char *dest, const struct mount_opts *o,
                       struct hutch_error **err)
{
	if ((o->flags | o->clear) & MS_PER_MOUNT) {
		_cleanup_close_ int fd = open_mount(rootfd, dest, err);
		if (fd < 0 || mount_remount_flags(fd, o->flags, o->clear, err) < 0)
			return -1;
	}
	return mount_apply_post(rootfd, dest, o, err);
}

int mount_attach_tree(int tree_fd, int rootfd, const char *dest, const struct mount_opts *o,
                      struct hutch_error **err)
{
	_cleanup_close_ int target = fs_open_in_root(rootfd, dest, O_PATH, err);

	if (target < 0)
		return -1;
	if (syscall(SYS_move_mount, tree_fd, "", target, "",
	            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return herr_errno(err, errno, "move_mount");
	return finish_bind(rootfd, dest, o, err);
}

int mount_bind(const char *source, int rootfd, const char *dest, const struct mount_opts *o,
               int userns_fd, struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];

	if (o->idmap) {
		_cleanup_close_ int tree = -1;
		if (mount_idmapped_tree(source, o, userns_fd, &tree, err) < 0)
			return -1;
		return mount_attach_tree(tree, rootfd, dest, o, err);
	}
	_cleanup_close_ int target = fs_open_in_root(rootfd, dest, O_PATH, err);
	if (target < 0)
		return -1;
	if (mount(source, fs_fd_path(target, path), NULL, MS_BIND | (o->flags & MS_REC), NULL) < 0)
		return herr_errno(err, errno, "bind");
	return finish_bind(rootfd, dest, o, err);
}

static int copy_up(int lowerfd, int rootfd, const char *dest, struct hutch_error **err)
{
	_cleanup_close_ int src = openat(lowerfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dst = -1;

	if (src < 0)
		return herr_errno(err, errno, "tmpcopyup: open the covered directory");
	dst = fs_open_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, err);
	if (dst < 0)
		return -1;
	if (fs_copy_tree_at(src, dst, err) < 0)
		return herr_prefix(err, "tmpcopyup");
	return 0;
}

/* Make a freshly mounted filesystem read-only (after tmpcopyup filled it). */
static int remount_fresh_ro(int rootfd, const char *dest, unsigned long flags, const char *data,
                            struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];
	_cleanup_close_ int fd = open_mount(rootfd, dest, err);

	if (fd < 0)
		return -1;
	if (mount(NULL, fs_fd_path(fd, path), NULL, MS_REMOUNT | MS_RDONLY | flags, data) < 0)
		return herr_errno(err, errno, "remount read-only");
	return 0;
}

int mount_fs(const char *source, const char *type, int rootfd, const char *dest,
             const struct mount_opts *o, const char *extra_data, struct hutch_error **err)
{
	char path[FS_FD_PATH_MAX];
	_cleanup_free_ char *data = o->data ? xstrdup(o->data) : NULL;
	unsigned long flags = o->flags & ~(MS_BIND | MS_REC | MS_PROPAGATION);
	_cleanup_close_ int target = fs_open_in_root(rootfd, dest, O_PATH, err);

	if (target < 0)
		return -1;
	if (extra_data)
		data_append(&data, extra_data);
	/* tmpcopyup: keep the covered directory reachable through `target`,
	 * mount writable, copy, and only then make it read-only. */
	if (o->tmpcopyup)
		flags &= ~MS_RDONLY;
	if (mount(source, fs_fd_path(target, path), type, flags, data) < 0)
		return herr_errno(err, errno, "mount");
	if (o->tmpcopyup) {
		if (copy_up(target, rootfd, dest, err) < 0)
			return -1;
		if ((o->flags & MS_RDONLY) && remount_fresh_ro(rootfd, dest, flags, data, err) < 0)
			return -1;
	}
	return mount_apply_post(rootfd, dest, o, err);
}

/* --- User namespaces for idmapped mounts ------------------------------------ */

static int write_id_map(int procdir, const char *file, const struct spec_id_mapping *m, size_t n,
                        struct hutch_error **err)
{
	_cleanup_free_ char *text = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%u %u %u\n", text, m[i].containerID, m[i].hostID, m[i].size);
		free(text);
		text = t;
	}
	return procfs_write_at(procdir, file, text, strlen(text), err);
}

/* The helper's side: pass its /proc/<pid> of the verified procfs (right
 * whatever pid namespace we are in: the caller may be a container init whose
 * pids differ from the handle's), then wait until the parent hangs up. */
static _Noreturn void userns_helper(int sock)
{
	char c = 0;
	struct hutch_error *ignored = NULL;
	int fd = procfs_open("self", O_PATH | O_DIRECTORY, &ignored);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = {0};
	struct iovec iov = {&c, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) >= 0)
		while (read(sock, &c, 1) < 0 && errno == EINTR)
			;
	_exit(0);
}

static int recv_fd(int sock)
{
	char c;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {&c, 1};
	struct msghdr msg = {.msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = u.buf,
	                     .msg_controllen = sizeof(u.buf)};
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int userns_setup(int procdir, const struct spec_id_mapping *uids, size_t n_uids,
                        const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                        struct hutch_error **err)
{
	int fd;

	if (write_id_map(procdir, "uid_map", uids, n_uids, err) < 0 ||
	    write_id_map(procdir, "gid_map", gids, n_gids, err) < 0)
		return -1;
	fd = openat(procdir, "ns/user", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return herr_errno(err, errno, "open ns/user");
	*ret_fd = fd;
	return 0;
}

int mount_userns_from_mappings(const struct spec_id_mapping *uids, size_t n_uids,
                               const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                               struct hutch_error **err)
{
	int sk[2], r = -1;

	/* the helper inherits the verified procfs handle */
	if (procfs_root(err) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sk) < 0)
		return herr_errno(err, errno, "socketpair");
	/* fork-like clone: the helper only sends a fd and waits, so skipping
	 * the libc fork handlers is harmless */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		close(sk[0]);
		userns_helper(sk[1]);
	}
	close(sk[1]);
	if (pid < 0) {
		close(sk[0]);
		return herr_errno(err, errno, "user namespace for an idmapped mount: clone");
	}
	int procdir = recv_fd(sk[0]);
	if (procdir < 0)
		herr_errno(err, errno, "receive the helper's /proc entry");
	else
		r = userns_setup(procdir, uids, n_uids, gids, n_gids, ret_fd, err);
	if (procdir >= 0)
		close(procdir);
	close(sk[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		herr_prefix(err, "user namespace for an idmapped mount");
	return r;
}
