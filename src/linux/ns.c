/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespace flags, setns by path, time namespace offsets. */
#include "linux/ns.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ns_clone_flag(enum spec_ns_type t)
{
	static const int flags[SPEC_NS__COUNT] = {
	    [SPEC_NS_PID] = CLONE_NEWPID,       [SPEC_NS_NETWORK] = CLONE_NEWNET,
	    [SPEC_NS_MOUNT] = CLONE_NEWNS,      [SPEC_NS_IPC] = CLONE_NEWIPC,
	    [SPEC_NS_UTS] = CLONE_NEWUTS,       [SPEC_NS_USER] = CLONE_NEWUSER,
	    [SPEC_NS_CGROUP] = CLONE_NEWCGROUP, [SPEC_NS_TIME] = CLONE_NEWTIME,
	};
	return flags[t];
}

const char *ns_proc_name(enum spec_ns_type t)
{
	static const char *const names[SPEC_NS__COUNT] = {
	    [SPEC_NS_PID] = "pid",       [SPEC_NS_NETWORK] = "net", [SPEC_NS_MOUNT] = "mnt",
	    [SPEC_NS_IPC] = "ipc",       [SPEC_NS_UTS] = "uts",     [SPEC_NS_USER] = "user",
	    [SPEC_NS_CGROUP] = "cgroup", [SPEC_NS_TIME] = "time",
	};
	return names[t];
}

int ns_new_flags(const struct spec *s)
{
	int flags = 0;

	if (!s->linux_)
		return 0;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++)
		if (!s->linux_->namespaces[i].path)
			flags |= ns_clone_flag(s->linux_->namespaces[i].type);
	return flags;
}

/* setns(fd) into a namespace of type t that was opened from `path`. */
static int ns_setns(int fd, enum spec_ns_type t, const char *path, struct hutch_error **err)
{
	if (setns(fd, ns_clone_flag(t)) == 0)
		return 0;
	if (errno == EINVAL)
		return herr_msg(err, "join %s namespace: %s is not a %s namespace",
		                spec_ns_type_name(t), path, spec_ns_type_name(t));
	return herr_errno(err, errno, "join %s namespace %s", spec_ns_type_name(t), path);
}

int ns_join(enum spec_ns_type t, const char *path, struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return herr_errno(err, errno, "open %s namespace %s", spec_ns_type_name(t), path);
	return ns_setns(fd, t, path, err);
}

int ns_join_all(const struct spec *s, bool skip_user, struct hutch_error **err)
{
	/* user first; mount last so the paths above still resolve on the host */
	static const enum spec_ns_type order[] = {SPEC_NS_USER,    SPEC_NS_IPC,  SPEC_NS_UTS,
	                                          SPEC_NS_NETWORK, SPEC_NS_PID,  SPEC_NS_CGROUP,
	                                          SPEC_NS_TIME,    SPEC_NS_MOUNT};
	int fds[SPEC_NS__COUNT];
	int r = 0;

	if (!s->linux_)
		return 0;
	/* open everything before joining anything: after setns(mnt) host paths are gone */
	for (size_t k = 0; k < SPEC_NS__COUNT; k++)
		fds[k] = -1;
	for (size_t i = 0; i < s->linux_->n_namespaces; i++) {
		const struct spec_namespace *n = &s->linux_->namespaces[i];
		if (!n->path || (skip_user && n->type == SPEC_NS_USER))
			continue;
		fds[n->type] = openat(AT_FDCWD, n->path, O_RDONLY | O_CLOEXEC);
		if (fds[n->type] < 0) {
			r = herr_errno(err, errno, "open %s namespace %s",
			               spec_ns_type_name(n->type), n->path);
			goto out;
		}
	}
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		enum spec_ns_type t = order[k];
		if (fds[t] < 0)
			continue;
		r = ns_setns(fds[t], t, spec_find_namespace(s, t)->path, err);
		if (r < 0)
			goto out;
	}
out:
	for (size_t k = 0; k < SPEC_NS__COUNT; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	return r;
}

int ns_write_time_offsets(const struct spec_linux *l, struct hutch_error **err)
{
	_cleanup_free_ char *buf = xstrdup("");

	for (size_t i = 0; l && i < l->n_timeOffsets; i++) {
		const struct spec_time_offset *o = &l->timeOffsets[i];
		char *n =
		    xasprintf("%s%s %lld %u\n", buf, o->clock, (long long)o->secs, o->nanosecs);
		free(buf);
		buf = n;
	}
	if (!*buf)
		return 0;
	if (procfs_write("self/timens_offsets", buf, strlen(buf), err) < 0)
		return herr_prefix(err, "set time namespace offsets");
	return 0;
}

/* 1 when the two ns directories name the same namespace of type t, 0 when
 * not, -1 when this kernel lacks the type. */
static int ns_shared_at(int dir, int self, enum spec_ns_type t)
{
	struct stat a, b;

	if (fstatat(dir, ns_proc_name(t), &a, 0) < 0 || fstatat(self, ns_proc_name(t), &b, 0) < 0)
		return -1;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int ns_open_all(pid_t pid, int ret_fds[SPEC_NS__COUNT], struct hutch_error **err)
{
	_cleanup_close_ int dir = -1, self = -1;
	char path[64];

	for (int t = 0; t < SPEC_NS__COUNT; t++)
		ret_fds[t] = -1;
	/* each name below is then one step from these, not a walk from /proc */
	snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	dir = openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return herr_errno(err, errno, "open %s", path);
	self = openat(AT_FDCWD, "/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0)
		return herr_errno(err, errno, "open /proc/self/ns");
	for (int t = 0; t < SPEC_NS__COUNT; t++) {
		const char *name = ns_proc_name((enum spec_ns_type)t);

		if (ns_shared_at(dir, self, (enum spec_ns_type)t) != 0)
			continue; /* shared with us, or the kernel lacks this type */
		ret_fds[t] = openat(dir, name, O_RDONLY | O_CLOEXEC);
		if (ret_fds[t] < 0) {
			int e = errno;
			for (int k = 0; k < t; k++)
				if (ret_fds[k] >= 0)
					close(ret_fds[k]);
			return herr_errno(err, e, "open %s/%s", path, name);
		}
	}
	return 0;
}
