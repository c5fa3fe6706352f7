/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lifecycle (runtime.md): the only host-side place that knows the order
 * of the steps of create, start, kill, delete and run. */
#ifndef HUTCH_CORE_CONTAINER_H
#define HUTCH_CORE_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/state.h"
#include "linux/cgroup/cgroup.h"
#include "util/error.h"

struct create_opts {
	const char *root;
	int first_free_fd; /* the lowest fd above stdio hutch did not inherit */
	const char *id;
	const char *bundle; /* may be relative; default "." */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds; /* fds 3..3+n-1 (after the LISTEN_FDS ones) pass to the init */
	enum cgroup_manager_kind manager;
	bool rootless; /* a cgroup that cannot be made is no error without resources */
	bool keep_pty; /* foreground run with a terminal and no console socket */
};

struct created {
	pid_t pid;
	int pty_master; /* -1 unless keep_pty and process.terminal */
};

struct run_opts {
	struct create_opts create;
	bool detach;
	bool keep;         /* keep a stopped container (foreground) */
	bool no_subreaper; /* do not become a child subreaper (foreground) */
};

/* run: create, then start; detached it returns once the process runs. In
 * the foreground it waits for the init (core/foreground.h), deletes the
 * container unless `keep`, and returns the exit code (128+N for signal N).
 * A failed start deletes the container. -1 with *err on failure. */
int container_run(const struct run_opts *o, struct hutch_error **err);

/* create: everything up to the init blocked on exec.fifo. On failure nothing
 * is left: no state dir, no cgroup, no process, no mount. */
int container_create(const struct create_opts *o, struct created *ret, struct hutch_error **err);

struct container;

/* create for run, which starts the container next: with ret_c, the created
 * container is handed over still open and locked (release it with
 * container_close), and its config in *ret_spec (the caller frees it; its
 * annotations moved to ret_c's state), for container_start_opened. */
int container_create_open(const struct create_opts *o, struct created *ret, struct container *ret_c,
                          struct spec **ret_spec, struct hutch_error **err);

/* start: release a created container's init, wait (without the lock) until
 * the user process runs, then run the poststart hooks; a failing one
 * destroys the container as delete --force does (runtime.md, lifecycle step
 * 9). */
int container_start(const char *root, const char *id, struct hutch_error **err);

/* start, and with $NOTIFY_SOCKET set (see core/notify.h) relay the
 * container's READY= to it: before returning, with MAINPID the init, when
 * wait_ready (start, run --detach, as runc does); else from a forked child
 * that exits with the container or after relaying, with MAINPID the caller
 * (foreground run). container_start(...) is container_start_relay(..., true,
 * ...). */
int container_start_relay(const char *root, const char *id, bool wait_ready,
                          struct hutch_error **err);

/* The same for a container the caller opened with CONTAINER_LOCK (or got
 * from container_create_open) and its config s: c stays the caller's to
 * close (its lock is released here, as start does). */
int container_start_opened(const char *root, const char *id, struct container *c,
                           const struct spec *s, bool wait_ready, struct hutch_error **err);

/* kill: signal the init (0 only checks it lives), or with `all` every process
 * of the cgroup. A paused container is thawed after SIGKILL, so that it dies
 * (as runc). "container not running" unless created, running or paused
 * (with `all`, a stopped container's leftovers may still be signalled). */
int container_kill(const char *root, const char *id, int sig, bool all, struct hutch_error **err);

/* delete: a stopped or created container (or any, with force): kills what is
 * left of it, removes the cgroup, runs the poststop hooks (failures are
 * warnings) and removes the state. A create that died half-way is "stopped"
 * and goes the same way. With force, a container that does not exist is no
 * error (as with runc). */
int container_delete(const char *root, const char *id, bool force, struct hutch_error **err);

/* delete, with the container's config already at hand (run): its poststop
 * hooks are taken from s instead of the state directory's copy. s may be
 * NULL. */
int container_delete_with(const char *root, const char *id, bool force, const struct spec *s,
                          struct hutch_error **err);

/* The OCI state JSON of one container (pretty-printed, caller frees). */
int container_state_json(const char *root, const char *id, char **ret, struct hutch_error **err);

/* An existing container as a call sees it. */
struct container {
	struct state_dir dir;
	struct container_state *st; /* never NULL: a create that died before
	                             * writing state.json leaves only the id */
	enum container_status status;
	struct cgroup *cg; /* NULL when it has none */
};

enum container_access {
	CONTAINER_LOCK, /* wait for the container lock and hold it (state.h) */
	CONTAINER_PEEK, /* read it as it is; never waits */
};

/* Open a container: its state directory, state.json, live status and cgroup.
 * "container does not exist" (errnum ENOENT) when there is no such id.
 * Release with container_close. */
int container_open(const char *root, const char *id, enum container_access how,
                   struct container *ret, struct hutch_error **err);
/* Free what container_open filled and release the lock; safe to call twice. */
void container_close(struct container *c);

/* The container's processes (host pids): its cgroup's, or without one
 * (rootless, --cgroup-manager disabled) what linux/pidscan.h finds from the
 * init. *ret is malloc'd (NULL when empty). */
int container_pids(const struct container *c, pid_t **ret, size_t *ret_n, struct hutch_error **err);

/* Does the container have a cgroup (not none, not the disabled manager)? */
bool container_has_cgroup(const struct container *c);

/* The ids under root, sorted (none when root is missing). Caller frees (strv). */
char **container_list_ids(const char *root);

/* Wait up to `timeout_ms` for pid (started at `start`) to be gone or a zombie. */
bool container_wait_dead(pid_t pid, unsigned long long start, int timeout_ms);

/* Signal number from "9", "KILL" or "SIGKILL"; -1 when unknown. */
int signal_from_name(const char *s);

#endif
