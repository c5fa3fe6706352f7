/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The measuring launcher of bench.py: runs a list of commands N times and
 * prints, per command run, its exit status, CPU (user + system of the command
 * and of the children it waited for), wall time and peak RSS, from wait4(2).
 *
 *   spawn [--count N] [--mntns PATH] [--env NAME=VALUE]... -- CMD ARG... [';;' CMD ARG...]
 *
 * "{}" in an argument becomes the iteration number (0..N-1). Output, one line
 * per command run: "<iteration> <command> <status> <cpu_us> <wall_us> <maxrss_kib>",
 * status being the exit code, or 128+signal.
 *
 * Why a C launcher: a child's ru_maxrss includes the peak RSS of the memory
 * image it had before execve(2) (the kernel folds the old mm's high-water
 * mark in at exec), so a runtime forked straight from Python would report
 * Python's size. Forked from this small static program, it reports its own.
 * It also keeps the interpreter out of the timed loop. --mntns enters a mount
 * namespace first (setns(2)), so a runtime can be given another view of
 * /sys/fs/cgroup without an extra exec per call. The launcher is a child
 * subreaper and reaps orphans between commands (outside the timed part), so
 * container processes never linger as zombies. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8
#define MAX_ENV  8

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* argv with every "{}" replaced by i (the strings are leaked: the child execs
 * or exits at once). */
static char **expand(char **argv, int i)
{
	int n = 0;
	char **out;

	while (argv[n])
		n++;
	out = calloc((size_t)n + 1, sizeof(*out));
	if (!out)
		_exit(127);
	for (int k = 0; k < n; k++) {
		const char *p = strstr(argv[k], "{}");
		if (!p) {
			out[k] = argv[k];
			continue;
		}
		if (asprintf(&out[k], "%.*s%d%s", (int)(p - argv[k]), argv[k], i, p + 2) < 0)
			_exit(127);
	}
	return out;
}

static void run_child(char **argv, char **env, int nenv)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		_exit(127);
	if (!getenv("BENCH_STDERR") && dup2(null, 2) < 0)
		_exit(127);
	for (int k = 0; k < nenv; k++)
		putenv(env[k]);
	execvp(argv[0], argv);
	_exit(127);
}

static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	char **cmds[MAX_CMDS], *env[MAX_ENV];
	int count = 1, ncmds = 0, nenv = 0, a = 1;

	for (; a < argc && strcmp(argv[a], "--") != 0; a++) {
		if (strcmp(argv[a], "--count") == 0 && a + 1 < argc) {
			count = atoi(argv[++a]);
		} else if (strcmp(argv[a], "--mntns") == 0 && a + 1 < argc) {
			/* setns(2) to a mount namespace also moves the cwd to its
			 * root: come back to the same directory */
			int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			int fd = open(argv[++a], O_RDONLY | O_CLOEXEC);
			if (cwd < 0 || fd < 0 || setns(fd, CLONE_NEWNS) < 0 || fchdir(cwd) < 0) {
				perror("spawn: enter the mount namespace");
				return 2;
			}
			close(fd);
			close(cwd);
		} else if (strcmp(argv[a], "--env") == 0 && a + 1 < argc && nenv < MAX_ENV) {
			env[nenv++] = argv[++a];
		} else {
			fprintf(stderr, "spawn: bad argument %s\n", argv[a]);
			return 2;
		}
	}
	/* split the rest at ";;" into commands */
	for (a++; a < argc && ncmds < MAX_CMDS;) {
		cmds[ncmds++] = &argv[a];
		while (a < argc && strcmp(argv[a], ";;") != 0)
			a++;
		if (a < argc)
			argv[a++] = NULL;
	}
	if (ncmds == 0 || count < 1) {
		fprintf(stderr,
		        "usage: spawn [--count N] [--mntns PATH] [--env K=V]... -- CMD...\n");
		return 2;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	for (int i = 0; i < count; i++) {
		for (int c = 0; c < ncmds; c++) {
			char **cmd = expand(cmds[c], i);
			struct rusage ru;
			int status = 0;
			long long t0 = now_us();
			pid_t pid = fork();

			if (pid < 0) {
				perror("spawn: fork");
				return 2;
			}
			if (pid == 0)
				run_child(cmd, env, nenv);
			while (wait4(pid, &status, 0, &ru) < 0)
				if (errno != EINTR) {
					perror("spawn: wait4");
					return 2;
				}
			long long wall = now_us() - t0;
			int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			printf("%d %d %d %lld %lld %ld\n", i, c, rc,
			       tv_us(ru.ru_utime) + tv_us(ru.ru_stime), wall, ru.ru_maxrss);
			reap_orphans();
			for (int k = 0; cmd[k]; k++)
				if (cmd[k] != cmds[c][k])
					free(cmd[k]);
			free(cmd);
		}
	}
	return 0;
}
