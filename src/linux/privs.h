/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Privileges the process gives up for good before its execve. */
#ifndef HUTCH_LINUX_PRIVS_H
#define HUTCH_LINUX_PRIVS_H

#include "spec/spec.h"
#include "util/error.h"

/* prctl(PR_SET_NO_NEW_PRIVS, 1). */
int privs_set_no_new_privs(struct hutch_error **err);

#endif
