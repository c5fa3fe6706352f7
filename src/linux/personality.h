/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The execution domain: linux.personality. */
#ifndef HUTCH_LINUX_PERSONALITY_H
#define HUTCH_LINUX_PERSONALITY_H

#include "spec/spec.h"
#include "util/error.h"

/* personality(2) PER_LINUX or PER_LINUX32 for linux.personality.domain
 * (NULL: no-op). Any flag is an error: the spec defines none. */
int personality_apply(const struct spec_personality *p, struct hutch_error **err);

#endif
