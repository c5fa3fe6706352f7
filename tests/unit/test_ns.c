/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for linux/ns: which namespaces of a process are ours too, and
 * opening the ones to join (exec), which must fail for a process that is gone
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
	int shared[SPEC_NS__COUNT], fds[SPEC_NS__COUNT];
	bool all = true;

	ok(ns_shared_all(getpid(), shared, &e) == 0, "ns_shared_all of ourselves");
	for (int t = 0; t < SPEC_NS__COUNT; t++)
		all = all && shared[t] != 0;
	ok(all, "every namespace we have is shared with ourselves");
	ok(shared[SPEC_NS_PID] == 1 && shared[SPEC_NS_MOUNT] == 1, "pid and mount are known");
	ok(ns_open_all(getpid(), fds, &e) == 0 && count_open(fds) == 0,
	   "nothing of ourselves to join");
	close_all(fds);
	herr_freep(&e);
}

static void test_gone(void)
{
	struct hutch_error *e = NULL;
	int shared[SPEC_NS__COUNT], fds[SPEC_NS__COUNT];
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	ok(ns_shared_all(pid, shared, &e) < 0 && e && e->errnum == ENOENT,
	   "ns_shared_all of a reaped process fails");
	herr_freep(&e);
	ok(ns_open_all(pid, fds, &e) < 0 && e && e->errnum == ENOENT && count_open(fds) == 0,
	   "ns_open_all of a reaped process fails instead of joining nothing");
	if (e)
		printf("#   %s\n", e->msg);
	herr_freep(&e);
}

static void test_other(void)
{
	struct hutch_error *e = NULL;
	int shared[SPEC_NS__COUNT], fds[SPEC_NS__COUNT];
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
	ok(ns_shared_all(pid, shared, &e) == 0 && shared[SPEC_NS_UTS] == 0 &&
	       shared[SPEC_NS_USER] == 0 && shared[SPEC_NS_NETWORK] == 1,
	   "a child's own user and uts namespaces are told from our network one");
	ok(ns_open_all(pid, fds, &e) == 0 && fds[SPEC_NS_UTS] >= 0 && fds[SPEC_NS_USER] >= 0 &&
	       count_open(fds) == 2,
	   "only its own namespaces are opened to join");
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
