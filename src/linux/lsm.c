/* SPDX-License-Identifier: GPL-2.0-or-later */
/* AppArmor and SELinux exec labels through the verified procfs. */
#include "linux/lsm.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/procfs.h"
#include "util/str.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

bool lsm_apparmor_enabled(void)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_error_ struct hutch_error *ignored = NULL;

	if (fs_read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &buf, NULL,
	                    &ignored) < 0)
		return false;
	return buf[0] == 'Y';
}

bool lsm_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

int lsm_check(const struct spec_process *p, struct hutch_error **err)
{
	if (p->apparmorProfile && *p->apparmorProfile && !lsm_apparmor_enabled())
		return herr_msg(
		    err,
		    "config.json: .process.apparmorProfile: AppArmor is not enabled on this host");
	if (p->selinuxLabel && *p->selinuxLabel && !lsm_selinux_enabled())
		return herr_msg(
		    err, "config.json: .process.selinuxLabel: SELinux is not enabled on this host");
	return 0;
}

/* Write to the first of `paths` that exists. */
static int write_attr(const char *const *paths, size_t n, const char *data,
                      struct hutch_error **err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_error_ struct hutch_error *absent = NULL;
		_cleanup_close_ int fd = i + 1 < n ? procfs_open(paths[i], O_PATH, &absent) : -1;
		if (fd < 0 && i + 1 < n)
			continue;
		return procfs_write(paths[i], data, strlen(data), err);
	}
	return herr_msg(err, "no LSM attribute file");
}

int lsm_set_apparmor_profile(const char *profile, struct hutch_error **err)
{
	static const char *const paths[] = {"thread-self/attr/apparmor/exec",
	                                    "self/attr/apparmor/exec", "self/attr/exec"};
	_cleanup_free_ char *data = NULL;

	if (!profile || !*profile)
		return 0;
	if (!lsm_apparmor_enabled())
		return herr_msg(
		    err,
		    "config.json: .process.apparmorProfile: AppArmor is not enabled on this host");
	data = xasprintf("exec %s", profile);
	if (write_attr(paths, ARRAY_SIZE(paths), data, err) < 0)
		return herr_prefix(err, "config.json: .process.apparmorProfile: %s", profile);
	return 0;
}

int lsm_set_selinux_label(const char *label, struct hutch_error **err)
{
	static const char *const paths[] = {"thread-self/attr/exec", "self/attr/exec"};

	if (!label || !*label)
		return 0;
	if (!lsm_selinux_enabled())
		return herr_msg(
		    err, "config.json: .process.selinuxLabel: SELinux is not enabled on this host");
	if (write_attr(paths, ARRAY_SIZE(paths), label, err) < 0)
		return herr_prefix(err, "config.json: .process.selinuxLabel: %s", label);
	return 0;
}
