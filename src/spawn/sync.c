/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing, fd passing and error transport for the parent/child protocol. */
#include "spawn/sync.h"
#include "util/cleanup.h"
#include "util/fdpass.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

const char *sync_type_name(enum sync_type t)
{
	static const char *const names[] = {
	    [SYNC_GO] = "GO",
	    [SYNC_MAPS] = "MAPS",
	    [SYNC_MAPS_DONE] = "MAPS_DONE",
	    [SYNC_PID] = "PID",
	    [SYNC_HOOKS] = "HOOKS",
	    [SYNC_HOOKS_DONE] = "HOOKS_DONE",
	    [SYNC_PTY] = "PTY",
	    [SYNC_SECCOMP] = "SECCOMP",
	    [SYNC_SECCOMP_DONE] = "SECCOMP_DONE",
	    [SYNC_READY] = "READY",
	    [SYNC_ERROR] = "ERROR",
	    [SYNC_MOUNT_FD] = "MOUNT_FD",
	    [SYNC_LOG] = "LOG",
	};
	return (t >= SYNC_GO && t < sizeof(names) / sizeof(names[0]) && names[t]) ? names[t]
	                                                                          : "unknown";
}

int sync_pair(int fds[2], struct hutch_error **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return herr_errno(err, errno, "socketpair");
	return 0;
}

int sync_send(int sock, enum sync_type type, const void *payload, size_t len, int fd,
              struct hutch_error **err)
{
	struct sync_hdr hdr = {.type = (uint32_t)type, .len = (uint32_t)len};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)payload, len}};

	if (len > SYNC_MAX_PAYLOAD)
		return herr_msg(err, "sync: %s message too large", sync_type_name(type));
	if (fdpass_send(sock, iov, len ? 2 : 1, fd) < 0)
		return herr_errno(err, errno, "sync: send %s", sync_type_name(type));
	return 0;
}

/* A message {int32 number, text}, the text cut to fit. Best effort. */
static void send_numbered(int sock, enum sync_type type, int32_t num, const char *text)
{
	size_t tl = strlen(text);
	char *buf;
	struct hutch_error *ignored = NULL;

	if (tl > SYNC_MAX_PAYLOAD - sizeof(num))
		tl = SYNC_MAX_PAYLOAD - sizeof(num);
	buf = xmalloc(sizeof(num) + tl);
	memcpy(buf, &num, sizeof(num));
	memcpy(buf + sizeof(num), text, tl);
	if (sync_send(sock, type, buf, sizeof(num) + tl, -1, &ignored) < 0)
		herr_freep(&ignored);
	free(buf);
}

void sync_send_error(int sock, const struct hutch_error *e)
{
	send_numbered(sock, SYNC_ERROR, e ? e->errnum : 0, e && e->msg ? e->msg : "unknown error");
}

void sync_send_log(int sock, int level, const char *msg)
{
	send_numbered(sock, SYNC_LOG, level, msg);
}

