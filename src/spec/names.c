/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The name tables of names.h, with their values from the kernel's headers and
 * libseccomp's (whose action and architecture values are the kernel's, and
 * whose operators are its own). */
#include "spec/names.h"

#include <linux/audit.h>
#include <linux/elf-em.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>

#define TABLE(var, what_, ...)                                                                     \
	static const struct spec_name var##_rows[] = {__VA_ARGS__};                                \
	const struct spec_names var = {what_, var##_rows,                                          \
	                               sizeof(var##_rows) / sizeof(var##_rows[0])}
#define ROW(n)                                                                                     \
	{                                                                                          \
#n, (uint32_t)(n)                                                                  \
	}

/* getrlimit(2) */
TABLE(spec_rlimits, "rlimit", ROW(RLIMIT_CPU), ROW(RLIMIT_FSIZE), ROW(RLIMIT_DATA),
      ROW(RLIMIT_STACK), ROW(RLIMIT_CORE), ROW(RLIMIT_RSS), ROW(RLIMIT_NPROC), ROW(RLIMIT_NOFILE),
      ROW(RLIMIT_MEMLOCK), ROW(RLIMIT_AS), ROW(RLIMIT_LOCKS), ROW(RLIMIT_SIGPENDING),
      ROW(RLIMIT_MSGQUEUE), ROW(RLIMIT_NICE), ROW(RLIMIT_RTPRIO), ROW(RLIMIT_RTTIME));

/* sched(7). SCHED_OTHER is the kernel's SCHED_NORMAL; SCHED_ISO is in the
 * schema but was never merged: its number (4) is reserved and sched_setattr
 * refuses it with EINVAL. */
TABLE(spec_sched_policies, "scheduler policy", {"SCHED_OTHER", SCHED_NORMAL}, ROW(SCHED_FIFO),
      ROW(SCHED_RR), ROW(SCHED_BATCH), {"SCHED_ISO", 4}, ROW(SCHED_IDLE), ROW(SCHED_DEADLINE));

/* sched_setattr(2) */
TABLE(spec_sched_flags, "scheduler flag", ROW(SCHED_FLAG_RESET_ON_FORK), ROW(SCHED_FLAG_RECLAIM),
      ROW(SCHED_FLAG_DL_OVERRUN), ROW(SCHED_FLAG_KEEP_POLICY), ROW(SCHED_FLAG_KEEP_PARAMS),
      ROW(SCHED_FLAG_UTIL_CLAMP_MIN), ROW(SCHED_FLAG_UTIL_CLAMP_MAX));

/* ioprio_set(2) */
TABLE(spec_ioprio_classes, "I/O priority class", ROW(IOPRIO_CLASS_RT), ROW(IOPRIO_CLASS_BE),
      ROW(IOPRIO_CLASS_IDLE));

/* set_mempolicy(2). MPOL_WEIGHTED_INTERLEAVE (Linux 6.9) follows
 * MPOL_PREFERRED_MANY; older headers lack it, older kernels refuse it. */
TABLE(spec_mpol_modes, "mode", ROW(MPOL_DEFAULT), ROW(MPOL_PREFERRED), ROW(MPOL_BIND),
      ROW(MPOL_INTERLEAVE), ROW(MPOL_LOCAL), ROW(MPOL_PREFERRED_MANY),
      {"MPOL_WEIGHTED_INTERLEAVE", MPOL_PREFERRED_MANY + 1});
TABLE(spec_mpol_flags, "flag", ROW(MPOL_F_STATIC_NODES), ROW(MPOL_F_RELATIVE_NODES),
      ROW(MPOL_F_NUMA_BALANCING));

/* personality(2); config-linux.md names the domains without PER_ */
TABLE(spec_personalities, "domain", {"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32});

/* seccomp(2) and libseccomp's seccomp_rule_add(3). SCMP_ACT_KILL is
 * SCMP_ACT_KILL_THREAD. */
TABLE(spec_seccomp_actions, "action", ROW(SCMP_ACT_KILL), ROW(SCMP_ACT_KILL_PROCESS),
      ROW(SCMP_ACT_KILL_THREAD), ROW(SCMP_ACT_TRAP), {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
      {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)}, ROW(SCMP_ACT_ALLOW), ROW(SCMP_ACT_LOG),
      ROW(SCMP_ACT_NOTIFY));

/* runtime-spec's list (libseccomp 2.6). Which of them work depends on the
 * libseccomp in use: the last four are newer than 2.5, whose header lacks
 * them, so they are spelt as libseccomp 2.6 defines them. */
TABLE(spec_seccomp_archs, "architecture", ROW(SCMP_ARCH_X86), ROW(SCMP_ARCH_X86_64),
      ROW(SCMP_ARCH_X32), ROW(SCMP_ARCH_ARM), ROW(SCMP_ARCH_AARCH64), ROW(SCMP_ARCH_MIPS),
      ROW(SCMP_ARCH_MIPS64), ROW(SCMP_ARCH_MIPS64N32), ROW(SCMP_ARCH_MIPSEL),
      ROW(SCMP_ARCH_MIPSEL64), ROW(SCMP_ARCH_MIPSEL64N32), ROW(SCMP_ARCH_PPC), ROW(SCMP_ARCH_PPC64),
      ROW(SCMP_ARCH_PPC64LE), ROW(SCMP_ARCH_S390), ROW(SCMP_ARCH_S390X), ROW(SCMP_ARCH_PARISC),
      ROW(SCMP_ARCH_PARISC64), ROW(SCMP_ARCH_RISCV64),
      {"SCMP_ARCH_LOONGARCH64", AUDIT_ARCH_LOONGARCH64}, {"SCMP_ARCH_M68K", AUDIT_ARCH_M68K},
      {"SCMP_ARCH_SH", AUDIT_ARCH_SHEL}, {"SCMP_ARCH_SHEB", AUDIT_ARCH_SH});

/* seccomp(2), SECCOMP_SET_MODE_FILTER. WAIT_KILLABLE_RECV is Linux 5.19. */
TABLE(spec_seccomp_flags, "flag", ROW(SECCOMP_FILTER_FLAG_TSYNC), ROW(SECCOMP_FILTER_FLAG_LOG),
      ROW(SECCOMP_FILTER_FLAG_SPEC_ALLOW), {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5});

TABLE(spec_seccomp_ops, "operator", ROW(SCMP_CMP_NE), ROW(SCMP_CMP_LT), ROW(SCMP_CMP_LE),
      ROW(SCMP_CMP_EQ), ROW(SCMP_CMP_GE), ROW(SCMP_CMP_GT), ROW(SCMP_CMP_MASKED_EQ));

const struct spec_name *spec_name_find(const struct spec_names *t, const char *name)
{
	for (size_t i = 0; name && i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

const char *spec_name_of(const struct spec_names *t, uint32_t value)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].value == value)
			return t->v[i].name;
	return "?";
}

uint64_t spec_names_or(const uint32_t *values, size_t n)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < n; i++)
		bits |= values[i];
	return bits;
}
