/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/bundle.h"
#include "spec/default.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

int bundle_write_default_spec(const char *bundle, bool rootless, struct hutch_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
	_cleanup_free_ char *text = NULL;
	/* O_EXCL: an existing file (or a symlink planted in its place) stays */
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0 && errno == EEXIST)
		return herr_msg(err, "File %s exists. Remove it first", path);
	if (fd < 0)
		return herr_errno(err, errno, "create %s", path);
	text = spec_default_json(rootless);
	if (fs_write_all(fd, text, strlen(text)) < 0 || fs_write_all(fd, "\n", 1) < 0)
		return herr_errno(err, errno, "write %s", path);
	return 0;
}
