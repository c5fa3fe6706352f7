/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running one OCI hook: argv as configured, env as configured or else the
 * runtime's own environment, the state JSON on stdin, stdout+stderr captured
 * for the error message, no other fd, optional timeout. */
#ifndef HUTCH_LINUX_HOOK_H
#define HUTCH_LINUX_HOOK_H

#include "spec/spec.h"
#include "util/error.h"

/* Run h with `state_json` on stdin and wait for it. The hook gets fds 0-2
 * only (stdout and stderr are one pipe, kept for the error message) and, when
 * h->env is NULL, the caller's environment. Fails when it cannot be started,
 * exits non-zero, is killed, or outlives its timeout (then it is SIGKILLed). */
int hook_run(const struct spec_hook *h, const char *state_json, struct hutch_error **err);

/* Run every hook of a list in order, stopping at the first failure. `kind`
 * ("prestart", "poststop", ...) names the list in errors. */
int hook_run_list(const struct spec_hook_list *l, const char *kind, const char *state_json,
                  struct hutch_error **err);

/* How the hooks of a list are started, where that differs from the runtime's
 * own hooks (all fields may be NULL):
 *   cwd   the working directory (else the caller's). createContainer hooks
 *         run in the container's root, as runc does, so relative paths in
 *         them resolve inside the container.
 *   exec  replaces execve(path, argv, envp) in the hook's process, once its
 *         fds (all but 0-2 close-on-exec), signal mask and cwd are set; it
 *         returns only on failure, with errno set. The container side starts
 *         its hooks through its sealed helper this way (spawn/exe.h), so no
 *         process it starts in the container runs the host's hutch binary. */
struct hook_how {
	const char *cwd;
	void (*exec)(void *ctx, const char *path, char *const argv[], char *const envp[]);
	void *ctx;
};

/* hook_run_list, each hook started as `how` says (NULL: as hook_run). */
int hook_run_list_how(const struct spec_hook_list *l, const char *kind, const char *state_json,
                      const struct hook_how *how, struct hutch_error **err);

#endif
