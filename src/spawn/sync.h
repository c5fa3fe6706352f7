/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent/child protocol: framed messages over one SOCK_SEQPACKET
 * socketpair, {type, length, payload} with optional fds as SCM_RIGHTS
 * (sync_wire.h).
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
 *                                                       exits afterwards (not for an exec
 *                                                       child the parent had born in the
 *                                                       container's pid ns)
 *  child       SYNC_HOOKS         -                     SYNC_HOOKS_DONE: payload = state
 *                                                       JSON (or, larger than a message,
 *                                                       fd = a sealed memfd holding it);
 *                                                       parent moved linux.netDevices
 *                                                       into the init's network ns, then
 *                                                       ran prestart and createRuntime hooks;
 *                                                       only when the parent has such work
 *                                                       (spawn_hooks_step: both sides ask)
 *  child       SYNC_PTY           - , fd pty master     (none)
 *  child       SYNC_SECCOMP       - , fd notify         SYNC_SECCOMP_DONE: parent sent the
 *                                                       fd to linux.seccomp.listenerPath
 *  child       SYNC_READY         -                     (none) the process is set up and
 *                                                       runs the helper program (exe.h),
 *                                                       which sends READY itself, then
 *                                                       waits on exec.fifo (init) or execs
 *                                                       the program (exec). With
 *                                                       startContainer hooks the child
 *                                                       sends it and waits itself
 *  child       SYNC_LOG           int32 level + text    (none) a diagnostic line (a warning);
 *                                                       the parent logs it to --log (or its
 *                                                       stderr), never to the container's
 *                                                       stdio; allowed at any point
 *  either      SYNC_ERROR         int32 errno + text    (none) the sender gives up and exits
 *
 * The order is fixed per mode, and both sides walk the same list of steps
 * (struct sync_walk): a message out of order, a reply without its request or
 * a step repeated is a protocol error on whichever side sees it.
 *
 *  create (clone with the namespace flags):
 *    MOUNT_FD*  GO  [HOOKS HOOKS_DONE]  [PTY]  [SECCOMP SECCOMP_DONE]  READY
 *  join (a namespace given by path; the child joins and unshares itself):
 *    GO  [MAPS MOUNT_FD* MAPS_DONE]  [PID]  [HOOKS HOOKS_DONE]  [PTY]
 *    [SECCOMP SECCOMP_DONE]  READY
 *  exec (a process joining a running container):
 *    GO  [PID]  [PTY]  [SECCOMP SECCOMP_DONE]  READY
 *
 * Whoever receives SYNC_ERROR turns it into its own error (sync_check does
 * this), so the user sees one line naming what failed on the other side. The
 * executable is resolved and checked before SYNC_READY, so a missing one fails
 * create, and so does a failed exec of the helper (the child still holds the
 * socket then). After READY the parent has hung up: what fails then (a
 * startContainer hook, the seccomp filter, the program's execve) is written
 * to start.err, which `start` reports, and to the container's stderr, and
 * the process exits 127 (not found) or 126. */
#ifndef HUTCH_SPAWN_SYNC_H
#define HUTCH_SPAWN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spawn/sync_wire.h"
#include "util/error.h"

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

/* Send SYNC_LOG: one diagnostic line at `level` (an enum log_level). Best
 * effort, never fails. */
void sync_send_log(int sock, int level, const char *msg);

/* Receive one message. EOF is an error with errnum EPIPE ("sync: the other
 * side exited unexpectedly"). */
int sync_recv(int sock, struct sync_msg *ret, struct hutch_error **err);

/* 0 when m is of `type`; else -1 with *err: the sender's error for
 * SYNC_ERROR, a protocol error otherwise. m is left alone. */
int sync_check(const struct sync_msg *m, enum sync_type type, struct hutch_error **err);

/* Free payload and close fd. */
void sync_msg_clear(struct sync_msg *m);

/* --- the order of steps ------------------------------------------------ */

enum sync_mode { SYNC_MODE_CREATE, SYNC_MODE_JOIN, SYNC_MODE_EXEC };
enum sync_side { SYNC_PARENT, SYNC_CHILD };

/* One side's position in its mode's list of steps (the table above). Plain
 * memory: a child that forks carries its copy along. */
struct sync_walk {
	enum sync_mode mode;
	enum sync_side self;
	size_t pos;     /* next step that may come */
	uint32_t taken; /* bit i: step i happened */
};

void sync_walk_init(struct sync_walk *w, enum sync_mode mode, enum sync_side self);

/* Record that `from` sends `type` now: 0 when the mode's list allows it at
 * this point (skipping optional steps that did not happen), else -1 with a
 * protocol error naming what was expected. SYNC_ERROR (from either side) and
 * SYNC_LOG (from the child) are never part of the list and always allowed. */
int sync_walk_step(struct sync_walk *w, enum sync_side from, enum sync_type type,
                   struct hutch_error **err);

/* sync_send, after sync_walk_step for our own side. */
int sync_walk_send(struct sync_walk *w, int sock, enum sync_type type, const void *payload,
                   size_t len, int fd, struct hutch_error **err);

/* Receive the other side's next step: SYNC_LOG records are logged with
 * log_msg and skipped (the parent's side), SYNC_ERROR becomes *err, anything
 * out of order is a protocol error (the message is cleared then). On success
 * *ret holds the message. */
int sync_walk_recv(struct sync_walk *w, int sock, struct sync_msg *ret, struct hutch_error **err);

#endif
