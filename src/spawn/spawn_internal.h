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

#endif
