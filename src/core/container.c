/* SPDX-License-Identifier: GPL-2.0-or-later */
/* start, kill, delete, state and list of existing containers, and opening
 * one under (or without) its lock. */
#include "core/container.h"
#include "core/notify.h"
#include "linux/hook.h"
#include "linux/pidscan.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/signame.h"
#include "util/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* What is known of a container whose create died before writing state.json:
 * its id, and empty strings where the state needs text. */
static struct container_state *state_unknown(const char *id)
{
	struct container_state *st = xcalloc(1, sizeof(*st));

	st->id = xstrdup(id);
	st->bundle = xstrdup("");
	st->rootfs = xstrdup("");
	st->created = xstrdup("");
	st->creating = true;
	st->annotations = xcalloc(1, sizeof(*st->annotations));
	return st;
}

int container_open(const char *root, const char *id, enum container_access how,
                   struct container *ret, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	bool busy = false;
	int r = how == CONTAINER_LOCK ? state_dir_lock(root, id, &c.dir, err)
	                              : state_dir_peek(root, id, &c.dir, &busy, err);

	if (r < 0)
		return -1;
	if (state_read(c.dir.dirfd, &c.st, err) < 0) {
		if ((*err)->errnum != ENOENT) {
			container_close(&c);
			return -1;
		}
		herr_freep(err);
		c.st = state_unknown(id);
	}
	if (c.st->cgroup && cgroup_deserialize(c.st->cgroup, &c.cg, err) < 0) {
		container_close(&c);
		return -1;
	}
	c.status = state_status(c.dir.dirfd, c.st, busy);
	*ret = c;
	return 0;
}

void container_close(struct container *c)
{
	state_dir_close(&c->dir);
	state_freep(&c->st);
	cgroup_freep(&c->cg);
}

bool container_has_cgroup(const struct container *c)
{
	return c->cg && cgroup_get_manager(c->cg) != CGROUP_MANAGER_DISABLED;
}

int container_pids(const struct container *c, pid_t **ret, size_t *ret_n, struct hutch_error **err)
{
	*ret = NULL;
	*ret_n = 0;
	if (container_has_cgroup(c))
		return cgroup_pids(c->cg, ret, ret_n, err);
	if (c->st->pid <= 0 || !state_init_alive(c->st))
		return 0;
	return pidscan_container(c->st->pid, ret, ret_n, err);
}

/* Without a cgroup, kill --all and delete reach what linux/pidscan.h finds. */
static int signal_all(const struct container *c, int sig, struct hutch_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (container_has_cgroup(c))
		return cgroup_signal(c->cg, sig, err);
	if (container_pids(c, &pids, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return herr_errno(err, errno, "send signal %d to %d", sig, (int)pids[i]);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **container_list_ids(const char *root)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	char **ids = xcalloc(1, sizeof(char *));
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		strv_push(&ids, e->d_name);
	}
	qsort(ids, strv_len(ids), sizeof(char *), cmp_str);
	return ids;
}

/* Without a pidfd (kernels before 5.3): look every 5 ms. */
static bool poll_dead(pid_t pid, unsigned long long start, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 5) {
		if (!proc_alive(pid, start))
			return true;
		usleep(5000);
	}
	return !proc_alive(pid, start);
}

/* Has the process of pidfd exited within timeout_ms? */
static bool pidfd_exited(int pidfd, int timeout_ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	struct timespec t0, t1;
	int left = timeout_ms, n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((n = poll(&p, 1, left)) < 0 && errno == EINTR) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = timeout_ms -
		       (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left < 0)
			left = 0;
	}
	return n > 0;
}

/* A pidfd polls readable once its process has exited, a zombie included
 * (pidfd_open(2)): it wakes us when the init dies instead of at the next 5 ms
 * tick. Opened first, then checked to be the process state.json names, so a
 * pid reused meanwhile is never waited for. */
bool container_wait_dead(pid_t pid, unsigned long long start, int timeout_ms)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return errno == ESRCH || poll_dead(pid, start, timeout_ms);
	if (!proc_alive(pid, start))
		return true;
	return pidfd_exited(pidfd, timeout_ms) || !proc_alive(pid, start);
}

/* RTMIN, RTMIN+n, RTMAX-n, RTMAX: real-time signals counted from 34 to 64,
 * as glibc's SIGRTMIN and the engines' signal tables (Docker's) count them;
 * the C library's own SIGRTMIN is 35 with musl, which reserves one more. */
#define RT_FIRST 34
#define RT_LAST  64

static int signal_rt_from_name(const char *s)
{
	bool from_min = strncasecmp(s, "RTMIN", 5) == 0;
	long long n = 0;

	if (!from_min && strncasecmp(s, "RTMAX", 5) != 0)
		return -1;
	if (s[5] != '\0' && (s[5] != (from_min ? '+' : '-') || str_to_i64(s + 6, &n) < 0 || n < 0 ||
	                     n > RT_LAST - RT_FIRST))
		return -1;
	return from_min ? RT_FIRST + (int)n : RT_LAST - (int)n;
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
		const char *abbrev = signame_abbrev(i);
		if (abbrev && strcasecmp(abbrev, s) == 0)
			return i;
	}
	return signal_rt_from_name(s);
}

