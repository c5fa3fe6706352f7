/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hook execution with stdin state, output capture and timeouts. */
#include "linux/hook.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <linux/close_range.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOOK_OUTPUT_MAX 4096

/* Put the whole state into a pipe before forking, so writing it can never
 * block on, or be killed by SIGPIPE from, a hook that does not read stdin. */
static int state_pipe(const char *state, struct hutch_error **err)
{
	int p[2];
	size_t len = strlen(state);

	if (pipe2(p, O_CLOEXEC) < 0)
		return herr_errno(err, errno, "pipe");
	if (len >= 65536)
		fcntl(p[1], F_SETPIPE_SZ, (int)len + 1);
	if (write(p[1], state, len) != (ssize_t)len) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return herr_errno(err, e, "write hook state");
	}
	close(p[1]);
	return p[0];
}

/* Every fd from 3 up closes at the execve: a hook gets the state on stdin,
 * its output pipe on stdout and stderr, and nothing of the runtime's or its
 * caller's (a leaked directory fd is a way out of a container,
 * CVE-2024-21626). Close-on-exec rather than closed: a runner may still need
 * one of them for the exec itself. */
static void cloexec_above_stdio(void)
{
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	for (long fd = 3, max = sysconf(_SC_OPEN_MAX); fd < max; fd++)
		fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

static __attribute__((noreturn)) void hook_exec(const struct spec_hook *h, int in, int out,
                                                const struct hook_how *how)
{
	char *fallback[] = {h->path, NULL};
	char **argv = h->args && h->args[0] ? h->args : fallback;
	char **envp = h->env ? h->env : environ;
	sigset_t all;
	int e;

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	cloexec_above_stdio();
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (how && how->cwd && chdir(how->cwd) < 0) {
		dprintf(2, "chdir %s: %s", how->cwd, strerror(errno));
		_exit(127);
	}
	/* config.md: env has environ's semantics, so a hook without one gets the
	 * runtime's environment (runc and crun do the same) */
	if (how && how->exec)
		how->exec(how->ctx, h->path, argv, envp);
	else
		execve(h->path, argv, envp);
	e = errno;
	dprintf(2, "exec %s: %s", h->path, strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Collect output until the pipe closes, then reap. Returns 1 on timeout. */
static int hook_wait(pid_t pid, int outfd, long long deadline, char *buf, size_t *len, int *status)
{
	bool open_ = true;

	while (open_) {
		int timeout = -1;
		if (deadline > 0) {
			long long left = deadline - now_ms();
			if (left <= 0)
				goto timed_out;
			timeout = (int)left;
		}
		struct pollfd pfd = {.fd = outfd, .events = POLLIN};
		int r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			goto timed_out;
		char tmp[1024];
		ssize_t n = read(outfd, tmp, sizeof(tmp));
		if (n <= 0) {
			open_ = false;
			break;
		}
		size_t room = HOOK_OUTPUT_MAX - *len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(buf + *len, tmp, take);
		*len += take;
	}
	/* output closed; the hook may still run (e.g. it closed its fds) */
	while (deadline <= 0 || now_ms() < deadline) {
		pid_t w = waitpid(pid, status, deadline > 0 ? WNOHANG : 0);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return 0;
		if (w == 0)
			usleep(1000);
	}
timed_out:
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 1;
}

static int hook_run_how(const struct spec_hook *h, const char *state_json,
                        const struct hook_how *how, struct hutch_error **err)
{
	_cleanup_close_ int in = state_pipe(state_json, err);
	int out[2];
	char buf[HOOK_OUTPUT_MAX + 1];
	size_t len = 0;
	int status = 0, timed_out;
	long long deadline = h->timeout.set ? now_ms() + h->timeout.value * 1000 : 0;
	pid_t pid;

	if (in < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return herr_errno(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(out[0]);
		close(out[1]);
		return herr_errno(err, errno, "fork hook %s", h->path);
	}
	if (pid == 0)
		hook_exec(h, in, out[1], how);
	close(out[1]);
	timed_out = hook_wait(pid, out[0], deadline, buf, &len, &status);
	close(out[0]);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	buf[len] = '\0';
	if (timed_out)
		return herr_msg(err, "%s: timed out after %llds", h->path,
		                (long long)h->timeout.value);
	if (WIFSIGNALED(status))
		return herr_msg(err, "%s: killed by signal %d%s%s", h->path, WTERMSIG(status),
		                len ? ": " : "", buf);
	if (WEXITSTATUS(status) != 0)
		return herr_msg(err, "%s: exit status %d%s%s", h->path, WEXITSTATUS(status),
		                len ? ": " : "", buf);
	return 0;
}

int hook_run(const struct spec_hook *h, const char *state_json, struct hutch_error **err)
{
	return hook_run_how(h, state_json, NULL, err);
}

int hook_run_list_how(const struct spec_hook_list *l, const char *kind, const char *state_json,
                      const struct hook_how *how, struct hutch_error **err)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (hook_run_how(&l->hooks[i], state_json, how, err) < 0)
			return herr_prefix(err, "%s hook #%zu", kind, i);
	return 0;
}

int hook_run_list(const struct spec_hook_list *l, const char *kind, const char *state_json,
                  struct hutch_error **err)
{
	return hook_run_list_how(l, kind, state_json, NULL, err);
}
