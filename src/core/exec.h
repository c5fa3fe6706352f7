/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec: run a new process in an existing container. */
#ifndef HUTCH_CORE_EXEC_H
#define HUTCH_CORE_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/container.h"

struct exec_opts {
	const char *root;
	int first_free_fd; /* fds 3..first_free_fd-1 are the caller's */
	const char *id;
	char **args;              /* the command, unless process_file */
	const char *process_file; /* --process: a JSON process object */
	bool detach;
	const char *pid_file;
	const char *console_socket;
	bool tty;
	const char *cwd;
	char **env; /* KEY=VALUE added to the process env */
	bool user_set;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char **caps; /* added to every capability set */
	bool no_new_privs;
	int preserve_fds;
	const char *apparmor;
	const char *process_label;
	bool ignore_paused;
	char **sub_cgroups; /* --cgroup values */
	bool rootless;      /* a cgroup the caller may not enter is a warning */
};

struct exec_result {
	pid_t pid;
	int pty_master; /* -1 unless a terminal without --console-socket */
};

/* Spawn the process; the caller waits for it (foreground) or not (detach).
 * Refuses a stopped container, and a paused one without ignore_paused, with
 * runc's wording. */
int container_exec(const struct exec_opts *o, struct exec_result *ret, struct hutch_error **err);

/* exec as the command does it: container_exec, then (unless detached)
 * wait for the process in the foreground. Returns its exit code (0 when
 * detached), or -1 with *err when it could not be started. */
int container_exec_run(const struct exec_opts *o, struct hutch_error **err);

#endif
