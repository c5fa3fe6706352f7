/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.execCPUAffinity with sched_setaffinity(2). */
#include "linux/cpu_affinity.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>

int cpu_affinity_apply(pid_t pid, const char *list, const char *field, struct hutch_error **err)
{
	_cleanup_free_ unsigned long *mask = NULL;
	size_t nbits = 0;

	if (!list || !*list)
		return 0;
	if (cpulist_parse(list, field, &mask, &nbits, err) < 0)
		return -1;
	if (nbits == 0)
		return 0;
	if (sched_setaffinity(pid, nbits / 8, (cpu_set_t *)mask) < 0)
		return herr_errno(err, errno, "%s: sched_setaffinity %s", field, list);
	return 0;
}
