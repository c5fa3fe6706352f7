/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User namespace id maps: written by the runtime (parent) for the child, or
 * for a user namespace of its own that idmapped mounts are mapped through. */
#ifndef HUTCH_LINUX_IDMAP_H
#define HUTCH_LINUX_IDMAP_H

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Write /proc/<pid>/uid_map and gid_map from linux.uidMappings/gidMappings.
 * Each file is written with a single write(2), as the kernel requires. */
int idmap_write(pid_t pid, const struct spec_linux *l, struct hutch_error **err);

/* Create a user namespace with the given mappings (the caller must be
 * privileged over the IDs: host root or their owner) and return an O_CLOEXEC
 * fd on it in *ret_fd, for idmapped mounts. Forks a short-lived helper. */
int idmap_userns_new(const struct spec_id_mapping *uids, size_t n_uids,
                     const struct spec_id_mapping *gids, size_t n_gids, int *ret_fd,
                     struct hutch_error **err);

#endif
