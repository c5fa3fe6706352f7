/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store in a temporary root: ids, locking, atomic state.json,
 * status derivation from the live process (no root needed). */
#include "tap.h"
#include "core/container.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char root[] = "/tmp/hutch-test-state-XXXXXX";

/* rfc3339_utc agrees with gmtime_r + strftime, across leap days,
 * centuries and before the epoch. */
static void test_time(void)
{
	static const long long when[] = {0,          -1,         951782400,      951868799,
	                                 4102444800, 1709210096, -86400 * 366LL, 253402300799LL};
	char want[64], tbuf[40];

	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		time_t t = (time_t)when[i];
		struct tm tm;
		_cleanup_free_ char *got = rfc3339_utc(when[i], 5);

		gmtime_r(&t, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s.000000005Z", tbuf);
		ok(strcmp(got, want) == 0, "rfc3339_utc(%lld): %s (want %s)", when[i], got, want);
	}
}

static void test_ids(void)
{
	struct hutch_error *err = NULL;

	ok(state_validate_id("abc-1.2_x+y", &err) == 0, "valid id");
	ok(state_validate_id("", &err) < 0, "empty id rejected");
	herr_freep(&err);
	ok(state_validate_id("..", &err) < 0, ".. rejected");
	herr_freep(&err);
	ok(state_validate_id("a/b", &err) < 0, "slash rejected");
	is_str(err ? err->msg : NULL, "invalid container id format: a/b", "runc's wording");
	herr_freep(&err);
}

static void test_store(void)
{
	struct hutch_error *err = NULL;
	char id[] = "c1", bundle[] = "/b", rootfs[] = "/b/rootfs",
	     created[] = "2026-01-01T00:00:00.000000000Z", k[] = "k", v[] = "v";
	struct container_state st = {
	    .id = id, .bundle = bundle, .rootfs = rootfs, .created = created};
	struct spec_kv ann[] = {{k, v}};
	struct container_state *back = NULL;
	struct state_dir d = STATE_DIR_INIT, d2 = STATE_DIR_INIT;
	bool busy = true;

	st.annotations = ann;
	st.n_annotations = 1;
	ok(state_dir_create(root, "c1", &d, &err) == 0 && d.lockfd >= 0, "create state dir");
	ok(state_dir_create(root, "c1", &d2, &err) < 0, "duplicate refused");
	is_str(err ? err->msg : NULL, "container with id exists: c1", "duplicate wording");
	herr_freep(&err);
	{ /* a root that does not exist yet is made, every missing level 0700 */
		_cleanup_free_ char *deep = xasprintf("%s/new/state", root);
		struct state_dir d3 = STATE_DIR_INIT;
		struct stat sb;
		ok(state_dir_create(deep, "c2", &d3, &err) == 0 && d3.lockfd >= 0,
		   "create under a missing root");
		ok(stat(deep, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 07777) == 0700,
		   "the missing root made 0700");
		state_dir_close(&d3);
		state_dir_remove(deep, "c2");
		herr_freep(&err);
		_cleanup_free_ char *mid = xasprintf("%s/new", root);
		rmdir(deep);
		rmdir(mid);
	}
	ok(state_dir_lock(root, "nope", &d2, &err) < 0, "unknown id");
	is_str(err ? err->msg : NULL, "container does not exist", "unknown wording");
	herr_freep(&err);
	ok(state_read(d.dirfd, &back, &err) < 0 && err->errnum == ENOENT, "no state.json yet");
	herr_freep(&err);

	st.pid = getpid();
	proc_stat(st.pid, &st.pid_start, NULL);
	ok(state_write(d.dirfd, &st, &err) == 0, "write state.json");
	ok(faccessat(d.dirfd, "state.json.tmp", F_OK, 0) < 0, "no temp file left");
	ok(state_read(d.dirfd, &back, &err) == 0, "read state.json");
	is_str(back->bundle, "/b", "bundle round-trips");
	ok(back->pid == st.pid && back->pid_start == st.pid_start, "pid and start time");
	ok(back->n_annotations == 1, "annotations round-trip");
	ok(state_status(d.dirfd, back, false) == STATUS_RUNNING, "live pid without fifo: running");
	mkfifoat(d.dirfd, STATE_FIFO, 0600);
	ok(state_status(d.dirfd, back, false) == STATUS_CREATED, "live pid with fifo: created");
	back->pid_start += 1;
	ok(state_status(d.dirfd, back, false) == STATUS_STOPPED,
	   "recycled pid (other start time): stopped");
	back->creating = true;
	ok(state_status(d.dirfd, back, true) == STATUS_CREATING,
	   "a create holding the lock: creating");
	ok(state_status(d.dirfd, back, false) == STATUS_STOPPED, "a create that died: stopped");
	state_free(back);
	ok(state_dir_peek(root, "c1", &d2, &busy, &err) == 0 && !busy,
	   "our own lock does not make us busy");
	state_dir_close(&d2);
	state_dir_close(&d);
}

