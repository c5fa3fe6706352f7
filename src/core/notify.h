/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sd_notify passthrough: with NOTIFY_SOCKET in the runtime's environment the
 * container gets its own socket at /run/notify/notify.sock, and start
 * forwards the container's READY= to the host socket with MAINPID. */
#ifndef HUTCH_CORE_NOTIFY_H
#define HUTCH_CORE_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Where the container sees its notify socket. */
#define NOTIFY_CONTAINER_SOCKET "/run/notify/notify.sock"

/* The host socket from $NOTIFY_SOCKET, or NULL when unset or empty. */
const char *notify_host_socket(void);

/* At create, when notify_host_socket() is set: make <state_dir>/notify and
 * add to `s` a read-only bind mount of it on /run/notify and
 * NOTIFY_SOCKET=/run/notify/notify.sock in process.env (replacing one from
 * the config). `s` keeps ownership of what is added. */
int notify_prepare(struct spec *s, const char *state_dir, struct hutch_error **err);

/* Before the init is released: when notify_host_socket() is set and create
 * prepared <state_dir>/notify, bind a datagram socket there (the container
 * can send to it from now on). *ret_fd is the socket (O_CLOEXEC) or -1 when
 * there is nothing to forward. */
int notify_bind(const char *state_dir, int *ret_fd, struct hutch_error **err);

/* Wait for the container's READY= (or for the init, pid/start time, to
 * exit), then send that line and MAINPID=<mainpid> to the host socket: the
 * init for a detached container, the runtime itself for a foreground run.
 * Closes fd. Failures are warnings: the container runs either way. */
void notify_forward(int fd, pid_t pid, unsigned long long pid_start, pid_t mainpid);

#endif
