/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CPUs a process may run on: process.execCPUAffinity. */
#ifndef HUTCH_LINUX_CPU_AFFINITY_H
#define HUTCH_LINUX_CPU_AFFINITY_H

#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* sched_setaffinity(pid, cpus of `list`). pid 0 is the caller. NULL or empty
 * list: no-op (the spec says not to change it). `field` names the JSON field
 * in errors. */
int cpu_affinity_apply(pid_t pid, const char *list, const char *field, struct hutch_error **err);

#endif
