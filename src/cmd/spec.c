/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hutch spec: write a default config.json (runc's defaults) into a bundle. */
#include "cmd/common.h"
#include "spec/default.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

int cmd_spec(int argc, char **argv, const struct global_opts *g, struct hutch_error **err)
{
	static const struct option longopts[] = {{"bundle", required_argument, NULL, 'b'},
	                                         {"rootless", no_argument, NULL, 'r'},
	                                         {NULL, 0, NULL, 0}};
	const char *bundle = ".";
	bool rootless = false;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
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
	path = xasprintf("%s/config.json", bundle);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return herr_msg(err, "File %s exists. Remove it first", path);
	if (fd < 0)
		return herr_errno(err, errno, "create %s", path);
	text = spec_default_json(rootless);
	if (fs_write_all(fd, text, strlen(text)) < 0 || fs_write_all(fd, "\n", 1) < 0)
		return herr_errno(err, errno, "write %s", path);
	return 0;
}
