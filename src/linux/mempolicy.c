/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.memoryPolicy with set_mempolicy(2). */
#include "linux/mempolicy.h"
#include "spec/names.h"
#include "util/cleanup.h"
#include "util/cpulist.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int mempolicy_apply(const struct spec_memory_policy *m, struct hutch_error **err)
{
	_cleanup_free_ unsigned long *nodes = NULL;
	size_t nbits = 0;
	int mode;

	if (!m)
		return 0;
	mode = (int)(m->mode | spec_names_or(m->flags, m->n_flags));
	if (cpulist_parse(m->nodes, "config.json: .linux.memoryPolicy.nodes", &nodes, &nbits, err) <
	    0)
		return -1;
	/* The kernel reads maxnode - 1 bits (mm/mempolicy.c get_nodes()). */
	if (syscall(SYS_set_mempolicy, mode, nodes, nbits ? nbits + 1 : 0) < 0)
		return herr_errno(
		    err, errno, "config.json: .linux.memoryPolicy: set_mempolicy %s nodes \"%s\"",
		    spec_name_of(&spec_mpol_modes, m->mode), m->nodes ? m->nodes : "");
	return 0;
}
