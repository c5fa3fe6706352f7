/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LD_PRELOAD library for benchmarking crun on a host without
 * CAP_SYS_RESOURCE: crun raises RLIMIT_MEMLOCK to infinity at start-up
 * (for its eBPF device programs) and gives up when the kernel refuses. Here
 * that one refusal (EPERM on RLIMIT_MEMLOCK) reads as success; every other
 * setrlimit call, and every other result, is passed through untouched.
 * Built by bench.py: cc -shared -fPIC -o memlock_preload.so memlock_preload.c -ldl */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>

typedef int setrlimit_fn(__rlimit_resource_t, const struct rlimit *);

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rlim)
{
	setrlimit_fn *real = (setrlimit_fn *)dlsym(RTLD_NEXT, "setrlimit");
	int r = real(resource, rlim);

	if (r < 0 && errno == EPERM && resource == RLIMIT_MEMLOCK)
		return 0;
	return r;
}
