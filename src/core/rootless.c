/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rootless detection and the default state directory of an unprivileged
 * user. */
#include "core/rootless.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int rootless_parse_mode(const char *s, enum rootless_mode *ret, struct hutch_error **err)
{
	if (!s || strcmp(s, "auto") == 0)
		*ret = ROOTLESS_AUTO;
	else if (strcmp(s, "true") == 0)
		*ret = ROOTLESS_TRUE;
	else if (strcmp(s, "false") == 0)
		*ret = ROOTLESS_FALSE;
	else
		return herr_msg(err, "invalid --rootless '%s': expected auto, true or false", s);
	return 0;
}

bool rootless_in_userns(void)
{
	_cleanup_free_ char *map = NULL;
	struct hutch_error *e = NULL;
	unsigned long long inside, outside, count;

	if (procfs_read("self/uid_map", &map, NULL, &e) < 0) {
		herr_free(e);
		return false; /* a kernel without user namespaces */
	}
	if (sscanf(map, "%llu %llu %llu", &inside, &outside, &count) != 3)
		return true; /* no map at all: a namespace nobody mapped */
	return !(inside == 0 && outside == 0 && count == 4294967295ULL);
}

bool rootless_resolve(enum rootless_mode m)
{
	if (m != ROOTLESS_AUTO)
		return m == ROOTLESS_TRUE;
	return geteuid() != 0 || rootless_in_userns();
}

bool rootless_is(const char *arg)
{
	enum rootless_mode m = ROOTLESS_AUTO;
	struct hutch_error *e = NULL;

	if (rootless_parse_mode(arg, &m, &e) < 0)
		herr_free(e);
	return rootless_resolve(m);
}

/* runc's rule: an unprivileged user keeps state under XDG_RUNTIME_DIR; so
 * does root of a user namespace made for a user (rootlesskit keeps $USER),
 * while the host's root keeps /run even when XDG_RUNTIME_DIR is set. */
static bool wants_xdg(void)
{
	const char *user = getenv("USER");

	if (geteuid() != 0)
		return true;
	return getenv("XDG_RUNTIME_DIR") && rootless_in_userns() && (!user || strcmp(user, "root"));
}

/* XDG_RUNTIME_DIR must be the caller's own (XDG Base Directory spec: owned
 * by the user, mode 0700): anyone else able to write there could replace
 * the state of the user's containers. */
static int check_runtime_dir(const char *dir, struct hutch_error **err)
{
	struct stat st;

	if (dir[0] != '/')
		return herr_msg(err, "XDG_RUNTIME_DIR \"%s\" is not an absolute path", dir);
	if (stat(dir, &st) < 0)
		return herr_errno(err, errno, "XDG_RUNTIME_DIR %s", dir);
	if (!S_ISDIR(st.st_mode))
		return herr_msg(err, "XDG_RUNTIME_DIR %s is not a directory", dir);
	if (st.st_uid != geteuid())
		return herr_msg(err,
		                "XDG_RUNTIME_DIR %s belongs to uid %u, not to the caller (uid %u)",
		                dir, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return herr_msg(err, "XDG_RUNTIME_DIR %s is writable by others (mode %04o)", dir,
		                (unsigned)(st.st_mode & 07777));
	if (access(dir, W_OK | X_OK) < 0)
		return herr_errno(err, errno, "XDG_RUNTIME_DIR %s", dir);
	return 0;
}

int rootless_state_root(char **ret, struct hutch_error **err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (!wants_xdg()) {
		*ret = xstrdup("/run/hutch");
		return 0;
	}
	if (!xdg || !*xdg)
		return herr_msg(err,
		                "rootless: XDG_RUNTIME_DIR is not set: an unprivileged user's "
		                "containers keep their state in $XDG_RUNTIME_DIR/hutch; set it "
		                "to a directory of your own (mode 0700) or pass --root DIR");
	if (check_runtime_dir(xdg, err) < 0)
		return herr_prefix(err, "rootless: cannot keep the state in $XDG_RUNTIME_DIR/hutch "
		                        "(pass --root DIR to choose another place)");
	*ret = xasprintf("%s/hutch", xdg);
	return 0;
}
