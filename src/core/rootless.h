/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rootless hutch: run by an unprivileged user, or by root of a user namespace
 * other than the initial one (an engine's own rootless namespace). What that
 * changes, with runc's rules: where the state lives by default, and whether
 * a cgroup that cannot be made is fatal (core/create.c). */
#ifndef HUTCH_CORE_ROOTLESS_H
#define HUTCH_CORE_ROOTLESS_H

#include <stdbool.h>

#include "util/error.h"

/* --rootless VALUE */
enum rootless_mode { ROOTLESS_AUTO, ROOTLESS_TRUE, ROOTLESS_FALSE };

/* "auto", "true" or "false" (NULL is "auto"). Error:
 * "invalid --rootless 'x': expected auto, true or false". */
int rootless_parse_mode(const char *s, enum rootless_mode *ret, struct hutch_error **err);

/* True when /proc/self/uid_map is not the initial namespace's identity map
 * ("0 0 4294967295"): hutch runs in a user namespace of its own, without
 * any privilege over the host's ids. */
bool rootless_in_userns(void);

/* Whether this call is rootless: the mode as given, or with "auto" when the
 * effective uid is not 0 or hutch runs in a user namespace (runc's rule). */
bool rootless_resolve(enum rootless_mode m);

/* rootless_resolve() of --rootless ARG (NULL: auto), which the caller has
 * checked with rootless_parse_mode(); resolved only by the verbs that need
 * it (for root, "auto" reads /proc/self/uid_map). */
bool rootless_is(const char *arg);

/* The state directory when --root is not given (caller frees): /run/hutch
 * for root, $XDG_RUNTIME_DIR/hutch for an unprivileged user (and for root of
 * a user namespace whose $USER is not root, as runc does). Fails, saying
 * why and what to do, when XDG_RUNTIME_DIR is unset, relative, missing, not
 * a directory, not the caller's or writable by others. */
int rootless_state_root(char **ret, struct hutch_error **err);

#endif
