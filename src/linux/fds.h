/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fds a process takes through its execve. */
#ifndef HUTCH_LINUX_FDS_H
#define HUTCH_LINUX_FDS_H

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* Mark every fd >= `from` close-on-exec, except the `n_keep` fds in `keep`
 * (which are left as they are). With --preserve-fds N the caller passes
 * from = 3 + N, so the passed fds survive execve and everything else the
 * runtime leaked does not. Uses close_range(CLOSE_RANGE_CLOEXEC) (Linux 5.11)
 * and falls back to walking /proc/self/fd. */
int fds_cloexec_from(int from, const int *keep, size_t n_keep, struct hutch_error **err);

#endif
