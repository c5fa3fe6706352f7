/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/self/mountinfo as an array of entries (proc(5) format, octal escapes
 * such as \040 decoded). */
#ifndef HUTCH_UTIL_MOUNTINFO_H
#define HUTCH_UTIL_MOUNTINFO_H

#include <stddef.h>

#include "util/error.h"

struct mountinfo_entry {
	int id;
	int parent_id;
	char *root;        /* the mounted subtree of the filesystem, "/" for a whole one */
	char *mount_point; /* in the reader's root */
	char *mount_opts;  /* per-mount: "rw,nosuid,relatime" */
	char *fstype;
	char *source;
	char *super_opts; /* per-superblock: "rw,cpu,cpuacct" */
};

struct mountinfo {
	size_t n;
	struct mountinfo_entry *e;
};

/* Parse mountinfo text (as read from /proc/PID/mountinfo) into *ret. Malformed
 * lines are an error naming the line. Free with mountinfo_free. */
int mountinfo_parse(const char *text, struct mountinfo *ret, struct hutch_error **err);
/* Read (through util/procfs.h) and parse /proc/self/mountinfo. */
int mountinfo_read(struct mountinfo *ret, struct hutch_error **err);
void mountinfo_free(struct mountinfo *m);

#endif
