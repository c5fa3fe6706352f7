/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch create, and the flag parser it shares with run. */
#include "cmd/common.h"
#include "core/rootless.h"
#include "util/str.h"

#include <getopt.h>
#include <string.h>

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_PRESERVE,
	OPT_KEEP,
	OPT_NO_SUBREAPER
};

int cmd_parse_create_flags(int argc, char **argv, bool run, const struct global_opts *g,
                           struct run_opts *ret, struct hutch_error **err)
{
	static const struct option longopts[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE},
	    {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
	    {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
	    {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, OPT_KEEP},
	    {"no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER},
	    {NULL, 0, NULL, 0},
	};
	long long n;
	int c;

	memset(ret, 0, sizeof(*ret));
	ret->create.root = g->root;
	ret->create.first_free_fd = g->first_free_fd;
	ret->create.rootless = rootless_is(g->rootless);
	ret->create.bundle = ".";
	if (cmd_cgroup_manager(g, &ret->create.manager, err) < 0)
		return -1;
	while ((c = getopt_long(argc, argv, run ? "b:d" : "b:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			ret->create.bundle = optarg;
			break;
		case OPT_PID_FILE:
			ret->create.pid_file = optarg;
			break;
		case OPT_CONSOLE:
			ret->create.console_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			ret->create.no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			ret->create.no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (str_to_i64(optarg, &n) < 0 || n < 0 || n > 65536)
				return herr_msg(err, "invalid --preserve-fds '%s'", optarg);
			ret->create.preserve_fds = (int)n;
			break;
		case 'd':
		case OPT_KEEP:
		case OPT_NO_SUBREAPER:
			if (!run)
				goto bad;
			if (c == 'd')
				ret->detach = true;
			else if (c == OPT_KEEP)
				ret->keep = true;
			else
				ret->no_subreaper = true;
			break;
		default:
			goto bad;
		}
	}
	if (cmd_check_args(run ? "run" : "create", argc, 1, 1, err) < 0)
		return -1;
	ret->create.id = argv[optind];
	return 0;
bad:
	return herr_msg(err, "%s: unknown or incomplete option '%s' (see 'hutch %s --help')",
	                argv[0], argv[optind - 1], argv[0]);
}

int cmd_create(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	struct run_opts f;
	struct created c;

	if (cmd_parse_create_flags(argc, argv, false, g, &f, err) < 0)
		return -1;
	return container_create(&f.create, &c, err) < 0 ? -1 : 0;
}
