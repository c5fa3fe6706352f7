/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.ioPriority with ioprio_set(2). */
#include "linux/ioprio.h"
#include "spec/names.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <sys/syscall.h>
#include <unistd.h>

int ioprio_apply(const struct spec_io_priority *io, struct hutch_error **err)
{
	if (!io)
		return 0;
	if (io->priority < 0 || io->priority > 7)
		return herr_msg(err,
		                "config.json: .process.ioPriority.priority: %lld is outside 0..7",
		                (long long)io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
	            IOPRIO_PRIO_VALUE(io->class_, io->priority)) < 0)
		return herr_errno(
		    err, errno, "config.json: .process.ioPriority: ioprio_set %s %lld",
		    spec_name_of(&spec_ioprio_classes, io->class_), (long long)io->priority);
	return 0;
}
