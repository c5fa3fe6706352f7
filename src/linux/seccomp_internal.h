/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the seccomp*.c files only: the filter layout, the ENOSYS
 * stub and the cache. Nothing outside src/linux/seccomp*.c includes this. */
#ifndef HUTCH_LINUX_SECCOMP_INTERNAL_H
#define HUTCH_LINUX_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux/seccomp.h"

/* BPF_MAXINSNS: the kernel refuses longer programs */
#define SECCOMP_MAX_INSNS 4096

struct seccomp_filter {
	struct sock_filter *insns; /* malloc'd, len entries */
	size_t len;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_*, without NEW_LISTENER */
	bool notify;        /* load with SECCOMP_FILTER_FLAG_NEW_LISTENER */
};

/* The highest syscall number the profile names, for one filter architecture
 * (a libseccomp SCMP_ARCH_* token). */
struct seccomp_arch_max {
	uint32_t arch;
	uint32_t max_nr;
};

/* Prepend to f->insns a stub returning ERRNO(ENOSYS) for syscall numbers
 * above max_nr of the matching architecture; other calls fall through to the
 * original program. n == 0 leaves f unchanged. Returns -1 with *err if the
 * result would be too long for the kernel. */
int seccomp_enosys_patch(struct seccomp_filter *f, const struct seccomp_arch_max *archs, size_t n,
                         struct hutch_error **err);

/* Cache key: the SHA-256 (util/sha256.c) of the profile and the environment that
 * shapes the compiled program, as 64 hex digits and a NUL. */
#define SECCOMP_CACHE_KEY_SIZE 65
void seccomp_cache_key(const struct spec_seccomp *s, char key[SECCOMP_CACHE_KEY_SIZE]);
/* Returns a filter read from <dir>/<key>.bpf, or NULL (missing or invalid). */
struct seccomp_filter *seccomp_cache_read(const char *dir, const char *key);
/* Best effort: failures are logged at debug level. */
void seccomp_cache_write(const char *dir, const char *key, const struct seccomp_filter *f);

#endif
