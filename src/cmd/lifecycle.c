/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch start, state, kill and delete: one container id each. */
#include "cmd/common.h"
#include "util/cleanup.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static int no_flags(const char *verb, int argc, char **argv, int max, struct hutch_error **err)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	if (getopt_long(argc, argv, "", none, NULL) != -1)
		return herr_msg(err, "%s: unknown option '%s'", verb, argv[optind - 1]);
	return cmd_check_args(verb, argc, 1, max, err);
}

int cmd_start(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	if (no_flags("start", argc, argv, 1, err) < 0)
		return -1;
	return container_start(g->root, argv[optind], err) < 0 ? -1 : 0;
}

int cmd_state(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	_cleanup_free_ char *json = NULL;

	if (no_flags("state", argc, argv, 1, err) < 0)
		return -1;
	if (container_state_json(g->root, argv[optind], &json, err) < 0)
		return -1;
	printf("%s\n", json);
	return 0;
}

int cmd_kill(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"all", no_argument, NULL, 'a'},
	                                         {NULL, 0, NULL, 0}};
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = getopt_long(argc, argv, "+a", longopts, NULL)) != -1) {
		if (c != 'a')
			return herr_msg(err, "kill: unknown option '%s'", argv[optind - 1]);
		all = true;
	}
	if (cmd_check_args("kill", argc, 1, 2, err) < 0)
		return -1;
	if (optind + 1 < argc) {
		sig = signal_from_name(argv[optind + 1]);
		if (sig < 0)
			return herr_msg(err, "unknown signal \"%s\"", argv[optind + 1]);
	}
	return container_kill(g->root, argv[optind], sig, all, err) < 0 ? -1 : 0;
}

int cmd_delete(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"force", no_argument, NULL, 'f'},
	                                         {NULL, 0, NULL, 0}};
	bool force = false;
	int c;

	while ((c = getopt_long(argc, argv, "f", longopts, NULL)) != -1) {
		if (c != 'f')
			return herr_msg(err, "delete: unknown option '%s'", argv[optind - 1]);
		force = true;
	}
	if (cmd_check_args("delete", argc, 1, 1, err) < 0)
		return -1;
	return container_delete(g->root, argv[optind], force, err) < 0 ? -1 : 0;
}
