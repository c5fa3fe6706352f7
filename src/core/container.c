/* SPDX-License-Identifier: GPL-2.0-or-later */
/* start, kill, delete and state of an existing container. */
#include "core/container.h"
#include "core/notify.h"
#include "linux/hook.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

int container_open(const char *root, const char *id, int *ret_dirfd,
                   struct container_state **ret_state, enum container_status *ret_status,
                   struct cgroup **ret_cgroup, struct hutch_error **err)
{
	_cleanup_close_ int dirfd = state_dir_open(root, id, err);
	_cleanup_state_ struct container_state *st = NULL;

	if (dirfd < 0 || state_read(dirfd, &st, err) < 0)
		return -1;
	if (ret_cgroup) {
		*ret_cgroup = NULL;
		if (st->cgroup && cgroup_deserialize(st->cgroup, ret_cgroup, err) < 0)
			return -1;
	}
	if (ret_status)
		*ret_status = state_status(dirfd, st);
	*ret_state = steal_ptr(&st);
	*ret_dirfd = steal_fd(&dirfd);
	return 0;
}

bool container_wait_dead(pid_t pid, unsigned long long start, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		if (!proc_alive(pid, start))
			return true;
		usleep(5000);
	}
	return !proc_alive(pid, start);
}

int signal_from_name(const char *s)
{
	long long n;

	/* 0 checks that the init is alive without signalling it (kill(2)) */
	if (str_to_i64(s, &n) == 0)
		return n >= 0 && n < NSIG ? (int)n : -1;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && strcasecmp(abbrev, s) == 0)
			return i;
	}
	if (strncasecmp(s, "RTMIN+", 6) == 0 && str_to_i64(s + 6, &n) == 0 &&
	    SIGRTMIN + n <= SIGRTMAX)
		return SIGRTMIN + (int)n;
	return -1;
}

/* The init holds exec.fifo's read end and waits for a byte (with no reader
 * left - the init died - opening the write end fails with ENXIO). Its read
 * end is close-on-exec, so once no reader remains the init has exec'd the
 * user process, or died: start.err then holds why. Waiting for that keeps
 * the poststart hooks after the user process started (runtime.md). */
static int release_init(int dirfd, struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	_cleanup_free_ char *why = NULL;
	struct hutch_error *ignored = NULL;
	struct pollfd p;
	int unread = 0;

	if (fd < 0 && errno == ENXIO)
		return herr_msg(err, "cannot start a container that has stopped");
	if (fd < 0)
		return herr_errno(err, errno, "open exec fifo");
	if (write(fd, "0", 1) != 1)
		return herr_errno(err, errno, "write exec fifo");
	unlinkat(dirfd, STATE_FIFO, 0);
	p = (struct pollfd){.fd = fd, .events = 0};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	if (fs_read_file_at(dirfd, STATE_START_ERR, &why, NULL, &ignored) == 0 && *why)
		return herr_msg(err, "%s", why);
	herr_freep(&ignored);
	if (ioctl(fd, FIONREAD, &unread) == 0 && unread > 0)
		return herr_msg(err, "cannot start a container that has stopped");
	return 0;
}

static struct spec *load_config_copy(int dirfd, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dirfd, STATE_CONFIG);
	struct spec *s = spec_load(path, err);

	return s;
}

/* Relay the container's READY= to $NOTIFY_SOCKET: here, or from a child
 * that goes away with the container. */
static void relay_ready(int fd, const struct container_state *st, bool wait_ready)
{
	pid_t mainpid = wait_ready ? st->pid : getpid();

	if (!wait_ready) {
		pid_t helper = fork();
		if (helper != 0) {
			if (helper < 0)
				log_warn("notify: fork: %s", strerror(errno));
			close(fd);
			return;
		}
	}
	notify_forward(fd, st->pid, st->pid_start, mainpid);
	if (!wait_ready)
		_exit(0);
}

int container_start(const char *root, const char *id, struct hutch_error **err)
{
	return container_start_relay(root, id, true, err);
}

