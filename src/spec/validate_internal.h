/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the validate*.c files: where a check is, and the resources check
 * with a path prefix. */
#ifndef HUTCH_SPEC_VALIDATE_INTERNAL_H
#define HUTCH_SPEC_VALIDATE_INTERNAL_H

#include "spec/spec.h"

/* Where a check is: errors read "<origin>: <prefix><rest of the path>: ...". */
struct vctx {
	const char *origin;
	const char *prefix; /* JSON path of the object being checked: "" or ".process" */
	struct hutch_error **err;
};

/* Fail with "<origin>: <prefix><fmt...>"; fmt starts with the rest of the
 * path. Always returns -1. */
int vfail(const struct vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* spec_validate_resources with error paths starting at `prefix`
 * (".linux.resources" inside config.json, "" for a standalone file). */
int spec_validate_resources_at(const struct spec_resources *r, const char *origin,
                               const char *prefix, struct hutch_error **err);

#endif
