/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.rlimits: setrlimit for the container process. */
#ifndef HUTCH_LINUX_RLIMIT_H
#define HUTCH_LINUX_RLIMIT_H

#include "spec/spec.h"
#include "util/error.h"

/* setrlimit() every entry of p->rlimits on the calling process, in order.
 * Run it in the container process while it is still privileged (before
 * user_apply/caps_apply): raising a hard limit needs CAP_SYS_RESOURCE.
 * Errors name the limit and the values, e.g.
 *   "setrlimit RLIMIT_NOFILE (soft 1048576, hard 1048576): Operation not
 *    permitted (the hard limit is 524288; raising it needs CAP_SYS_RESOURCE)". */
int rlimit_apply(const struct spec_process *p, struct hutch_error **err);

#endif
