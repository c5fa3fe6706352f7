/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch spec: write a default config.json (runc's defaults) into a bundle. */
#include "cmd/common.h"
#include "core/bundle.h"

#include <getopt.h>

int cmd_spec(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"bundle", required_argument, NULL, 'b'},
	                                         {"rootless", no_argument, NULL, 'r'},
	                                         {NULL, 0, NULL, 0}};
	const char *bundle = ".";
	bool rootless = false;
	int c;

	(void)g;
	while ((c = getopt_long(argc, argv, "b:", longopts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return herr_msg(err, "spec: unknown option '%s'", argv[optind - 1]);
	}
	if (cmd_check_args("spec", argc, 0, 0, err) < 0)
		return -1;
	return bundle_write_default_spec(bundle, rootless, err);
}
