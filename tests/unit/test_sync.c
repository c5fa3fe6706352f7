/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent/child protocol over a real socketpair (no root needed): framing,
 * fd passing, errors, and the order of steps each mode allows. */
#include "tap.h"
#include "spawn/sync.h"
#include "sync_expect.h"
#include "util/error.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_payload_and_fd(void)
{
	struct hutch_error *err = NULL;
	struct sync_msg m = {.fd = -1};
	int sv[2], p[2];
	char buf[8] = "";

	ok(sync_pair(sv, &err) == 0, "socketpair");
	ok(pipe(p) == 0, "pipe");
	ok(sync_send(sv[0], SYNC_HOOKS_DONE, "{\"id\":1}", 8, -1, &err) == 0, "send payload");
	ok(sync_expect(sv[1], SYNC_HOOKS_DONE, &m, &err) == 0, "expect HOOKS_DONE");
	ok(m.len == 8 && strcmp(m.payload, "{\"id\":1}") == 0, "payload intact");
	sync_msg_clear(&m);

	ok(sync_send(sv[1], SYNC_PTY, NULL, 0, p[1], &err) == 0, "send fd");
	ok(sync_expect(sv[0], SYNC_PTY, &m, &err) == 0 && m.fd >= 0, "receive fd");
	ok(write(m.fd, "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x',
	   "received fd is the pipe");
	ok((fcntl(m.fd, F_GETFD) & FD_CLOEXEC) != 0, "received fd is CLOEXEC");
	sync_msg_clear(&m);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

static void test_error_transport(void)
{
	struct hutch_error *err = NULL, *sent = NULL;
	int sv[2];

	sync_pair(sv, &err);
	herr_errno(&sent, ENOENT, "mount /proc on /x/proc");
	sync_send_error(sv[1], sent);
	ok(sync_expect(sv[0], SYNC_READY, NULL, &err) == -1, "ERROR fails expect");
	is_str(err ? err->msg : NULL, "mount /proc on /x/proc: No such file or directory",
	       "sender's message arrives whole");
	ok(err && err->errnum == ENOENT, "sender's errno arrives");
	herr_freep(&err);
	herr_freep(&sent);

	sync_send(sv[1], SYNC_PID, NULL, 0, -1, &err);
	ok(sync_expect(sv[0], SYNC_READY, NULL, &err) == -1, "unexpected type rejected");
	is_str(err ? err->msg : NULL, "sync: expected READY, got PID", "protocol error message");
	herr_freep(&err);

	close(sv[1]);
	ok(sync_expect(sv[0], SYNC_READY, NULL, &err) == -1, "EOF is an error");
	is_str(err ? err->msg : NULL, "sync: the other side exited unexpectedly", "EOF message");
	herr_freep(&err);
	close(sv[0]);
}

static void test_limits(void)
{
	struct hutch_error *err = NULL;
	int sv[2];
	char *big = calloc(1, SYNC_MAX_PAYLOAD + 1);

	sync_pair(sv, &err);
	ok(sync_send(sv[0], SYNC_HOOKS_DONE, big, SYNC_MAX_PAYLOAD + 1, -1, &err) == -1,
	   "oversized payload refused");
	herr_freep(&err);
	ok(sync_send(sv[0], SYNC_HOOKS_DONE, big, SYNC_MAX_PAYLOAD, -1, &err) == 0,
	   "maximum payload sent");
	struct sync_msg m = {.fd = -1};
	ok(sync_expect(sv[1], SYNC_HOOKS_DONE, &m, &err) == 0 && m.len == SYNC_MAX_PAYLOAD,
	   "maximum payload received");
	sync_msg_clear(&m);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

/* Both ends of a handshake in one process: the parent's and the child's walk
 * over one socketpair. */
struct pair {
	int sv[2]; /* [0] parent, [1] child */
	struct sync_walk parent, child;
};

static void pair_open(struct pair *p, enum sync_mode mode)
{
	struct hutch_error *err = NULL;

	sync_pair(p->sv, &err);
	sync_walk_init(&p->parent, mode, SYNC_PARENT);
	sync_walk_init(&p->child, mode, SYNC_CHILD);
}

static void pair_close(struct pair *p)
{
	close(p->sv[0]);
	close(p->sv[1]);
}

/* `from` sends `type`; the other side receives it. True when both walks
 * accepted it. */
static bool pass(struct pair *p, enum sync_side from, enum sync_type type)
{
	struct hutch_error *err = NULL;
	struct sync_walk *tx = from == SYNC_PARENT ? &p->parent : &p->child;
	struct sync_walk *rx = from == SYNC_PARENT ? &p->child : &p->parent;
	int txs = from == SYNC_PARENT ? p->sv[0] : p->sv[1];
	int rxs = from == SYNC_PARENT ? p->sv[1] : p->sv[0];
	struct sync_msg m = {.fd = -1};
	bool r;

	if (sync_walk_send(tx, txs, type, NULL, 0, -1, &err) < 0) {
		herr_freep(&err);
		return false;
	}
	r = sync_walk_recv(rx, rxs, &m, &err) == 0 && m.type == type;
	sync_msg_clear(&m);
	herr_freep(&err);
	return r;
}

/* The receiving side's verdict on a message its peer sends without checking
 * its own walk (a peer that does not follow the protocol). Returns the error
 * message (caller frees) or NULL when the message was accepted. */
static char *inject(struct pair *p, enum sync_side from, enum sync_type type)
{
	struct hutch_error *err = NULL;
	struct sync_walk *rx = from == SYNC_PARENT ? &p->child : &p->parent;
	struct sync_msg m = {.fd = -1};
	char *msg = NULL;

	sync_send(from == SYNC_PARENT ? p->sv[0] : p->sv[1], type, NULL, 0, -1, &err);
	if (sync_walk_recv(rx, from == SYNC_PARENT ? p->sv[1] : p->sv[0], &m, &err) < 0) {
		msg = strdup(err->msg);
		herr_freep(&err);
	}
	sync_msg_clear(&m);
	return msg;
}

#define PAR SYNC_PARENT
#define CHI SYNC_CHILD

static void test_walk_create(void)
{
	struct pair p;
	char *e;

	pair_open(&p, SYNC_MODE_CREATE);
	ok(pass(&p, PAR, SYNC_MOUNT_FD) && pass(&p, PAR, SYNC_MOUNT_FD),
	   "create: MOUNT_FD any number of times before GO");
	ok(pass(&p, PAR, SYNC_GO), "create: GO");
	ok(pass(&p, CHI, SYNC_HOOKS) && pass(&p, PAR, SYNC_HOOKS_DONE),
	   "create: HOOKS, HOOKS_DONE");
	ok(pass(&p, CHI, SYNC_SECCOMP) && pass(&p, PAR, SYNC_SECCOMP_DONE),
	   "create: PTY is optional, SECCOMP and its reply");
	ok(pass(&p, CHI, SYNC_READY), "create: READY");
	e = inject(&p, CHI, SYNC_READY);
	is_str(e, "sync: unexpected READY from the child (the handshake is over)",
	       "nothing after READY");
	free(e);
	pair_close(&p);
}

static void test_walk_refusals(void)
{
	struct hutch_error *err = NULL;
	struct pair p;
	char *e;

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	e = inject(&p, PAR, SYNC_HOOKS_DONE);
	is_str(e, "sync: unexpected HOOKS_DONE from the parent (expected READY from the child)",
	       "HOOKS_DONE without HOOKS is refused");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	ok(pass(&p, CHI, SYNC_READY), "create: HOOKS is optional (not due: nothing to do there)");
	e = inject(&p, CHI, SYNC_HOOKS);
	ok(e != NULL, "HOOKS after READY is refused (the parent checks HOOKS came when due)");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	pass(&p, CHI, SYNC_HOOKS);
	pass(&p, PAR, SYNC_HOOKS_DONE);
	e = inject(&p, CHI, SYNC_HOOKS);
	ok(e != NULL, "a second HOOKS is refused by the parent (prestart never runs twice)");
	free(e);
	ok(sync_walk_send(&p.child, p.sv[1], SYNC_HOOKS, NULL, 0, -1, &err) == -1,
	   "and the child's own walk refuses to send it");
	herr_freep(&err);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	e = inject(&p, PAR, SYNC_MOUNT_FD);
	ok(e != NULL, "create: MOUNT_FD after GO is refused");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	pass(&p, CHI, SYNC_HOOKS);
	pass(&p, PAR, SYNC_HOOKS_DONE);
	pass(&p, CHI, SYNC_SECCOMP);
	e = inject(&p, CHI, SYNC_READY);
	is_str(e, "sync: unexpected READY from the child (expected SECCOMP_DONE from the parent)",
	       "a request must get its reply before the next step");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	pass(&p, CHI, SYNC_HOOKS);
	pass(&p, PAR, SYNC_HOOKS_DONE);
	e = inject(&p, PAR, SYNC_SECCOMP_DONE);
	ok(e != NULL, "a reply without its request is refused");
	free(e);
	pair_close(&p);
}

static void test_walk_join_exec(void)
{
	struct pair p;
	char *e;

	pair_open(&p, SYNC_MODE_JOIN);
	pass(&p, PAR, SYNC_GO);
	e = inject(&p, PAR, SYNC_MOUNT_FD);
	ok(e != NULL, "join: MOUNT_FD only answers MAPS");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_JOIN);
	pass(&p, PAR, SYNC_GO);
	ok(pass(&p, CHI, SYNC_MAPS) && pass(&p, PAR, SYNC_MOUNT_FD) &&
	       pass(&p, PAR, SYNC_MAPS_DONE),
	   "join: MAPS, MOUNT_FD, MAPS_DONE");
	ok(pass(&p, CHI, SYNC_PID) && pass(&p, CHI, SYNC_HOOKS) && pass(&p, PAR, SYNC_HOOKS_DONE),
	   "join: PID, HOOKS, HOOKS_DONE");
	ok(pass(&p, CHI, SYNC_PTY) && pass(&p, CHI, SYNC_READY), "join: PTY, READY");
	pair_close(&p);

	pair_open(&p, SYNC_MODE_JOIN);
	pass(&p, PAR, SYNC_GO);
	ok(pass(&p, CHI, SYNC_HOOKS), "join: MAPS and PID are optional");
	e = inject(&p, CHI, SYNC_PID);
	ok(e != NULL, "join: PID after HOOKS is refused");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_EXEC);
	pass(&p, PAR, SYNC_GO);
	e = inject(&p, CHI, SYNC_HOOKS);
	ok(e != NULL, "exec: HOOKS is refused (no hooks run for exec)");
	free(e);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_EXEC);
	ok(pass(&p, PAR, SYNC_GO) && pass(&p, CHI, SYNC_PID) && pass(&p, CHI, SYNC_READY),
	   "exec: GO, PID, READY");
	pair_close(&p);
}

