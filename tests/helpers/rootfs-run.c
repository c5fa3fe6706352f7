/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test driver (root only, not installed): run a command in a bundle's root
 * filesystem set up by the rootfs assembly (src/linux/setup/rootfs/), in new
 * mount, pid, uts and ipc namespaces. Usage: rootfs-run [--no-pivot] [--cgroupns] [--userns] BUNDLE
 * CMD [ARG...]
 * --userns first enters a user namespace mapping every id to itself (root
 * there has no privileges over the host: mknod and sysfs need fallbacks).
 * config.json goes through the runtime's own parser and checks (spec_load,
 * spec_validate). Exits with the command's status; setup errors print one
 * line and exit 125. */
#include "linux/idmap.h"
#include "linux/mount.h"
#include "linux/setup/rootfs/rootfs.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The namespaces the driver makes, in the config as a runtime would have
 * them (the checks of sysctls and rootfsPropagation look for them). */
static void add_namespaces(struct spec *s, bool cgroupns)
{
	static const enum spec_ns_type made[] = {SPEC_NS_MOUNT, SPEC_NS_PID, SPEC_NS_UTS,
	                                         SPEC_NS_IPC, SPEC_NS_CGROUP};
	struct spec_linux *l = s->linux_;

	if (!l)
		l = s->linux_ = xcalloc(1, sizeof(*l));
	for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
		if ((made[i] == SPEC_NS_CGROUP && !cgroupns) || spec_find_namespace(s, made[i]))
			continue;
		l->namespaces =
		    xrealloc(l->namespaces, (l->n_namespaces + 1) * sizeof(*l->namespaces));
		l->namespaces[l->n_namespaces++] = (struct spec_namespace){.type = made[i]};
	}
}

/* <bundle>/config.json through the runtime's own parser and checks. */
static struct spec *load_spec(const char *bundle, bool cgroupns, struct hutch_error **err)
{
	_cleanup_spec_ struct spec *s = spec_load(bundle, err);

	if (!s)
		return NULL;
	add_namespaces(s, cgroupns);
	if (spec_validate(s, err) < 0)
		return NULL;
	return steal_ptr(&s);
}

static int fail(struct hutch_error *err)
{
	fprintf(stderr, "rootfs-run: %s\n", err ? err->msg : "unknown error");
	return 125;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* --userns: a user namespace mapping every id to itself, made up front so
 * that the idmapped trees can be built here, on the host side, as a runtime
 * must (the kernel refuses to idmap from inside the user namespace). */
static int make_userns(struct rootfs_opts *o, struct hutch_error **err)
{
	static const struct spec_id_mapping all = {0, 0, 4294967295U};
	int userns = -1, *fds = NULL;

	if (idmap_userns_new(&all, 1, &all, 1, &userns, err) < 0 ||
	    rootfs_bind_trees(o->spec, o->bundle, userns, &fds, err) < 0)
		return -1;
	o->userns_fd = userns;
	o->mount_fds = fds;
	return 0;
}

/* pid 1 of the new pid namespace: set the root up and exec. */
static int container_init(struct rootfs_opts *o, char **argv)
{
	struct hutch_error *err = NULL;
	struct rootfs *r = NULL;

	if (rootfs_prepare(o, &r, &err) < 0 || rootfs_pivot(r, &err) < 0 ||
	    rootfs_finalize(r, &err) < 0)
		return fail(err);
	rootfs_free(r);
	execvp(argv[0], argv);
	fprintf(stderr, "rootfs-run: exec %s: %s\n", argv[0], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	struct rootfs_opts o = {.userns_fd = -1};
	struct hutch_error *err = NULL;
	char bundle[PATH_MAX], rootfs[PATH_MAX];
	int i = 1, flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC;
	struct spec *spec;

	for (; i < argc && str_has_prefix(argv[i], "--"); i++) {
		if (strcmp(argv[i], "--no-pivot") == 0)
			o.no_pivot = true;
		else if (strcmp(argv[i], "--cgroupns") == 0)
			o.has_cgroupns = true;
		else if (strcmp(argv[i], "--userns") == 0)
			o.in_userns = true;
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: rootfs-run [--no-pivot] [--cgroupns] [--userns] BUNDLE CMD "
		                "[ARG...]\n");
		return 125;
	}
	if (!realpath(argv[i], bundle))
		return fprintf(stderr, "rootfs-run: %s: %s\n", argv[i], strerror(errno)), 125;
	o.bundle = bundle;
	spec = load_spec(bundle, o.has_cgroupns, &err);
	if (!spec)
		return fail(err);
	o.spec = spec;
	_cleanup_free_ char *rp = o.spec->root->path[0] == '/'
	                              ? xstrdup(o.spec->root->path)
	                              : xasprintf("%s/%s", bundle, o.spec->root->path);
	if (!realpath(rp, rootfs))
		return fprintf(stderr, "rootfs-run: %s: %s\n", rp, strerror(errno)), 125;
	o.rootfs = rootfs;
	if (o.has_cgroupns)
		flags |= CLONE_NEWCGROUP;
	/* as the runtime does: the container side inherits the verified procfs */
	if (procfs_root(&err) < 0)
		return fail(err);
	/* the namespaces are made in a child so this process stays on the host
	 * and the mounts die with the container */
	if (o.in_userns && make_userns(&o, &err) < 0)
		return fail(err);
	pid_t pid = fork();
	if (pid < 0)
		return 125;
	if (pid > 0) {
		int status = wait_child(pid);
		spec_free(spec);
		free((int *)o.mount_fds);
		return status;
	}
	/* the user namespace first, so that it owns the others */
	if (o.in_userns && setns(o.userns_fd, CLONE_NEWUSER) < 0) {
		fprintf(stderr, "rootfs-run: setns(user): %s\n", strerror(errno));
		_exit(125);
	}
	if (unshare(flags) < 0) {
		fprintf(stderr, "rootfs-run: unshare: %s\n", strerror(errno));
		_exit(125);
	}
	pid = fork();
	if (pid < 0)
		_exit(125);
	if (pid == 0)
		_exit(container_init(&o, argv + i + 1));
	_exit(wait_child(pid));
}
