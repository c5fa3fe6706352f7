/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp support. */
#include "linux/seccomp.h"

#include <seccomp.h>
#include <stdio.h>

const char *seccomp_version_string(void)
{
	static char buf[32];
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	return buf;
}
