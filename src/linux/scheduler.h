/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scheduling policy and its parameters: process.scheduler. */
#ifndef HUTCH_LINUX_SCHEDULER_H
#define HUTCH_LINUX_SCHEDULER_H

#include "spec/spec.h"
#include "util/error.h"

/* sched_setattr(2) on the calling thread with policy, nice, priority, flags,
 * runtime, deadline, period from `s` (NULL: no-op). */
int scheduler_apply(const struct spec_scheduler *s, struct hutch_error **err);

#endif