/* Run state_dir_lock in a child; returns its pid (exit 0 once locked). */
static pid_t lock_in_child(void)
{
	pid_t child = fork();

	if (child == 0) {
		struct hutch_error *e = NULL;
		struct state_dir d = STATE_DIR_INIT;
		_exit(state_dir_lock(root, "c1", &d, &e) == 0 ? 0 : 1);
	}
	return child;
}

static bool done_within(pid_t child, int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(child, &status, WNOHANG) == child)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		usleep(10000);
	}
	return false;
}

static void test_lock(void)
{
	struct hutch_error *err = NULL;
	struct state_dir d = STATE_DIR_INIT, peek = STATE_DIR_INIT;
	bool busy = false;
	pid_t child, holder;
	int status;

	ok(state_dir_lock(root, "c1", &d, &err) == 0, "lock an existing container");
	child = lock_in_child();
	usleep(100000);
	ok(waitpid(child, &status, WNOHANG) == 0, "a second caller waits for the lock");
	state_dir_close(&d);
	ok(done_within(child, 5000), "and proceeds once it is released");

	/* a process holding copies of the lock fds (forked, or an fd passed
	 * into a container) does not hold the lock: POSIX record locks */
	ok(state_dir_lock(root, "c1", &d, &err) == 0, "lock again");
	holder = fork();
	if (holder == 0) {
		pause();
		_exit(0);
	}
	state_dir_close(&d);
	child = lock_in_child();
	ok(done_within(child, 5000), "fds inherited by a child do not hold the lock");

	d.lockfd = -1;
	ok(state_dir_lock(root, "c1", &d, &err) == 0, "lock once more");
	child = fork();
	if (child == 0) {
		struct hutch_error *e = NULL;
		struct state_dir p = STATE_DIR_INIT;
		bool b = false;
		state_dir_close(&d);
		_exit(state_dir_peek(root, "c1", &p, &b, &e) == 0 && b ? 0 : 1);
	}
	ok(done_within(child, 5000), "peek sees another process holding it, without waiting");
	state_dir_close(&d);
	ok(state_dir_peek(root, "c1", &peek, &busy, &err) == 0 && !busy, "and not once it is gone");
	state_dir_close(&peek);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);

	ok(state_dir_lock(root, "c1", &d, &err) == 0, "lock to delete");
	child = lock_in_child();
	usleep(50000);
	state_dir_remove(root, "c1");
	state_dir_close(&d);
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1, "removed while waiting: does not exist");
	char *gone = xasprintf("%s/c1", root);
	ok(access(gone, F_OK) < 0, "state dir removed");
	free(gone);
}

static void test_zombie(void)
{
	unsigned long long start;
	char s;
	pid_t child = fork();

	if (child == 0)
		_exit(0);
	/* a loaded machine may take a while to run the child to its end */
	for (int i = 0; i < 500 && (proc_stat(child, &start, &s) < 0 || s != 'Z'); i++)
		usleep(10000);
	ok(proc_stat(child, &start, &s) == 0 && s == 'Z', "unreaped child is a zombie");
	ok(!proc_alive(child, start), "a zombie counts as dead");
	waitpid(child, NULL, 0);
	ok(!proc_alive(child, start), "a reaped pid is dead");
}

static void test_signals(void)
{
	ok(signal_from_name("9") == SIGKILL, "numeric signal");
	ok(signal_from_name("KILL") == SIGKILL, "named signal");
	ok(signal_from_name("SIGTERM") == SIGTERM, "SIG-prefixed name");
	ok(signal_from_name("sigusr1") == SIGUSR1, "case-insensitive");
	ok(signal_from_name("FOO") < 0 && signal_from_name("-1") < 0 && signal_from_name("65") < 0,
	   "unknown rejected");
	ok(signal_from_name("0") == 0, "0 is the liveness check of kill(2)");
	/* counted as glibc and the engines count them, whatever the C library's SIGRTMIN */
	ok(signal_from_name("RTMIN") == 34 && signal_from_name("SIGRTMIN+3") == 37 &&
	       signal_from_name("rtmax") == 64 && signal_from_name("RTMAX-2") == 62,
	   "real-time signals from 34 to 64");
	ok(signal_from_name("RTMIN+31") < 0 && signal_from_name("RTMAX-31") < 0 &&
	       signal_from_name("RTMIN-1") < 0 && signal_from_name("RTMIN+") < 0,
	   "real-time names outside the range rejected");
}

int main(void)
{
	test_time();
	if (!mkdtemp(root))
		return 1;
	test_ids();
	test_store();
	test_lock();
	test_zombie();
	test_signals();
	rmdir(root);
	return done_testing();
}
