/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec --cgroup: moving a process into an existing sub-cgroup of the container. */
#include "linux/cgroup/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const all_controllers[] = {
    "",     "cpu",     "cpuacct", "cpuset",   "memory",     "devices", "freezer", "blkio",
    "pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma",    "misc",    NULL};

static int enter_one(const struct cgroup *cg, const char *ctrl, const char *sub, pid_t pid,
                     bool required, char ***done, struct hutch_error **err)
{
	_cleanup_free_ char *dir = cgroup_get_dir(cg, ctrl);
	_cleanup_free_ char *procs = NULL;
	char buf[32];

	if (!dir) {
		if (required)
			return herr_msg(err, "cgroup controller \"%s\" is not available", ctrl);
		return 0;
	}
	procs = xasprintf("%s/%s/cgroup.procs", dir, sub);
	if (strv_contains(*done, procs)) /* controllers mounted together share a dir */
		return 0;
	if (access(procs, F_OK) < 0)
		return herr_msg(err, "sub-cgroup %s/%s does not exist", dir, sub);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (fs_write_file_at(AT_FDCWD, procs, buf, strlen(buf), err) < 0)
		return -1;
	strv_push(done, procs);
	return 0;
}

int cgroup_enter_sub(const struct cgroup *cg, const char *arg, pid_t pid, struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	_cleanup_strv_ char **done = NULL;
	char *colon = strchr(copy, ':');
	char *sub = colon ? colon + 1 : copy;
	int r = 0;

	if (colon)
		*colon = '\0';
	while (*sub == '/')
		sub++;
	if (!*sub || strstr(sub, "..") || strchr(sub, '\n'))
		return herr_msg(err,
		                "--cgroup %s: expected [CONTROLLER[,CONTROLLER]:]SUBPATH inside "
		                "the container's cgroup",
		                arg);
	if (!colon) {
		for (size_t i = 0; all_controllers[i] && r == 0; i++)
			r = enter_one(cg, all_controllers[i], sub, pid, false, &done, err);
		if (r == 0 && !done)
			r = herr_msg(err, "--cgroup %s: the container has no cgroup", arg);
	} else {
		for (char *save = NULL, *c = strtok_r(copy, ",", &save); c && r == 0;
		     c = strtok_r(NULL, ",", &save))
			r = enter_one(cg, c, sub, pid, true, &done, err);
	}
	return r < 0 ? herr_prefix(err, "exec --cgroup %s", arg) : 0;
}
