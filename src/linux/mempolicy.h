/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The NUMA memory policy: linux.memoryPolicy. */
#ifndef HUTCH_LINUX_MEMPOLICY_H
#define HUTCH_LINUX_MEMPOLICY_H

#include "spec/spec.h"
#include "util/error.h"

/* set_mempolicy(2) with mode|flags and the node list (NULL: no-op). */
int mempolicy_apply(const struct spec_memory_policy *m, struct hutch_error **err);

#endif
