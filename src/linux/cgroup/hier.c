/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding the mounted hierarchies under the cgroup mount root (unified,
 * hybrid or legacy) and working out paths inside them. */
#include "linux/cgroup/internal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cg_dir(const struct cgroup_hier *h)
{
	if (strcmp(h->path, "/") == 0)
		return xstrdup(h->mount);
	return xasprintf("%s%s", h->mount, h->path);
}

bool cg_hier_has(const struct cgroup_hier *h, const char *c)
{
	size_t len = strlen(c);

	if (h->v2)
		return false;
	for (const char *p = h->controllers; *p;) {
		size_t l = strcspn(p, ",");
		if (l == len && strncmp(p, c, len) == 0)
			return true;
		p += l;
		if (*p == ',')
			p++;
	}
	return false;
}

const struct cgroup_hier *cg_find(const struct cgroup *cg, const char *c)
{
	for (size_t i = 0; i < cg->n_hier; i++) {
		const struct cgroup_hier *h = &cg->hier[i];
		if (*c == '\0' ? h->v2 : cg_hier_has(h, c))
			return h;
	}
	return NULL;
}

bool cg_v2_has_controller(const char *dir, const char *c)
{
	_cleanup_free_ char *s = NULL;
	struct hutch_error *e = NULL;
	size_t len = strlen(c);

	if (cg_read(dir, "cgroup.controllers", &s, &e) < 0) {
		herr_free(e);
		return false;
	}
	for (char *p = s; *p;) {
		p += strspn(p, " \n");
		size_t l = strcspn(p, " \n");
		if (l == len && strncmp(p, c, len) == 0)
			return true;
		p += l;
	}
	return false;
}

int cg_clean_path(const char *in, char **ret, struct hutch_error **err)
{
	_cleanup_free_ char *out = xcalloc(1, strlen(in) + 2);
	size_t o = 0;

	for (const char *p = in; *p;) {
		size_t l = strcspn(p, "/");
		if (l == 2 && strncmp(p, "..", 2) == 0)
			return herr_msg(err, "cgroup path %s: \"..\" is not allowed", in);
		if (l > 0 && !(l == 1 && *p == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, l);
			o += l;
		}
		p += l;
		if (*p == '/')
			p++;
	}
	if (o == 0)
		return herr_msg(err, "cgroup path \"%s\" names the root cgroup", in);
	out[o] = '\0';
	*ret = steal_ptr(&out);
	return 0;
}

static void add_hier(struct cgroup *cg, bool v2, const char *controllers, const char *mount)
{
	cg->hier = xrealloc(cg->hier, (cg->n_hier + 1) * sizeof(*cg->hier));
	cg->hier[cg->n_hier++] = (struct cgroup_hier){
	    .v2 = v2,
	    .controllers = xstrdup(controllers),
	    .mount = xstrdup(mount),
	};
}

/* Keep only the super options that name controllers ("rw,relatime,cpu,cpuacct"). */
static char *controllers_from_opts(const char *opts)
{
	static const char *const skip[] = {
	    "rw",     "ro",    "relatime",       "noatime",  "nosuid",         "nodev",
	    "noexec", "xattr", "clone_children", "noprefix", "cpuset_v2_mode", NULL};
	_cleanup_free_ char *copy = xstrdup(opts);
	char *out = xcalloc(1, strlen(opts) + 1);

	for (char *t = strtok(copy, ","); t; t = strtok(NULL, ",")) {
		if (strv_contains((char **)skip, t) || str_has_prefix(t, "release_agent="))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, t);
	}
	return out;
}

/* v1 hierarchies mounted directly below root, from /proc/self/mountinfo. */
static void v1_from_mountinfo(struct cgroup *cg, const char *root)
{
	_cleanup_free_ char *buf = xmalloc(16384); /* freed after the fclose below */
	_cleanup_fclose_ FILE *f = fs_fopen_read("/proc/self/mountinfo");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, rlen = strlen(root);

	if (!f)
		return;
	/* the whole file in one or two reads, not 1 KiB ones (the size of a
	 * buffer stdio allocates itself is its own choice: hence ours) */
	setvbuf(f, buf, _IOFBF, 16384);
	while (getline(&line, &cap, f) > 0) {
		char mp[4096], fstype[64], opts[1024];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (strcmp(fstype, "cgroup") != 0 || strncmp(mp, root, rlen) != 0 ||
		    mp[rlen] != '/' || strchr(mp + rlen + 1, '/'))
			continue;
		_cleanup_free_ char *ctl = controllers_from_opts(opts);
		add_hier(cg, false, ctl, mp);
	}
}

/* Fallback for fixture trees: every real directory holding cgroup.procs is a
 * hierarchy named after its controllers ("cpu,cpuacct"; "systemd" is the
 * named systemd hierarchy). */
static int v1_from_dirs(struct cgroup *cg, const char *root, struct hutch_error **err)
{
	struct dirent **names = NULL;
	int n = scandir(root, &names, NULL, alphasort);

	if (n < 0)
		return herr_errno(err, errno, "scan %s", root);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		_cleanup_free_ char *dir = xasprintf("%s/%s", root, name);
		struct stat st;
		if (name[0] != '.' && strcmp(name, "unified") != 0 && lstat(dir, &st) == 0 &&
		    S_ISDIR(st.st_mode) && cg_exists(dir, "cgroup.procs"))
			add_hier(cg, false, strcmp(name, "systemd") == 0 ? "name=systemd" : name,
			         dir);
		free(names[i]);
	}
	free(names);
	return 0;
}

int cg_discover(struct cgroup *cg, struct hutch_error **err)
{
	const char *root = cg->mount_root;
	_cleanup_free_ char *unified = xasprintf("%s/unified", root);

	if (cg_exists(root, "cgroup.controllers")) {
		cg->mode = CGROUP_MODE_UNIFIED;
		add_hier(cg, true, "", root);
		return 0;
	}
	v1_from_mountinfo(cg, root);
	if (cg->n_hier == 0 && v1_from_dirs(cg, root, err) < 0)
		return -1;
	if (cg->n_hier == 0)
		return herr_msg(err, "no cgroup hierarchy found under %s", root);
	if (cg_exists(unified, "cgroup.controllers")) {
		cg->mode = CGROUP_MODE_HYBRID;
		add_hier(cg, true, "", unified);
	} else {
		cg->mode = CGROUP_MODE_LEGACY;
	}
	return 0;
}

/* Does the /proc/self/cgroup controller list `list` name a controller of h? */
static bool line_matches(const struct cgroup_hier *h, const char *list)
{
	if (h->v2)
		return *list == '\0';
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, ",");
		_cleanup_free_ char *c = xstrndup(p, l);
		if (cg_hier_has(h, c))
			return true;
		p += l;
		if (*p == ',')
			p++;
	}
	return false;
}

int cg_self_path(const char *self_file, const struct cgroup_hier *h, char **ret,
                 struct hutch_error **err)
{
	_cleanup_free_ char *s = NULL;

	if (fs_read_file_at(AT_FDCWD, self_file, &s, NULL, err) < 0)
		return -1;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (line_matches(h, c1 + 1)) {
			*ret = xstrdup(c2 + 1);
			return 0;
		}
	}
	return herr_msg(err, "%s: no entry for the %s hierarchy", self_file,
	                h->v2 ? "cgroup v2" : h->controllers);
}
