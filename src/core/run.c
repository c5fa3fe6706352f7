/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run: create and start in one call; in the foreground, wait for the
 * container (forwarding signals or proxying the terminal), delete it, and
 * exit with its status. */
#include "core/container.h"
#include "core/foreground.h"
#include "util/log.h"

#include <sys/prctl.h>
#include <unistd.h>

int container_run(const struct run_opts *o, struct hutch_error **err)
{
	struct create_opts co = o->create;
	struct created c = {.pty_master = -1};
	struct hutch_error *e = NULL;
	int code;

	/* as runc: reap what the container leaves, unless told not to */
	if (!o->detach && !o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	co.keep_pty = !o->detach && !co.console_socket;
	if (container_create(&co, &c, err) < 0)
		return -1;
	if (container_start_relay(co.root, co.id, o->detach, err) < 0) {
		if (container_delete(co.root, co.id, true, &e) < 0)
			herr_freep(&e);
		if (c.pty_master >= 0)
			close(c.pty_master);
		return -1;
	}
	if (o->detach)
		return 0;
	code = foreground_wait(c.pid, c.pty_master, err);
	if (code >= 0 && !o->keep && container_delete(co.root, co.id, true, &e) < 0) {
		log_warn("delete %s: %s", co.id, e->msg);
		herr_freep(&e);
	}
	return code;
}
