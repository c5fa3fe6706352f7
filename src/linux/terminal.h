/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.terminal: allocating the container's pty, making it the controlling
 * terminal, handing the master to --console-socket, and the foreground proxy
 * `run`/`exec` use when there is no console socket. */
#ifndef HUTCH_LINUX_TERMINAL_H
#define HUTCH_LINUX_TERMINAL_H

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Open a new pty pair from /dev/ptmx (posix_openpt + unlockpt; the peer is
 * opened with TIOCGPTPEER so no path lookup in /dev/pts is involved, falling
 * back to ptsname on kernels < 4.13). Call it in the container process after
 * pivot_root so the pair lives in the container's devpts instance (runc does
 * the same, see runc#814). If sz is non-NULL and both dimensions are non-zero
 * the window size is set on the master. Both fds are O_CLOEXEC|O_NOCTTY and
 * owned by the caller. */
int terminal_open(const struct spec_console_size *sz, int *ret_master, int *ret_slave,
                  struct hutch_error **err);

/* Make `slave` the controlling terminal and the standard streams of the
 * calling process: setsid() (already being a session leader is fine),
 * ioctl(TIOCSCTTY), dup2 onto 0, 1 and 2, then close `slave` if it is > 2.
 * The master must stay open (here or wherever it was sent) meanwhile: closing
 * the last master hangs up the slave and SIGHUPs its session. */
int terminal_make_controlling(int slave, struct hutch_error **err);

/* How long a console-socket receiver may take to accept the connection and
 * the message: a peer that is slow or gone is an error, never a hang. */
#define TERMINAL_SOCKET_TIMEOUT_S 10

/* Connect to the AF_UNIX stream socket at `path` (paths longer than sun_path
 * go through an O_PATH fd and /proc/self/fd). Returns the connected fd
 * (O_CLOEXEC, caller owns it, with a TERMINAL_SOCKET_TIMEOUT_S send timeout)
 * or -1: also when the receiver does not accept in time. Call it on the host
 * side, before pivot_root, and hand the fd to the container process. */
int terminal_connect_socket(const char *path, struct hutch_error **err);

/* Send `master` over the connected socket: one sendmsg whose payload is the
 * name "/dev/ptmx" (what runc sends) and whose SCM_RIGHTS carries the fd. */
int terminal_send_master_fd(int sockfd, int master, struct hutch_error **err);

/* terminal_connect_socket(path) + terminal_send_master_fd + close. */
int terminal_send_master(const char *console_socket_path, int master, struct hutch_error **err);

/* Foreground proxy between hutch's stdio and the container's pty, for `run`
 * or `exec` with a terminal and no --console-socket. `child` must be a child
 * of the caller; the caller must have closed its own copies of the slave.
 *  - If stdin is a tty it is put in raw mode and restored before returning
 *    (the signals below are consumed through a signalfd, so they cannot kill
 *    the proxy before the restore); the master gets our window size, and
 *    SIGWINCH keeps it in sync.
 *  - stdin -> master and master -> stdout are copied with poll(2). On stdin
 *    EOF the pty's VEOF character is sent once.
 *  - SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are forwarded to `child`.
 *  - When `child` exits it is reaped; the master is still drained until it
 *    reports EIO/hang-up (all slave fds closed) or stays idle for 500 ms (a
 *    process outside the container's pid namespace may keep the slave open).
 * The caller's signal mask and SIGPIPE disposition are restored on return.
 * *ret_status is the waitpid(2) status of `child`. */
int terminal_proxy(int master, pid_t child, int *ret_status, struct hutch_error **err);

#endif
