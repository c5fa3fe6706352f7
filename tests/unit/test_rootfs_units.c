/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the rootfs helpers that need no privileges: sysctl key
 * translation and the mountinfo parser. */
#include "tap.h"
#include "linux/sysctl.h"
#include "util/mountinfo.h"

#include <stdlib.h>

static void key(const char *k, const char *want)
{
	struct hutch_error *err = NULL;
	char *path = NULL;
	int r = sysctl_key_to_path(k, &path, &err);

	if (want)
		ok(r == 0 && path && strcmp(path, want) == 0, "sysctl %s -> %s (got %s)", k, want,
		   path ? path : err->msg);
	else
		ok(r < 0 && err && strstr(err->msg, "invalid key"), "sysctl \"%s\" refused", k);
	free(path);
	herr_freep(&err);
}

static void test_sysctl(void)
{
	key("net.ipv4.ip_forward", "net/ipv4/ip_forward");
	key("kernel.shm_rmid_forced", "kernel/shm_rmid_forced");
	key("net/ipv4/conf/eth0.100/forwarding", "net/ipv4/conf/eth0.100/forwarding");
	key("fs.mqueue.msg_max", "fs/mqueue/msg_max");
	key("", NULL);
	key("net..ipv4", NULL);
	key("net.ipv4.", NULL);
	key(".net", NULL);
	key("net/../../etc", NULL);
	key("net/./x", NULL);
	key("../x", NULL);
	key("/net/x", NULL);
}

static void test_mountinfo(void)
{
	const char *text =
	    "22 27 0:21 / /proc rw,relatime shared:5 - proc proc rw\n"
	    "32 31 0:29 /sub /sys/fs/cgroup/cpu\\040x rw,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
	    "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n";
	struct hutch_error *err = NULL;
	struct mountinfo mi = {0};

	ok(mountinfo_parse(text, &mi, &err) == 0 && mi.n == 3, "three entries parsed");
	if (mi.n == 3) {
		ok(mi.e[0].id == 22 && mi.e[0].parent_id == 27, "ids");
		is_str(mi.e[0].fstype, "proc", "fstype after the optional fields");
		is_str(mi.e[1].mount_point, "/sys/fs/cgroup/cpu x", "octal escape decoded");
		is_str(mi.e[1].root, "/sub", "root");
		is_str(mi.e[1].super_opts, "rw,cpu,cpuacct", "super options");
		is_str(mi.e[1].mount_opts, "rw,nosuid", "mount options");
		is_str(mi.e[2].source, "cgroup2", "source");
	}
	mountinfo_free(&mi);
	ok(mountinfo_parse("1 2 3\n", &mi, &err) < 0 && err, "malformed line rejected");
	herr_freep(&err);
}

int main(void)
{
	test_sysctl();
	test_mountinfo();
	return done_testing();
}
