/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uid_map / gid_map writing. */
#include "linux/idmap.h"
#include "util/cleanup.h"
#include "util/procfs.h"
#include "util/str.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *idmap_format(const struct spec_id_mapping *m, size_t n)
{
	char *buf = xstrdup("");

	for (size_t i = 0; i < n; i++) {
		char *next =
		    xasprintf("%s%u %u %u\n", buf, m[i].containerID, m[i].hostID, m[i].size);
		free(buf);
		buf = next;
	}
	return buf;
}

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
                     struct hutch_error **err)
{
	_cleanup_free_ char *text = NULL;
	char path[64];

	if (n == 0)
		return 0;
	text = idmap_format(m, n);
	snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
	if (procfs_write(path, text, strlen(text), err) < 0)
		return herr_prefix(err, "write %s mappings", file);
	return 0;
}

/* Without CAP_SETGID over the parent namespace, the kernel takes a gid_map
 * only once setgroups(2) is denied in the namespace (user_namespaces(7),
 * "The /proc/[pid]/setgroups file"): the case of a runtime run by an
 * unprivileged user. */
static int deny_setgroups(pid_t pid, struct hutch_error **err)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/setgroups", (int)pid);
	if (procfs_write(path, "deny", 4, err) < 0)
		return herr_prefix(err, "deny setgroups for an unprivileged gid_map");
	return 0;
}

int idmap_write(pid_t pid, const struct spec_linux *l, struct hutch_error **err)
{
	if (!l)
		return 0;
	if (write_map(pid, "uid_map", l->uidMappings, l->n_uidMappings, err) < 0)
		return -1;
	if (l->n_gidMappings && geteuid() != 0 && deny_setgroups(pid, err) < 0)
		return -1;
	return write_map(pid, "gid_map", l->gidMappings, l->n_gidMappings, err);
}
