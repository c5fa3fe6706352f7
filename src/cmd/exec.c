/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch exec: run a process in a running container. */
#include "cmd/common.h"
#include "core/rootless.h"
#include "core/exec.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OPT_PROCESS = 256,
	OPT_PID_FILE,
	OPT_CONSOLE,
	OPT_CWD,
	OPT_NNP,
	OPT_PRESERVE,
	OPT_CGROUP,
	OPT_APPARMOR,
	OPT_LABEL,
	OPT_IGNORE_PAUSED
};

static int parse_id(const char *s, uint32_t *ret)
{
	unsigned long long v;

	if (str_to_u64(s, &v) < 0 || v > UINT32_MAX)
		return -1;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_user(const char *arg, struct exec_opts *o, struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(arg);
	char *colon = strchr(copy, ':');

	if (colon)
		*colon++ = '\0';
	if (parse_id(copy, &o->uid) < 0 || (colon && parse_id(colon, &o->gid) < 0))
		return herr_msg(err, "invalid --user '%s': expected UID[:GID]", arg);
	o->user_set = true;
	return 0;
}

static int parse_gids(const char *arg, struct exec_opts *o, struct hutch_error **err)
{
	_cleanup_free_ char *copy = xstrdup(arg);

	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		uint32_t g;
		if (parse_id(t, &g) < 0)
			return herr_msg(err, "invalid --additional-gids '%s'", arg);
		o->additional_gids =
		    xrealloc(o->additional_gids, (o->n_additional_gids + 1) * sizeof(uint32_t));
		o->additional_gids[o->n_additional_gids++] = g;
	}
	return 0;
}

/* One option of `hutch exec`: c from getopt_long, val its argument, arg the
 * word it came from (for the error). */
static int exec_flag(int c, const char *val, const char *arg, struct exec_opts *o,
                     struct hutch_error **err)
{
	long long n;

	switch (c) {
	case OPT_PROCESS:
	case 'p':
		o->process_file = val;
		return 0;
	case 'd':
		o->detach = true;
		return 0;
	case OPT_PID_FILE:
		o->pid_file = val;
		return 0;
	case OPT_CONSOLE:
		o->console_socket = val;
		return 0;
	case 't':
		o->tty = true;
		return 0;
	case OPT_CWD:
		o->cwd = val;
		return 0;
	case 'e':
		strv_push(&o->env, val);
		return 0;
	case 'u':
		return parse_user(val, o, err);
	case 'g':
		return parse_gids(val, o, err);
	case 'c':
		strv_push(&o->caps, val);
		return 0;
	case OPT_NNP:
		o->no_new_privs = true;
		return 0;
	case OPT_PRESERVE:
		if (str_to_i64(val, &n) < 0 || n < 0 || n > 65536)
			return herr_msg(err, "invalid --preserve-fds '%s'", val);
		o->preserve_fds = (int)n;
		return 0;
	case OPT_CGROUP:
		strv_push(&o->sub_cgroups, val);
		return 0;
	case OPT_APPARMOR:
		o->apparmor = val;
		return 0;
	case OPT_LABEL:
		o->process_label = val;
		return 0;
	case OPT_IGNORE_PAUSED:
		o->ignore_paused = true;
		return 0;
	default:
		return herr_msg(err, "exec: unknown or incomplete option '%s'", arg);
	}
}

static int parse_exec_flags(int argc, char **argv, struct exec_opts *o, struct hutch_error **err)
{
	static const struct option longopts[] = {
	    {"process", required_argument, NULL, OPT_PROCESS},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"tty", no_argument, NULL, 't'},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, OPT_NNP},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"cgroup", required_argument, NULL, OPT_CGROUP},
	    {"apparmor", required_argument, NULL, OPT_APPARMOR},
	    {"process-label", required_argument, NULL, OPT_LABEL},
	    {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+dte:u:g:c:p:", longopts, NULL)) != -1)
		if (exec_flag(c, optarg, argv[optind - 1], o, err) < 0)
			return -1;
	return cmd_check_args("exec", argc, 1, -1, err);
}

int cmd_exec(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct exec_opts o = {.root = g->root,
	                      .first_free_fd = g->first_free_fd,
	                      .rootless = rootless_is(g->rootless)};
	int r = parse_exec_flags(argc, argv, &o, err);

	if (r == 0) {
		o.id = argv[optind];
		o.args = argc > optind + 1 ? argv + optind + 1 : NULL;
		r = container_exec_run(&o, err);
		/* runc's wording; main exits 255, so a caller can tell a failed
		 * exec from a process that exited 1 */
		if (r < 0)
			herr_prefix(err, "exec failed");
	}
	strv_free(o.env);
	strv_free(o.caps);
	strv_free(o.sub_cgroups);
	free(o.additional_gids);
	return r;
}
