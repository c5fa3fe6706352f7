/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Groups, gid, uid, umask of the container process; HOME from /etc/passwd. */
#include "linux/user.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool user_setgroups_allowed(void)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct hutch_error *ignored = NULL;

	if (procfs_read("self/setgroups", &buf, NULL, &ignored) < 0)
		return true;
	return !str_has_prefix(buf, "deny");
}

static int apply_groups(const struct spec_user *u, bool allowed, struct hutch_error **err)
{
	_cleanup_free_ gid_t *gids = NULL;

	if (!allowed) {
		if (u->n_additionalGids > 0)
			log_warn("config.json: .process.user.additionalGids: ignored, setgroups is "
			         "denied in "
			         "this user namespace");
		return 0;
	}
	if (u->n_additionalGids > 0) {
		gids = xcalloc(u->n_additionalGids, sizeof(gid_t));
		for (size_t i = 0; i < u->n_additionalGids; i++)
			gids[i] = (gid_t)u->additionalGids[i];
	}
	if (setgroups(u->n_additionalGids, gids) < 0)
		return herr_errno(err, errno, "setgroups (%zu additional gids)",
		                  u->n_additionalGids);
	return 0;
}

int user_apply(const struct spec_user *u, bool setgroups_allowed, struct hutch_error **err)
{
	if (apply_groups(u, setgroups_allowed, err) < 0)
		return -1;
	/* gid first: after the uid change we may no longer be allowed to. */
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return herr_errno(err, errno, "setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return herr_errno(err, errno, "setresuid %u", u->uid);
	umask(u->umask.set ? (mode_t)(u->umask.value & 07777) : 0022);
	return 0;
}

/* The longest passwd line read: the image is the container's, and a line
 * without end (a /etc/passwd linked to /dev/zero) must not eat memory. */
#define PASSWD_LINE_MAX (64 * 1024)

/* libc's fgetpwent_r(3) parses the file (comments, malformed lines and all),
 * never NSS: the file is the container's, not the host's users. On a line
 * longer than the buffer it rewinds to the line's start and says ERANGE. */
char *user_passwd_home(const char *path, uid_t uid)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t size = 1024;

	if (!f)
		return NULL;
	buf = xmalloc(size);
	for (;;) {
		struct passwd pw, *found = NULL;
		int r = fgetpwent_r(f, &pw, buf, size, &found);

		if (r == ERANGE && size < PASSWD_LINE_MAX) {
			size *= 4;
			free(buf);
			buf = xmalloc(size);
			continue;
		}
		if (r != 0 || !found)
			return NULL;
		if (pw.pw_uid == uid)
			return *pw.pw_dir ? xstrdup(pw.pw_dir) : NULL;
	}
}

void user_home_env(char ***env, uid_t uid)
{
	_cleanup_free_ char *home = NULL;
	char **slot = NULL;

	for (char **e = *env; e && *e; e++) {
		if (!str_has_prefix(*e, "HOME="))
			continue;
		if ((*e)[5] != '\0')
			return;
		slot = e;
	}
	home = user_passwd_home("/etc/passwd", uid);
	if (slot) {
		free(*slot);
		*slot = xasprintf("HOME=%s", home ? home : "/");
		return;
	}
	_cleanup_free_ char *entry = xasprintf("HOME=%s", home ? home : "/");
	strv_push(env, entry);
}
