/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store in a temporary root: ids, locking, atomic state.json,
 * status derivation from the live process (no root needed). */
#include "tap.h"
#include "core/container.h"
#include "core/state.h"
#include "util/str.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/hutch-test-state-XXXXXX";

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
	int fd, fd2;

	st.annotations = ann;
	st.n_annotations = 1;
	fd = state_dir_create(root, "c1", &err);
	ok(fd >= 0, "create state dir");
	ok(state_dir_create(root, "c1", &err) < 0, "duplicate refused");
	is_str(err ? err->msg : NULL, "container with id exists: c1", "duplicate wording");
	herr_freep(&err);
	ok(state_dir_open(root, "nope", &err) < 0, "unknown id");
	is_str(err ? err->msg : NULL, "container does not exist", "unknown wording");
	herr_freep(&err);

	st.pid = getpid();
	proc_stat(st.pid, &st.pid_start, NULL);
	ok(state_write(fd, &st, &err) == 0, "write state.json");
	ok(faccessat(fd, "state.json.tmp", F_OK, 0) < 0, "no temp file left");
	ok(state_read(fd, &back, &err) == 0, "read state.json");
	is_str(back->bundle, "/b", "bundle round-trips");
	ok(back->pid == st.pid && back->pid_start == st.pid_start, "pid and start time");
	ok(back->n_annotations == 1, "annotations round-trip");
	ok(state_status(fd, back) == STATUS_RUNNING, "live pid without fifo: running");
	mkfifoat(fd, STATE_FIFO, 0600);
	ok(state_status(fd, back) == STATUS_CREATED, "live pid with fifo: created");
	back->pid_start += 1;
	ok(state_status(fd, back) == STATUS_STOPPED, "recycled pid (other start time): stopped");
	state_free(back);

	/* a second opener waits for the lock: check it is exclusive */
	fd2 = open(root, O_RDONLY);
	pid_t child = fork();
	if (child == 0) {
		struct hutch_error *e = NULL;
		close(fd); /* our copy of the locked description would hold the lock */
		int f = state_dir_open(root, "c1", &e);
		_exit(f >= 0 ? 0 : 1);
	}
	usleep(100000);
	int status;
	ok(waitpid(child, &status, WNOHANG) == 0, "second opener blocks on the lock");
	close(fd);
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "and proceeds once released");
	close(fd2);
	state_dir_remove(root, "c1");
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
	usleep(50000);
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
}

int main(void)
{
	if (!mkdtemp(root))
		return 1;
	test_ids();
	test_store();
	test_zombie();
	test_signals();
	rmdir(root);
	return done_testing();
}
