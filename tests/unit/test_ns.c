/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/ns: opening the namespaces of a process that are not
 * ours, to join them (exec), which must fail for a process that is gone
 * rather than join nothing. The namespaces of our own are made by a forked
 * child in a user namespace (no root needed where the kernel allows it). */
#include "tap.h"
#include "linux/ns.h"
#include "util/error.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_all(int fds[SPEC_NS__COUNT])
{
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		if (fds[t] >= 0)
			close(fds[t]);
}

static int count_open(const int fds[SPEC_NS__COUNT])
{
	int n = 0;

	for (int t = 0; t < SPEC_NS__COUNT; t++)
		n += fds[t] >= 0;
	return n;
}

static void test_ourselves(void)
{
	struct hutch_error *e = NULL;
	int fds[SPEC_NS__COUNT];

	ok(ns_open_all(getpid(), fds, &e) == 0 && count_open(fds) == 0,
	   "nothing of ourselves to join");
	close_all(fds);
	herr_freep(&e);
}

static void test_gone(void)
{
	struct hutch_error *e = NULL;
	int fds[SPEC_NS__COUNT];
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	ok(ns_open_all(pid, fds, &e) < 0 && e && e->errnum == ENOENT && count_open(fds) == 0,
	   "ns_open_all of a reaped process fails instead of joining nothing");
	if (e)
		printf("#   %s\n", e->msg);
	herr_freep(&e);
}

static void test_other(void)
{
	struct hutch_error *e = NULL;
	int fds[SPEC_NS__COUNT];
	int ready[2];
	char c;
	pid_t pid;

	if (pipe(ready) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		c = unshare(CLONE_NEWUSER | CLONE_NEWUTS) == 0 ? 'y' : 'n';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1 || c != 'y') {
		ok(true, "a process with namespaces of its own # SKIP unshare refused here");
		goto out;
	}
	ok(ns_open_all(pid, fds, &e) == 0 && fds[SPEC_NS_UTS] >= 0 && fds[SPEC_NS_USER] >= 0 &&
	       fds[SPEC_NS_NETWORK] < 0 && count_open(fds) == 2,
	   "only a child's own user and uts namespaces are opened to join, not our network one");
	close_all(fds);
out:
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(ready[0]);
	herr_freep(&e);
}

int main(void)
{
	test_ourselves();
	test_gone();
	test_other();
	return done_testing();
}
