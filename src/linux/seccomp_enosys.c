/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A BPF prologue that answers syscalls newer than the profile with ENOSYS, so
 * that libc and programs fall back to older calls instead of failing with the
 * profile's default errno (the problem runc's patchbpf solves). */
#include "linux/seccomp_internal.h"
#include "util/str.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000u

/* libseccomp's SCMP_ARCH_* tokens are the AUDIT_ARCH_* values, except x32,
 * which the kernel reports as x86_64 with X32_SYSCALL_BIT in the number. */
#define SCMP_TOKEN_X32 (AUDIT_ARCH_X86_64 & ~__AUDIT_ARCH_64BIT)

/* One kernel architecture value to test, with the limits that apply to it. */
struct arch_group {
	uint32_t audit_arch;
	uint32_t max;     /* 0: none */
	uint32_t max_x32; /* x86_64 only: limit for numbers with X32_SYSCALL_BIT */
};

struct prog {
	struct sock_filter insns[256];
	size_t len;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	p->insns[p->len++] = (struct sock_filter){code, jt, jf, k};
}

static size_t group_archs(const struct seccomp_arch_max *archs, size_t n, struct arch_group *g)
{
	size_t ng = 0;

	for (size_t i = 0; i < n; i++) {
		bool x32 = archs[i].arch == SCMP_TOKEN_X32;
		uint32_t audit = x32 ? AUDIT_ARCH_X86_64 : archs[i].arch;
		size_t k = 0;

		if (archs[i].max_nr == 0)
			continue; /* the profile names nothing here: leave it alone */
		while (k < ng && g[k].audit_arch != audit)
			k++;
		if (k == ng)
			g[ng++] = (struct arch_group){audit, 0, 0};
		if (x32)
			g[k].max_x32 = archs[i].max_nr;
		else
			g[k].max = archs[i].max_nr;
	}
	return ng;
}

/* Instructions a section takes (see emit_section). */
static size_t section_len(const struct arch_group *g)
{
	if (g->audit_arch != AUDIT_ARCH_X86_64)
		return 3;
	return 2 + (g->max ? 2 : 1) + (g->max_x32 ? 2 : 1);
}

/* `jgt max -> ENOSYS` then `ja filter`; enosys/filter are absolute indexes.
 * A zero max becomes a plain jump to the filter. */
static void emit_limit(struct prog *p, uint32_t max, size_t enosys, size_t filter)
{
	if (max)
		emit(p, BPF_JMP | BPF_JGT | BPF_K, (uint8_t)(enosys - p->len - 1), 0, max);
	emit(p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - p->len - 1));
}

static void emit_section(struct prog *p, const struct arch_group *g, size_t enosys, size_t filter)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	if (g->audit_arch != AUDIT_ARCH_X86_64) {
		emit_limit(p, g->max, enosys, filter);
		return;
	}
	/* x32 calls carry X32_SYSCALL_BIT: skip to their own limit */
	emit(p, BPF_JMP | BPF_JSET | BPF_K, g->max ? 2 : 1, 0, X32_SYSCALL_BIT);
	emit_limit(p, g->max, enosys, filter);
	emit_limit(p, g->max_x32, enosys, filter);
}

/*
 *   ld  arch
 *   jeq ARCH_i -> section_i          (one per group)
 *   ja  filter
 *   section_i: ld nr; [x86_64: jset X32 bit -> x32 part]; jgt max -> enosys; ja filter
 *   enosys: ret ERRNO(ENOSYS)
 *   filter: the original program (it loads what it needs itself)
 */
static void build_stub(struct prog *p, const struct arch_group *g, size_t ng)
{
	size_t sec_start[32], enosys, at;

	at = 1 + ng + 1;
	for (size_t i = 0; i < ng; i++) {
		sec_start[i] = at;
		at += section_len(&g[i]);
	}
	enosys = at;
	p->len = 0;
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < ng; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(sec_start[i] - p->len - 1), 0,
		     g[i].audit_arch);
	emit(p, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(enosys + 1 - p->len - 1));
	for (size_t i = 0; i < ng; i++)
		emit_section(p, &g[i], enosys, enosys + 1);
	emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
}

int seccomp_enosys_patch(struct seccomp_filter *f, const struct seccomp_arch_max *archs, size_t n,
                         struct hutch_error **err)
{
	struct arch_group g[32];
	struct prog p;
	struct sock_filter *insns;
	size_t ng;

	if (n > 32)
		n = 32; /* more than libseccomp has architectures */
	ng = group_archs(archs, n, g);
	if (ng == 0)
		return 0;
	build_stub(&p, g, ng);
	if (f->len + p.len > SECCOMP_MAX_INSNS)
		return herr_msg(err, "seccomp: filter too long (%zu instructions, at most %d)",
		                f->len + p.len, SECCOMP_MAX_INSNS);
	insns = xmalloc((f->len + p.len) * sizeof(*insns));
	memcpy(insns, p.insns, p.len * sizeof(*insns));
	memcpy(insns + p.len, f->insns, f->len * sizeof(*insns));
	free(f->insns);
	f->insns = insns;
	f->len += p.len;
	return 0;
}
