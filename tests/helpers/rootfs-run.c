/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test driver (root only, not installed): run a command in a bundle's root
 * filesystem set up by linux/rootfs.c, in new mount, pid, uts and ipc
 * namespaces. Usage: rootfs-run [--no-pivot] [--cgroupns] [--userns] BUNDLE CMD [ARG...]
 * --userns first enters a user namespace mapping every id to itself (root
 * there has no privileges over the host: mknod and sysfs need fallbacks).
 * Exits with the command's status; setup errors print one line and exit 125. */
#include "linux/mount.h"
#include "linux/rootfs.h"
#include "spec/json.h"
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

/* The subset of config.json the rootfs needs, read with json.h.
 * TODO: replace with spec_load()/spec_free() once the parser is in. */
static char *str_at(const json_node *obj, const char *key)
{
	const char *s = json_string(json_object_get(obj, key));

	return s ? xstrdup(s) : NULL;
}

static long long num_at(const json_node *obj, const char *key, bool *set)
{
	const char *t = json_number_text(json_object_get(obj, key));
	long long v = 0;

	*set = t && str_to_i64(t, &v) == 0;
	return v;
}

static char **strv_at(const json_node *obj, const char *key)
{
	const json_node *a = json_object_get(obj, key);
	char **v = NULL;

	for (size_t i = 0; i < json_len(a); i++)
		strv_push(&v, json_string(json_array_at(a, i)) ?: "");
	return v;
}

static struct spec_id_mapping *load_idmap(const json_node *a, size_t *ret_n)
{
	struct spec_id_mapping *m = xcalloc(json_len(a), sizeof(*m));
	bool set;

	*ret_n = json_len(a);
	for (size_t i = 0; i < *ret_n; i++) {
		const json_node *e = json_array_at(a, i);
		m[i].containerID = (uint32_t)num_at(e, "containerID", &set);
		m[i].hostID = (uint32_t)num_at(e, "hostID", &set);
		m[i].size = (uint32_t)num_at(e, "size", &set);
	}
	return m;
}

static void load_mounts(struct spec *s, const json_node *a)
{
	s->n_mounts = json_len(a);
	s->mounts = xcalloc(s->n_mounts, sizeof(*s->mounts));
	for (size_t i = 0; i < s->n_mounts; i++) {
		const json_node *m = json_array_at(a, i);
		s->mounts[i].destination = str_at(m, "destination");
		s->mounts[i].source = str_at(m, "source");
		s->mounts[i].type = str_at(m, "type");
		s->mounts[i].options = strv_at(m, "options");
		s->mounts[i].uidMappings =
		    load_idmap(json_object_get(m, "uidMappings"), &s->mounts[i].n_uidMappings);
		s->mounts[i].gidMappings =
		    load_idmap(json_object_get(m, "gidMappings"), &s->mounts[i].n_gidMappings);
	}
}

static void load_devices(struct spec_linux *l, const json_node *a)
{
	bool set;

	l->n_devices = json_len(a);
	l->devices = xcalloc(l->n_devices, sizeof(*l->devices));
	for (size_t i = 0; i < l->n_devices; i++) {
		const json_node *d = json_array_at(a, i);
		struct spec_device *dev = &l->devices[i];
		dev->type = str_at(d, "type");
		dev->path = str_at(d, "path");
		dev->major = num_at(d, "major", &set);
		dev->minor = num_at(d, "minor", &set);
		dev->fileMode.value = num_at(d, "fileMode", &dev->fileMode.set);
		dev->uid.value = num_at(d, "uid", &dev->uid.set);
		dev->gid.value = num_at(d, "gid", &dev->gid.set);
	}
}

static void load_linux(struct spec *s, const json_node *lj)
{
	struct spec_linux *l = xcalloc(1, sizeof(*l));
	const json_node *sysctl = json_object_get(lj, "sysctl");

	s->linux_ = l;
	/* the driver always unshares a mount namespace (main) */
	l->n_namespaces = 1;
	l->namespaces = xcalloc(1, sizeof(*l->namespaces));
	l->namespaces[0].type = SPEC_NS_MOUNT;
	load_devices(l, json_object_get(lj, "devices"));
	l->rootfsPropagation = str_at(lj, "rootfsPropagation");
	l->maskedPaths = strv_at(lj, "maskedPaths");
	l->readonlyPaths = strv_at(lj, "readonlyPaths");
	l->n_sysctl = json_len(sysctl);
	l->sysctl = xcalloc(l->n_sysctl, sizeof(*l->sysctl));
	for (size_t i = 0; i < l->n_sysctl; i++) {
		l->sysctl[i].key = xstrdup(json_object_key(sysctl, i));
		l->sysctl[i].value = xstrdup(json_string(json_object_value(sysctl, i)) ?: "");
	}
}

static struct spec *load_spec(const char *bundle, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	_cleanup_free_ char *text = NULL;
	size_t len;
	_cleanup_json_ json_node *doc = NULL;
	struct spec *s;
	const json_node *root;

	if (fs_read_file_at(AT_FDCWD, path, &text, &len, err) < 0)
		return NULL;
	doc = json_parse(path, text, len, err);
	if (!doc)
		return NULL;
	root = json_object_get(doc, "root");
	if (!json_string(json_object_get(root, "path"))) {
		herr_msg(err, "%s: .root.path: missing", path);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->root = xcalloc(1, sizeof(*s->root));
	s->root->path = str_at(root, "path");
	s->root->readonly = json_bool(json_object_get(root, "readonly"));
	load_mounts(s, json_object_get(doc, "mounts"));
	load_linux(s, json_object_get(doc, "linux"));
	return s;
}

static void free_spec(struct spec *s)
{
	struct spec_linux *l = s->linux_;

	for (size_t i = 0; i < s->n_mounts; i++) {
		struct spec_mount *m = &s->mounts[i];
		free(m->destination);
		free(m->source);
		free(m->type);
		strv_free(m->options);
		free(m->uidMappings);
		free(m->gidMappings);
	}
	free(s->mounts);
	for (size_t i = 0; i < l->n_devices; i++) {
		free(l->devices[i].type);
		free(l->devices[i].path);
	}
	free(l->devices);
	free(l->namespaces);
	for (size_t i = 0; i < l->n_sysctl; i++) {
		free(l->sysctl[i].key);
		free(l->sysctl[i].value);
	}
	free(l->sysctl);
	free(l->rootfsPropagation);
	strv_free(l->maskedPaths);
	strv_free(l->readonlyPaths);
	free(l);
	free(s->root->path);
	free(s->root);
	free(s);
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

	if (mount_userns_from_mappings(&all, 1, &all, 1, &userns, err) < 0 ||
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
	o.spec = load_spec(bundle, &err);
	if (!o.spec)
		return fail(err);
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
		free_spec((struct spec *)o.spec);
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
