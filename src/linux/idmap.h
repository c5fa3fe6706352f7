/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User namespace id maps, written by the runtime (parent) for the child. */
#ifndef HUTCH_LINUX_IDMAP_H
#define HUTCH_LINUX_IDMAP_H

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Render mappings as the kernel's "inside outside count\n" lines. Caller frees. */
char *idmap_format(const struct spec_id_mapping *m, size_t n);

/* Write /proc/<pid>/uid_map and gid_map from linux.uidMappings/gidMappings.
 * Each file is written with a single write(2), as the kernel requires. */
int idmap_write(pid_t pid, const struct spec_linux *l, struct hutch_error **err);

#endif
