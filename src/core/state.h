/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store: <root>/<id>/ holds state.json (written atomically), a copy
 * of config.json taken at create time, and exec.fifo while the container is
 * created-but-not-started. An exclusive flock on the directory serialises all
 * commands on one container. */
#ifndef HUTCH_CORE_STATE_H
#define HUTCH_CORE_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/json.h"
#include "spec/spec.h"
#include "util/error.h"

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

struct container_state {
	char *id;
	char *bundle;
	char *rootfs;
	pid_t pid;                    /* the init, 0 before it exists */
	unsigned long long pid_start; /* /proc/<pid>/stat starttime: guards against pid reuse */
	char *created;                /* RFC 3339 */
	char *cgroup;                 /* cgroup_serialize() output, may be NULL */
	bool creating;                /* create has not finished */
	bool paused;                  /* set by pause, cleared by resume */
	size_t n_annotations;
	struct spec_kv *annotations;
};

#define STATE_FIFO      "exec.fifo"
#define STATE_CONFIG    "config.json"
#define STATE_START_ERR "start.err" /* the init's last words if it fails after create */

const char *status_name(enum container_status s);

/* runc's id rules: non-empty, [A-Za-z0-9_+.-]+, not "." or "..". */
int state_validate_id(const char *id, struct hutch_error **err);

/* Make <root>/<id> (root created 0700 if missing) and lock it. Fails with
 * "container with id exists: <id>" when it is already there. Returns a locked
 * O_DIRECTORY fd (close releases the lock). */
int state_dir_create(const char *root, const char *id, struct hutch_error **err);

/* Open and lock an existing container's directory; "container does not exist"
 * (errnum ENOENT) when absent (also when deleted while we waited for the lock,
 * or when it has no state.json). */
int state_dir_open(const char *root, const char *id, struct hutch_error **err);

/* Remove <root>/<id> and everything in it. Never fails loudly (best effort). */
void state_dir_remove(const char *root, const char *id);

int state_write(int dirfd, const struct container_state *st, struct hutch_error **err);
int state_read(int dirfd, struct container_state **ret, struct hutch_error **err);
void state_free(struct container_state *st);
void state_freep(struct container_state **st);
#define _cleanup_state_ __attribute__((cleanup(state_freep)))

/* The status as seen now: stopped when the init is gone, a zombie, or a
 * different process with the same pid; created while exec.fifo exists. */
enum container_status state_status(int dirfd, const struct container_state *st);

/* Write the OCI state object (runtime.md "State") for st with `status`. */
void state_gen_oci(json_gen *g, const struct container_state *st, enum container_status status);
/* Same as a complete JSON text (for hooks and `state`). Caller frees. */
char *state_oci_json(const struct container_state *st, enum container_status status, bool pretty);

/* /proc/<pid>/stat: starttime (field 22) and the state letter; -1 if gone. */
int proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state);
/* True when pid is alive, not a zombie, and started at `start`. */
bool proc_alive(pid_t pid, unsigned long long start);

/* Current time as RFC 3339 with nanoseconds, UTC. Caller frees. */
char *now_rfc3339(void);

#endif
