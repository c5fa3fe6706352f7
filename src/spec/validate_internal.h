/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the validate*.c files: the enumerated names config.json may use
 * (NULL-terminated lists) and the resources check with a path prefix. */
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

extern const char *const spec_rlimit_names[];
extern const char *const spec_sched_policy_names[];
extern const char *const spec_sched_flag_names[];
extern const char *const spec_mempolicy_mode_names[];
extern const char *const spec_mempolicy_flag_names[];
extern const char *const spec_seccomp_action_names[];
extern const char *const spec_seccomp_arch_names[];
extern const char *const spec_seccomp_flag_names[];
extern const char *const spec_seccomp_op_names[];

/* spec_validate_resources with error paths starting at `prefix`
 * (".linux.resources" inside config.json, "" for a standalone file). */
int spec_validate_resources_at(const struct spec_resources *r, const char *origin,
                               const char *prefix, struct hutch_error **err);

#endif
