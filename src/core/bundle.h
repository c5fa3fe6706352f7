/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A new bundle's config.json (hutch spec). */
#ifndef HUTCH_CORE_BUNDLE_H
#define HUTCH_CORE_BUNDLE_H

#include "util/error.h"

#include <stdbool.h>

/* Write the default config.json (runc's defaults, spec/default.h; rootless:
 * the caller's own ids mapped to root, no cgroup resources) into the bundle
 * directory. An existing config.json is never replaced: that is an error
 * saying so (runc's wording). */
int bundle_write_default_spec(const char *bundle, bool rootless, struct hutch_error **err);

#endif
