/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting a container process: the container init (create/run) or a process
 * joining a running container (exec). The parent side (parent.c) clones the
 * child and drives the protocol of sync.h; the child side (child.c) sets the
 * process up top to bottom and execs. */
#ifndef HUTCH_SPAWN_SPAWN_H
#define HUTCH_SPAWN_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

struct cgroup;
struct seccomp_filter;

enum spawn_mode {
	SPAWN_INIT, /* a new container: namespaces, rootfs, blocks on exec.fifo */
	SPAWN_EXEC, /* join the container of `target_pid`, exec right away */
};

/* Called by the parent when the child asks for the prestart/createRuntime
 * hooks; returns the state JSON handed to the container-side hooks and the
 * seccomp listener (malloc'd), or NULL when neither needs it ("{}" is sent).
 * A caller with nothing to do there (no hook, no reader of the state, no
 * state.json to write first) passes no function: then, without
 * linux.netDevices to move, the child does not stop at HOOKS at all. */
typedef int (*spawn_hooks_fn)(void *ctx, pid_t pid, char **ret_state_json,
                              struct hutch_error **err);

struct spawn_config {
	enum spawn_mode mode;
	const struct spec *spec;            /* for EXEC: the container's config */
	const struct spec_process *process; /* the process to run */
	const char *bundle;                 /* absolute */
	const char *rootfs;                 /* absolute */
	int fifo_fd;                        /* INIT: exec.fifo opened O_RDONLY|O_NONBLOCK */
	int start_err_fd;                   /* INIT: start.err, for failures after start */
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;                     /* extra fds 3..3+n-1 passed through (the
	                                       * caller's: core checked them) */
	const char *console_socket;           /* send the pty master there */
	bool keep_pty;                        /* foreground terminal: return the master */
	const struct seccomp_filter *seccomp; /* compiled in the parent, may be NULL */
	const struct cgroup *cgroup;          /* may be NULL */
	bool cgroup_optional;                 /* EXEC, rootless: a cgroup the caller may not
	                                       * enter (outside its delegated subtree) is a
	                                       * warning, the process runs outside it (runc) */
	char *const *sub_cgroups;             /* EXEC: --cgroup values, NULL-terminated */
	pid_t target_pid;                     /* EXEC: the container init */
	spawn_hooks_fn hooks;                 /* INIT: prestart + createRuntime */
	void *hooks_ctx;
	const char *state_json; /* EXEC: state for the seccomp listener */
};

struct spawn_result {
	pid_t pid;      /* the container process (host pid) */
	int pty_master; /* -1 unless keep_pty */
};

/* Start the child and run the protocol until it reports READY. On failure
 * the child is killed and reaped and *err says what failed (on either side). */
int spawn_process(const struct spawn_config *c, struct spawn_result *ret, struct hutch_error **err);

#endif
