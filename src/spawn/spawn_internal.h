/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of src/spawn only: the entry point of the child
 * side, called by parent.c right after clone3. */
#ifndef HUTCH_SPAWN_INTERNAL_H
#define HUTCH_SPAWN_INTERNAL_H

#include "spawn/spawn.h"
#include "spawn/sync.h"

/* The child side: never returns. `sock` is the child's end of the pair;
 * `mode` picks the handshake's list of steps (sync.h); `helper_fd` is the
 * sealed helper program (exe.h) it execs as its last step. */
__attribute__((noreturn)) void spawn_child_main(const struct spawn_config *c, int sock,
                                                enum sync_mode mode, int helper_fd);

/* Does the child place itself in its v1 cgroups, right after SYNC_GO
 * (cgroup_enter_self), instead of the parent writing its pid? Yes for a
 * cgroup made by hutch itself (not a systemd scope), unless the child was
 * cloned into a new user namespace (whose ids may not reach the host's
 * cgroup files), exec --cgroup moves it on into sub-cgroups, or a rootless
 * exec may be refused (cgroup_optional: the parent warns). Both sides
 * ask; born_in_userns: clone3 had CLONE_NEWUSER. */
bool spawn_self_placed(const struct spawn_config *c, bool born_in_userns);

/* Does the child stop at HOOKS (sync.h) for the parent's work there: the
 * hooks callback, or linux.netDevices to move into its network namespace?
 * Both sides ask, the parent refusing a READY without it when it is due.
 * Without it, one round trip (two wake-ups of the other side) is saved. */
bool spawn_hooks_step(const struct spawn_config *c);

#endif