int sync_recv(int sock, struct sync_msg *ret, struct hutch_error **err)
{
	/* One buffer for every message of the process (single-threaded; the
	 * payload is copied out before the next receive). The kernel writes only
	 * what was sent, so only the pages a message reaches are touched, where a
	 * 64 KiB malloc per message made the heap grow and shrink, page faults
	 * every time. */
	static char buf[sizeof(struct sync_hdr) + SYNC_MAX_PAYLOAD];
	struct sync_hdr hdr;
	struct iovec iov = {buf, sizeof(buf)};
	ssize_t n = fdpass_recv(sock, &iov, 1, &ret->fd);

	if (n < 0)
		return herr_errno(err, errno, "sync: receive");
	if (n == 0) {
		if (ret->fd >= 0)
			close(steal_fd(&ret->fd));
		return herr_raw(err, EPIPE, "sync: the other side exited unexpectedly");
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if ((size_t)n < sizeof(hdr) || hdr.len != (size_t)n - sizeof(hdr)) {
		if (ret->fd >= 0)
			close(ret->fd);
		return herr_msg(err, "sync: malformed message");
	}
	ret->type = (enum sync_type)hdr.type;
	ret->len = hdr.len;
	ret->payload = NULL;
	if (hdr.len) {
		ret->payload = xmalloc(hdr.len + 1);
		memcpy(ret->payload, buf + sizeof(hdr), hdr.len);
		ret->payload[hdr.len] = '\0';
	}
	return 0;
}

void sync_msg_clear(struct sync_msg *m)
{
	free(m->payload);
	m->payload = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

int sync_check(const struct sync_msg *m, enum sync_type type, struct hutch_error **err)
{
	if (m->type == SYNC_ERROR) {
		int32_t en = 0;
		if (m->len >= sizeof(en))
			memcpy(&en, m->payload, sizeof(en));
		return herr_raw(err, en,
		                m->len > sizeof(en) ? m->payload + sizeof(en) : "unknown error");
	}
	if (m->type != type)
		return herr_msg(err, "sync: expected %s, got %s", sync_type_name(type),
		                sync_type_name(m->type));
	return 0;
}

/* --- the order of steps ------------------------------------------------ */

enum {
	STEP_OPTIONAL = 1 << 0, /* may not happen at all */
	STEP_REPEAT = 1 << 1,   /* may happen any number of times, including none */
	STEP_REPLY = 1 << 2,    /* part of the answer to the last plain step before it:
	                         * required after it when not REPEAT, never without it */
};

struct sync_step {
	enum sync_side from;
	enum sync_type type;
	unsigned flags;
};

#define P SYNC_PARENT
#define C SYNC_CHILD
static const struct sync_step steps_create[] = {
    {P, SYNC_MOUNT_FD, STEP_REPEAT},
    {P, SYNC_GO, 0},
    {C, SYNC_HOOKS, STEP_OPTIONAL}, /* when due (spawn_hooks_step) */
    {P, SYNC_HOOKS_DONE, STEP_REPLY},
    {C, SYNC_PTY, STEP_OPTIONAL},
    {C, SYNC_SECCOMP, STEP_OPTIONAL},
    {P, SYNC_SECCOMP_DONE, STEP_REPLY},
    {C, SYNC_READY, 0},
};
static const struct sync_step steps_join[] = {
    {P, SYNC_GO, 0},
    {C, SYNC_MAPS, STEP_OPTIONAL},
    {P, SYNC_MOUNT_FD, STEP_REPLY | STEP_REPEAT},
    {P, SYNC_MAPS_DONE, STEP_REPLY},
    {C, SYNC_PID, STEP_OPTIONAL},
    {C, SYNC_HOOKS, STEP_OPTIONAL}, /* when due (spawn_hooks_step) */
    {P, SYNC_HOOKS_DONE, STEP_REPLY},
    {C, SYNC_PTY, STEP_OPTIONAL},
    {C, SYNC_SECCOMP, STEP_OPTIONAL},
    {P, SYNC_SECCOMP_DONE, STEP_REPLY},
    {C, SYNC_READY, 0},
};
static const struct sync_step steps_exec[] = {
    {P, SYNC_GO, 0},
    {C, SYNC_PID, STEP_OPTIONAL},
    {C, SYNC_PTY, STEP_OPTIONAL},
    {C, SYNC_SECCOMP, STEP_OPTIONAL},
    {P, SYNC_SECCOMP_DONE, STEP_REPLY},
    {C, SYNC_READY, 0},
};
#undef P
#undef C

static const struct sync_step *walk_steps(const struct sync_walk *w, size_t *n)
{
	switch (w->mode) {
	case SYNC_MODE_JOIN:
		*n = sizeof(steps_join) / sizeof(steps_join[0]);
		return steps_join;
	case SYNC_MODE_EXEC:
		*n = sizeof(steps_exec) / sizeof(steps_exec[0]);
		return steps_exec;
	default:
		*n = sizeof(steps_create) / sizeof(steps_create[0]);
		return steps_create;
	}
}

void sync_walk_init(struct sync_walk *w, enum sync_mode mode, enum sync_side self)
{
	*w = (struct sync_walk){.mode = mode, .self = self};
}

/* Whether the request that step i answers (the last plain step before it)
 * happened. */
static bool request_taken(const struct sync_walk *w, const struct sync_step *s, size_t i)
{
	while (i-- > 0)
		if (!(s[i].flags & (STEP_REPLY | STEP_REPEAT)))
			return w->taken & (1u << i);
	return false;
}

static bool may_skip(const struct sync_walk *w, const struct sync_step *s, size_t i)
{
	if (s[i].flags & (STEP_OPTIONAL | STEP_REPEAT))
		return true;
	if (s[i].flags & STEP_REPLY)
		return !request_taken(w, s, i);
	return false;
}

static const char *side_name(enum sync_side side)
{
	return side == SYNC_PARENT ? "the parent" : "the child";
}

static int out_of_order(const struct sync_walk *w, const struct sync_step *s, size_t n,
                        enum sync_side from, enum sync_type type, struct hutch_error **err)
{
	for (size_t i = w->pos; i < n; i++)
		if (!may_skip(w, s, i))
			return herr_msg(err, "sync: unexpected %s from %s (expected %s from %s)",
			                sync_type_name(type), side_name(from),
			                sync_type_name(s[i].type), side_name(s[i].from));
	return herr_msg(err, "sync: unexpected %s from %s (the handshake is over)",
	                sync_type_name(type), side_name(from));
}

int sync_walk_step(struct sync_walk *w, enum sync_side from, enum sync_type type,
                   struct hutch_error **err)
{
	size_t n;
	const struct sync_step *s = walk_steps(w, &n);

	if (type == SYNC_ERROR || (type == SYNC_LOG && from == SYNC_CHILD))
		return 0;
	for (size_t i = w->pos; i < n; i++) {
		bool allowed = !(s[i].flags & STEP_REPLY) || request_taken(w, s, i);
		if (s[i].from == from && s[i].type == type && allowed) {
			w->taken |= 1u << i;
			w->pos = s[i].flags & STEP_REPEAT ? i : i + 1;
			return 0;
		}
		if (!may_skip(w, s, i))
			break;
	}
	return out_of_order(w, s, n, from, type, err);
}

int sync_walk_send(struct sync_walk *w, int sock, enum sync_type type, const void *payload,
                   size_t len, int fd, struct hutch_error **err)
{
	if (sync_walk_step(w, w->self, type, err) < 0)
		return -1;
	return sync_send(sock, type, payload, len, fd, err);
}

/* A SYNC_LOG record from the child, into our own log. */
static void forward_log(const struct sync_msg *m)
{
	int32_t level = LOG_WARN;

	if (m->len < sizeof(level))
		return;
	memcpy(&level, m->payload, sizeof(level));
	if (level < LOG_ERROR || level > LOG_DEBUG)
		level = LOG_WARN;
	log_msg((enum log_level)level, "%s", m->payload + sizeof(level));
}

int sync_walk_recv(struct sync_walk *w, int sock, struct sync_msg *ret, struct hutch_error **err)
{
	enum sync_side other = w->self == SYNC_PARENT ? SYNC_CHILD : SYNC_PARENT;
	struct sync_msg m = {.fd = -1};

	if (sync_recv(sock, &m, err) < 0)
		return -1;
	while (m.type == SYNC_LOG && other == SYNC_CHILD) {
		forward_log(&m);
		sync_msg_clear(&m);
		if (sync_recv(sock, &m, err) < 0)
			return -1;
	}
	if (m.type == SYNC_ERROR || sync_walk_step(w, other, m.type, err) < 0) {
		if (m.type == SYNC_ERROR)
			sync_check(&m, SYNC_READY, err); /* the sender's own error */
		sync_msg_clear(&m);
		return -1;
	}
	*ret = m;
	return 0;
}
