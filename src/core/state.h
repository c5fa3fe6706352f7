/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state store: <root>/<id>/ holds state.json (written atomically), a copy
 * of config.json taken at create time, exec.fifo while the container is
 * created-but-not-started, and `lock`, the container lock.
 *
 * The container lock is a POSIX write lock (fcntl F_SETLKW) on <id>/lock.
 * Such a lock belongs to the process that took it: a child does not inherit
 * it, an fd leaked into the container cannot hold it, and it goes away with
 * the process. So no call of hutch ever waits on a lock held by one of its own
 * processes, and a killed call never leaves the container locked.
 *
 * What it protects: the container's transitions and the files of its state
 * directory. create holds it from the moment the directory exists until
 * state.json says "created"; start, kill, pause, resume, update and delete
 * hold it while they check the status and change the container. Readers
 * (state, list, ps, events, exec) never wait for it: state.json is replaced
 * atomically, and they only ask whether someone holds it - a lock held while
 * state.json says "creating" (or is not written yet) is a create in progress;
 * without a holder that create died, and the container is "stopped".
 *
 * When it is dropped: before any wait for the container's processes. start
 * drops it once the init has been released (exec.fifo is gone) and only then
 * waits for the user process to run and runs the poststart hooks; exec never
 * holds it while its process joins the container (which may be frozen); a
 * foreground run or exec waits with no lock. A paused container therefore
 * never holds up resume, kill or delete. The one wait under the lock is
 * create's on the init it is setting up (the cgroup is checked not to be
 * frozen before the init is placed in it), and delete's bounded wait for a
 * SIGKILLed init to be gone. */
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
	unsigned long long pid_ino;   /* the init's pidfs inode (Linux 6.9+), 0 if unknown */
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

/* A container's state directory, open, and (when lockfd >= 0) locked. */
struct state_dir {
	int dirfd;  /* O_DIRECTORY|O_CLOEXEC */
	int lockfd; /* <id>/lock holding our write lock; -1 when we hold none */
};
#define STATE_DIR_INIT                                                                             \
	{                                                                                          \
		.dirfd = -1, .lockfd = -1                                                          \
	}
#define STATE_LOCK "lock"

/* Make <root>/<id> (root created 0700 if missing), its lock file, and lock
 * it. Fails with "container with id exists: <id>" when the directory is
 * already there. On success *ret is open and locked. */
int state_dir_create(const char *root, const char *id, struct state_dir *ret,
                     struct hutch_error **err);

/* Open an existing container's directory and wait for its lock. "container
 * does not exist" (errnum ENOENT) when absent, also when it was removed while
 * we waited. A directory without a lock file (a create killed in its first
 * instant) gets one, so that it can be deleted. */
int state_dir_lock(const char *root, const char *id, struct state_dir *ret,
                   struct hutch_error **err);

/* Open an existing container's directory without waiting for its lock;
 * *ret_busy tells whether another live process holds it. ENOENT as above. */
int state_dir_peek(const char *root, const char *id, struct state_dir *ret, bool *ret_busy,
                   struct hutch_error **err);

/* Close both fds (releasing the lock); safe on a closed or zeroed-out dir. */
void state_dir_close(struct state_dir *d);

/* Remove <root>/<id> and everything in it. Never fails loudly (best effort). */
void state_dir_remove(const char *root, const char *id);

int state_write(int dirfd, const struct container_state *st, struct hutch_error **err);
/* Read state.json; errnum ENOENT when there is none yet. */
int state_read(int dirfd, struct container_state **ret, struct hutch_error **err);
void state_free(struct container_state *st);
void state_freep(struct container_state **st);
#define _cleanup_state_ __attribute__((cleanup(state_freep)))

/* The status as seen now. `busy`: another live process holds the lock.
 * creating while a create runs (st->creating and busy); stopped when that
 * create died, or when the init is gone, a zombie, or a different process
 * with the same pid; paused by st->paused; else created while exec.fifo
 * exists, and running. */
enum container_status state_status(int dirfd, const struct container_state *st, bool busy);

/* Write the OCI state object (runtime.md "State") for st with `status`. */
void state_gen_oci(json_gen *g, const struct container_state *st, enum container_status status);
/* Same as a complete JSON text (for hooks and `state`). Caller frees. */
char *state_oci_json(const struct container_state *st, enum container_status status, bool pretty);

/* /proc/<pid>/stat: starttime (field 22) and the state letter; -1 if gone. */
int proc_stat(pid_t pid, unsigned long long *ret_start, char *ret_state);
/* True when pid is alive, not a zombie, and started at `start`. */
bool proc_alive(pid_t pid, unsigned long long start);
/* The pidfs inode number of a pidfd's process, or of pid (Linux 6.9+:
 * unique per process for as long as the system runs, unlike the pid and the
 * 10 ms starttime); 0 when the kernel has no pidfs or pid is gone. */
unsigned long long pidfd_ino(int pidfd);
unsigned long long proc_pid_ino(pid_t pid);
/* Is pidfd (opened for st->pid) st's init: alive, started at st->pid_start,
 * and the process state.json's pidfs inode names, when it holds one. */
bool state_pidfd_is_init(int pidfd, const struct container_state *st);
/* Is st's init alive: proc_alive(), and, when state.json holds its pidfs
 * inode, the process with that pid has it. A pid that another process holds
 * now (reused, or a state.json rewritten to name it) is not the init, even
 * one started in the same clock tick. */
bool state_init_alive(const struct container_state *st);

/* Current time as RFC 3339 with nanoseconds, UTC. Caller frees. */
char *now_rfc3339(void);
/* The same for `secs` since the epoch plus `nsec`: "2006-01-02T15:04:05.000000000Z",
 * computed without the C library's time zone code (so nothing reads
 * /etc/localtime). Caller frees. */
char *rfc3339_utc(long long secs, long nsec);

#endif
