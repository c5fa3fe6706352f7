/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The processes of a container that has no cgroup (rootless without a
 * delegated one, --cgroup-manager disabled), found in /proc. */
#ifndef HUTCH_LINUX_PIDSCAN_H
#define HUTCH_LINUX_PIDSCAN_H

#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Every process (host pids, ascending) in the pid namespace of `init` when
 * that is not the caller's; otherwise `init` and its descendants, which is
 * all that can be told apart without a cgroup (a process `exec` started is
 * then not among them). Reads the runtime's verified procfs (util/procfs.h);
 * processes that vanish meanwhile are skipped. An init that is gone gives
 * an empty list. *ret is malloc'd (NULL when empty); the caller frees it. */
int pidscan_container(pid_t init, pid_t **ret, size_t *ret_n, struct hutch_error **err);

#endif
