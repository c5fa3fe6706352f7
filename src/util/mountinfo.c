/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser for /proc/self/mountinfo (proc(5)). */
#include "util/mountinfo.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* Copy a field, decoding the kernel's \ooo escapes (space, tab, newline, \). */
static char *unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ =
			    (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Split a line into space-separated fields; returns how many were found. */
static size_t split_fields(const char *line, const char **start, size_t *len, size_t max)
{
	size_t n = 0;

	while (*line && n < max) {
		line += strspn(line, " ");
		if (!*line)
			break;
		start[n] = line;
		len[n] = strcspn(line, " ");
		line += len[n];
		n++;
	}
	return n;
}

static int parse_line(const char *line, struct mountinfo_entry *e)
{
	const char *f[64];
	size_t l[64], n = split_fields(line, f, l, 64), sep = 0;

	for (size_t i = 6; i < n; i++)
		if (l[i] == 1 && f[i][0] == '-') {
			sep = i;
			break;
		}
	if (n < 9 || sep == 0 || sep + 2 >= n)
		return -1;
	e->id = atoi(f[0]);
	e->parent_id = atoi(f[1]);
	e->root = unescape(f[3], l[3]);
	e->mount_point = unescape(f[4], l[4]);
	e->mount_opts = unescape(f[5], l[5]);
	e->fstype = unescape(f[sep + 1], l[sep + 1]);
	e->source = unescape(f[sep + 2], l[sep + 2]);
	e->super_opts = sep + 3 < n ? unescape(f[sep + 3], l[sep + 3]) : xstrdup("");
	return 0;
}

int mountinfo_parse(const char *text, struct mountinfo *ret, struct hutch_error **err)
{
	struct mountinfo m = {0};
	size_t lineno = 0;

	while (*text) {
		size_t len = strcspn(text, "\n");
		_cleanup_free_ char *line = xstrndup(text, len);

		text += len + (text[len] == '\n');
		lineno++;
		if (len == 0)
			continue;
		m.e = xrealloc(m.e, (m.n + 1) * sizeof(*m.e));
		memset(&m.e[m.n], 0, sizeof(m.e[m.n]));
		if (parse_line(line, &m.e[m.n]) < 0) {
			mountinfo_free(&m);
			return herr_msg(err, "mountinfo line %zu: malformed", lineno);
		}
		m.n++;
	}
	*ret = m;
	return 0;
}

int mountinfo_read(struct mountinfo *ret, struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;

	if (procfs_read("self/mountinfo", &text, NULL, err) < 0)
		return -1;
	return mountinfo_parse(text, ret, err);
}

void mountinfo_free(struct mountinfo *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct mountinfo_entry *e = &m->e[i];
		free(e->root);
		free(e->mount_point);
		free(e->mount_opts);
		free(e->fstype);
		free(e->source);
		free(e->super_opts);
	}
	free(m->e);
	m->e = NULL;
	m->n = 0;
}
