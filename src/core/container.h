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
	const char *id;
	const char *bundle; /* may be relative; default "." */
	const char *pid_file;
	const char *console_socket;
	bool no_pivot;
	bool no_new_keyring;
	int preserve_fds;
	enum cgroup_manager_kind manager;
	bool keep_pty; /* foreground run with a terminal and no console socket */
};

struct created {
	pid_t pid;
	int pty_master; /* -1 unless keep_pty and process.terminal */
};

/* create: everything up to the init blocked on exec.fifo. On failure nothing
 * is left: no state dir, no cgroup, no process, no mount. */
int container_create(const struct create_opts *o, struct created *ret, struct hutch_error **err);

/* start: release a created container's init, then run the poststart hooks
 * (a failing one stops the container). */
int container_start(const char *root, const char *id, struct hutch_error **err);

/* start, and with $NOTIFY_SOCKET set (see core/notify.h) relay the
 * container's READY= to it: before returning, with MAINPID the init, when
 * wait_ready (start, run --detach, as runc does); else from a forked child
 * that exits with the container or after relaying, with MAINPID the caller
 * (foreground run). container_start(...) is container_start_relay(..., true,
 * ...). */
int container_start_relay(const char *root, const char *id, bool wait_ready,
                          struct hutch_error **err);

int container_kill(const char *root, const char *id, int sig, bool all, struct hutch_error **err);

/* delete: a stopped or created container (or any, with force); removes the
 * cgroup and the state, then runs the poststop hooks (failures are warnings).
 * With force, a container that does not exist is no error (as with runc). */
int container_delete(const char *root, const char *id, bool force, struct hutch_error **err);

/* The OCI state JSON of one container (pretty-printed, caller frees). */
int container_state_json(const char *root, const char *id, char **ret, struct hutch_error **err);

/* Read a container's state, its live status, and (optionally) its cgroup,
 * holding the lock in *ret_dirfd (caller closes). */
int container_open(const char *root, const char *id, int *ret_dirfd,
                   struct container_state **ret_state, enum container_status *ret_status,
                   struct cgroup **ret_cgroup, struct hutch_error **err);

/* Wait up to `timeout_ms` for pid (started at `start`) to be gone or a zombie. */
bool container_wait_dead(pid_t pid, unsigned long long start, int timeout_ms);

/* Signal number from "9", "KILL" or "SIGKILL"; -1 when unknown. */
int signal_from_name(const char *s);

#endif
