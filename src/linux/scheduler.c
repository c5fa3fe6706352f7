/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.scheduler with sched_setattr(2). */
#include "linux/scheduler.h"
#include "spec/names.h"

#include <errno.h>
#include <sched.h>
/* struct sched_attr comes from the kernel's header, whose struct sched_param
 * glibc's <sched.h> already defines: that one is renamed out of the way. */
#define sched_param linux_sched_param
#include <linux/sched/types.h>
#undef sched_param
#include <linux/sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

int scheduler_apply(const struct spec_scheduler *s, struct hutch_error **err)
{
	struct sched_attr attr = {.size = sizeof(attr)};

	if (!s)
		return 0;
	attr.sched_policy = s->policy;
	attr.sched_flags = spec_names_or(s->flags, s->n_flags);
	attr.sched_nice = s->nice;
	attr.sched_priority = (uint32_t)s->priority;
	attr.sched_runtime = s->runtime;
	attr.sched_deadline = s->deadline;
	attr.sched_period = s->period;
	/* the spec has no clamp values: a clamp flag gets the whole range,
	 * 0..1024 (SCHED_CAPACITY_SCALE, linux/sched/types.h) */
	if (attr.sched_flags & SCHED_FLAG_UTIL_CLAMP)
		attr.sched_util_max = 1024;
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return herr_errno(
		    err, errno,
		    "config.json: .process.scheduler: sched_setattr %s (nice %d, priority %d)",
		    spec_name_of(&spec_sched_policies, s->policy), s->nice, s->priority);
	return 0;
}
