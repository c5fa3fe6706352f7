/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.capabilities: names -> capability sets, and applying them to the
 * calling process (bounding, keep-caps across setuid, capset, ambient). */
#ifndef HUTCH_LINUX_CAPS_H
#define HUTCH_LINUX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/error.h"

/* One bit per capability value (bit n == capability n). */
struct caps_set {
	uint64_t effective;
	uint64_t bounding;
	uint64_t inheritable;
	uint64_t permitted;
	uint64_t ambient;
};

/* Translate the capability names of `c` into *ret. `c` may be NULL (or any of
 * its arrays absent): the missing sets are empty, so the process ends up with
 * no capabilities, as runc does.
 * A name that is not a capability ("CAP_FOO", "chown") or that the running
 * kernel does not have (above /proc/sys/kernel/cap_last_cap) is skipped with a
 * log_warn, as runtime-spec requires; it is never an error.
 * Returns 0; -1 only if the kernel's capability count cannot be read. */
int caps_parse(const struct spec_capabilities *c, struct caps_set *ret, struct hutch_error **err);

/* Every capability name this build recognizes ("CAP_CHOWN", ...), including
 * ones the running kernel lacks; NULL-terminated, static. For `features`. */
const char *const *caps_known_names(void);

/* Before an execve of an intermediate program that has no file capabilities
 * (the runtime's helper, which then execs the real program): a process that
 * is not root loses at that execve every permitted capability outside its
 * ambient set (capabilities(7): P' = (P(I) & F(I)) | (F(P) & bounding) |
 * P'(ambient)). That only changes what the real program gets when
 * no_new_privs is set (its execve then keeps no more than the permitted set
 * it had, which would be the intermediate's) and the real program has file
 * capabilities. In that case only, widen the inheritable and ambient sets to
 * carry the permitted capabilities through (those within bounding or
 * inheritable: no execve could use the others), set *ret_needed and fill
 * restore[] with the sets to put back after that execve (effective,
 * permitted, inheritable, ambient: what this process has now, as far as it
 * survives). Otherwise *ret_needed is false and nothing changes. */
int caps_exec_bridge(uint64_t restore[4], bool *ret_needed, struct hutch_error **err);

/* Highest capability value the running kernel knows (cap_last_cap; libcap
 * finds it at start-up, /proc/sys/kernel/cap_last_cap is read otherwise). */
int caps_last_cap(void);

/*
 * Applying a set: the process assembly (linux/setup/process) calls these in
 * this order, in the process that will execve, after the mounts/pivot_root,
 * no_new_privs and (when it must go in while privileged, seccomp.h) the
 * seccomp filter; otherwise the filter is loaded after them, just before
 * execve:
 *
 *   caps_drop_bounding(&set)     while still root with CAP_SETPCAP
 *   caps_keep_on_setuid(true)    PR_SET_KEEPCAPS, so setuid keeps permitted
 *   user_apply(...)              setgroups / setresgid / setresuid
 *   caps_keep_on_setuid(false)
 *   caps_apply(&set)             capset(E, P, I), then the ambient set
 *   (the late seccomp filter, execve)
 *
 * Dropping the bounding set must happen before setuid because it needs
 * CAP_SETPCAP; caps_apply must happen after it because a uid change from 0
 * clears the effective set (capabilities(7), "Effect of user ID changes"), and
 * ambient capabilities can only be raised once P and I hold them.
 */

/* PR_CAPBSET_DROP every capability up to caps_last_cap() that is not in
 * set->bounding (without reading the set first: a drop of a capability that
 * is gone already is a no-op). Requested bounding capabilities this process
 * no longer has are logged as warnings. Fails (naming the capability) when a
 * drop is refused, e.g. without CAP_SETPCAP, unless that capability is not in
 * the set anyway. caps_apply and caps_exec_bridge later in the same process
 * take the resulting set from here instead of reading it again. */
int caps_drop_bounding(const struct caps_set *set, struct hutch_error **err);

/* PR_SET_KEEPCAPS on (true) or off (false). */
int caps_keep_on_setuid(bool keep, struct hutch_error **err);

/* Set the effective, permitted and inheritable sets with capset(2), then clear
 * the ambient set and raise each ambient capability. Capabilities the process
 * cannot grant (not in its permitted set, or an inheritable one outside the
 * bounding set) are left out with a warning rather than failing. An ambient
 * capability outside the granted permitted and inheritable sets cannot be
 * raised (capabilities(7)) and is left out with a debug line only, as runc
 * does; a raise the kernel refuses otherwise is a warning.
 * Fails if capset itself fails. */
int caps_apply(const struct caps_set *set, struct hutch_error **err);

#endif