int container_start_relay(const char *root, const char *id, bool wait_ready,
                          struct hutch_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_close_ int notify_fd = -1;
	_cleanup_free_ char *state_dir = xasprintf("%s/%s", root, id);
	_cleanup_state_ struct container_state *st = NULL;
	_cleanup_spec_ struct spec *s = NULL;
	_cleanup_free_ char *json = NULL;
	enum container_status status;

	if (container_open(root, id, &dirfd, &st, &status, NULL, err) < 0)
		return -1;
	switch (status) {
	case STATUS_CREATED:
		break;
	case STATUS_STOPPED:
		return herr_msg(err, "cannot start a container that has stopped");
	case STATUS_RUNNING:
		return herr_msg(err, "cannot start an already running container");
	default:
		return herr_msg(err, "cannot start a container in the %s state",
		                status_name(status));
	}
	s = load_config_copy(dirfd, err);
	if (!s)
		return -1;
	if (notify_bind(state_dir, &notify_fd, err) < 0 || release_init(dirfd, err) < 0)
		return -1;
	json = state_oci_json(st, STATUS_RUNNING, false);
	if (s->hooks && hook_run_list(&s->hooks->poststart, "poststart", json, err) < 0) {
		/* runtime.md: a failing poststart hook stops the container */
		kill(st->pid, SIGKILL);
		return -1;
	}
	if (notify_fd >= 0) {
		/* drop the lock first: the container may take its time to be ready
		 * and state, kill or delete must not wait for that */
		close(steal_fd(&dirfd));
		relay_ready(steal_fd(&notify_fd), st, wait_ready);
	}
	return 0;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct hutch_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_state_ struct container_state *st = NULL;
	struct cgroup *cg = NULL;
	enum container_status status;
	int r = 0;

	if (container_open(root, id, &dirfd, &st, &status, &cg, err) < 0)
		return -1;
	if (status == STATUS_STOPPED && !all) {
		cgroup_free(cg);
		return herr_msg(err, "container not running");
	}
	if (all && cg)
		r = cgroup_signal(cg, sig, err);
	else if (status != STATUS_STOPPED && kill(st->pid, sig) < 0)
		r = herr_errno(err, errno, "kill container init %d", (int)st->pid);
	/* a frozen task cannot act on the signal: thaw so SIGKILL/SIGTERM land */
	if (r == 0 && cg && status == STATUS_PAUSED && (sig == SIGKILL || sig == SIGTERM)) {
		struct hutch_error *e = NULL;
		if (cgroup_freeze(cg, false, &e) < 0)
			herr_freep(&e);
	}
	cgroup_free(cg);
	return r;
}

static void run_poststop(int dirfd, const struct container_state *st)
{
	struct hutch_error *e = NULL;
	_cleanup_spec_ struct spec *s = load_config_copy(dirfd, &e);
	_cleanup_free_ char *json = NULL;

	if (!s) {
		log_warn("poststop hooks: %s", e->msg);
		herr_freep(&e);
		return;
	}
	if (!s->hooks)
		return;
	json = state_oci_json(st, STATUS_STOPPED, false);
	/* runtime.md: poststop failures are warnings; the rest still run */
	for (size_t i = 0; i < s->hooks->poststop.n; i++) {
		if (hook_run(&s->hooks->poststop.hooks[i], json, &e) < 0) {
			log_warn("poststop hook #%zu: %s", i, e->msg);
			herr_freep(&e);
		}
	}
}

int container_delete(const char *root, const char *id, bool force, struct hutch_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_state_ struct container_state *st = NULL;
	struct cgroup *cg = NULL;
	enum container_status status;

	if (container_open(root, id, &dirfd, &st, &status, &cg, err) < 0) {
		/* as runc: deleting a missing container with --force succeeds */
		if (!force || (*err)->errnum != ENOENT)
			return -1;
		herr_freep(err);
		return 0;
	}
	if ((status == STATUS_RUNNING || status == STATUS_PAUSED) && !force) {
		cgroup_free(cg);
		return herr_msg(err, "cannot delete container %s that is not stopped: %s", id,
		                status_name(status));
	}
	if (status != STATUS_STOPPED) {
		/* created (never started) containers go without --force, as with runc */
		if (cg && status == STATUS_PAUSED) {
			struct hutch_error *e = NULL;
			cgroup_signal(cg, SIGKILL, &e);
			cgroup_freeze(cg, false, &e);
			herr_freep(&e);
		}
		kill(st->pid, SIGKILL);
		if (!container_wait_dead(st->pid, st->pid_start, 5000)) {
			cgroup_free(cg);
			return herr_msg(err, "container init %d did not die after SIGKILL",
			                (int)st->pid);
		}
	}
	/* cgroup_destroy frees cg, also when it fails */
	if (cg && cgroup_destroy(steal_ptr(&cg), err) < 0)
		return herr_prefix(err, "remove cgroup");
	run_poststop(dirfd, st);
	state_dir_remove(root, id);
	return 0;
}

int container_state_json(const char *root, const char *id, char **ret, struct hutch_error **err)
{
	_cleanup_close_ int dirfd = -1;
	_cleanup_state_ struct container_state *st = NULL;
	enum container_status status;

	if (container_open(root, id, &dirfd, &st, &status, NULL, err) < 0)
		return -1;
	*ret = state_oci_json(st, status, true);
	return 0;
}
