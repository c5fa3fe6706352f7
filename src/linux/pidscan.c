/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding a container's processes without a cgroup: by pid namespace, or by
 * parentage from the init. */
#include "linux/pidscan.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct proc_entry {
	pid_t pid, ppid;
	bool in_ns; /* in the init's pid namespace */
};

static void push(pid_t **pids, size_t *n, pid_t p)
{
	*pids = xrealloc(*pids, (*n + 1) * sizeof(**pids));
	(*pids)[(*n)++] = p;
}

/* "PID (comm) S PPID ...": comm may hold spaces and parentheses. */
static pid_t read_ppid(int procfd, const char *name)
{
	_cleanup_free_ char *path = xasprintf("%s/stat", name);
	_cleanup_close_ int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	char buf[512];
	ssize_t len;
	int ppid;
	char *end;

	if (fd < 0 || (len = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[len] = '\0';
	end = strrchr(buf, ')');
	if (!end || sscanf(end + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* The pid namespace of `name` (a /proc entry) as device and inode; stat
 * follows the ns link, which needs the ptrace access an owner of the
 * container's user namespace, or root, has. */
static int ns_of(int procfd, const char *name, struct stat *ret)
{
	_cleanup_free_ char *path = xasprintf("%s/ns/pid", name);

	return fstatat(procfd, path, ret, 0);
}

static int read_all(int procfd, const struct stat *ns, struct proc_entry **ret, size_t *ret_n,
                    struct hutch_error **err)
{
	int dfd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct proc_entry *all = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return herr_errno(err, errno, "list /proc");
	}
	while ((de = readdir(d))) {
		long long pid;
		struct stat st;
		if (str_to_i64(de->d_name, &pid) < 0 || pid <= 0)
			continue;
		pid_t ppid = read_ppid(procfd, de->d_name);
		if (ppid < 0)
			continue; /* gone meanwhile */
		all = xrealloc(all, (n + 1) * sizeof(*all));
		all[n++] = (struct proc_entry){
		    .pid = (pid_t)pid,
		    .ppid = ppid,
		    .in_ns = ns && ns_of(procfd, de->d_name, &st) == 0 && st.st_ino == ns->st_ino &&
		             st.st_dev == ns->st_dev,
		};
	}
	*ret = all;
	*ret_n = n;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* init, then every process whose parent is already listed. */
static void descendants(const struct proc_entry *all, size_t n, pid_t init, pid_t **ret,
                        size_t *ret_n)
{
	push(ret, ret_n, init);
	for (size_t done = 0; done < *ret_n; done++)
		for (size_t i = 0; i < n; i++)
			if (all[i].ppid == (*ret)[done] && all[i].pid != init)
				push(ret, ret_n, all[i].pid);
}

int pidscan_container(pid_t init, pid_t **ret, size_t *ret_n, struct hutch_error **err)
{
	int procfd = procfs_root(err);
	_cleanup_free_ struct proc_entry *all = NULL;
	_cleanup_free_ char *name = xasprintf("%d", (int)init);
	struct stat self, ns;
	size_t n = 0;
	bool own_ns;

	*ret = NULL;
	*ret_n = 0;
	if (procfd < 0)
		return -1;
	if (ns_of(procfd, name, &ns) < 0)
		return errno == ENOENT || errno == ESRCH
		           ? 0
		           : herr_errno(err, errno, "/proc/%s/ns/pid", name);
	if (ns_of(procfd, "self", &self) < 0)
		return herr_errno(err, errno, "/proc/self/ns/pid");
	own_ns = ns.st_ino != self.st_ino || ns.st_dev != self.st_dev;
	if (read_all(procfd, own_ns ? &ns : NULL, &all, &n, err) < 0)
		return -1;
	if (own_ns) {
		for (size_t i = 0; i < n; i++)
			if (all[i].in_ns)
				push(ret, ret_n, all[i].pid);
	} else {
		descendants(all, n, init, ret, ret_n);
	}
	if (*ret_n)
		qsort(*ret, *ret_n, sizeof(**ret), cmp_pid);
	return 0;
}
