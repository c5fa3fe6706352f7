/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The verbs that work on a container's cgroup: pause, resume, update, ps and
 * events. cmd/ parses their options and calls one of these. */
#ifndef HUTCH_CORE_CGROUPS_H
#define HUTCH_CORE_CGROUPS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* pause: freeze every process of a created or running container ("container
 * not running" otherwise); resume: thaw a paused one ("container not
 * paused"). Both hold the container lock and record the state. */
int container_pause(const char *root, const char *id, struct hutch_error **err);
int container_resume(const char *root, const char *id, struct hutch_error **err);

/* update: lay `update` over the container's resources (config.json's, and
 * the updates before it, kept in the state directory) and write what it
 * changes, as runc does: e.g. a new swap limit is written with the memory
 * limit already in place, a new cpu period with the quota in place. Device
 * rules in an update are added to the container's, between the default
 * deny-all and the default allows (cgroup v2: one new eBPF program with all
 * of them). `update` gets the semantic checks of config.json's
 * linux.resources first (errors "resources: .devices[0].access: ..."), so a
 * bad one changes nothing. Fails for a stopped container or one without a
 * cgroup. */
int container_update(const char *root, const char *id, const struct spec_resources *update,
                     struct hutch_error **err);

/* ps: the host pids of every process in the container's cgroup (*ret
 * malloc'd, NULL when none). Does not wait for the container lock. */
int container_ps(const char *root, const char *id, pid_t **ret, size_t *ret_n,
                 struct hutch_error **err);

/* Run ps(1) with `args` (default -ef) and print to `out` its header and the
 * lines of `pids`. */
int container_ps_table(char *const *args, const pid_t *pids, size_t n, FILE *out,
                       struct hutch_error **err);

/* events: write runc's JSON event lines to `out`: with stats_once one
 * {"type":"stats",...} object; else an "oom" event for each OOM kill and a
 * "stats" event every interval_ms, until the init exits. The waiting is on
 * the kernel's notifications (the init's pidfd, an inotify watch on v2
 * memory.events or an eventfd on v1 memory.oom_control), not on a timer.
 * Does not wait for the container lock. */
int container_events(const char *root, const char *id, bool stats_once, long long interval_ms,
                     FILE *out, struct hutch_error **err);

#endif
