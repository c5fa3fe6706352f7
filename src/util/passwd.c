/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries of passwd-format files, parsed by libc's fgetpwent_r(3). */
#include "util/passwd.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* The longest line read: a container's /etc/passwd may be anything (linked
 * to /dev/zero, a line without end) and must not eat memory. */
#define PASSWD_LINE_MAX (64 * 1024)

/* fgetpwent_r parses the file (comments, malformed lines and all); on a line
 * longer than the buffer it rewinds to the line's start and says ERANGE. */
static char *lookup(const char *path, uid_t uid, bool home)
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
		if (pw.pw_uid != uid)
			continue;
		if (home)
			return *pw.pw_dir ? xstrdup(pw.pw_dir) : NULL;
		return xstrdup(pw.pw_name);
	}
}

char *passwd_name(const char *path, uid_t uid)
{
	return lookup(path, uid, false);
}

char *passwd_home(const char *path, uid_t uid)
{
	return lookup(path, uid, true);
}
