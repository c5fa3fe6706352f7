/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running one OCI hook: argv/env as configured, the state JSON on stdin,
 * stdout+stderr captured for the error message, optional timeout. */
#ifndef HUTCH_LINUX_HOOK_H
#define HUTCH_LINUX_HOOK_H

#include "spec/spec.h"
#include "util/error.h"

/* Run h with `state_json` on stdin and wait for it. Fails when it cannot be
 * started, exits non-zero, is killed, or outlives its timeout (then it is
 * SIGKILLed). */
int hook_run(const struct spec_hook *h, const char *state_json, struct hutch_error **err);

/* Run every hook of a list in order, stopping at the first failure. `kind`
 * ("prestart", "poststop", ...) names the list in errors. */
int hook_run_list(const struct spec_hook_list *l, const char *kind, const char *state_json,
                  struct hutch_error **err);

#endif
