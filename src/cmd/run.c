/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch run: create + start (core/run.c), in the foreground or detached. */
#include "cmd/common.h"

int cmd_run(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct run_opts f;

	if (cmd_parse_create_flags(argc, argv, true, g, &f, err) < 0)
		return -1;
	return container_run(&f, err);
}
