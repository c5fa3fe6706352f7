/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sealed memfd copy of hutch-init and how to call it (exe.h). */
#include "spawn/exe.h"
#include "spawn/helper/abi.h"
#include "linux/seccomp.h"
#include "util/cleanup.h"
#include "util/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

/* helper_image.c, generated from the built hutch-init (helper/meson.build) */
extern const unsigned char spawn_helper_image[];
extern const size_t spawn_helper_image_len;

/* memfd_create with `flags`, or without the exec flags on a kernel that
 * predates them (< 6.3: EINVAL). */
static int memfd(const char *name, unsigned flags)
{
	int fd = memfd_create(name, flags);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, flags & ~(MFD_EXEC | MFD_NOEXEC_SEAL));
	return fd;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Every seal at once, F_SEAL_SEAL last in effect: nothing can be added,
 * written, grown, shrunk or (with F_SEAL_EXEC, Linux 6.3) chmod'ed after. */
static int seal(int fd)
{
	int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

	if (fcntl(fd, F_ADD_SEALS, seals | F_SEAL_EXEC) == 0)
		return 0;
	return errno == EINVAL ? fcntl(fd, F_ADD_SEALS, seals) : -1;
}

int exe_helper_open(struct hutch_error **err)
{
	_cleanup_close_ int fd = memfd(HELPER_ARGV0, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (fd < 0 && errno == EACCES)
		return herr_errno(err, errno,
		                  "memfd for the container's helper program: the kernel refuses "
		                  "executable memfds (vm.memfd_noexec)");
	if (fd < 0)
		return herr_errno(err, errno, "memfd for the container's helper program");
	if (write_all(fd, spawn_helper_image, spawn_helper_image_len) < 0)
		return herr_errno(err, errno, "copy the container's helper program");
	if (seal(fd) < 0)
		return herr_errno(err, errno, "seal the container's helper program");
	return steal_fd(&fd);
}

int exe_helper_bpf(const struct seccomp_filter *f, struct hutch_error **err)
{
	_cleanup_close_ int fd =
	    memfd("hutch-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
	struct helper_bpf_header hdr = {.magic = HELPER_BPF_MAGIC};
	const void *insns;
	size_t len;

	if (fd < 0)
		return herr_errno(err, errno, "memfd for the seccomp filter");
	seccomp_filter_program(f, &insns, &len, &hdr.flags);
	if (len == 0 || len > HELPER_BPF_MAX)
		return herr_msg(err, "seccomp filter of %zu instructions", len);
	hdr.len = (uint32_t)len;
	if (write_all(fd, &hdr, sizeof(hdr)) < 0 || write_all(fd, insns, len * 8) < 0)
		return herr_errno(err, errno, "write the seccomp filter");
	if (seal(fd) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return herr_errno(err, errno, "seal the seccomp filter");
	return steal_fd(&fd);
}

static void push_fd(char ***argv, const char *opt, int fd)
{
	char buf[16];

	if (fd < 0)
		return;
	snprintf(buf, sizeof(buf), "%d", fd);
	strv_push(argv, opt);
	strv_push(argv, buf);
}

char **exe_helper_argv(const struct exe_helper_call *c)
{
	char **argv = NULL;

	strv_push(&argv, HELPER_ARGV0);
	push_fd(&argv, "-s", c->sync_fd);
	push_fd(&argv, c->wait ? "-w" : "-k", c->fifo_fd);
	push_fd(&argv, "-e", c->err_fd);
	push_fd(&argv, "-f", c->bpf_fd);
	if (c->caps) {
		_cleanup_free_ char *caps =
		    xasprintf("%llx:%llx:%llx:%llx", (unsigned long long)c->caps[0],
		              (unsigned long long)c->caps[1], (unsigned long long)c->caps[2],
		              (unsigned long long)c->caps[3]);
		strv_push(&argv, "-c");
		strv_push(&argv, caps);
	}
	strv_push(&argv, "--");
	strv_push(&argv, c->path);
	if (c->argv && c->argv[0])
		for (char *const *a = c->argv; *a; a++)
			strv_push(&argv, *a);
	else
		strv_push(&argv, c->path);
	return argv;
}

void exe_helper_exec(int helper_fd, char *const argv[], char *const envp[])
{
	syscall(SYS_execveat, helper_fd, "", argv, envp, AT_EMPTY_PATH);
}
