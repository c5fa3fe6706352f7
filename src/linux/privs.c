/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.noNewPrivileges, and the non-dumpable flag. */
#include "linux/privs.h"

#include <errno.h>
#include <sys/prctl.h>

int privs_set_no_new_privs(struct hutch_error **err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return herr_errno(
		    err, errno, "config.json: .process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
	return 0;
}

int privs_set_nondumpable(struct hutch_error **err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return herr_errno(err, errno, "prctl PR_SET_DUMPABLE 0");
	return 0;
}
