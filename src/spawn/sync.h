/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent/child protocol: framed messages over one SOCK_SEQPACKET
 * socketpair, {type, length, payload} with optional fds as SCM_RIGHTS.
 *
 *  who sends   message            payload / fd          reply
 *  ---------   -----------------  --------------------  ---------------------------
 *  parent      SYNC_GO            -                     (none) child starts setup; uid/gid
 *                                                       maps are written and v1 cgroups
 *                                                       entered before it is sent
 *  parent      SYNC_MOUNT_FD      int32 mount index,    (none) a bind source tree (idmapped
 *                                 fd detached tree      for idmap/ridmap) the parent built
 *                                                       for spec->mounts[i] (a child in a
 *                                                       user namespace may not); sent
 *                                                       before SYNC_GO or SYNC_MAPS_DONE
 *  child       SYNC_MAPS          -                     SYNC_MAPS_DONE: (join path only)
 *                                                       the child unshared a user ns;
 *                                                       the parent writes its maps
 *  child       SYNC_PID           int32 init pid        (none) the child forked the real
 *                                                       init into a pid ns; the sender
 *                                                       exits afterwards
 *  child       SYNC_HOOKS         -                     SYNC_HOOKS_DONE: payload = state
 *                                                       JSON; parent moved linux.netDevices
 *                                                       into the init's network ns, then
 *                                                       ran prestart and createRuntime hooks
 *  child       SYNC_PTY           - , fd pty master     (none)
 *  child       SYNC_SECCOMP       - , fd notify         SYNC_SECCOMP_DONE: parent sent the
 *                                                       fd to linux.seccomp.listenerPath
 *  child       SYNC_READY         -                     (none) init is set up and blocks
 *                                                       on exec.fifo (or, for exec, is
 *                                                       about to execve)
 *  either      SYNC_ERROR         int32 errno + text    (none) the sender gives up and exits
 *
 * Whoever receives SYNC_ERROR turns it into its own error (sync_expect does
 * this), so the user sees one line naming what failed on the other side. The
 * executable is resolved and checked before SYNC_READY, so a missing one fails
 * create; an execve failure after that is printed on the container's stderr
 * and the process exits 127 (not found) or 126. */
#ifndef HUTCH_SPAWN_SYNC_H
#define HUTCH_SPAWN_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum sync_type {
	SYNC_GO = 1,
	SYNC_MAPS,
	SYNC_MAPS_DONE,
	SYNC_PID,
	SYNC_HOOKS,
	SYNC_HOOKS_DONE,
	SYNC_PTY,
	SYNC_SECCOMP,
	SYNC_SECCOMP_DONE,
	SYNC_READY,
	SYNC_ERROR,
	SYNC_MOUNT_FD,
};

#define SYNC_MAX_PAYLOAD (64 * 1024)

struct sync_msg {
	enum sync_type type;
	size_t len;
	char *payload; /* malloc'd, NUL-terminated (len excludes the NUL); NULL when len == 0 */
	int fd;        /* received fd or -1 */
};

const char *sync_type_name(enum sync_type t);

/* Make the socketpair (both ends CLOEXEC). */
int sync_pair(int fds[2], struct hutch_error **err);

/* Send one message; fd < 0 sends none. */
int sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd,
              struct hutch_error **err);

/* Send SYNC_ERROR carrying e (errnum + message). Best effort, never fails. */
void sync_send_error(int sock, const struct hutch_error *e);

/* Receive one message. EOF is an error ("the other side exited"). */
int sync_recv(int sock, struct sync_msg *ret, struct hutch_error **err);

/* Receive and require `type`. SYNC_ERROR becomes *err with the sender's
 * errno and message; any other type is a protocol error. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *ret, struct hutch_error **err);

/* 0 when m is of `type`; else -1 with *err: the sender's error for
 * SYNC_ERROR, a protocol error otherwise. m is left alone. */
int sync_check(const struct sync_msg *m, enum sync_type type, struct hutch_error **err);

/* Free payload and close fd. */
void sync_msg_clear(struct sync_msg *m);

#endif
