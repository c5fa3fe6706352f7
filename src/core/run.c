/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run: create and start in one call; in the foreground, wait for the
 * container (forwarding signals or proxying the terminal), delete it, and
 * exit with its status. */
#include "core/container.h"
#include "core/foreground.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <sys/prctl.h>
#include <unistd.h>

int container_run(const struct run_opts *o, struct hutch_error **err)
{
	struct create_opts co = o->create;
	struct created cr = {.pty_master = -1};
	struct container c = {.dir = STATE_DIR_INIT};
	_cleanup_spec_ struct spec *s = NULL;
	struct hutch_error *e = NULL;
	int code;

	/* as runc: reap what the container leaves, unless told not to */
	if (!o->detach && !o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	co.keep_pty = !o->detach && !co.console_socket;
	/* the start step takes the container as create leaves it, locked, with
	 * the config it parsed: nothing is read again */
	if (container_create_open(&co, &cr, &c, &s, err) < 0)
		return -1;
	if (container_start_opened(co.root, co.id, &c, s, o->detach, err) < 0) {
		container_close(&c);
		if (container_delete_with(co.root, co.id, true, s, &e) < 0)
			herr_freep(&e);
		if (cr.pty_master >= 0)
			close(cr.pty_master);
		return -1;
	}
	container_close(&c);
	if (o->detach)
		return 0;
	code = foreground_wait(cr.pid, cr.pty_master, err);
	if (code >= 0 && !o->keep && container_delete_with(co.root, co.id, true, s, &e) < 0) {
		log_warn("delete %s: %s", co.id, e->msg);
		herr_freep(&e);
	}
	return code;
}
