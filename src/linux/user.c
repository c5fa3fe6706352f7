/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Groups, gid, uid, umask of the container process; HOME from /etc/passwd. */
#include "linux/user.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/passwd.h"
#include "util/procfs.h"
#include "util/str.h"

#include <errno.h>
#include <grp.h>
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
	home = passwd_home("/etc/passwd", uid);
	if (slot) {
		free(*slot);
		*slot = xasprintf("HOME=%s", home ? home : "/");
		return;
	}
	_cleanup_free_ char *entry = xasprintf("HOME=%s", home ? home : "/");
	strv_push(env, entry);
}
