/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RLIMIT_* names and applying process.rlimits. */
#include "linux/rlimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_from_name(const char *name)
{
	for (size_t i = 0; name && i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcmp(rlimits[i].name, name) == 0)
			return rlimits[i].resource;
	return -1;
}

static const char *fmt_limit(uint64_t v, char buf[32])
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

static int set_one(const struct spec_rlimit *l, int resource, struct hutch_error **err)
{
	struct rlimit want = {.rlim_cur = l->soft, .rlim_max = l->hard};
	struct rlimit cur;
	char s[32], h[32], c[32];
	int e;

	if (setrlimit(resource, &want) == 0)
		return 0;
	e = errno;
	if (e == EPERM && getrlimit(resource, &cur) == 0 && l->hard > cur.rlim_max) {
		herr_msg(err,
		         "setrlimit %s (soft %s, hard %s): %s (the hard limit is %s; raising it "
		         "needs CAP_SYS_RESOURCE)",
		         l->type, fmt_limit(l->soft, s), fmt_limit(l->hard, h), strerror(e),
		         fmt_limit(cur.rlim_max, c));
		(*err)->errnum = e;
		return -1;
	}
	if (e == EINVAL && l->soft > l->hard)
		return herr_errno(err, e, "setrlimit %s (soft %s, hard %s): soft limit above hard",
		                  l->type, fmt_limit(l->soft, s), fmt_limit(l->hard, h));
	return herr_errno(err, e, "setrlimit %s (soft %s, hard %s)", l->type, fmt_limit(l->soft, s),
	                  fmt_limit(l->hard, h));
}

int rlimit_apply(const struct spec_process *p, struct hutch_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct spec_rlimit *l = &p->rlimits[i];
		int resource = rlimit_from_name(l->type);

		if (resource < 0)
			return herr_msg(err, "process.rlimits[%zu].type: unknown rlimit %s", i,
			                l->type ? l->type : "(null)");
		if (set_one(l, resource, err) < 0)
			return -1;
	}
	return 0;
}
