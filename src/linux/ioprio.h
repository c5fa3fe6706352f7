/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O scheduling class and priority: process.ioPriority. */
#ifndef HUTCH_LINUX_IOPRIO_H
#define HUTCH_LINUX_IOPRIO_H

#include "spec/spec.h"
#include "util/error.h"

/* ioprio_set(IOPRIO_WHO_PROCESS, 0, class|priority) on the calling process; it
 * is inherited by everything the process forks. NULL: no-op. Priority must be
 * 0..7. */
int ioprio_apply(const struct spec_io_priority *io, struct hutch_error **err);

#endif
