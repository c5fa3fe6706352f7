/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entries of passwd-format files (passwd(5)), parsed here rather than by a
 * libc extension, so that any C library will do. */
#include "util/passwd.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest line read: a container's /etc/passwd may be anything (linked
 * to /dev/zero, a line without end) and must not eat memory. */
#define PASSWD_LINE_MAX (64 * 1024)

/* name:password:uid:gid:gecos:dir:shell, seven fields and a decimal uid, or
 * the line does not count (a comment, a blank or malformed line). */
static bool parse_line(char *line, uid_t *uid, char **name, char **dir)
{
	char *field[7];
	unsigned long long v;

	line[strcspn(line, "\n")] = '\0';
	for (int i = 0; i < 7; i++) {
		field[i] = line;
		line = strchr(line, ':');
		if (!line != (i == 6))
			return false;
		if (line)
			*line++ = '\0';
	}
	if (!*field[0] || *field[0] == '#' || *field[2] < '0' || *field[2] > '9' ||
	    str_to_u64(field[2], &v) < 0 || v != (uid_t)v)
		return false;
	*uid = (uid_t)v;
	*name = field[0];
	*dir = field[5];
	return true;
}

static char *lookup(const char *path, uid_t uid, bool home)
{
	_cleanup_fclose_ FILE *f = fs_fopen_read(path);
	_cleanup_free_ char *buf = NULL;

	if (!f)
		return NULL;
	buf = xmalloc(PASSWD_LINE_MAX);
	while (fgets(buf, PASSWD_LINE_MAX, f)) {
		char *name, *dir;
		uid_t u;

		if (!strchr(buf, '\n') && !feof(f))
			return NULL; /* a line over the limit ends the search */
		if (!parse_line(buf, &u, &name, &dir) || u != uid)
			continue;
		if (home)
			return *dir ? xstrdup(dir) : NULL;
		return xstrdup(name);
	}
	return NULL;
}

char *passwd_name(const char *path, uid_t uid)
{
	return lookup(path, uid, false);
}

char *passwd_home(const char *path, uid_t uid)
{
	return lookup(path, uid, true);
}
