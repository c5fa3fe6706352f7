/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.personality with personality(2). */
#include "linux/personality.h"
#include "spec/names.h"

#include <errno.h>
#include <sys/personality.h>

int personality_apply(const struct spec_personality *p, struct hutch_error **err)
{
	if (!p)
		return 0;
	if (p->flags && p->flags[0])
		return herr_msg(err, "config.json: .linux.personality.flags: unsupported flag %s",
		                p->flags[0]);
	if (personality(p->domain) < 0)
		return herr_errno(err, errno, "config.json: .linux.personality: personality %s",
		                  spec_name_of(&spec_personalities, p->domain));
	return 0;
}
