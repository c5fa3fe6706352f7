/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent/child protocol over a real socketpair (no root needed). */
#include "tap.h"
#include "spawn/sync.h"
#include "util/error.h"

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

int main(void)
{
	test_payload_and_fd();
	test_error_transport();
	test_limits();
	return done_testing();
}