/* Signal the init through a pidfd opened while it was still the process
 * state.json names (same start time, same pidfs inode): a pid reused
 * meanwhile is never hit. */
static int signal_init(const struct container_state *st, int sig, struct hutch_error **err)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);

	if (!state_pidfd_is_init(pidfd, st))
		return herr_msg(err, "container not running");
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 && errno != ESRCH)
		return herr_errno(err, errno, "kill container init %d", (int)st->pid);
	return 0;
}

/* Write the byte the init waits for on exec.fifo (with no reader left -
 * the init died - opening the write end fails with ENXIO), then unlink the
 * fifo: from here the container is no longer "created". Returns the write
 * end, for wait_started(). */
static int release_init(int dirfd, struct hutch_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && errno == ENXIO)
		return herr_msg(err, "cannot start a container that has stopped");
	if (fd < 0)
		return herr_errno(err, errno, "open exec fifo");
	if (write(fd, "0", 1) != 1)
		return herr_errno(err, errno, "write exec fifo");
	unlinkat(dirfd, STATE_FIFO, 0);
	return steal_fd(&fd);
}

/* The init's read end of exec.fifo is close-on-exec: once no reader is left
 * the user process runs, or the init died and start.err says why. Waiting
 * for that keeps the poststart hooks after the user process started
 * (runtime.md). A container paused meanwhile cannot get there until resumed:
 * then the start is done, and the process runs when thawed. */
static int wait_started(int fifo, const struct container *c, struct hutch_error **err)
{
	struct pollfd p = {.fd = fifo, .events = 0};
	_cleanup_free_ char *why = NULL;
	struct hutch_error *ignored = NULL;
	int unread = 0;

	for (;;) {
		int n = poll(&p, 1, 1000);
		bool frozen = false;
		if (n > 0 || (n < 0 && errno != EINTR))
			break;
		if (n == 0 && c->cg && cgroup_get_frozen(c->cg, &frozen, &ignored) == 0 && frozen)
			return 0;
		herr_freep(&ignored);
	}
	if (fs_read_file_at(c->dir.dirfd, STATE_START_ERR, &why, NULL, &ignored) == 0 && *why)
		return herr_msg(err, "%s", why);
	herr_freep(&ignored);
	if (ioctl(fifo, FIONREAD, &unread) == 0 && unread > 0)
		return herr_msg(err, "cannot start a container that has stopped");
	return 0;
}

