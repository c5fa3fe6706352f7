/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Applying process.rlimits. */
#include "linux/rlimit.h"
#include "spec/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static const char *fmt_limit(uint64_t v, char buf[32])
{
	if (v == (uint64_t)RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, 32, "%llu", (unsigned long long)v);
	return buf;
}

static int set_one(const struct spec_rlimit *l, struct hutch_error **err)
{
	struct rlimit want = {.rlim_cur = l->soft, .rlim_max = l->hard};
	const char *name = spec_name_of(&spec_rlimits, l->type);
	struct rlimit cur;
	char s[32], h[32], c[32];
	int e;

	if (setrlimit(l->type, &want) == 0)
		return 0;
	e = errno;
	if (e == EPERM && getrlimit(l->type, &cur) == 0 && l->hard > cur.rlim_max) {
		herr_msg(err,
		         "setrlimit %s (soft %s, hard %s): %s (the hard limit is %s; raising it "
		         "needs CAP_SYS_RESOURCE)",
		         name, fmt_limit(l->soft, s), fmt_limit(l->hard, h), strerror(e),
		         fmt_limit(cur.rlim_max, c));
		(*err)->errnum = e;
		return -1;
	}
	if (e == EINVAL && l->soft > l->hard)
		return herr_errno(err, e, "setrlimit %s (soft %s, hard %s): soft limit above hard",
		                  name, fmt_limit(l->soft, s), fmt_limit(l->hard, h));
	return herr_errno(err, e, "setrlimit %s (soft %s, hard %s)", name, fmt_limit(l->soft, s),
	                  fmt_limit(l->hard, h));
}

int rlimit_apply(const struct spec_process *p, struct hutch_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++)
		if (set_one(&p->rlimits[i], err) < 0)
			return -1;
	return 0;
}
