/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Run by `exec` in a created container: try to reach pid 1 (the container's
 * init, still the runtime's until `start`) through /proc: its exe, its fds
 * (exec.fifo, start.err, the runtime's socket), its environ. One line per
 * try on stdout: NAME=ok|ERRNO. A runtime whose init is non-dumpable until
 * its execve answers every one with EACCES (or EPERM). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *result(int ok_)
{
	static char buf[32];

	if (ok_)
		return "ok";
	switch (errno) {
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case ENXIO:
		return "ENXIO";
	default:
		snprintf(buf, sizeof(buf), "errno%d", errno);
		return buf;
	}
}

static void try_open(const char *name, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK);

	printf("%s=%s\n", name, result(fd >= 0));
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char buf[4096], name[64], path[64];

	try_open("exe_path", "/proc/1/exe", O_PATH);
	try_open("exe_read", "/proc/1/exe", O_RDONLY);
	printf("exe_readlink=%s\n", result(readlink("/proc/1/exe", buf, sizeof(buf)) >= 0));
	try_open("environ", "/proc/1/environ", O_RDONLY);
	/* Listing /proc/1/fd needs no ptrace access (only the directory's mode):
	 * opening an entry does. Try the numbers a runtime would use, whatever a
	 * listing shows. */
	for (int fd = 0; fd < 16; fd++) {
		snprintf(name, sizeof(name), "fd%d", fd);
		snprintf(path, sizeof(path), "/proc/1/fd/%d", fd);
		if (access(path, F_OK) < 0 && errno == ENOENT)
			continue;
		try_open(name, path, O_RDONLY);
		snprintf(name, sizeof(name), "fd%d_write", fd);
		try_open(name, path, O_WRONLY);
	}
	return 0;
}
