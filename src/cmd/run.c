/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch run: create + start; in the foreground, forward signals (or proxy
 * the terminal), reap, delete, and exit with the container's status. */
#include "cmd/common.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <sys/prctl.h>
#include <unistd.h>

int cmd_run(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct run_flags f;
	struct created c = {.pty_master = -1};
	int code;

	if (cmd_parse_create_flags(argc, argv, true, g, &f, err) < 0)
		return -1;
	if (!f.detach && !f.no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	f.create.keep_pty = !f.detach && !f.create.console_socket;
	if (container_create(&f.create, &c, err) < 0)
		return -1;
	if (container_start_relay(g->root, f.create.id, f.detach, err) < 0) {
		struct hutch_error *e = NULL;
		if (container_delete(g->root, f.create.id, true, &e) < 0)
			herr_freep(&e);
		return -1;
	}
	if (f.detach)
		return 0;
	code = cmd_foreground(c.pid, c.pty_master, err);
	c.pty_master = -1;
	if (code >= 0 && !f.keep) {
		struct hutch_error *e = NULL;
		if (container_delete(g->root, f.create.id, true, &e) < 0) {
			log_warn("delete %s: %s", f.create.id, e->msg);
			herr_freep(&e);
		}
	}
	return code;
}
