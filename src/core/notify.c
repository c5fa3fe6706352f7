/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sd_notify passthrough: the container's notify socket in the state dir,
 * bind-mounted on /run/notify, and the READY= relay to $NOTIFY_SOCKET: one
 * datagram (sd_notify(3) documents the protocol), sent here: hutch links
 * no libsystemd. */
#include "core/notify.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/str.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *notify_host_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s && *s ? s : NULL;
}

int notify_prepare(struct spec *s, const char *state_dir, struct hutch_error **err)
{
	static const char *const opts[] = {"bind", "nosuid", "noexec", "nodev", "ro"};
	_cleanup_free_ char *dir = xasprintf("%s/notify", state_dir);
	struct spec_mount *m;

	if (!notify_host_socket() || !s->process)
		return 0;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return herr_errno(err, errno, "mkdir %s", dir);
	/* the state root is 0700: a non-root container user still reaches the
	 * socket through the bind mount */
	chmod(dir, 0755);
	s->mounts = xrealloc(s->mounts, (s->n_mounts + 1) * sizeof(*s->mounts));
	m = &s->mounts[s->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = xstrdup("/run/notify");
	m->source = steal_ptr(&dir);
	m->type = xstrdup("bind");
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		strv_push(&m->options, opts[i]);
	strv_set_env(&s->process->env, "NOTIFY_SOCKET=" NOTIFY_CONTAINER_SOCKET);
	return 0;
}

/* Fill sa for path; returns the address length, or -1. */
static int unix_addr(const char *path, struct sockaddr_un *sa, struct hutch_error **err)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path))
		return herr_msg(err, "socket path too long: %s", path);
	memcpy(sa->sun_path, path, len);
	/* systemd's abstract sockets are written "@name"; their name is
	 * exactly len bytes, with no terminating NUL */
	if (sa->sun_path[0] == '@') {
		sa->sun_path[0] = '\0';
		return (int)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	return (int)sizeof(*sa);
}

int notify_bind(const char *state_dir, int *ret_fd, struct hutch_error **err)
{
	_cleanup_free_ char *dir = xasprintf("%s/notify", state_dir);
	_cleanup_free_ char *path = xasprintf("%s/notify.sock", dir);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un sa;
	struct stat st;
	int salen;

	*ret_fd = -1;
	if (!notify_host_socket() || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	salen = unix_addr(path, &sa, err);
	if (salen < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return herr_errno(err, errno, "notify socket");
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0)
		return herr_errno(err, errno, "bind %s", path);
	/* any container user may notify */
	if (chmod(path, 0777) < 0)
		return herr_errno(err, errno, "chmod %s", path);
	*ret_fd = steal_fd(&fd);
	return 0;
}

/* The READY=... line of a datagram, or NULL. */
static char *ready_line(char *buf)
{
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "READY=", 6) == 0)
			return line;
	}
	return NULL;
}

static void send_host(const char *ready, pid_t pid)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	_cleanup_free_ char *msg = xasprintf("%s\nMAINPID=%d\n", ready, (int)pid);
	struct hutch_error *e = NULL;
	struct sockaddr_un sa;
	int salen = unix_addr(notify_host_socket(), &sa, &e);

	if (salen < 0) {
		log_warn("notify: %s", e->msg);
		herr_freep(&e);
		return;
	}
	if (fd < 0 || sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		log_warn("notify: send to %s: %s", notify_host_socket(), strerror(errno));
}

void notify_forward(int fd, pid_t pid, unsigned long long pid_start, pid_t mainpid)
{
	char buf[4096];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 100);

		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0) {
			if (!proc_alive(pid, pid_start))
				break;
			continue;
		}
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			continue;
		buf[n] = '\0';
		char *ready = ready_line(buf);
		if (ready) {
			send_host(ready, mainpid);
			break;
		}
	}
	close(fd);
}
