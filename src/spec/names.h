/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's names that config.json uses (rlimits, scheduler policies and
 * flags, I/O priority classes, memory-policy modes and flags, personality
 * domains, seccomp actions, architectures, flags and operators): one table
 * each, name and value. The parser turns names into values once (an unknown
 * name is a parse error naming the JSON path), so the linux layer only ever
 * sees values; the tables also give the features document its lists and the
 * linux layer's messages a value's name. */
#ifndef HUTCH_SPEC_NAMES_H
#define HUTCH_SPEC_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct spec_name {
	const char *name;
	uint32_t value;
};

struct spec_names {
	const char *what; /* for "unknown <what> \"X\"": "rlimit", "scheduler policy", ... */
	const struct spec_name *v;
	size_t n;
};

extern const struct spec_names spec_rlimits;         /* RLIMIT_*: resource numbers */
extern const struct spec_names spec_sched_policies;  /* SCHED_*: policies */
extern const struct spec_names spec_sched_flags;     /* SCHED_FLAG_*: bits */
extern const struct spec_names spec_ioprio_classes;  /* IOPRIO_CLASS_RT|BE|IDLE */
extern const struct spec_names spec_mpol_modes;      /* MPOL_*: modes */
extern const struct spec_names spec_mpol_flags;      /* MPOL_F_*: mode flag bits */
extern const struct spec_names spec_personalities;   /* LINUX, LINUX32: PER_* */
extern const struct spec_names spec_seccomp_actions; /* SCMP_ACT_*: libseccomp actions,
                                                      * which are the kernel's SECCOMP_RET_*
                                                      * (ERRNO and TRACE with 0 as data) */
extern const struct spec_names spec_seccomp_archs;   /* SCMP_ARCH_*: libseccomp tokens,
                                                      * which are the kernel's AUDIT_ARCH_* */
extern const struct spec_names spec_seccomp_flags;   /* SECCOMP_FILTER_FLAG_* bits */
extern const struct spec_names spec_seccomp_ops;     /* SCMP_CMP_*: enum scmp_compare */

/* The row called `name`, or NULL. */
const struct spec_name *spec_name_find(const struct spec_names *t, const char *name);

/* The name of `value` (the first row holding it: SCMP_ACT_KILL and
 * SCMP_ACT_KILL_THREAD are one action), or "?" when no row holds it. */
const char *spec_name_of(const struct spec_names *t, uint32_t value);

/* The bits of a parsed flag list (values from a table of bits, e.g.
 * spec_sched_flags), or-ed together; 0 for an empty list. */
uint64_t spec_names_or(const uint32_t *values, size_t n);

#endif
