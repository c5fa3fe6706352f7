/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespaces: clone flags per OCI type, joining by path, time offsets. */
#ifndef HUTCH_LINUX_NS_H
#define HUTCH_LINUX_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* CLONE_NEW* flag of an OCI namespace type. */
int ns_clone_flag(enum spec_ns_type t);
/* Name of the type under /proc/<pid>/ns/ ("net", "mnt", ...). */
const char *ns_proc_name(enum spec_ns_type t);

/* Flags for the namespaces the config asks to create (no path). */
int ns_new_flags(const struct spec *s);

/* Join the namespace at `path` (setns). Fails naming the path when it is not
 * a namespace of type t. */
int ns_join(enum spec_ns_type t, const char *path, struct hutch_error **err);

/* Join every namespace the config gives a path for, user first (joining a
 * user namespace changes what the others may do), then the rest in the
 * order runc uses. `skip_user` leaves the user namespace alone. */
int ns_join_all(const struct spec *s, bool skip_user, struct hutch_error **err);

/* Write linux.timeOffsets to /proc/self/timens_offsets. Must run after
 * unshare(CLONE_NEWTIME) and before any process enters the namespace. */
int ns_write_time_offsets(const struct spec_linux *l, struct hutch_error **err);

/* Open /proc/<pid>/ns/<name> for each namespace of process pid that is not
 * ours (used by exec): ret_fds[type] is -1 where it is shared or the kernel
 * lacks the type. Fails when pid is gone, rather than join nothing. */
int ns_open_all(pid_t pid, int ret_fds[SPEC_NS__COUNT], struct hutch_error **err);

#endif