static struct spec *load_config_copy(int dirfd, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", dirfd, STATE_CONFIG);

	return spec_load(path, err);
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

static int check_startable(enum container_status status, struct hutch_error **err)
{
	switch (status) {
	case STATUS_CREATED:
		return 0;
	case STATUS_STOPPED:
		return herr_msg(err, "cannot start a container that has stopped");
	case STATUS_RUNNING:
		return herr_msg(err, "cannot start an already running container");
	default:
		return herr_msg(err, "cannot start a container in the %s state",
		                status_name(status));
	}
}

/* runtime.md lifecycle step 9: a failing poststart hook stops the
 * container, which is then destroyed (steps 12 and 13). */
static int run_poststart(const char *root, const char *id, const struct spec *s,
                         const struct container_state *st, struct hutch_error **err)
{
	_cleanup_free_ char *json = state_oci_json(st, STATUS_RUNNING, false);
	struct hutch_error *e = NULL;

	if (!s->hooks || hook_run_list(&s->hooks->poststart, "poststart", json, err) == 0)
		return 0;
	if (container_delete(root, id, true, &e) < 0) {
		log_warn("destroy %s after a failed poststart hook: %s", id, e->msg);
		herr_freep(&e);
	}
	return -1;
}

int container_start_opened(const char *root, const char *id, struct container *c,
                           const struct spec *s, bool wait_ready, struct hutch_error **err)
{
	_cleanup_close_ int notify_fd = -1, fifo = -1;
	_cleanup_free_ char *state_dir = xasprintf("%s/%s", root, id);

	if (check_startable(c->status, err) < 0 || notify_bind(state_dir, &notify_fd, err) < 0 ||
	    (fifo = release_init(c->dir.dirfd, err)) < 0)
		return -1;
	/* released: drop the lock before waiting for the container (state.h) */
	close(c->dir.lockfd);
	c->dir.lockfd = -1;
	if (wait_started(fifo, c, err) < 0 || run_poststart(root, id, s, c->st, err) < 0)
		return -1;
	if (notify_fd >= 0) {
		state_dir_close(&c->dir);
		relay_ready(steal_fd(&notify_fd), c->st, wait_ready);
	}
	return 0;
}

int container_start_relay(const char *root, const char *id, bool wait_ready,
                          struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	_cleanup_spec_ struct spec *s = NULL;
	int r = -1;

	if (container_open(root, id, CONTAINER_LOCK, &c, err) < 0)
		return -1;
	if (check_startable(c.status, err) == 0 && (s = load_config_copy(c.dir.dirfd, err)))
		r = container_start_opened(root, id, &c, s, wait_ready, err);
	container_close(&c);
	return r;
}

int container_kill(const char *root, const char *id, int sig, bool all, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	int r = 0;

	if (container_open(root, id, CONTAINER_LOCK, &c, err) < 0)
		return -1;
	if (c.status == STATUS_CREATING || (c.status == STATUS_STOPPED && !all))
		r = herr_msg(err, "container not running");
	else if (all && (container_has_cgroup(&c) || c.status != STATUS_STOPPED))
		r = signal_all(&c, sig, err);
	else if (c.status != STATUS_STOPPED)
		r = signal_init(c.st, sig, err);
	/* a frozen task acts on SIGKILL only once thawed (cgroup v1); other
	 * signals wait for resume, as with runc */
	if (r == 0 && container_has_cgroup(&c) && c.status == STATUS_PAUSED && sig == SIGKILL) {
		struct hutch_error *e = NULL;
		if (cgroup_freeze(c.cg, false, &e) < 0)
			herr_freep(&e);
	}
	container_close(&c);
	return r;
}

/* The poststop hooks of `known` (run), else of the state directory's copy
 * of config.json. */
static void run_poststop(int dirfd, const struct container_state *st, const struct spec *known)
{
	struct hutch_error *e = NULL;
	_cleanup_spec_ struct spec *copy = NULL;
	_cleanup_free_ char *json = NULL;
	const struct spec *s = known;

	if (!s && faccessat(dirfd, STATE_CONFIG, F_OK, 0) < 0)
		return; /* a create that died before copying config.json */
	if (!s && !(s = copy = load_config_copy(dirfd, &e))) {
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

/* Kill the init if it still lives - also after a create that died, whose
 * status is "stopped" - and wait (bounded) until it is gone. "stopped"
 * after a finished create means it was found gone already. */
static int kill_init(struct container *c, struct hutch_error **err)
{
	const struct container_state *st = c->st;
	struct hutch_error *e = NULL;
	_cleanup_close_ int pidfd = -1;

	if (st->pid <= 0 || (c->status == STATUS_STOPPED && !st->creating))
		return 0;
	/* without a cgroup to kill the rest later (cgroup_destroy), its
	 * descendants go now: they may be outside its pid namespace */
	if (!container_has_cgroup(c) && signal_all(c, SIGKILL, &e) < 0)
		herr_freep(&e);
	/* one pidfd, checked once to be the init state.json names, to signal
	 * it and to wait for it */
	pidfd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (pidfd < 0 && errno != ESRCH)
		return herr_errno(err, errno, "kill container init %d: pidfd_open", (int)st->pid);
	if (!state_pidfd_is_init(pidfd, st))
		return 0;
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return herr_errno(err, errno, "kill container init %d", (int)st->pid);
	/* frozen (paused, or a cgroup frozen from outside), it dies once thawed */
	if (container_has_cgroup(c) && cgroup_freeze(c->cg, false, &e) < 0)
		herr_freep(&e);
	if (!pidfd_exited(pidfd, 5000) && proc_alive(st->pid, st->pid_start))
		return herr_msg(err, "container init %d did not die after SIGKILL", (int)st->pid);
	return 0;
}

int container_delete(const char *root, const char *id, bool force, struct hutch_error **err)
{
	return container_delete_with(root, id, force, NULL, err);
}

int container_delete_with(const char *root, const char *id, bool force, const struct spec *s,
                          struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};
	int r = -1;

	if (container_open(root, id, CONTAINER_LOCK, &c, err) < 0) {
		/* as runc: deleting a missing container with --force succeeds */
		if (!force || (*err)->errnum != ENOENT)
			return -1;
		herr_freep(err);
		return 0;
	}
	if ((c.status == STATUS_RUNNING || c.status == STATUS_PAUSED) && !force) {
		herr_msg(err, "cannot delete container %s that is not stopped: %s", id,
		         status_name(c.status));
		goto out;
	}
	/* created (never started) containers go without --force, as with runc */
	if (kill_init(&c, err) < 0)
		goto out;
	/* cgroup_destroy kills what is left and frees cg, also when it fails */
	if (c.cg && cgroup_destroy(steal_ptr(&c.cg), err) < 0) {
		herr_prefix(err, "remove cgroup");
		goto out;
	}
	run_poststop(c.dir.dirfd, c.st, s);
	state_dir_remove(root, id);
	r = 0;
out:
	container_close(&c);
	return r;
}

int container_state_json(const char *root, const char *id, char **ret, struct hutch_error **err)
{
	struct container c = {.dir = STATE_DIR_INIT};

	if (container_open(root, id, CONTAINER_PEEK, &c, err) < 0)
		return -1;
	*ret = state_oci_json(c.st, c.status, true);
	container_close(&c);
	return 0;
}