static void test_walk_error_any_time(void)
{
	struct hutch_error *err = NULL, *sent = NULL;
	struct sync_msg m = {.fd = -1};
	struct pair p;

	pair_open(&p, SYNC_MODE_CREATE);
	pass(&p, PAR, SYNC_GO);
	herr_errno(&sent, EACCES, "mount /proc");
	sync_send_error(p.sv[1], sent);
	ok(sync_walk_recv(&p.parent, p.sv[0], &m, &err) == -1, "ERROR ends the walk");
	is_str(err ? err->msg : NULL, "mount /proc: Permission denied",
	       "as the sender's error, whatever step was due");
	ok(err && err->errnum == EACCES, "with the sender's errno");
	herr_freep(&err);
	herr_freep(&sent);
	pair_close(&p);
}

static char logged[256];
static enum log_level logged_level;

static void capture(void *ctx, enum log_level level, const char *msg)
{
	(void)ctx;
	logged_level = level;
	snprintf(logged, sizeof(logged), "%s", msg);
}

static void test_walk_log_records(void)
{
	struct hutch_error *err = NULL;
	struct sync_msg m = {.fd = -1};
	struct pair p;
	char *e;

	log_set_sink(capture, NULL);
	pair_open(&p, SYNC_MODE_EXEC);
	pass(&p, PAR, SYNC_GO);
	sync_send_log(p.sv[1], LOG_WARN, "config.json: .process.capabilities.bounding: CAP_X");
	sync_walk_send(&p.child, p.sv[1], SYNC_READY, NULL, 0, -1, &err);
	ok(sync_walk_recv(&p.parent, p.sv[0], &m, &err) == 0 && m.type == SYNC_READY,
	   "a LOG record between steps does not disturb the walk");
	is_str(logged, "config.json: .process.capabilities.bounding: CAP_X",
	       "and reaches the parent's log");
	ok(logged_level == LOG_WARN, "at its level");
	sync_msg_clear(&m);
	pair_close(&p);

	pair_open(&p, SYNC_MODE_EXEC);
	e = inject(&p, PAR, SYNC_LOG);
	ok(e != NULL, "LOG from the parent is refused");
	free(e);
	pair_close(&p);
	log_set_sink(NULL, NULL);
}

int main(void)
{
	test_payload_and_fd();
	test_error_transport();
	test_limits();
	test_walk_create();
	test_walk_refusals();
	test_walk_join_exec();
	test_walk_error_any_time();
	test_walk_log_records();
	return done_testing();
}
