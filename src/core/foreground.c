/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting for a foreground container process (run, exec): signal
 * forwarding or the terminal proxy, reaping, and the exit code. */
#include "core/foreground.h"
#include "core/state.h"
#include "linux/terminal.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const int forwarded[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
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
			char st = 0;
			if (proc_stat(init, NULL, &st) < 0 || st == 'Z') {
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

int foreground_wait(pid_t pid, int pty_master, struct hutch_error **err)
{
	sigset_t set, old;
	int status = 0;

	if (pty_master >= 0) {
		int r = terminal_proxy(pty_master, pid, &status, err);
		if (r < 0) {
			close(pty_master);
			return -1;
		}
		close(pty_master);
		return exit_code(status);
	}
	run_sigset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);
	run_wait(pid, &set, &status);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return exit_code(status);
}
