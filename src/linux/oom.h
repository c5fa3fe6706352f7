/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process's OOM-killer score: process.oomScoreAdj. */
#ifndef HUTCH_LINUX_OOM_H
#define HUTCH_LINUX_OOM_H

#include "spec/spec.h"
#include "util/error.h"

/* Write p->oomScoreAdj to /proc/self/oom_score_adj; no-op when not set.
 * Lowering it below the value inherited needs CAP_SYS_RESOURCE; the error says
 * so. */
int oom_set_score_adj(const struct spec_process *p, struct hutch_error **err);

#endif
