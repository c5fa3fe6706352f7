/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch run: create + start; in the foreground, forward signals (or proxy
 * the terminal), reap, delete, and exit with the container's status. */
#include "cmd/common.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
				SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM, SIGPROF, SIGVTALRM};

static void run_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

/* Reap everything that comes to us (we are a subreaper) until the init is done. */
static int run_wait(pid_t init, const sigset_t *set, int *ret_status)
{
	for (;;) {
		int status;
		pid_t w;

		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			if (w == init) {
				*ret_status = status;
				return 0;
			}
		}
		if (w < 0 && errno == ECHILD) {
			/* not our child (no subreaper): poll for its end */
			if (kill(init, 0) < 0) {
				*ret_status = 0;
				return 0;
			}
			usleep(10000);
			continue;
		}
		struct timespec ts = {.tv_sec = 1};
		int sig = sigtimedwait(set, NULL, &ts);
		if (sig > 0 && sig != SIGCHLD)
			kill(init, sig);
	}
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int run_foreground(struct run_flags *f, struct created *c, struct hutch_error **err)
{
	sigset_t set, old;
	int status = 0;

	if (c->pty_master >= 0) {
		if (terminal_proxy(c->pty_master, c->pid, &status, err) < 0)
			return -1;
		close(c->pty_master);
		c->pty_master = -1;
		return exit_code(status);
	}
	run_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	run_wait(c->pid, &set, &status);
	sigprocmask(SIG_SETMASK, &old, NULL);
	(void)f;
	return exit_code(status);
}

int cmd_run(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct run_flags f;
	struct created c = {.pty_master = -1};
	int code;

	if (cmd_parse_create_flags(argc, argv, true, g, &f, err) < 0)
		return -1;
	if (!f.detach && !f.no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	f.create.keep_pty = !f.detach && !f.create.console_socket;
	if (container_create(&f.create, &c, err) < 0)
		return -1;
	if (container_start(g->root, f.create.id, err) < 0) {
		struct hutch_error *e = NULL;
		if (container_delete(g->root, f.create.id, true, &e) < 0)
			herr_freep(&e);
		return -1;
	}
	if (f.detach)
		return 0;
	code = run_foreground(&f, &c, err);
	if (code >= 0 && !f.keep) {
		struct hutch_error *e = NULL;
		if (container_delete(g->root, f.create.id, true, &e) < 0) {
			log_warn("delete %s: %s", f.create.id, e->msg);
			herr_freep(&e);
		}
	}
	return code;
}
