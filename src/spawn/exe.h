/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping the host's hutch binary out of the container (CVE-2019-5736): the
 * helper program hutch-init (helper/helper.c) in a sealed memfd, which every
 * process the runtime starts inside a container execs as its last runtime
 * step, and the argv and seccomp memfd it takes (helper/abi.h). */
#ifndef HUTCH_SPAWN_EXE_H
#define HUTCH_SPAWN_EXE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

struct seccomp_filter;

/* A new memfd (close-on-exec) holding hutch-init, sealed against every
 * change (F_SEAL_SEAL|SHRINK|GROW|WRITE, and EXEC where the kernel has it):
 * writing through /proc/<pid>/exe of the helper, or of anything reopened
 * from it, fails. Errors name the step; a kernel that refuses executable
 * memfds (vm.memfd_noexec = 2) fails saying so. */
int exe_helper_open(struct hutch_error **err);

/* A new sealed memfd (close-on-exec) holding f's BPF program and load flags
 * in the layout of helper/abi.h, for the helper to load (-f). */
int exe_helper_bpf(const struct seccomp_filter *f, struct hutch_error **err);

/* What one run of the helper does; fds < 0 are left out. */
struct exe_helper_call {
	int sync_fd; /* send READY on it (-s) */
	int fifo_fd; /* exec.fifo: wait on it (-w) or only hold it (-k) */
	bool wait;
	int err_fd;           /* start.err (-e) */
	int bpf_fd;           /* the late seccomp filter (-f) */
	const uint64_t *caps; /* E, P, I, A to restore (-c), or NULL */
	const char *path;     /* the executable */
	char *const *argv;    /* its argv (NULL: {path}) */
};

/* The helper's argv for `c` (NULL-terminated, malloc'd: free with
 * strv_free). */
char **exe_helper_argv(const struct exe_helper_call *c);

/* execveat(helper_fd, "", argv, envp, AT_EMPTY_PATH): only returns on
 * failure, with errno set. */
void exe_helper_exec(int helper_fd, char *const argv[], char *const envp[]);

#endif
