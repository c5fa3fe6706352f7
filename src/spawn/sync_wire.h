/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The wire format of the parent/child protocol (sync.h): message types and
 * the frame header. Plain C with no libc, so that the container's helper
 * program (spawn/helper/), which sends the last READY, shares it. */
#ifndef HUTCH_SPAWN_SYNC_WIRE_H
#define HUTCH_SPAWN_SYNC_WIRE_H

#include <stdint.h>

enum sync_type {
	SYNC_GO = 1,
	SYNC_MAPS,
	SYNC_MAPS_DONE,
	SYNC_PID,
	SYNC_HOOKS,
	SYNC_HOOKS_DONE,
	SYNC_PTY,
	SYNC_SECCOMP,
	SYNC_SECCOMP_DONE,
	SYNC_READY,
	SYNC_ERROR,
	SYNC_MOUNT_FD,
	SYNC_LOG,
};

/* One frame: this header, then `len` bytes of payload, in one SOCK_SEQPACKET
 * record; an fd rides along as SCM_RIGHTS. */
struct sync_hdr {
	uint32_t type;
	uint32_t len;
};

#endif
