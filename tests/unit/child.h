/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: run a function in a forked child (so process-wide changes such
 * as setuid or capsets do not leak into the test) and get back its report. */
#ifndef HUTCH_TESTS_CHILD_H
#define HUTCH_TESTS_CHILD_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* fn writes its findings into out (size 4096) and returns the exit code. */
typedef int (*child_fn)(void *arg, char *out);

/* Run fn(arg) in a child. Returns the child's exit code (or 128+signal) and
 * copies its report into out (NUL-terminated, at most 4096 bytes). */
static inline int child_run(child_fn fn, void *arg, char *out)
{
	int pfd[2];
	pid_t pid;
	int st;
	size_t len = 0;
	ssize_t n;

	out[0] = '\0';
	if (pipe(pfd) < 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char buf[4096] = "";
		int rc;

		close(pfd[0]);
		rc = fn(arg, buf);
		if (write(pfd[1], buf, strlen(buf)) < 0)
			_exit(125);
		_exit(rc);
	}
	close(pfd[1]);
	while (len < 4095 && (n = read(pfd[0], out + len, 4095 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Append printf output to a child report. */
static inline void out_add(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void out_add(char *out, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out + len, 4096 - len, fmt, ap);
	va_end(ap);
}

/* The value of a "Key:\t..." line of /proc/self/status, into buf. */
static inline const char *proc_status(const char *key, char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	size_t klen = strlen(key);

	buf[0] = '\0';
	if (!f)
		return buf;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *v = line + klen + 1;

			while (*v == '\t' || *v == ' ')
				v++;
			v[strcspn(v, "\n")] = '\0';
			size_t n = strlen(v) < size - 1 ? strlen(v) : size - 1;

			memcpy(buf, v, n);
			buf[n] = '\0';
			break;
		}
	}
	fclose(f);
	return buf;
}

#endif
