/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks on linux.resources (also used alone by `update --resources`)
 * and the lists of names config.json may use. */
#include "spec/validate_internal.h"
#include "util/str.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* getrlimit(2) */
const char *const spec_rlimit_names[] = {
    "RLIMIT_CPU",
    "RLIMIT_FSIZE",
    "RLIMIT_DATA",
    "RLIMIT_STACK",
    "RLIMIT_CORE",
    "RLIMIT_RSS",
    "RLIMIT_NPROC",
    "RLIMIT_NOFILE",
    "RLIMIT_MEMLOCK",
    "RLIMIT_AS",
    "RLIMIT_LOCKS",
    "RLIMIT_SIGPENDING",
    "RLIMIT_MSGQUEUE",
    "RLIMIT_NICE",
    "RLIMIT_RTPRIO",
    "RLIMIT_RTTIME",
    NULL,
};

const char *const spec_sched_policy_names[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",       "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE", NULL,
};

const char *const spec_sched_flag_names[] = {
    "SCHED_FLAG_RESET_ON_FORK",  "SCHED_FLAG_RECLAIM",
    "SCHED_FLAG_DL_OVERRUN",     "SCHED_FLAG_KEEP_POLICY",
    "SCHED_FLAG_KEEP_PARAMS",    "SCHED_FLAG_UTIL_CLAMP_MIN",
    "SCHED_FLAG_UTIL_CLAMP_MAX", NULL,
};

const char *const spec_mempolicy_mode_names[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL",      NULL,
};

const char *const spec_mempolicy_flag_names[] = {
    "MPOL_F_NUMA_BALANCING",
    "MPOL_F_RELATIVE_NODES",
    "MPOL_F_STATIC_NODES",
    NULL,
};

const char *const spec_seccomp_action_names[] = {
    "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",      NULL,
};

const char *const spec_seccomp_arch_names[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL,
};

const char *const spec_seccomp_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

const char *const spec_seccomp_op_names[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static int check_device_rules(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct spec_device_cgroup *d = &r->devices[i];

		if (d->type && (strlen(d->type) != 1 || !strchr("acb", d->type[0])))
			return vfail(
			    v,
			    ".devices[%zu].type: unknown device type \"%s\", expected a, c "
			    "or b",
			    i, d->type);
		if (d->access && strspn(d->access, "rwm") != strlen(d->access))
			return vfail(v,
			             ".devices[%zu].access: invalid access \"%s\", expected a "
			             "combination of r, w and m",
			             i, d->access);
	}
	return 0;
}

static int check_memory_cpu(const struct vctx *v, const struct spec_resources *r)
{
	if (r->memory && r->memory->swappiness.set && r->memory->swappiness.value > 100)
		return vfail(v, ".memory.swappiness: must be between 0 and 100, got %llu",
		             (unsigned long long)r->memory->swappiness.value);
	if (r->cpu && r->cpu->burst.set && r->cpu->quota.set && r->cpu->quota.value > 0 &&
	    r->cpu->burst.value > (uint64_t)r->cpu->quota.value)
		return vfail(v, ".cpu.burst: %llu is larger than quota %lld",
		             (unsigned long long)r->cpu->burst.value,
		             (long long)r->cpu->quota.value);
	return 0;
}

static int check_blkio(const struct vctx *v, const struct spec_blkio *b)
{
	for (size_t i = 0; i < b->n_weightDevice; i++)
		if (!b->weightDevice[i].weight.set && !b->weightDevice[i].leafWeight.set)
			return vfail(
			    v, ".blockIO.weightDevice[%zu]: weight or leafWeight is required", i);
	return 0;
}

/* "<size><K|M|G>B" with size not starting with 0 (schema pattern) */
static bool valid_page_size(const char *s)
{
	size_t digits = strspn(s, "0123456789");

	return digits > 0 && s[0] != '0' && s[digits] && strchr("KMG", s[digits]) &&
	       strcmp(s + digits + 1, "B") == 0;
}

static int check_hugetlb_rdma(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_hugepageLimits; i++)
		if (!valid_page_size(r->hugepageLimits[i].pageSize))
			return vfail(v, ".hugepageLimits[%zu].pageSize: invalid page size \"%s\"",
			             i, r->hugepageLimits[i].pageSize);
	for (size_t i = 0; i < r->n_rdma; i++)
		if (!r->rdma[i].hcaHandles.set && !r->rdma[i].hcaObjects.set)
			return vfail(v, ".rdma: device \"%s\" needs hcaHandles or hcaObjects",
			             r->rdma[i].device);
	return 0;
}

/* unified keys name files in the container's cgroup directory: never let one
 * point elsewhere. */
static int check_unified(const struct vctx *v, const struct spec_resources *r)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		if (!*k || strchr(k, '/') || strcmp(k, ".") == 0 || strcmp(k, "..") == 0)
			return vfail(v, ".unified: invalid cgroup file name \"%s\"", k);
	}
	return 0;
}

int spec_validate_resources_at(const struct spec_resources *r, const char *origin,
                               const char *prefix, struct hutch_error **err)
{
	struct vctx v = {origin, prefix, err};

	if (check_device_rules(&v, r) < 0 || check_memory_cpu(&v, r) < 0 ||
	    check_hugetlb_rdma(&v, r) < 0 || check_unified(&v, r) < 0)
		return -1;
	if (r->blockIO && check_blkio(&v, r->blockIO) < 0)
		return -1;
	return 0;
}

int spec_validate_resources(const struct spec_resources *r, const char *origin,
                            struct hutch_error **err)
{
	return spec_validate_resources_at(r, origin, "", err);
}
