/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process assembly: the order in which the container side sets up the
 * process it will exec, over the blocks of src/linux/ (oom, rlimit,
 * scheduler, ioprio, personality, mempolicy, cpu_affinity, lsm, fds, privs,
 * seccomp, caps, user). The caller (spawn/child.c) talks to the runtime; this
 * assembly only orders kernel steps. */
#ifndef HUTCH_LINUX_SETUP_PROCESS_H
#define HUTCH_LINUX_SETUP_PROCESS_H

#include <stdbool.h>

#include "linux/caps.h"
#include "spec/spec.h"
#include "util/error.h"

struct process_setup {
	const struct spec *spec;
	const struct spec_process *process;
	const struct caps_set *caps; /* from caps_parse(process->capabilities) */
	bool exec;                   /* `hutch exec`: apply execCPUAffinity.final */
	int first_closed_fd;         /* fds from here on become close-on-exec */
	/* Load the seccomp filter now (NULL: no filter before the privileges
	 * go); the caller hands a listener fd on to the runtime. */
	int (*load_seccomp)(void *ctx, struct hutch_error **err);
	void *ctx;
};

/* The process attributes, one block each, all while the process is still
 * privileged: oom_score_adj, rlimits, scheduler, I/O priority, personality,
 * memory policy, execCPUAffinity.final (exec only: the runtime applied
 * `initial` to the child's pid before it entered the container's cgroup),
 * the LSM exec labels (both take effect at the next execve); then every fd
 * from o->first_closed_fd on is made close-on-exec. */
int process_setup_attrs(const struct process_setup *o, struct hutch_error **err);

/* Giving up privileges, last before the exec: no_new_privs (when asked),
 * o->load_seccomp (when set: a filter that must go in while CAP_SYS_ADMIN is
 * still held, or whose listener fd the runtime waits for), non-dumpable, then
 * capabilities and user in the order caps.h documents. */
int process_setup_privileges(const struct process_setup *o, struct hutch_error **err);

#endif
