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

/* hook_run_list with each hook's working directory set to `cwd` (NULL: the
 * caller's). createContainer hooks run with the container's root there, as
 * runc does, so relative paths in them resolve inside the container. */
int hook_run_list_in(const struct spec_hook_list *l, const char *kind, const char *state_json,
                     const char *cwd, struct hutch_error **err);

#endif
