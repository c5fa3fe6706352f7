/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Passing a file descriptor over an AF_UNIX socket (SCM_RIGHTS, unix(7)): the
 * one place that builds or reads the control message. Thin wrappers with the
 * system call's convention (-1 and errno), so each caller words its error. */
#ifndef HUTCH_UTIL_FDPASS_H
#define HUTCH_UTIL_FDPASS_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* One sendmsg(2) of the n_iov buffers of iov (at least one byte in all, or
 * the fd does not travel on a stream socket), with fd attached as SCM_RIGHTS
 * when fd >= 0. MSG_NOSIGNAL: a closed peer is EPIPE, not SIGPIPE. Retries on
 * EINTR; any other failure (EAGAIN from a send timeout included) returns -1
 * with errno set. The caller keeps fd open and closes it. Returns the bytes
 * sent, which on a stream socket may be fewer than offered. */
ssize_t fdpass_send(int sock, const struct iovec *iov, size_t n_iov, int fd);

/* One recvmsg(2) into the n_iov buffers of iov, with MSG_CMSG_CLOEXEC: a
 * received fd is close-on-exec from its first moment. Retries on EINTR.
 * *ret_fd gets the first fd the message carried (owned by the caller), or -1;
 * any further fds are closed. Returns the bytes received (0: the peer hung
 * up), or -1 with errno set and *ret_fd -1. */
ssize_t fdpass_recv(int sock, struct iovec *iov, size_t n_iov, int *ret_fd);

#endif
