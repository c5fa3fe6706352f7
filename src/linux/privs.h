/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the process gives up for good before its execve: gaining privileges
 * (no_new_privs) and being inspected (dumpable). */
#ifndef HUTCH_LINUX_PRIVS_H
#define HUTCH_LINUX_PRIVS_H

#include "spec/spec.h"
#include "util/error.h"

/* prctl(PR_SET_NO_NEW_PRIVS, 1). */
int privs_set_no_new_privs(struct hutch_error **err);

/* prctl(PR_SET_DUMPABLE, 0): from here on /proc/<pid>/{fd,exe,environ,mem}
 * of this process - the host's hutch binary as exe, the runtime's sockets
 * and fds - open only to a holder of CAP_SYS_PTRACE (ptrace(2), "Ptrace
 * access mode checking"). Until then the process's full capabilities kept
 * container processes out (theirs must be a superset); call it just before
 * the capabilities drop to the container's. Not earlier: a non-dumpable
 * process's /proc/<pid> files belong to root of the user namespace its mm
 * belongs to - for a child cloned into a new user namespace, the runtime's -
 * so an unprivileged runtime could no longer write its uid_map or open its
 * /proc/<pid>/ns, and the process could no longer write its own
 * oom_score_adj, attr/exec or timens_offsets. */
int privs_set_nondumpable(struct hutch_error **err);

#endif
